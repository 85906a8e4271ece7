"""`microneedling analyze` and `compare` end to end on the synthetic pair."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from microneedling.cli import app

runner = CliRunner()


def test_analyze_prints_every_zone_as_json(pair_files: tuple[Path, Path, Path]) -> None:
    result = runner.invoke(app, ["analyze", str(pair_files[0]), "--json"])
    assert result.exit_code == 0, result.output
    zones = json.loads(result.stdout)["zones"]
    assert len(zones) == 11
    cheek = zones["cheek_left"]
    for key in ("a_star", "ita_deg", "erythema_index", "melanin_index", "texture", "wrinkles"):
        assert isinstance(cheek[key], float), key
    assert set(cheek["spots"]) == {"count", "area_px", "area_mm2", "mean_contrast"}
    quality = json.loads(result.stdout)["quality"]
    assert quality["view"] == "front"
    assert quality["passed"] is False  # the astronaut is a head-and-shoulders photo
    assert any("come closer" in reason for reason in quality["reasons"])


def test_analyze_checks_quality_for_the_view_asked(pair_files: tuple[Path, Path, Path]) -> None:
    result = runner.invoke(app, ["analyze", str(pair_files[0]), "--json", "--view", "left_45"])
    assert result.exit_code == 0, result.output
    yaw = next(c for c in json.loads(result.stdout)["quality"]["checks"] if c["name"] == "yaw")
    assert yaw["passed"] is False


def test_an_unknown_view_exits_2(pair_files: tuple[Path, Path, Path]) -> None:
    result = runner.invoke(app, ["analyze", str(pair_files[0]), "--view", "profile"])
    assert result.exit_code == 2
    assert "close_up" in result.output


def test_the_cli_lists_the_views_of_the_quality_check() -> None:
    from microneedling.cli.imaging import VIEWS as CLI_VIEWS
    from microneedling.imaging.quality import VIEWS

    assert CLI_VIEWS == VIEWS


def test_compare_reports_the_planted_redness_and_writes_a_plot(
    pair_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    plot = tmp_path / "change.png"
    result = runner.invoke(
        app, ["compare", str(pair_files[0]), str(pair_files[1]), "--json", "--plot", str(plot)]
    )
    assert result.exit_code == 0, result.output
    zones = json.loads(result.stdout)["zones"]
    assert zones["cheek_left"]["a_star"]["delta"] > 3
    assert abs(zones["cheek_right"]["a_star"]["delta"]) < 0.3
    assert plot.stat().st_size > 50_000


def test_compare_with_a_reference_patch(pair_files: tuple[Path, Path, Path]) -> None:
    args = ["compare", str(pair_files[0]), str(pair_files[2]), "--json"]
    result = runner.invoke(app, [*args, "--reference-patch", "40,40,60,60"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["colour_normalisation"]["method"] == "reference_patch"


def test_a_bad_reference_patch_exits_2(pair_files: tuple[Path, Path, Path]) -> None:
    args = ["compare", str(pair_files[0]), str(pair_files[1]), "--reference-patch", "1,2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "X,Y,W,H" in result.output


def test_a_file_that_is_not_a_photo_exits_2(tmp_path: Path) -> None:
    text = tmp_path / "x.png"
    text.write_text("hello")
    result = runner.invoke(app, ["analyze", str(text)])
    assert result.exit_code == 2
    assert "not an image" in result.output


def test_analyze_plot_is_written(pair_files: tuple[Path, Path, Path], tmp_path: Path) -> None:
    plot = tmp_path / "zones.png"
    result = runner.invoke(app, ["analyze", str(pair_files[0]), "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert plot.stat().st_size > 20_000


def test_a_missing_extra_names_the_install_line(pair_files: tuple[Path, Path, Path]) -> None:
    code = (
        "import sys\n"
        "sys.modules['mediapipe'] = None\n"  # as if the package were not installed
        "sys.modules['dlib'] = None\n"
        "from microneedling.cli import app\n"
        "app(['analyze', sys.argv[1]])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(pair_files[0])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "pip install 'microneedling[imaging]'" in result.stderr


def test_help_loads_no_imaging_library() -> None:
    code = (
        "import sys\n"
        "from microneedling.cli import app\n"
        "try:\n    app(['analyze', '--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('numpy', 'scipy', 'skimage', 'PIL', 'cv2', 'mediapipe', 'matplotlib')]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_analyze_honours_exif_orientation(
    pair_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    upright = Image.open(pair_files[0])
    turned = tmp_path / "turned.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # a viewer turns it 90° clockwise to show it upright
    upright.transpose(Image.Transpose.ROTATE_90).save(turned, exif=exif, quality=95)
    result = runner.invoke(app, ["analyze", str(turned), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["photo"]["exif_orientation"] == 6
    left, top, right, bottom = data["face"]["box_px"]
    assert bottom - top > right - left  # an upright face is taller than wide


def test_a_measured_pupil_distance_gives_areas_in_mm2(pair_files: tuple[Path, Path, Path]) -> None:
    args = ["analyze", str(pair_files[0]), "--json", "--pupil-distance-mm", "62"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    mm_per_px = data["scale"]["mm_per_px"]
    assert 0.5 < mm_per_px < 1.0  # about 62 mm over some 85 px between the pupils
    spots = data["zones"]["forehead"]["spots"]
    assert spots["area_mm2"] == pytest.approx(spots["area_px"] * mm_per_px**2, rel=0.01)


def test_an_implausible_pupil_distance_exits_2(pair_files: tuple[Path, Path, Path]) -> None:
    result = runner.invoke(app, ["analyze", str(pair_files[0]), "--pupil-distance-mm", "6"])
    assert result.exit_code == 2


def test_a_plot_path_that_cannot_be_written_exits_2(
    pair_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    missing_folder = tmp_path / "no" / "such" / "folder.png"
    result = runner.invoke(app, ["analyze", str(pair_files[0]), "--plot", str(missing_folder)])
    assert result.exit_code == 2
    assert "cannot write" in result.output
