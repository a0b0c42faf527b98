"""Invalid launches end the trainer with one line on stderr and exit code 2; unknown keys are ignored."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import launch_doc, run_pipe, write_launch
from sweep_trial import LaunchError, parse_launch

PIPE = {"mode": "pipe", "fd": 3}


@pytest.mark.parametrize("doc, needle", [
    ({**launch_doc(PIPE), "protocol": 2}, "protocol: this SDK speaks protocol 1, got 2"),
    ({k: v for k, v in launch_doc(PIPE).items() if k != "trialId"}, "trialId: required"),
    (launch_doc(PIPE, trialId="XYZ"), "trialId: must be 16 lowercase hex digits"),
    (launch_doc(PIPE, attempt=0), "attempt: must be an integer >= 1, got 0"),
    (launch_doc(PIPE, params=[1]), "params: must be an object"),
    (launch_doc({"mode": "carrier-pigeon"}), "report.mode: must be \"pipe\" or \"nats\""),
    (launch_doc({"mode": "nats", "servers": [], "eventsSubject": "e"}), "report.servers: must be a non-empty list"),
    (launch_doc({"mode": "pipe", "fd": 9}), "report.fd: file descriptor 9 is not open"),
    ("{not json", "is not valid JSON"),
    ("[]", "the launch must be a JSON object"),
])
def test_invalid_launch_exits_2_with_one_line(tmp_path: Path, doc: object, needle: str) -> None:
    run = run_pipe(write_launch(tmp_path, doc), "basic.py", "params")
    assert run.code == 2
    assert run.lines == []
    err = run.stderr.strip()
    assert "\n" not in err and err.startswith("sweep_trial: invalid launch: ")
    assert needle in err


def test_every_problem_is_named(tmp_path: Path) -> None:
    with pytest.raises(LaunchError) as e:
        parse_launch(launch_doc({"mode": "nats", "servers": ["nats://x"]}, attempt=-1, sweepId=""))
    text = str(e.value)
    for path in ("sweepId:", "attempt:", "report.metricsSubject: required", "report.eventsSubject: required"):
        assert path in text


def test_missing_env_and_missing_file(tmp_path: Path) -> None:
    run = run_pipe(None, "basic.py", "params")
    assert run.code == 2 and "SWEEP_LAUNCH is not set" in run.stderr
    run = run_pipe(tmp_path / "nope.json", "basic.py", "params")
    assert run.code == 2 and "cannot read the launch file" in run.stderr


def test_unknown_keys_are_ignored_and_params_arrive_whole(tmp_path: Path) -> None:
    doc = launch_doc({**PIPE, "future": True}, extra={"x": 1})
    run = run_pipe(write_launch(tmp_path, doc), "basic.py", "params")
    assert run.code == 0, run.stderr
    assert run.stdout.strip() == repr({"width": 64, "lr": 0.1, "nested": {"a": [1, 2]}})
    assert [m.get("event") for m in run.messages()] == ["started", None, "finished"]


def test_parse_keeps_auth(tmp_path: Path) -> None:
    report = {"mode": "nats", "servers": ["tls://h:4222"], "metricsSubject": "m", "eventsSubject": "e",
              "auth": {"user": "u", "pass": "p", "tls": {"ca": "/ca.pem"}, "newAuthKind": 1}}
    launch = parse_launch(json.loads(json.dumps(launch_doc(report))))
    assert launch.report.mode == "nats"
    assert launch.report.auth is not None and launch.report.auth.password == "p"  # type: ignore[union-attr]
    assert launch.report.auth.tls is not None and launch.report.auth.tls.ca == "/ca.pem"  # type: ignore[union-attr]
