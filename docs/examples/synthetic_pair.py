"""Write a before/after pair with known changes, for trying `microneedling compare`.

Run: `.venv/bin/python docs/examples/synthetic_pair.py before.png after.png`

The before photo is scikit-image's `astronaut` at 1024 px. The after photo has redness on the
subject's left cheek (a* +8), four dark spots on the forehead, fine texture on the chin and a
blurred nose, and it is turned 4° and shifted, as a second visit's photo would be. These are the
changes the ground-truth tests in tests/imaging/test_compare.py check.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "imaging"))

import synthetic

from microneedling.imaging.faces import default_landmarker, find_face
from microneedling.imaging.zones import zone_masks


def main(before_path: str, after_path: str) -> None:
    before = synthetic.astronaut()
    face = find_face(before, default_landmarker())
    pair = synthetic.plant(before, face, zone_masks(face, before.shape[:2]))
    Image.fromarray(pair.before).save(before_path)
    Image.fromarray(pair.after).save(after_path)
    print(f"wrote {before_path} and {after_path}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: synthetic_pair.py BEFORE.png AFTER.png")
    main(sys.argv[1], sys.argv[2])
