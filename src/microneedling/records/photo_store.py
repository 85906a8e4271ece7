"""Photo files stored once under their SHA-256: on a local directory (the default) or in the
PostgreSQL database itself, so several machines share photos with nothing else to run.

Content addressing makes a stored file immutable and deduplicated; erasure removes a file only
when no remaining record points at it, deciding under the file's lock (see
`services.clients.erase_client` and `services.photos.add_photo`). Both stores behave alike: a
write is whole or absent, a file set aside by an erasure can be put back until it is discarded.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy import ColumnElement, Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from microneedling.config import Settings
from microneedling.records.models import PhotoBlob

INCOMING = ".incoming-"
ASIDE = ".erased-"
# Rows of 1 MiB: a photo (25 MiB at most) is written and read a chunk at a time, never as one
# huge parameter or value, and each chunk stays well under PostgreSQL's 1 GB field limit.
CHUNK_BYTES = 1024 * 1024


class PhotoStore(Protocol):
    """What the services need of a photo store. A missing file reads as `FileNotFoundError`."""

    def put(self, content: bytes) -> tuple[str, bool]:
        """Store the bytes (if new): their SHA-256, and whether this call wrote them."""
        ...

    def read(self, sha256: str) -> bytes: ...

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The file a chunk (at most `CHUNK_BYTES`) at a time, so serving a large file does not
        hold it whole in memory."""
        ...

    def remove(self, sha256: str) -> None: ...

    def set_aside(self, sha256: str) -> str | None:
        """Move the file out of reach (for an erasure not yet committed): the name it is kept
        under until `put_back` or `discard`; None if absent."""
        ...

    def put_back(self, sha256: str, aside: str) -> None: ...

    def discard(self, sha256: str, aside: str) -> None: ...

    def stored(self) -> set[str]:
        """The SHA-256 of every stored file."""
        ...

    def leftovers(self) -> list[str]:
        """Half-written uploads and files set aside by an erasure that did not finish."""
        ...


