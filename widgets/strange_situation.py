"""The Strange Situation: eight episodes, four patterns, and the learner as coder.

Three teaching tools for lesson 2, each a pure model with a thin view.

* ``simulate`` runs a simulated infant of a chosen pattern through the eight episodes
  (Ainsworth, Blehar, Waters & Wall, 1978): who is in the room and for how long, with
  separations cut short for a very distressed infant and the first reunion lengthened
  so a distressed infant can be comforted; distress and exploration in each episode; and,
  on the two reunions, Ainsworth's four interactive scales, each rated 1 to 7.
* ``StrangeSituationCoder`` deals out generated infants (a vignette plus the reunion
  ratings) for the learner to classify A, B, C or D, explains which behaviours point
  where, and keeps a tally. Some cases are deliberately close calls, and say so.
* ``load_distributions`` reads published classification distributions from data/.

The episode plan comes from data/strange_situation/episodes.csv. The patterns' typical
levels below are illustrative settings chosen to reproduce the published *qualitative*
descriptions of each pattern (Ainsworth et al., 1978; Main & Solomon, 1990); they are not
measured values, and a simulated infant is not a real one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from html import escape

import ipywidgets as w
import numpy as np
from plotly import graph_objects as go
from plotly.subplots import make_subplots

from widgets import theme
from widgets.data import DataError, load_table
from widgets.figure import LiveFigure
from widgets.preview import Previewed

PATTERNS = ("A", "B", "C", "D")
PATTERN_NAMES = {
    "A": "insecure-avoidant",
    "B": "secure",
    "C": "insecure-resistant/ambivalent",
    "D": "disorganized/disoriented",
}
SCALES = ("proximity seeking", "contact maintaining", "resistance", "avoidance")
SCALE_MIN, SCALE_MAX = 1, 7  # Ainsworth et al. (1978): each interactive scale is rated 1-7
REUNIONS = (5, 8)
SEPARATIONS = (4, 6, 7)
PEOPLE = ("caregiver", "stranger", "infant", "observer")

# --- Illustrative settings (not measured values) -------------------------------------
# Typical distress and exploration in episodes 1..8, on 0-1 teaching scales. They follow
# the published descriptions: B infants explore, are upset by separation and settle on
# reunion; A infants keep exploring and show little distress; C infants explore little,
# are very distressed and hard to settle; D infants resemble one of the others but show
# disorganized behaviour, especially on reunion.
DISTRESS = {
    "A": (0.05, 0.05, 0.10, 0.15, 0.10, 0.35, 0.20, 0.10),
    "B": (0.05, 0.05, 0.20, 0.60, 0.30, 0.80, 0.65, 0.30),
    "C": (0.20, 0.25, 0.50, 0.90, 0.75, 0.95, 0.90, 0.70),
    "D": (0.10, 0.10, 0.30, 0.60, 0.50, 0.80, 0.70, 0.55),
}
EXPLORATION = {
    "A": (0.70, 0.85, 0.70, 0.60, 0.70, 0.50, 0.55, 0.65),
    "B": (0.60, 0.80, 0.50, 0.20, 0.45, 0.10, 0.15, 0.40),
    "C": (0.30, 0.30, 0.15, 0.05, 0.10, 0.05, 0.05, 0.10),
    "D": (0.50, 0.60, 0.40, 0.20, 0.25, 0.15, 0.20, 0.25),
}
# Typical reunion ratings (episode 5, episode 8) on the 1-7 interactive scales.
REUNION_SCALES = {
    "A": {
        "proximity seeking": (2.0, 1.5),
        "contact maintaining": (1.5, 1.5),
        "resistance": (1.5, 1.5),
        "avoidance": (5.5, 6.5),
    },
    "B": {
        "proximity seeking": (5.5, 6.5),
        "contact maintaining": (5.0, 6.0),
        "resistance": (1.5, 1.5),
        "avoidance": (1.5, 1.5),
    },
    "C": {
        "proximity seeking": (5.5, 6.0),
        "contact maintaining": (5.5, 6.0),
        "resistance": (5.0, 6.0),
        "avoidance": (1.5, 1.5),
    },
    "D": {
        "proximity seeking": (4.0, 4.0),
        "contact maintaining": (3.0, 3.0),
        "resistance": (3.0, 3.5),
        "avoidance": (3.5, 4.0),
    },
}
# Strength of disorganized behaviour on the reunions, 0-1 (Main & Solomon, 1990, describe
# what it looks like; the numbers here are illustrative).
DISORGANIZATION = {"A": 0.0, "B": 0.0, "C": 0.0, "D": 0.85}
LEVEL_SPREAD = 0.12  # how far a simulated infant's 0-1 levels stray from the typical ones
SCALE_SPREAD = 0.7  # the same for the 1-7 ratings
CURTAIL_LEVEL = 0.8  # distress at which a separation is cut short, in this model
RISE_SECONDS = 45.0  # distress builds to its level over this long after a separation starts
HARD_CRYING_SECONDS = 60.0  # the model ends a separation after a minute of hard crying
PROLONG_LEVEL = 0.6  # reunion distress above which the first reunion is lengthened
MAX_EXTRA_SECONDS = 120.0  # the longest the model lengthens it
DISORGANIZED_SHOWN = 0.5  # disorganization above this shows in the vignette and ratings
AMBIGUOUS_SHARE = 0.25  # share of the coder's cases deliberately made close calls
NEIGHBOURS = {"A": ("B",), "B": ("A", "C"), "C": ("B",), "D": ("A", "B", "C")}


def _check_pattern(name: str, value: object) -> str:
    if not isinstance(value, str) or value.strip().upper() not in PATTERNS:
        raise ValueError(f"{name} must be one of A, B, C or D, got {value!r}")
    return value.strip().upper()


def _check_seed(name: str, value: object) -> None:
    if type(value) is not int or not 0 <= value < 2**32:
        raise ValueError(f"{name} must be a whole number from 0 to 2**32 - 1, got {value!r}")


def _check_number(name: str, value: object, lo: float, hi: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not lo <= value <= hi
    ):
        raise ValueError(f"{name} must be a number from {lo} to {hi}, got {value!r}")


@dataclass(frozen=True)
class EpisodeStep:
    """One row of the published episode plan."""

    number: int
    in_room: tuple[str, ...]
    seconds: float
    rule: str  # "fixed", "shortened" (3 min or less) or "prolonged" (3 min or more)
    what_happens: str


@lru_cache(maxsize=1)
def episode_plan() -> tuple[EpisodeStep, ...]:
    """The eight episodes from data/strange_situation/episodes.csv, checked."""
    table = load_table(
        "strange_situation/episodes.csv", {"episode", "in_room", "seconds", "rule", "what_happens"}
    )
    steps = []
    for row in table.rows:
        try:
            step = EpisodeStep(
                int(row["episode"]),
                tuple(p.strip() for p in row["in_room"].split(";")),
                float(row["seconds"]),
                row["rule"].strip(),
                row["what_happens"].strip(),
            )
        except ValueError as err:
            raise DataError(f"{table.path}: bad row {row} ({err})") from None
        if step.rule not in ("fixed", "shortened", "prolonged") or not set(step.in_room) <= set(
            PEOPLE
        ):
            raise DataError(f"{table.path}: episode {step.number} has an unknown rule or person")
        steps.append(step)
    if [s.number for s in steps] != list(range(1, 9)):
        raise DataError(f"{table.path}: expected episodes 1 to 8 in order")
    return tuple(steps)


@dataclass(frozen=True)
class InfantSettings:
    """Which simulated infant to run. Each value is checked when the settings are made.

    ``lean_towards`` and ``lean`` blend the infant's profile part of the way toward a
    neighbouring pattern, which is how the coder makes its close calls.
    """

    pattern: str = "B"
    seed: int = 0
    adapt_lengths: bool = True  # cut very distressing separations short, lengthen reunion 1
    variation: float = 1.0  # 0: exactly the typical profile; 1: the usual spread; up to 2
    lean_towards: str | None = None
    lean: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", _check_pattern("pattern", self.pattern))
        _check_seed("seed", self.seed)
        if not isinstance(self.adapt_lengths, bool):
            raise ValueError(f"adapt_lengths must be True or False, got {self.adapt_lengths!r}")
        _check_number("variation", self.variation, 0, 2)
        _check_number("lean", self.lean, 0, 0.5)
        if self.lean_towards is not None:
            other = _check_pattern("lean_towards", self.lean_towards)
            if other == self.pattern:
                raise ValueError("lean_towards must be a different pattern from pattern")
            object.__setattr__(self, "lean_towards", other)


@dataclass(frozen=True)
class EpisodeResult:
    """What the simulated infant did in one episode."""

    number: int
    in_room: tuple[str, ...]
    planned_seconds: float
    seconds: float
    start: float  # seconds from the start of the procedure
    distress: float  # 0-1 teaching scale
    exploration: float  # 0-1 teaching scale
    scales: dict[str, int] | None  # the four 1-7 ratings, on reunions only
    disorganized: bool  # disorganized behaviour shown (reunions only)

    @property
    def shortened(self) -> bool:
        return self.seconds < self.planned_seconds

    @property
    def prolonged(self) -> bool:
        return self.seconds > self.planned_seconds

    @property
    def end(self) -> float:
        return self.start + self.seconds


@dataclass(frozen=True)
class Session:
    """One simulated Strange Situation."""

    settings: InfantSettings
    episodes: tuple[EpisodeResult, ...]

    @property
    def total_seconds(self) -> float:
        return self.episodes[-1].end

    def episode(self, number: int) -> EpisodeResult:
        return self.episodes[number - 1]

    def rating(self, number: int, scale: str) -> int:
        """A reunion rating, e.g. ``rating(8, "avoidance")``."""
        scales = self.episode(number).scales
        if scales is None:
            raise ValueError(f"episode {number} is not a reunion; ratings exist for 5 and 8")
        return scales[scale]


def _blend(typical: dict[str, float], settings: InfantSettings, key) -> float:
    value = key(typical[settings.pattern])
    if settings.lean_towards is not None:
        value += settings.lean * (key(typical[settings.lean_towards]) - value)
    return value


def episode_seconds(step: EpisodeStep, distress: float, adapt: bool) -> float:
    """How long an episode runs: separations end a minute into hard crying; a distressed
    infant gets a longer first reunion. Without ``adapt`` every episode runs as planned."""
    if adapt and step.rule == "shortened" and distress >= CURTAIL_LEVEL:
        crying_from = RISE_SECONDS * CURTAIL_LEVEL / distress
        return min(step.seconds, round(crying_from + HARD_CRYING_SECONDS))
    if adapt and step.rule == "prolonged" and distress >= PROLONG_LEVEL:
        extra = MAX_EXTRA_SECONDS * (distress - PROLONG_LEVEL) / (1 - PROLONG_LEVEL)
        return step.seconds + round(extra / 10) * 10
    return step.seconds


def simulate(settings: InfantSettings) -> Session:
    """Run one simulated infant through the eight episodes; the same settings, the same run."""
    rng = np.random.default_rng(settings.seed)
    spread = settings.variation
    episodes, start = [], 0.0
    disorg = _blend(DISORGANIZATION, settings, lambda v: v)
    for step in episode_plan():
        i = step.number - 1
        distress = _blend(DISTRESS, settings, lambda v, i=i: v[i])
        explore = _blend(EXPLORATION, settings, lambda v, i=i: v[i])
        distress = float(np.clip(distress + spread * LEVEL_SPREAD * rng.normal(), 0, 1))
        explore = float(np.clip(explore + spread * LEVEL_SPREAD * rng.normal(), 0, 1))
        scales, disorganized = None, False
        if step.number in REUNIONS:
            r = REUNIONS.index(step.number)
            scales = {}
            for scale in SCALES:
                typical = _blend(REUNION_SCALES, settings, lambda v, s=scale, r=r: v[s][r])
                noisy = typical + spread * SCALE_SPREAD * rng.normal()
                scales[scale] = int(np.clip(math.floor(noisy + 0.5), SCALE_MIN, SCALE_MAX))
            disorganized = disorg + spread * LEVEL_SPREAD * rng.normal() > DISORGANIZED_SHOWN
        seconds = episode_seconds(step, distress, settings.adapt_lengths)
        episodes.append(
            EpisodeResult(
                step.number,
                step.in_room,
                step.seconds,
                float(seconds),
                start,
                round(distress, 3),
                round(explore, 3),
                scales,
                disorganized,
            )
        )
        start += seconds
    return Session(settings, tuple(episodes))


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} minute{'' if abs(seconds - 60) < 1 else 's'}"


def describe(session: Session) -> str:
    """A plain reading of one simulated run: timing, separations, and the reunions."""
    s = session.settings
    sep = max(session.episode(n).distress for n in SEPARATIONS)
    e5, e8 = session.episode(5), session.episode(8)
    scales = e8.scales or {}
    text = (
        f"A simulated pattern-{s.pattern} ({PATTERN_NAMES[s.pattern]}) infant. "
        f"Distress peaked at {sep:.2f} of 1 during the separations; exploration was "
        f"{session.episode(2).exploration:.2f} of 1 with the caregiver in episode 2. "
        f"On the second reunion: proximity seeking {scales['proximity seeking']}, contact "
        f"maintaining {scales['contact maintaining']}, resistance {scales['resistance']}, "
        f"avoidance {scales['avoidance']} (each out of 7)."
    )
    if e5.disorganized or e8.disorganized:
        text += " Disorganized behaviour appeared on a reunion."
    cut = [e for e in session.episodes if e.shortened]
    for e in cut:
        text += (
            f" Episode {e.number} was cut short after {_minutes(e.seconds)} because the infant "
            "was very distressed."
        )
    if e5.prolonged:
        text += (
            f" The first reunion ran {_minutes(e5.seconds - e5.planned_seconds)} longer so the "
            "caregiver could comfort the infant."
        )
    text += f" The whole procedure took {_minutes(session.total_seconds)}."
    return text


# --- Published distributions ---------------------------------------------------------


@dataclass(frozen=True)
class Distribution:
    """One published A/B/C(/D) classification distribution, in per cent."""

    label: str
    group: str
    n: int | None
    studies: int | None
    shares: dict[str, float | None]  # A, B, C, D; D is None where D was not coded
    source: str

    def share(self, letter: str) -> float:
        return self.shares[letter] or 0.0


def _optional_int(text: str) -> int | None:
    return int(text) if text.strip() else None


@lru_cache(maxsize=1)
def load_distributions() -> tuple[Distribution, ...]:
    """Published distributions from data/strange_situation/distributions.csv, checked."""
    table = load_table(
        "strange_situation/distributions.csv",
        {"label", "group", "n", "studies", *PATTERNS, "source"},
    )
    rows = []
    for row in table.rows:
        try:
            shares = {k: (float(row[k]) if row[k].strip() else None) for k in PATTERNS}
            dist = Distribution(
                row["label"],
                row["group"],
                _optional_int(row["n"]),
                _optional_int(row["studies"]),
                shares,
                row["source"],
            )
        except ValueError as err:
            raise DataError(f"{table.path}: bad row {row['label']!r} ({err})") from None
        total = sum(v for v in shares.values() if v is not None)
        if abs(total - 100) > 0.5:
            raise DataError(f"{table.path}: {dist.label!r} sums to {total}%, not 100%")
        rows.append(dist)
    return tuple(rows)


# --- The coder exercise --------------------------------------------------------------

NAMES = (
    ("Amara", "she"),
    ("Leo", "he"),
    ("Mei", "she"),
    ("Tomasz", "he"),
    ("Nia", "she"),
    ("Omar", "he"),
    ("Sofia", "she"),
    ("Kai", "he"),
    ("Priya", "she"),
    ("Jonah", "he"),
    ("Zara", "she"),
    ("Mateo", "he"),
    ("Aiko", "she"),
    ("Kwame", "he"),
    ("Lina", "she"),
    ("Yusuf", "he"),
)
CAREGIVERS = ("mother", "father")


@dataclass(frozen=True)
class Case:
    """A generated infant for the learner to classify."""

    seed: int
    pattern: str
    neighbour: str | None  # the pattern a close call leans toward, else None
    name: str
    pronoun: str
    caregiver: str
    age_months: int
    session: Session
    vignette: tuple[tuple[int, str], ...]  # (episode, what the infant did)

    @property
    def ambiguous(self) -> bool:
        return self.neighbour is not None


def make_case(seed: int) -> Case:
    """A seeded infant: a pattern, sometimes a close call, a vignette and ratings."""
    _check_seed("seed", seed)
    rng = np.random.default_rng(seed)
    pattern = PATTERNS[int(rng.integers(len(PATTERNS)))]
    neighbour, lean = None, 0.0
    if rng.random() < AMBIGUOUS_SHARE:
        options = NEIGHBOURS[pattern]
        neighbour = options[int(rng.integers(len(options)))]
        lean = float(rng.uniform(0.35, 0.45))
    name, pronoun = NAMES[int(rng.integers(len(NAMES)))]
    caregiver = CAREGIVERS[int(rng.integers(len(CAREGIVERS)))]
    age = int(rng.integers(12, 19))
    settings = InfantSettings(pattern, int(rng.integers(2**31)), True, 0.8, neighbour, lean)
    session = simulate(settings)
    vignette = _vignette(session, name, pronoun, caregiver)
    return Case(seed, pattern, neighbour, name, pronoun, caregiver, age, session, vignette)


def _level(x: float, phrases: tuple[tuple[float, str], ...]) -> str:
    for floor, phrase in phrases:
        if x >= floor:
            return phrase
    return phrases[-1][1]


def _distress_words(d: float) -> str:
    return _level(
        d,
        (
            (0.8, "cries hard"),
            (0.55, "cries"),
            (0.3, "fusses and whimpers"),
            (0.15, "looks sober but does not cry"),
            (0.0, "shows no sign of distress"),
        ),
    )


def _explore_words(x: float, cg: str) -> str:
    return _level(
        x,
        (
            (0.65, "plays busily with the toys"),
            (0.4, f"plays with the toys, looking up at {cg} now and then"),
            (0.15, "handles a toy briefly but mostly watches"),
            (0.0, "hardly plays at all"),
        ),
    )


def _reunion_words(e: EpisodeResult, name: str, pn: str, cg: str) -> str:
    s = e.scales or {}
    ps, cm, rs, av = (s[k] for k in SCALES)
    pn2 = "her" if cg.endswith("mother") else "him"
    parts = [
        _level(
            ps,
            (
                (6, f"{name} goes straight to {pn2} and reaches up to be held"),
                (4, f"{name} moves toward {pn2}"),
                (2, f"{name} looks at {pn2} but stays put"),
                (1, f"{name} does not approach {pn2}"),
            ),
        )
    ]
    if cm >= 5:
        parts.append(f"{pn} clings and protests when put down")
    elif cm >= 3:
        parts.append(f"{pn} holds on for a little while once picked up")
    if rs >= 5:
        parts.append(f"{pn} pushes {cg} away and squirms to get down, still crying")
    elif rs >= 3:
        parts.append(f"{pn} squirms a little and pushes away a toy {cg} offers")
    if av >= 5:
        parts.append(f"{pn} turns away and busies {'her' if pn == 'she' else 'him'}self with a toy")
    elif av >= 3:
        parts.append(f"{pn} looks away from {cg} several times")
    if e.disorganized:
        parts.append(
            f"midway through an approach {pn} stops and freezes for several seconds, "
            "with a dazed expression"
        )
    if e.distress < 0.35 and e.exploration >= 0.35 and av < 5:
        parts.append(f"soon {pn} goes back to play")
    elif e.distress >= 0.6:
        parts.append(f"{pn} is still upset a minute later")
    return f"When {cg} comes back, " + "; ".join(parts) + "."


def _vignette(
    session: Session, name: str, pronoun: str, caregiver: str
) -> tuple[tuple[int, str], ...]:
    cg = f"{'her' if pronoun == 'she' else 'his'} {caregiver}"
    e = session.episode

    def separation(number: int, opening: str, with_play: bool = True) -> tuple[int, str]:
        ep = e(number)
        text = f"{opening}, {name} {_distress_words(ep.distress)}"
        text += f" and {_explore_words(ep.exploration, cg)}." if with_play else "."
        if ep.shortened:
            text += f" The researchers end the episode early, after {_minutes(ep.seconds)}."
        return number, text

    return (
        (2, f"With {cg} sitting quietly, {name} {_explore_words(e(2).exploration, cg)}."),
        (
            3,
            f"When the stranger comes in, {name} {_distress_words(e(3).distress)} and "
            f"{_explore_words(e(3).exploration, cg)}.",
        ),
        separation(4, f"When {cg} leaves"),
        (5, _reunion_words(e(5), name, pronoun, cg)),
        separation(6, "Left alone", with_play=False),
        separation(7, "When the stranger comes back"),
        (8, _reunion_words(e(8), name, pronoun, cg)),
    )


def evidence(session: Session) -> dict[str, list[str]]:
    """Which observed behaviours point to which pattern, in words, for feedback."""
    r5, r8 = session.episode(5).scales or {}, session.episode(8).scales or {}
    peak = {k: max(r5[k], r8[k]) for k in SCALES}
    sep = max(session.episode(n).distress for n in SEPARATIONS)
    play = session.episode(2).exploration
    out: dict[str, list[str]] = {p: [] for p in PATTERNS}
    if peak["avoidance"] >= 5:
        out["A"].append(f"avoidance on reunion rated up to {peak['avoidance']} of 7")
    if peak["proximity seeking"] <= 3:
        most = peak["proximity seeking"]
        out["A"].append(f"little proximity seeking on reunion (at most {most} of 7)")
    if sep < 0.4:
        out["A"].append("little distress when the caregiver left")
    if peak["proximity seeking"] >= 5 and peak["resistance"] <= 2 and peak["avoidance"] <= 2:
        out["B"].append(
            f"strong proximity seeking (up to {peak['proximity seeking']}) with little "
            "resistance or avoidance"
        )
    if session.episode(8).distress < 0.45 and session.episode(7).distress >= 0.5:
        out["B"].append("comforted by the caregiver's return, then settled")
    if play >= 0.5 and sep >= 0.4:
        out["B"].append("explored with the caregiver present and was upset by the separations")
    if peak["resistance"] >= 4:
        out["C"].append(f"resistance on reunion rated up to {peak['resistance']} of 7")
    if peak["contact maintaining"] >= 5 and peak["resistance"] >= 4:
        out["C"].append("clung and pushed away in the same reunion")
    if play < 0.35:
        out["C"].append("explored little even with the caregiver present")
    if session.episode(8).distress >= 0.6:
        out["C"].append("still upset well into the second reunion")
    if session.episode(5).disorganized or session.episode(8).disorganized:
        out["D"].append("froze mid-approach with a dazed expression (a disorganized behaviour)")
    return out


@dataclass(frozen=True)
class Tally:
    rounds: int = 0
    right: int = 0
    close: int = 0  # the other defensible answer on a close call

    def summary(self) -> str:
        if not self.rounds:
            return "No infants classified yet."
        other = self.rounds - self.right - self.close
        return (
            f"{self.rounds} infant{'s' if self.rounds != 1 else ''} classified: {self.right} as "
            f"generated, {self.close} defensible on a close call, {other} different."
        )


@dataclass(frozen=True)
class CoderFeedback:
    verdict: str  # "right", "close" or "different"
    message: str
    tally: Tally


class StrangeSituationCoder:
    """The coder exercise as a small state machine: deal a case, classify it, repeat.

    States: no case yet → case open (``new_case``) → case classified (``classify``) →
    ``new_case`` again. It has no UI, so it is tested directly; ``CoderView`` draws it.
    """

    def __init__(self, first_seed: int = 1):
        _check_seed("first_seed", first_seed)
        self._next_seed = first_seed
        self.case: Case | None = None
        self.answered = False
        self.tally = Tally()

    def new_case(self, seed: int | None = None) -> Case:
        """Deal the next infant, or the infant with this seed."""
        if seed is None:
            seed, self._next_seed = self._next_seed, (self._next_seed + 1) % 2**32
        self.case = make_case(seed)
        self.answered = False
        return self.case

    def classify(self, letter: str) -> CoderFeedback:
        """Score the learner's letter for the open case and explain the evidence."""
        if self.case is None:
            raise ValueError("there is no infant to classify yet: deal one with new_case()")
        if self.answered:
            raise ValueError("this infant is already classified: deal a new one")
        choice = _check_pattern("letter", letter)
        case = self.case
        if choice == case.pattern:
            verdict = "right"
        elif case.ambiguous and choice == case.neighbour:
            verdict = "close"
        else:
            verdict = "different"
        t = self.tally
        self.tally = Tally(
            t.rounds + 1, t.right + (verdict == "right"), t.close + (verdict == "close")
        )
        self.answered = True
        return CoderFeedback(verdict, _feedback(case, choice, verdict), self.tally)


