"""The compiled knowledge base: used only while it matches its sources, never required."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from microneedling.knowledge import Knowledge, compiled, load_from
from microneedling.knowledge.compiled import cache_path, load_compiled


class Validations:
    """`load_from`, counting its calls."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, directory: Path) -> Knowledge:
        self.count += 1
        return load_from(directory)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(Path(str(files("microneedling.knowledge") / "data")), target)
    shutil.rmtree(target / compiled.CACHE_DIRECTORY, ignore_errors=True)
    return target


def test_the_second_load_reads_the_compiled_copy_without_validating(data: Path) -> None:
    validations = Validations()
    first = load_compiled(data, validations)
    second = load_compiled(data, validations)
    assert validations.count == 1
    assert cache_path(data).stat().st_mode & 0o777 == Path(compiled.__file__).stat().st_mode & 0o666
    assert second is not first
    assert second.model_dump() == first.model_dump()


def test_an_edited_source_is_validated_again(data: Path) -> None:
    validations = Validations()
    load_compiled(data, validations)
    meta = data / "meta.toml"
    meta.write_text(meta.read_text().replace('version = "', 'version = "9.'), encoding="utf-8")
    assert load_compiled(data, validations).version.startswith("9.")
    assert load_compiled(data, validations).version.startswith("9.")
    assert validations.count == 2


def test_a_damaged_copy_is_ignored_and_rewritten(data: Path) -> None:
    validations = Validations()
    load_compiled(data, validations)
    blob = bytearray(cache_path(data).read_bytes())
    blob[-10] ^= 0xFF
    cache_path(data).write_bytes(bytes(blob))
    load_compiled(data, validations)
    load_compiled(data, validations)
    assert validations.count == 2


def test_a_read_only_install_validates_every_time(data: Path) -> None:
    (data / compiled.CACHE_DIRECTORY).write_text("not a directory", encoding="utf-8")
    assert not compiled.write_compiled(data, compiled.source_key(data), load_from(data))
    validations = Validations()
    assert load_compiled(data, validations).version == load_from(data).version
    load_compiled(data, validations)
    assert validations.count == 2


def test_a_failed_write_leaves_no_partial_file(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(compiled.os, "replace", fail)
    validations = Validations()
    load_compiled(data, validations)
    assert list((data / compiled.CACHE_DIRECTORY).iterdir()) == []
    assert validations.count == 1
