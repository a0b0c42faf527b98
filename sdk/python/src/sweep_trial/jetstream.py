"""Cluster mode: JetStream publishes with the protocol's message ids, each awaiting its
acknowledgement and retried with the same id until stored, so a retry, a reconnect or a re-run
attempt never stores a message twice (the stream's duplicate window drops the copy).

nats-py is asyncio; it runs on a private event loop in a daemon thread so the trainer's code
stays synchronous. send() queues (up to `max_in_flight` unacknowledged publishes) and flush()
waits until everything is stored or raises why not.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import ssl
import threading
import time
from typing import Any, Dict, List, Mapping, Optional

from .launch import NatsReport
from .messages import encode, message_id


class PublishError(Exception):
    """A message could not be stored within the give-up time: the attempt must not exit 0."""


class JetStreamReporter:
    def __init__(self, report: NatsReport, *, max_in_flight: int = 256, ack_timeout: float = 5.0,
                 give_up_after: float = 300.0, connect_timeout: float = 30.0) -> None:
        try:
            import nats  # noqa: F401  (only cluster mode needs it)
        except ImportError:
            from .launch import LaunchError
            raise LaunchError("report.mode is \"nats\" but nats-py is not installed (pip install 'sweep-trial[nats]')") from None
        self.report = report
        self.ack_timeout = ack_timeout
        self.give_up_after = give_up_after
        self.sent = 0
        self.duplicates = 0
        self.retries = 0
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._pending: List[concurrent.futures.Future[None]] = []
        self._failure: Optional[BaseException] = None
        self.last_error: Optional[Exception] = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sweep-trial-nats", daemon=True)
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._connect(), self._loop)
        try:
            self._nc, self._js = fut.result(connect_timeout)
        except Exception as err:
            fut.cancel()
            self._stop_loop()
            cause = self.last_error if isinstance(err, concurrent.futures.TimeoutError) else err
            why = f"{type(cause).__name__}: {cause}" if cause is not None else "no answer"
            raise PublishError(f"cannot connect to NATS at {', '.join(report.servers)} within {connect_timeout:g} s: {why}") from None

    async def _connect(self) -> Any:
        import nats
        opts: Dict[str, Any] = {
            "servers": self.report.servers,
            "name": "sweep-trial",
            "allow_reconnect": True,
            "max_reconnect_attempts": -1,
            "reconnect_time_wait": 0.5,
            "connect_timeout": 5,
            "error_cb": self._on_error,
        }
        auth = self.report.auth
        if auth is not None:
            if auth.creds:
                opts["user_credentials"] = auth.creds
            if auth.user is not None:
                opts["user"] = auth.user
            if auth.password is not None:
                opts["password"] = auth.password
            if auth.token is not None:
                opts["token"] = auth.token
            if auth.nkey_seed_file:
                opts["nkeys_seed"] = auth.nkey_seed_file
            if auth.tls is not None:
                ctx = ssl.create_default_context(cafile=auth.tls.ca)
                if auth.tls.cert:
                    ctx.load_cert_chain(auth.tls.cert, auth.tls.key)
                opts["tls"] = ctx
            if auth.inbox_prefix:
                opts["inbox_prefix"] = auth.inbox_prefix
        nc = await nats.connect(**opts)
        return nc, nc.jetstream(timeout=self.ack_timeout)

    async def _on_error(self, err: Exception) -> None:
        # nats-py logs a traceback per error by default; keep the last one for the failure line
        self.last_error = err

    def subject_of(self, m: Mapping[str, Any]) -> str:
        return self.report.events_subject if "event" in m else self.report.metrics_subject

    def send(self, m: Mapping[str, Any]) -> None:
        if self._failure is not None:
            raise PublishError(str(self._failure))
        payload = encode(m)[:-1]
        self._slots.acquire()
        fut = asyncio.run_coroutine_threadsafe(self._publish(self.subject_of(m), payload, message_id(m)), self._loop)
        fut.add_done_callback(lambda _f: self._slots.release())
        self._pending.append(fut)
        self.sent += 1
        if len(self._pending) > 4096:
            self._pending = [f for f in self._pending if not f.done()]

    async def _publish(self, subject: str, payload: bytes, msg_id: str) -> None:
        from nats.errors import Error as NatsError
        deadline = time.monotonic() + self.give_up_after
        delay = 0.05
        while True:
            try:
                ack = await self._js.publish(subject, payload, timeout=self.ack_timeout, headers={"Nats-Msg-Id": msg_id})
                if getattr(ack, "duplicate", False):
                    self.duplicates += 1
                return
            except (NatsError, asyncio.TimeoutError, OSError) as err:
                if time.monotonic() >= deadline:
                    self._failure = self._failure or PublishError(
                        f"could not store {msg_id} on {subject} within {self.give_up_after:g} s: {err!r}")
                    raise self._failure from None
                self.retries += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    def flush(self, timeout: Optional[float] = None) -> None:
        """Blocks until every message sent so far is stored; raises PublishError if one was not."""
        pending, self._pending = self._pending, []
        done, not_done = concurrent.futures.wait(pending, timeout=timeout)
        if not_done:
            self._pending = list(not_done) + self._pending
            raise PublishError(f"{len(not_done)} message(s) not acknowledged within {timeout} s")
        for f in done:
            f.result()
        if self._failure is not None:
            raise PublishError(str(self._failure))

    def close(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self._nc.drain(), self._loop).result(10)
        except Exception:
            pass  # the process is ending; flush() already reported what matters
        self._stop_loop()

    def _stop_loop(self) -> None:
        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.wait(tasks, timeout=2) if tasks else None

        try:
            asyncio.run_coroutine_threadsafe(cancel_all(), self._loop).result(5)
        except Exception:
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
