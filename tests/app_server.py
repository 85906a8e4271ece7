"""The app served by `microneedling serve` in a process of its own, on a free loopback port,
for tests and benchmarks that need real HTTP between separate processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(settings: Mapping[str, str], workers: int = 1, wait_s: float = 60) -> Iterator[str]:
    """A server with these `MICRONEEDLING_*` settings: its base URL while it runs, stopped
    after. It fails with the server's output if it does not answer within `wait_s`."""
    port = free_port()
    command = [sys.executable, "-m", "microneedling", "serve", "--port", str(port)]
    # The server's output (an access log line per request) goes to a file: a pipe nobody reads
    # until the end would fill and stall the server.
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env={**os.environ, **settings},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(base, server, log, wait_s)
            yield base
        finally:
            if server.poll() is None:
                server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_for(base: str, server: subprocess.Popen[bytes], log: IO[bytes], wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            httpx.get(f"{base}/login", timeout=2)
            return
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                server.wait()
                log.seek(0)
                output = log.read().decode(errors="replace")
                raise RuntimeError(f"the server did not start:\n{output}") from None
            time.sleep(0.2)
