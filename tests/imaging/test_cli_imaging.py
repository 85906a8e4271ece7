"""`microneedling analyze` and `compare` end to end on the synthetic pair."""

from __future__ import annotations

import json
from pathlib import Path

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
