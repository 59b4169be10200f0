"""The reflection places a snapshot on the map, never scores or labels, and stores nothing."""

import os
import re
import socket

import ipywidgets as w
import pytest

from widgets import attachment_map as am
from widgets.data import load_table

IDS = {
    p.dimension: [q.id for q in am.prompts() if q.dimension == p.dimension] for p in am.prompts()
}


def answers(anxious: int, avoidant: int) -> dict[str, int]:
    """Answer every prompt so that both dimensions lean as asked (0..4 = less..more)."""
    out = {}
    for p in am.prompts():
        lean = anxious if p.dimension == "anxiety" else avoidant
        out[p.id] = lean if p.keyed > 0 else 4 - lean
    return out


def test_prompts_are_the_courses_own_and_cover_both_dimensions():
    table = load_table("repair/reflection_prompts.csv", {"id", "dimension", "keyed", "text"})
    assert "written for this course" in table.source and "not items from" in table.source
    assert {p.dimension for p in am.prompts()} == set(am.DIMENSIONS)
    assert all(len(IDS[d]) >= 3 for d in am.DIMENSIONS)
    assert {p.keyed for p in am.prompts()} == {1, -1}  # some prompts are reverse-keyed


@pytest.mark.parametrize("anx, avo", [(0, 0), (4, 0), (0, 4), (4, 4), (2, 2)])
def test_answers_place_the_point_where_they_lean(anx, avo):
    snap = am.place(answers(anx, avo))
    assert snap.complete and snap.answered == len(am.prompts())
    assert snap.anxiety == pytest.approx(anx / 4) and snap.avoidance == pytest.approx(avo / 4)


def test_skipped_prompts_are_left_out_and_one_side_is_not_enough():
    only_worry = {pid: 4 for pid in IDS["anxiety"]}
    snap = am.place(only_worry)
    assert not snap.complete and snap.avoidance is None
    assert "Answer at least one prompt" in am.describe(snap)
    assert am.place({pid: None for pid in IDS["anxiety"]}).answered == 0


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"nope": 1}, "unknown prompt"),
        ({"wait": 5}, "0 to 4"),
        ({"wait": -1}, "0 to 4"),
        ({"wait": 2.0}, "0 to 4"),
        ({"wait": True}, "0 to 4"),
        ({"wait": "3"}, "0 to 4"),
    ],
)
def test_impossible_answers_are_refused_with_a_clear_message(bad, message):
    with pytest.raises(ValueError, match=message):
        am.place(bad)


def test_unknown_relationship_is_refused():
    with pytest.raises(ValueError, match="relationship"):
        am.place({}, relationship="boss")


TYPE_LABELS = re.compile(
    r"\byou are\b|\byou're\b|your (attachment )?style|(anxious|avoidant|secure|fearful|"
    r"dismissing|preoccupied|disorgani[sz]ed) (type|person|attachment)",
    re.IGNORECASE,
)


@pytest.mark.parametrize("anx", range(5))
@pytest.mark.parametrize("avo", range(5))
@pytest.mark.parametrize("rel", list(am.RELATIONSHIPS))
def test_the_reading_is_a_snapshot_with_no_numbers_and_no_labels(anx, avo, rel):
    text = am.describe(am.place(answers(anx, avo), rel))
    assert "snapshot" in text and "not a type, a score or a diagnosis" in text
    assert "right now" in text and am.RELATIONSHIPS[rel] in text
    assert "Nothing you choose is saved" in text and "while the page is open" in text
    assert not re.search(r"\d", text), text
    assert not TYPE_LABELS.search(text), text


def visible_text(svg: str) -> list[str]:
    """The words a reader sees in the SVG (text elements, title and description)."""
    return re.findall(r"<(?:text|title|desc)[^>]*>([^<]*)</", svg)


@pytest.mark.parametrize("anx, avo", [(0, 0), (4, 4), (1, 3), (2, 2)])
def test_the_map_shows_no_numbers_only_less_and_more(anx, avo):
    svg = am.map_svg(am.place(answers(anx, avo)))
    words = visible_text(svg)
    assert words.count("less") == 2 and words.count("more") == 2
    assert "A snapshot, not a type" in words and "this moment" in words
    assert not any(re.search(r"\d", t) for t in words), words
    assert "role='img'" in svg and "aria-labelledby" in svg


def test_the_point_sits_where_the_answers_lean():
    def point(anx, avo):
        svg = am.map_svg(am.place(answers(anx, avo)))
        xs = re.search(r"class='course-map-point' points='([^']*)'", svg).group(1).split()
        top = [float(v) for v in xs[0].split(",")]
        return top[0], top[1] + 9  # the diamond's centre

    low_low, high_anx, high_avo = point(0, 0), point(4, 0), point(0, 4)
    assert high_anx[1] < low_low[1]  # more anxiety: higher up the map
    assert high_avo[0] > low_low[0]  # more avoidance: further right


def test_no_point_until_both_sides_are_answered():
    svg = am.map_svg(am.place({pid: 3 for pid in IDS["anxiety"]}))
    assert "course-map-point" not in svg and "No point is shown yet" in svg


def test_the_point_moves_with_answers_and_clears():
    view = am.reflection()
    assert "course-map-point" not in view.map.value
    for pid, value in answers(4, 0).items():
        view.answers[pid].value = value
    assert "course-map-point" in view.map.value
    assert "more worry about closeness and less discomfort" in view.map.value
    assert "reach toward them" in view.reading.value
    view.clear.click()
    assert "course-map-point" not in view.map.value
    assert all(d.value == -1 for d in view.answers.values())


def test_the_reflection_writes_no_files_and_opens_no_connections(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))

    def refuse(*_args, **_kwargs):
        raise AssertionError("the reflection tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    before = set(os.listdir(tmp_path))
    view = am.reflection()
    view.relationship.value = "friend"
    for pid, value in answers(3, 1).items():
        view.answers[pid].value = value
    am.describe(view.snapshot())
    view.clear.click()
    assert set(os.listdir(tmp_path)) == before == set()


def test_every_control_has_a_visible_name():
    view = am.reflection()
    controls = [view.relationship, *view.answers.values()]
    assert len(controls) == 1 + len(am.prompts())
    assert all(c.description.strip() for c in controls)
    assert all(isinstance(c, w.Dropdown) for c in controls)
    assert view.clear.description.strip()
