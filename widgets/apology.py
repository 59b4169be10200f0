"""Build an apology: feedback on its parts, as a pure function of the text.

The parts follow Harriet Lerner's practitioner guidance (Lerner, 2017): take clear
responsibility, leave out the "but" (and the "if", and the blame), offer amends, and back the
words with changed behaviour. Lewicki, Polin and Lount (2016) found in two experiments that
acknowledging responsibility and offering repair were the components that mattered most.
The cue phrases in data/repair/apology_cues.csv are the course's own, English only, and far
from complete: the feedback is a prompt to look again, not a judgement of anyone's apology.

``analyse`` is pure (text in, parts found with the matched phrases out) and handles any
text: empty, very long, any language, emoji, HTML. ``feedback_html`` escapes everything it
shows. ``ApologyBuilder`` is the view and ``builder()`` the one call the lesson makes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape

import ipywidgets as w

from widgets import theme
from widgets.data import load_table
from widgets.preview import Previewed

MAX_CHARS = 5000  # only this much of a text is read: an apology is short, a paste may not be
LONG_WORDS = 120  # past this, the feedback suggests a shorter apology
CONTEXT = 30  # characters of context shown either side of a matched phrase
MAX_SHOWN = 3  # matched phrases shown per part
MAX_KEPT = 20  # matched phrases kept per part (a pasted essay can hold hundreds)

PARTS = ("regret", "responsibility", "excuse", "amends", "change")
PART_NAMES = {
    "regret": "Says sorry",
    "responsibility": "Takes clear responsibility",
    "excuse": "\u201cBut\u201d, \u201cif\u201d or blame",
    "amends": "Offers amends",
    "change": "Promises a change in behaviour",
}
ADVICE = {
    "regret": (
        "Saying the words matters, but on their own they are the smallest part of an apology."
    ),
    "responsibility": (
        "Name what you did, in the first person: \u201cI interrupted you and talked over "
        "you.\u201d Lewicki and colleagues (2016) found this was the part that mattered most."
    ),
    "excuse": (
        "A \u201cbut\u201d usually cancels what came before it, \u201csorry if\u201d and "
        "\u201csorry you feel\u201d move the problem onto the other person, and blame turns "
        "an apology into a counter-charge (Lerner, 2017). An explanation can come later, "
        "once the hurt has been heard."
    ),
    "amends": (
        "Offer to put right what can be put right, or ask: \u201cIs there anything I can do?\u201d"
    ),
    "change": (
        "Say what you will do differently, then do it: words without changed behaviour "
        "wear out (Lerner, 2017)."
    ),
}

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'"})


@lru_cache(maxsize=1)
def cues() -> dict[str, tuple[re.Pattern, ...]]:
    """The cue phrases for each part, compiled from data/repair/apology_cues.csv."""
    table = load_table("repair/apology_cues.csv", {"part", "pattern"})
    found: dict[str, list[re.Pattern]] = {p: [] for p in PARTS}
    for row in table.rows:
        if row["part"] not in found:
            raise ValueError(f"{table.path}: unknown part {row['part']!r}")
        found[row["part"]].append(re.compile(row["pattern"], re.IGNORECASE))
    return {p: tuple(v) for p, v in found.items()}


@dataclass(frozen=True)
class Match:
    phrase: str  # the words that matched, as written
    context: str  # the matched words with a little of the text around them


@dataclass(frozen=True)
class ApologyFeedback:
    """What the text contains, part by part, with the phrases that were matched."""

    found: dict[str, tuple[Match, ...]]
    words: int
    truncated: bool  # True when only the first MAX_CHARS characters were read
    latin_letters: bool  # False when most letters are from another script

    def has(self, part: str) -> bool:
        return bool(self.found[part])

    @property
    def empty(self) -> bool:
        return self.words == 0

    @property
    def core_parts(self) -> int:
        """How many of the lesson's four parts are in place (the excuse counts when absent)."""
        return sum(
            (
                self.has("responsibility"),
                not self.has("excuse"),
                self.has("amends"),
                self.has("change"),
            )
        )


def _sendable(text: str) -> str:
    """Replace characters that cannot be sent to a browser (lone surrogates) with '?',
    one for one, so every other character keeps its place."""
    return text.encode("utf-8", "replace").decode("utf-8")