def _feedback(case: Case, choice: str, verdict: str) -> str:
    ev = evidence(case.session)
    gen = f"{case.pattern} ({PATTERN_NAMES[case.pattern]})"
    lead = {
        "right": f"Yes: {case.name} was generated as {gen}.",
        "close": (
            f"A defensible call on a close case: {case.name} was generated as {gen}, leaning "
            f"toward {case.neighbour}."
        ),
        "different": f"{case.name} was generated as {gen}; you chose {choice}.",
    }[verdict]
    parts = [lead]
    if ev[case.pattern]:
        parts.append(f"What points to {case.pattern}: {'; '.join(ev[case.pattern])}.")
    if choice != case.pattern and ev[choice]:
        parts.append(f"What could point to {choice}: {'; '.join(ev[choice])}.")
    elif choice != case.pattern:
        parts.append(f"Little in this record points to {choice}.")
    if case.ambiguous:
        parts.append(
            f"This case is deliberately ambiguous: its profile sits part of the way toward "
            f"{case.neighbour}, and trained coders would discuss it, look again at the tape, "
            "and might still disagree."
        )
    parts.append("Remember that a simulated record is not a real child.")
    return " ".join(parts)


# --- Views ---------------------------------------------------------------------------

PERSON_COLOURS = {
    "caregiver": theme.PALETTE["blue"],
    "stranger": theme.PALETTE["orange"],
    "infant": theme.PALETTE["bluish_green"],
    "observer": "#777777",
}
PATTERN_COLOURS = {
    "A": theme.PALETTE["orange"],
    "B": theme.PALETTE["blue"],
    "C": theme.PALETTE["reddish_purple"],
    "D": "#444444",
}
_CSS = """
<style>
.course-coder .course-vignette ul { margin: .2em 0 .4em 1.2em; padding: 0; line-height: 1.5; }
.course-coder .course-vignette li { margin: .15em 0; }
.course-coder .widget-button { height: auto; min-height: 2.4em; white-space: normal; }
.course-coder .course-choices { gap: .4em; }
.course-samples .course-table { overflow-x: auto; max-width: 100%; }
.course-samples table { border-collapse: collapse; font-size: .92em; margin: .4em 0;
  line-height: 1.35; }
.course-samples th, .course-samples td { border-bottom: 1px solid #ddd; padding: .25em .5em;
  text-align: left; vertical-align: top; white-space: nowrap; }
</style>
"""


