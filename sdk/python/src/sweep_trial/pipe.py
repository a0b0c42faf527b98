"""Embedded mode: one JSON line per message on a file descriptor the runner opened as a pipe.

Plain os.write, so no NATS client (or anything else) is imported, and a line is always written
whole: a SIGTERM arriving mid-write is acted on after the line's last byte.
"""
from __future__ import annotations

import os
from typing import Any, Mapping, Optional

from .messages import encode


class PipeReporter:
    def __init__(self, fd: int) -> None:
        try:
            os.fstat(fd)
        except OSError:
            from .launch import LaunchError
            raise LaunchError(f"report.fd: file descriptor {fd} is not open (the runner passes the report pipe there)") from None
        self.fd = fd
        self.sent = 0

    def send(self, m: Mapping[str, Any]) -> None:
        data = memoryview(encode(m))
        while data:
            n = os.write(self.fd, data)
            data = data[n:]
        self.sent += 1

    def flush(self, timeout: Optional[float] = None) -> None:
        """Every line is written by send(); the pipe holds nothing of ours."""

    def close(self) -> None:
        """The runner owns the pipe; it sees end-of-file when this process exits."""
