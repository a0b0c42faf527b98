"""A running trial: init() reads the launch and sends `started`; log(), diverged(), finish()
and fail() speak the rest of the protocol; SIGTERM flushes and exits 143.
"""
from __future__ import annotations

import atexit
import os
import signal
import sys
from types import FrameType
from typing import Any, Dict, Optional, Protocol, Union

from . import messages as msg
from .launch import Launch, LaunchError, NatsReport, read_launch

EXIT_INVALID_LAUNCH = 2
EXIT_TERMINATED = 143
EXIT_CRASHED = 1
# Kubernetes' default grace period is 30 s: a flush on the way out must end before SIGKILL
EXIT_FLUSH_SECONDS = 20.0
CONNECT_TIMEOUT_ENV = "SWEEP_TRIAL_CONNECT_TIMEOUT"


class Reporter(Protocol):
    sent: int

    def send(self, m: Dict[str, Any]) -> None: ...
    def flush(self, timeout: Optional[float] = None) -> None: ...
    def close(self) -> None: ...


class TrialEnded(RuntimeError):
    """log() or an outcome after the trial already reported its outcome."""


class Trial:
    """One attempt of one trial. Create it with sweep_trial.init()."""

    def __init__(self, launch: Launch, reporter: Reporter, *, backend: Optional[str] = None,
                 exit_on_divergence: bool = True) -> None:
        self.launch = launch
        self.reporter = reporter
        self.exit_on_divergence = exit_on_divergence
        self.outcome: Optional[str] = None
        self.last_step: Optional[int] = None
        self._last: Optional[Dict[str, Any]] = None
        self._min_train_loss: Optional[float] = None
        self._writing = False
        self._terminate_pending = False
        self._send(msg.event(self.sweep_id, self.trial_id, "started", step=0, attempt=launch.attempt, backend=backend))
        self.flush()

    @property
    def params(self) -> Dict[str, Any]:
        """The user's params with this trial's grid values applied."""
        return self.launch.params

    @property
    def sweep_id(self) -> str:
        return self.launch.sweep_id

    @property
    def trial_id(self) -> str:
        return self.launch.trial_id

    @property
    def attempt(self) -> int:
        return self.launch.attempt

    @property
    def mode(self) -> str:
        return self.launch.report.mode

    def log(self, step: int, train_loss: Any, *, test_loss: Any = None, accuracy: Any = None,
            train_accuracy: Any = None, sharpness: Any = None, sharpness_scaled: Any = None,
            grad_norm: Any = None, weight_movement: Any = None, coord: Any = None, **metrics: Any) -> bool:
        """Sends one evaluation point. Other keyword arguments are the user's own metrics.

        A non-finite train loss is the trial's divergence: the point is sent with a null loss,
        then `diverged` (nonfinite) at this step, and the process exits 0 (unless init() was
        given exit_on_divergence=False: then log() returns False and the trial is over).
        """
        self._open()
        fields = {"test_loss": test_loss, "accuracy": accuracy, "train_accuracy": train_accuracy,
                  "sharpness": sharpness, "sharpness_scaled": sharpness_scaled, "grad_norm": grad_norm,
                  "weight_movement": weight_movement, "coord": coord}
        m = msg.metric(self.sweep_id, self.trial_id, step, train_loss, fields, metrics)
        self._send(m)
        self.last_step = m["step"]
        self._last = m
        loss = m["trainLoss"]
        if loss is None:
            self._end(msg.event(self.sweep_id, self.trial_id, "diverged", step=m["step"], divergence="nonfinite"))
            if self.exit_on_divergence:
                self.close()
                sys.exit(0)
            return False
        self._min_train_loss = loss if self._min_train_loss is None else min(self._min_train_loss, loss)
        return True

    def diverged(self, step: int, divergence: str = "nonfinite") -> None:
        """The trial diverged at `step` (a result, not an error): sends `diverged` and flushes."""
        self._open()
        self._end(msg.event(self.sweep_id, self.trial_id, "diverged", step=step, divergence=divergence))

    def finish(self, **final: Any) -> None:
        """Sends `finished`. Its `final` holds the last logged point's numbers and the lowest train
        loss, overridden by the keyword arguments (step, train_loss, test_loss, accuracy,
        sharpness, min_train_loss)."""
        self._open()
        unknown = set(final) - {"step"} - {py for py, _ in msg.FINAL_FIELDS}
        if unknown:
            raise TypeError(f"finish() got unknown final field(s): {', '.join(sorted(unknown))}")
        out: Dict[str, Any] = {}
        step = final.get("step", self.last_step)
        if step is None:
            raise ValueError("finish() needs a step: log() at least one point or pass step=")
        out["step"] = msg.step_of(step)
        last = self._last or {}
        for py, key in msg.FINAL_FIELDS:
            if py in final:
                v = msg.number(final[py], py)
            elif key == "minTrainLoss":
                v = self._min_train_loss
            else:
                v = last.get(key)
            if v is not None:
                out[key] = v
        self._end(msg.event(self.sweep_id, self.trial_id, "finished", step=out["step"], final=out))

    def fail(self, error: str, step: Optional[int] = None) -> None:
        """The trainer gives up on this trial for good (no retry): sends `failed` with `error`.
        A crash (an uncaught exception, exit code 1) is retried instead."""
        self._open()
        self._end(msg.event(self.sweep_id, self.trial_id, "failed", step=step if step is not None else self.last_step,
                            error=str(error)[:4000]))

    def flush(self) -> None:
        """Blocks until every message so far is delivered (stored by JetStream in cluster mode)."""
        self.reporter.flush()

    def close(self) -> None:
        """Delivers what is queued (bounded wait) and disconnects; runs at exit."""
        try:
            self.reporter.flush(EXIT_FLUSH_SECONDS)
        except Exception as err:  # at exit nothing can be raised; the runner retries the attempt
            print(f"sweep_trial: {err}", file=sys.stderr)
        self.reporter.close()

    def _open(self) -> None:
        if self.outcome is not None:
            raise TrialEnded(f"the trial already ended ({self.outcome})")

    def _end(self, e: Dict[str, Any]) -> None:
        # everything before the outcome is stored before the outcome is sent
        self.reporter.flush()
        self.outcome = e["event"]
        self._send(e)
        self.reporter.flush()

    def _send(self, m: Dict[str, Any]) -> None:
        self._writing = True
        try:
            self.reporter.send(m)
        finally:
            self._writing = False
        if self._terminate_pending:
            self._terminate()

    def _on_sigterm(self, _signum: int, _frame: Optional[FrameType]) -> None:
        if self._writing:
            self._terminate_pending = True  # finish the line first
            return
        self._terminate()

    def _terminate(self) -> None:
        try:
            self.reporter.flush(EXIT_FLUSH_SECONDS)
        except Exception as err:  # exit 143 all the same: the runner retries, the ids dedupe
            print(f"sweep_trial: on SIGTERM: {err}", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        raise SystemExit(EXIT_TERMINATED)


_current: Optional[Trial] = None


def _connect_timeout() -> float:
    """Seconds to wait for NATS at start-up ($SWEEP_TRIAL_CONNECT_TIMEOUT, default 60)."""
    try:
        return max(1.0, float(os.environ.get(CONNECT_TIMEOUT_ENV, "60")))
    except ValueError:
        return 60.0


def init(launch: Union[str, Launch, None] = None, *, backend: Optional[str] = None,
         exit_on_divergence: bool = True, handle_sigterm: bool = True) -> Trial:
    """The trial this process runs: reads $SWEEP_LAUNCH (or `launch`), connects the reporter
    named there and sends `started`. An invalid launch prints one line and exits 2."""
    global _current
    try:
        parsed = launch if isinstance(launch, Launch) else read_launch(launch)
        reporter: Reporter
        if isinstance(parsed.report, NatsReport):
            from .jetstream import JetStreamReporter, PublishError  # only cluster mode imports nats-py
            try:
                reporter = JetStreamReporter(parsed.report, connect_timeout=_connect_timeout())
            except PublishError as err:
                # NATS unreachable is a crash (exit 1, the runner retries), not an invalid launch
                print(f"sweep_trial: {err}", file=sys.stderr)
                sys.exit(EXIT_CRASHED)
        else:
            from .pipe import PipeReporter
            reporter = PipeReporter(parsed.report.fd)
    except LaunchError as err:
        print(f"sweep_trial: invalid launch: {err}", file=sys.stderr)
        sys.exit(EXIT_INVALID_LAUNCH)
    trial = Trial(parsed, reporter, backend=backend, exit_on_divergence=exit_on_divergence)
    if handle_sigterm:
        signal.signal(signal.SIGTERM, trial._on_sigterm)
    atexit.register(trial.close)
    _current = trial
    return trial
