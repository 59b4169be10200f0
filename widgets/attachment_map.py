"""Where am I on the map? A reflection for one relationship and one moment.

Adult attachment is best described by two dimensions, anxiety and avoidance (Brennan,
Clark & Shaver, 1998), and a taxometric study found dimensions fit better than types
(Fraley et al., 2015). This reflection uses eight prompts written for the course (in
data/repair/reflection_prompts.csv), not a published or validated scale, to place a point
on that plane. It never shows a number, never names a type, and stores nothing: no file,
no network, no record once the page is closed. The point is a snapshot of strategies, for
the relationship the reader chose, as things feel right now.

``place``, ``describe`` and ``map_svg`` are pure; ``MapView`` shows them and
``reflection()`` is the one call the lesson makes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape

import ipywidgets as w

from widgets import theme
from widgets.data import load_table
from widgets.preview import Previewed

SCALE = ("not at all", "a little", "somewhat", "quite a lot", "very much")  # answers 0..4
DIMENSIONS = ("anxiety", "avoidance")
LOW, HIGH = 0.4, 0.6  # below LOW reads as "less", above HIGH as "more" (illustrative cut-offs)
RELATIONSHIPS = {
    "partner": "your partner",
    "friend": "a friend",
    "family": "a family member",
    "someone": "this person",
}


@dataclass(frozen=True)
class Prompt:
    id: str
    dimension: str  # "anxiety" or "avoidance"
    keyed: int  # +1: agreeing leans toward more of the dimension; -1: toward less
    text: str


@lru_cache(maxsize=1)
def prompts() -> tuple[Prompt, ...]:
    """The course's reflection prompts, checked as they are read."""
    table = load_table("repair/reflection_prompts.csv", {"id", "dimension", "keyed", "text"})
    out = []
    for row in table.rows:
        if row["dimension"] not in DIMENSIONS or row["keyed"] not in ("+", "-"):
            raise ValueError(f"{table.path}: bad dimension or keyed in row {row['id']!r}")
        out.append(
            Prompt(row["id"], row["dimension"], 1 if row["keyed"] == "+" else -1, row["text"])
        )
    return tuple(out)


@dataclass(frozen=True)
class Snapshot:
    """Where the answers sit on each dimension (0 = less, 1 = more), or None if unanswered."""

    anxiety: float | None
    avoidance: float | None
    answered: int
    relationship: str

    @property
    def complete(self) -> bool:
        return self.anxiety is not None and self.avoidance is not None


def place(answers: Mapping[str, int | None], relationship: str = "partner") -> Snapshot:
    """Turn answers (prompt id -> 0..4, or None for skipped) into a point on the plane."""
    if relationship not in RELATIONSHIPS:
        raise ValueError(
            f"relationship must be one of {sorted(RELATIONSHIPS)}, got {relationship!r}"
        )
    known = {p.id: p for p in prompts()}
    unknown = set(answers) - set(known)
    if unknown:
        raise ValueError(f"unknown prompt id(s): {sorted(unknown)}")
    sums = {d: [] for d in DIMENSIONS}
    for pid, value in answers.items():
        if value is None:
            continue
        if type(value) is not int or not 0 <= value < len(SCALE):
            raise ValueError(
                f"answer to {pid!r} must be a whole number 0 to 4 or None, got {value!r}"
            )
        p = known[pid]
        lean = value / (len(SCALE) - 1)
        sums[p.dimension].append(lean if p.keyed > 0 else 1 - lean)
    mean = {d: (sum(v) / len(v) if v else None) for d, v in sums.items()}
    answered = sum(len(v) for v in sums.values())
    return Snapshot(mean["anxiety"], mean["avoidance"], answered, relationship)


def _level(x: float) -> str:
    return "low" if x < LOW else "high" if x > HIGH else "middle"


WORRY = {
    "high": "a lot of worry about whether they will be there for you",
    "middle": "some worry about whether they will be there for you, and some calm",
    "low": "little worry about whether they will be there for you",
}
CLOSENESS = {
    "high": "a strong pull to handle things on your own and keep some distance",
    "middle": "a mix of leaning on them and holding back",
    "low": "ease in leaning on them and letting them close",
}
STRATEGY = {
    ("low", "low"): "Strategies near the calm corner of the map: asking for closeness and "
    "taking space both feel possible.",
    ("high", "low"): "Strategies that reach toward them: seeking contact and reassurance, "
    "which is how worry tries to bring someone closer.",
    ("low", "high"): "Strategies that lean on yourself: keeping some distance and handling "
    "things alone, which is how discomfort with needing someone tries to stay safe.",
    ("high", "high"): "Strategies that pull both ways: wanting closeness and guarding against "
    "it at the same time, which can feel confusing and tiring.",
}
SNAPSHOT_NOTE = (
    "This is a snapshot of strategies, not a type, a score or a diagnosis. The same person "
    "can sit somewhere else with another person, or in another week. Both kinds of strategy "
    "are attempts to meet the same need: to feel safe and close. Nothing you choose is "
    "saved: your answers only draw this snapshot while the page is open."
)


