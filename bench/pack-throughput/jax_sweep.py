# The JAX side of bench/pack-throughput: the benchmark's lr × seed sweep of µP MLPs (ReLU,
# ½·MSE, SGD with every layer at η0·N) trained by JAX on the CPU, in one of two ways a JAX user
# would write it:
#   loop: one jit'd step (lr a traced argument, so one compilation serves every trial), the
#         trials one after another;
#   vmap: the trials' parameters stacked on a leading axis and the same step vmapped over them,
#         lr and batch order per trial; a diverged trial is masked out (its weights frozen) and
#         stops counting steps.
# Both read every step's loss back (the product's trainer does too: its divergence check), and
# evaluate the training-set and test-set loss at step 0 and at the end, as the product's trials
# do with evaluation points only there. Settings as JSON on stdin; prints one JSON line.
# Thread count is fixed by the caller (XLA_FLAGS and CPU affinity).
import json
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

cfg = json.load(sys.stdin)
mode = cfg["mode"]
D, N, L, B = cfg["inputDim"], cfg["width"], cfg["depth"], cfg["batch"]
steps, n_train, n_test = cfg["steps"], cfg["trainSize"], cfg["testSize"]
lrs = np.asarray(cfg["lrs"], dtype=np.float32)
seeds = [int(s) for s in cfg["seeds"]]
factor = cfg["divergenceFactor"]
T = len(seeds)

dims = [D] + [N] * (L - 1) + [1]
# µP at γ0 = 1 (core/model/parametrization.ts): W ~ N(0, 1), forward multipliers 1/sqrt(D) on
# the input layer, 1/sqrt(N) on hidden layers, 1/N on the output; SGD lr η0·N on every layer.
mult = [1 / np.sqrt(dims[l]) if l < L - 1 else 1 / dims[l] for l in range(L)]
lr_factor = N if L > 1 else 1

# The task: a fixed tanh teacher (width 64, depth 2) with unit-variance targets, a fixed
# training and test set drawn once (task seed 0), as the product's teacher-mlp task defines it;
# numpy draws it, so the numbers differ from the product's own generator, the shapes do not.
data_rng = np.random.default_rng(0)
tw = cfg["teacherWidth"]
t1 = data_rng.standard_normal((D, tw)) / np.sqrt(D)
t2 = data_rng.standard_normal((tw, 1)) / np.sqrt(tw)


def teacher(x):
    return np.tanh(x @ t1) @ t2


scale = teacher(data_rng.standard_normal((8192, D))).std()
x_tr = data_rng.standard_normal((n_train, D)).astype(np.float32)
y_tr = (teacher(x_tr) / scale).astype(np.float32)
x_te = data_rng.standard_normal((n_test, D)).astype(np.float32)
y_te = (teacher(x_te) / scale).astype(np.float32)
x_tr, y_tr, x_te, y_te = map(jnp.asarray, (x_tr, y_tr, x_te, y_te))


def init(seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((dims[l], dims[l + 1]), dtype=np.float32) for l in range(L)]


