"""The server's processes: one, or several on one port, each with a listening socket of its own.

uvicorn's own workers share one listening socket, and whichever process wakes first accepts:
with keep-alive clients (browsers, a reverse proxy's pool) one of two workers was seen holding
31 of 32 connections while the other stood idle, so a second worker added almost nothing.
Each process here binds the port with `SO_REUSEPORT`, and the kernel spreads new connections
over the sockets by their addresses, whatever each process is doing at that instant.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE

log = logging.getLogger(__name__)

APP = "microneedling.web.app:served_app"
# How often the parent looks for a process that has stopped, to start another in its place.
WATCH_SECONDS = 0.5
STOP_WAIT_SECONDS = 30


def serve_app(host: str, port: int, workers: int, app: str = APP) -> None:
    """Serve `app` (an app factory's import path) on `host:port` with `workers` processes until
    SIGINT or SIGTERM; stop with an error if a process cannot start (a broken app would
    otherwise be started again and again)."""
    if workers == 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(app, factory=True, host=host, port=port, workers=workers)
        return
    sockets = [_listening(host, port) for _ in range(workers)]
    stop = threading.Event()

    def on_signal(_number: int, _frame: FrameType | None) -> None:
        stop.set()

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, on_signal)
    processes = [_start(sock, app) for sock in sockets]
    try:
        while not stop.wait(WATCH_SECONDS):
            for index, process in enumerate(processes):
                if process.is_alive():
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    raise SystemExit(f"a server process could not start (pid {process.pid})")
                log.warning(
                    "server process %s stopped (%s); starting another",
                    process.pid,
                    process.exitcode,
                )
                processes[index] = _start(sockets[index], app)
    finally:
        _stop(processes)


def _listening(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _start(sock: socket.socket, app: str) -> BaseProcess:
    process = multiprocessing.get_context("spawn").Process(target=_run, args=(sock, app))
    process.start()
    return process


def _run(sock: socket.socket, app: str) -> None:
    """One server process on its own socket (a fresh interpreter: the app is built here)."""
    server = uvicorn.Server(uvicorn.Config(app, factory=True))
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


def _stop(processes: list[BaseProcess]) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(STOP_WAIT_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()