def describe(snap: Snapshot) -> str:
    """A plain reading with no numbers and no type labels."""
    if not snap.complete:
        return (
            "Answer at least one prompt about worry and one about closeness and space to see "
            "a snapshot. Skip any prompt you like. " + SNAPSHOT_NOTE
        )
    anx, avo = _level(snap.anxiety), _level(snap.avoidance)
    text = (
        f"In this snapshot of how things feel with {RELATIONSHIPS[snap.relationship]} right "
        f"now, your answers show {WORRY[anx]}, and {CLOSENESS[avo]}. "
    )
    text += STRATEGY.get((anx, avo), "A mix of strategies, none of them leading right now.")
    return text + " " + SNAPSHOT_NOTE


QUADRANTS = (  # (avoidance, anxiety, label): where each region's label sits
    (0.25, 0.1, "comfortable with<br>closeness and space"),
    (0.25, 0.9, "reaching for<br>closeness"),
    (0.75, 0.1, "relying on<br>yourself"),
    (0.75, 0.9, "wanting closeness,<br>guarding against it"),
)

_CSS = """
<style>
.course-map .widget-dropdown { flex-wrap: wrap; height: auto !important; margin-bottom: .5em; }
.course-map .widget-dropdown > .widget-label { white-space: normal; height: auto !important;
  width: 100% !important; max-width: 100%; text-align: left; line-height: 1.4;
  margin-bottom: .2em; }
.course-map .widget-dropdown > select { flex: 0 1 14em; max-width: 100%; }
.course-map .course-pv-dropdown { margin-bottom: .5em; }
.course-map .course-pv-dropdown .course-pv-label { width: 100% !important; line-height: 1.4;
  margin-bottom: .2em; }
.course-map .course-pv-dropdown select { flex: 0 1 14em; max-width: 100%; }
</style>
"""


class MapView(Previewed, w.VBox):
    """The prompts as drop-down answers, the plane with one point, a reading, a clear button."""

    def __init__(self):
        choice, text = theme.shared_choice("min(100%, 40em)"), theme.shared_text()
        self.relationship = w.Dropdown(
            options=[
                ("my partner", "partner"),
                ("a friend", "friend"),
                ("a parent or family member", "family"),
                ("someone else", "someone"),
            ],
            value="partner",
            description="The relationship I am thinking about",
            **choice,
        )
        choices = [("(skip)", -1)] + [(label, i) for i, label in enumerate(SCALE)]
        self.answers = {
            p.id: w.Dropdown(
                options=choices,
                value=-1,
                description=p.text,
                **choice,
            )
            for p in prompts()
        }
        self.clear = w.Button(
            description="Clear my answers", tooltip="Set every answer back to skip"
        )
        self.reading = w.HTML(**text)
        self.reading.add_class("course-reading")
        snap = self.snapshot()
        self.map = w.HTML(map_svg(snap), **text)
        for c in (self.relationship, *self.answers.values()):
            c.observe(self._redraw, "value")
        self.clear.on_click(lambda _b: self._clear())
        groups = []
        headings = {"anxiety": "About worry", "avoidance": "About closeness and space"}
        for dim, heading in headings.items():
            groups.append(w.HTML(f"<p><strong>{heading}</strong></p>", **text))
            groups.extend(self.answers[p.id] for p in prompts() if p.dimension == dim)
        super().__init__(
            [
                w.HTML(_CSS, layout=w.Layout(display="none")),
                self.relationship,
                *groups,
                self.clear,
                self.map,
                self.reading,
            ],
            layout=w.Layout(width="100%"),
        )
        self.add_class("course-simulation")
        self.add_class("course-map")
        self._show_reading(snap)

    def snapshot(self) -> Snapshot:
        answers = {pid: (None if d.value < 0 else d.value) for pid, d in self.answers.items()}
        return place(answers, self.relationship.value)

    def _redraw(self, _change=None) -> None:
        snap = self.snapshot()
        self.map.value = map_svg(snap)
        self._show_reading(snap)

    def _show_reading(self, snap: Snapshot) -> None:
        self.reading.value = f"<p><strong>Your snapshot:</strong> {describe(snap)}</p>"

    def _clear(self) -> None:
        with self.hold_trait_notifications():
            for d in self.answers.values():
                d.value = -1
        self._redraw()


# The map is drawn as SVG text rather than a plotly figure: it is simple and needs no
# JavaScript, so it also reads the same in the static export and in print.
_SIZE, _PAD_L, _PAD_B, _PAD_T, _PAD_R = 420, 74, 66, 58, 14


