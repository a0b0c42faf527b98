"""Cluster mode against a real nats-server with JetStream on loopback: message ids, the
duplicate window, retries across a server restart, SIGTERM."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import nats
from nats.js.api import StorageType, StreamConfig

from conftest import SWEEP_ID, TRAINERS, TRIAL_ID, NatsServer, launch_doc, write_launch

METRICS = f"sweep.metrics.{SWEEP_ID}.{TRIAL_ID}"
EVENTS = f"sweep.events.{SWEEP_ID}.{TRIAL_ID}"


def report(server: NatsServer) -> Dict[str, Any]:
    return {"mode": "nats", "servers": [server.url], "metricsSubject": METRICS, "eventsSubject": EVENTS}


async def _streams(url: str) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    for name, subj in (("SWEEP_METRICS", "sweep.metrics.>"), ("SWEEP_EVENTS", "sweep.events.>")):
        await js.add_stream(StreamConfig(name=name, subjects=[subj], storage=StorageType.FILE, duplicate_window=120.0))
    await nc.close()


async def _stored(url: str, stream: str) -> List[Tuple[str, Dict[str, Any]]]:
    """(Nats-Msg-Id, message) of every message the stream holds, in order."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    info = await js.stream_info(stream)
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1) if info.state.messages else []:
        raw = await js.get_msg(stream, seq)
        out.append(((raw.headers or {}).get("Nats-Msg-Id", ""), json.loads(raw.data or b"")))
    await nc.close()
    return out


def stored(server: NatsServer, stream: str) -> List[Tuple[str, Dict[str, Any]]]:
    return asyncio.run(_stored(server.url, stream))