def analyse(text: str) -> ApologyFeedback:
    """Find the parts of an apology in ``text``. Pure: the same text gives the same answer."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    truncated = len(text) > MAX_CHARS
    text = _sendable(text[:MAX_CHARS])
    searched = text.translate(_APOSTROPHES)  # same length: positions match ``text``
    found: dict[str, tuple[Match, ...]] = {}
    for part, patterns in cues().items():
        # every match of every cue, earliest first and longest first; overlaps are dropped
        spans = sorted(
            {(m.start(), -m.end()) for pattern in patterns for m in pattern.finditer(searched)}
        )
        kept: list[Match] = []
        last_end = -1
        for start, neg_end in spans:
            end = -neg_end
            if start < last_end:
                continue
            last_end = end
            lo, hi = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
            context = (
                ("\u2026" if lo else "")
                + " ".join(text[lo:hi].split())
                + ("\u2026" if hi < len(text) else "")
            )
            kept.append(Match(text[start:end], context))
            if len(kept) == MAX_KEPT:
                break
        found[part] = tuple(kept)
    letters = [c for c in text if c.isalpha()]
    latin = not letters or sum(c.isascii() for c in letters) >= 0.5 * len(letters)
    return ApologyFeedback(found, len(text.split()), truncated, latin)


def feedback_lines(fb: ApologyFeedback) -> list[tuple[str, str, str]]:
    """(part name, verdict word, explanation) for each part, in plain text."""
    lines = []
    for part in PARTS:
        matches = fb.found[part]
        shown = "; ".join(f"\u201c{m.context}\u201d" for m in matches[:MAX_SHOWN])
        if part == "excuse":
            verdict = "watch out" if matches else "none found"
            why = f"Found: {shown}. {ADVICE[part]}" if matches else "Good: nothing that undoes it."
        else:
            verdict = "found" if matches else "not found"
            why = f"Found: {shown}." if matches else ADVICE[part]
        lines.append((PART_NAMES[part], verdict, why))
    return lines


def feedback_html(fb: ApologyFeedback) -> str:
    """The feedback as HTML. Every piece of the learner's text is escaped."""
    if fb.empty:
        return (
            "<p>Write an apology in the box, or choose an example or build one, then press "
            "<strong>Give feedback</strong>.</p>"
        )
    items = []
    for name, verdict, why in feedback_lines(fb):
        good = verdict in ("found", "none found")
        mark = "\u2713" if good else "\u2717"
        items.append(
            f"<li><span aria-hidden='true'>{mark}</span> <strong>{escape(name)}: "
            f"{escape(verdict)}.</strong> {escape(why)}</li>"
        )
    nothing = not any(fb.found[p] for p in PARTS)
    notes = []
    if not nothing:
        notes.append(
            f"This apology has {fb.core_parts} of the four parts the lesson describes "
            "(clear responsibility, no \u201cbut\u201d or blame, amends, a change)."
        )
    if fb.truncated:
        notes.append(f"Only the first {MAX_CHARS:,} characters were read.")
    if fb.words > LONG_WORDS:
        notes.append(
            f"At {fb.words:,} words this is long. A good apology is usually short: long "
            "explanations tend to slide into excuses (Lerner, 2017)."
        )
    if nothing or not fb.latin_letters:
        notes.append(
            "The checker only knows some English phrases, so it may miss what you wrote, "
            "especially in another language. Read your apology against the four parts yourself."
        )
    notes.append(
        "Nothing you type here is saved: the text is only used to give this feedback while "
        "the page is open."
    )
    return (
        "<ul class='course-apology-parts'>"
        + "".join(items)
        + "</ul>"
        + "".join(f"<p>{escape(n)}</p>" for n in notes)
    )


EXAMPLES = {
    "A full apology": (
        "I'm sorry I snapped at you in front of your sister. I was wrong to make fun of your "
        "job. How can I make it right with her? Next time I feel wound up, I'll ask for a "
        "break instead of taking it out on you."
    ),
    "Sorry, but\u2026": "I'm sorry I was late, but the traffic was terrible and you know how "
    "busy work is.",
    "Sorry if\u2026": "I'm sorry if you were upset by what I said.",
    "Blame turned around": "Sorry, but you made me angry. If you hadn't started it, I wouldn't "
    "have said anything.",
    "Words without a plan": "I'm so sorry. I feel terrible about it.",
}

