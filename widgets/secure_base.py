"""The secure-base explorer: a toddler explores away from a caregiver and comes back.

A teaching model, not a finding. It reproduces, qualitatively, patterns that Bowlby
(1969/1982) described and Ainsworth's observations made concrete (Ainsworth & Wittig,
1969; Ainsworth & Bell, 1970): a child uses an available caregiver as a base to explore
from; felt security (Sroufe & Waters, 1977) drains with distance, alarm and fatigue;
when it falls below the child's threshold the child seeks proximity, is comforted, and
sets off again. A stranger sends the child back to base; a less available or less
sensitive caregiver leaves less time for exploring. Distances and rates are illustrative
settings chosen to make those patterns visible in a 5–60 minute session; they are not
measured values.

``simulate`` and ``describe`` are pure (numpy only); ``ExplorerView`` draws them and
``explorer()`` is the one call a lesson makes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import ipywidgets as w
import numpy as np
from plotly import graph_objects as go
from plotly.subplots import make_subplots

from widgets import theme
from widgets.figure import LiveFigure
from widgets.preview import Previewed

STEP_MIN = 0.05  # time step: 3 seconds
PLAY_SPEED = 1.5  # metres per minute while exploring (with pauses to play)
PLAY_CYCLE = 2.5  # minutes per bout of wandering out and drifting partly back
RETURN_SPEED = 6.0  # metres per minute when heading back
MAX_RANGE = 12.0  # the room: the child can go no further than this (metres)
CONTACT_RANGE = 0.5  # within this distance the child is "in contact"
FATIGUE_MINUTES = 40.0  # fatigue rises linearly, reaching 1 after this long
STRANGER_MINUTES = 3.0  # how long a stranger (or a noise's after-effect) stays
STRANGER_JOLT = 0.30  # the instant drop in felt security when the stranger appears
RESUME_MARGIN = 0.4  # comforted children set off again this far above threshold

EXPLORING, RETURNING, CONTACT = "exploring", "returning", "in contact"
MODES = (EXPLORING, RETURNING, CONTACT)


def _check_unit(name: str, value: float) -> None:
    if not isinstance(value, (int, float)) or not math.isfinite(value) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number from 0 to 1, got {value!r}")


@dataclass(frozen=True)
class ExplorerSettings:
    """What a reader can change. Each value is checked when the settings are made."""

    availability: float = 0.8  # how much of the time the caregiver is attentive, reachable
    sensitivity: float = 0.8  # how well the caregiver's response soothes when sought
    threshold: float = 0.4  # felt security below which the child heads back
    stranger_minute: float | None = None  # when a stranger enters (None: no stranger)
    minutes: float = 20.0  # session length

    def __post_init__(self) -> None:
        _check_unit("availability", self.availability)
        _check_unit("sensitivity", self.sensitivity)
        _check_unit("threshold", self.threshold)
        if (
            not isinstance(self.minutes, (int, float))
            or not math.isfinite(self.minutes)
            or not 1 <= self.minutes <= 120
        ):
            raise ValueError(f"minutes must be from 1 to 120, got {self.minutes!r}")
        s = self.stranger_minute
        if s is not None and (
            not isinstance(s, (int, float)) or not math.isfinite(s) or not 0 <= s <= self.minutes
        ):
            raise ValueError(f"stranger_minute must be None or from 0 to {self.minutes}, got {s!r}")


@dataclass(frozen=True)
class Session:
    """One simulated session, sampled every ``STEP_MIN`` minutes."""

    settings: ExplorerSettings
    minute: np.ndarray
    distance: np.ndarray  # metres from the caregiver
    security: np.ndarray  # felt security, 0..1
    mode: np.ndarray  # one of MODES per step
    shares: dict[str, float] = field(default_factory=dict)

    @property
    def returns(self) -> int:
        """How many times the child broke off exploring to head back."""
        m = self.mode
        return int(np.sum((m[1:] == RETURNING) & (m[:-1] == EXPLORING)))

    def back_at_base_after(self, minute: float) -> float | None:
        """Minutes from ``minute`` until the child is next in contact, or None."""
        later = np.nonzero((self.minute >= minute) & (self.mode == CONTACT))[0]
        return None if not later.size else float(self.minute[later[0]] - minute)


def simulate(settings: ExplorerSettings) -> Session:
    """Run the model; deterministic, so the same settings always give the same session."""
    n = int(round(settings.minutes / STEP_MIN)) + 1
    minute = np.arange(n) * STEP_MIN
    distance, security = np.empty(n), np.empty(n)
    mode = np.empty(n, dtype=object)
    d, s, m = 0.0, 0.9, EXPLORING
    stranger = settings.stranger_minute
    comfort = 0.05 + 0.5 * settings.availability * settings.sensitivity  # per minute
    resume = min(0.95, settings.threshold + RESUME_MARGIN)
    for i, t in enumerate(minute):
        present = stranger is not None and stranger <= t < stranger + STRANGER_MINUTES
        if stranger is not None and stranger <= t < stranger + STEP_MIN:
            s -= STRANGER_JOLT
        fatigue = min(1.0, t / FATIGUE_MINUTES)
        if m == CONTACT:
            s += (comfort - (0.15 if present else 0.0)) * STEP_MIN
        else:
            drain = 0.04 + 0.10 * d / MAX_RANGE + 0.08 * fatigue + (0.25 if present else 0.0)
            # an attentive caregiver, even across the room, keeps the child feeling safer
            s -= drain * (1 - 0.6 * settings.availability) * STEP_MIN
        s = min(1.0, max(0.0, s))
        if m == EXPLORING and s < settings.threshold:
            m = RETURNING
        elif m == CONTACT and s >= resume and not present:
            m = EXPLORING
        if m == EXPLORING:
            # wander: mostly outward, with pauses and short drifts back while playing
            step = PLAY_SPEED * (1 + 1.6 * math.sin(2 * math.pi * t / PLAY_CYCLE)) * STEP_MIN
            d = min(MAX_RANGE, max(CONTACT_RANGE, d + step))
        elif m == RETURNING:
            d = max(0.0, d - RETURN_SPEED * STEP_MIN)
            if d <= CONTACT_RANGE:
                m = CONTACT
        distance[i], security[i], mode[i] = d, s, m
    shares = {k: float(np.mean(mode == k)) for k in MODES}
    return Session(settings, minute, distance, security, mode, shares)


def describe(session: Session) -> str:
    """A one-line reading of what these settings produced, in plain words."""
    sh = session.shares
    text = (
        f"The child explored for {sh[EXPLORING]:.0%} of the session, headed back "
        f"{session.returns} time{'s' if session.returns != 1 else ''}, and spent "
        f"{sh[RETURNING] + sh[CONTACT]:.0%} seeking or keeping closeness."
    )
    st = session.settings.stranger_minute
    if st is not None:
        back = session.back_at_base_after(st)
        if back is None:
            text += " The stranger came too late in the session to see the return."
        elif back < STEP_MIN:
            text += " The child was already with the caregiver when the stranger came in."
        else:
            text += (
                " When the stranger came in, the child was back with the caregiver "
                f"within {back:.1f} minutes."
            )
    if sh[EXPLORING] >= 0.6:
        text += " A secure base at work: long trips out, short refuelling visits."
    elif sh[CONTACT] >= 0.5:
        text += " Comfort is slow to arrive here, so staying close crowds out exploring."
    return text


MODE_COLOURS = {
    EXPLORING: theme.PALETTE["bluish_green"],
    RETURNING: theme.PALETTE["orange"],
    CONTACT: theme.PALETTE["blue"],
}


class ExplorerView(Previewed, w.VBox):
    """Controls on top, the session below, and a sentence saying what happened."""

    def __init__(self, settings: ExplorerSettings | None = None):
        st = settings or ExplorerSettings(stranger_minute=8.0)
        self.availability = theme.slider(
            "Caregiver availability",
            st.availability,
            0,
            1,
            0.05,
            hint="Share of the time the caregiver is attentive",
        )
        self.sensitivity = theme.slider(
            "Caregiver sensitivity",
            st.sensitivity,
            0,
            1,
            0.05,
            hint="How well the caregiver's response soothes",
        )
        self.threshold = theme.slider(
            "Child's security threshold",
            st.threshold,
            0,
            1,
            0.05,
            hint="Felt security below which the child heads back",
        )
        self.stranger = theme.toggle("A stranger comes in", st.stranger_minute is not None)
        self.stranger_minute = theme.slider(
            "Stranger arrives at minute", st.stranger_minute or 8.0, 0, 60, 0.5, fmt=".1f"
        )
        self.minutes = theme.slider("Session length (minutes)", st.minutes, 5, 60, 1, fmt=".0f")
        self.reading = w.HTML()
        self.reading.add_class("course-reading")
        figure, session = _blank_figure(), simulate(self.settings())
        _fill(figure, session)
        self.figure = LiveFigure(figure)
        controls = [
            self.availability,
            self.sensitivity,
            self.threshold,
            self.stranger,
            self.stranger_minute,
            self.minutes,
        ]
        for c in controls:
            c.observe(self._redraw, "value")
        super().__init__([*controls, self.figure, self.reading], layout=w.Layout(width="100%"))
        self.add_class("course-simulation")
        self._show_reading(session)

    def settings(self) -> ExplorerSettings:
        minutes = self.minutes.value
        stranger = min(self.stranger_minute.value, minutes) if self.stranger.value else None
        return ExplorerSettings(
            self.availability.value, self.sensitivity.value, self.threshold.value, stranger, minutes
        )

    def _redraw(self, _change=None) -> None:
        session = simulate(self.settings())
        with self.figure.batch_update():
            _fill(self.figure, session)
        self._show_reading(session)

    def _show_reading(self, session: Session) -> None:
        self.reading.value = f"<p><strong>What happened:</strong> {describe(session)}</p>"


def _blank_figure() -> go.Figure:
    """The figure's layout and empty traces; ``_fill`` puts a session in."""
    fig = make_subplots(
        rows=3,
        cols=1,
        vertical_spacing=0.17,
        row_heights=[0.4, 0.4, 0.2],
        subplot_titles=(
            "Distance from the caregiver (metres)",
            "Felt security, 0 to 1 (dashed: threshold)",
            "Share of the session",
        ),
    )
    fig.add_scatter(
        name="distance",
        row=1,
        col=1,
        line=dict(color=theme.PALETTE["blue"], width=2.5),
        hovertemplate="minute %{x:.1f}: %{y:.1f} m<extra></extra>",
    )
    fig.add_scatter(
        name="felt security",
        row=2,
        col=1,
        line=dict(color=theme.PALETTE["vermillion"], width=2.5),
        hovertemplate="minute %{x:.1f}: %{y:.2f}<extra></extra>",
    )
    fig.add_scatter(
        name="threshold",
        row=2,
        col=1,
        mode="lines",
        hoverinfo="skip",
        line=dict(color="#555555", dash="dash", width=1.5),
    )
    for row, top in ((1, MAX_RANGE), (2, 1.0)):
        fig.add_scatter(
            name="stranger arrives",
            row=row,
            col=1,
            mode="lines+text",
            y=[0, 0.5 * top],
            text=["", "stranger"],
            textposition="middle right",
            hoverinfo="skip",
            line=dict(color=theme.PALETTE["black"], dash="dot", width=1.5),
        )
    for mode_name in MODES:
        fig.add_bar(
            name=mode_name,
            row=3,
            col=1,
            orientation="h",
            y=[""],
            marker_color=MODE_COLOURS[mode_name],
            texttemplate=mode_name + " %{x:.0%}",
            textposition="inside",
            textangle=0,
            insidetextanchor="middle",
            hovertemplate=mode_name + ": %{x:.0%}<extra></extra>",
        )
    fig.update_traces(showlegend=False, selector=dict(type="scatter"))
    fig.update_layout(
        template="course",
        barmode="stack",
        height=700,
        # a share too narrow for a legible label loses it; the legend below names every share
        uniformtext=dict(minsize=12, mode="hide"),
        legend=dict(orientation="h", x=0, y=-0.08, yanchor="top", traceorder="normal"),
        title=dict(text="Simulated session", subtitle=dict(text="A teaching model, not data")),
        margin=dict(t=100, b=70, l=50, r=32),  # r: room for the "100%" tick on a phone
    )
    fig.update_yaxes(range=[0, MAX_RANGE + 0.5], row=1, col=1)
    fig.update_yaxes(range=[0, 1.02], row=2, col=1)
    fig.update_xaxes(
        matches="x", row=2, col=1, title_text="minutes into the session", title_standoff=4
    )
    fig.update_yaxes(showticklabels=False, showgrid=False, row=3, col=1)
    fig.update_xaxes(tickformat=".0%", range=[0, 1], row=3, col=1)
    return fig


def _fill(fig: go.Figure, session: Session) -> None:
    """Put a session's numbers into the figure's traces."""
    # rounded lists keep the JSON sent to the browser on every redraw small
    minute = np.round(session.minute, 2).tolist()
    fig.data[0].x, fig.data[0].y = minute, np.round(session.distance, 2).tolist()
    fig.data[1].x, fig.data[1].y = minute, np.round(session.security, 3).tolist()
    fig.data[2].x, fig.data[2].y = [0, minute[-1]], [session.settings.threshold] * 2
    st = session.settings.stranger_minute
    for marker in fig.data[3:5]:
        marker.x = [st, st] if st is not None else []
        marker.visible = st is not None
    for bar, mode_name in zip(fig.data[5:], MODES, strict=True):
        bar.x = [session.shares[mode_name]]
        bar.name = f"{mode_name} {session.shares[mode_name]:.0%}"


def explorer() -> ExplorerView:
    """The secure-base explorer for lesson 1, with a stranger at minute 8 to start."""
    return ExplorerView()
