"""The pursue/withdraw cycle: two partners whose distress and distance feed each other.

A teaching model, not a finding. It reproduces, qualitatively, the demand/withdraw pattern
of couple conflict (Christensen & Heavey, 1990): one partner presses for contact while the
other pulls away, and each move raises the other's distress. Attachment anxiety is read as
a hyperactivating strategy (protest, pursue) and avoidance as a deactivating one (go quiet,
keep distance) (Mikulincer & Shaver, 2003). A partner with more anxiety is alarmed by the
other's distance; a partner with more avoidance is alarmed by the other's pressure. The
levers stand for what couple researchers and therapists teach: slowing down, reassurance,
a timed pause with a promised return, and repair attempts that de-escalate (Gottman et al.,
1998). Every rate below is an illustrative setting chosen to make those patterns visible in
a 20-minute conversation; none is a measured value.

``simulate`` and ``describe`` are pure (numpy only) and deterministic; the update treats the
two partners identically, so swapping their settings swaps their traces exactly.
``CycleView`` draws them and ``cycle()`` is the one call the lesson makes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import ipywidgets as w
import numpy as np
from plotly import graph_objects as go
from plotly.subplots import make_subplots

from widgets import theme
from widgets.figure import LiveFigure
from widgets.preview import Previewed

# Illustrative model constants (not measured values).
STEP_MIN = 0.1  # time step: 6 seconds of conversation
TRIGGER = 0.3  # both partners' distress when a sore topic comes up
GAIN = 1.2  # per minute: how strongly one partner's moves raise the other's distress
RECIPROCITY = 0.15  # everyone is stirred a little by the other's distress, whatever the strategy
CALM = 0.45  # per minute: how fast distress settles by itself (self-soothing)
ANXIOUS_SOOTHING_COST = 0.4  # attachment anxiety slows self-soothing by up to this share
SLOW_FACTOR = 0.5  # slowing down: each exchange carries this share of its usual heat
REASSURANCE = 0.5  # reassurance takes this share off the alarm a partner's distance causes
PAUSE_AT = 0.5  # a pause starts when either partner's distress reaches this
PAUSE_MINUTES = 4.0  # length of the pause before the promised return
PAUSE_SOOTHING = 2.0  # self-soothing is this many times faster during a pause
PAUSE_WORRY = 0.05  # the small worry a pause still causes when a return is promised
TALK_BEFORE_NEXT_PAUSE = 2.0  # minutes back in the conversation before another pause
REPAIR_AT = 0.45  # a repair attempt is made when either partner's distress reaches this
REPAIR_DROP = 0.35  # an accepted repair attempt takes this share off both partners' distress
REPAIR_GAP = 1.5  # minutes before another repair attempt
REPAIR_SOFTENING = 0.6  # until then exchanges carry this share of their heat (feeling heard)
ESCALATED = 0.5  # distress at or above this at the end: the conversation escalated
SETTLED = 0.2  # distress at or below this at the end: the conversation settled
MOVE_THRESHOLD = 0.05  # mean move beyond this counts as pursuing (or withdrawing)

LEVERS = ("slow_down", "reassurance", "pause", "repair")
LEVER_NAMES = {
    "slow_down": "slowing down",
    "reassurance": "reassurance",
    "pause": "a timed pause with a promised return",
    "repair": "a repair attempt",
}
ESCALATES, SIMMERS, SETTLES = "escalated", "stayed tense", "settled"


def _check_unit(name: str, value: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not 0 <= value <= 1
    ):
        raise ValueError(f"{name} must be a number from 0 to 1, got {value!r}")


@dataclass(frozen=True)
class Partner:
    """One partner's strategies under stress, each from 0 (none) to 1 (strong)."""

    anxiety: float = 0.5  # worry about the other's availability: protest, pursue
    avoidance: float = 0.5  # discomfort with closeness and dependence: go quiet, withdraw

    def __post_init__(self) -> None:
        _check_unit("anxiety", self.anxiety)
        _check_unit("avoidance", self.avoidance)


@dataclass(frozen=True)
class CycleSettings:
    """Both partners, the levers the couple uses, and how long the conversation lasts."""

    a: Partner = Partner(0.8, 0.2)
    b: Partner = Partner(0.2, 0.8)
    slow_down: bool = False
    reassurance: bool = False
    pause: bool = False
    repair: bool = False
    minutes: float = 20.0

    def __post_init__(self) -> None:
        for name in ("a", "b"):
            if not isinstance(getattr(self, name), Partner):
                raise ValueError(f"{name} must be a Partner, got {getattr(self, name)!r}")
        for name in LEVERS:
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        m = self.minutes
        if isinstance(m, bool) or not isinstance(m, (int, float)) or not math.isfinite(m):
            raise ValueError(f"minutes must be a number from 5 to 60, got {m!r}")
        if not 5 <= m <= 60:
            raise ValueError(f"minutes must be a number from 5 to 60, got {m!r}")

    @property
    def levers(self) -> tuple[str, ...]:
        return tuple(name for name in LEVERS if getattr(self, name))

    def without_levers(self) -> CycleSettings:
        return replace(self, **{name: False for name in LEVERS})

    def swapped(self) -> CycleSettings:
        return replace(self, a=self.b, b=self.a)