OPENINGS = (
    "I'm sorry.",
    "I'm sorry if you were hurt.",
    "Sorry, but I had a really long day.",
)
OWNING = (
    "I forgot your birthday dinner and left you waiting at the restaurant.",
    "Mistakes were made on both sides.",
    "It wasn't really my fault; my phone died.",
)
AMENDS = (
    "I'll book the table again for Saturday, my treat.",
    "Is there anything I can do to make it up to you?",
    "(nothing)",
)
CHANGES = (
    "From now on I'll put our plans in my calendar the day we make them.",
    "It won't happen again.",
    "(nothing)",
)


def assemble(*pieces: str) -> str:
    """Join chosen sentences into one apology, leaving out the '(nothing)' choices."""
    return " ".join(p for p in pieces if p and p != "(nothing)")


_CSS = """
<style>
.course-apology textarea { font-family: inherit; font-size: 16px; line-height: 1.5; }
.course-apology .widget-textarea { width: 100%; height: auto !important; flex-wrap: wrap; }
.course-apology .widget-textarea > .widget-label { width: 100% !important; text-align: left; }
.course-apology .widget-dropdown { flex-wrap: wrap; height: auto !important; }
.course-apology .widget-dropdown > .widget-label { white-space: normal; height: auto !important;
  width: 100% !important; max-width: 100%; text-align: left; line-height: 1.4; }
.course-apology .widget-dropdown > select { flex: 1 1 16em; max-width: 100%; }
.course-apology-parts { padding-left: 1.2em; }
.course-apology-parts li { margin: .35em 0; line-height: 1.5; }
</style>
"""


class ApologyBuilder(Previewed, w.VBox):
    """A text box, examples and a sentence builder; feedback on the parts below."""

    def __init__(self):
        self.text = w.Textarea(
            value="",
            placeholder="Write an apology here, in your own words.",
            description="Your apology",
            rows=5,
            layout=w.Layout(width="100%"),
            style={"description_width": "initial"},
        )
        choice, text = theme.shared_choice("min(100%, 44em)"), theme.shared_text()
        self.example = w.Dropdown(
            options=[("(choose an example)", "")] + [(k, k) for k in EXAMPLES],
            value="",
            description="Start from an example",
            **choice,
        )
        self.check = w.Button(
            description="Give feedback",
            button_style="primary",
            tooltip="Give feedback on the parts of this apology",
        )
        self.clear = w.Button(description="Clear", tooltip="Clear the text and the feedback")
        self.pieces = [
            w.Dropdown(
                options=opts,
                value=opts[0],
                description=label,
                **choice,
            )
            for label, opts in (
                ("1. Opening", OPENINGS),
                ("2. What I did", OWNING),
                ("3. Making amends", AMENDS),
                ("4. What will change", CHANGES),
            )
        ]
        self.put_together = w.Button(
            description="Put these together", tooltip="Write the chosen sentences into the box"
        )
        self.feedback = w.HTML(feedback_html(analyse("")), **text)
        self.feedback.add_class("course-reading")
        self.check.on_click(lambda _b: self.show_feedback())
        self.clear.on_click(lambda _b: self._clear())
        self.put_together.on_click(lambda _b: self._assemble())
        self.example.observe(self._load_example, "value")
        builder = w.VBox(
            [
                w.HTML(
                    "<p><strong>Or build one</strong> from the sentences below (some help, "
                    "some get in the way):</p>",
                    **text,
                ),
                *self.pieces,
                self.put_together,
            ]
        )
        super().__init__(
            [
                w.HTML(_CSS, layout=w.Layout(display="none")),
                self.example,
                self.text,
                w.HBox([self.check, self.clear]),
                self.feedback,
                builder,
            ],
            layout=w.Layout(width="100%"),
        )
        self.add_class("course-simulation")
        self.add_class("course-apology")

    def show_feedback(self) -> None:
        self.feedback.value = feedback_html(analyse(self.text.value))

    def _load_example(self, change) -> None:
        if change["new"]:
            self.text.value = EXAMPLES[change["new"]]
            self.show_feedback()

    def _assemble(self) -> None:
        self.text.value = assemble(*(p.value for p in self.pieces))
        self.show_feedback()

    def _clear(self) -> None:
        self.text.value = ""
        self.example.value = ""
        self.show_feedback()


def builder() -> ApologyBuilder:
    """The apology builder for lesson 5."""
    return ApologyBuilder()
