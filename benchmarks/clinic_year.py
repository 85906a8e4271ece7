"""Database bytes per clinic-year, measured on PostgreSQL: the demo clinic's rows (real content
from the demo generator) copied until the tables hold one clinic-year, then each table's size
on disk with its indexes and TOAST.

A clinic-year here is an assumption about a busy single-site clinic, not a clinical figure:
250 new clients (each with an intake, a plan and a consent), 1,000 sessions (four a working
day), a score at every other session and three photo records a session, plus the audit rows
those writes leave (at the demo's ratio of audit rows to records). Photo files are not in it:
their bytes depend on the camera, see docs/deployment.md.

Run: `.venv/bin/python benchmarks/clinic_year.py` (a throwaway PostgreSQL server is started);
`--json` prints one JSON object last.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import Connection, create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.postgres_server import running_postgres  # noqa: E402

from microneedling.config import Settings  # noqa: E402
from microneedling.services.common import Records  # noqa: E402
from microneedling.services.demo import create_demo  # noqa: E402

CLINIC_YEAR = {
    "clients": 250,
    "intakes": 250,
    "plans": 250,
    "consents": 250,
    "sessions": 1000,
    "scores": 500,
    "photos": 3000,
}
CLINICAL = tuple(CLINIC_YEAR)


def _columns(connection: Connection, table: str) -> str:
    names = connection.execute(
        text(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = :table AND column_name <> 'id' ORDER BY ordinal_position"
        ),
        {"table": table},
    ).scalars()
    return ", ".join(f'"{name}"' for name in names)


def _count(connection: Connection, table: str) -> int:
    return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def fill(connection: Connection, table: str, target: int) -> None:
    """Copy the table's first rows (never an amendment: one amendment per original) until it
    holds `target` rows."""
    columns = _columns(connection, table)
    original = "supersedes_id IS NULL" if "supersedes_id" in columns else "TRUE"
    while (have := _count(connection, table)) < target:
        connection.execute(
            text(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table} "
                f"WHERE {original} ORDER BY id LIMIT {target - have}"
            )
        )


def measure() -> dict[str, object]:
    with running_postgres() as server, tempfile.TemporaryDirectory() as data_dir:
        admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE clinic_year"))
        url = server.url("clinic_year")
        settings = Settings(
            environment="test",
            secret_key=SecretStr("clinic-year-" + "x" * 40),
            data_dir=Path(data_dir),
            database_url=url,
        )
        from microneedling.records.database import engine_for, upgrade

        engine = engine_for(settings)
        upgrade(engine)
        create_demo(Records.open(settings))
        with engine.begin() as connection:
            records = sum(_count(connection, table) for table in CLINICAL)
            audit_per_record = _count(connection, "audit_log") / records
            audit_rows = round(audit_per_record * sum(CLINIC_YEAR.values()))
            targets = {**CLINIC_YEAR, "audit_log": audit_rows}
            for table, target in targets.items():
                fill(connection, table, target)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
            sizes = {
                table: int(
                    connection.execute(
                        text("SELECT pg_total_relation_size(:table)"), {"table": table}
                    ).scalar_one()
                )
                for table in targets
            }
        engine.dispose()
        admin.dispose()
    total = sum(sizes.values())
    return {
        "rows": targets,
        "bytes_by_table": sizes,
        "database_bytes_per_clinic_year": total,
        "database_mib_per_clinic_year": round(total / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args()
    figures = measure()
    if args.json:
        print(json.dumps(figures))
        return
    for table, size in figures["bytes_by_table"].items():  # type: ignore[attr-defined]
        print(f"{table:<10} {figures['rows'][table]:>6} rows  {size / 2**20:7.2f} MiB")  # type: ignore[index]
    print(f"one clinic-year: {figures['database_mib_per_clinic_year']} MiB")


if __name__ == "__main__":
    main()
