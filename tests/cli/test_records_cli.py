"""The records commands as a user runs them: demo, users, clients, export, backup and restore,
and `serve` answering real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from microneedling.services.demo import DEMO_CLIENTS, DEMO_USERS


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "microneedling", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MICRONEEDLING_ENVIRONMENT": "development",
        "MICRONEEDLING_DATA_DIR": str(tmp_path / "data"),
        "MICRONEEDLING_DATABASE_URL": database_url,
    }


def test_demo_creates_a_clinic_once_and_prints_the_log_ins(env: dict[str, str]) -> None:
    first = run(env, "demo")
    assert first.returncode == 0, first.stderr
    for _role, email, _name, password in DEMO_USERS:
        assert f"{email} / {password}" in first.stdout
    exported = run(env, "export", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    again = run(env, "demo")
    assert again.returncode == 0
    assert "unchanged" in again.stdout
    assert run(env, "export", "--format", "json").stdout.count('"id"') == exported.stdout.count(
        '"id"'
    )
    listed = json.loads(run(env, "clients", "list", "--json").stdout)
    assert listed["total"] == len(DEMO_CLIENTS)
    capped = {**env, "MICRONEEDLING_PAGE_SIZE_MAX": "5"}  # the setting, not a number in the CLI
    too_many = run(capped, "clients", "list", "--limit", "6")
    assert too_many.returncode == 2 and "limit: must be 5 or less" in too_many.stderr


def test_users_create_reads_the_password_from_stdin(env: dict[str, str]) -> None:
    created = run(
        env,
        "users",
        "create",
        "--clinic",
        "North",
        "--role",
        "clinician",
        "--email",
        "a@north.example",
        "--password-stdin",
        stdin="long enough secret\n",
    )
    assert created.returncode == 0, created.stderr
    assert "Created clinician a@north.example" in created.stdout
    listed = run(env, "clients", "list")
    assert (listed.returncode, listed.stdout.strip()) == (0, "0 of 0 clients")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--role", "boss", "--email", "a@x.example"), "role"),
        (("--role", "owner", "--email", "not-an-email"), "email"),
    ],
)
def test_bad_user_input_exits_2_naming_the_field(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    result = run(
        env,
        "users",
        "create",
        "--clinic",
        "C",
        *args,
        "--password-stdin",
        stdin="long enough secret\n",
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: {message}:")
    assert "Traceback" not in result.stderr


def test_a_missing_secret_outside_development_exits_2_with_the_line_that_fixes_it(
    env: dict[str, str],
) -> None:
    result = run({**env, "MICRONEEDLING_ENVIRONMENT": "production"}, "db", "upgrade")
    assert result.returncode == 2
    assert "MICRONEEDLING_SECRET_KEY is not set" in result.stderr
    fix = result.stderr.split("set it with: ", 1)[1].strip()
    fixed = subprocess.run(
        ["bash", "-c", f'{fix} && "$0" -m microneedling db upgrade', sys.executable],
        capture_output=True,
        text=True,
        env={**env, "MICRONEEDLING_ENVIRONMENT": "production"},
        check=False,
        timeout=120,
    )
    assert fixed.returncode == 0, fixed.stderr


def test_a_local_trial_keeps_working_in_a_new_shell(env: dict[str, str]) -> None:
    assert run(env, "demo").returncode == 0  # what `make run` does, in development mode
    later = {key: value for key, value in env.items() if key != "MICRONEEDLING_ENVIRONMENT"}
    listed = run(later, "clients", "list", "--query", "hart")
    assert listed.returncode == 0, listed.stderr
    assert "Hart, Amelia" in listed.stdout


def test_a_wrong_setting_fails_before_the_database_modules_load(env: dict[str, str]) -> None:
    code = (
        "import sys\n"
        "from microneedling.cli import app\n"
        "try:\n"
        "    app(['clients', 'list'])\n"
        "except SystemExit as stop:\n"
        "    print(stop.code, 'sqlalchemy' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**env, "MICRONEEDLING_ENVIRONMENT": "production"},
        check=False,
        timeout=120,
    )
    assert result.stdout.split() == ["2", "False"], result.stderr


def test_two_clinics_need_a_clinic_name(env: dict[str, str]) -> None:
    for clinic in ("North", "South"):
        run(
            env,
            "users",
            "create",
            "--clinic",
            clinic,
            "--role",
            "owner",
            "--email",
            f"o@{clinic.lower()}.example",
            "--password-stdin",
            stdin="long enough secret\n",
        )
    result = run(env, "clients", "list")
    assert result.returncode == 2
    assert "allowed: North, South" in result.stderr
    assert run(env, "clients", "list", "--clinic", "South").returncode == 0


def test_backup_and_restore_bring_back_the_records(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "demo").returncode == 0
    backup = tmp_path / "backup.bin"
    saved = run(env, "backup", str(backup))
    assert saved.returncode == 0, saved.stderr
    assert backup.stat().st_size > 0
    run(
        env,
        "users",
        "create",
        "--clinic",
        "Later",
        "--role",
        "owner",
        "--email",
        "later@x.example",
        "--password-stdin",
        stdin="long enough secret\n",
    )
    assert run(env, "clients", "list").returncode == 2  # two clinics now
    restored = run(env, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    listed = run(env, "clients", "list")
    assert listed.returncode == 0, listed.stderr
    assert f"{len(DEMO_CLIENTS)} of {len(DEMO_CLIENTS)} clients" in listed.stdout


def test_restore_refuses_a_file_that_is_no_backup(env: dict[str, str], tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a backup")
    result = run(env, "restore", str(junk))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_export_writes_sessions_as_csv(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "demo")
    out = tmp_path / "sessions.csv"
    result = run(env, "export", "--format", "csv", "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert lines[0].startswith("client_id,session_id,plan_id,performed_on")
    assert len(lines) > len(DEMO_CLIENTS)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_real_http_with_the_demo_log_ins(env: dict[str, str]) -> None:
    run(env, "demo")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "microneedling", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        _role, email, _name, password = DEMO_USERS[1]
        token = httpx.post(f"{base}/auth/token", data={"username": email, "password": password})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        clients = httpx.get(f"{base}/clients", params={"q": "hart"}, headers=headers).json()
        assert [c["family_name"] for c in clients["items"]] == ["Hart"]
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert f"Serving on http://127.0.0.1:{port}" in output


def test_db_check_finds_a_missing_photo_file_and_a_stray_one(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert run(env, "demo").returncode == 0
    healthy = run(env, "db", "check")
    assert healthy.returncode == 0, healthy.stderr
    assert "all present and used" in healthy.stdout
    store = tmp_path / "data" / "photos"
    first = sorted(path for path in store.glob("??/*") if path.is_file())[0]
    first.rename(first.with_name("f" * 64))
    broken = run(env, "db", "check")
    assert broken.returncode == 1
    assert f"file {first.name} is missing" in broken.stderr
    assert f"file {'f' * 64} belongs to no photo" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_users_set_deactivates_and_changes_role_without_a_traceback(env: dict[str, str]) -> None:
    assert run(env, "demo").returncode == 0
    changed = run(env, "users", "set", "--email", "reader@demo.example", "--inactive")
    assert changed.returncode == 0, changed.stderr
    assert "reader@demo.example: read_only, inactive" in changed.stdout
    last_owner = run(env, "users", "set", "--email", "owner@demo.example", "--role", "clinician")
    assert last_owner.returncode == 2
    assert "one active owner" in last_owner.stderr and "Traceback" not in last_owner.stderr
    unknown = run(env, "users", "set", "--email", "nobody@demo.example", "--active")
    assert unknown.returncode == 2 and unknown.stderr.startswith("Error: email:")


ERASE_FIRST_CLIENT = (
    "from microneedling.config import load_settings\n"
    "from microneedling.services.common import Records\n"
    "from microneedling.services.users import local_owner\n"
    "from microneedling.services.clients import erase_client\n"
    "records = Records.open(load_settings())\n"
    "erase_client(records, local_owner(records, None), 1)\n"
)


def test_a_backup_holds_the_photos_and_restore_names_clients_erased_since(
    env: dict[str, str], tmp_path: Path
) -> None:
    import tarfile

    assert run(env, "demo").returncode == 0
    archive = tmp_path / "backup.tar"
    saved = run(env, "backup", str(archive))
    assert saved.returncode == 0, saved.stderr
    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    photos = [name for name in names if name.startswith("photos/")]
    assert photos and set(manifest["files"]) == set(names) - {"manifest.json"}
    assert manifest["format"] == "microneedling-backup" and manifest["schema"]
    erased = subprocess.run(
        [sys.executable, "-c", ERASE_FIRST_CLIENT],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert erased.returncode == 0, erased.stderr
    restored = run(env, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert f"{len(photos)} photos" in restored.stdout
    assert "erased after this backup was taken, back again: 1." in restored.stdout
    assert run(env, "db", "check").returncode == 0


def test_restore_refuses_a_damaged_archive_and_a_database_in_use(
    env: dict[str, str], tmp_path: Path
) -> None:
    import tarfile

    from sqlalchemy import create_engine, text

    from microneedling.records.backup import server_lock

    assert run(env, "demo").returncode == 0
    archive = tmp_path / "backup.tar"
    assert run(env, "backup", str(archive)).returncode == 0
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("photos/"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.addfile(member, io.BytesIO(data))
    refused = run(env, "restore", str(damaged))
    assert refused.returncode == 2 and "fails its checksum" in refused.stderr
    url = env["MICRONEEDLING_DATABASE_URL"]
    if url.startswith("sqlite"):
        with server_lock(Path(env["MICRONEEDLING_DATA_DIR"])):
            busy = run(env, "restore", str(archive))
    else:
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            busy = run(env, "restore", str(archive))
        engine.dispose()
    assert busy.returncode == 2, busy.stdout
    assert "stop" in busy.stderr and "Traceback" not in busy.stderr


def test_photos_move_into_postgres_and_back_with_every_file_checked(
    env: dict[str, str], tmp_path: Path
) -> None:
    if env["MICRONEEDLING_DATABASE_URL"].startswith("sqlite"):
        refused = run(env, "photos", "migrate", "--to", "postgres")
        assert refused.returncode == 2 and refused.stderr.startswith("Error: --to:")
        return
    assert run(env, "demo").returncode == 0
    local = tmp_path / "data" / "photos"
    files = {path.name for path in local.glob("??/*")}
    assert files
    moved = run(env, "photos", "migrate", "--to", "postgres")
    assert moved.returncode == 0, moved.stderr
    assert f"Moved {len(files)} photo files to postgres (0 were there already)" in moved.stdout
    assert not any(path.is_file() for path in local.rglob("*"))
    again = run(env, "photos", "migrate", "--to", "postgres")
    assert "Moved 0 photo files" in again.stdout and again.returncode == 0
    in_postgres = {**env, "MICRONEEDLING_PHOTO_STORE": "postgres"}
    checked = run(in_postgres, "db", "check")
    assert checked.returncode == 0 and "all present and used" in checked.stdout, checked.stderr
    archive = tmp_path / "backup.tar"
    assert run(in_postgres, "backup", str(archive)).returncode == 0
    restored = run(in_postgres, "restore", str(archive))
    assert restored.returncode == 0 and f"{len(files)} photos" in restored.stdout, restored.stderr
    back = run(env, "photos", "migrate", "--to", "local")
    assert f"Moved {len(files)} photo files to local" in back.stdout
    assert {path.name for path in local.glob("??/*")} == files
    assert run(env, "db", "check").returncode == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_postgres_photo_store_needs_a_postgres_database(env: dict[str, str]) -> None:
    """The refusal is for a SQLite database: run there only."""
    refused = run({**env, "MICRONEEDLING_PHOTO_STORE": "postgres"}, "db", "check")
    assert refused.returncode == 2
    assert "MICRONEEDLING_PHOTO_STORE" in refused.stderr and "PostgreSQL" in refused.stderr


def _database_audit(url: str) -> list[tuple[str, str]]:
    """The audit rows of operations on the whole database: (action, who ran it)."""
    from sqlalchemy import select

    from microneedling.records.database import make_engine
    from microneedling.records.models import AuditEntry

    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(AuditEntry.action, AuditEntry.operator)
            .where(AuditEntry.entity == "database")
            .order_by(AuditEntry.id)
        )
        found = [(row.action, row.operator) for row in rows]
    engine.dispose()
    return found


def test_only_db_upgrade_migrates_and_the_others_say_so(tmp_path: Path) -> None:
    """An empty (or older) database is refused with the line that fixes it; `db upgrade`
    migrates it and the audit trail names who did, as do backups and restores."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    empty = {
        **os.environ,
        "MICRONEEDLING_ENVIRONMENT": "development",
        "MICRONEEDLING_DATA_DIR": str(tmp_path / "data"),
        "MICRONEEDLING_DATABASE_URL": url,
    }
    for command in (["demo"], ["clients", "list"], ["backup", str(tmp_path / "b.tar")]):
        refused = run(empty, *command)
        assert refused.returncode == 2, command
        assert "no tables yet" in refused.stderr and "`microneedling db upgrade`" in refused.stderr
        assert "Traceback" not in refused.stderr
    upgraded = run(empty, "db", "upgrade", "--actor", "Night shift")
    assert upgraded.returncode == 0, upgraded.stderr
    assert run(empty, "db", "upgrade").returncode == 0  # nothing to do: not audited again
    assert run(empty, "demo").returncode == 0
    assert run(empty, "backup", str(tmp_path / "b.tar"), "--actor", "Ops").returncode == 0
    assert _database_audit(url) == [("database.upgrade", "Night shift"), ("database.backup", "Ops")]
    restored = run(empty, "restore", str(tmp_path / "b.tar"), "--actor", "Ops")
    assert restored.returncode == 0, restored.stderr
    # The restored database is the backup's, which was taken before its own audit row.
    assert _database_audit(url) == [
        ("database.upgrade", "Night shift"),
        ("database.restore", "Ops"),
    ]