def _style() -> w.HTML:
    return w.HTML(_CSS, layout=w.Layout(display="none"))


def _add_reunion_bars(fig: go.Figure, row: int | None = None) -> None:
    kw = {"row": row, "col": 1} if row else {}
    for number, shape in zip(REUNIONS, ("", "/"), strict=True):
        fig.add_bar(
            name=f"reunion {REUNIONS.index(number) + 1} (episode {number})",
            x=[s.replace(" ", "<br>") for s in SCALES],
            marker=dict(
                color=theme.PALETTE["blue"] if number == 5 else theme.PALETTE["sky_blue"],
                pattern_shape=shape,
                line=dict(color="#333333", width=1),
            ),
            offsetgroup=f"episode {number}",
            texttemplate="%{y}",
            textposition="outside",
            hovertemplate=f"episode {number}: %{{y}} of 7<extra></extra>",
            **kw,
        )


def _fill_reunion_bars(fig: go.Figure, session: Session, first: int) -> None:
    for trace, number in zip(fig.data[first : first + 2], REUNIONS, strict=True):
        trace.y = [session.rating(number, s) for s in SCALES]


def _episode_figure() -> go.Figure:
    fig = make_subplots(
        rows=3,
        cols=1,
        vertical_spacing=0.14,
        row_heights=[0.3, 0.35, 0.35],
        subplot_titles=(
            "Who is in the room (bars: episodes)",
            "Distress and exploration, 0 to 1",
            "Reunion ratings, 1 to 7",
        ),
    )
    for person in PEOPLE:
        fig.add_bar(
            name=person,
            orientation="h",
            row=1,
            col=1,
            marker=dict(color=PERSON_COLOURS[person], line=dict(color="white", width=1)),
            textposition="inside",
            textangle=0,
            insidetextanchor="middle",
            showlegend=False,
            offsetgroup="presence",
            hovertemplate=person + ": episode %{text}, %{x:.1f} min<extra></extra>",
        )
    fig.add_scatter(
        name="distress",
        row=2,
        col=1,
        mode="lines",
        line=dict(color=theme.PALETTE["vermillion"], width=3, shape="hv"),
        hovertemplate="distress %{y:.2f}<extra></extra>",
    )
    fig.add_scatter(
        name="exploration",
        row=2,
        col=1,
        mode="lines",
        line=dict(color=theme.PALETTE["bluish_green"], width=3, dash="dash", shape="hv"),
        hovertemplate="exploration %{y:.2f}<extra></extra>",
    )
    _add_reunion_bars(fig, row=3)
    fig.update_layout(
        template="course",
        barmode="group",
        height=760,
        title=dict(
            text="Simulated Strange Situation", subtitle=dict(text="A teaching model, not data")
        ),
        legend=dict(orientation="h", y=-0.09, yanchor="top", x=0),
        margin=dict(t=100, b=110, l=90, r=20),
    )
    fig.update_xaxes(title_text="minutes from the start", title_standoff=4, row=2, col=1)
    fig.update_yaxes(range=[0, 1.05], row=2, col=1)
    fig.update_yaxes(range=[0, 8], row=3, col=1, title_text="rating")
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.layout.xaxis3.update(type="category", tickangle=0, tickfont=dict(size=11))
    return fig