@dataclass(frozen=True)
class Conversation:
    """One simulated conversation, sampled every ``STEP_MIN`` minutes. Row 0 is A, row 1 B."""

    settings: CycleSettings
    minute: np.ndarray
    distress: np.ndarray  # shape (2, n), 0..1
    move: np.ndarray  # shape (2, n): pursuing (+) minus withdrawing (-)
    paused: np.ndarray  # shape (n,), True while the couple is on a pause
    repairs: tuple[float, ...]  # minutes at which a repair attempt was made

    @property
    def peak(self) -> tuple[float, float]:
        return float(self.distress[0].max()), float(self.distress[1].max())

    @property
    def end(self) -> tuple[float, float]:
        """Each partner's mean distress over the last quarter of the time spent talking
        (a pause is not an ending, so paused minutes do not count)."""
        last = (self.minute >= 0.75 * self.minute[-1]) & ~self.paused
        if not last.any():
            last = self.minute >= 0.75 * self.minute[-1]
        return float(self.distress[0, last].mean()), float(self.distress[1, last].mean())

    @property
    def outcome(self) -> str:
        end = max(self.end)
        if end >= ESCALATED:
            return ESCALATES
        return SETTLES if end <= SETTLED else SIMMERS

    def stance(self, who: int) -> str:
        """'pursued', 'withdrew' or 'did both' over the conversation."""
        mean = float(self.move[who].mean())
        if mean > MOVE_THRESHOLD:
            return "pursued"
        return "withdrew" if mean < -MOVE_THRESHOLD else "did both"


def _step(
    mine: float,
    theirs: float,
    me: Partner,
    them: Partner,
    s: CycleSettings,
    paused: bool,
    softened: bool,
) -> float:
    """One partner's next distress. The same function serves both partners, so the model
    is symmetric to the last bit: swapping the partners swaps the results exactly."""
    calm = CALM * (1 - ANXIOUS_SOOTHING_COST * me.anxiety)
    if paused:
        rise = GAIN * me.anxiety * PAUSE_WORRY
        calm *= PAUSE_SOOTHING
    else:
        distance_alarm = me.anxiety * them.avoidance * theirs
        if s.reassurance:
            distance_alarm *= 1 - REASSURANCE
        pressure_alarm = me.avoidance * them.anxiety * theirs
        rise = GAIN * (distance_alarm + pressure_alarm + RECIPROCITY * theirs)
        if s.slow_down:
            rise *= SLOW_FACTOR
        if softened:
            rise *= REPAIR_SOFTENING
    nxt = mine + STEP_MIN * (rise * (1 - mine) - calm * mine)
    return min(1.0, max(0.0, nxt))


def simulate(settings: CycleSettings) -> Conversation:
    """Run one conversation. Deterministic: the same settings always give the same result."""
    n = int(round(settings.minutes / STEP_MIN)) + 1
    minute = np.arange(n) * STEP_MIN
    distress = np.empty((2, n))
    paused = np.zeros(n, dtype=bool)
    repairs: list[float] = []
    da = db = TRIGGER
    pause_until = -math.inf
    next_pause_ok = 0.0
    next_repair_ok = 0.0
    a, b = settings.a, settings.b
    for i, t in enumerate(minute):
        if i:
            on_pause, soft = t < pause_until, t < next_repair_ok
            da, db = (
                _step(da, db, a, b, settings, on_pause, soft),
                _step(db, da, b, a, settings, on_pause, soft),
            )
        worst = max(da, db)
        if settings.repair and t >= next_repair_ok and t >= pause_until and worst >= REPAIR_AT:
            da, db = da * (1 - REPAIR_DROP), db * (1 - REPAIR_DROP)
            repairs.append(round(float(t), 2))
            next_repair_ok = t + REPAIR_GAP
        elif settings.pause and t >= next_pause_ok and worst >= PAUSE_AT:
            pause_until = t + PAUSE_MINUTES
            next_pause_ok = pause_until + TALK_BEFORE_NEXT_PAUSE
        paused[i] = t < pause_until
        distress[0, i], distress[1, i] = da, db
    move = np.vstack(
        [
            (a.anxiety - a.avoidance) * distress[0],
            (b.anxiety - b.avoidance) * distress[1],
        ]
    )
    move[:, paused] = 0.0  # during a pause neither partner is pursuing or withdrawing
    return Conversation(settings, minute, distress, move, paused, tuple(repairs))


