"""Apology feedback: a pure function of the text, checked on a table of examples."""

import pytest

from widgets import apology as ap
from widgets.data import load_table

# text -> the parts the checker should find (every other part must be absent)
EXAMPLES = [
    ("", set()),
    ("   \n\t  ", set()),
    (
        "I'm sorry I snapped at you in front of your sister. I was wrong. How can I make it "
        "right? Next time I'll ask for a break instead of raising my voice.",
        {"regret", "responsibility", "amends", "change"},
    ),
    ("I'm sorry, but you made me late.", {"regret", "excuse"}),
    ("I'm sorry if you were offended.", {"regret", "excuse"}),
    ("I'm sorry you feel that way.", {"regret", "excuse"}),
    ("It wasn\u2019t my fault the car broke down.", {"excuse"}),
    ("I feel hurt by what you said.", set()),
    (
        "My apologies. I let you down and it won\u2019t happen again.",
        {"regret", "responsibility", "change"},
    ),
    ("I\u2019ve hurt you. I\u2019ll pay for the repair.", {"responsibility", "amends"}),
    ("Is there anything I can do? From now on I will check with you first.", {"amends", "change"}),
    ("\U0001f622\U0001f64f\U0001f494", set()),
    ("Je suis d\u00e9sol\u00e9e, j\u2019avais tort.", set()),
    ("\u3054\u3081\u3093\u306a\u3055\u3044\u3002\u79c1\u304c\u60aa\u304b\u3063\u305f\u3002", set()),
    ("<script>alert('hi')</script> I was wrong, but ok", {"responsibility", "excuse"}),
    ("I was wrong. " * 1600, {"responsibility"}),  # about 21,000 characters
    ("x\ud800y I forgot to call.", {"responsibility"}),  # a lone surrogate
    ("(((((((((([[[[ ***+?{} \\d I was wrong", {"responsibility"}),
    ("\x00\x1b[31m I'm sorry\x07", {"regret"}),
]


@pytest.mark.parametrize("text, parts", EXAMPLES, ids=range(len(EXAMPLES)))
def test_parts_found_on_a_table_of_examples(text, parts):
    fb = ap.analyse(text)
    assert {p for p in ap.PARTS if fb.has(p)} == parts
    for p in parts:
        for m in fb.found[p]:
            assert m.phrase and m.phrase in m.context.replace("\u2026", "")


@pytest.mark.parametrize("text, parts", EXAMPLES, ids=range(len(EXAMPLES)))
def test_feedback_is_escaped_html_for_any_text(text, parts):
    html = ap.feedback_html(ap.analyse(text))
    assert "<script" not in html and "alert('hi')" not in html
    assert "Nothing you type here is saved" in html or "Write an apology" in html
    html.encode("utf-8")  # sendable to a browser: no lone surrogates survive


def test_matched_phrases_are_quoted_as_written():
    fb = ap.analyse("I\u2019m sorry. It was my fault.")
    assert [m.phrase for m in fb.found["regret"]] == ["I\u2019m sorry"]
    assert [m.phrase for m in fb.found["responsibility"]] == ["It was my fault"]


def test_the_same_text_gives_the_same_feedback():
    text = ap.EXAMPLES["A full apology"]
    assert ap.analyse(text) == ap.analyse(text)


def test_very_long_text_is_cut_and_said_to_be_long():
    fb = ap.analyse("I was wrong. " * 1600)
    assert fb.truncated and fb.words > ap.LONG_WORDS
    assert len(fb.found["responsibility"]) == ap.MAX_KEPT
    html = ap.feedback_html(fb)
    assert "Only the first 5,000 characters" in html and "this is long" in html


def test_other_languages_and_emoji_get_a_gentle_note():
    for text in ("\U0001f622", "Es tut mir leid.", "\u5bf9\u4e0d\u8d77"):
        html = ap.feedback_html(ap.analyse(text))
        assert "only knows some English phrases" in html
    assert not ap.analyse("\u5bf9\u4e0d\u8d77\uff0c\u662f\u6211\u7684\u9519").latin_letters


def test_the_count_covers_the_four_parts_the_lesson_teaches():
    full = ap.analyse(ap.EXAMPLES["A full apology"])
    assert full.core_parts == 4 and "4 of the four parts" in ap.feedback_html(full)
    assert ap.analyse(ap.EXAMPLES["Sorry, but\u2026"]).core_parts == 1  # named, then undone


@pytest.mark.parametrize("bad", [None, 42, b"I was wrong", ["I was wrong"]])
def test_non_text_is_refused_with_a_clear_message(bad):
    with pytest.raises(TypeError, match="text must be a string"):
        ap.analyse(bad)


def test_every_example_and_assembled_apology_gets_feedback():
    for text in ap.EXAMPLES.values():
        assert ap.analyse(text).words > 0
    best = ap.assemble(ap.OPENINGS[0], ap.OWNING[0], ap.AMENDS[0], ap.CHANGES[0])
    assert ap.analyse(best).core_parts == 4
    assert ap.assemble("I'm sorry.", "(nothing)") == "I'm sorry."


def test_cue_table_names_its_sources_and_compiles():
    table = load_table("repair/apology_cues.csv", {"part", "pattern"})
    assert "Lerner (2017)" in table.source and "Lewicki" in table.source
    assert {r["part"] for r in table.rows} == set(ap.PARTS)
    assert all(ap.cues()[p] for p in ap.PARTS)


def test_view_gives_feedback_and_escapes_what_was_typed():
    view = ap.builder()
    view.text.value = "<img src=x onerror=alert(1)> I was wrong, but"
    view.check.click()
    assert "&lt;img" in view.feedback.value and "<img" not in view.feedback.value
    view.example.value = "Sorry if\u2026"
    assert view.text.value == ap.EXAMPLES["Sorry if\u2026"]
    assert "sorry if" in view.feedback.value.lower()
    view.put_together.click()
    assert "4 of the four parts" in view.feedback.value
    view.clear.click()
    assert view.text.value == "" and "Write an apology" in view.feedback.value


def test_every_control_has_a_visible_name():
    view = ap.builder()
    controls = [view.text, view.example, *view.pieces]
    assert all(c.description.strip() for c in controls)
    assert all(b.description.strip() for b in (view.check, view.clear, view.put_together))
