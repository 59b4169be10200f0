"""The graded-quiz pipeline, end to end, through nbgrader's Python API.

A temporary copy of assessments/ is the course root. The quiz is released once; a class of
made-up students (a model student, a blank submission, a tamperer, tricksters, an infinite
loop, ...) is autograded in one batch; then feedback and the CSV export are checked. Scores
are always read back from the gradebook, nbgrader's single source of truth.
"""

from __future__ import annotations

import copy
import csv
import os
import re
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import CsvExportPlugin
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

# nbgrader 0.9.6 with SQLAlchemy 2.x warns about its own session handling while autograding,
# and its re-added test cells (OverwriteCells.add_missing_cells) lack a cell id until nbformat
# writes one. Both are nbgrader internals, not problems with the quiz.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Object of type <Submitted:sqlalchemy.exc.SAWarning"),
    pytest.mark.filterwarnings("ignore:Cell is missing an id field"),
]

ASSESSMENTS = Path(__file__).resolve().parents[1] / "assessments"
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
#: Answers with the right form but the wrong content.
WRONG = {
    "q1_phases_answer": 'q1_phases = ["A", "B", "C", "D"]',
    "q2_functions_answer": 'q2_functions = ["safe haven", "secure base"]',
    "q3_order_answer": 'q3_order = ["X", "Y", "Z"]',
    "q4_most_activating_answer": 'q4_most_activating = "A"',
    "q5_concept_answer": 'q5_concept = "C"',
    "q6_attachment_figures_answer": "q6_attachment_figures = 6",
    "q7_later_research_answer": 'q7_later_research = "A"',
}

# Objects that try to pass the tests without the right answer.
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
    # an object that equals anything, *and* a rebound `type` that lies about it
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
TRICKED_ITEMS = {
    "q1_phases_tests",
    "q4_most_activating_tests",
    "q5_concept_tests",
    "q6_attachment_figures_tests",
    "q7_later_research_tests",
}