def lever_effects(settings: CycleSettings) -> dict[str, float]:
    """The higher partner's peak distress with no levers (key ``"none"``) and with each
    chosen lever on its own, so a reader can see which lever did the work."""
    base = settings.without_levers()
    effects = {"none": max(simulate(base).peak)}
    for name in settings.levers:
        effects[name] = max(simulate(replace(base, **{name: True})).peak)
    return effects


def describe(conv: Conversation) -> str:
    """A short plain reading: what happened, who pursued, and which lever mattered."""
    s = conv.settings
    pa, pb = conv.peak
    text = (
        f"The conversation {conv.outcome}. Distress peaked at {pa:.2f} for Partner A and "
        f"{pb:.2f} for Partner B (0 is calm, 1 is flooded)."
    )
    sa, sb = conv.stance(0), conv.stance(1)
    if {sa, sb} == {"pursued", "withdrew"}:
        pursuer, withdrawer = ("A", "B") if sa == "pursued" else ("B", "A")
        text += (
            f" Partner {pursuer} pursued while Partner {withdrawer} withdrew: each move "
            "raised the other's distress, and neither partner is the villain."
        )
    else:
        text += f" Partner A {sa} and Partner B {sb}."
    if not s.levers:
        if conv.outcome != SETTLES:
            text += " Switch on a lever to see which one changes the outcome."
        return text
    effects = lever_effects(s)
    best = min(s.levers, key=lambda k: (effects[k], LEVERS.index(k)))
    base_outcome = simulate(s.without_levers()).outcome
    if base_outcome != conv.outcome:
        text += f" Without the levers it would have {base_outcome}."
    text += (
        f" On its own, {LEVER_NAMES[best]} made the biggest difference here: it brings the "
        f"higher peak from {effects['none']:.2f} down to {effects[best]:.2f}."
    )
    return text


A_COLOUR, B_COLOUR = theme.PALETTE["blue"], theme.PALETTE["vermillion"]


class CycleView(Previewed, w.VBox):
    """Sliders for each partner, switches for the levers, the conversation plotted below."""

    def __init__(self, settings: CycleSettings | None = None):
        st = settings or CycleSettings()
        unit = dict(lo=0, hi=1, step=0.05)
        self.a_anxiety = theme.slider(
            "Partner A: anxiety", st.a.anxiety, **unit, hint="How alarmed A is by distance"
        )
        self.a_avoidance = theme.slider(
            "Partner A: avoidance", st.a.avoidance, **unit, hint="How alarmed A is by pressure"
        )
        self.b_anxiety = theme.slider(
            "Partner B: anxiety", st.b.anxiety, **unit, hint="How alarmed B is by distance"
        )
        self.b_avoidance = theme.slider(
            "Partner B: avoidance", st.b.avoidance, **unit, hint="How alarmed B is by pressure"
        )
        self.slow_down = theme.toggle("Slow down", st.slow_down)
        self.reassurance = theme.toggle(
            "Reassure (\u201cI'm not going anywhere\u201d)", st.reassurance
        )
        self.pause = theme.toggle("Timed pause with a promised return", st.pause)
        self.repair = theme.toggle("Repair attempt", st.repair)
        self.reading = w.HTML()
        self.reading.add_class("course-reading")
        figure, conv = _blank_figure(), simulate(st)
        _fill(figure, conv)
        self.figure = LiveFigure(figure)
        self.minutes = st.minutes
        controls = [
            self.a_anxiety,
            self.a_avoidance,
            self.b_anxiety,
            self.b_avoidance,
            self.slow_down,
            self.reassurance,
            self.pause,
            self.repair,
        ]
        for c in controls:
            c.observe(self._redraw, "value")
        levers_label = w.HTML("<p><strong>Levers the couple uses</strong></p>")
        super().__init__(
            [*controls[:4], levers_label, *controls[4:], self.figure, self.reading],
            layout=w.Layout(width="100%"),
        )
        self.add_class("course-simulation")
        self._show_reading(conv)

    def settings(self) -> CycleSettings:
        return CycleSettings(
            Partner(self.a_anxiety.value, self.a_avoidance.value),
            Partner(self.b_anxiety.value, self.b_avoidance.value),
            self.slow_down.value,
            self.reassurance.value,
            self.pause.value,
            self.repair.value,
            self.minutes,
        )

    def _redraw(self, _change=None) -> None:
        conv = simulate(self.settings())
        with self.figure.batch_update():
            _fill(self.figure, conv)
        self._show_reading(conv)

    def _show_reading(self, conv: Conversation) -> None:
        self.reading.value = f"<p><strong>What happened:</strong> {describe(conv)}</p>"


