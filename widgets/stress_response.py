"""Stress and co-regulation: a cortisol curve after a stressor, with and without a caregiver.

A teaching model, not a finding. Two arms of the stress response are drawn side by side: a
fast sympathetic response that follows the stressor within a minute or two, and the slower
HPA axis (hypothalamus → pituitary → adrenal cortex), whose end product, cortisol, is modelled
as a two-stage delay so that it peaks tens of minutes after a stressor begins. The timing is
calibrated to the published pattern the lesson cites: in Goldberg et al. (2003), half of 27
infants aged 12 to 18 months showed their highest salivary cortisol 20 minutes after a
stressor and half 40 minutes after it, so a brief stressor here peaks inside that window
(the window is read from data/neurobiology/cortisol_time_course.csv). Everything else is an
illustrative setting: the height of the curve (cortisol is shown relative to baseline, not
in nmol/L), how fast it recovers, and how much a caregiver dampens it, which stands in for
the social buffering reviewed by Gunnar and Donzella (2002) and Hostinar et al. (2014).

Because the model is linear, stressors that come before cortisol has recovered add up:
repeated stressors without recovery time show accumulating load.

``simulate`` and ``describe`` are pure (numpy only); ``StressView`` draws them and
``explorer()`` is the one call the lesson makes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import ipywidgets as w
import numpy as np
from plotly import graph_objects as go
from plotly.subplots import make_subplots

from widgets import theme
from widgets.data import load_table
from widgets.figure import LiveFigure
from widgets.preview import Previewed

STEP_MIN = 0.5  # time step, minutes
STRESSOR_MINUTES = 10.0  # each stressor lasts 10 minutes, like a brief laboratory challenge
# Illustrative time constants (minutes), chosen so that a brief stressor peaks inside the
# calibrated window: the HPA cascade as two stages (hormone signals → cortisol in saliva).
RISE_MINUTES = 15.0
CLEAR_MINUTES = 30.0
FAST_MINUTES = 1.0  # the sympathetic response follows the stressor within a minute or two
# Illustrative buffering: a fully available, fully responsive caregiver cuts the drive to the
# HPA axis by 70% and clears cortisol 30% faster; presence alone does a little.
BUFFER_DRIVE = 0.7
BUFFER_CLEARANCE = 0.3
PRESENCE_SHARE = 0.2
RECOVERED = 0.1  # "back near baseline": the rise has fallen below 10% of its peak

PEAK_TABLE = "neurobiology/cortisol_time_course.csv"


def peak_window() -> tuple[float, float]:
    """The window (minutes after a stressor) in which cortisol peaked in the calibration study."""
    table = load_table(PEAK_TABLE, {"minutes_after_stressor", "share_of_infants_peaking"})
    minutes = [float(row["minutes_after_stressor"]) for row in table.rows]
    return min(minutes), max(minutes)


def _check(name: str, value: object, lo: float, hi: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not lo <= value <= hi
    ):
        raise ValueError(f"{name} must be a number from {lo:g} to {hi:g}, got {value!r}")


@dataclass(frozen=True)
class StressSettings:
    """What a reader can change. Each value is checked when the settings are made."""

    strength: float = 0.8  # how strong each stressor is, 0 (none) to 1 (strong)
    onset: float = 15.0  # minute at which the first stressor begins
    repeats: int = 1  # how many stressors, one after another
    gap: float = 60.0  # minutes from the start of one stressor to the start of the next
    availability: float = 0.8  # is the caregiver there and reachable? 0 to 1
    responsiveness: float = 0.8  # how sensitively the caregiver responds, 0 to 1

    def __post_init__(self) -> None:
        _check("strength", self.strength, 0, 1)
        _check("onset", self.onset, 0, 120)
        if isinstance(self.repeats, bool) or not isinstance(self.repeats, int):
            raise ValueError(f"repeats must be a whole number from 1 to 5, got {self.repeats!r}")
        _check("repeats", self.repeats, 1, 5)
        _check("gap", self.gap, 10, 180)
        _check("availability", self.availability, 0, 1)
        _check("responsiveness", self.responsiveness, 0, 1)

    @property
    def onsets(self) -> tuple[float, ...]:
        return tuple(self.onset + i * self.gap for i in range(self.repeats))

    @property
    def buffering(self) -> float:
        """0 (no buffering) to 1: availability times how much the caregiver's response soothes."""
        return self.availability * (PRESENCE_SHARE + (1 - PRESENCE_SHARE) * self.responsiveness)

    @property
    def minutes(self) -> float:
        """Session length: long enough to see the last response recover, in half hours."""
        return max(180.0, 30 * math.ceil((self.onsets[-1] + 150) / 30))


