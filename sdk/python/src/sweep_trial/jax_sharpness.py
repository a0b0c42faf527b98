"""Sharpness for JAX models: the top (algebraically largest) eigenvalue of the loss Hessian, by
power iteration on Hessian-vector products (forward-over-reverse, jax.jvp of jax.grad), so
memory stays O(parameters) and the Hessian is never formed.

JAX is imported here only: `import sweep_trial` works without it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree


@dataclass(frozen=True)
class Eigen:
    value: float
    """unit eigenvector, flat (jax.flatten_util.ravel_pytree order of the params)"""
    vector: Any
    iterations: int
    converged: bool


def hvp(loss_fn: Callable[[Any], Any], params: Any) -> Callable[[Any], Any]:
    """v ↦ H v for the Hessian of loss_fn at params, on flat vectors (jitted)."""
    flat, unravel = ravel_pytree(params)

    def flat_loss(x: Any) -> Any:
        return loss_fn(unravel(x))

    def apply(v: Any) -> Any:
        return jax.jvp(jax.grad(flat_loss), (flat,), (v,))[1]

    return jax.jit(apply)


def _power(op: Callable[[Any], Any], v: Any, iterations: int, tol: float) -> Eigen:
    """Power iteration as one compiled loop (no host round trip per product)."""
    def cond(state: Any) -> Any:
        i, value, prev, _v, stop = state
        return (i < iterations) & ~stop

    def body(state: Any) -> Any:
        i, value, _prev, v, _stop = state
        w = op(v)
        wn = jnp.linalg.norm(w)
        rq = jnp.vdot(v, w)
        bad = ~(wn > 0) | ~jnp.isfinite(wn)
        nxt = jnp.where(bad, v, w / jnp.where(bad, 1, wn))
        done = bad | (jnp.abs(rq - value) <= tol * jnp.abs(rq))
        return i + 1, rq, value, nxt, done

    v = v / jnp.linalg.norm(v)
    nan = jnp.asarray(jnp.nan, v.dtype)
    i, value, prev, v, stop = jax.jit(lambda v0: jax.lax.while_loop(cond, body, (0, nan, nan, v0, False)))(v)
    value_f = float(value)
    converged = bool(stop) and value_f == value_f and abs(value_f - float(prev)) <= tol * abs(value_f)
    return Eigen(value_f, v, int(i), converged or (bool(stop) and value_f == 0.0))


def top_hessian_eigenvalue(loss_fn: Callable[[Any], Any], params: Any, *, iterations: int = 100, tol: float = 1e-5,
                           seed: int = 0, start: Optional[Any] = None) -> Eigen:
    """λ_max of the Hessian of `loss_fn(params)` (a scalar function of a pytree of arrays).

    `start` (a flat vector, e.g. the previous call's `vector`) warm-starts the iteration, which
    then usually converges in a few products. Power iteration finds the largest |λ|; when that
    is negative it runs again on H − λ·I to reach the top of the spectrum.
    """
    op = hvp(loss_fn, params)
    flat, _ = ravel_pytree(params)
    key = jax.random.PRNGKey(seed)
    v0 = start if start is not None else jax.random.normal(key, flat.shape, flat.dtype)
    first = _power(op, v0, iterations, tol)
    if first.value >= 0:
        return first
    shift = first.value
    v1 = jax.random.normal(jax.random.fold_in(key, 1), flat.shape, flat.dtype)
    second = _power(lambda v: op(v) - shift * v, v1, iterations, tol)
    return Eigen(second.value + shift, second.vector, first.iterations + second.iterations, second.converged)
