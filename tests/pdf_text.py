"""PDFs read back as text with poppler's `pdftotext` (Debian `poppler-utils`), so a test sees
what a reader of the document sees."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest


def pdf_text(content: bytes) -> str:
    """The PDF's text, whitespace collapsed (lines wrap wherever the layout puts them)."""
    assert content.startswith(b"%PDF-"), content[:20]
    tool = shutil.which("pdftotext")
    if tool is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext is missing (Debian poppler-utils)")
        pytest.skip("pdftotext is missing (Debian poppler-utils)")
    done = subprocess.run(
        [tool, "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True
    )
    return re.sub(r"\s+", " ", done.stdout.decode("utf-8"))


def words(text: str) -> str:
    """The same whitespace collapsing, for what a test expects to find."""
    return re.sub(r"\s+", " ", text).strip()
