"""Citation text for the instruments' reference ids, read from the knowledge-base data files.

The instruments' own references live in `knowledge/data/instrument_references.toml`; a few
(`goodman2006`) are shared with the main `references.toml`, so both files are read.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files

DATA_FILES = ("references.toml", "instrument_references.toml")


@cache
def citations() -> dict[str, str]:
    """Every reference id in the data files, mapped to its citation."""
    folder = files("microneedling").joinpath("knowledge", "data")
    found: dict[str, str] = {}
    for name in DATA_FILES:
        resource = folder.joinpath(name)
        if resource.is_file():
            document = tomllib.loads(resource.read_text(encoding="utf-8"))
            found.update((row["id"], row["citation"]) for row in document.get("reference", []))
    return found


def citations_for(reference_ids: tuple[str, ...]) -> list[str]:
    """The citations of these ids, in order; an id without a row shows as itself."""
    known = citations()
    return [known.get(reference_id, reference_id) for reference_id in reference_ids]
