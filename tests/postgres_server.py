"""A throwaway PostgreSQL server for the tests: Debian's server programs, a temporary data
directory, a free port on loopback, no password (trust on loopback only), stopped afterwards.

`initdb` refuses to run as root, so as root the programs run as the `postgres` user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SERVER_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """The machine has no PostgreSQL server programs to start."""


@dataclass(frozen=True)
class PostgresServer:
    port: int
    bindir: Path

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SERVER_USER}@127.0.0.1:{self.port}/{database}"


def find_bindir() -> Path:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        raise PostgresUnavailable("pg_config not found (install Debian's postgresql package)")
    result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True)
    bindir = Path(result.stdout.strip())
    if not (bindir / "initdb").exists() or not (bindir / "pg_ctl").exists():
        raise PostgresUnavailable(f"no PostgreSQL server programs in {bindir}")
    return bindir


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", SERVER_USER, "--", *command]


def _run(*command: object, check: bool = True) -> None:
    subprocess.run(
        _as_server_user([str(part) for part in command]),
        capture_output=True,
        text=True,
        check=check,
    )


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a server on a fresh data directory; stop it and delete the directory after."""
    bindir = find_bindir()
    root = Path(tempfile.mkdtemp(prefix="microneedling-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, SERVER_USER)
    port = _free_port()
    try:
        _run(
            bindir / "initdb",
            "-D",
            data,
            "-U",
            SERVER_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += " -c synchronous_commit=off -c full_page_writes=off"
        _run(
            bindir / "pg_ctl",
            "-D",
            data,
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "-l",
            root / "server.log",
            "start",
        )
        yield PostgresServer(port=port, bindir=bindir)
    except subprocess.CalledProcessError as error:
        raise PostgresUnavailable(f"{error.cmd[0]} failed: {error.stderr.strip()}") from error
    finally:
        _run(bindir / "pg_ctl", "-D", data, "-m", "immediate", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)
