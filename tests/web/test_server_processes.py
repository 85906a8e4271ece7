"""`microneedling serve --workers N`: N processes, each listening on the port with a socket of
its own, so that keep-alive connections are spread over all of them (sharing one socket, one
process was seen holding 31 of 32); a process that dies is replaced, and stopping the server
stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import psutil
import pytest
from tests.app_server import free_port, serving

WORKERS = 2
# Connections opened at once: with the kernel spreading them by address, all landing on one
# process has a chance of 2 in 2**24.
CONNECTIONS = 24


def settings(data_dir: Path) -> dict[str, str]:
    return {
        "MICRONEEDLING_DATA_DIR": str(data_dir),
        "MICRONEEDLING_ENVIRONMENT": "production",
        "MICRONEEDLING_SECRET_KEY": "several-processes-share-this-secret-" + "x" * 24,
    }


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    with serving(settings(tmp_path), workers=WORKERS) as base:
        yield base, int(base.rsplit(":", 1)[1])


def listening_processes(port: int) -> set[int]:
    return {
        connection.pid
        for connection in psutil.net_connections("tcp")
        if connection.laddr
        and connection.laddr.port == port
        and connection.status == psutil.CONN_LISTEN
        and connection.pid is not None
    }


def wait_for(condition: object, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_each_process_listens_and_keep_alive_connections_reach_them_all(
    server: tuple[str, int],
) -> None:
    base, port = server
    listeners = listening_processes(port)
    assert len(listeners) == WORKERS
    with ExitStack() as stack:
        clients = [stack.enter_context(httpx.Client(base_url=base)) for _ in range(CONNECTIONS)]
        for client in clients:
            assert client.get("/login").status_code == 200
        held = Counter(
            connection.pid
            for connection in psutil.net_connections("tcp")
            if connection.laddr
            and connection.laddr.port == port
            and connection.status == psutil.CONN_ESTABLISHED
        )
    assert set(held) == listeners
    assert sum(held.values()) == CONNECTIONS


def test_a_process_that_dies_is_replaced(server: tuple[str, int]) -> None:
    base, port = server
    killed = min(listening_processes(port))
    os.kill(killed, signal.SIGKILL)
    wait_for(lambda: len(listening_processes(port) - {killed}) == WORKERS)
    for _ in range(CONNECTIONS):
        with httpx.Client(base_url=base) as client:
            assert client.get("/login").status_code == 200


def test_stopping_the_server_stops_every_process(tmp_path: Path) -> None:
    with serving(settings(tmp_path), workers=WORKERS) as base:
        processes = [psutil.Process(pid) for pid in listening_processes(int(base.rsplit(":")[-1]))]
    gone, alive = psutil.wait_procs(processes, timeout=30)
    assert alive == []
    assert len(gone) == WORKERS


def test_a_process_that_cannot_start_stops_the_server_with_an_error(tmp_path: Path) -> None:
    """Not started again and again: a broken app would otherwise loop for ever."""
    broken = "microneedling.web.app:no_such_factory"
    call = f"serve_app('127.0.0.1', {free_port()}, {WORKERS}, {broken!r})"
    finished = subprocess.run(
        [sys.executable, "-c", f"from microneedling.web.serving import serve_app; {call}"],
        check=False,
        env={**os.environ, **settings(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode != 0
    assert "a server process could not start" in finished.stderr
