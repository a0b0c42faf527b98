"""The sharpness helper against closed forms, in float64: quadratics with known spectra (the top
eigenvalue positive and dominant, and below a larger negative one), and a small MLP against the
full Hessian from jax.hessian. Tolerance: 1e-6 relative (power iteration stops at 1e-10)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

jax.config.update("jax_enable_x64", True)

from sweep_trial.jax_sharpness import hvp, top_hessian_eigenvalue  # noqa: E402


def quadratic(spectrum: np.ndarray, seed: int) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((len(spectrum), len(spectrum))))
    return q @ np.diag(spectrum) @ q.T, float(np.max(spectrum))


@pytest.mark.parametrize("spectrum", [
    np.array([5.0, 2.0, 1.0, 0.5, 0.1, -0.3]),
    np.linspace(-1.0, 3.0, 40),
    np.array([-7.0, -1.0, 0.5, 2.0, 2.5]),  # the largest |λ| is negative: the shifted second run
])
def test_quadratic_top_eigenvalue(spectrum: np.ndarray) -> None:
    a, top = quadratic(spectrum, seed=len(spectrum))
    params = {"w": jnp.ones(len(spectrum) - 2), "b": jnp.zeros(2)}  # a pytree, not one array

    def loss(p: dict) -> jnp.ndarray:  # type: ignore[type-arg]
        x, _ = ravel_pytree(p)
        return 0.5 * x @ jnp.asarray(a) @ x + jnp.sum(x)

    est = top_hessian_eigenvalue(loss, params, iterations=5000, tol=1e-12)
    assert est.converged
    assert abs(est.value - top) <= 1e-6 * abs(top)
    v = np.asarray(est.vector)
    assert np.linalg.norm(a @ v - top * v) <= 1e-3  # and the vector is its eigenvector


def test_mlp_against_the_full_hessian() -> None:
    key = jax.random.PRNGKey(3)
    k1, k2, k3, k4 = jax.random.split(key, 4)
    x = jax.random.normal(k1, (32, 5))
    y = jax.random.normal(k2, (32, 1))
    params = [jax.random.normal(k3, (5, 8)) / np.sqrt(5), jax.random.normal(k4, (8, 1)) / np.sqrt(8)]

    def loss(ps: list) -> jnp.ndarray:  # type: ignore[type-arg]
        h = jnp.tanh(x @ ps[0])
        return 0.5 * jnp.mean((h @ ps[1] - y) ** 2)

    flat, unravel = ravel_pytree(params)
    hess = jax.jit(jax.hessian(lambda f: loss(unravel(f))))(flat)
    reference = float(np.max(np.linalg.eigvalsh(np.asarray(hess))))
    est = top_hessian_eigenvalue(loss, params, iterations=5000, tol=1e-12)
    assert abs(est.value - reference) <= 1e-6 * abs(reference)
    # the HVP itself is the Hessian times the vector
    v = jax.random.normal(jax.random.PRNGKey(9), flat.shape)
    np.testing.assert_allclose(np.asarray(hvp(loss, params)(v)), np.asarray(hess @ v), rtol=1e-9, atol=1e-12)


def test_warm_start_converges_in_few_products() -> None:
    a, top = quadratic(np.array([4.0, 3.0, 1.0, 0.2]), seed=1)
    params = jnp.zeros(4)

    def loss(p: jnp.ndarray) -> jnp.ndarray:
        return 0.5 * p @ jnp.asarray(a) @ p

    cold = top_hessian_eigenvalue(loss, params, iterations=5000, tol=1e-12)
    warm = top_hessian_eigenvalue(loss, params, iterations=5000, tol=1e-12, start=cold.vector)
    assert abs(warm.value - top) <= 1e-6 * top
    assert warm.iterations <= 3 < cold.iterations
