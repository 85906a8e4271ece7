"""Reading photos safely: only real raster images, within a pixel limit, complete, upright.

Pillow reads the header first, so a decompression bomb or an oversized photo is refused before
its pixels are decoded. EXIF orientation is applied, so landmarks and zones match what a viewer
shows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from microneedling.imaging.errors import PhotoError

MAX_PIXELS = 50_000_000
"""Largest photo accepted (50 megapixels: above every common camera and phone at full size)."""

FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "BMP")
_EXIF_ORIENTATION_TAG = 0x0112
_GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "F"})


@dataclass(frozen=True)
class Photo:
    """An upright 8-bit RGB photo and where it came from."""

    rgb: NDArray[np.uint8]
    source: str
    exif_orientation: int

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


def load_photo(path: str | Path, *, label: str = "photo", max_pixels: int = MAX_PIXELS) -> Photo:
    """Read a photo as upright RGB, or raise `PhotoError` naming what is wrong with it."""
    file = Path(path)
    if not file.is_file():
        raise PhotoError.one(label, f"no such file '{file}'")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(file, formats=FORMATS) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise PhotoError.one(
                        label,
                        f"'{file.name}' has {width}x{height} = {width * height:,} pixels, over "
                        f"the limit of {max_pixels:,}; resize it first",
                    )
                if image.mode in _GREY_MODES or image.mode.startswith("I;"):
                    raise PhotoError.one(
                        label,
                        f"'{file.name}' is greyscale; the skin measures need a colour photo",
                    )
                orientation = int(image.getexif().get(_EXIF_ORIENTATION_TAG, 1))
                image.load()
                upright = ImageOps.exif_transpose(image) if orientation != 1 else image
                rgb = np.asarray(upright.convert("RGB") if upright.mode != "RGB" else upright)
        except PhotoError:
            raise
        except UnidentifiedImageError:
            raise PhotoError.one(
                label, f"'{file.name}' is not an image we can read", allowed=FORMATS
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoError.one(
                label, f"'{file.name}' looks like a decompression bomb; refused"
            ) from None
        except (OSError, SyntaxError, ValueError) as error:
            raise PhotoError.one(
                label, f"'{file.name}' is damaged or truncated ({error})"
            ) from None
    return Photo(rgb=rgb, source=str(file), exif_orientation=orientation)