class LocalPhotoStore:
    """Files on disk under `root/ab/abcdef…`, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> tuple[str, bool]:
        digest = hashlib.sha256(content).hexdigest()
        target = self.path_for(digest)
        if target.exists():
            return digest, False
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=INCOMING)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest, True

    def read(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def chunks(self, sha256: str) -> Iterator[bytes]:
        with self.path_for(sha256).open("rb") as stream:
            while chunk := stream.read(CHUNK_BYTES):
                yield chunk

    def remove(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)

    def set_aside(self, sha256: str) -> str | None:
        source = self.path_for(sha256)
        aside = f"{ASIDE}{sha256}-{secrets.token_hex(4)}"
        try:
            os.replace(source, source.with_name(aside))
        except FileNotFoundError:
            return None
        return aside

    def put_back(self, sha256: str, aside: str) -> None:
        target = self.path_for(sha256)
        os.replace(target.with_name(aside), target)

    def discard(self, sha256: str, aside: str) -> None:
        self.path_for(sha256).with_name(aside).unlink(missing_ok=True)

    def stored(self) -> set[str]:
        if not self.root.exists():
            return set()
        return {
            path.name
            for path in self.root.glob("??/*")
            if path.is_file() and not path.name.startswith(".")
        }

    def leftovers(self) -> list[str]:
        if not self.root.exists():
            return []
        found = sorted(self.root.glob(f"??/{INCOMING}*")) + sorted(self.root.glob(f"??/{ASIDE}*"))
        return [path.name for path in found]


class DatabasePhotoStore:
    """Files as rows of `photo_blobs` chunks in the records' PostgreSQL database, each write
    and each rename one transaction of its own, like a file system beside the records'.

    Its engine is its own: a request holds a records connection while it reads or writes a
    photo, so a pool shared with the records could run dry with every holder waiting for a
    second connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, content: bytes) -> tuple[str, bool]:
        digest = hashlib.sha256(content).hexdigest()
        chunks = [
            {"name": digest, "chunk": number, "data": content[start : start + CHUNK_BYTES]}
            for number, start in enumerate(range(0, max(len(content), 1), CHUNK_BYTES))
        ]
        try:
            with self.engine.begin() as connection:
                if self._exists(connection, digest):
                    return digest, False
                for chunk in chunks:
                    connection.execute(insert(PhotoBlob), chunk)
        except IntegrityError:  # another writer stored the same bytes first
            return digest, False
        return digest, True

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """Streamed from the server a row at a time (a cursor of its own, one row fetched per
        step); `FileNotFoundError` if none."""
        query = select(PhotoBlob.data).where(PhotoBlob.name == sha256).order_by(PhotoBlob.chunk)
        found = False
        with self.engine.connect() as connection:
            for data in connection.execution_options(stream_results=True, yield_per=1).scalars(
                query
            ):
                found = True
                yield data
        if not found:
            raise FileNotFoundError(f"no stored photo {sha256}")

    def read(self, sha256: str) -> bytes:
        return b"".join(self.chunks(sha256))

    def remove(self, sha256: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(PhotoBlob).where(PhotoBlob.name == sha256))

    def set_aside(self, sha256: str) -> str | None:
        aside = f"{ASIDE}{sha256}-{secrets.token_hex(4)}"
        return aside if self._rename(sha256, aside) else None

    def put_back(self, sha256: str, aside: str) -> None:
        """The same bytes may have been stored again meanwhile: then the copy aside goes."""
        try:
            self._rename(aside, sha256)
        except IntegrityError:
            self.remove(aside)

    def discard(self, sha256: str, aside: str) -> None:
        self.remove(aside)

    def stored(self) -> set[str]:
        return set(self._names(~PhotoBlob.name.startswith(".")))

    def leftovers(self) -> list[str]:
        return sorted(self._names(PhotoBlob.name.startswith(".")))

    def _names(self, condition: ColumnElement[bool]) -> list[str]:
        with self.engine.connect() as connection:
            return list(connection.scalars(select(PhotoBlob.name).distinct().where(condition)))

    def _rename(self, name: str, new_name: str) -> bool:
        with self.engine.begin() as connection:
            result = connection.execute(
                update(PhotoBlob).where(PhotoBlob.name == name).values(name=new_name)
            )
        return bool(result.rowcount)

    @staticmethod
    def _exists(connection: Connection, sha256: str) -> bool:
        query = select(func.count()).where(PhotoBlob.name == sha256, PhotoBlob.chunk == 0)
        return bool(connection.scalar(query))


def open_photo_store(settings: Settings) -> PhotoStore:
    """The store the settings choose: `local` (the data directory) or `postgres` (the records'
    database, through an engine of its own that connects on first use)."""
    if settings.photo_store == "postgres":
        from microneedling.records.database import engine_for

        return DatabasePhotoStore(engine_for(settings))
    return LocalPhotoStore(settings.photo_dir)


@dataclass(frozen=True)
class Moved:
    """What `move_photos` did: files moved, files the target held already, and files left in
    the source because their bytes did not match their SHA-256."""

    moved: int
    already_there: int
    problems: list[str] = field(default_factory=list)


def move_photos(source: PhotoStore, target: PhotoStore) -> Moved:
    """Move every file from `source` to `target`: each is read back from the target and its
    SHA-256 checked before the source's copy goes, so an interrupted move loses nothing and a
    second run finishes it."""
    moved = already_there = 0
    problems: list[str] = []
    for digest in sorted(source.stored()):
        content = source.read(digest)
        if hashlib.sha256(content).hexdigest() != digest:
            problems.append(f"file {digest} in the source does not hold the bytes its name says")
            continue
        _digest, written = target.put(content)
        if hashlib.sha256(target.read(digest)).hexdigest() != digest:
            problems.append(f"file {digest} in the target does not hold the bytes its name says")
            continue
        source.remove(digest)
        moved += written
        already_there += not written
    return Moved(moved=moved, already_there=already_there, problems=problems)