@dataclass(frozen=True)
class StressResponse:
    """One simulated session, sampled every ``STEP_MIN`` minutes."""

    settings: StressSettings
    minute: np.ndarray
    cortisol: np.ndarray  # relative to baseline: 1 is baseline, 2 is twice baseline
    unbuffered: np.ndarray  # the same stressors with no caregiver, for comparison
    sympathetic: np.ndarray  # fast arousal, 0 (resting) to 1 (strongest)

    def peaks(self, curve: np.ndarray | None = None) -> list[tuple[float, float]]:
        """(minutes after its stressor began, level) of each stressor's cortisol peak."""
        curve = self.cortisol if curve is None else curve
        onsets = self.settings.onsets
        ends = (*onsets[1:], self.minute[-1] + STEP_MIN)
        out = []
        for start, end in zip(onsets, ends, strict=True):
            window = np.nonzero((self.minute >= start) & (self.minute < end))[0]
            i = window[np.argmax(curve[window])]
            out.append((float(self.minute[i] - start), float(curve[i])))
        return out

    @property
    def peak_latency(self) -> float:
        """Minutes from the first stressor's start to its cortisol peak."""
        return self.peaks()[0][0]

    @property
    def peak(self) -> float:
        """The highest cortisol level of the session, relative to baseline."""
        return float(self.cortisol.max())

    @property
    def buffering_effect(self) -> float:
        """How much lower the peak rise is than with no caregiver (0 to 1)."""
        rise, alone = self.peak - 1, float(self.unbuffered.max()) - 1
        return 0.0 if alone <= 0 else 1 - rise / alone

    def recovery_minutes(self) -> float | None:
        """Minutes from the last stressor's start until cortisol is back near baseline."""
        rise = self.cortisol - 1
        if rise.max() <= 0:
            return 0.0
        last = self.settings.onsets[-1]
        top = np.argmax(np.where(self.minute >= last, rise, -1))
        back = np.nonzero((self.minute > self.minute[top]) & (rise < RECOVERED * rise[top]))[0]
        return None if not back.size else float(self.minute[back[0]] - last)


def _stressor_on(minute: np.ndarray, settings: StressSettings) -> np.ndarray:
    on = np.zeros_like(minute)
    for start in settings.onsets:
        on[(minute >= start) & (minute < start + STRESSOR_MINUTES)] = 1.0
    return on


def _hpa_rise(minute: np.ndarray, settings: StressSettings, buffering: float) -> np.ndarray:
    """Two-stage HPA response to the stressors, in the model's own units."""
    drive = _stressor_on(minute, settings) * settings.strength * (1 - BUFFER_DRIVE * buffering)
    clear = CLEAR_MINUTES * (1 - BUFFER_CLEARANCE * buffering)
    signal, rise = 0.0, 0.0
    out = np.empty_like(minute)
    for i, d in enumerate(drive):
        signal += STEP_MIN * (d - signal / RISE_MINUTES)
        rise += STEP_MIN * (signal / RISE_MINUTES - rise / clear)
        out[i] = rise
    return out


# One full-strength stressor with no caregiver doubles cortisol at its peak (illustrative).
_UNIT_RISE = float(
    _hpa_rise(np.arange(0, 240, STEP_MIN), StressSettings(strength=1.0, onset=0.0), 0.0).max()
)


def _cortisol(minute: np.ndarray, settings: StressSettings, buffering: float) -> np.ndarray:
    """Cortisol relative to baseline: 1 is baseline, 2 is twice baseline."""
    return 1 + _hpa_rise(minute, settings, buffering) / _UNIT_RISE


