"""The example trainer under the SDK in pipe mode (the messages a sweep receives), and its µP:
after one SGD step the change of the output is width-independent under µP and grows ∝ width
under SP (Tensor Programs V, arXiv 2011.14522), and both coincide at the base width."""
from __future__ import annotations

import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from conftest import run_trial

import train  # noqa: E402  (examples/byo-jax/train.py, put on the path by conftest)

SMALL = {"width": 64, "baseWidth": 64, "steps": 20, "evalEvery": 10,
         "task": {"trainSize": 256, "testSize": 128}}


def test_a_trial_sends_started_metrics_and_finished(tmp_path: Path) -> None:
    code, msgs, out = run_trial(tmp_path, {**SMALL, "lr": 0.1, "parametrization": "mup"}, attempt=2)
    assert code == 0, out
    assert msgs[0]["event"] == "started" and msgs[0]["attempt"] == 2 and msgs[0]["backend"].startswith("jax ")
    metrics = msgs[1:-1]
    assert [m["step"] for m in metrics] == [0, 10, 20]
    for m in metrics:
        assert set(m) == {"sweepId", "trialId", "step", "trainLoss", "testLoss", "coord", "metrics"}
        assert m["sweepId"] == "byo-jax-test" and m["trialId"] == "00000000000000aa"
        assert len(m["coord"]) == 3 and all(c > 0 for c in m["coord"])
        assert set(m["metrics"]) == {"seconds"}
    assert metrics[-1]["trainLoss"] < metrics[0]["trainLoss"]  # it learns
    end = msgs[-1]
    assert end["event"] == "finished"
    assert end["final"] == {"step": 20, "trainLoss": metrics[-1]["trainLoss"], "testLoss": metrics[-1]["testLoss"],
                            "minTrainLoss": min(m["trainLoss"] for m in metrics)}


def test_too_large_a_rate_diverges(tmp_path: Path) -> None:
    code, msgs, out = run_trial(tmp_path, {**SMALL, "lr": 1e4, "parametrization": "sp"})
    assert code == 0, out
    assert msgs[-1]["event"] == "diverged" and msgs[-1]["divergence"] in ("nonfinite", "bound")
    assert [m["event"] for m in msgs if "event" in m] == ["started", "diverged"]


def test_a_bad_param_fails_the_trial_naming_it(tmp_path: Path) -> None:
    code, msgs, _ = run_trial(tmp_path, {**SMALL, "widht": 3})
    assert code == 0
    assert msgs[-1]["event"] == "failed" and msgs[-1]["error"] == "unknown param(s): widht"


def test_sharpness_through_the_sdk_helper(tmp_path: Path) -> None:
    code, msgs, out = run_trial(tmp_path, {**SMALL, "steps": 10, "sharpness": True})
    assert code == 0, out
    assert all(m["sharpness"] > 0 for m in msgs[1:-1])


def output_change(parametrization: str, width: int, lr: float = 0.05) -> float:
    """RMS change of the network's output on a fixed input batch after one full-batch SGD step.
    The targets are shifted by 1 so the initial error is O(1) at every width, not the network's
    random initial offset (which shrinks with width under µP and would shrink the step too)."""
    s = train.settings({"parametrization": parametrization, "width": width, "baseWidth": 128, "lr": lr,
                        "task": {"trainSize": 256, "testSize": 16}})
    x, y, _, _ = (jnp.asarray(a) for a in train.teacher_task(s["task"]))
    params, rates = train.init_params(s, jax.random.PRNGKey(0))
    after, _ = train.make_step(rates)(params, x, y + 1.0)
    return float(jnp.sqrt(jnp.mean((train.forward(after, x)[0] - train.forward(params, x)[0]) ** 2)))


def test_mup_keeps_the_update_width_independent_and_sp_does_not() -> None:
    assert math.isclose(output_change("mup", 128), output_change("sp", 128), rel_tol=1e-6)  # equal at the base width
    widths = [512, 1024, 2048]
    mup = [output_change("mup", n) for n in widths]
    sp = [output_change("sp", n) for n in widths]
    # µP: within 25% across a 4× range; SP: slope of log Δf on log N near 1 (≥ 0.7)
    assert max(mup) / min(mup) < 1.25, mup
    slope = float(np.polyfit(np.log(widths), np.log(sp), 1)[0])
    assert slope > 0.7, (sp, slope)


def test_mup_initial_coordinates_are_order_one() -> None:
    for n in [128, 2048]:
        s = train.settings({"width": n, "task": {"trainSize": 512}})
        x, *_ = (jnp.asarray(a) for a in train.teacher_task(s["task"]))
        params, _ = train.init_params(s, jax.random.PRNGKey(1))
        _, coord = train.evaluate(params, x, jnp.zeros((x.shape[0], 1)))
        hidden = np.asarray(coord)[:-1]
        assert np.all((hidden > 0.3) & (hidden < 3)), (n, hidden)
        assert float(coord[-1]) < 1.5 * math.sqrt(128 / n) + 0.05  # output shrinks like 1/sqrt(m) at init
