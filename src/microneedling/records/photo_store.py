"""Photo files stored once under their SHA-256, outside the database.

Content addressing makes a stored file immutable and deduplicated; erasure removes a file only
when no remaining record points at it, deciding under the file's lock (see
`services.clients.erase_client` and `services.photos.add_photo`).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from pathlib import Path

INCOMING = ".incoming-"
ASIDE = ".erased-"


class PhotoStore:
    """Files on disk under `root/ab/abcdef…`, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> tuple[str, bool]:
        """Store the bytes (if new): their SHA-256, and whether this call wrote the file."""
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

    def remove(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)

    def set_aside(self, sha256: str) -> Path | None:
        """Move the file out of reach (for an erasure not yet committed); None if absent."""
        source = self.path_for(sha256)
        aside = source.with_name(f"{ASIDE}{sha256}-{secrets.token_hex(4)}")
        try:
            os.replace(source, aside)
        except FileNotFoundError:
            return None
        return aside

    def put_back(self, sha256: str, aside: Path) -> None:
        os.replace(aside, self.path_for(sha256))

    def stored(self) -> set[str]:
        """The SHA-256 of every stored file."""
        if not self.root.exists():
            return set()
        return {
            path.name
            for path in self.root.glob("??/*")
            if path.is_file() and not path.name.startswith(".")
        }

    def leftovers(self) -> list[Path]:
        """Half-written uploads and files set aside by an erasure that did not finish."""
        if not self.root.exists():
            return []
        return sorted(self.root.glob(f"??/{INCOMING}*")) + sorted(self.root.glob(f"??/{ASIDE}*"))