def _blank_figure() -> go.Figure:
    """The layout and empty traces; ``_fill`` puts a conversation in."""
    fig = make_subplots(
        rows=2,
        cols=1,
        vertical_spacing=0.18,
        row_heights=[0.55, 0.45],
        subplot_titles=(
            "Distress, 0 (calm) to 1 (flooded)",
            "Moving toward or away",
        ),
    )
    for name, colour, dash in (("Partner A", A_COLOUR, "solid"), ("Partner B", B_COLOUR, "dash")):
        fig.add_scatter(
            name=name,
            row=1,
            col=1,
            line=dict(color=colour, width=2.5, dash=dash),
            hovertemplate=name + ", minute %{x:.1f}: %{y:.2f}<extra></extra>",
        )
    # pauses and repair attempts are named by text on the plot (their first occurrence),
    # not in the legend, which stays one short row on a phone
    fig.add_scatter(
        name="pause",
        row=1,
        col=1,
        mode="lines+text",
        showlegend=False,
        line=dict(color="#555555", width=7),
        textposition="bottom right",
        textfont=dict(size=12, color="#333333"),
        hovertemplate="pause, minute %{x:.1f}<extra></extra>",
    )
    fig.add_scatter(
        name="repair attempt",
        row=1,
        col=1,
        mode="markers+text",
        showlegend=False,
        marker=dict(symbol="triangle-down", size=11, color=theme.PALETTE["black"]),
        text=[],
        textposition="bottom center",
        textfont=dict(size=12, color="#333333"),
        hovertemplate="repair attempt, minute %{x:.1f}<extra></extra>",
    )
    for name, colour, dash in (("Partner A", A_COLOUR, "solid"), ("Partner B", B_COLOUR, "dash")):
        fig.add_scatter(
            name=name,
            row=2,
            col=1,
            showlegend=False,
            line=dict(color=colour, width=2.5, dash=dash),
            hovertemplate=name + ", minute %{x:.1f}: %{y:.2f}<extra></extra>",
        )
    fig.add_scatter(
        name="no move",
        row=2,
        col=1,
        mode="lines",
        showlegend=False,
        hoverinfo="skip",
        line=dict(color="#888888", width=1, dash="dot"),
    )
    fig.update_layout(
        template="course",
        height=660,
        title=dict(
            text="Simulated conversation",
            subtitle=dict(text="A teaching model, not data"),
        ),
        legend=dict(orientation="h", yanchor="top", y=0.86, x=0, yref="container"),
        margin=dict(t=150, b=50, l=70, r=20),
    )
    fig.update_yaxes(range=[0, 1.08], row=1, col=1)
    fig.update_yaxes(
        range=[-1.05, 1.05], row=2, col=1, tickvals=[-1, 0, 1], ticktext=["away", "0", "toward"]
    )
    fig.update_xaxes(
        matches="x", row=2, col=1, title_text="minutes into the conversation", title_standoff=4
    )
    return fig


def _fill(fig: go.Figure, conv: Conversation) -> None:
    """Put a conversation's numbers into a figure's traces."""
    # plain, rounded lists: a compact plot message, and floats the tests can read back
    minute = np.round(conv.minute, 2).tolist()
    for row in (0, 1):
        fig.data[row].x, fig.data[row].y = minute, np.round(conv.distress[row], 3).tolist()
        fig.data[4 + row].x, fig.data[4 + row].y = minute, np.round(conv.move[row], 3).tolist()
    paused = conv.paused.tolist()
    fig.data[2].x, fig.data[2].y = minute, [1.04 if p else None for p in paused]
    first = paused.index(True) if True in paused else -1
    fig.data[2].text = ["pause" if i == first else "" for i in range(len(paused))]
    fig.data[2].visible = first >= 0
    fig.data[3].x = list(conv.repairs)
    fig.data[3].y = [0.99] * len(conv.repairs)
    fig.data[3].text = ["repair"] + [""] * (len(conv.repairs) - 1) if conv.repairs else []
    fig.data[3].visible = bool(conv.repairs)
    fig.data[6].x, fig.data[6].y = [0, minute[-1]], [0, 0]


def cycle() -> CycleView:
    """The pursue/withdraw simulation for lesson 5: an anxious-leaning Partner A and an
    avoidant-leaning Partner B, no levers yet."""
    return CycleView()
