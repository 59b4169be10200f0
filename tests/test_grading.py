"""The graded-quiz pipeline, end to end, through nbgrader's Python API.

A temporary copy of assessments/ is the course root, configured by its own nbgrader_config.py.
The quiz is released once; a made-up class (a model student, a blank submission, a tamperer,
a trickster, two infinite loops, a deleted cell) is autograded in one batch; then feedback and
the CSV export are checked. Scores are always read back from the gradebook, nbgrader's single
source of truth.
"""

from __future__ import annotations

import copy
import csv
import os
import re
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbgrader.plugins import CsvExportPlugin
from nbgrader_course import ASSESSMENTS, Course, cell_grade_id, released_course, secret_lines

# nbgrader 0.9.6 with SQLAlchemy 2.x warns about its own session handling while autograding,
# and the test cells it re-adds (OverwriteCells.add_missing_cells) lack a cell id until
# nbformat writes one. Both are nbgrader internals, not problems with the quiz.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Object of type <Submitted:sqlalchemy.exc.SAWarning"),
    pytest.mark.filterwarnings("ignore:Cell is missing an id field"),
]

QUIZ = "quiz01_bowlby"
NOTEBOOK = "quiz01_bowlby"
RUBRIC = ASSESSMENTS / "rubrics" / f"{QUIZ}.md"

#: Seconds a cell may run in the tests before it is interrupted (the course default is 30).
SHORT_TIMEOUT = 3

#: Autograded test cells and their points.
POINTS = {
    "q1_phases_tests": 2,
    "q2_functions_tests": 2,
    "q3_order_tests": 2,
    "q4_most_activating_tests": 1,
    "q5_concept_tests": 1,
    "q6_attachment_figures_tests": 1,
    "q7_later_research_tests": 1,
}
FULL_AUTOGRADED = sum(POINTS.values())
WRITTEN = "q8_written"
WRITTEN_POINTS = 3
MAX_SCORE = FULL_AUTOGRADED + WRITTEN_POINTS
GRADED = [*POINTS, WRITTEN]

#: Correct answers written the way a student might: odd case, spacing, separators.
CORRECT = {
    "q1_phases_answer": 'q1_phases = ["d", " A", "C ", "b"]',
    "q2_functions_answer": 'q2_functions = ["Secure_Base", "safe-haven"]',
    "q3_order_answer": 'q3_order = ["Z", "x", "Y"]',
    "q4_most_activating_answer": 'q4_most_activating = " b "',
    "q5_concept_answer": 'q5_concept = "D"',
    "q6_attachment_figures_answer": "q6_attachment_figures = 4",
    "q7_later_research_answer": 'q7_later_research = "c"',
}
#: Answers of the right form but wrong.
WRONG = {
    "q1_phases_answer": 'q1_phases = ["A", "B", "C", "D"]',
    "q2_functions_answer": 'q2_functions = ["safe haven", "secure base"]',
    "q3_order_answer": 'q3_order = ["X", "Y", "Z"]',
    "q4_most_activating_answer": 'q4_most_activating = "A"',
    "q5_concept_answer": 'q5_concept = "C"',
    "q6_attachment_figures_answer": "q6_attachment_figures = 6",
    "q7_later_research_answer": 'q7_later_research = "A"',
}

ALWAYS_EQUAL = textwrap.dedent(
    """
    class AlwaysEqual:
        def __eq__(self, other):
            return True
        def __ne__(self, other):
            return False
        def __hash__(self):
            return hash("C")
        def strip(self):
            return self
        def upper(self):
            return self
    """
)
#: Answers that try to pass the tests without being right.
TRICKS = {
    # a list subclass that equals anything
    "q1_phases_answer": textwrap.dedent(
        """
        class SneakyList(list):
            def __eq__(self, other):
                return True
            __hash__ = None
        q1_phases = SneakyList(["A", "A", "A", "A"])
        """
    ),
    # an object that equals anything, and a rebound `type` that lies about it
    "q4_most_activating_answer": ALWAYS_EQUAL
    + textwrap.dedent(
        """
        import builtins
        def type(obj):
            return str if isinstance(obj, AlwaysEqual) else builtins.type(obj)
        q4_most_activating = AlwaysEqual()
        """
    ),
    # a str subclass with a rigged __eq__
    "q5_concept_answer": textwrap.dedent(
        """
        class SneakyStr(str):
            def __eq__(self, other):
                return True
            __hash__ = str.__hash__
        q5_concept = SneakyStr("A")
        """
    ),
    # an int subclass with a rigged __eq__
    "q6_attachment_figures_answer": textwrap.dedent(
        """
        class SneakyInt(int):
            def __eq__(self, other):
                return True
            __hash__ = int.__hash__
        q6_attachment_figures = SneakyInt(1)
        """
    ),
    # a plain object whose __eq__ always returns True
    "q7_later_research_answer": ALWAYS_EQUAL.replace("AlwaysEqual", "AlwaysEqual2")
    + "q7_later_research = AlwaysEqual2()\n",
}
TRICKED = {grade_id.replace("_answer", "_tests") for grade_id in TRICKS}


