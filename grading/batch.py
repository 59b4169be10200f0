"""Autograde a whole class: in parallel, sandboxed, and with a verdict for every student.

nbgrader's own ``autograde`` grades one student after another in one process and, on a
notebook it cannot parse, prints a traceback in the middle of a long log. Here a pool of
worker processes takes one student at a time: it checks the submission before any of its
code runs (:mod:`grading.submission_check`), then runs nbgrader's
:class:`~nbgrader.converters.Autograde` converter on it, so one worker's kernel start-up
overlaps another's grading. nbgrader
still does all the grading and writes every score to the gradebook, the single source of
truth; each student ends with one :class:`Outcome` saying what happened.

Workers share the gradebook. PostgreSQL handles concurrent writers itself; for SQLite every
transaction is made ``BEGIN IMMEDIATE`` with a long busy timeout
(:func:`serialise_sqlite_transactions`), so writes from different workers queue instead of
failing with "database is locked".
"""

from __future__ import annotations

import csv
import io
import json
import logging
import multiprocessing
import os
import re
import sqlite3
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from nbgrader.converters import Autograde
from nbgrader.converters.base import NbGraderException
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets.config import Config

from grading.course import Course, CourseError, open_course
from grading.preprocessors import sanitize_preprocessors
from grading.sandbox import (
    OUTPUT_CUT,
    check_sandbox,
    sandboxed_preprocessors,
    stock_preprocessors,
)
from grading.submission_check import Problem, cell_notes, check_submission

#: What can happen to a student, in the order the summary lists them.
STATUSES = {
    "failed": "not graded: needs your attention (see the detail and the log)",
    "malformed": "not graded: the notebook is broken (ask for a new copy)",
    "missing": "not graded: no notebook with the right name",
    "timed out": "graded, but at least one cell was stopped at the time limit",
    "graded": "graded",
    "unchanged": "already graded earlier and not resubmitted (use --force to regrade)",
}
#: Student ids nbgrader can glob and put in paths safely.
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
TIMEOUT_ERRORS = {"CellTimeoutError"}


@dataclass
class Outcome:
    student: str
    status: str
    detail: str = ""
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0
    log: str = ""

    @property
    def score_text(self) -> str:
        if self.score is None or self.max_score is None:
            return "-"
        return f"{self.score:g}/{self.max_score:g}"


def serialise_sqlite_transactions(busy_timeout_ms: int = 300_000) -> None:
    """Make every SQLite transaction in this process take the write lock when it begins.

    SQLite allows one writer at a time. With pysqlite's default deferred transactions, two
    processes that both read and then write can deadlock, and one of them gets "database is
    locked" at once, whatever the timeout. ``BEGIN IMMEDIATE`` takes the lock up front, so
    transactions from several workers wait their turn (nbgrader's are milliseconds long).
    This is SQLAlchemy's documented recipe for pysqlite, installed on every engine because
    nbgrader creates its own.
    """
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if getattr(serialise_sqlite_transactions, "installed", False):
        return

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, _record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
            dbapi_connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")

    @event.listens_for(Engine, "begin")
    def _on_begin(connection):
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    serialise_sqlite_transactions.installed = True


class RecordingAutograde(Autograde):
    """nbgrader's Autograde converter, remembering what it did instead of only logging it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.errors: list[BaseException] = []
        self.skipped = False

    def init_destination(self, assignment_id, student_id):
        go = super().init_destination(assignment_id, student_id)
        self.skipped = not go
        return go

    def init_assignment(self, assignment_id, student_id):
        try:
            super().init_assignment(assignment_id, student_id)
        except Exception as err:
            self.errors.append(err)
            raise

    def convert_single_notebook(self, notebook_filename):
        try:
            super().convert_single_notebook(notebook_filename)
        except Exception as err:
            self.errors.append(err)
            raise


def autograde_config(sandbox: bool, timeout: int | None = None) -> Config:
    """Configuration added to the course's own for a batch."""
    config = Config()
    config.Autograde.sanitize_preprocessors = sanitize_preprocessors()
    # the course's nbgrader_config.py sandboxes already; --no-sandbox must undo that
    pipeline = sandboxed_preprocessors() if sandbox else stock_preprocessors()
    config.Autograde.autograde_preprocessors = pipeline
    if timeout is not None:
        config.ExecutePreprocessor.timeout = timeout
    return config


def roster(course: Course, quiz: str, students: list[str] | None = None) -> list[str]:
    """Everyone with a submission folder for ``quiz``, plus everyone in the gradebook."""
    if students:
        return sorted(set(students))
    found = set()
    submitted = course.path(course.coursedir.submitted_directory)
    if submitted.is_dir():
        found = {p.parent.name for p in submitted.glob(f"*/{quiz}") if p.is_dir()}
    with course.gradebook() as gb:
        found |= {student.id for student in gb.students}
    return sorted(found)


