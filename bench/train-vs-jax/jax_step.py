# The reference side of bench/train-vs-jax: the same MLP (µP multipliers, ReLU, ½·MSE, SGD with
# lr η0·N) trained by JAX on the CPU. Reads the settings as JSON on stdin, prints one JSON line.
# Thread count is fixed by the caller (XLA_FLAGS and CPU affinity).
import json
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

cfg = json.load(sys.stdin)
D, N, B = cfg["inputDim"], cfg["width"], cfg["batch"]
lr = cfg["lr"] * N  # µP: every layer trains with η0·N
mult = [1 / np.sqrt(D), 1 / np.sqrt(N), 1 / N]
rng = np.random.default_rng(0)
params = [jnp.asarray(rng.standard_normal(s), dtype=jnp.float32) for s in [(D, N), (N, N), (N, 1)]]
x = jnp.asarray(rng.standard_normal((B, D)), dtype=jnp.float32)
y = jnp.asarray(rng.standard_normal((B, 1)), dtype=jnp.float32)
xp = jnp.asarray(rng.standard_normal((cfg["probe"], D)), dtype=jnp.float32)
yp = jnp.asarray(rng.standard_normal((cfg["probe"], 1)), dtype=jnp.float32)


def loss_fn(ps, x, y):
    z = x
    for l, (w, a) in enumerate(zip(ps, mult)):
        h = a * (z @ w)
        z = jax.nn.relu(h) if l < len(ps) - 1 else h
    return 0.5 * jnp.mean(jnp.sum((z - y) ** 2, axis=1))


@jax.jit
def step(ps, x, y):
    loss, grads = jax.value_and_grad(loss_fn)(ps, x, y)
    return [p - lr * g for p, g in zip(ps, grads)], loss


K = cfg.get("perCall", 0)  # > 0: also K steps per call on K stacked batches (lax.scan)
xs = jnp.asarray(rng.standard_normal((max(K, 1), B, D)), dtype=jnp.float32)
ys = jnp.asarray(rng.standard_normal((max(K, 1), B, 1)), dtype=jnp.float32)


@jax.jit
def steps(ps, xs, ys):
    def body(q, xy):
        q, loss = step(q, *xy)
        return q, loss
    return jax.lax.scan(body, ps, (xs, ys))


@jax.jit
def hvp(ps, v):
    # forward-over-reverse: the directional derivative of the gradient
    return jax.jvp(lambda q: jax.grad(loss_fn)(q, xp, yp), (ps,), (v,))[1]


def best_ms(fn, reps, rounds):
    """Best wall-clock and best CPU time per call over `rounds` runs of `reps` calls."""
    wall = cpu = float("inf")
    for _ in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        for _ in range(reps):
            fn()
        wall = min(wall, (time.perf_counter() - t) * 1e3 / reps)
        cpu = min(cpu, (time.process_time() - c) * 1e3 / reps)
    return wall, cpu


state = {"p": params}


def one_step():
    state["p"], loss = step(state["p"], x, y)
    float(loss)  # the trainer reads every step's loss back too (divergence check)


def k_steps():
    state["p"], losses = steps(state["p"], xs, ys)
    np.asarray(losses)  # every step's loss read back


v = [jnp.ones_like(p) for p in params]


def one_hvp():
    jax.block_until_ready(hvp(params, v))


for _ in range(cfg["warmup"]):
    one_step()
one_hvp()
step_wall, step_cpu = best_ms(one_step, cfg["steps"], cfg["rounds"])
hvp_wall, hvp_cpu = best_ms(one_hvp, max(5, cfg["steps"] // 10), cfg["rounds"])
out = {}
if K > 0:
    k_steps()
    k_wall, k_cpu = best_ms(k_steps, max(2, cfg["steps"] // K), cfg["rounds"])
    out["msPerStepInCall"], out["cpuMsPerStepInCall"] = k_wall / K, k_cpu / K
out |= {
    "msPerStep": step_wall,
    "cpuMsPerStep": step_cpu,
    "msPerHvp": hvp_wall,
    "cpuMsPerHvp": hvp_cpu,
    "jax": jax.__version__,
    "device": str(jax.devices()[0]),
}
print(json.dumps(out))
