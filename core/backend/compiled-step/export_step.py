# Writes one plain-SGD training step of the product's MLP (core/model/mlp.ts, core/model/loss.ts)
# as a TensorFlow SavedModel, so the native backend runs a whole step as one graph (one session
# call, Grappler's fusions) instead of ~27 eager ops. Run by core/backend/compiled-step.ts with the
# Python environment scripts/install-tfjs-native.sh installs TensorFlow into.
#
#   python export_step.py OUT_DIR '{"depth":3,"activation":"relu","bias":false,"loss":"mse","centered":false}'
#
# Shapes are left open (any width, batch, input and output size), so one export serves a whole
# sweep; the structure (depth, activation, bias, loss, centering) is fixed per export. With
# "packed": true the step is that of a pack of T trials as one vectorised model
# (core/model/packed-mlp.ts): every tensor gets a leading trial axis, mult and bmult are [T, L],
# rates [T, P], and `loss` is each trial's summed loss, [T].
# Inputs: p0..p{P-1} (the parameters in the model's order: per layer its weight, then its bias
# when the model has biases), x, y, f0 (centered models: the frozen initial network's output),
# mult [L] (layer multipliers), bmult [L] (bias multipliers), rates [P] (each parameter's
# learning rate). Outputs: p0..p{P-1} after the step, and `loss`, the summed (not averaged)
# loss before it. A second signature, `output`, is the forward pass alone (p0..p{P-1}, x, mult,
# bmult → f, the raw output), which evaluation uses. A third, `steps`, runs K steps in one call:
# x, y and f0 stacked on a leading axis of K batches, `loss` one row per step.
import json
import math
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

INV_SQRT2 = 1 / math.sqrt(2)


def activate(kind, h):
    if kind == "relu":
        return tf.nn.relu(h)
    if kind == "tanh":
        return tf.tanh(h)
    if kind == "gelu":  # exact: h·Φ(h)
        return h * (0.5 * (1 + tf.math.erf(h * INV_SQRT2)))
    if kind == "linear":
        return h
    raise ValueError(f"unknown activation {kind}")


def loss_sum(kind, f, y, packed):
    """The summed loss over the rows of f: a scalar, or one per trial ([T]) when packed."""
    rows = [1, 2] if packed else None
    if kind == "mse":
        return 0.5 * tf.reduce_sum(tf.square(f - y), axis=rows)
    if kind == "xent":
        last = f.shape.rank - 1
        per_row = tf.reduce_logsumexp(f, axis=last) - tf.reduce_sum(y * f, axis=last)
        return tf.reduce_sum(per_row, axis=1 if packed else None)
    raise ValueError(f"unknown loss {kind}")


def build(key):
    depth, act, bias, loss, centered = key["depth"], key["activation"], key["bias"], key["loss"], key["centered"]
    packed = key.get("packed", False)
    n_params = depth * (2 if bias else 1)
    lead = [None] if packed else []  # the trial axis
    matrix = lead + [None, None]
    # a bias is [fanOut] alone and [T, 1, fanOut] in a pack
    spec = [tf.TensorSpec(matrix if (packed or not bias or i % 2 == 0) else [None], tf.float32, name=f"p{i}")
            for i in range(n_params)]
    spec += [tf.TensorSpec(matrix, tf.float32, name="x"), tf.TensorSpec(matrix, tf.float32, name="y")]
    if centered:
        spec.append(tf.TensorSpec(matrix, tf.float32, name="f0"))
    spec += [tf.TensorSpec(lead + [depth], tf.float32, name="mult"), tf.TensorSpec(lead + [depth], tf.float32, name="bmult"),
             tf.TensorSpec(lead + [n_params], tf.float32, name="rates")]
    def col(v, i):
        """Entry i of a constant: a scalar, or in a pack each trial's, broadcast over its matrix."""
        return v[:, i][:, None, None] if packed else v[i]

    def forward(ps, x, mult, bmult):
        z = x
        for layer in range(depth):
            w = ps[2 * layer] if bias else ps[layer]
            # a pack scales each trial's weights ([T, fanIn, fanOut]) rather than its activations
            # ([T, rows, fanOut]): fewer floats when rows exceed fanIn (width-64 packs of 64 trials,
            # batch 128: a 7% faster step; level at width 256). One trial keeps the eager order.
            h = tf.matmul(z, w * col(mult, layer)) if packed else tf.matmul(z, w) * col(mult, layer)
            if bias:
                h = h + ps[2 * layer + 1] * col(bmult, layer)
            z = activate(act, h) if layer < depth - 1 else h
        return z

    def one_step(ps, x, y, f0, mult, bmult, rates):
        """The parameters after one step on (x, y), and the summed loss before it."""
        with tf.GradientTape() as tape:
            tape.watch(ps)
            z = forward(ps, x, mult, bmult)
            f = z - f0 if centered else z
            total = loss_sum(loss, f, y, packed)
            # each trial's mean loss (the trials' gradients are independent: their sum has them all)
            mean = tf.reduce_sum(total) / tf.cast(tf.shape(x)[-2], tf.float32)
        grads = tape.gradient(mean, ps)
        return [p - col(rates, i) * g for i, (p, g) in enumerate(zip(ps, grads))], total

    def step(*args):
        ps = list(args[:n_params])
        x, y = args[n_params], args[n_params + 1]
        rest = args[n_params + 2:]
        f0 = rest[0] if centered else None
        nxt, total = one_step(ps, x, y, f0, *rest[-3:])
        out = {f"p{i}": p for i, p in enumerate(nxt)}
        out["loss"] = total
        return out

    def steps(*args):
        # K steps in one call: xs, ys (and f0s) stack the K batches on a leading axis; `loss` is
        # [K] (a pack: [K, T]), step k's summed loss before its update. Each iteration is the
        # step above, so K steps here are K calls of `step` without K session calls.
        ps = list(args[:n_params])
        xs, ys = args[n_params], args[n_params + 1]
        rest = args[n_params + 2:]
        f0s = rest[0] if centered else None
        consts = rest[-3:]
        k = tf.shape(xs)[0]
        losses = tf.TensorArray(tf.float32, size=k)

        def body(i, ps, losses):
            nxt, total = one_step(list(ps), xs[i], ys[i], f0s[i] if centered else None, *consts)
            return i + 1, nxt, losses.write(i, total)

        _, ps, losses = tf.while_loop(lambda i, ps, losses: i < k, body, [tf.constant(0), ps, losses])
        out = {f"p{i}": p for i, p in enumerate(ps)}
        out["loss"] = losses.stack()
        return out

    def output(*args):
        # the raw (uncentered) output on x: evaluation's forward pass
        return {"f": forward(list(args[:n_params]), args[n_params], args[n_params + 1], args[n_params + 2])}

    out_spec = spec[:n_params] + [spec[n_params]] + spec[-3:-1]  # parameters, x, mult, bmult
    # the K-step signature: x, y and f0 get a leading step axis
    stacked = [tf.TensorSpec([None] + t.shape.as_list(), tf.float32, name=t.name) if t.name in ("x", "y", "f0") else t
               for t in spec]
    module = tf.Module()
    module.step = tf.function(step, input_signature=spec)
    module.steps = tf.function(steps, input_signature=stacked)
    module.output = tf.function(output, input_signature=out_spec)
    return module


def main():
    out_dir, key = sys.argv[1], json.loads(sys.argv[2])
    module = build(key)
    tf.saved_model.save(module, out_dir, signatures={"serving_default": module.step, "output": module.output, "steps": module.steps})


if __name__ == "__main__":
    main()
