"""`microneedling analyze` and `compare`: photo analysis on the command line.

Only typer is imported here; numpy, scikit-image, MediaPipe and matplotlib load inside the
commands, and a missing imaging extra is reported with the line that installs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

ANALYZE_HELP = (
    "Find the face in PHOTO, divide it into zones and measure each zone: CIELAB L*, a*, b*, "
    "ITA° and its class, erythema and melanin indices, spots, texture, wrinkles and (at high "
    "resolution) pores. See docs/imaging.md for every formula."
)
COMPARE_HELP = (
    "Align AFTER to BEFORE by the face landmarks, match its colour (grey-world, or a marked "
    "reference patch) and report every zone's measures before and after with delta = after - "
    "before."
)
PLOT_HELP = "Write a PNG figure: the photo(s) with the zones and a bar chart per measure."
PUPIL_HELP = "The client's measured pupil distance in mm; gives areas in mm² (else null)."
VIEW_HELP = (
    "The view the photo was meant to show, for the quality check: front, left_45, right_45, "
    "left_90, right_90 or close_up."
)


def register(app: typer.Typer) -> None:
    """Add the `analyze` and `compare` commands to the CLI."""
    app.command("analyze", help=ANALYZE_HELP)(analyze)
    app.command("compare", help=COMPARE_HELP)(compare)


@contextmanager
def _imaging() -> Iterator[None]:
    """Exit 2 with the install line when the extra is missing (bad input exits through the
    CLI's one wrapper, around every command)."""
    from microneedling.cli.common import fail

    try:
        import microneedling.imaging.analysis  # noqa: F401
    except ImportError as error:
        fail(_missing(error))
    from microneedling.imaging.errors import ImagingUnavailableError

    try:
        yield
    except ImagingUnavailableError as error:
        fail(_missing(error))


def _missing(error: Exception) -> str:
    """The one line that installs what is missing (the system's libGL first, where that is it)."""
    install = "pip install 'microneedling[imaging]'"
    if "libGL" in str(error) or "libgthread" in str(error):
        install = f"apt-get install libgl1 libglib2.0-0 && {install}"
    return f"photo analysis is not installed ({error}); install it with: {install}"


def _write_plot(draw: Callable[[Any, str], None], result: Any, path: str) -> None:
    """Draw the figure, or exit 2 naming the path when it cannot be written."""
    from microneedling.cli.common import fail

    if not path.lower().endswith(".png"):
        fail(f"--plot: '{path}' must end in .png")
    try:
        draw(result, path)
    except OSError as error:
        fail(f"--plot: cannot write '{path}' ({error.strerror or error})")


def _patch(text: str | None) -> tuple[int, int, int, int] | None:
    from microneedling.cli.common import fail

    if text is None:
        return None
    parts = text.split(",")
    if len(parts) != 4 or not all(part.strip().isdigit() for part in parts):
        fail(f"--reference-patch: '{text}' is not X,Y,W,H (four whole numbers of pixels)")
    x, y, width, height = (int(part) for part in parts)
    return (x, y, width, height)


def analyze(
    photo: Annotated[str, typer.Argument(help="A JPEG, PNG, TIFF, WebP or BMP photo.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print every number as JSON.")] = False,
    plot: Annotated[str | None, typer.Option("--plot", help=PLOT_HELP)] = None,
    pupil_distance_mm: Annotated[
        float | None, typer.Option("--pupil-distance-mm", min=40, max=90, help=PUPIL_HELP)
    ] = None,
    view: Annotated[str, typer.Option("--view", help=VIEW_HELP)] = "front",
) -> None:
    from microneedling.cli.common import fail

    if view not in VIEWS:
        fail(f"--view: '{view}' is not one of {', '.join(VIEWS)}")
    with _imaging():
        from microneedling.cli.common import print_json
        from microneedling.imaging.analysis import analyze_photo

        result = analyze_photo(photo, pupil_distance_mm=pupil_distance_mm, view=view)
        if plot:
            from microneedling.imaging.plots import plot_analysis

            _write_plot(plot_analysis, result, plot)
        data = result.to_json()
        if as_json:
            print_json(data)
        else:
            _table(data["zones"], title=f"Zones of {photo}")
            quality = data["quality"]
            verdict = "passed" if quality["passed"] else "failed"
            typer.echo(f"Quality ({quality['view']}): {verdict}")
            for reason in quality["reasons"]:
                typer.echo(f"  - {reason}")


def compare(
    before: Annotated[str, typer.Argument(help="The baseline photo.")],
    after: Annotated[str, typer.Argument(help="The follow-up photo of the same client.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print every number as JSON.")] = False,
    plot: Annotated[str | None, typer.Option("--plot", help=PLOT_HELP)] = None,
    reference_patch: Annotated[
        str | None,
        typer.Option(
            "--reference-patch",
            help="X,Y,W,H of a grey card or other fixed area in BEFORE to match colour on.",
        ),
    ] = None,
    pupil_distance_mm: Annotated[
        float | None, typer.Option("--pupil-distance-mm", min=40, max=90, help=PUPIL_HELP)
    ] = None,
) -> None:
    patch = _patch(reference_patch)
    with _imaging():
        from microneedling.cli.common import print_json
        from microneedling.imaging.compare import compare_photos

        result = compare_photos(
            before, after, reference_patch=patch, pupil_distance_mm=pupil_distance_mm
        )
        if plot:
            from microneedling.imaging.plots import plot_comparison

            _write_plot(plot_comparison, result, plot)
        data = result.to_json()
        if as_json:
            print_json(data)
        else:
            _table(data["zones"], title="Change per zone (delta = after - before)")


VIEWS = ("front", "left_45", "right_45", "left_90", "right_90", "close_up")
"""`imaging.quality.VIEWS`, repeated so that `--help` loads no imaging library (a test checks
that both agree)."""

TABLE_COLUMNS = (
    ("l_star", "L*"),
    ("a_star", "a*"),
    ("b_star", "b*"),
    ("ita_deg", "ITA°"),
    ("erythema_index", "EI"),
    ("melanin_index", "MI"),
    ("spots", "spots"),
    ("texture", "texture"),
    ("wrinkles", "wrinkles %"),
)


def _table(zones: dict[str, dict[str, Any]], title: str) -> None:
    """One row per zone; a comparison shows each delta with its sign."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("zone")
    for _, label in TABLE_COLUMNS:
        table.add_column(label, justify="right")
    for name, measures in zones.items():
        table.add_row(name, *(_cell(measures[key]) for key, _ in TABLE_COLUMNS))
    Console(width=max(Console().width, 120)).print(table)


def _cell(value: Any) -> str:
    if isinstance(value, dict) and "count" in value:
        value = value["count"]
    if isinstance(value, dict):
        delta = value["delta"]
        return "-" if delta is None else f"{delta:+.2f}"
    return "-" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)
