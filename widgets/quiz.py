"""Self-check quizzes: questions from data/questions/, feedback for every option.

``QuizState`` holds the logic (which option was chosen, what to say, the score) and is
tested without a browser; ``SelfCheck`` only draws it. The score counts each item's
*first* choice, so trying the other options afterwards, to read why they are wrong,
never changes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import ipywidgets as w
from ipywidgets.widgets.widget_description import DescriptionStyle

from widgets import theme
from widgets.data import Item, QuestionBank, load_question_bank
from widgets.preview import Previewed


@dataclass(frozen=True)
class Feedback:
    correct: bool
    message: str


class QuizState:
    """Answers given so far to one question bank."""

    def __init__(self, bank: QuestionBank):
        self.bank = bank
        self.first_choice: dict[int, int] = {}

    def answer(self, item_index: int, option_index: int) -> Feedback:
        """Record a choice and return the feedback written for that option."""
        if not 0 <= item_index < len(self.bank.items):
            raise ValueError(f"there is no question {item_index + 1} in this quiz")
        item = self.bank.items[item_index]
        if not 0 <= option_index < len(item.options):
            raise ValueError(f"question {item_index + 1} has no option {option_index + 1}")
        self.first_choice.setdefault(item_index, option_index)
        correct = option_index == item.answer
        lead = "Correct." if correct else "Not quite."
        return Feedback(correct, f"{lead} {item.options[option_index].feedback}")

    @property
    def answered(self) -> int:
        return len(self.first_choice)

    @property
    def score(self) -> int:
        """Items whose first choice was right."""
        return sum(self.bank.items[i].answer == o for i, o in self.first_choice.items())

    def summary(self) -> str:
        total = len(self.bank.items)
        if not self.answered:
            return f"{total} questions. Your score counts your first choice on each."
        return (
            f"Score: {self.score} of {self.answered} answered correct on the first try "
            f"({total - self.answered} still to go)."
        )


class SelfCheck(Previewed, w.VBox):
    """The quiz as radio groups with a feedback line under each and a running score.

    Its widgets are one flat column sharing one layout and one style per kind: the page
    makes a model and a view for every widget, layout and style, and a self-check is
    most of a lesson's widgets, so this keeps it to about four models per question.
    """

    def __init__(self, bank: QuestionBank):
        self.state = QuizState(bank)
        self._text = theme.shared_text()
        self._choice = theme.shared(DescriptionStyle(), width="100%")
        self._after = theme.shared(self._text["style"], margin="0 0 1em 0")
        self.score = w.HTML(self._score_html(), **self._text)
        self.score.add_class("course-score")
        self.choices: list[w.RadioButtons] = []
        self.feedback: list[w.HTML] = []
        blocks = [theme.stylesheet(), w.HTML(f"<h3>{escape(bank.title)}</h3>", **self._text)]
        for i, item in enumerate(bank.items):
            blocks.extend(self._item_widgets(i, item))
        blocks.append(self.score)
        super().__init__(blocks, layout=self._choice["layout"])  # full width, as its choices
        self.add_class("course-quiz")

    def _item_widgets(self, i: int, item: Item) -> list[w.DOMWidget]:
        """The question, its options and the line that answers a choice."""
        stem = w.HTML(
            f"<p class='course-stem'><strong>{i + 1}.</strong> {escape(item.stem)}</p>",
            **self._text,
        )
        choice = w.RadioButtons(
            options=[(o.text, j) for j, o in enumerate(item.options)],
            value=None,
            description=f"Question {i + 1}",
            **self._choice,
        )
        choice.add_class("course-choice")
        feedback = w.HTML("", **self._after)
        feedback.add_class("course-feedback")
        choice.observe(lambda change, i=i: self._on_choice(i, change["new"]), "value")
        self.choices.append(choice)
        self.feedback.append(feedback)
        return [stem, choice, feedback]

    def _on_choice(self, i: int, option: int | None) -> None:
        if option is None:
            return
        fb = self.state.answer(i, option)
        mark = "✓" if fb.correct else "✗"
        kind = "right" if fb.correct else "wrong"
        self.feedback[i].value = (
            f"<p class='course-feedback-{kind}'><span aria-hidden='true'>{mark}</span> "
            f"{escape(fb.message)}</p>"
        )
        self.score.value = self._score_html()

    def _score_html(self) -> str:
        return f"<p>{escape(self.state.summary())}</p>"


def self_check(name: str) -> SelfCheck:
    """The self-check quiz for a lesson, e.g. ``self_check("01_bowlby")``."""
    return SelfCheck(load_question_bank(name))
