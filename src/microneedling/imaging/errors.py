"""Photo and face errors: input the user can act on (another photo, a larger face, one face).

Both are `InputError`s, so the CLI turns them into exit status 2 with the message.
"""

from __future__ import annotations

from microneedling.errors import InputError


class PhotoError(InputError):
    """The file is not a photo we can read safely: not an image, too large, truncated."""


class FaceError(InputError):
    """The photo does not show exactly one face large enough to measure."""


class ImagingUnavailableError(RuntimeError):
    """The optional imaging extra (or the system library it needs) is not installed."""


INSTALL_LINE = "pip install 'microneedling[imaging]'"
