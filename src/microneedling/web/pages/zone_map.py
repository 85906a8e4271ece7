"""The face and body map: where each knowledge-base zone is drawn, and its colour by planned
needle length. The drawing is layout, not clinical data; zone names and caps come from the
knowledge base, and a zone without a shape here is still listed beside the map."""

from __future__ import annotations

from dataclasses import dataclass

from microneedling.clinical.models import Plan
from microneedling.knowledge import load_knowledge
from microneedling.knowledge.names import zone_names

# SVG paths in a 220 × 300 box per view; a zone drawn twice (left and right) has two shapes.
SHAPES: dict[str, dict[str, tuple[str, ...]]] = {
    "face": {
        "scalp": ("M40 78 Q110 -12 180 78 Z",),
        "forehead": ("M44 82 L176 82 L172 112 L48 112 Z",),
        "glabella": ("M100 114 L120 114 L118 130 L102 130 Z",),
        "periorbital": (
            "M56 132 A22 13 0 1 0 100 132 A22 13 0 1 0 56 132 Z",
            "M120 132 A22 13 0 1 0 164 132 A22 13 0 1 0 120 132 Z",
        ),
        "nose": ("M103 134 L117 134 L126 176 L94 176 Z",),
        "cheeks": ("M50 150 L90 152 L88 196 L58 202 Z", "M170 150 L130 152 L132 196 L162 202 Z"),
        "upper_lip": ("M92 180 L128 180 L126 192 L94 192 Z",),
        "perioral": ("M80 186 L91 186 L93 214 L82 214 Z", "M140 186 L129 186 L127 214 L138 214 Z"),
        "chin": ("M88 218 L132 218 L128 242 L92 242 Z",),
        "jawline": ("M56 206 L66 204 L88 244 L82 252 Z", "M164 206 L154 204 L132 244 L138 252 Z"),
        "neck": ("M80 256 L140 256 L144 296 L76 296 Z",),
    },
    "body": {
        "decolletage": ("M76 58 L144 58 L138 84 L82 84 Z",),
        "arms": ("M48 58 L72 58 L64 160 L42 156 Z", "M172 58 L148 58 L156 160 L178 156 Z"),
        "hands": ("M40 162 L62 164 L60 186 L38 184 Z", "M180 162 L158 164 L160 186 L182 184 Z"),
        "abdomen": ("M82 100 L138 100 L136 160 L84 160 Z",),
        "thighs": ("M84 176 L108 176 L106 252 L88 252 Z", "M136 176 L112 176 L114 252 L132 252 Z"),
        "back": ("M262 58 L338 58 L334 150 L266 150 Z",),
        "buttocks": ("M266 156 L334 156 L332 190 L268 190 Z",),
    },
}
OUTLINES = {
    "face": (
        "M110 6 C30 6 30 120 44 170 C54 230 84 256 110 256 C136 256 166 230 176 170 "
        "C190 120 190 6 110 6 Z",
    ),
    "body": (
        "M110 8 A22 24 0 1 0 110.1 8 Z M76 56 L144 56 L182 150 L176 190 L150 170 L140 170 "
        "L138 258 L112 258 L110 176 L108 258 L82 258 L80 170 L70 170 L44 190 L38 150 Z",
        "M300 8 A22 24 0 1 0 300.1 8 Z M262 56 L338 56 L336 196 L264 196 Z",
    ),
}
VIEW_BOXES = {"face": "0 0 220 300", "body": "0 0 360 300"}
VIEW_TITLES = {"face": "Face", "body": "Body, front and back"}

# Planned needle length, shallow to deep, on a colour-blind-safe sequential scale.
DEPTH_BINS: tuple[tuple[float, str], ...] = (
    (0.25, "#fde725"),
    (0.5, "#a0da39"),
    (1.0, "#4ac16d"),
    (1.5, "#1fa187"),
    (2.0, "#277f8e"),
    (2.5, "#365c8d"),
    (3.0, "#46327e"),
)
DEFERRED_FILL = "url(#hatch-deferred)"
EXCLUDED_FILL = "#9e9e9e"


@dataclass(frozen=True)
class Shape:
    zone: str
    name: str
    d: str


@dataclass(frozen=True)
class View:
    code: str
    title: str
    view_box: str
    outlines: tuple[str, ...]
    shapes: tuple[Shape, ...]


def views() -> list[View]:
    names = zone_names(load_knowledge())
    return [
        View(
            code,
            VIEW_TITLES[code],
            VIEW_BOXES[code],
            OUTLINES[code],
            tuple(
                Shape(zone, names[zone], d)
                for zone, paths in SHAPES[code].items()
                if zone in names
                for d in paths
            ),
        )
        for code in SHAPES
    ]


def depth_colour(depth_mm: float) -> str:
    for limit, colour in DEPTH_BINS:
        if depth_mm <= limit + 1e-9:
            return colour
    return DEPTH_BINS[-1][1]


def legend() -> list[tuple[str, str]]:
    """(colour, label) for each depth band, then deferred and excluded."""
    rows = []
    lower = 0.0
    for limit, colour in DEPTH_BINS:
        rows.append((colour, f"over {lower:g} to {limit:g} mm" if lower else f"up to {limit:g} mm"))
        lower = limit
    rows += [(DEFERRED_FILL, "deferred"), (EXCLUDED_FILL, "excluded")]
    return rows


@dataclass(frozen=True)
class ZoneFill:
    fill: str
    label: str
    depth_mm: float = 0.0


def plan_fills(plan: Plan) -> dict[str, ZoneFill]:
    """Each zone's colour: the deepest planned length; deferred or excluded when nothing in
    the zone is planned."""
    fills: dict[str, ZoneFill] = {}
    for treatment in plan.treatments:
        zone = treatment.zone
        depth = treatment.depth_mm
        current = fills.get(zone)
        if treatment.status == "planned" and depth:
            if current is None or depth.max > current.depth_mm:
                label = f"{depth.first_session:g}–{depth.max:g} mm"
                fills[zone] = ZoneFill(depth_colour(depth.max), label, depth.max)
        elif current is None:
            status = treatment.status
            fill = DEFERRED_FILL if status == "deferred" else EXCLUDED_FILL
            fills[zone] = ZoneFill(fill, status)
    return fills