#: The class, in the order nbgrader grades them (alphabetical). The two loopers come first,
#: so the batch has to carry on after them.
STUDENTS = [
    "amy_infinite_loop",
    "bob_ignores_interrupt",
    "cat_blank",
    "dan_solution",
    "eve_tampered_tests",
    "fay_tricks",
    "gus_deleted_test_cell",
]
#: Autograded score each student should get.
EXPECTED_SCORES = {
    "amy_infinite_loop": FULL_AUTOGRADED - POINTS["q3_order_tests"],
    "bob_ignores_interrupt": 0,
    "cat_blank": 0,
    "dan_solution": FULL_AUTOGRADED,
    "eve_tampered_tests": 0,
    "fay_tricks": POINTS["q2_functions_tests"] + POINTS["q3_order_tests"],
    "gus_deleted_test_cell": FULL_AUTOGRADED,
}


# --- helpers ------------------------------------------------------------------------------


def _cell(nb, grade_id):
    matches = [cell for cell in nb.cells if cell_grade_id(cell) == grade_id]
    assert len(matches) == 1, f"expected one cell {grade_id!r}, found {len(matches)}"
    return matches[0]


def _with_sources(nb, sources: dict[str, str]):
    """A copy of `nb` with the given cells' sources replaced."""
    nb = copy.deepcopy(nb)
    for grade_id, source in sources.items():
        _cell(nb, grade_id).source = source
    return nb


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _error_outputs(cell) -> list:
    return [out for out in cell.outputs if out.output_type == "error"]


