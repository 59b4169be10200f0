"""The Still Face: three phases of play, a still face and reunion; and a mismatch-and-repair game.

Two teaching models, not findings.

``simulate`` runs a group of simulated babies through the Face-to-Face Still-Face procedure
(Tronick et al., 1978): play with a responsive caregiver, a still face, then reunion. Each baby
carries an *expectation* of a response, built in play. In the still face that expectation goes
unmet, so the baby bids (looks, smiles), grows distressed and slowly gives up; self-regulation
and, at reunion, the caregiver's returning response calm it again. It is calibrated to the
*directions* and the partial carry-over reported by Mesman et al. (2009), which are read from
data/still_face/meta_analysis.csv; rates and spreads are illustrative settings, not estimates.

``RepairGame`` is a pure state machine for the mutual-regulation idea (Tronick, 1989): the
learner answers each of a model baby's bids by attuning, missing or intruding; the game tracks
matched and mismatched states and counts repairs (a return from mismatch to match).

The models are pure (numpy only); ``ThreePhasesView`` and ``RepairGameView`` draw them, and
``three_phases()`` and ``repair_game()`` are the calls a lesson makes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import ipywidgets as w
import numpy as np
from plotly import graph_objects as go

from widgets import theme
from widgets.data import load_table
from widgets.figure import LiveFigure
from widgets.preview import Previewed

# --- The three phases --------------------------------------------------------------------------

PLAY, STILL, REUNION = "play", "still face", "reunion"
PHASES = (PLAY, STILL, REUNION)
MEASURES = ("positive affect", "gaze at caregiver", "negative affect")

STEP_SECONDS = 1.0  # the model's time step
# Illustrative settings chosen to make the published pattern visible; none is a measurement.
EXPECT_SECONDS = 90.0  # how slowly a baby's expectation of a response follows what it gets
BID_SHARE = 0.6  # while unanswered, bids (looks, smiles) scale with what the baby still expects
DISTRESS_RISE = 0.02  # distress per second for each unit of unmet expectation
FUSS_RATE = 0.004  # ordinary fussing, even in good play (per second)
SELF_SOOTHE = 0.012  # calming per second at full self-regulation
CARE_SOOTHE = 0.03  # calming per second from a fully responsive caregiver
AFFECT_SECONDS = 6.0  # how quickly smiles and looks follow the situation
GAZE_REST, GAZE_SOCIAL, GAZE_AVERT = 0.25, 0.55, 0.35  # looking: baseline, drawn, averted
# Illustrative differences between babies and between caregivers (standard deviations).
SPREAD_RESPONSIVENESS = 0.2
SPREAD_SELF_REGULATION = 0.3
SPREAD_EXPRESSIVENESS = 0.5
SPREAD_GAZE = 0.2
SPREAD_REACTIVITY = 1.0  # on a log scale
SPREAD_FUSSINESS = 1.0  # on a log scale
RECOVERED_SHARE = 0.9  # "recovered" = positive affect back to 90% of its play level
LITTLE_JOY = 0.1  # below this average positive affect in play, there is little to lose

META_ANALYSIS = "still_face/meta_analysis.csv"
DIRECTIONS = ("lower", "higher")


def _check_number(name: str, value: object, lo: float, hi: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not lo <= value <= hi
    ):
        raise ValueError(f"{name} must be a number from {lo:g} to {hi:g}, got {value!r}")


def _check_whole(name: str, value: object, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name} must be a whole number from {lo} to {hi}, got {value!r}")


@dataclass(frozen=True)
class StillFaceSettings:
    """What a reader can change. Each value is checked when the settings are made."""

    responsiveness: float = 0.8  # how fully the caregiver answers the baby in play and reunion
    self_regulation: float = 0.5  # how well the baby can calm itself (look away, suck a thumb)
    repair_seconds: float = 10.0  # time constant of the caregiver's re-engaging at reunion
    phase_seconds: float = 120.0  # length of each phase; about two minutes is common
    infants: int = 40  # how many simulated babies are averaged
    seed: int = 1978  # the same seed gives the same babies

    def __post_init__(self) -> None:
        _check_number("responsiveness", self.responsiveness, 0, 1)
        _check_number("self_regulation", self.self_regulation, 0, 1)
        _check_number("repair_seconds", self.repair_seconds, 1, 300)
        _check_number("phase_seconds", self.phase_seconds, 20, 600)
        _check_whole("infants", self.infants, 2, 1000)
        _check_whole("seed", self.seed, 0, 2**32 - 1)


@dataclass(frozen=True)
class StillFaceRun:
    """One simulated session: group averages every second, and each baby's phase averages."""

    settings: StillFaceSettings
    seconds: np.ndarray
    phase: np.ndarray  # one of PHASES per step
    curves: dict[str, np.ndarray]  # measure -> average over babies, per step
    phase_means: dict[str, np.ndarray]  # measure -> (infants, 3) array, one column per phase

    def mean(self, measure: str, phase: str) -> float:
        """The group's average of ``measure`` over one phase."""
        return float(self.phase_means[measure][:, PHASES.index(phase)].mean())

    def effect_size(self, measure: str, phase: str) -> float:
        """Standardized difference of ``phase`` from play (Cohen's d, pooled SD of the two)."""
        m = self.phase_means[measure]
        play, other = m[:, 0], m[:, PHASES.index(phase)]
        sd = math.sqrt((play.var(ddof=1) + other.var(ddof=1)) / 2)
        return 0.0 if sd < 1e-9 else float((other.mean() - play.mean()) / sd)

    def recovery_seconds(self) -> float | None:
        """Seconds into reunion until positive affect is back to 90% of play, or None."""
        play = self.mean("positive affect", PLAY)
        if play < LITTLE_JOY:
            return None
        reunion = self.phase == REUNION
        curve, t = self.curves["positive affect"][reunion], self.seconds[reunion]
        back = np.nonzero(curve >= RECOVERED_SHARE * play)[0]
        return None if not back.size else float(t[back[0]] - t[0])


