"""The self-check quiz: every option shows its own feedback and the score is right."""

import pytest

from widgets import quiz
from widgets.data import load_question_bank

BANK = load_question_bank("01_bowlby")


def test_each_option_shows_its_own_feedback_and_correctness():
    for i, item in enumerate(BANK.items):
        state = quiz.QuizState(BANK)
        for j, option in enumerate(item.options):
            fb = state.answer(i, j)
            assert fb.correct is (j == item.answer)
            assert option.feedback in fb.message
            assert fb.message.startswith("Correct." if fb.correct else "Not quite.")


def test_score_counts_first_choices_only():
    state = quiz.QuizState(BANK)
    first, second = BANK.items[0], BANK.items[1]
    wrong = (first.answer + 1) % len(first.options)
    state.answer(0, wrong)
    state.answer(0, first.answer)  # reading the right answer afterwards earns nothing
    state.answer(1, second.answer)
    assert (state.score, state.answered) == (1, 2)
    assert "Score: 1 of 2" in state.summary()


def test_out_of_range_choices_are_refused():
    state = quiz.QuizState(BANK)
    with pytest.raises(ValueError, match="no question"):
        state.answer(len(BANK.items), 0)
    with pytest.raises(ValueError, match="no option"):
        state.answer(0, 99)


def test_widget_clicking_an_option_shows_feedback_and_updates_score():
    view = quiz.self_check("01_bowlby")
    item = BANK.items[0]
    assert view.feedback[0].value == ""
    view.choices[0].value = item.answer
    assert "Correct." in view.feedback[0].value
    assert "course-feedback-right" in view.feedback[0].value
    assert "Score: 1 of 1" in view.score.value
    wrong = (item.answer + 1) % len(item.options)
    view.choices[0].value = wrong
    assert "Not quite." in view.feedback[0].value
    assert "Score: 1 of 1" in view.score.value


def test_widget_escapes_bank_text(tmp_path):
    (tmp_path / "questions").mkdir()
    (tmp_path / "references.bib").write_text("@book{k,\n title={T}}\n")
    (tmp_path / "questions" / "x.json").write_text(
        '{"lesson": "x", "title": "<b>T</b>", "items": [{"id": "a", "objective": 1,'
        ' "stem": "<script>alert(1)</script>", "options": [{"text": "a", "feedback": "<i>f</i>"},'
        ' {"text": "b", "feedback": "g"}], "answer": 0, "source": ["k"]}]}'
    )
    view = quiz.SelfCheck(load_question_bank("x", data_dir=tmp_path))
    view.choices[0].value = 0
    html = view.children[1].value + view.children[2].value + view.feedback[0].value
    assert "<script>" not in html and "<i>" not in html and "&lt;script&gt;" in html