def _kernels_started_by_us() -> list[int]:
    """Live ipykernel processes descended from this test process (sandboxed ones are
    grandchildren, under bwrap), from Linux's /proc."""
    parents, kernels = {}, set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]  # fields after "pid (comm)"
        parents[int(entry.name)] = int(ppid)
        if state != "Z" and b"ipykernel" in cmdline:
            kernels.add(int(entry.name))

    def ours(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == os.getpid():
                return True
        return False

    return sorted(pid for pid in kernels if ours(pid))


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    """A temporary copy of assessments/ with the quiz released, driven by its own config."""
    return released_course(tmp_path_factory.mktemp("course"), QUIZ, SHORT_TIMEOUT)


@pytest.fixture(scope="module")
def source_nb():
    return nbformat.read(ASSESSMENTS / "source" / QUIZ / f"{NOTEBOOK}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def release_nb(course):
    return course.release_nb()


@pytest.fixture(scope="module")
def graded(course, source_nb, release_nb):
    """Submit the whole class and autograde it in one batch; nbgrader's result dict."""
    correct = _with_sources(release_nb, CORRECT)

    # Amy: right answers, except that question 3's answer cell never finishes.
    amy = _with_sources(correct, {"q3_order_answer": "while True:\n    pass"})
    course.submit("amy_infinite_loop", amy)

    # Bob: an infinite loop that ignores the interrupt.
    bob_loop = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    course.submit("bob_ignores_interrupt", _with_sources(correct, {"q3_order_answer": bob_loop}))

    # Cat hands in the release untouched.
    course.submit("cat_blank", release_nb)

    # Dan hands in the instructor's source notebook, solutions, hidden tests and all.
    course.submit("dan_solution", source_nb)

    # Eve answers wrongly, then makes every test cell pass: `pass`, unlocked, 100 points.
    eve = _with_sources(release_nb, WRONG)
    for grade_id in POINTS:
        cell = _cell(eve, grade_id)
        cell.source = "pass"
        cell.metadata.nbgrader["locked"] = False
        cell.metadata.nbgrader["points"] = 100
    course.submit("eve_tampered_tests", eve)

    # Fay answers questions 2 and 3 correctly and tries tricks on the rest.
    course.submit("fay_tricks", _with_sources(correct, TRICKS))

    # Gus answers everything correctly but deleted the (read-only) test cell of question 4.
    gus = copy.deepcopy(correct)
    gus.cells = [cell for cell in gus.cells if cell_grade_id(cell) != "q4_most_activating_tests"]
    course.submit("gus_deleted_test_cell", gus)

    return course.api.autograde(QUIZ, "*")


# --- the source notebook and the release ----------------------------------------------------


def test_source_notebook_is_clean_and_consistent(source_nb):
    nbformat.validate(source_nb)
    assert source_nb.metadata.kernelspec.name == "python3"
    ids = [cell_grade_id(cell) for cell in source_nb.cells]
    assert None not in ids and len(ids) == len(set(ids))
    for cell in source_nb.cells:
        assert cell.metadata.nbgrader["schema_version"] == 3
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    points = {
        cell_grade_id(cell): cell.metadata.nbgrader["points"]
        for cell in source_nb.cells
        if cell.metadata.nbgrader["grade"]
    }
    assert points == {**POINTS, WRITTEN: WRITTEN_POINTS}
    # the instructions tell students the same totals
    intro = _cell(source_nb, "intro").source
    assert f"({FULL_AUTOGRADED} points)" in intro
    assert f"{MAX_SCORE} points in all" in intro


def test_release_has_no_solutions_or_hidden_tests(source_nb, release_nb):
    released = "\n".join(cell.source for cell in release_nb.cells)
    secrets = secret_lines(source_nb)
    # the solutions and hidden tests really are in the source ...
    assert 'q1_phases = ["D", "A", "C", "B"]' in secrets
    assert 'assert "B" == q4_most_activating.strip().upper()' in secrets
    assert len(secrets) > 20
    # ... and none of them is in the release
    leaked = sorted(line for line in secrets if line in released)
    assert not leaked, f"the release leaks: {leaked}"
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in released

    # every answer cell still names its variable; the written answer is an empty stub
    for grade_id in CORRECT:
        variable = grade_id.removesuffix("_answer")
        assert f"{variable} = " in _cell(release_nb, grade_id).source
    assert _cell(release_nb, WRITTEN).source.strip() == "YOUR ANSWER HERE"

    # the visible format checks are still there, and the release is stored clean
    assert "assert type(q1_phases) is list" in _cell(release_nb, "q1_phases_tests").source
    for cell in release_nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    nbformat.validate(release_nb)


def test_rubric_stays_out_of_the_release(course):
    assert RUBRIC.is_file()
    released_files = [p for p in course.path("release").rglob("*") if p.is_file()]
    assert [p.name for p in released_files] == [f"{NOTEBOOK}.ipynb"]
    rubric = _one_line(RUBRIC.read_text())
    assert "set-goal" in rubric
    released = _one_line(released_files[0].read_text())
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s", rubric) if len(s.strip()) > 60]
    assert sentences
    assert not [s for s in sentences if s in released]


# --- autograding ----------------------------------------------------------------------------


def test_every_student_has_a_gradebook_entry(course, graded):
    with course.gradebook() as gb:
        assert sorted(student.id for student in gb.students) == STUDENTS
        for student in STUDENTS:
            assert gb.find_submission(QUIZ, student).max_score == MAX_SCORE


def test_solution_scores_full_autograded_marks(course, graded):
    scores = course.item_scores("dan_solution", GRADED)
    assert {grade_id: scores[grade_id] for grade_id in POINTS} == POINTS
    assert course.autograded_score("dan_solution") == FULL_AUTOGRADED
    # the written answer is left for a person to grade
    with course.gradebook() as gb:
        written = gb.find_grade(WRITTEN, NOTEBOOK, QUIZ, "dan_solution")
        assert written.needs_manual_grade and written.manual_score is None


def test_untouched_release_scores_zero(course, graded):
    assert course.autograded_score("cat_blank") == 0
    assert set(course.item_scores("cat_blank", GRADED).values()) == {0}
    with course.gradebook() as gb:
        # an unanswered written answer needs no manual grading: it is simply 0
        assert not gb.find_grade(WRITTEN, NOTEBOOK, QUIZ, "cat_blank").needs_manual_grade


def test_edited_test_cells_are_restored_and_run(course, graded):
    assert course.autograded_score("eve_tampered_tests") == 0
    assert set(course.item_scores("eve_tampered_tests", GRADED).values()) == {0}
    autograded = course.autograded_nb("eve_tampered_tests")
    for grade_id, points in POINTS.items():
        cell = _cell(autograded, grade_id)
        assert cell.source != "pass" and "BEGIN HIDDEN TESTS" in cell.source
        assert cell.metadata.nbgrader["points"] == points
        assert [out.ename for out in _error_outputs(cell)] == ["AssertionError"]
    with course.gradebook() as gb:
        assert gb.find_submission(QUIZ, "eve_tampered_tests").max_score == MAX_SCORE


def test_deleted_test_cell_is_put_back_and_graded(course, graded):
    scores = course.item_scores("gus_deleted_test_cell", GRADED)
    assert {grade_id: scores[grade_id] for grade_id in POINTS} == POINTS
    autograded = course.autograded_nb("gus_deleted_test_cell")
    assert "was missing from the submission" in _cell(autograded, "q4_most_activating_tests").source
    # it went back right after its answer cell
    ids = [cell_grade_id(cell) for cell in autograded.cells]
    assert ids.index("q4_most_activating_tests") == ids.index("q4_most_activating_answer") + 1


def test_always_equal_objects_and_rigged_subclasses_score_zero(course, graded):
    scores = course.item_scores("fay_tricks", GRADED)
    for grade_id, points in POINTS.items():
        assert scores[grade_id] == (0 if grade_id in TRICKED else points), grade_id
    # the rebound `type` fooled the visible check of question 4; the hidden test caught it
    (error,) = _error_outputs(_cell(course.autograded_nb("fay_tricks"), "q4_most_activating_tests"))
    traceback = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback))  # drop ANSI colours
    failing_line = next(line for line in traceback.splitlines() if line.startswith("---->"))
    assert "_b.type(q4_most_activating) is _b.str" in failing_line