def batch_rows(seed):
    """Each trial's minibatch order: epochs of a seeded shuffle of the training set, [steps, B]."""
    rng = np.random.default_rng([seed, 1])
    need = steps * B
    order = np.concatenate([rng.permutation(n_train) for _ in range(need // n_train + 1)])[:need]
    return order.reshape(steps, B).astype(np.int32)


def loss_fn(ps, x, y):
    z = x
    for l, (w, a) in enumerate(zip(ps, mult)):
        h = a * (z @ w)
        z = jax.nn.relu(h) if l < L - 1 else h
    return 0.5 * jnp.mean(jnp.sum((z - y) ** 2, axis=1))


def step1(ps, rows, lr):
    loss, grads = jax.value_and_grad(loss_fn)(ps, x_tr[rows], y_tr[rows])
    eta = lr * lr_factor
    return [p - eta * g for p, g in zip(ps, grads)], loss


def eval1(ps):
    return loss_fn(ps, x_tr, y_tr), loss_fn(ps, x_te, y_te)


step_loop = jax.jit(step1)
eval_loop = jax.jit(eval1)
step_vmap = jax.jit(jax.vmap(step1, in_axes=(0, 0, 0)))
eval_vmap = jax.jit(jax.vmap(eval1))


def cpu_wall():
    return time.perf_counter(), time.process_time()


def compile_all():
    """Compiles (and runs once) every function the timed sweep calls, on throwaway inputs."""
    t, c = cpu_wall()
    if mode == "loop":
        ps = [jnp.asarray(p) for p in init(0)]
        jax.block_until_ready(eval_loop(ps))
        jax.block_until_ready(step_loop(ps, jnp.zeros((B,), jnp.int32), jnp.float32(0)))
    else:
        ps = [jnp.zeros((T, dims[l], dims[l + 1]), jnp.float32) for l in range(L)]
        jax.block_until_ready(eval_vmap(ps))
        jax.block_until_ready(step_vmap(ps, jnp.zeros((T, B), jnp.int32), jnp.zeros((T,), jnp.float32)))
    return (time.perf_counter() - t) * 1e3, (time.process_time() - c) * 1e3


def bound_of(initial):
    return factor * initial if factor > 0 else np.inf


def run_loop():
    finals, outcomes, trained = [], [], 0
    for i, seed in enumerate(seeds):
        ps = [jnp.asarray(p) for p in init(seed)]
        rows = jnp.asarray(batch_rows(seed))
        lr = jnp.float32(lrs[i])
        initial = float(eval_loop(ps)[0])
        bound, outcome, done = bound_of(initial), "succeeded", steps
        for s in range(steps):
            ps, loss = step_loop(ps, rows[s], lr)
            loss = float(loss)
            if not np.isfinite(loss) or loss > bound:
                outcome, done = "diverged", s + 1
                break
        trained += done
        finals.append(float(eval_loop(ps)[0]) if outcome == "succeeded" else loss)
        outcomes.append(outcome)
    return finals, outcomes, trained


def run_vmap():
    ps = [jnp.asarray(np.stack(layer)) for layer in zip(*[init(s) for s in seeds])]
    rows = jnp.asarray(np.stack([batch_rows(s) for s in seeds], axis=1))  # [steps, T, B]
    lr = jnp.asarray(lrs)
    initial = np.asarray(eval_vmap(ps)[0])
    bound = np.array([bound_of(v) for v in initial])
    alive = np.ones(T, dtype=bool)
    done = np.full(T, steps)
    last = np.zeros(T)
    for s in range(steps):
        new, loss = step_vmap(ps, rows[s], lr)
        loss = np.asarray(loss)
        bad = alive & ~(np.isfinite(loss) & (loss <= bound))
        done[bad], last[bad] = s + 1, loss[bad]
        alive &= ~bad
        # a diverged trial keeps its last weights (masked out); the live ones take the step
        keep = jnp.asarray(alive)[:, None, None]
        ps = [jnp.where(keep, n, p) for n, p in zip(new, ps)]
        if not alive.any():
            break
    final = np.asarray(eval_vmap(ps)[0])
    finals = [float(final[i]) if alive[i] else float(last[i]) for i in range(T)]
    outcomes = ["succeeded" if a else "diverged" for a in alive]
    return finals, outcomes, int(done.sum())


compile_ms, compile_cpu_ms = compile_all()
t, c = cpu_wall()
finals, outcomes, trained = run_loop() if mode == "loop" else run_vmap()
wall_ms, cpu_ms = (time.perf_counter() - t) * 1e3, (time.process_time() - c) * 1e3
print(json.dumps({
    "mode": mode, "trialSteps": trained, "wallMs": wall_ms, "cpuMs": cpu_ms,
    "compileMs": compile_ms, "compileCpuMs": compile_cpu_ms,
    # a non-finite loss is null, as JSON.stringify writes it on the product's side
    "finals": [f if np.isfinite(f) else None for f in finals], "outcomes": outcomes, "jax": jax.__version__, "device": str(jax.devices()[0]),
}))
