"""A µP (or SP) MLP in JAX as a sweep trial, through the Python SDK (sweep_trial).

The network and the task are the built-in lr-transfer example's in kind: a ReLU MLP trained
with plain SGD on ½·MSE against a random fixed tanh teacher (x ~ N(0, I_D), targets scaled to
unit variance). µP follows the abc-rules of Tensor Programs V (arXiv 2011.14522, its SGD table)
written relative to a base width N0, so both parametrizations coincide at width N0:

    layer            init variance       SGD learning rate
    input weights    1/D                 η·N/N0
    hidden weights   1/N                 η
    output weights   1/(N·N/N0)          η·N0/N
    hidden biases    0 (init)            η·N/N0
    output bias      0 (init)            η

SP is the usual default: variance 1/fan_in everywhere, η for every parameter.

    SWEEP_LAUNCH=launch.json python train.py      (a sweep starts it this way)
"""
from __future__ import annotations

import math
import time
from typing import Any, Dict, List, Tuple

import jax
import jax.numpy as jnp
import numpy as np

import sweep_trial

Params = List[Dict[str, jnp.ndarray]]

DEFAULTS: Dict[str, Any] = {
    "parametrization": "mup", "width": 128, "baseWidth": 128, "depth": 3, "lr": 0.1, "seed": 0,
    "steps": 300, "batchSize": 64, "evalEvery": 100, "sharpness": False, "divergenceFactor": 1e6,
    "task": {"inputDim": 16, "trainSize": 1024, "testSize": 512, "teacherWidth": 32, "teacherDepth": 2, "seed": 0},
}


def settings(params: Dict[str, Any]) -> Dict[str, Any]:
    """The trial's params over the defaults (task merged key by key); unknown keys are refused."""
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown param(s): {', '.join(sorted(unknown))}")
    out = {**DEFAULTS, **params, "task": {**DEFAULTS["task"], **params.get("task", {})}}
    if out["parametrization"] not in ("mup", "sp"):
        raise ValueError(f"parametrization must be mup or sp, got {out['parametrization']!r}")
    return out


def teacher_task(task: Dict[str, Any]) -> Tuple[np.ndarray, ...]:
    """(x_train, y_train, x_test, y_test) of a random tanh teacher, targets of unit variance."""
    rng = np.random.default_rng([task["seed"], 1])
    d, w, depth = task["inputDim"], task["teacherWidth"], task["teacherDepth"]
    dims = [d] + [w] * (depth - 1) + [1]
    weights = [rng.standard_normal((dims[i], dims[i + 1])) for i in range(depth)]

    def teacher(x: np.ndarray) -> np.ndarray:
        h = x
        for i, wt in enumerate(weights):
            h = (np.tanh(h) if i > 0 else h) @ wt / math.sqrt(dims[i])
        return h

    scale = float(np.std(teacher(rng.standard_normal((8192, d)))))
    xs = rng.standard_normal((task["trainSize"] + task["testSize"], d)).astype(np.float32)
    ys = (teacher(xs) / scale).astype(np.float32)
    n = task["trainSize"]
    return xs[:n], ys[:n], xs[n:], ys[n:]


def init_params(s: Dict[str, Any], key: jax.Array) -> Tuple[Params, List[Dict[str, float]]]:
    """Weights and per-parameter SGD rates of the MLP under s["parametrization"]."""
    d, n, depth, eta = s["task"]["inputDim"], s["width"], s["depth"], s["lr"]
    m = n / s["baseWidth"] if s["parametrization"] == "mup" else 1.0  # width multiplier; SP: none
    dims = [d] + [n] * (depth - 1) + [1]
    params: Params = []
    rates: List[Dict[str, float]] = []
    for i, k in enumerate(jax.random.split(key, depth)):
        fan_in, fan_out = dims[i], dims[i + 1]
        last, first = i == depth - 1, i == 0
        var = 1.0 / fan_in / (m if last else 1.0)
        params.append({"w": jax.random.normal(k, (fan_in, fan_out)) * math.sqrt(var), "b": jnp.zeros(fan_out)})
        w_rate = eta * (m if first else 1 / m if last else 1.0)
        rates.append({"w": w_rate, "b": eta if last else eta * m})
    return params, rates