def simulate(settings: StillFaceSettings) -> StillFaceRun:
    """Run the three phases for a seeded group of babies; same settings, same run."""
    rng = np.random.default_rng(settings.seed)
    n, p = settings.infants, settings.phase_seconds
    r = np.clip(settings.responsiveness + SPREAD_RESPONSIVENESS * rng.standard_normal(n), 0, 1)
    s = np.clip(settings.self_regulation + SPREAD_SELF_REGULATION * rng.standard_normal(n), 0, 1)
    expressive = np.clip(1 + SPREAD_EXPRESSIVENESS * rng.standard_normal(n), 0.4, 1.6)
    gaze_bias = SPREAD_GAZE * rng.standard_normal(n)
    reactivity = np.exp(SPREAD_REACTIVITY * rng.standard_normal(n))
    fuss = FUSS_RATE * np.exp(SPREAD_FUSSINESS * rng.standard_normal(n))

    steps = int(round(3 * p / STEP_SECONDS))
    seconds = np.arange(steps) * STEP_SECONDS
    phase_index = np.minimum((seconds // p).astype(int), 2)
    dt = STEP_SECONDS

    def targets(care, expect, distress):
        social = np.maximum(care, BID_SHARE * expect)
        smile = np.clip(expressive * social * (1 - distress), 0, 1)
        look = np.clip(GAZE_REST + gaze_bias + GAZE_SOCIAL * social - GAZE_AVERT * distress, 0, 1)
        return smile, look

    # start in settled play: expectation met, distress at its play level
    expect = r.copy()
    distress = fuss / (fuss + SELF_SOOTHE * s + CARE_SOOTHE * r)
    smile, look = targets(r, expect, distress)
    out = {m: np.empty((n, steps)) for m in MEASURES}
    for i, t in enumerate(seconds):
        ph = phase_index[i]
        if ph == 0:
            care = r
        elif ph == 1:
            care = np.zeros(n)
        else:
            care = r * (1 - math.exp(-(t - 2 * p) / settings.repair_seconds))
        unmet = np.maximum(0.0, expect - care)
        distress = distress + dt * (
            (DISTRESS_RISE * reactivity * unmet + fuss) * (1 - distress)
            - (SELF_SOOTHE * s + CARE_SOOTHE * care) * distress
        )
        distress = np.clip(distress, 0, 1)
        expect = expect + dt * (care - expect) / EXPECT_SECONDS
        smile_to, look_to = targets(care, expect, distress)
        smile = smile + dt * (smile_to - smile) / AFFECT_SECONDS
        look = look + dt * (look_to - look) / AFFECT_SECONDS
        out["positive affect"][:, i] = smile
        out["gaze at caregiver"][:, i] = look
        out["negative affect"][:, i] = distress
    phase = np.array(PHASES, dtype=object)[phase_index]
    phase_means = {
        m: np.stack([a[:, phase_index == k].mean(axis=1) for k in range(3)], axis=1)
        for m, a in out.items()
    }
    curves = {m: a.mean(axis=0) for m, a in out.items()}
    return StillFaceRun(settings, seconds, phase, curves, phase_means)


@dataclass(frozen=True)
class PublishedEffect:
    measure: str
    phase: str  # the phase compared with play
    direction: str  # "lower" or "higher" than in play
    finding: str


def published_effects() -> tuple[tuple[PublishedEffect, ...], str]:
    """The meta-analytic directions (Mesman et al., 2009) and the line naming their source."""
    table = load_table(META_ANALYSIS, {"measure", "phase", "direction", "finding"})
    rows = []
    for row in table.rows:
        if row["measure"] not in MEASURES or row["phase"] not in PHASES[1:]:
            raise ValueError(f"{table.path}: unknown measure or phase in {row}")
        if row["direction"] not in DIRECTIONS:
            raise ValueError(f"{table.path}: direction must be 'lower' or 'higher' in {row}")
        rows.append(PublishedEffect(row["measure"], row["phase"], row["direction"], row["finding"]))
    return tuple(rows), table.source


def agreement(run: StillFaceRun) -> list[tuple[PublishedEffect, float, bool]]:
    """Each published effect beside the simulated d, and whether the directions agree."""
    rows = []
    for eff in published_effects()[0]:
        d = run.effect_size(eff.measure, eff.phase)
        rows.append((eff, d, (d < 0) if eff.direction == "lower" else (d > 0)))
    return rows


def describe(run: StillFaceRun) -> str:
    """A plain reading of what these settings produced."""
    pa_play = run.mean("positive affect", PLAY)
    if pa_play < LITTLE_JOY:
        return (
            "With a caregiver who barely responds even in play, these babies show almost no "
            "positive affect to begin with, so the still face has little to take away."
        )
    pa_still, pa_back = run.mean("positive affect", STILL), run.mean("positive affect", REUNION)
    gaze_play = run.mean("gaze at caregiver", PLAY)
    gaze_still = run.mean("gaze at caregiver", STILL)
    na_play, na_still = run.mean("negative affect", PLAY), run.mean("negative affect", STILL)
    na_back = run.mean("negative affect", REUNION)
    text = (
        f"In the still face, positive affect fell by {1 - pa_still / pa_play:.0%} and looking at "
        f"the caregiver by {1 - gaze_still / max(gaze_play, 1e-9):.0%}, while negative affect "
        f"rose from {na_play:.2f} to {na_still:.2f}. "
        f"At reunion, positive affect came back to {pa_back / pa_play:.0%} of its play level on "
        f"average and negative affect stayed at {na_back:.2f}"
    )
    text += " (a carry-over)." if na_back > na_play else "."
    back = run.recovery_seconds()
    if back is None:
        text += " Positive affect did not get back to 90% of its play level within the reunion."
    else:
        text += f" It was back to 90% of its play level after {back:.0f} seconds of reunion."
    return text


class ThreePhasesView(Previewed, w.VBox):
    """Three sliders, the session's curves, the comparison with the meta-analysis, a reading."""

    def __init__(self, settings: StillFaceSettings | None = None):
        st = settings or StillFaceSettings()
        self.phase_seconds = st.phase_seconds
        self.responsiveness = theme.slider(
            "Caregiver responsiveness",
            st.responsiveness,
            0,
            1,
            0.05,
            hint="How fully the caregiver answers the baby's signals in play and reunion",
        )
        self.self_regulation = theme.slider(
            "Baby's self-regulation",
            st.self_regulation,
            0,
            1,
            0.05,
            hint="How well the baby can calm itself, for example by looking away",
        )
        self.repair_seconds = theme.slider(
            "Repair time (seconds)",
            st.repair_seconds,
            1,
            60,
            1,
            fmt=".0f",
            hint="Seconds the caregiver takes to re-engage at reunion, after the still face",
        )
        self.reading = w.HTML()
        self.reading.add_class("course-reading")
        self.comparison = w.HTML()
        self.comparison.add_class("course-comparison")
        figure, run = _blank_phases_figure(st.phase_seconds), simulate(st)
        _fill_phases(figure, run)
        self.figure = LiveFigure(figure)
        controls = [self.responsiveness, self.self_regulation, self.repair_seconds]
        for c in controls:
            c.observe(self._redraw, "value")
        super().__init__(
            [*controls, self.figure, self.reading, self.comparison], layout=w.Layout(width="100%")
        )
        self.add_class("course-simulation")
        self._show(run)

    def settings(self) -> StillFaceSettings:
        return StillFaceSettings(
            responsiveness=self.responsiveness.value,
            self_regulation=self.self_regulation.value,
            repair_seconds=self.repair_seconds.value,
            phase_seconds=self.phase_seconds,
        )

    def _redraw(self, _change=None) -> None:
        run = simulate(self.settings())
        with self.figure.batch_update():
            _fill_phases(self.figure, run)
        self._show(run)

    def _show(self, run: StillFaceRun) -> None:
        self.reading.value = f"<p><strong>What happened:</strong> {escape(describe(run))}</p>"
        self.comparison.value = comparison_table(run)


def comparison_table(run: StillFaceRun) -> str:
    """An HTML table: each published direction beside the simulated effect size."""
    _, source = published_effects()
    cell = "style='padding:.25em .5em;border-bottom:1px solid #ccc;text-align:left;line-height:1.4'"
    rows = "".join(
        f"<tr><td {cell}>{escape(eff.measure)}, {escape(eff.phase)} vs play</td>"
        f"<td {cell}>{escape(eff.direction)} ({escape(eff.finding)})</td>"
        f"<td {cell}>{d:+.2f}</td><td {cell}>{'yes' if same else 'no'}</td></tr>"
        for eff, d, same in agreement(run)
    )
    head = "".join(
        f"<th scope='col' {cell}>{h}</th>"
        for h in ("Comparison", "Published direction", "Simulated d", "Same way?")
    )
    return (
        "<p style='line-height:1.5;margin:.3em 0'><strong>Simulated beside published.</strong> "
        "Simulated d is the difference from "
        "play in standard deviations of these simulated babies (a negative d means lower than "
        f"in play). Published directions: {escape(source)}.</p>"
        "<div style='overflow-x:auto'><table style='border-collapse:collapse;margin:.3em 0'>"
        "<caption style='position:absolute;left:-9999px'>Simulated effect sizes beside the "
        "published directions</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


LINE_STYLES = {
    "positive affect": dict(color=theme.PALETTE["blue"], width=2.5),
    "gaze at caregiver": dict(color=theme.PALETTE["bluish_green"], width=2.5, dash="dot"),
    "negative affect": dict(color=theme.PALETTE["vermillion"], width=2.5, dash="dash"),
}


def _blank_phases_figure(phase_seconds: float) -> go.Figure:
    """Layout, phase markers and empty curves; ``_fill_phases`` puts a run in."""
    fig = go.Figure()
    for m in MEASURES:
        fig.add_scatter(
            name=m,
            mode="lines",
            line=LINE_STYLES[m],
            hovertemplate=m + " at %{x:.0f} s: %{y:.2f}<extra></extra>",
        )
    p = phase_seconds
    for x in (p, 2 * p):
        fig.add_scatter(
            x=[x, x],
            y=[0, 1],
            mode="lines",
            showlegend=False,
            hoverinfo="skip",
            line=dict(color="#555555", dash="dot", width=1.2),
        )
    fig.add_scatter(
        x=[p / 2, 1.5 * p, 2.5 * p],
        y=[1.04] * 3,
        mode="text",
        text=["<b>play</b>", "<b>still face</b>", "<b>reunion</b>"],
        textposition="middle center",
        showlegend=False,
        hoverinfo="skip",
        cliponaxis=False,
    )
    fig.update_layout(
        template="course",
        height=440,
        title=dict(
            text="Three phases, simulated",
            subtitle=dict(text="Average of 40 simulated babies · a model, not data"),
        ),
        legend=dict(orientation="h", x=0, y=-0.22, yanchor="top"),
        # b: room for the legend below the axis title; a margin plotly must widen for it
        # costs a second drawing pass
        margin=dict(t=90, b=100, l=60, r=20),
    )
    fig.update_xaxes(title_text="seconds into the session", range=[0, 3 * p], title_standoff=4)
    fig.update_yaxes(title_text="level (0 = none, 1 = most)", range=[0, 1.1])
    return fig


def _fill_phases(fig: go.Figure, run: StillFaceRun) -> None:
    """Put a run's curves into the figure's traces."""
    # plain, rounded lists: a compact plot message
    x = np.round(run.seconds, 1).tolist()
    for trace, m in zip(fig.data[:3], MEASURES, strict=True):
        trace.x, trace.y = x, np.round(run.curves[m], 3).tolist()


def three_phases() -> ThreePhasesView:
    """The three-phase simulation for lesson 3, with the default settings."""
    return ThreePhasesView()


# --- Mismatch and repair -------------------------------------------------------------------------

ATTUNE, MISS, INTRUDE = "attune", "miss", "intrude"
ACTIONS = (ATTUNE, MISS, INTRUDE)
START, MATCHED, MISMATCHED, REPAIRED = "start", "matched", "mismatched", "repaired"
WITHDRAW_AFTER = 3  # this many mismatches in a row and the model baby turns away
INFANT_OFF_CHANCE = 0.2  # illustrative: share of attuned answers the baby cannot take up
ROUNDS = 20


@dataclass(frozen=True)
class Bid:
    """A model baby's signal and what each kind of answer looks like."""

    cue: str
    answers: dict[str, str]


BIDS = (
    Bid(
        "The baby smiles and coos at you.",
        {
            ATTUNE: "You smile and coo back, then wait for the next sound.",
            MISS: "You are reading a message and don't look up.",
            INTRUDE: "You swoop the baby up high with loud laughter.",
        },
    ),
    Bid(
        "The baby looks away for a moment, a little overexcited.",
        {
            ATTUNE: "You go quiet and wait until the baby looks back.",
            MISS: "You don't notice and keep up the same chatter.",
            INTRUDE: "You lean in to catch the baby's eye and keep the game going.",
        },
    ),
    Bid(
        "The baby reaches toward your face.",
        {
            ATTUNE: "You bring your face closer and let the baby pat your cheek.",
            MISS: "You turn away to answer the phone.",
            INTRUDE: "You grab both hands and clap them together for a game.",
        },
    ),
    Bid(
        "The baby whimpers and frowns.",
        {
            ATTUNE: 'You soften your voice: "Oh, that was hard, wasn\'t it?"',
            MISS: "You carry on with the song as if nothing happened.",
            INTRUDE: "You offer three different toys in quick succession.",
        },
    ),
    Bid(
        'The baby babbles "ba-ba-ba".',
        {
            ATTUNE: 'You answer "ba-ba-ba!" and pause for a reply.',
            MISS: "You stay silent, thinking about something else.",
            INTRUDE: "You talk over the babble with a long string of words.",
        },
    ),
    Bid(
        "The baby yawns and rubs its eyes.",
        {
            ATTUNE: "You slow down and let the game wind down.",
            MISS: "You don't notice the yawn.",
            INTRUDE: "You start a lively round of peekaboo.",
        },
    ),
)
ESCALATION = (
    "",
    "The baby signals again, more strongly.",
    "The baby fusses and protests.",
    "The baby turns away and goes quiet, sucking a fist.",
)
INFANT_OFF = (
    "the baby gets the hiccups and looks away",
    "a door bangs and the baby startles",
    "the baby is busy with its own fingers",
)


@dataclass(frozen=True)
class Turn:
    """One bid and its answer: what the learner did and the state it led to."""

    number: int
    cue: str
    action: str
    state: str
    outcome: str
    mismatch_run: int  # mismatches in a row, counting this turn


@dataclass(frozen=True)
class GameSummary:
    turns: int
    matched: int  # turns ending matched, including repairs
    repairs: int
    missed: int
    intruded: int
    baby_off: int  # attuned answers the baby could not take up
    withdrawals: int
    longest_mismatch: int

    @property
    def matched_share(self) -> float:
        return self.matched / self.turns if self.turns else 0.0


class RepairGame:
    """Bid → answer (attune, miss or intrude) → matched, mismatched or repaired.

    A mismatch can come from either partner: missing or intruding, or a well-attuned answer
    the baby happens not to take up (hiccups, a noise). After a mismatch the baby bids again,
    more strongly; after ``WITHDRAW_AFTER`` in a row it turns away. Attuning after a mismatch
    is a repair. Bids and the baby's off moments are drawn from ``seed``, so a run depends
    only on the seed and the answers given.
    """

    def __init__(
        self, rounds: int = ROUNDS, seed: int = 0, infant_off_chance: float = INFANT_OFF_CHANCE
    ):
        _check_whole("rounds", rounds, 1, 200)
        _check_whole("seed", seed, 0, 2**32 - 1)
        _check_number("infant_off_chance", infant_off_chance, 0, 1)
        rng = np.random.default_rng(seed)
        self.rounds = rounds
        self._bids = [BIDS[i] for i in rng.integers(len(BIDS), size=rounds)]
        self._off = (rng.random(rounds) < infant_off_chance).tolist()
        self._off_reason = [INFANT_OFF[i] for i in rng.integers(len(INFANT_OFF), size=rounds)]
        self._bid_index = 0
        self.state = START
        self.mismatch_run = 0
        self.history: list[Turn] = []

    @property
    def finished(self) -> bool:
        return len(self.history) >= self.rounds

    def current_cue(self) -> str | None:
        """What the baby is doing now (None once the game is over)."""
        if self.finished:
            return None
        cue = self._bids[self._bid_index].cue
        level = min(self.mismatch_run, len(ESCALATION) - 1)
        if level == 0:
            return cue
        return f"{ESCALATION[level]} (Still unanswered: {cue[:1].lower() + cue[1:-1]}.)"

    def respond(self, action: str) -> Turn:
        """Answer the current bid; returns the turn, with the state it led to."""
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
        if self.finished:
            raise RuntimeError(f"the game is over after {self.rounds} bids; start a new game")
        i, cue = len(self.history), self.current_cue()
        bid = self._bids[self._bid_index]
        outcome = bid.answers[action]
        if action == ATTUNE and self._off[i]:
            outcome += f" But {self._off_reason[i]}: a mismatch nobody chose."
            matched = False
        else:
            matched = action == ATTUNE
        if matched:
            self.state = REPAIRED if self.state == MISMATCHED else MATCHED
            self.mismatch_run = 0
            self._bid_index += 1
        else:
            self.state = MISMATCHED
            self.mismatch_run += 1
        turn = Turn(i + 1, cue, action, self.state, outcome, self.mismatch_run)
        self.history.append(turn)
        return turn

    def summary(self) -> GameSummary:
        states = [t.state for t in self.history]
        longest = run = 0
        for t in self.history:
            run = run + 1 if t.state == MISMATCHED else 0
            longest = max(longest, run)
        return GameSummary(
            turns=len(self.history),
            matched=sum(s in (MATCHED, REPAIRED) for s in states),
            repairs=states.count(REPAIRED),
            missed=sum(t.action == MISS for t in self.history),
            intruded=sum(t.action == INTRUDE for t in self.history),
            baby_off=sum(t.action == ATTUNE and t.state == MISMATCHED for t in self.history),
            withdrawals=sum(t.mismatch_run == WITHDRAW_AFTER for t in self.history),
            longest_mismatch=longest,
        )


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def describe_game(game: RepairGame) -> str:
    """Running counts, and once the game is over, how the run compares with real pairs."""
    s = game.summary()
    if not s.turns:
        return (
            f"{game.rounds} bids to answer. Choose Attune, Miss or Intrude for each. "
            "Nothing you choose is scored or stored."
        )
    text = (
        f"After {s.turns} of {game.rounds} bids: matched on {s.matched} "
        f"({s.matched_share:.0%}), {s.repairs} repair{'s' if s.repairs != 1 else ''}, "
        f"{s.missed} missed, {s.intruded} intrusive, {s.baby_off} mismatch"
        f"{'es' if s.baby_off != 1 else ''} from the baby's side."
    )
    if s.withdrawals:
        text += (
            f" The baby turned away {_times(s.withdrawals)} after a run of mismatches:"
            " a small still face."
        )
    if not game.finished:
        return text
    text += (
        " Studies of ordinary, well-functioning mother–baby pairs find them coordinated for "
        "only a small part of the time, moving often from mismatch back to match "
        "(Tronick & Cohn, 1989)."
    )
    if s.matched_share >= 0.9:
        text += (
            " Your run was matched almost throughout; real pairs are not, and do not need to "
            "be: the baby learns most from mismatches that get put right."
        )
    elif s.repairs:
        text += " Like theirs, your run had mismatches, and repairs that followed them."
    else:
        text += " In your run no mismatch was followed by a repair; try answering a re-bid."
    return text + " This is a game with a model baby, not a test of anyone as a caregiver."


STATE_MARK = {  # symbol, word and colour: the word carries the meaning, not the colour
    MATCHED: ("●", "matched", theme.PALETTE["blue"]),
    REPAIRED: ("★", "repair", theme.PALETTE["bluish_green"]),
    MISMATCHED: ("✕", "mismatched", theme.PALETTE["vermillion"]),
}
BUTTON_HINTS = {
    ATTUNE: "Notice the signal and answer it in kind",
    MISS: "Don't notice, or don't respond",
    INTRUDE: "Respond too much, too fast, or in a way that doesn't fit",
}


def timeline_html(game: RepairGame) -> str:
    """The run so far as a list of labelled moments, one per bid.

    Plain HTML rather than a chart: a list reads in order with a screen reader, and each
    moment keeps its words.
    """
    if not game.history:
        return "<p class='course-timeline-empty'>Your run will appear here, bid by bid.</p>"
    items = "".join(
        f"<li style='border:1px solid #bbb;border-left:5px solid {colour};"
        f"padding:.1em .45em;border-radius:3px'>{t.number} "
        f"<span aria-hidden='true'>{symbol}</span> {word}</li>"
        for t in game.history
        for symbol, word, colour in [STATE_MARK[t.state]]
    )
    return (
        "<p style='margin:.3em 0'><strong>Your run, bid by bid</strong> "
        "(● matched · ★ repair · ✕ mismatched)</p>"
        "<ol style='list-style:none;display:flex;flex-wrap:wrap;gap:.35em;padding:0;"
        f"margin:.2em 0'>{items}</ol>"
    )


class RepairGameView(Previewed, w.VBox):
    """The baby's bid, three answer buttons, the run so far, and a reading."""

    def __init__(self, seed: int = 3):
        self.seed = seed
        self.game = RepairGame(seed=seed)
        self.bid = w.HTML()
        self.outcome = w.HTML()
        self.outcome.add_class("course-reading")
        self.timeline = w.HTML()
        self.timeline.add_class("course-timeline")
        self.reading = w.HTML()
        self.reading.add_class("course-reading")
        self.buttons = {
            a: w.Button(description=a.capitalize(), tooltip=BUTTON_HINTS[a]) for a in ACTIONS
        }
        for action, button in self.buttons.items():
            button.on_click(lambda _b, action=action: self.answer(action))
        self.restart = w.Button(description="Start again", tooltip="A new game with new bids")
        self.restart.on_click(lambda _b: self.new_game())
        row = w.HBox([*self.buttons.values(), self.restart], layout=w.Layout(flex_flow="row wrap"))
        super().__init__(
            [self.bid, row, self.outcome, self.timeline, self.reading],
            layout=w.Layout(width="100%"),
        )
        self.add_class("course-simulation")
        self._show()

    def answer(self, action: str) -> None:
        if self.game.finished:
            return
        turn = self.game.respond(action)
        self.outcome.value = (
            f"<p><strong>{escape(turn.state.capitalize())}.</strong> {escape(turn.outcome)}</p>"
        )
        self._show()

    def new_game(self) -> None:
        self.seed += 1
        self.game = RepairGame(seed=self.seed)
        self.outcome.value = ""
        self._show()

    def _show(self) -> None:
        cue = self.game.current_cue()
        done = cue is None
        if done:
            self.bid.value = "<p><strong>All bids answered.</strong> Start again to play anew.</p>"
        else:
            n = len(self.game.history) + 1
            self.bid.value = f"<p><strong>Bid {n} of {self.game.rounds}.</strong> {escape(cue)}</p>"
        for button in self.buttons.values():
            button.disabled = done
        self.timeline.value = timeline_html(self.game)
        self.reading.value = f"<p><strong>So far:</strong> {escape(describe_game(self.game))}</p>"


def repair_game() -> RepairGameView:
    """The mismatch-and-repair game for lesson 3."""
    return RepairGameView()