def _fill_episodes(fig: go.Figure, session: Session) -> None:
    """Put a session into the episode figure."""
    for trace, person in zip(fig.data[:4], PEOPLE, strict=True):
        eps = [e for e in session.episodes if person in e.in_room]
        trace.y = [person] * len(eps)
        trace.base = [round(e.start / 60, 3) for e in eps]
        trace.x = [round(e.seconds / 60, 3) for e in eps]
        trace.text = [str(e.number) for e in eps]
    xs, distress, explore = [], [], []
    for e in session.episodes:
        xs += [round(e.start / 60, 3)]
        distress += [e.distress]
        explore += [e.exploration]
    xs.append(round(session.total_seconds / 60, 3))
    distress.append(distress[-1])
    explore.append(explore[-1])
    fig.data[4].x, fig.data[4].y = xs, distress
    fig.data[5].x, fig.data[5].y = xs, explore
    _fill_reunion_bars(fig, session, 6)
    top = round(session.total_seconds / 60 + 0.3, 2)
    fig.layout.xaxis.range = [0, top]
    fig.layout.xaxis2.range = [0, top]


class EpisodesView(Previewed, w.VBox):
    """Pattern and infant controls on top; the timeline, levels and ratings; a reading."""

    def __init__(self, settings: InfantSettings | None = None):
        st = settings or InfantSettings()
        self.pattern = w.ToggleButtons(
            options=[(f"{p} · {PATTERN_NAMES[p]}", p) for p in PATTERNS],
            value=st.pattern,
            description="Pattern",
            tooltips=[f"Simulate a pattern-{p} infant" for p in PATTERNS],
            style={"description_width": "5em", "button_width": "auto"},
        )
        self.seed = theme.slider(
            "Simulated infant number",
            st.seed,
            0,
            40,
            1,
            fmt=".0f",
            hint="Each number is a different simulated infant of the same pattern",
        )
        self.adapt = theme.toggle(
            "Adapt episode lengths",
            st.adapt_lengths,
            hint="Cut separations short for a very distressed infant; lengthen reunion 1",
        )
        self.reading = w.HTML()
        self.reading.add_class("course-reading")
        session = simulate(self.settings())
        figure = _episode_figure()
        _fill_episodes(figure, session)
        self.figure = LiveFigure(figure, label="Simulated Strange Situation")
        for c in (self.pattern, self.seed, self.adapt):
            c.observe(self._redraw, "value")
        super().__init__(
            [self.pattern, self.seed, self.adapt, self.figure, self.reading],
            layout=w.Layout(width="100%"),
        )
        self.add_class("course-simulation")
        self._show_reading(session)

    def settings(self) -> InfantSettings:
        return InfantSettings(self.pattern.value, int(self.seed.value), bool(self.adapt.value))

    def _redraw(self, _change=None) -> None:
        session = simulate(self.settings())
        with self.figure.batch_update():
            _fill_episodes(self.figure.figure, session)
        self._show_reading(session)

    def _show_reading(self, session: Session) -> None:
        self.reading.value = f"<p><strong>What happened:</strong> {escape(describe(session))}</p>"


