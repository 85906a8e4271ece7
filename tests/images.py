"""Small real images made with Pillow, for tests that upload photos."""

from __future__ import annotations

import io
from typing import Any


def image(
    kind: str = "PNG",
    size: tuple[int, int] = (24, 16),
    colour: tuple[int, int, int] = (200, 150, 130),
    **save: Any,
) -> bytes:
    """A solid-colour image in the given format."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=kind, **save)
    return out.getvalue()
