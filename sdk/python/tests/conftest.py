"""Fixtures: launch files, a trainer run with the report pipe on fd 3, and a real nats-server
with JetStream on loopback (the Debian package or .cache/bin; no mock)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

HERE = Path(__file__).resolve().parent
TRAINERS = HERE / "trainers"
SWEEP_ID = "sdk-test"
TRIAL_ID = "0123456789abcdef"


def launch_doc(report: Dict[str, Any], **over: Any) -> Dict[str, Any]:
    doc: Dict[str, Any] = {"protocol": 1, "sweepId": SWEEP_ID, "trialId": TRIAL_ID, "attempt": 1,
                           "params": {"width": 64, "lr": 0.1, "nested": {"a": [1, 2]}}, "report": report}
    doc.update(over)
    return doc


def write_launch(tmp: Path, doc: Any, name: str = "launch.json") -> Path:
    p = tmp / name
    p.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return p


@dataclass
class Run:
    code: int
    lines: List[str]
    stdout: str
    stderr: str

    def messages(self) -> List[Dict[str, Any]]:
        return [json.loads(line) for line in self.lines]


def fd3_argv(fd: int, argv: List[str]) -> List[str]:
    """argv run with `fd` as its file descriptor 3, by a bash redirection (no preexec_fn: the
    test process may have JAX's threads, and forking a threaded process to run Python is unsafe)."""
    return ["bash", "-c", f'exec "$0" "$@" 3>&{fd}', *argv]


def run_pipe(launch: Optional[Path], script: str, *args: str, env: Optional[Dict[str, str]] = None,
             on_line: Any = None, timeout: float = 120) -> Run:
    """Runs tests/trainers/<script> as the embedded runner does: SWEEP_LAUNCH, SWEEP_PROTOCOL=1 and
    a pipe on fd 3. `on_line(proc, line)` is called for each line read."""
    r, w = os.pipe()
    e = dict(os.environ)
    e.pop("SWEEP_LAUNCH", None)
    if launch is not None:
        e["SWEEP_LAUNCH"] = str(launch)
    e["SWEEP_PROTOCOL"] = "1"
    e.update(env or {})
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()

    proc = subprocess.Popen(fd3_argv(w, [sys.executable, str(TRAINERS / script), *args]), env=e, stdout=out,
                            stderr=err, pass_fds=(w,))
    os.close(w)
    lines: List[str] = []
    buf = b""
    deadline = time.monotonic() + timeout
    with os.fdopen(r, "rb", buffering=0) as pipe:
        while True:
            chunk = pipe.read(65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                lines.append(line.decode("utf-8"))
                if on_line is not None:
                    on_line(proc, lines[-1])
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError("trainer did not finish in time")
    code = proc.wait(timeout)
    assert buf == b"", f"a partial line was left on the pipe: {buf!r}"
    out.seek(0)
    err.seek(0)
    return Run(code, lines, out.read().decode(), err.read().decode())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NatsServer:
    def __init__(self, binary: str, store: Path, extra: Optional[List[str]] = None) -> None:
        self.extra = extra or []
        self.binary = binary
        self.store = store
        self.port = free_port()
        self.monitor = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self.start()

    def start(self) -> None:
        for attempt in range(20):
            self.proc = subprocess.Popen([self.binary, "-a", "127.0.0.1", "-p", str(self.port), "-m", str(self.monitor),
                                          "-js", "-sd", str(self.store), *self.extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.monitor}/healthz", timeout=1) as res:
                        if res.status == 200:
                            return
                except OSError:
                    time.sleep(0.1)
            self.proc.kill()
            self.proc.wait()
            time.sleep(0.3)  # the old socket may linger on a restart
        raise RuntimeError("nats-server did not become healthy")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def nats_binary() -> str:
    root = HERE.parents[2]
    for cand in [shutil.which("nats-server"), str(root / ".cache/bin/nats-server")]:
        if cand and os.access(cand, os.X_OK):
            return cand
    raise RuntimeError("nats-server not found: test/servers/install.sh installs it")


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(nats_binary(), tmp_path / "js")
    try:
        yield server
    finally:
        server.stop()
