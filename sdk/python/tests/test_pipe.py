"""Embedded mode: the exact lines on fd 3, divergence, outcomes, no NATS import, SIGTERM."""
from __future__ import annotations

import json
import re
import signal
from pathlib import Path
from typing import Any, Dict, List

from conftest import SWEEP_ID, TRIAL_ID, launch_doc, run_pipe, write_launch

PIPE = {"mode": "pipe", "fd": 3}
TIME = re.compile(r',"time":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"')
HEAD = f'{{"sweepId":"{SWEEP_ID}","trialId":"{TRIAL_ID}",'


def untimed(lines: List[str]) -> List[str]:
    """The lines with each event's ISO-8601 time checked and cut out."""
    out = []
    for line in lines:
        if '"event"' in line:
            assert TIME.search(line), line
        out.append(TIME.sub("", line))
    return out


def test_exact_lines(tmp_path: Path) -> None:
    run = run_pipe(write_launch(tmp_path, launch_doc(PIPE)), "basic.py", "full")
    assert run.code == 0, run.stderr
    assert untimed(run.lines) == [
        HEAD + '"event":"started","step":0,"attempt":1,"backend":"test"}',
        HEAD + '"step":0,"trainLoss":2.5,"testLoss":2.75,"accuracy":0.125,"sharpness":3.5,"gradNorm":null,'
               '"weightMovement":[0.5,null],"coord":[1.0,2.0],"metrics":{"my_metric":0.25,"other":null}}',
        HEAD + '"step":10,"trainLoss":1.25,"testLoss":1.5}',
        HEAD + '"event":"finished","step":10,"final":{"step":10,"trainLoss":1.25,"testLoss":1.5,"minTrainLoss":1.25}}',
    ]


def test_nonfinite_train_loss_is_a_divergence_and_ends_the_trial(tmp_path: Path) -> None:
    run = run_pipe(write_launch(tmp_path, launch_doc(PIPE, attempt=3)), "basic.py", "nonfinite")
    assert run.code == 0, run.stderr
    assert "after divergence" not in run.stdout
    assert untimed(run.lines) == [
        HEAD + '"event":"started","step":0,"attempt":3,"backend":"test"}',
        HEAD + '"step":0,"trainLoss":1.0}',
        HEAD + '"step":5,"trainLoss":null}',
        HEAD + '"event":"diverged","step":5,"divergence":"nonfinite"}',
    ]


def test_explicit_divergence_and_failure(tmp_path: Path) -> None:
    run = run_pipe(write_launch(tmp_path, launch_doc(PIPE)), "basic.py", "diverged")
    assert run.code == 0
    assert untimed(run.lines)[-1] == HEAD + '"event":"diverged","step":7,"divergence":"bound"}'
    run = run_pipe(write_launch(tmp_path, launch_doc(PIPE)), "basic.py", "fail")
    assert run.code == 0
    assert untimed(run.lines)[-1] == HEAD + '"event":"failed","error":"data shard missing"}'


def test_pipe_mode_imports_no_nats_and_no_jax(tmp_path: Path) -> None:
    run = run_pipe(write_launch(tmp_path, launch_doc(PIPE)), "basic.py", "modules")
    assert run.code == 0, run.stderr
    assert run.stdout.strip() == ""


def test_every_line_is_schema_shaped(tmp_path: Path) -> None:
    run = run_pipe(write_launch(tmp_path, launch_doc(PIPE)), "basic.py", "count", "500")
    assert run.code == 0
    msgs = run.messages()
    assert len(msgs) == 502
    assert [m["step"] for m in msgs[1:-1]] == list(range(500))
    for m in msgs[1:-1]:
        assert set(m) == {"sweepId", "trialId", "step", "trainLoss", "metrics"}
        assert isinstance(m["trainLoss"], float) and set(m["metrics"]) == {"step_time"}
    assert msgs[-1]["final"] == {"step": 499, "trainLoss": 1 / 500, "minTrainLoss": 1 / 500}


def test_sigterm_flushes_and_exits_143(tmp_path: Path) -> None:
    def on_line(proc: Any, line: str) -> None:
        if json.loads(line).get("step") == 2 and '"event"' not in line:
            proc.send_signal(signal.SIGTERM)

    run = run_pipe(write_launch(tmp_path, launch_doc(PIPE)), "basic.py", "sigterm-wait", on_line=on_line)
    assert run.code == 143
    assert [m.get("step") for m in run.messages()] == [0, 0, 1, 2]
    # a signal right after a burst of lines: every line is whole and none is lost
    run = run_pipe(write_launch(tmp_path, launch_doc(PIPE)), "basic.py", "sigterm-self", "2000")
    assert run.code == 143
    msgs: List[Dict[str, Any]] = run.messages()
    assert len(msgs) == 2001 and "still running" not in run.stdout