def _scales_figure() -> go.Figure:
    fig = go.Figure()
    _add_reunion_bars(fig)
    fig.update_layout(
        template="course",
        barmode="group",
        height=360,
        title=dict(text="Reunion ratings, 1 to 7", subtitle=dict(text="Simulated infant")),
        yaxis=dict(range=[0, 8], title_text="rating"),
        xaxis=dict(type="category", tickangle=0, tickfont=dict(size=11)),
        legend=dict(orientation="h", y=-0.3, yanchor="top", x=0),
        margin=dict(t=80, b=110, l=60, r=20),
    )
    return fig


class CoderView(Previewed, w.VBox):
    """A vignette, its ratings, four classification buttons, feedback and a tally."""

    def __init__(self, coder: StrangeSituationCoder | None = None):
        self.coder = coder or StrangeSituationCoder()
        case = self.coder.new_case()
        text = theme.shared_text()
        button = theme.shared(w.ButtonStyle(), width="auto")
        self.heading = w.HTML(**text)
        self.vignette = w.HTML(**text)
        self.vignette.add_class("course-vignette")
        figure = _scales_figure()
        _fill_reunion_bars(figure, case.session, 0)
        self.figure = LiveFigure(figure, label="Reunion ratings, 1 to 7")
        self.buttons = []
        for p in PATTERNS:
            b = w.Button(
                description=f"{p}: {PATTERN_NAMES[p]}",
                tooltip=f"Classify this infant as {p}, {PATTERN_NAMES[p]}",
                **button,
            )
            b.on_click(lambda _b, p=p: self.classify(p))
            self.buttons.append(b)
        self.next_button = w.Button(
            description="Next infant",
            tooltip="Deal a new simulated infant",
            button_style="info",
            **button,
        )
        self.next_button.on_click(lambda _b: self.next_case())
        self.feedback = w.HTML(**text)
        self.feedback.add_class("course-reading")
        self.tally = w.HTML(f"<p>{escape(self.coder.tally.summary())}</p>", **text)
        self.tally.add_class("course-score")
        choices = w.HBox(self.buttons, layout=w.Layout(flex_flow="row wrap"))
        choices.add_class("course-choices")
        super().__init__(
            [
                _style(),
                self.heading,
                self.vignette,
                self.figure,
                w.HTML("<p><strong>Your classification:</strong></p>", **text),
                choices,
                self.feedback,
                self.next_button,
                self.tally,
            ],
            layout=w.Layout(width="100%"),
        )
        self.add_class("course-simulation")
        self.add_class("course-coder")
        self._show_case(case)

    def _show_case(self, case: Case) -> None:
        self.heading.value = (
            f"<p><strong>Infant {self.coder.tally.rounds + 1}: {escape(case.name)}, "
            f"{case.age_months} months, with {'her' if case.pronoun == 'she' else 'his'} "
            f"{escape(case.caregiver)}</strong> (simulated)</p>"
        )
        items = "".join(
            f"<li><strong>Episode {n}.</strong> {escape(text)}</li>" for n, text in case.vignette
        )
        self.vignette.value = f"<ul>{items}</ul>"
        for b in self.buttons:
            b.disabled = False
        self.next_button.disabled = True
        self.feedback.value = ""

    def classify(self, letter: str) -> CoderFeedback:
        fb = self.coder.classify(letter)
        mark = {"right": "✓", "close": "≈", "different": "✗"}[fb.verdict]
        kind = "right" if fb.verdict != "different" else "wrong"
        self.feedback.value = (
            f"<p class='course-feedback-{kind}'><span aria-hidden='true'>{mark}</span> "
            f"{escape(fb.message)}</p>"
        )
        self.tally.value = f"<p>{escape(fb.tally.summary())}</p>"
        for b in self.buttons:
            b.disabled = True
        self.next_button.disabled = False
        return fb

    def next_case(self) -> Case:
        case = self.coder.new_case()
        with self.figure.batch_update():
            _fill_reunion_bars(self.figure.figure, case.session, 0)
        self._show_case(case)
        return case


