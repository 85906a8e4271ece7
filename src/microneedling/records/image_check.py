"""Uploaded photos decoded in full and written anew, so what is stored is only an image.

The first bytes choose the format (the declared type is never trusted); Pillow then decodes
every pixel under a pixel limit (a 30000 × 30000 "bomb" is refused from its header, before any
pixel is decoded). The image is re-encoded: anything appended after it, comments, text chunks
and every EXIF tag but the orientation (GPS position, camera serial numbers, owner names) are
left behind. Markup after the end of the image (an HTML polyglot) is refused outright; other
trailing data, such as a phone's motion-photo clip, is dropped by the re-encoding.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass

from microneedling.errors import InputError

# The first bytes of each accepted format, and the name Pillow gives it.
SIGNATURES: tuple[tuple[str, str, bytes, int], ...] = (
    ("image/jpeg", "JPEG", b"\xff\xd8\xff", 0),
    ("image/png", "PNG", b"\x89PNG\r\n\x1a\n", 0),
    ("image/webp", "WEBP", b"WEBP", 8),
)
ALLOWED = ("jpeg", "png", "webp")
MARKUP = re.compile(rb"<\s*(?:[!?]|html|script|svg|body|iframe|object|embed|meta|head)", re.I)
ORIENTATION = 0x0112


@dataclass(frozen=True)
class CheckedImage:
    content: bytes
    content_type: str


def content_type_of(content: bytes) -> str:
    return _format_of(content)[0]


def _format_of(content: bytes) -> tuple[str, str]:
    for content_type, pillow_format, signature, offset in SIGNATURES:
        riff = content_type != "image/webp" or content[:4] == b"RIFF"
        if riff and content[offset : offset + len(signature)] == signature:
            return content_type, pillow_format
    raise InputError.one("file", "not a JPEG, PNG or WebP image", ALLOWED)


def checked_image(content: bytes, max_pixels: int) -> CheckedImage:
    """The image decoded in full and re-encoded in its own format, or a 422 naming `file`."""
    from PIL import Image

    content_type, pillow_format = _format_of(content)
    end = _image_end(content, pillow_format)
    if end is None:
        raise InputError.one("file", "is not a readable image (it stops before its end)", ALLOWED)
    if MARKUP.search(content[end:]):
        raise InputError.one("file", "holds markup after the end of the image")
    try:
        with Image.open(io.BytesIO(content), formats=[pillow_format]) as image:
            if image.width * image.height > max_pixels:
                raise InputError.one(
                    "file",
                    f"{image.width} × {image.height} pixels is over the limit of {max_pixels}",
                )
            image.load()
            return CheckedImage(_encoded(image, pillow_format), content_type)
    except InputError:
        raise
    except Image.DecompressionBombError:
        raise InputError.one("file", f"has more pixels than the limit of {max_pixels}") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error):
        raise InputError.one("file", "is not a readable image", ALLOWED) from None


def _encoded(image: object, pillow_format: str) -> bytes:
    from PIL import Image

    assert isinstance(image, Image.Image)
    options: dict[str, object] = {}
    orientation = image.getexif().get(ORIENTATION)
    if orientation:
        exif = Image.Exif()
        exif[ORIENTATION] = orientation
        options["exif"] = exif.tobytes()
    for kept in ("icc_profile", "transparency"):
        if image.info.get(kept) is not None:
            options[kept] = image.info[kept]
    if pillow_format == "JPEG":
        # The source's own quantisation tables and subsampling: no further loss of quality.
        options.update(quality="keep", subsampling="keep")
    elif pillow_format == "WEBP":
        options.update(lossless=True)
    out = io.BytesIO()
    image.save(out, format=pillow_format, **options)
    return out.getvalue()


def _image_end(content: bytes, pillow_format: str) -> int | None:
    """Where the image ends, as its container marks it (PNG's IEND chunk, WebP's RIFF length,
    JPEG's end-of-image marker after the last scan), or None when the file stops before that.
    Checked here rather than left to Pillow, whose truncation check is a process-wide switch
    that other libraries turn off (WeasyPrint does, on import)."""
    if pillow_format == "PNG":
        return _png_end(content)
    if pillow_format == "WEBP":
        end = 8 + int.from_bytes(content[4:8], "little")
        return end if end <= len(content) else None
    return _jpeg_end(content)


def _png_end(content: bytes) -> int | None:
    position = 8
    while position + 8 <= len(content):
        length = int.from_bytes(content[position : position + 4], "big")
        kind = content[position + 4 : position + 8]
        position += 12 + length
        if kind == b"IEND":
            return position if position <= len(content) else None
    return None


# In entropy-coded data 0xFF is followed by 0x00 (a stuffed byte) or a restart marker.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")


def _jpeg_end(content: bytes) -> int | None:
    """Walk the segments (whose lengths are given) and skip each scan's data to its next
    marker, so an EXIF thumbnail's own end marker is never taken for the image's."""
    position = 2
    while position + 2 <= len(content) and content[position] == 0xFF:
        marker = content[position + 1]
        if marker == 0xD9:
            return position + 2
        if marker == 0xFF or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            position += 1 if marker == 0xFF else 2
            continue
        if position + 4 > len(content):
            return None
        length = int.from_bytes(content[position + 2 : position + 4], "big")
        position += 2 + length
        if marker == 0xDA:
            found = _NEXT_MARKER.search(content, position)
            position = found.start() if found else len(content)
    return None
