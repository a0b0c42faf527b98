"""Runs train.py as the embedded runner does: SWEEP_LAUNCH, SWEEP_PROTOCOL=1, a pipe on fd 3."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

EXAMPLE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(EXAMPLE))


def run_trial(tmp: Path, params: Dict[str, Any], attempt: int = 1) -> Tuple[int, List[Dict[str, Any]], str]:
    launch = tmp / "launch.json"
    launch.write_text(json.dumps({"protocol": 1, "sweepId": "byo-jax-test", "trialId": "00000000000000aa",
                                  "attempt": attempt, "params": params, "report": {"mode": "pipe", "fd": 3}}))
    r, w = os.pipe()
    env = {**os.environ, "SWEEP_LAUNCH": str(launch), "SWEEP_PROTOCOL": "1"}
    # fd 3 by a bash redirection, not preexec_fn: this process runs JAX's threads
    proc = subprocess.Popen(["bash", "-c", f'exec "$0" "$@" 3>&{w}', sys.executable, "train.py"], cwd=EXAMPLE,
                            env=env, pass_fds=(w,), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    os.close(w)
    with os.fdopen(r, "rb") as pipe:
        data = pipe.read()
    out, _ = proc.communicate(timeout=600)
    return proc.returncode, [json.loads(line) for line in data.decode().splitlines()], out.decode()