def simulate(settings: StressSettings) -> StressResponse:
    """Run the model; deterministic, so the same settings always give the same curves."""
    minute = np.arange(0, settings.minutes + STEP_MIN / 2, STEP_MIN)
    fast, level = np.empty_like(minute), 0.0
    for i, d in enumerate(_stressor_on(minute, settings) * settings.strength):
        level += STEP_MIN * (d - level) / FAST_MINUTES
        fast[i] = level
    return StressResponse(
        settings,
        minute,
        _cortisol(minute, settings, settings.buffering),
        _cortisol(minute, settings, 0.0),
        fast,
    )


def describe(result: StressResponse) -> str:
    """A plain reading of the session: timing, height, buffering, recovery, accumulation."""
    st = result.settings
    if st.strength == 0:
        return "With no stressor, cortisol stays at its baseline level."
    single = simulate(replace(st, repeats=1)) if st.repeats > 1 else result
    latency, level = single.peaks()[0]
    text = (
        f"After one stressor, cortisol peaks at {level:.1f} times baseline, "
        f"{latency:.0f} minutes after the stressor begins."
    )
    if result.buffering_effect >= 0.05:
        text += (
            f" This caregiver's presence and responses keep the rise "
            f"{result.buffering_effect:.0%} lower than with no caregiver."
        )
    else:
        text += " With no available, responsive caregiver there is no buffering."
    if st.repeats > 1:
        if result.peak - 1 > 1.15 * (level - 1):
            text += (
                f" With {st.repeats} stressors {st.gap:.0f} minutes apart, cortisol never gets "
                f"back down in between, so the load builds up to {result.peak:.1f} times baseline."
            )
        else:
            text += (
                f" With {st.gap:.0f} minutes between stressors, cortisol mostly recovers "
                "before the next one."
            )
    back = result.recovery_minutes()
    if back is None:
        text += " Cortisol is still above baseline when the session ends."
    else:
        text += f" It is back near baseline {back:.0f} minutes after the last stressor begins."
    return text


class StressView(Previewed, w.VBox):
    """Controls on top, the two arms of the stress response below, and a plain reading."""

    def __init__(self, settings: StressSettings | None = None):
        st = settings or StressSettings()
        self.strength = theme.slider(
            "Stressor strength", st.strength, 0, 1, 0.05, hint="0 is no stressor, 1 is strong"
        )
        self.onset = theme.slider(
            "First stressor at minute", st.onset, 0, 120, 5, fmt=".0f", hint="When it begins"
        )
        self.repeats = theme.slider(
            "Number of stressors", st.repeats, 1, 5, 1, fmt=".0f", hint="One after another"
        )
        self.gap = theme.slider(
            "Minutes between stressors",
            st.gap,
            10,
            180,
            5,
            fmt=".0f",
            hint="Recovery time: from the start of one stressor to the start of the next",
        )
        self.availability = theme.slider(
            "Caregiver availability",
            st.availability,
            0,
            1,
            0.05,
            hint="Is a caregiver there and reachable?",
        )
        self.responsiveness = theme.slider(
            "Caregiver responsiveness",
            st.responsiveness,
            0,
            1,
            0.05,
            hint="How sensitively the caregiver responds when the child is upset",
        )
        self.reading = w.HTML()
        self.reading.add_class("course-reading")
        figure, result = _blank_figure(), simulate(self.settings())
        _fill(figure, result)
        self.figure = LiveFigure(figure)
        self.controls = [
            self.strength,
            self.onset,
            self.repeats,
            self.gap,
            self.availability,
            self.responsiveness,
        ]
        for c in self.controls:
            c.observe(self._redraw, "value")
        super().__init__([*self.controls, self.figure, self.reading], layout=w.Layout(width="100%"))
        self.add_class("course-simulation")
        self._show_reading(result)

    def settings(self) -> StressSettings:
        return StressSettings(
            self.strength.value,
            self.onset.value,
            int(round(self.repeats.value)),
            self.gap.value,
            self.availability.value,
            self.responsiveness.value,
        )

    def _redraw(self, _change=None) -> None:
        result = simulate(self.settings())
        with self.figure.batch_update():
            _fill(self.figure.figure, result)
        self._show_reading(result)

    def _show_reading(self, result: StressResponse) -> None:
        self.reading.value = f"<p><strong>What happened:</strong> {describe(result)}</p>"


