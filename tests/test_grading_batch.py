"""Nothing lost, nothing broken: a class that breaks every rule, autograded in one batch.

The course's batch (grading.batch, sandboxed, several workers) grades a made-up class whose
submissions are truncated, not JSON, renamed, missing, edited, reordered, tricky, looping,
noisy or kernel-killing. Every student must end with a verdict, every gradable student a
score in the gradebook; a second run must change nothing; and on ordinary submissions the
scores must be exactly those of nbgrader's own ``autograde``.
"""

from __future__ import annotations

import copy
import os
import shutil
import textwrap

import nbformat
import pytest
from nbgrader_course import cell_grade_id, released_course
from test_grading import CORRECT, POINTS, TRICKS, WRONG
from test_sandbox import require_sandbox

from grading import batch
from grading.batch import Outcome, autograde_class, summary_table
from grading.course import open_course

pytestmark = [
    pytest.mark.filterwarnings("ignore:Object of type <Submitted:sqlalchemy.exc.SAWarning"),
    pytest.mark.filterwarnings("ignore:Cell is missing an id field"),
    # a student who duplicates cells duplicates their ids; nbformat fixes them on writing
    pytest.mark.filterwarnings("ignore:Non-unique cell id"),
]

QUIZ = "quiz01_bowlby"
TIMEOUT = 3
FULL = sum(POINTS.values())
LATER = "2025-03-02 09:00:00.000000 UTC"


def with_sources(nb, sources: dict[str, str]):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell_grade_id(cell) in sources:
            cell.source = sources[cell_grade_id(cell)]
    return nb


def index_of(nb, grade_id: str) -> int:
    return [cell_grade_id(cell) for cell in nb.cells].index(grade_id)


