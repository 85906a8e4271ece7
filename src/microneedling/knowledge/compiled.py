"""A compiled copy of the validated knowledge base, so a fresh process skips re-validating it.

It works like Python's bytecode cache: the validated `Knowledge` is pickled into `__pycache__`
beside the TOML files, under a SHA-256 of every TOML source and of the code that validates
and builds it (this package's modules, the Python and pydantic versions).
A copy whose key differs from the sources is never used, so an edited row is always
re-validated; a copy whose payload digest does not match (a torn or damaged file) is ignored.
The copy is written atomically (a temporary file, then a rename), and where it cannot be
written (a read-only install) the knowledge base is validated on every start instead. Only
this package writes the file, in its own install, like a `.pyc`; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path

import pydantic

from microneedling.knowledge.models import Knowledge

CACHE_DIRECTORY = "__pycache__"
CACHE_NAME = f"knowledge.{sys.implementation.cache_tag}.pickle"
_DIGEST_BYTES = hashlib.sha256().digest_size


def source_key(directory: Path) -> bytes:
    """SHA-256 over the TOML sources and the code that validates them (this package's modules)."""
    digest = hashlib.sha256()
    digest.update(f"{sys.version}\0pydantic {pydantic.VERSION}\0".encode())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    for path in sorted(directory.glob("*.toml")):
        digest.update(f"\0{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.digest()


def cache_path(directory: Path) -> Path:
    return directory / CACHE_DIRECTORY / CACHE_NAME


def read_compiled(directory: Path, key: bytes) -> Knowledge | None:
    """The compiled knowledge base if its key matches the sources and its payload is whole."""
    try:
        blob = cache_path(directory).read_bytes()
    except OSError:
        return None
    stored_key = blob[:_DIGEST_BYTES]
    payload_digest = blob[_DIGEST_BYTES : 2 * _DIGEST_BYTES]
    payload = blob[2 * _DIGEST_BYTES :]
    if stored_key != key or hashlib.sha256(payload).digest() != payload_digest:
        return None
    knowledge = pickle.loads(payload)
    return knowledge if isinstance(knowledge, Knowledge) else None


def write_compiled(directory: Path, key: bytes, knowledge: Knowledge) -> bool:
    """Write the compiled copy atomically; False where the install cannot be written."""
    import tempfile  # only a run that writes the copy needs it

    payload = pickle.dumps(knowledge, protocol=pickle.HIGHEST_PROTOCOL)
    target = cache_path(directory)
    try:
        target.parent.mkdir(exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{CACHE_NAME}.")
        try:
            with os.fdopen(handle, "wb") as file:
                os.fchmod(file.fileno(), Path(__file__).stat().st_mode & 0o666)  # as a .pyc
                file.write(key + hashlib.sha256(payload).digest() + payload)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return False
    return True


def load_compiled(directory: Path, validate: Callable[[Path], Knowledge]) -> Knowledge:
    """The knowledge base from its compiled copy, or validated (and compiled) when stale."""
    key = source_key(directory)
    knowledge = read_compiled(directory, key)
    if knowledge is None:
        knowledge = validate(directory)
        write_compiled(directory, key, knowledge)
    return knowledge
