"""Every data file is valid, names its source, and cites what the bibliography holds."""

import json
import re

import pytest

from widgets import data
from widgets.data import DataError, load_question_bank, load_table, reference_keys

BANKS = sorted(p.stem for p in (data.DATA_DIR / "questions").glob("*.json"))
LESSONS = data.DATA_DIR.parent / "lessons"


def test_there_is_a_bank_for_every_lesson_with_a_self_check():
    lessons = sorted(
        p.stem
        for p in LESSONS.glob("[0-9][0-9]_*.ipynb")
        if "self_check" in p.read_text(encoding="utf-8")
    )
    assert lessons and set(lessons) <= set(BANKS)


@pytest.mark.parametrize("name", BANKS)
def test_bank_is_valid_and_large_enough(name):
    bank = load_question_bank(name)
    assert len(bank.items) >= 6
    for item in bank.items:
        assert 3 <= len(item.options) <= 5, item.id
        assert len({o.text for o in item.options}) == len(item.options), item.id
    # the right answer is not always in the same place
    assert len({item.answer for item in bank.items}) >= 3


@pytest.mark.parametrize("name", BANKS)
def test_bank_objectives_exist_in_the_lesson(name):
    bank = load_question_bank(name)
    nb = json.loads((LESSONS / f"{name}.ipynb").read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    section = text.split("## Learning objectives", 1)[1].split("\n## ", 1)[0]
    objectives = re.findall(r"^\s*\d+\.\s", section, flags=re.M)
    assert {item.objective for item in bank.items} == set(range(1, len(objectives) + 1))


def test_bibliography_has_unique_keys_and_required_fields():
    text = data.REFERENCES.read_text(encoding="utf-8")
    keys = re.findall(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", text, flags=re.M)
    assert len(keys) == len(set(keys)) == len(reference_keys()) >= 10
    for entry in re.split(r"^\s*@", text, flags=re.M)[1:]:
        assert re.search(r"\bauthor\s*=", entry) or re.search(r"\beditor\s*=", entry), entry[:40]
        assert re.search(r"\byear\s*=", entry), entry[:40]
        assert re.search(r"\btitle\s*=", entry), entry[:40]


def write(tmp_path, bank: dict, bib: str = "@book{k,\n title={T}}\n"):
    (tmp_path / "questions").mkdir(exist_ok=True)
    (tmp_path / "references.bib").write_text(bib)
    (tmp_path / "questions" / "b.json").write_text(json.dumps(bank))


GOOD_ITEM = {
    "id": "a",
    "objective": 1,
    "stem": "S?",
    "answer": 0,
    "source": ["k"],
    "options": [{"text": "x", "feedback": "fx"}, {"text": "y", "feedback": "fy"}],
}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"answer": 2}, "answer"),
        ({"answer": True}, "answer"),
        ({"objective": 0}, "objective"),
        ({"source": ["nobody2099"]}, "not in references.bib"),
        ({"options": [{"text": "x"}, {"text": "y", "feedback": "f"}]}, "feedback"),
        ({"stem": "  "}, "stem"),
        ({"options": "abc"}, "options"),
    ],
)
def test_a_malformed_item_is_rejected_with_a_message_naming_it(tmp_path, change, message):
    write(tmp_path, {"lesson": "b", "title": "T", "items": [{**GOOD_ITEM, **change}]})
    with pytest.raises(DataError, match=message) as err:
        load_question_bank("b", data_dir=tmp_path)
    assert "b.json" in str(err.value)


def test_missing_and_broken_files_give_clear_errors(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_question_bank("nope", data_dir=tmp_path)
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "b.json").write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        load_question_bank("b", data_dir=tmp_path)
    with pytest.raises(DataError, match="letters, digits"):
        load_question_bank("../secrets", data_dir=tmp_path)


def test_duplicate_ids_are_rejected(tmp_path):
    write(tmp_path, {"lesson": "b", "title": "T", "items": [GOOD_ITEM, GOOD_ITEM]})
    with pytest.raises(DataError, match="unique"):
        load_question_bank("b", data_dir=tmp_path)


def test_table_needs_its_source_and_columns(tmp_path):
    (tmp_path / "t.csv").write_text("# source: Ainsworth et al. (1978), Table 1\nA,B\n1,2\n")
    table = load_table("t.csv", {"A", "B"}, data_dir=tmp_path)
    assert table.source == "Ainsworth et al. (1978), Table 1"
    assert table.rows == ({"A": "1", "B": "2"},)
    with pytest.raises(DataError, match="missing column"):
        load_table("t.csv", {"C"}, data_dir=tmp_path)
    (tmp_path / "u.csv").write_text("A,B\n1,2\n")
    with pytest.raises(DataError, match="source"):
        load_table("u.csv", {"A"}, data_dir=tmp_path)
    with pytest.raises(DataError, match="outside"):
        load_table("../t.csv", {"A"}, data_dir=tmp_path / "questions")
