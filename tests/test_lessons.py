"""Lessons follow the course's shape (CONTENT.md); nbval executes them (pyproject addopts)."""

import json
import re
from pathlib import Path

import pytest

LESSONS = Path(__file__).resolve().parent.parent / "lessons"
NOTEBOOKS = sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))
TEACHING = [p for p in NOTEBOOKS if not p.name.startswith("00_")]


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def markdown(path: Path) -> str:
    return "\n".join("".join(c["source"]) for c in cells(path) if c["cell_type"] == "markdown")


def section(text: str, heading: str) -> str:
    return text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_clean(path):
    for c in cells(path):
        if c["cell_type"] == "code":
            assert c["outputs"] == [] and c["execution_count"] is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_cells_are_one_line_calls(path):
    for c in cells(path):
        if c["cell_type"] == "code":
            lines = [ln for ln in "".join(c["source"]).splitlines() if ln.strip()]
            assert len(lines) <= 2, f"{path.name}: move this into widgets/: {lines}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_page_has_the_care_note(path):
    note = section(markdown(path), "Education, not therapy").lower()
    assert "not" in note and "therapy" in note
    assert "professional" in note and ("crisis" in note or "emergency" in note)


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.name)
def test_lesson_has_objectives_summary_and_a_way_on(path):
    text = markdown(path)
    objectives = re.findall(r"^\s*\d+\.\s+\S", section(text, "Learning objectives"), flags=re.M)
    assert 3 <= len(objectives) <= 5
    assert "## Summary" in text and "## Check yourself" in text
    way_on = section(text, "Where next")
    assert re.search(r"\]\(\d\d_\w+\.ipynb\)", way_on)
    following = sorted(LESSONS.glob(f"{int(path.name[:2]) + 1:02d}_*.ipynb"))
    if following:
        assert f"]({following[0].name})" in way_on, f"{path.name} does not lead to the next lesson"


CITATION = re.compile(
    r"((?:van der |van |de )?[A-Z][\w'\-]+)(?: et al\.| (?:&|and) [A-Z][\w'\-]+)?,\s"
    r"(\d{4})(?:/(\d{4}))?"
)


def citations(text: str) -> set[tuple[str, str]]:
    """(first author's surname, year of the edition cited) for each (Author, Year)."""
    found = set()
    for group in re.findall(r"\(([^()]*\d{4}[^()]*)\)", text):
        for surname, year, reissue in CITATION.findall(group):
            found.add((surname, reissue or year))
    return found


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.name)
def test_every_citation_has_a_reference_and_a_bib_entry(path):
    text = markdown(path)
    body, refs = text.split("## References", 1)[0], section(text, "References")
    cited = citations(body)
    assert len(cited) >= 5, "a lesson cites its sources as (Author, Year)"
    entries = [ln for ln in refs.splitlines() if re.search(r"\(\d{4}[a-z]?\)", ln)]
    for surname, year in cited:
        assert any(ln.lstrip("-* ").startswith(surname) and f"({year}" in ln for ln in entries), (
            f"{surname} ({year}) is cited but not in the References section"
        )
    bib = (LESSONS.parent / "data" / "references.bib").read_text(encoding="utf-8")
    entries_in_bib = re.split(r"^\s*@", bib, flags=re.M)[1:]
    for surname, year in cited:
        assert any(
            surname in e and re.search(rf"year\s*=\s*\{{?{year}", e) for e in entries_in_bib
        ), f"{surname} ({year}) missing from references.bib"


def test_welcome_links_every_lesson_that_exists():
    text = markdown(LESSONS / "00_welcome.ipynb")
    for path in TEACHING:
        assert f"]({path.name})" in text, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_links_between_lessons_lead_somewhere(path):
    for target in re.findall(r"\]\(([^)#\s]+\.ipynb)", markdown(path)):
        assert (LESSONS / target).exists(), f"{path.name} links to missing {target}"
