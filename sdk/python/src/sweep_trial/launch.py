"""The launch file of the trial protocol v1: what the runner tells a trainer (docs/trainer-protocol.md).

Every problem is collected with its path, so one line names them all; unknown keys are ignored
(a newer runner may add some), an unknown protocol number is an invalid launch.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, TypeGuard, Union

PROTOCOL = 1
LAUNCH_ENV = "SWEEP_LAUNCH"
_TRIAL_ID = re.compile(r"^[0-9a-f]{16}$")


class LaunchError(Exception):
    """The launch is unusable: the trainer must exit 2 (never retried)."""


@dataclass(frozen=True)
class TlsFiles:
    ca: Optional[str] = None
    cert: Optional[str] = None
    key: Optional[str] = None


@dataclass(frozen=True)
class NatsAuth:
    creds: Optional[str] = None
    user: Optional[str] = None
    password: Optional[str] = None
    token: Optional[str] = None
    nkey_seed_file: Optional[str] = None
    tls: Optional[TlsFiles] = None
    # per-trial credentials may subscribe only under this prefix, so JetStream acks must arrive there
    inbox_prefix: Optional[str] = None


@dataclass(frozen=True)
class PipeReport:
    fd: int
    mode: str = "pipe"


@dataclass(frozen=True)
class NatsReport:
    servers: List[str]
    metrics_subject: str
    events_subject: str
    auth: Optional[NatsAuth] = None
    mode: str = "nats"


@dataclass(frozen=True)
class Launch:
    sweep_id: str
    trial_id: str
    attempt: int
    params: Dict[str, Any]
    report: Union[PipeReport, NatsReport]
    path: Optional[str] = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


def _is_int(v: Any) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


class _Checker:
    def __init__(self) -> None:
        self.errors: List[str] = []

    def fail(self, path: str, problem: str) -> None:
        self.errors.append(f"{path}: {problem}")

    def string(self, obj: Mapping[str, Any], key: str, path: str, required: bool = True) -> Optional[str]:
        if key not in obj:
            if required:
                self.fail(path + key, "required")
            return None
        v = obj[key]
        if not isinstance(v, str) or v == "":
            self.fail(path + key, f"must be a non-empty string, got {json.dumps(v)[:60]}")
            return None
        return v

    def obj(self, parent: Mapping[str, Any], key: str, path: str, required: bool = True) -> Optional[Mapping[str, Any]]:
        if key not in parent:
            if required:
                self.fail(path + key, "required")
            return None
        v = parent[key]
        if not isinstance(v, dict):
            self.fail(path + key, f"must be an object, got {json.dumps(v)[:60]}")
            return None
        return v


def parse_launch(doc: Any, path: Optional[str] = None) -> Launch:
    """A checked Launch from the decoded launch JSON; LaunchError lists every problem."""
    c = _Checker()
    if not isinstance(doc, dict):
        raise LaunchError("the launch must be a JSON object")
    if "protocol" not in doc:
        c.fail("protocol", "required")
    elif doc["protocol"] != PROTOCOL or not _is_int(doc["protocol"]):
        # a number this SDK does not speak: nothing else in the file can be trusted
        raise LaunchError(f"protocol: this SDK speaks protocol {PROTOCOL}, got {json.dumps(doc['protocol'])[:40]}")
    sweep_id = c.string(doc, "sweepId", "")
    trial_id = c.string(doc, "trialId", "")
    if trial_id is not None and not _TRIAL_ID.match(trial_id):
        c.fail("trialId", f"must be 16 lowercase hex digits, got {json.dumps(trial_id)[:40]}")
    attempt = doc.get("attempt")
    if "attempt" not in doc:
        c.fail("attempt", "required")
    elif not _is_int(attempt) or attempt < 1:
        c.fail("attempt", f"must be an integer >= 1, got {json.dumps(attempt)[:40]}")
    params = c.obj(doc, "params", "")
    report_doc = c.obj(doc, "report", "")
    report: Optional[Union[PipeReport, NatsReport]] = None
    if report_doc is not None:
        mode = report_doc.get("mode")
        if mode == "pipe":
            fd = report_doc.get("fd")
            if not _is_int(fd) or fd < 0:
                c.fail("report.fd", f"must be an integer >= 0, got {json.dumps(fd)[:40]}")
            else:
                report = PipeReport(fd=fd)
        elif mode == "nats":
            report = _nats_report(c, report_doc)
        else:
            c.fail("report.mode", f"must be \"pipe\" or \"nats\", got {json.dumps(mode)[:40]}")
    if c.errors or sweep_id is None or trial_id is None or report is None or params is None:
        first, rest = c.errors[0], len(c.errors) - 1
        raise LaunchError(first + (f" (and {rest} more: {'; '.join(c.errors[1:])})" if rest else ""))
    return Launch(sweep_id=sweep_id, trial_id=trial_id, attempt=int(attempt),  # type: ignore[arg-type]
                  params=dict(params), report=report, path=path, raw=doc)


def _nats_report(c: _Checker, doc: Mapping[str, Any]) -> Optional[NatsReport]:
    servers = doc.get("servers")
    ok = True
    if not isinstance(servers, list) or not servers or not all(isinstance(s, str) and s for s in servers):
        c.fail("report.servers", "must be a non-empty list of server URLs")
        ok = False
    metrics = c.string(doc, "metricsSubject", "report.")
    events = c.string(doc, "eventsSubject", "report.")
    auth: Optional[NatsAuth] = None
    auth_doc = c.obj(doc, "auth", "report.", required=False)
    if auth_doc is not None:
        strs = {k: c.string(auth_doc, k, "report.auth.", required=False)
                for k in ("creds", "user", "pass", "token", "nkeySeedFile", "inboxPrefix")}
        tls: Optional[TlsFiles] = None
        tls_doc = c.obj(auth_doc, "tls", "report.auth.", required=False)
        if tls_doc is not None:
            tls = TlsFiles(*(c.string(tls_doc, k, "report.auth.tls.", required=False) for k in ("ca", "cert", "key")))
        auth = NatsAuth(creds=strs["creds"], user=strs["user"], password=strs["pass"], token=strs["token"],
                        nkey_seed_file=strs["nkeySeedFile"], tls=tls, inbox_prefix=strs["inboxPrefix"])
    if not ok or metrics is None or events is None:
        return None
    return NatsReport(servers=list(servers), metrics_subject=metrics, events_subject=events, auth=auth)  # type: ignore[arg-type]


def read_launch(path: Optional[str] = None) -> Launch:
    """The launch named by `path`, else by $SWEEP_LAUNCH."""
    if path is None:
        path = os.environ.get(LAUNCH_ENV)
        if not path:
            raise LaunchError(f"{LAUNCH_ENV} is not set: run this trainer from a sweep (or point {LAUNCH_ENV} at a launch file)")
    try:
        with open(path, "rb") as f:
            text = f.read()
    except OSError as err:
        raise LaunchError(f"cannot read the launch file {path}: {err.strerror}") from None
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as err:
        raise LaunchError(f"the launch file {path} is not valid JSON: {err}") from None
    return parse_launch(doc, path)