def _xy(avoidance: float, anxiety: float) -> tuple[float, float]:
    """Map coordinates (0..1, 0..1) to SVG pixels (y grows downward)."""
    w, h = _SIZE - _PAD_L - _PAD_R, _SIZE - _PAD_T - _PAD_B
    return _PAD_L + avoidance * w, _PAD_T + (1 - anxiety) * h


def _where(snap: Snapshot) -> str:
    if not snap.complete:
        return "No point is shown yet."
    anx, avo = _level(snap.anxiety), _level(snap.avoidance)
    words = {"low": "less", "middle": "some", "high": "more"}
    return (
        f"The point for this moment sits toward {words[anx]} worry about closeness and "
        f"{words[avo]} discomfort with closeness."
    )


def map_svg(snap: Snapshot) -> str:
    """The anxiety/avoidance plane as an accessible SVG, with the snapshot's point if any.
    It shows no numbers: only 'less' and 'more' at the ends of each axis."""
    x0, y1 = _xy(0, 0)
    x1, y0 = _xy(1, 1)
    xm, ym = _xy(0.5, 0.5)
    grey, ink = "#888888", "#222222"
    parts = [
        f"<svg class='course-map-plane' viewBox='0 0 {_SIZE} {_SIZE}' role='img' "
        "aria-labelledby='course-map-title course-map-desc' "
        "style='width: 100%; max-width: 30em; height: auto; font-family: inherit;'>",
        "<title id='course-map-title'>A snapshot, not a type: the map of attachment "
        "anxiety and avoidance</title>",
        f"<desc id='course-map-desc'>{escape(_where(snap))}</desc>",
        f"<text x='0' y='20' font-size='18' fill='{ink}'>A snapshot, not a type</text>",
        "<text x='0' y='40' font-size='13' fill='#555555'>one relationship, right now</text>",
        f"<rect x='{x0}' y='{y0}' width='{x1 - x0}' height='{y1 - y0}' fill='none' "
        f"stroke='#555555'/>",
        f"<line x1='{xm}' y1='{y0}' x2='{xm}' y2='{y1}' stroke='{grey}' stroke-dasharray='3 4'/>",
        f"<line x1='{x0}' y1='{ym}' x2='{x1}' y2='{ym}' stroke='{grey}' stroke-dasharray='3 4'/>",
    ]
    for qx, qy, label in QUADRANTS:
        cx, cy = _xy(qx, qy)
        lines = label.split("<br>")
        for i, line in enumerate(lines):
            parts.append(
                f"<text x='{cx:.1f}' y='{cy + 16 * (i - (len(lines) - 1) / 2):.1f}' "
                f"font-size='13' fill='#444444' text-anchor='middle'>{escape(line)}</text>"
            )
    parts += [
        f"<text x='{x0}' y='{y1 + 18}' font-size='13' fill='{ink}' text-anchor='start'>less</text>",
        f"<text x='{x1}' y='{y1 + 18}' font-size='13' fill='{ink}' text-anchor='end'>more</text>",
        f"<text x='{(x0 + x1) / 2:.1f}' y='{y1 + 46}' font-size='14' fill='{ink}' "
        "text-anchor='middle'>avoidance: discomfort with closeness</text>",
        f"<text x='{x0 - 6}' y='{y1}' font-size='13' fill='{ink}' text-anchor='end'>less</text>",
        f"<text x='{x0 - 6}' y='{y0 + 10}' font-size='13' fill='{ink}' "
        "text-anchor='end'>more</text>",
        f"<text transform='translate({x0 - 44} {(y0 + y1) / 2:.1f}) rotate(-90)' "
        f"font-size='14' fill='{ink}' text-anchor='middle'>anxiety: worry about closeness"
        "</text>",
    ]
    if snap.complete:
        px, py = _xy(snap.avoidance, snap.anxiety)
        r = 9
        parts += [
            f"<polygon class='course-map-point' points='{px:.1f},{py - r:.1f} "
            f"{px + r:.1f},{py:.1f} {px:.1f},{py + r:.1f} {px - r:.1f},{py:.1f}' "
            f"fill='{theme.PALETTE['blue']}' stroke='{theme.PALETTE['black']}' "
            "stroke-width='1.5'/>",
            f"<text x='{min(max(px, x0 + 40), x1 - 40):.1f}' "
            f"y='{py - 14 if py > y0 + 24 else py + 26:.1f}' font-size='13' "
            f"font-weight='bold' fill='{ink}' text-anchor='middle' stroke='white' "
            "stroke-width='4' paint-order='stroke'>this moment</text>",
        ]
    parts.append("</svg>")
    return "".join(parts)


def reflection() -> MapView:
    """The 'Where am I on the map?' reflection for lesson 5."""
    return MapView()
