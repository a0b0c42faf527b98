"""Metric and event messages of the trial protocol v1, the same JSON shapes the runner's own
trainer sends (camelCase keys). JSON cannot carry NaN or infinities, so a non-finite number is
written as null; a null trainLoss tells the runner the loss became non-finite.
"""
from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Sequence

Message = Dict[str, Any]

EVENTS = ("started", "finished", "diverged", "failed")
DIVERGENCES = ("nonfinite", "bound")

# snake_case keyword -> protocol key, in the order they are written
METRIC_FIELDS = (
    ("test_loss", "testLoss"),
    ("accuracy", "accuracy"),
    ("train_accuracy", "trainAccuracy"),
    ("sharpness", "sharpness"),
    ("sharpness_scaled", "sharpnessScaled"),
    ("grad_norm", "gradNorm"),
)
LIST_FIELDS = (("weight_movement", "weightMovement"), ("coord", "coord"))
FINAL_FIELDS = (
    ("train_loss", "trainLoss"),
    ("test_loss", "testLoss"),
    ("accuracy", "accuracy"),
    ("sharpness", "sharpness"),
    ("min_train_loss", "minTrainLoss"),
)


def number(value: Any, name: str) -> Optional[float]:
    """A JSON number from a Python or array scalar; None for NaN and ±inf."""
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, str):
        raise TypeError(f"{name} must be a number, got {value!r}")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}") from None
    return f if math.isfinite(f) else None


def step_of(value: Any, name: str = "step") -> int:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer >= 0, got {value!r}")
    try:
        i = int(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an integer >= 0, got {value!r}") from None
    if i != value or i < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return i


def metric(sweep_id: str, trial_id: str, step: int, train_loss: Any, fields: Mapping[str, Any],
           user: Mapping[str, Any]) -> Message:
    m: Message = {"sweepId": sweep_id, "trialId": trial_id, "step": step_of(step),
                  "trainLoss": number(train_loss, "train_loss")}
    for py, key in METRIC_FIELDS:
        if fields.get(py) is not None:
            m[key] = number(fields[py], py)
    for py, key in LIST_FIELDS:
        if fields.get(py) is not None:
            m[key] = [number(v, f"{py}[{i}]") for i, v in enumerate(_sequence(fields[py], py))]
    if user:
        m["metrics"] = {str(k): number(v, k) for k, v in user.items()}
    return m


def _sequence(value: Any, name: str) -> Sequence[Any]:
    if hasattr(value, "tolist"):  # numpy / jax arrays
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of numbers, got {type(value).__name__}")
    return value


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event(sweep_id: str, trial_id: str, kind: str, *, step: Optional[int] = None, attempt: Optional[int] = None,
          backend: Optional[str] = None, error: Optional[str] = None, divergence: Optional[str] = None,
          final: Optional[Message] = None, time: Optional[str] = None) -> Message:
    if kind not in EVENTS:
        raise ValueError(f"event must be one of {', '.join(EVENTS)}, got {kind!r}")
    e: Message = {"sweepId": sweep_id, "trialId": trial_id, "event": kind}
    if step is not None:
        e["step"] = step_of(step)
    if attempt is not None:
        e["attempt"] = attempt
    if backend is not None:
        e["backend"] = backend
    if error is not None:
        e["error"] = error
    if divergence is not None:
        if divergence not in DIVERGENCES:
            raise ValueError(f"divergence must be one of {', '.join(DIVERGENCES)}, got {divergence!r}")
        e["divergence"] = divergence
    if final is not None:
        e["final"] = final
    e["time"] = time if time is not None else now_iso()
    return e


def message_id(m: Mapping[str, Any]) -> str:
    """The JetStream Nats-Msg-Id: `<sweepId>:<trialId>:<step>:<kind>`, started at step 0."""
    kind = m["event"] if "event" in m else "metric"
    return f"{m['sweepId']}:{m['trialId']}:{m.get('step', 0)}:{kind}"


def encode(m: Mapping[str, Any]) -> bytes:
    """One protocol line: compact UTF-8 JSON (never NaN), newline-terminated."""
    return (json.dumps(m, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")