def precheck(course: Course, quiz: str, student: str, notebooks: list[str]) -> Problem | None:
    if not STUDENT_ID.match(student):
        return Problem(
            "malformed",
            "the folder name is not a usable student id (letters, digits and ._@+- only)",
        )
    folder = course.path(course.coursedir.submitted_directory, student, quiz)
    return check_submission(folder, notebooks)


def autograde_class(
    course: Course,
    quiz: str,
    *,
    students: list[str] | None = None,
    workers: int | None = None,
    sandbox: bool = True,
    force: bool = False,
    timeout: int | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Autograde ``quiz`` for the class (or ``students``); one Outcome per student, by id.

    Raises SandboxUnavailable (before grading anyone) if ``sandbox`` and bwrap cannot run.
    """
    notebooks = course.released_notebooks(quiz)
    if sandbox:
        check_sandbox(course.config)
    workers = workers or default_workers()
    outcomes: dict[str, Outcome] = {}

    def done(outcome: Outcome) -> None:
        outcomes[outcome.student] = outcome
        if on_outcome:
            on_outcome(outcome)

    # each worker checks a submission before grading it, so the checks run in parallel too
    to_grade = roster(course, quiz, students)
    job = _Job(str(course.config_dir), quiz, notebooks, force, autograde_config(sandbox, timeout))
    lost = _run_pool(job, to_grade, workers, done, last=False)
    # students whose worker died under them: once more, each alone, so that one submission
    # that kills its worker cannot take the others down with it
    for student in lost:
        _run_pool(job, [student], 1, done, last=True)
    return [outcomes[s] for s in sorted(outcomes)]


def default_workers() -> int:
    """One worker per core plus one: while one kernel starts up, another grades."""
    return (os.cpu_count() or 1) + 1


@dataclass
class _Job:
    root: str
    quiz: str
    notebooks: list[str]
    force: bool
    overrides: Config


def _run_pool(job: _Job, students: list[str], workers: int, done, last: bool) -> list[str]:
    """Grade ``students`` in a pool; return those lost to a crashed worker (to retry once)."""
    lost: list[str] = []
    if not students:
        return lost
    workers = min(workers, len(students))
    # fork: workers inherit the imported modules instead of importing nbgrader again
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    pool = ProcessPoolExecutor(workers, context, initializer=_init_worker, initargs=(job,))
    with pool:
        futures = {pool.submit(_grade_one, student): student for student in students}
        for future in as_completed(futures):
            student = futures[future]
            try:
                done(future.result())
            except BrokenProcessPool:
                if last:
                    done(Outcome(student, "failed", "the grading process died while grading"))
                else:
                    lost.append(student)
            except Exception as err:  # noqa: BLE001 - one student's failure is reported, not fatal
                done(Outcome(student, "failed", f"{type(err).__name__}: {err}"))
    return lost


# --- in the worker processes -------------------------------------------------------------------

_worker: dict = {}


def _init_worker(job: _Job) -> None:
    serialise_sqlite_transactions()
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    _worker["job"] = job
    _worker["course"] = open_course(job.root, job.overrides)


def _grade_one(student: str) -> Outcome:
    job: _Job = _worker["job"]
    course: Course = _worker["course"]
    problem = precheck(course, job.quiz, student, job.notebooks)
    if problem:
        return Outcome(student, problem.status, problem.detail)
    log, buffer = _student_log(student)
    coursedir = CourseDirectory(config=course.config, parent=None)
    coursedir.assignment_id = job.quiz
    coursedir.student_id = student
    converter = RecordingAutograde(coursedir=coursedir, config=course.config, log=log)
    converter.force = job.force
    started = time.monotonic()
    try:
        converter.start()
    except NbGraderException:
        pass  # the cause is in converter.errors
    except Exception as err:  # noqa: BLE001 - report it against this student, keep the batch
        converter.errors.append(err)
    finally:
        for handler in list(log.handlers):
            log.removeHandler(handler)
        logging.getLogger("py.warnings").handlers.clear()
    outcome = _outcome(course, job.quiz, student, converter)
    outcome.seconds = time.monotonic() - started
    outcome.log = buffer.getvalue()
    return outcome


def _student_log(student: str) -> tuple[logging.Logger, io.StringIO]:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    log = logging.getLogger(f"course-grade.autograde.{student}")
    log.propagate = False
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    warning_log = logging.getLogger("py.warnings")
    warning_log.propagate = False
    warning_log.addHandler(handler)
    return log, buffer


def _outcome(course: Course, quiz: str, student: str, converter: RecordingAutograde) -> Outcome:
    if converter.errors:
        return Outcome(student, "failed", describe_error(converter.errors[-1]))
    score, max_score, manual = _scores(course, quiz, student)
    if converter.skipped:
        return Outcome(student, "unchanged", "", score, max_score)
    notes = _cell_notes(course, quiz, student)
    timed_out = _timed_out_cells(course, quiz, student)
    if timed_out:
        cells = ", ".join(timed_out)
        limit = cell_timeout(course.config)
        notes.append(f"stopped after {limit} s: {cells}; the rest was graded")
    if manual:
        notes.append(f"{manual} answer(s) to grade by hand")
    status = "timed out" if timed_out else "graded"
    return Outcome(student, status, "; ".join(notes), score, max_score)


def _cell_notes(course: Course, quiz: str, student: str) -> list[str]:
    """Deleted, duplicated or moved cells, and output cut by the grader."""
    notes = []
    submitted = course.path(course.coursedir.submitted_directory, student, quiz)
    released = course.path(course.coursedir.release_directory, quiz)
    autograded = course.path(course.coursedir.autograded_directory, student, quiz)
    for path in sorted(released.glob("*.ipynb")):
        mine = submitted / path.name
        if mine.is_file():
            notes += cell_notes(_load(mine), _load(path))
        graded = autograded / path.name
        if graded.is_file() and OUTPUT_CUT in graded.read_text(errors="replace"):
            notes.append("output cut (the submission printed too much)")
    return notes


def _load(path: Path):
    """A notebook as plain JSON: already checked (or written) by nbgrader, so skip validating."""
    return nbformat.from_dict(json.loads(path.read_text(encoding="utf-8")))


def _scores(course: Course, quiz: str, student: str) -> tuple[float, float, int]:
    """Autograded score and maximum, and how many answers still need a person."""
    with course.gradebook() as gb:
        submission = gb.find_submission(quiz, student)
        manual = sum(
            1 for nb in submission.notebooks for grade in nb.grades if grade.needs_manual_grade
        )
        return submission.code_score, submission.max_code_score, manual


def _timed_out_cells(course: Course, quiz: str, student: str) -> list[str]:
    folder = course.path(course.coursedir.autograded_directory, student, quiz)
    names = []
    for path in sorted(folder.glob("*.ipynb")):
        nb = _load(path)
        for index, cell in enumerate(nb.cells):
            errors = {out.get("ename") for out in cell.get("outputs", [])}
            if errors & TIMEOUT_ERRORS:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                names.append(grade_id or f"cell {index + 1}")
    return names


def cell_timeout(config: Config) -> int:
    """The per-cell time limit nbgrader will use (the most specific setting wins)."""
    for section in ("SandboxedExecute", "Execute", "ExecutePreprocessor"):
        value = config.get(section, {}).get("timeout")
        if value is not None:
            return value
    return Execute.class_traits()["timeout"].default()


def describe_error(err: BaseException) -> str:
    """One line an instructor can act on."""
    name = type(err).__name__
    if name == "DeadKernelError":
        return (
            "the kernel died: the submission exited Python or hit the memory or CPU limit "
            "(fix or remove that code, then regrade with --force)"
        )
    if name in ("CellTimeoutError", "UnresponsiveKernelError", "TimeoutError"):
        return (
            "a cell could not be stopped at the time limit (a loop that ignores interrupts?): "
            "remove the loop, then regrade with --force"
        )
    first_line = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return f"{name}: {first_line}" if first_line else name


# --- reports ------------------------------------------------------------------------------------


def summary_table(outcomes: list[Outcome]) -> str:
    """The per-student summary, worst news first."""
    order = list(STATUSES)
    rows = sorted(outcomes, key=lambda o: (order.index(o.status), o.student))
    width = max([7, *(len(o.student) for o in rows)])
    lines = [f"{'student':<{width}}  {'status':<9}  {'score':>7}  detail"]
    lines += [
        f"{o.student:<{width}}  {o.status:<9}  {o.score_text:>7}  {o.detail}".rstrip() for o in rows
    ]
    counts = {status: sum(o.status == status for o in outcomes) for status in order}
    lines.append("")
    lines.append(", ".join(f"{n} {status}" for status, n in counts.items() if n) or "nobody")
    return "\n".join(lines)


def write_reports(course: Course, quiz: str, outcomes: list[Outcome]) -> tuple[Path, Path]:
    """reports/autograde_<quiz>.csv (one row per student) and .log (nbgrader's log of each)."""
    folder = course.path("reports")
    folder.mkdir(exist_ok=True)
    table = folder / f"autograde_{quiz}.csv"
    with open(table, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student_id", "status", "score", "max_score", "seconds", "detail"])
        for o in outcomes:
            writer.writerow(
                [o.student, o.status, o.score, o.max_score, f"{o.seconds:.1f}", o.detail]
            )
    log = folder / f"autograde_{quiz}.log"
    with open(log, "a") as f:  # every run's log is kept, newest last
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        f.write(f"\n########## autograde {quiz}, {stamp}, {len(outcomes)} students\n")
        for o in outcomes:
            f.write(f"===== {o.student}: {o.status} {o.detail}\n{o.log}\n")
    return table, log


__all__ = [
    "CourseError",
    "Outcome",
    "STATUSES",
    "autograde_class",
    "serialise_sqlite_transactions",
    "summary_table",
    "write_reports",
]