def _blank_figure() -> go.Figure:
    """The figure's layout and empty traces; ``_fill`` puts a session in."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.14,
        row_heights=[0.3, 0.7],
        subplot_titles=(
            "Fast response: heart rate, breathing",
            "Slow response: cortisol (1 = baseline)",
        ),
    )
    fig.add_scatter(
        name="sympathetic arousal",
        row=1,
        col=1,
        line=dict(color=theme.PALETTE["orange"], width=2.5),
        hovertemplate="minute %{x:.0f}: %{y:.2f}<extra></extra>",
    )
    fig.add_scatter(
        name="baseline",
        row=2,
        col=1,
        mode="lines",
        hoverinfo="skip",
        line=dict(color="#555555", dash="dash", width=1.5),
    )
    fig.add_scatter(
        name="no caregiver (for comparison)",
        row=2,
        col=1,
        line=dict(color="#777777", dash="dot", width=2.5),
        hovertemplate="no caregiver, minute %{x:.0f}: %{y:.2f} × baseline<extra></extra>",
    )
    fig.add_scatter(
        name="with this caregiver",
        row=2,
        col=1,
        line=dict(color=theme.PALETTE["blue"], width=3),
        hovertemplate="with caregiver, minute %{x:.0f}: %{y:.2f} × baseline<extra></extra>",
    )
    for row in (1, 2):
        fig.add_scatter(
            name="stressor",
            row=row,
            col=1,
            mode="lines+text",
            textposition="bottom right",
            hoverinfo="skip",
            showlegend=False,
            line=dict(color=theme.PALETTE["black"], dash="dot", width=1.5),
        )
    fig.update_layout(
        template="course",
        height=600,
        title=dict(
            text="Simulated stress response",
            subtitle=dict(text="A teaching model, not data: only the timing is calibrated"),
        ),
        legend=dict(orientation="h", x=0, y=-0.12, yanchor="top"),
        margin=dict(t=100, b=110, l=50, r=20),
    )
    fig.update_annotations(x=0, xanchor="left", font_size=15)  # titles stay whole on phones
    fig.update_yaxes(range=[0, 1.15], title_text="0 to 1", row=1, col=1)
    fig.update_yaxes(title_text="× baseline", row=2, col=1)
    fig.update_xaxes(title_text="minutes", title_standoff=4, row=2, col=1)
    return fig


def _fill(fig: go.Figure, result: StressResponse) -> None:
    """Put a session's numbers into the figure's traces."""
    # plain lists keep the figure's JSON small and exact
    minute = np.round(result.minute, 1).tolist()
    top = max(2.2, float(np.ceil(result.unbuffered.max() * 5) / 5) + 0.2)
    fig.data[0].x, fig.data[0].y = minute, np.round(result.sympathetic, 3).tolist()
    fig.data[1].x, fig.data[1].y = [0, minute[-1]], [1, 1]
    fig.data[2].x, fig.data[2].y = minute, np.round(result.unbuffered, 3).tolist()
    fig.data[3].x, fig.data[3].y = minute, np.round(result.cortisol, 3).tolist()
    for trace, (y0, y1) in zip(fig.data[4:6], ((0, 1.1), (0.9, top)), strict=True):
        xs, ys, labels = [], [], []
        for i, start in enumerate(result.settings.onsets):
            xs += [start, start, None]
            ys += [y0, y1, None]
            labels += ["", "stressor" if i == 0 else "", ""]
        trace.x, trace.y, trace.text = xs, ys, labels
    fig.layout.yaxis2.range = [0.9, top]


def explorer() -> StressView:
    """The stress and co-regulation explorer for lesson 4."""
    return StressView()