ORDERS = {
    "as listed (by source)": None,
    "share secure (B)": "B",
    "share avoidant (A)": "A",
    "share resistant (C)": "C",
}


def order_rows(rows: tuple[Distribution, ...], order: str, with_d: bool) -> list[Distribution]:
    """The rows to draw, top to bottom, for a sort choice; the D row is optional."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {list(ORDERS)}, got {order!r}")
    chosen = [r for r in rows if with_d or r.shares["D"] is None]
    key = ORDERS[order]
    if key is not None:
        chosen.sort(key=lambda r: -r.share(key))
    return chosen


def _row_label(r: Distribution) -> str:
    size = f"N = {r.n:,}" if r.n else "N not shown"
    return f"{r.label}<br><sub>{size}</sub>"


def _samples_figure() -> go.Figure:
    fig = go.Figure()
    for p in PATTERNS:
        fig.add_bar(
            name=f"{p}: {PATTERN_NAMES[p]}",
            orientation="h",
            marker=dict(color=PATTERN_COLOURS[p], line=dict(color="white", width=1)),
            texttemplate=p + " %{x:.0f}%",
            textposition="inside",
            textangle=0,
            insidetextanchor="middle",
            hovertemplate=p + ": %{x}%<extra></extra>",
        )
    fig.update_layout(
        template="course",
        barmode="stack",
        height=520,
        title=dict(
            text="Classifications across samples",
            subtitle=dict(text="Per cent of infants in each pattern (published data)"),
        ),
        xaxis=dict(range=[0, 100], title_text="per cent of infants", ticksuffix="%"),
        yaxis=dict(autorange="reversed", automargin=True),
        # below the axis title, not on it
        legend=dict(orientation="h", y=-0.32, yanchor="top", x=0, traceorder="normal"),
        uniformtext=dict(minsize=9, mode="hide"),
        # l: the samples' names (else plotly widens it in a second drawing pass);
        # r: room for the "100%" tick on a phone
        margin=dict(t=90, b=170, l=180, r=32),
    )
    return fig


def _fill_samples(fig: go.Figure, rows: list[Distribution]) -> None:
    labels = [_row_label(r) for r in rows]
    for trace, p in zip(fig.data, PATTERNS, strict=True):
        trace.y = labels
        trace.x = [r.shares[p] if r.shares[p] is not None else 0 for r in rows]


def describe_samples(rows: list[Distribution]) -> str:
    """A plain reading of the rows shown."""
    secure = sorted(rows, key=lambda r: r.share("B"))
    most_a = max(rows, key=lambda r: r.share("A"))
    most_c = max(rows, key=lambda r: r.share("C"))
    text = (
        f"Secure (B) is the largest group in every row shown: lowest in {secure[0].label}, "
        f"at {secure[0].share('B'):g}%, highest in {secure[-1].label}, at "
        f"{secure[-1].share('B'):g}%. Avoidant (A) is most common in {most_a.label}, at "
        f"{most_a.share('A'):g}%; resistant (C) in {most_c.label}, at {most_c.share('C'):g}%."
    )
    with_d = [r for r in rows if r.shares["D"] is not None]
    if with_d:
        d = with_d[0]
        text += (
            f" The {d.group} estimate also codes D: {d.share('D'):g}% of {d.n:,} infants, "
            "including samples of families facing serious risks."
        )
    return text


def _source_table(rows: tuple[Distribution, ...]) -> str:
    columns = ("Sample", "N", "Studies", "A", "B", "C", "D", "Source")
    head = "".join(f"<th scope='col'>{h}</th>" for h in columns)
    body = ""
    for r in rows:
        cells = [
            r.label,
            f"{r.n:,}" if r.n else "not shown",
            str(r.studies) if r.studies else "not shown",
            *(f"{r.shares[p]:g}%" if r.shares[p] is not None else "not coded" for p in PATTERNS),
            r.source,
        ]
        body += "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>"
    return (
        "<div class='course-table'><table>"
        "<caption>The numbers in the chart and where they come from</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


class AcrossSamplesView(Previewed, w.VBox):
    """Published distributions as stacked bars, a sort control, and their source table."""

    def __init__(self):
        self.rows = load_distributions()
        self.order = w.Dropdown(
            options=list(ORDERS),
            value="as listed (by source)",
            description="Order rows by",
            style={"description_width": "initial"},
            layout=w.Layout(width="min(100%, 24em)"),
        )
        self.with_d = theme.toggle("Include the 2023 global estimate (with D)", True)
        text = theme.shared_text()
        self.reading = w.HTML(**text)
        self.reading.add_class("course-reading")
        shown = order_rows(self.rows, self.order.value, self.with_d.value)
        figure = _samples_figure()
        _fill_samples(figure, shown)
        self.figure = LiveFigure(figure, label="Classifications across samples")
        self.table = w.HTML(_source_table(self.rows), **text)
        for c in (self.order, self.with_d):
            c.observe(self._redraw, "value")
        super().__init__(
            [_style(), self.order, self.with_d, self.figure, self.reading, self.table],
            layout=w.Layout(width="100%"),
        )
        self.add_class("course-simulation")
        self.add_class("course-samples")
        self._show_reading(shown)

    def _redraw(self, _change=None) -> None:
        shown = order_rows(self.rows, self.order.value, self.with_d.value)
        with self.figure.batch_update():
            _fill_samples(self.figure.figure, shown)
        self._show_reading(shown)

    def _show_reading(self, rows: list[Distribution]) -> None:
        text = escape(describe_samples(rows))
        self.reading.value = f"<p><strong>Reading the chart:</strong> {text}</p>"


def episodes() -> EpisodesView:
    """The eight-episode timeline for lesson 2, starting with a secure (B) infant."""
    return EpisodesView()


def coder() -> CoderView:
    """The 'you are the coder' exercise for lesson 2."""
    return CoderView()


def across_samples() -> AcrossSamplesView:
    """Published classification distributions for lesson 2."""
    return AcrossSamplesView()