def run(launch: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SWEEP_LAUNCH": str(launch), "SWEEP_PROTOCOL": "1"}
    return subprocess.run([sys.executable, str(TRAINERS / "basic.py"), *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_message_ids_and_subjects(nats_server: NatsServer, tmp_path: Path) -> None:
    asyncio.run(_streams(nats_server.url))
    res = run(write_launch(tmp_path, launch_doc(report(nats_server))), "full")
    assert res.returncode == 0, res.stderr
    metrics = stored(nats_server, "SWEEP_METRICS")
    events = stored(nats_server, "SWEEP_EVENTS")
    assert [i for i, _ in metrics] == [f"{SWEEP_ID}:{TRIAL_ID}:0:metric", f"{SWEEP_ID}:{TRIAL_ID}:10:metric"]
    assert [i for i, _ in events] == [f"{SWEEP_ID}:{TRIAL_ID}:0:started", f"{SWEEP_ID}:{TRIAL_ID}:10:finished"]
    assert metrics[0][1] == {"sweepId": SWEEP_ID, "trialId": TRIAL_ID, "step": 0, "trainLoss": 2.5, "testLoss": 2.75,
                             "accuracy": 0.125, "sharpness": 3.5, "gradNorm": None, "weightMovement": [0.5, None],
                             "coord": [1.0, 2.0], "metrics": {"my_metric": 0.25, "other": None}}
    assert events[1][1]["final"] == {"step": 10, "trainLoss": 1.25, "testLoss": 1.5, "minTrainLoss": 1.25}


def test_a_rerun_attempt_stores_nothing_twice(nats_server: NatsServer, tmp_path: Path) -> None:
    asyncio.run(_streams(nats_server.url))
    assert run(write_launch(tmp_path, launch_doc(report(nats_server))), "count", "200").returncode == 0
    first = stored(nats_server, "SWEEP_METRICS")
    assert len(first) == 200
    # the retried attempt sends the same steps again: the duplicate window drops every copy
    res = run(write_launch(tmp_path, launch_doc(report(nats_server), attempt=2), "launch2.json"), "count", "200")
    assert res.returncode == 0, res.stderr
    assert stored(nats_server, "SWEEP_METRICS") == first
    ids = [i for i, _ in stored(nats_server, "SWEEP_EVENTS")]
    assert ids == [f"{SWEEP_ID}:{TRIAL_ID}:0:started", f"{SWEEP_ID}:{TRIAL_ID}:199:finished"]


def test_publishes_retry_across_a_server_restart(nats_server: NatsServer, tmp_path: Path) -> None:
    asyncio.run(_streams(nats_server.url))
    launch = write_launch(tmp_path, launch_doc(report(nats_server)))
    env = {**os.environ, "SWEEP_LAUNCH": str(launch)}
    proc = subprocess.Popen([sys.executable, str(TRAINERS / "basic.py"), "count", "300", "0.01"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while len(stored(nats_server, "SWEEP_METRICS")) < 60:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.1)
        nats_server.stop(signal.SIGKILL)  # a crash: publishes time out or fail until it is back
        time.sleep(1.5)
        nats_server.start()
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    metrics = stored(nats_server, "SWEEP_METRICS")
    steps = [m["step"] for _, m in metrics]  # retried publishes may be stored out of order
    assert len(steps) == len(set(steps)) and sorted(steps) == list(range(300))  # each step once
    assert [i for i, _ in metrics] == [f"{SWEEP_ID}:{TRIAL_ID}:{m['step']}:metric" for _, m in metrics]


def test_sigterm_flushes_what_was_sent_and_exits_143(nats_server: NatsServer, tmp_path: Path) -> None:
    asyncio.run(_streams(nats_server.url))
    res = run(write_launch(tmp_path, launch_doc(report(nats_server))), "sigterm-self", "1000")
    assert res.returncode == 143, res.stderr
    assert "still running" not in res.stdout
    assert sorted(m["step"] for _, m in stored(nats_server, "SWEEP_METRICS")) == list(range(1000))
    assert [i for i, _ in stored(nats_server, "SWEEP_EVENTS")] == [f"{SWEEP_ID}:{TRIAL_ID}:0:started"]


def test_unreachable_server_is_a_crash_not_an_invalid_launch(tmp_path: Path) -> None:
    from conftest import free_port
    doc = launch_doc({"mode": "nats", "servers": [f"nats://127.0.0.1:{free_port()}"], "metricsSubject": METRICS,
                      "eventsSubject": EVENTS})
    os.environ["SWEEP_TRIAL_CONNECT_TIMEOUT"] = "3"
    try:
        res = run(write_launch(tmp_path, doc), "params", timeout=120)
    finally:
        del os.environ["SWEEP_TRIAL_CONNECT_TIMEOUT"]
    assert res.returncode == 1
    assert res.stderr.strip().startswith("sweep_trial: cannot connect to NATS at nats://127.0.0.1:")
    assert "\n" not in res.stderr.strip()


def test_credentials_from_the_launch_reach_the_server(tmp_path: Path) -> None:
    from conftest import nats_binary
    server = NatsServer(nats_binary(), tmp_path / "js", ["--user", "trial", "--pass", "s3cret"])
    try:
        async def streams() -> None:
            nc = await nats.connect(server.url, user="trial", password="s3cret")
            js = nc.jetstream()
            await js.add_stream(StreamConfig(name="SWEEP_METRICS", subjects=["sweep.metrics.>"]))
            await js.add_stream(StreamConfig(name="SWEEP_EVENTS", subjects=["sweep.events.>"]))
            await nc.close()
        asyncio.run(streams())
        good = {**report(server), "auth": {"user": "trial", "pass": "s3cret"}}
        res = run(write_launch(tmp_path, launch_doc(good)), "count", "5")
        assert res.returncode == 0, res.stderr
        os.environ["SWEEP_TRIAL_CONNECT_TIMEOUT"] = "3"
        try:  # wrong password: refused by the server, a crash (exit 1), never an invalid launch
            bad = {**report(server), "auth": {"user": "trial", "pass": "wrong"}}
            res = run(write_launch(tmp_path, launch_doc(bad), "bad.json"), "count", "5")
        finally:
            del os.environ["SWEEP_TRIAL_CONNECT_TIMEOUT"]
        assert res.returncode == 1 and res.stderr.startswith("sweep_trial: cannot connect to NATS"), res.stderr
    finally:
        server.stop()


def test_acks_arrive_under_the_launch_inbox_prefix(tmp_path: Path) -> None:
    # a per-trial credential may publish only its two subjects and subscribe only under its own
    # inbox prefix (as the cluster's trial credentials do): JetStream acks must come back there
    from conftest import nats_binary
    prefix = f"_TRIAL_INBOX.{SWEEP_ID}.{TRIAL_ID}"
    conf = tmp_path / "server.conf"
    conf.write_text(json.dumps({"authorization": {"users": [
        {"user": "admin", "password": "adm1n"},
        {"user": "trial", "password": "s3cret",
         "permissions": {"publish": {"allow": [METRICS, EVENTS]}, "subscribe": {"allow": [f"{prefix}.>"]}}},
    ]}}))
    server = NatsServer(nats_binary(), tmp_path / "js", ["-c", str(conf)])
    try:
        async def streams() -> None:
            nc = await nats.connect(server.url, user="admin", password="adm1n")
            js = nc.jetstream()
            await js.add_stream(StreamConfig(name="SWEEP_METRICS", subjects=["sweep.metrics.>"], duplicate_window=120.0))
            await js.add_stream(StreamConfig(name="SWEEP_EVENTS", subjects=["sweep.events.>"], duplicate_window=120.0))
            await nc.close()
        asyncio.run(streams())
        auth = {"user": "trial", "pass": "s3cret", "inboxPrefix": prefix}
        res = run(write_launch(tmp_path, launch_doc({**report(server), "auth": auth})), "count", "20")
        assert res.returncode == 0, res.stderr

        async def stored_admin(stream: str) -> List[str]:
            nc = await nats.connect(server.url, user="admin", password="adm1n")
            js = nc.jetstream()
            info = await js.stream_info(stream)
            ids = [((await js.get_msg(stream, s)).headers or {}).get("Nats-Msg-Id", "")
                   for s in range(info.state.first_seq, info.state.last_seq + 1)]
            await nc.close()
            return ids
        assert asyncio.run(stored_admin("SWEEP_METRICS")) == [f"{SWEEP_ID}:{TRIAL_ID}:{i}:metric" for i in range(20)]
        assert asyncio.run(stored_admin("SWEEP_EVENTS")) == [f"{SWEEP_ID}:{TRIAL_ID}:0:started", f"{SWEEP_ID}:{TRIAL_ID}:19:finished"]
    finally:
        server.stop()
