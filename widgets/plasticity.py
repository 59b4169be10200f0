"""Practice changes the path: two habits of response to a bid for closeness.

A teaching model, not a finding. When a partner reaches out (a bid for closeness), a person
can turn toward them or turn away. Each response is a habit with a strength; the share of
bids met by turning toward is that habit's share of the total strength. Every time a
response is used it is strengthened, and every week a little of each habit's strength fades
(``HABIT_TURNOVER``). On its own, this loop keeps whatever balance it starts with: the habit
used most is renewed most. What moves the balance is new experience: a number of bids each
week (set by the reader) are met by turning toward in a new, safe setting, such as with a
responsive partner or in couple therapy, and that use strengthens turning toward too.

The model reproduces the general pattern the lesson describes: patterns learned in
relationships can change through repeated new experience, gradually rather than at once
(Bruer, 1999; Johnson et al., 1999). It is not calibrated to any measured rate of change;
the numbers of bids and the turnover rate are illustrative.

``simulate`` and ``describe`` are pure (numpy only); ``PracticeView`` draws them and
``explorer()`` is the one call the lesson makes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ipywidgets as w
import numpy as np
from plotly import graph_objects as go
from plotly.subplots import make_subplots

from widgets import theme
from widgets.figure import LiveFigure
from widgets.preview import Previewed

BIDS_PER_WEEK = 7  # illustrative: about one bid for closeness a day
HABIT_TURNOVER = 0.05  # illustrative: share of each habit's strength renewed (or lost) weekly
PATH_SEED = 4  # the simulated week-by-week path is the same every time it is drawn


def _check(name: str, value: object, lo: float, hi: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not lo <= value <= hi
    ):
        raise ValueError(f"{name} must be a number from {lo:g} to {hi:g}, got {value!r}")


@dataclass(frozen=True)
class PracticeSettings:
    """What a reader can change. Each value is checked when the settings are made."""

    safe_per_week: float = 2.0  # bids met by turning toward in a new, safe setting, per week
    start_toward: float = 0.2  # share of bids met by turning toward at the start
    weeks: int = 52  # how long to follow the habits
    path_seed: int | None = None  # None: no simulated path; a number: a reproducible path

    def __post_init__(self) -> None:
        _check("safe_per_week", self.safe_per_week, 0, BIDS_PER_WEEK)
        _check("start_toward", self.start_toward, 0.01, 0.99)
        if isinstance(self.weeks, bool) or not isinstance(self.weeks, int):
            raise ValueError(f"weeks must be a whole number from 4 to 156, got {self.weeks!r}")
        _check("weeks", self.weeks, 4, 156)
        s = self.path_seed
        if s is not None and (isinstance(s, bool) or not isinstance(s, int) or s < 0):
            raise ValueError(f"path_seed must be None or a whole number ≥ 0, got {s!r}")


@dataclass(frozen=True)
class PracticeResult:
    """Weekly values, week 0 (the start) to the last week."""

    settings: PracticeSettings
    week: np.ndarray
    toward: np.ndarray  # expected share of bids met by turning toward, 0..1
    from_habit: np.ndarray  # expected bids per week met by turning toward out of habit
    from_practice: np.ndarray  # bids per week met by turning toward in new, safe settings
    away: np.ndarray  # expected bids per week met by turning away
    path: np.ndarray | None  # one simulated person's share, week by week (noisy), or None

    @property
    def change(self) -> float:
        """How far the share of turning toward moved, start to end (0..1)."""
        return float(self.toward[-1] - self.toward[0])

    def halfway_week(self) -> int | None:
        """First week by which half the gap to always turning toward is closed, or None."""
        start = self.toward[0]
        done = np.nonzero(self.toward >= start + (1 - start) / 2)[0]
        return None if not done.size else int(self.week[done[0]])


def _step(toward: float, safe: float, habit_bids: float, away_bids: float) -> float:
    """One week: each habit fades a little, then every use strengthens the habit used."""
    strength_toward = (1 - HABIT_TURNOVER) * toward + HABIT_TURNOVER * (habit_bids + safe) / (
        BIDS_PER_WEEK
    )
    strength_away = (1 - HABIT_TURNOVER) * (1 - toward) + HABIT_TURNOVER * away_bids / BIDS_PER_WEEK
    return strength_toward / (strength_toward + strength_away)


def simulate(settings: PracticeSettings) -> PracticeResult:
    """Run the model: the expected course, and, with a seed, one noisy simulated path."""
    n, safe = settings.weeks + 1, settings.safe_per_week
    everyday = BIDS_PER_WEEK - safe
    toward = np.empty(n)
    toward[0] = settings.start_toward
    for i in range(1, n):
        p = toward[i - 1]
        toward[i] = _step(p, safe, everyday * p, everyday * (1 - p))
    path = None
    if settings.path_seed is not None:
        rng = np.random.default_rng(settings.path_seed)
        path = np.empty(n)
        path[0] = settings.start_toward
        everyday_bids = int(round(everyday))
        for i in range(1, n):
            used_toward = rng.binomial(everyday_bids, path[i - 1])
            path[i] = _step(path[i - 1], safe, used_toward, everyday_bids - used_toward)
    return PracticeResult(
        settings,
        np.arange(n),
        toward,
        everyday * toward,
        np.full(n, safe),
        everyday * (1 - toward),
        path,
    )


def describe(result: PracticeResult) -> str:
    """A plain reading of how far, and how fast, the balance moved."""
    st = result.settings
    start, end = result.toward[0], result.toward[-1]
    if st.safe_per_week == 0:
        text = (
            f"With no new, safe experiences, turning toward stays at {start:.0%} of bids for "
            f"all {st.weeks} weeks: each habit renews itself every time it is used."
        )
        if result.path is not None:
            text += " The simulated person's path wanders by chance, with no steady direction."
        return text
    plural = "s" if st.safe_per_week != 1 else ""
    text = (
        f"With {st.safe_per_week:g} new, safe experience{plural} a week, turning toward rises "
        f"from {start:.0%} to {end:.0%} of bids in {st.weeks} weeks."
    )
    half = result.halfway_week()
    if half is None:
        text += " It has not yet closed half the gap to always turning toward: change is slow."
    else:
        text += f" Half of the gap to always turning toward is closed by week {half}."
    if result.path is not None:
        text += (
            " The simulated person's own path wobbles from week to week, with setbacks, but "
            "drifts the same way."
        )
    return text


class PracticeView(Previewed, w.VBox):
    """Controls on top, the balance of habits over the weeks below, and a plain reading."""

    def __init__(self, settings: PracticeSettings | None = None):
        st = settings or PracticeSettings(path_seed=PATH_SEED)
        self.safe = theme.slider(
            "Safe experiences a week",
            st.safe_per_week,
            0,
            BIDS_PER_WEEK,
            0.5,
            fmt=".1f",
            hint="Bids met by turning toward in a new, safe setting each week",
        )
        self.start = theme.slider(
            "Turning toward at the start",
            st.start_toward,
            0.05,
            0.95,
            0.05,
            hint="Share of bids met by turning toward at week 0",
        )
        self.weeks = theme.slider("Weeks to follow", st.weeks, 4, 156, 4, fmt=".0f")
        self.show_path = theme.toggle(
            "Show one simulated person's week-by-week path", st.path_seed is not None
        )
        self.reading = w.HTML()
        self.reading.add_class("course-reading")
        figure, result = _blank_figure(), simulate(self.settings())
        _fill(figure, result)
        self.figure = LiveFigure(figure)
        self.controls = [self.safe, self.start, self.weeks, self.show_path]
        for c in self.controls:
            c.observe(self._redraw, "value")
        super().__init__([*self.controls, self.figure, self.reading], layout=w.Layout(width="100%"))
        self.add_class("course-simulation")
        self._show_reading(result)

    def settings(self) -> PracticeSettings:
        return PracticeSettings(
            self.safe.value,
            self.start.value,
            int(round(self.weeks.value)),
            PATH_SEED if self.show_path.value else None,
        )

    def _redraw(self, _change=None) -> None:
        result = simulate(self.settings())
        with self.figure.batch_update():
            _fill(self.figure.figure, result)
        self._show_reading(result)

    def _show_reading(self, result: PracticeResult) -> None:
        self.reading.value = f"<p><strong>What happened:</strong> {describe(result)}</p>"


BAR_STYLES = (
    ("turned toward, out of habit", theme.PALETTE["blue"], ""),
    ("turned toward, new safe experience", theme.PALETTE["bluish_green"], "/"),
    ("turned away", theme.PALETTE["vermillion"], "x"),
)


def _blank_figure() -> go.Figure:
    """The figure's layout and empty traces; ``_fill`` puts a run in."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.14,
        row_heights=[0.55, 0.45],
        subplot_titles=(
            "Share of bids met by turning toward",
            "Bids each week, by response",
        ),
    )
    fig.add_scatter(
        name="expected course",
        row=1,
        col=1,
        line=dict(color=theme.PALETTE["blue"], width=3),
        hovertemplate="week %{x}: %{y:.0%}<extra></extra>",
    )
    fig.add_scatter(
        name="one simulated person",
        row=1,
        col=1,
        line=dict(color=theme.PALETTE["reddish_purple"], width=2, dash="dot"),
        hovertemplate="simulated person, week %{x}: %{y:.0%}<extra></extra>",
    )
    for name, colour, pattern in BAR_STYLES:
        fig.add_bar(
            name=name,
            row=2,
            col=1,
            marker=dict(color=colour, pattern=dict(shape=pattern)),
            hovertemplate=name + ", week %{x}: %{y:.1f} bids<extra></extra>",
        )
    fig.update_layout(
        template="course",
        barmode="stack",
        bargap=0.1,
        height=620,
        title=dict(text="Simulated habits", subtitle=dict(text="A teaching model, not data")),
        legend=dict(orientation="h", x=0, y=-0.12, yanchor="top", traceorder="normal"),
        margin=dict(t=100, b=135, l=50, r=20),  # b: the legend, without plotly widening it
    )
    fig.update_annotations(x=0, xanchor="left", font_size=15)  # titles stay whole on phones
    fig.update_yaxes(range=[0, 1], tickformat=".0%", row=1, col=1)
    fig.update_yaxes(range=[0, BIDS_PER_WEEK], title_text="bids", row=2, col=1)
    fig.update_xaxes(title_text="weeks", title_standoff=4, row=2, col=1)
    return fig


def _fill(fig: go.Figure, result: PracticeResult) -> None:
    """Put a run's numbers into the figure's traces."""
    # plain lists keep the figure's JSON small and exact
    week = result.week.tolist()
    fig.data[0].x, fig.data[0].y = week, np.round(result.toward, 4).tolist()
    path = result.path
    fig.data[1].x = week if path is not None else []
    fig.data[1].y = np.round(path, 4).tolist() if path is not None else []
    fig.data[1].visible = path is not None
    for bar, values in zip(
        fig.data[2:], (result.from_habit, result.from_practice, result.away), strict=True
    ):
        bar.x, bar.y = week, np.round(values, 3).tolist()


def explorer() -> PracticeView:
    """The practice explorer for lesson 4, with one simulated person's path shown."""
    return PracticeView()