def test_infinite_loop_times_out_and_the_rest_is_graded(course, graded):
    loop_cell = _cell(course.autograded_nb("amy_infinite_loop"), "q3_order_answer")
    enames = {out.ename for out in _error_outputs(loop_cell)}
    assert enames & {"CellTimeoutError", "KeyboardInterrupt"}, loop_cell.outputs
    # question 3 is lost; every question after the loop still ran and was graded
    scores = course.item_scores("amy_infinite_loop", GRADED)
    assert scores.pop("q3_order_tests") == 0
    assert {grade_id: scores[grade_id] for grade_id in POINTS if grade_id in scores} == {
        grade_id: points for grade_id, points in POINTS.items() if grade_id != "q3_order_tests"
    }
    assert course.autograded_score("amy_infinite_loop") == EXPECTED_SCORES["amy_infinite_loop"]


def test_uninterruptible_loop_fails_one_student_not_the_batch(course, graded):
    # nbgrader reports the failure, naming the student ...
    assert not graded["success"]
    failed = re.findall(r"error processing assignment '.*?' for student '(.*?)'", graded["log"])
    assert failed == ["bob_ignores_interrupt"]
    # ... keeps his submission in the gradebook, flagged for a person, with nothing awarded ...
    assert course.autograded_score("bob_ignores_interrupt") == 0
    assert not course.autograded_path("bob_ignores_interrupt").exists()
    with course.gradebook() as gb:
        grades = gb.find_submission_notebook(NOTEBOOK, QUIZ, "bob_ignores_interrupt").grades
        assert all(grade.needs_manual_grade and grade.auto_score is None for grade in grades)
    # ... grades everyone after him (their scores are checked in the other tests) ...
    for student in STUDENTS[2:]:
        assert course.autograded_path(student).exists(), student
    # ... and kills the kernel stuck in his loop
    assert _kernels_started_by_us() == []


# --- feedback and export ----------------------------------------------------------------------


def test_feedback_html_for_each_graded_student(course, graded):
    result = course.api.generate_feedback(QUIZ)
    assert result["success"], result.get("error") or result.get("log")
    for student in STUDENTS:
        html = course.path("feedback", student, QUIZ, f"{NOTEBOOK}.html")
        if student == "bob_ignores_interrupt":  # not autograded, so nothing to feed back yet
            assert not html.exists()
            continue
        assert html.is_file(), student
        text = html.read_text()
        assert "Graded quiz 1" in text
        total = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", text)
        assert total, student
        assert (float(total[1]), float(total[2])) == (EXPECTED_SCORES[student], MAX_SCORE)


def test_csv_export_one_row_per_student_with_scores(course, graded):
    exporter = CsvExportPlugin(parent=course.api, config=course.config)
    with course.gradebook() as gb:
        exporter.export(gb)
    with open(course.path("grades.csv"), newline="") as f:  # where nbgrader_config.py puts it
        rows = list(csv.DictReader(f))
    assert sorted(row["student_id"] for row in rows) == STUDENTS
    assert {row["assignment"] for row in rows} == {QUIZ}
    for row in rows:
        expected = EXPECTED_SCORES[row["student_id"]]
        assert float(row["raw_score"]) == expected, row
        assert float(row["score"]) == expected, row
        assert float(row["max_score"]) == MAX_SCORE
        assert row["timestamp"].startswith("2025-03-01 09:00:00")
