"""Safety of input: only readable, complete, reasonably sized images, shown upright."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from microneedling.imaging.errors import PhotoError
from microneedling.imaging.photos import load_photo


def _jpeg(path: Path, size: tuple[int, int] = (40, 20), orientation: int | None = None) -> Path:
    image = Image.new("RGB", size, (200, 150, 120))
    image.paste((10, 10, 10), (0, 0, 10, 5))  # a dark corner at the top left
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(path, "JPEG", exif=exif)
    return path


def test_it_reads_an_rgb_photo(tmp_path: Path) -> None:
    photo = load_photo(_jpeg(tmp_path / "a.jpg"))
    assert (photo.width, photo.height) == (40, 20)
    assert photo.rgb.dtype == np.uint8


def test_it_honours_exif_orientation(tmp_path: Path) -> None:
    photo = load_photo(_jpeg(tmp_path / "r.jpg", orientation=6))  # rotate 90° clockwise
    assert (photo.width, photo.height) == (20, 40)
    assert photo.exif_orientation == 6
    assert photo.rgb[0, -1].max() < 60  # the dark corner moved to the top right


def test_it_rejects_a_file_that_is_not_an_image(tmp_path: Path) -> None:
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    with pytest.raises(PhotoError, match="not an image"):
        load_photo(text)


def test_it_rejects_a_truncated_file(tmp_path: Path) -> None:
    whole = _jpeg(tmp_path / "whole.jpg", size=(400, 300))
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[:600])
    with pytest.raises(PhotoError, match="damaged or truncated"):
        load_photo(cut)


def test_it_rejects_a_photo_over_the_pixel_limit_before_decoding(tmp_path: Path) -> None:
    with pytest.raises(PhotoError, match="over the limit"):
        load_photo(_jpeg(tmp_path / "big.jpg", size=(200, 100)), max_pixels=10_000)


def test_it_rejects_a_decompression_bomb(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    Image.new("1", (12_000, 12_000)).save(bomb)  # a few kB on disk, 144 megapixels
    assert bomb.stat().st_size < 100_000
    with pytest.raises(PhotoError, match="decompression bomb"):
        load_photo(bomb)


def test_it_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PhotoError, match="no such file"):
        load_photo(tmp_path / "nothing.jpg", label="before")


@pytest.mark.parametrize("mode", ["L", "I;16"])
def test_it_rejects_a_greyscale_image(tmp_path: Path, mode: str) -> None:
    grey = tmp_path / "grey.png"
    Image.new(mode, (40, 20)).save(grey)
    with pytest.raises(PhotoError, match="greyscale"):
        load_photo(grey)
