"""Rules about the code itself that a review would otherwise have to remember."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "microneedling"
# The services' one clock, and the records' column default for rows written without a time
# (the records layer sits below the services and cannot import their clock).
CLOCK_READERS = {"services/clock.py", "records/models.py"}


def _real_clock_calls(tree: ast.AST) -> list[int]:
    """Lines that read the machine's clock: `date.today()`, `datetime.now()`/`utcnow()`, in
    any spelling (`dt.date.today()`, `datetime.datetime.now(...)`, `date.today()`)."""
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if (name, node.func.attr) in {
            ("date", "today"),
            ("datetime", "today"),
            ("datetime", "now"),
            ("datetime", "utcnow"),
        }:
            lines.append(node.lineno)
    return lines


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_the_scan_finds_every_spelling_of_the_real_clock() -> None:
    source = (
        "import datetime as dt\nfrom datetime import date, datetime\n"
        "dt.date.today()\ndate.today()\ndatetime.now()\ndt.datetime.now(dt.UTC)\n"
        "datetime.utcnow()\nclock.today()\nrecords.clock.now()\n"
    )
    assert _real_clock_calls(ast.parse(source)) == [3, 4, 5, 6, 7]


def test_only_the_clock_reads_the_real_time() -> None:
    """Every "today" and "now" comes from the injected clock, in the clinic's time zone."""
    readers = {
        f"{name}:{lines}"
        for path in _modules()
        if (name := path.relative_to(SRC).as_posix()) not in CLOCK_READERS
        and (lines := _real_clock_calls(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert not readers, "these read the real clock: use the injected Clock"


def test_no_code_cites_a_document_the_repository_does_not_ship() -> None:
    """Comments cite references by id and docs/ by name, never sections of an outside brief."""
    citing = [
        f"{path.relative_to(SRC)}:{number}"
        for path in [*_modules(), *sorted((SRC / "knowledge" / "data").glob("*.toml"))]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "§" in line or "brief §" in line.lower()
    ]
    assert not citing


def _imports_of(path: Path) -> set[str]:
    """The `microneedling` modules a module imports, at its top or inside its functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("microneedling.")}


def test_the_command_line_modules_import_without_a_cycle() -> None:
    """A cycle (as `cli/interop.py` and `cli/records.py` once were) means a module belongs in
    a third one that both import."""
    modules = {
        f"microneedling.cli.{path.stem}": path
        for path in (SRC / "cli").glob("*.py")
        if path.stem != "__init__"
    }
    graph = {name: _imports_of(path) & modules.keys() for name, path in modules.items()}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            step == goal or (step not in seen and reaches(step, goal, seen | {step}))
            for step in graph[start]
        )

    assert [name for name in sorted(graph) if reaches(name, name, set())] == []