def submit_file(course, student: str, name: str, data: bytes) -> None:
    folder = course.path("submitted", student, QUIZ)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def build_class(course) -> dict[str, tuple[str, float | None]]:
    """Submit the class; return each student's expected (status, autograded score)."""
    release = course.release_nb()
    correct = with_sources(release, CORRECT)
    good_bytes = nbformat.writes(correct).encode()
    expected = {}

    course.submit("ann_correct", correct)
    expected["ann_correct"] = ("graded", FULL)

    submit_file(course, "ben_truncated", f"{QUIZ}.ipynb", good_bytes[: len(good_bytes) // 2])
    expected["ben_truncated"] = ("malformed", None)

    submit_file(course, "cal_not_json", f"{QUIZ}.ipynb", b"\x89PNG\r\n\x1a\n not a notebook")
    expected["cal_not_json"] = ("malformed", None)

    submit_file(course, "dee_renamed", f"{QUIZ} (1).ipynb", good_bytes)
    expected["dee_renamed"] = ("missing", None)

    course.path("submitted", "eli_empty_folder", QUIZ).mkdir(parents=True)
    expected["eli_empty_folder"] = ("missing", None)

    # deleted the answer cell of q5 and the locked test cell of q4
    fay = copy.deepcopy(correct)
    gone = {"q5_concept_answer", "q4_most_activating_tests"}
    fay.cells = [cell for cell in fay.cells if cell_grade_id(cell) not in gone]
    course.submit("fay_deleted_cells", fay)
    expected["fay_deleted_cells"] = ("graded", FULL - POINTS["q5_concept_tests"])

    # duplicated every test cell; the first copy of q1's test is tampered with
    gil = copy.deepcopy(correct)
    for grade_id in reversed(list(POINTS)):
        at = index_of(gil, grade_id)
        gil.cells.insert(at, copy.deepcopy(gil.cells[at]))
    gil.cells[index_of(gil, "q1_phases_tests")].source = "pass"
    course.submit("gil_duplicated_cells", gil)
    expected["gil_duplicated_cells"] = ("graded", FULL)

    # moved q7's answer to the top (fine) and q6's test above its answer (that test fails)
    hal = copy.deepcopy(correct)
    hal.cells.insert(0, hal.cells.pop(index_of(hal, "q7_later_research_answer")))
    test = hal.cells.pop(index_of(hal, "q6_attachment_figures_tests"))
    hal.cells.insert(index_of(hal, "q6_attachment_figures_answer"), test)
    course.submit("hal_reordered", hal)
    expected["hal_reordered"] = ("graded", FULL - POINTS["q6_attachment_figures_tests"])

    # wrong answers, and every locked test cell replaced by `pass` worth 100 points
    ivy = with_sources(release, WRONG)
    for cell in ivy.cells:
        if cell_grade_id(cell) in POINTS:
            cell.source = "pass"
            cell.metadata.nbgrader.update(locked=False, points=100)
    course.submit("ivy_edited_tests", ivy)
    expected["ivy_edited_tests"] = ("graded", 0)

    course.submit("jon_always_equal", with_sources(correct, TRICKS))
    expected["jon_always_equal"] = (
        "graded",
        POINTS["q2_functions_tests"] + POINTS["q3_order_tests"],
    )

    loop = with_sources(correct, {"q3_order_answer": "while True:\n    pass"})
    course.submit("kim_infinite_loop", loop)
    expected["kim_infinite_loop"] = ("timed out", FULL - POINTS["q3_order_tests"])

    noisy = textwrap.dedent(
        """
        print("x" * 30_000_000)
        print("too much output\\n" * 1_000_000)
        q1_phases = ["D", "A", "C", "B"]
        """
    )
    course.submit("lee_enormous_output", with_sources(correct, {"q1_phases_answer": noisy}))
    expected["lee_enormous_output"] = ("graded", FULL)

    exits = with_sources(correct, {"q5_concept_answer": "import os\nos._exit(1)"})
    course.submit("max_exits_kernel", exits)
    expected["max_exits_kernel"] = ("failed", None)

    exit_call = with_sources(correct, {"q5_concept_answer": "import sys\nsys.exit(0)"})
    course.submit("ned_sys_exit", exit_call)
    expected["ned_sys_exit"] = ("graded", FULL - POINTS["q5_concept_tests"])

    folder = course.path("submitted", "oz_symlink", QUIZ)
    course.submit("oz_symlink", correct)
    (folder / "data.csv").symlink_to("/etc/passwd")
    expected["oz_symlink"] = ("malformed", None)

    course.submit("Pat Space", correct)  # a folder name that is no student id
    expected["Pat Space"] = ("malformed", None)
    return expected


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    require_sandbox()
    return released_course(tmp_path_factory.mktemp("batch"), QUIZ, TIMEOUT)


@pytest.fixture(scope="module")
def grading_course(course):
    return open_course(course.root)


@pytest.fixture(scope="module")
def expected(course):
    return build_class(course)


@pytest.fixture(scope="module")
def first_run(grading_course, expected):
    seen = []
    outcomes = autograde_class(grading_course, QUIZ, workers=3, on_outcome=seen.append)
    assert sorted(o.student for o in seen) == sorted(o.student for o in outcomes)
    return {o.student: o for o in outcomes}


@pytest.fixture(scope="module")
def gradebook_after_first_run(course, first_run):
    return gradebook_rows(course)


def gradebook_rows(course) -> dict[tuple[str, str], tuple]:
    """Every grade in the gradebook, keyed by (student, grade cell)."""
    rows = {}
    with course.gradebook() as gb:
        for submission in gb.find_assignment(QUIZ).submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    key = (submission.student.id, grade.name)
                    assert key not in rows, f"duplicate grade {key}"
                    rows[key] = (grade.auto_score, grade.manual_score, grade.needs_manual_grade)
    return rows


def test_every_student_gets_a_verdict(first_run, expected):
    print(summary_table(list(first_run.values())))
    assert sorted(first_run) == sorted(expected)
    statuses = {student: outcome.status for student, outcome in first_run.items()}
    assert statuses == {student: status for student, (status, _) in expected.items()}


def test_gradable_students_have_their_scores_in_the_gradebook(course, first_run, expected):
    for student, (_, score) in expected.items():
        if score is None:
            continue
        assert course.autograded_score(student) == score, student
        assert first_run[student].score == score, student
        assert first_run[student].max_score == FULL


def test_broken_submissions_are_explained(first_run):
    assert "truncated" in first_run["ben_truncated"].detail
    assert "not UTF-8" in first_run["cal_not_json"].detail
    renamed = first_run["dee_renamed"].detail
    assert f"{QUIZ} (1).ipynb" in renamed and f"rename it to {QUIZ}.ipynb" in renamed
    assert (
        "nothing" in first_run["eli_empty_folder"].detail
        or QUIZ in first_run["eli_empty_folder"].detail
    )
    assert "symbolic link" in first_run["oz_symlink"].detail
    assert "student id" in first_run["Pat Space"].detail
    assert "kernel died" in first_run["max_exits_kernel"].detail


def test_cell_changes_are_noted(first_run):
    assert "deleted cells q4_most_activating_tests, q5_concept_answer" in (
        first_run["fay_deleted_cells"].detail
    )
    assert "duplicated cells" in first_run["gil_duplicated_cells"].detail
    assert "graded in the student's order" in first_run["hal_reordered"].detail
    assert "stopped after 3 s: q3_order_answer" in first_run["kim_infinite_loop"].detail


def test_enormous_output_is_cut(course, first_run):
    assert "output cut" in first_run["lee_enormous_output"].detail
    assert course.autograded_path("lee_enormous_output").stat().st_size < 3_000_000


def test_malformed_and_missing_are_not_graded(course, first_run):
    for student in ("ben_truncated", "cal_not_json", "dee_renamed", "eli_empty_folder"):
        assert not course.autograded_path(student).exists()


def test_failed_student_stays_in_the_gradebook_for_a_person(course, first_run):
    with course.gradebook() as gb:
        grades = gb.find_submission_notebook(QUIZ, QUIZ, "max_exits_kernel").grades
        assert all(grade.needs_manual_grade for grade in grades)


def test_rerun_is_idempotent_and_picks_up_resubmissions(
    course, grading_course, first_run, gradebook_after_first_run
):
    # Ann resubmits (wrong answers this time, handed in later); nobody else changes
    course.submit("ann_correct", with_sources(course.release_nb(), WRONG))
    stamp = course.path("submitted", "ann_correct", QUIZ, "timestamp.txt")
    stamp.write_text(LATER + "\n")
    second = {o.student: o for o in autograde_class(grading_course, QUIZ, workers=3)}
    assert second["ann_correct"].status == "graded" and second["ann_correct"].score == 0
    for student, outcome in first_run.items():
        if student in ("ann_correct", "max_exits_kernel"):
            continue
        if outcome.status in ("graded", "timed out"):
            assert second[student].status == "unchanged", student
            assert second[student].score == outcome.score, student
        else:
            assert second[student].status == outcome.status, student
    assert second["max_exits_kernel"].status == "failed"  # tried again, still fails

    after = gradebook_rows(course)
    assert after.keys() == gradebook_after_first_run.keys()  # nothing duplicated or lost
    changed = {key for key in after if after[key] != gradebook_after_first_run[key]}
    assert {student for student, _ in changed} <= {"ann_correct"}

    # --force regrades one student to the same result, still one submission
    forced = autograde_class(grading_course, QUIZ, students=["gil_duplicated_cells"], force=True)
    assert [(o.status, o.score) for o in forced] == [("graded", FULL)]
    assert gradebook_rows(course) == after


def test_scores_identical_to_stock_nbgrader(tmp_path, course, first_run):
    """The same submissions, graded by nbgrader's own autograde (no sandbox, one process)."""
    # not gil_duplicated_cells: stock nbgrader 0.9.6 fails on duplicated cells (issue #1083)
    students = ["fay_deleted_cells", "hal_reordered", "ivy_edited_tests", "jon_always_equal"]
    stock = released_course(tmp_path, QUIZ, TIMEOUT, stock=True)
    for student in students:
        shutil.copytree(course.path("submitted", student), stock.path("submitted", student))
    result = stock.api.autograde(QUIZ, "*")
    assert result["success"], result.get("log")
    ours = {key: row for key, row in gradebook_rows(course).items() if key[0] in students}
    assert gradebook_rows(stock) == ours


def grade_or_die(student):
    """Stands in for the worker's grading: 'boom' kills its worker process outright."""
    if student == "boom":
        os._exit(1)
    return Outcome(student, "graded")


def test_a_dying_worker_costs_only_its_own_student(grading_course, monkeypatch):
    monkeypatch.setattr(batch, "_grade_one", grade_or_die)
    students = ["amy", "boom", "cy", "dot"]
    outcomes = autograde_class(grading_course, QUIZ, students=students, workers=2, sandbox=False)
    verdicts = {o.student: o.status for o in outcomes}
    assert verdicts == {"amy": "graded", "boom": "failed", "cy": "graded", "dot": "graded"}
    assert "grading process died" in outcomes[1].detail