def forward(params: Params, x: jnp.ndarray) -> Tuple[jnp.ndarray, List[jnp.ndarray]]:
    hs = []
    h = x
    for i, layer in enumerate(params):
        h = (jax.nn.relu(h) if i > 0 else h) @ layer["w"] + layer["b"]
        hs.append(h)
    return h, hs


def loss_fn(params: Params, x: jnp.ndarray, y: jnp.ndarray) -> jnp.ndarray:
    return 0.5 * jnp.mean(jnp.sum((forward(params, x)[0] - y) ** 2, axis=1))


def make_step(rates: List[Dict[str, float]]) -> Any:
    @jax.jit
    def step(params: Params, x: jnp.ndarray, y: jnp.ndarray) -> Tuple[Params, jnp.ndarray]:
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        return jax.tree_util.tree_map(lambda p, g, r: p - r * g, params, grads, rates), loss
    return step


@jax.jit
def evaluate(params: Params, x: jnp.ndarray, y: jnp.ndarray) -> Tuple[jnp.ndarray, jnp.ndarray]:
    """loss and mean |h_l| per layer (the coord-check measure)"""
    out, hs = forward(params, x)
    return 0.5 * jnp.mean(jnp.sum((out - y) ** 2, axis=1)), jnp.stack([jnp.mean(jnp.abs(h)) for h in hs])


def eval_steps(steps: int, every: int) -> List[int]:
    return sorted(set(range(0, steps, every)) | {steps})


def main() -> None:
    trial = sweep_trial.init(backend=f"jax {jax.__version__} ({jax.default_backend()})")
    try:
        s = settings(trial.params)
    except ValueError as err:
        trial.fail(str(err))
        return
    xtr, ytr, xte, yte = (jnp.asarray(a) for a in teacher_task(s["task"]))
    params, rates = init_params(s, jax.random.PRNGKey(s["seed"]))
    step = make_step(rates)
    order = np.random.default_rng([s["seed"], 2])
    b, n = s["batchSize"], xtr.shape[0]
    evals = set(eval_steps(s["steps"], s["evalEvery"]))
    xs_sharp, ys_sharp = xtr[:256], ytr[:256]
    eig = None
    initial = float(loss_fn(params, xtr, ytr))
    perm = order.permutation(n)
    pos = 0
    t0 = time.perf_counter()
    for t in range(s["steps"] + 1):
        if t in evals:
            train_loss, coord = evaluate(params, xtr, ytr)
            test_loss, _ = evaluate(params, xte, yte)
            extra: Dict[str, Any] = {}
            if s["sharpness"]:
                from sweep_trial.jax_sharpness import top_hessian_eigenvalue
                eig = top_hessian_eigenvalue(lambda p: loss_fn(p, xs_sharp, ys_sharp), params, iterations=50, tol=1e-3,
                                             start=None if eig is None else eig.vector)
                extra["sharpness"] = eig.value
            trial.log(t, float(train_loss), test_loss=float(test_loss), coord=coord,
                      seconds=time.perf_counter() - t0, **extra)  # a non-finite loss ends the trial here
        if t == s["steps"]:
            break
        if pos + b > n:
            perm, pos = order.permutation(n), 0
        idx = perm[pos:pos + b]
        pos += b
        params, loss = step(params, xtr[idx], ytr[idx])
        lv = float(loss)
        if not math.isfinite(lv):
            trial.log(t + 1, lv)  # sends the point with a null loss and `diverged` (nonfinite), exits 0
        if s["divergenceFactor"] > 0 and lv > s["divergenceFactor"] * initial:
            trial.diverged(t + 1, "bound")
            return
    trial.finish()


if __name__ == "__main__":
    main()