BEGIN_END = [("### BEGIN SOLUTION", "### END SOLUTION"), ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")]


# --- helpers ----------------------------------------------------------------------------------


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _cell(nb, grade_id):
    matches = [cell for cell in nb.cells if _grade_id(cell) == grade_id]
    assert len(matches) == 1, f"expected one cell {grade_id!r}, found {len(matches)}"
    return matches[0]


def _with_sources(nb, sources: dict[str, str]):
    nb = copy.deepcopy(nb)
    for grade_id, source in sources.items():
        _cell(nb, grade_id).source = source
    return nb


def _secret_lines(nb) -> set[str]:
    """Lines that appear only inside solution / hidden-test regions of the source notebook."""
    inside, outside = set(), set()
    for cell in nb.cells:
        region = None
        for line in cell.source.splitlines():
            stripped = line.strip()
            begin = [end for start, end in BEGIN_END if start in stripped]
            if begin:
                region = begin[0]
                continue
            if region and region in stripped:
                region = None
                continue
            if re.search(r"\w{3}", stripped):  # skip lone brackets and the like
                (inside if region else outside).add(stripped)
    return inside - outside


def _strip_empty(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@dataclass
class Course:
    root: Path
    api: NbGraderAPI
    config: Config

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def submit(self, student: str, nb) -> None:
        dest = self.path("submitted", student, QUIZ)
        dest.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, dest / f"{NOTEBOOK}.ipynb")
        (dest / "timestamp.txt").write_text("2025-03-01 09:00:00.000000 UTC\n")

    def gradebook(self) -> Gradebook:
        return Gradebook(self.api.coursedir.db_url, self.api.coursedir.course_id)

    def item_scores(self, student: str) -> dict[str, float]:
        with self.gradebook() as gb:
            return {
                grade_id: gb.find_grade(grade_id, NOTEBOOK, QUIZ, student).score
                for grade_id in [*POINTS, WRITTEN]
            }

    def autograded_score(self, student: str) -> float:
        with self.gradebook() as gb:
            return gb.find_submission(QUIZ, student).code_score


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    """A temporary copy of assessments/ with the quiz released, driven by its own config."""
    root = tmp_path_factory.mktemp("course") / "assessments"
    shutil.copytree(
        ASSESSMENTS,
        root,
        ignore=shutil.ignore_patterns(
            "gradebook.db", "release", "submitted", "autograded", "feedback", "grades.csv",
            ".nbgrader.log", "__pycache__", ".ipynb_checkpoints",
        ),
    )
    with open(root / "nbgrader_config.py", "a") as config_file:
        config_file.write(f"\n# added by tests/test_grading.py\nc.ExecutePreprocessor.timeout = {SHORT_TIMEOUT}\n")

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    coursedir = CourseDirectory(config=config)
    assert Path(coursedir.root) == root, "the config must make its own directory the course root"
    api = NbGraderAPI(coursedir=coursedir, config=config)

    result = api.generate_assignment(QUIZ)
    assert result["success"], result.get("error") or result.get("log")
    return Course(root=root, api=api, config=config)


@pytest.fixture(scope="module")
def source_nb():
    return nbformat.read(ASSESSMENTS / "source" / QUIZ / f"{NOTEBOOK}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def release_nb(course):
    return nbformat.read(course.path("release", QUIZ, f"{NOTEBOOK}.ipynb"), as_version=4)


#: The class, in the order nbgrader processes them (alphabetical). The two loopers come first
#: so the test shows the batch carrying on after them.
STUDENTS = [
    "amy_infinite_loop",
    "bob_ignores_interrupt",
    "cat_blank",
    "dan_solution",
    "eve_tampered_tests",
    "fay_tricks",
    "gus_deleted_test_cell",
]


@pytest.fixture(scope="module")
def graded(course, source_nb, release_nb):
    """Submit a whole class and autograde it in one batch; returns nbgrader's result dict."""
    correct = _with_sources(release_nb, CORRECT)

    # Amy: right answers, except that question 3's answer cell never finishes.
    course.submit("amy_infinite_loop", _with_sources(correct, {"q3_order_answer": "while True:\n    pass"}))

    # Bob: an infinite loop that ignores the interrupt; the autograder must give up on him
    # without losing anyone else.
    course.submit(
        "bob_ignores_interrupt",
        _with_sources(
            correct,
            {"q3_order_answer": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"},
        ),
    )

    # Cat hands in the release untouched.
    course.submit("cat_blank", release_nb)

    # Dan hands in the instructor's source notebook, solutions and all.
    course.submit("dan_solution", source_nb)

    # Eve answers wrongly, then makes every test cell pass: `pass`, unlocked, 100 points.
    tampered = _with_sources(release_nb, WRONG)
    for grade_id in POINTS:
        cell = _cell(tampered, grade_id)
        cell.source = "pass"
        cell.metadata.nbgrader["locked"] = False
        cell.metadata.nbgrader["points"] = 100
    course.submit("eve_tampered_tests", tampered)

    # Fay answers questions 2 and 3 correctly and tries tricks on the rest.
    course.submit("fay_tricks", _with_sources(correct, TRICKS))

    # Gus answers everything correctly but deleted the (read-only) test cell of question 4.
    deleted = _with_sources(correct, {})
    deleted.cells = [cell for cell in deleted.cells if _grade_id(cell) != "q4_most_activating_tests"]
    course.submit("gus_deleted_test_cell", deleted)

    result = course.api.autograde(QUIZ, "*")
    return result


# --- releasing -----------------------------------------------------------------------------------


def test_release_has_no_solutions_or_hidden_tests(course, source_nb, release_nb):
    released = "\n".join(cell.source for cell in release_nb.cells)
    secrets = _secret_lines(source_nb)
    # the solutions and hidden tests really are in the source ...
    assert 'q1_phases = ["D", "A", "C", "B"]' in secrets
    assert 'assert "B" == q4_most_activating.strip().upper()' in secrets
    assert len(secrets) > 20
    # ... and none of them is in the release
    leaked = sorted(line for line in secrets if line in released)
    assert not leaked, f"the release leaks: {leaked}"
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in released

    # every answer cell still names its variable, and the written answer is an empty stub
    for grade_id in CORRECT:
        variable = grade_id.removesuffix("_answer")
        assert f"{variable} = " in _cell(release_nb, grade_id).source
    assert _cell(release_nb, WRITTEN).source.strip() == "YOUR ANSWER HERE"

    # visible format checks are still there, and the notebook is stored clean
    assert "assert type(q1_phases) is list" in _cell(release_nb, "q1_phases_tests").source
    for cell in release_nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    nbformat.validate(release_nb)


def test_rubric_stays_out_of_the_release(course):
    assert RUBRIC.is_file()
    release = course.path("release")
    released_files = [p for p in release.rglob("*") if p.is_file()]
    assert [p.name for p in released_files] == [f"{NOTEBOOK}.ipynb"]
    model_answer = _strip_empty(RUBRIC.read_text())
    assert "set-goal" in model_answer
    released_text = _strip_empty(released_files[0].read_text())
    # no sentence of the rubric's model answer reaches students
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s", model_answer) if len(s.strip()) > 60]
    assert sentences
    assert not [s for s in sentences if s in released_text]


def test_source_notebook_is_stored_clean_and_consistent(source_nb):
    nbformat.validate(source_nb)
    assert source_nb.metadata.kernelspec.name == "python3"
    ids = [_grade_id(cell) for cell in source_nb.cells if _grade_id(cell)]
    assert len(ids) == len(set(ids))
    for cell in source_nb.cells:
        assert cell.metadata.nbgrader["schema_version"] == 3
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    graded_cells = {
        _grade_id(cell): cell.metadata.nbgrader["points"]
        for cell in source_nb.cells
        if cell.metadata.nbgrader["grade"]
    }
    assert graded_cells == {**POINTS, WRITTEN: WRITTEN_POINTS}
    intro = _cell(source_nb, "intro").source
    assert f"({FULL_AUTOGRADED} points)" in intro
    assert f"{FULL_AUTOGRADED + WRITTEN_POINTS} points in all" in intro


# --- autograding -----------------------------------------------------------------------------------


def test_every_student_has_a_gradebook_entry(course, graded):
    with course.gradebook() as gb:
        assert sorted(s.id for s in gb.students) == STUDENTS
        for student in STUDENTS:
            submission = gb.find_submission(QUIZ, student)
            assert submission.max_score == FULL_AUTOGRADED + WRITTEN_POINTS


def test_solution_scores_full_autograded_marks(course, graded):
    scores = course.item_scores("dan_solution")
    assert {k: scores[k] for k in POINTS} == POINTS
    assert course.autograded_score("dan_solution") == FULL_AUTOGRADED
    # the written answer is left for a person to grade
    with course.gradebook() as gb:
        written = gb.find_grade(WRITTEN, NOTEBOOK, QUIZ, "dan_solution")
        assert written.needs_manual_grade and written.manual_score is None


def test_untouched_release_scores_zero(course, graded):
    assert course.autograded_score("cat_blank") == 0
    assert set(course.item_scores("cat_blank").values()) == {0}
    with course.gradebook() as gb:
        # an unanswered written answer needs no manual grading: it is simply 0
        assert not gb.find_grade(WRITTEN, NOTEBOOK, QUIZ, "cat_blank").needs_manual_grade


def test_edited_test_cells_are_restored_and_run(course, graded):
    assert course.autograded_score("eve_tampered_tests") == 0
    assert set(course.item_scores("eve_tampered_tests").values()) == {0}
    autograded = nbformat.read(course.path("autograded", "eve_tampered_tests", QUIZ, f"{NOTEBOOK}.ipynb"), 4)
    for grade_id, points in POINTS.items():
        cell = _cell(autograded, grade_id)
        assert cell.source != "pass" and "BEGIN HIDDEN TESTS" in cell.source
        assert cell.metadata.nbgrader["points"] == points
        assert [out.ename for out in cell.outputs if out.output_type == "error"] == ["AssertionError"]
    with course.gradebook() as gb:
        assert gb.find_submission(QUIZ, "eve_tampered_tests").max_score == FULL_AUTOGRADED + WRITTEN_POINTS


def test_deleted_test_cell_is_put_back_and_graded(course, graded):
    scores = course.item_scores("gus_deleted_test_cell")
    assert {k: scores[k] for k in POINTS} == POINTS
    autograded = nbformat.read(course.path("autograded", "gus_deleted_test_cell", QUIZ, f"{NOTEBOOK}.ipynb"), 4)
    restored = _cell(autograded, "q4_most_activating_tests")
    assert "was missing from the submission" in restored.source
    # it went back right after its answer cell
    ids = [_grade_id(cell) for cell in autograded.cells]
    assert ids.index("q4_most_activating_tests") == ids.index("q4_most_activating_answer") + 1


def test_always_equal_objects_and_rigged_subclasses_score_zero(course, graded):
    scores = course.item_scores("fay_tricks")
    for grade_id, points in POINTS.items():
        expected = 0 if grade_id in TRICKED_ITEMS else points
        assert scores[grade_id] == expected, grade_id
    # the rebound `type` fooled the visible check of question 4; only the hidden test caught it
    autograded = nbformat.read(course.path("autograded", "fay_tricks", QUIZ, f"{NOTEBOOK}.ipynb"), 4)
    q4 = _cell(autograded, "q4_most_activating_tests")
    (error,) = [out for out in q4.outputs if out.output_type == "error"]
    traceback = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback))  # drop ANSI colours
    failing_line = next(line for line in traceback.splitlines() if line.startswith("---->"))
    assert "_b.type(q4_most_activating) is _b.str" in failing_line


def test_infinite_loop_times_out_and_the_rest_is_graded(course, graded):
    autograded = nbformat.read(course.path("autograded", "amy_infinite_loop", QUIZ, f"{NOTEBOOK}.ipynb"), 4)
    loop_cell = _cell(autograded, "q3_order_answer")
    enames = {out.ename for out in loop_cell.outputs if out.output_type == "error"}
    assert enames & {"CellTimeoutError", "KeyboardInterrupt"}, loop_cell.outputs
    scores = course.item_scores("amy_infinite_loop")
    # q3 is lost; every question after the loop was still run and graded
    assert scores["q3_order_tests"] == 0
    assert {k: scores[k] for k in POINTS if k != "q3_order_tests"} == {
        k: v for k, v in POINTS.items() if k != "q3_order_tests"
    }
    assert course.autograded_score("amy_infinite_loop") == FULL_AUTOGRADED - POINTS["q3_order_tests"]


def test_uninterruptible_loop_fails_one_student_not_the_batch(course, graded):
    # nbgrader reports the failure ...
    assert not graded["success"]
    assert "bob_ignores_interrupt" in graded["log"]
    failed = re.findall(r"error processing assignment '.*?' for student '(.*?)'", graded["log"])
    assert failed == ["bob_ignores_interrupt"]
    # ... keeps his submission in the gradebook with nothing awarded ...
    assert course.autograded_score("bob_ignores_interrupt") == 0
    assert not course.path("autograded", "bob_ignores_interrupt", QUIZ, f"{NOTEBOOK}.ipynb").exists()
    # ... and everyone after him was graded (see the other tests for their scores)
    for student in STUDENTS[2:]:
        assert course.path("autograded", student, QUIZ, f"{NOTEBOOK}.ipynb").exists(), student
    with course.gradebook() as gb:
        grades = gb.find_submission_notebook(NOTEBOOK, QUIZ, "bob_ignores_interrupt").grades
        # flagged for a person to look at, not silently final
        assert all(grade.needs_manual_grade and grade.auto_score is None for grade in grades)
    # the kernel stuck in his loop was killed, not left running
    assert _kernels_started_by_us() == []


def _kernels_started_by_us() -> list[int]:
    """Live ipykernel processes that are children of this test process (Linux /proc)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, ...
        state, ppid = fields[0], int(fields[1])
        if ppid == os.getpid() and state != "Z" and b"ipykernel" in cmdline:
            found.append(int(entry.name))
    return found


# --- feedback and export ----------------------------------------------------------------------------


def test_feedback_html_for_each_graded_student(course, graded):
    result = course.api.generate_feedback(QUIZ)
    assert result["success"], result.get("error") or result.get("log")
    graded_students = [s for s in STUDENTS if s != "bob_ignores_interrupt"]
    for student in graded_students:
        html = course.path("feedback", student, QUIZ, f"{NOTEBOOK}.html")
        assert html.is_file(), student
        text = html.read_text()
        assert "Graded quiz 1" in text and "Score" in text
    # the feedback shows each student their own score
    dan = course.path("feedback", "dan_solution", QUIZ, f"{NOTEBOOK}.html").read_text()
    assert re.search(rf"Score:\s*{FULL_AUTOGRADED}\.0\s*/\s*{FULL_AUTOGRADED + WRITTEN_POINTS}\.0", dan)


def test_csv_export_one_row_per_student_with_scores(course, graded):
    exporter = CsvExportPlugin(parent=course.api, config=course.config)
    with course.gradebook() as gb:
        exporter.export(gb)
    grades_csv = course.path("grades.csv")  # where nbgrader_config.py sends it
    with open(grades_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(row["student_id"] for row in rows) == STUDENTS
    assert {row["assignment"] for row in rows} == {QUIZ}
    by_student = {row["student_id"]: row for row in rows}
    expected = {
        "amy_infinite_loop": FULL_AUTOGRADED - POINTS["q3_order_tests"],
        "bob_ignores_interrupt": 0,
        "cat_blank": 0,
        "dan_solution": FULL_AUTOGRADED,
        "eve_tampered_tests": 0,
        "fay_tricks": POINTS["q2_functions_tests"] + POINTS["q3_order_tests"],
        "gus_deleted_test_cell": FULL_AUTOGRADED,
    }
    for student, score in expected.items():
        row = by_student[student]
        assert float(row["raw_score"]) == score, student
        assert float(row["score"]) == score, student
        assert float(row["max_score"]) == FULL_AUTOGRADED + WRITTEN_POINTS
        assert row["timestamp"].startswith("2025-03-01 09:00:00")
