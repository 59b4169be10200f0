"""Every graded quiz in assessments/source/ releases cleanly and grades honestly.

Quiz 1 is tested in depth in test_grading.py; this file holds every quiz, present and future,
to the essentials: the release gives nothing away, the instructor's solutions earn full marks,
a blank or a trick submission earns none, and there is a rubric for the written answers.
"""

from __future__ import annotations

import copy
import re

import nbformat
import pytest
from nbgrader_course import ASSESSMENTS, cell_grade_id, released_course, secret_lines

pytestmark = [
    pytest.mark.filterwarnings("ignore:Object of type <Submitted:sqlalchemy.exc.SAWarning"),
    pytest.mark.filterwarnings("ignore:Cell is missing an id field"),
]

QUIZZES = sorted(p.name for p in (ASSESSMENTS / "source").iterdir() if p.is_dir())

TRICK = """\
class AlwaysEqual:
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = object.__hash__
    def __getattr__(self, name):
        return lambda *a, **k: self
    def __iter__(self):
        return iter(())
    def __len__(self):
        return 0
{var} = AlwaysEqual()
"""


def source(quiz: str):
    return nbformat.read(ASSESSMENTS / "source" / quiz / f"{quiz}.ipynb", as_version=4)


def autograded_points(nb) -> dict[str, float]:
    return {
        cell_grade_id(c): c.metadata.nbgrader["points"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
    }


def answer_cells(nb) -> list:
    return [
        c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    ]


@pytest.fixture(scope="module", params=QUIZZES)
def graded(request, tmp_path_factory):
    """One quiz released and graded for three students: solution, blank, trickster."""
    quiz = request.param
    course = released_course(tmp_path_factory.mktemp(quiz), quiz, timeout=10)
    release = course.release_nb()
    course.submit("solution", source(quiz))
    course.submit("blank", release)
    trick = copy.deepcopy(release)
    for cell in answer_cells(trick):
        cell.source = TRICK.format(var=cell_grade_id(cell).removesuffix("_answer"))
    course.submit("trickster", trick)
    result = course.api.autograde(quiz, "*")
    assert result["success"], result.get("error") or result.get("log")
    return course


@pytest.mark.parametrize("quiz", QUIZZES)
def test_quiz_has_enough_items_a_written_answer_and_a_rubric(quiz):
    nb = source(quiz)
    nbformat.validate(nb)
    assert len(autograded_points(nb)) >= 5
    manual = [
        c
        for c in nb.cells
        if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")
    ]
    assert manual, "at least one written answer, graded by hand"
    rubric = ASSESSMENTS / "rubrics" / f"{quiz}.md"
    assert rubric.exists() and len(rubric.read_text(encoding="utf-8")) > 300
    # the naming convention the graders and these tests rely on: <var>_answer → <var>_tests
    ids = {cell_grade_id(c) for c in nb.cells}
    for cell in answer_cells(nb):
        var = cell_grade_id(cell).removesuffix("_answer")
        assert cell_grade_id(cell) == f"{var}_answer" and f"{var}_tests" in ids
        stub = cell.source.split("### BEGIN SOLUTION")[0]
        assert re.search(rf"^{var} = ", stub, re.M), "the released cell names its variable"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_release_gives_nothing_away(graded):
    release = graded.release_nb()
    text = "\n".join(c.source for c in release.cells)
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    leaked = {line for line in secret_lines(source(graded.quiz)) if line in text}
    assert not leaked
    assert not any(p.suffix == ".md" for p in graded.path("release").rglob("*"))


def test_solutions_earn_full_marks_blank_and_tricks_earn_none(graded):
    full = sum(autograded_points(source(graded.quiz)).values())
    assert graded.autograded_score("solution") == full
    assert graded.autograded_score("blank") == 0
    assert graded.autograded_score("trickster") == 0
