"""nbgrader configuration for the course's graded quizzes.

nbgrader reads this file when a command is run from this directory (``cd assessments``) and
again from the course root, which is this directory too. Everything the instructor's guide
(README.md) tells you to run relies on these settings.
"""

import os
import sys

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

# nbgrader creates a new gradebook by running the `alembic` command found on PATH
# (nbgrader.api.get_alembic_version). Called as ../.venv/bin/nbgrader without activating the
# venv, PATH lacks .venv/bin and the first command fails with "No such file: 'alembic'".
# Put the bin directory of the Python running nbgrader on PATH so it finds its own alembic.
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

# The directory holding this file is the course root, whatever the current directory is:
# source/, release/, submitted/, autograded/, feedback/ and the gradebook all live here.
COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = COURSE_ROOT

# One id for the course: it keys the gradebook and the (optional) nbgrader exchange.
c.CourseDirectory.course_id = "attachment-course"

# The gradebook (sqlite) sits in the course root, next to the notebooks it describes.
# It is the single source of truth for scores; it is not committed (see .gitignore).
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(COURSE_ROOT, "gradebook.db")

# --- Autograding student code ---------------------------------------------------------------
# Student code is untrusted. `course-grade autograde` runs every kernel in a bubblewrap sandbox;
# this line makes `nbgrader autograde` and the formgrader's "autograde" button do the same
# (threat model: GRADING.md). Where bwrap cannot run, those fail each submission instead of
# running it unsandboxed; only `course-grade autograde --no-sandbox` grades without it.
from grading.sandbox import sandboxed_preprocessors  # noqa: E402

c.Autograde.autograde_preprocessors = sandboxed_preprocessors()

# A cell that runs longer than this (an infinite loop, say) is interrupted; the cell gets a
# "CellTimeoutError" output and the remaining cells still run, so every other question is still
# graded. Quiz cells run in milliseconds, so 30 s is generous. Set on ExecutePreprocessor (the
# name nbgrader's docs use) so `--ExecutePreprocessor.timeout=N` on the command line overrides it.
c.ExecutePreprocessor.timeout = 30
c.ExecutePreprocessor.interrupt_on_timeout = True
# If the kernel cannot be interrupted (code that ignores Ctrl-C), fail that one submission
# loudly instead of carrying on with a busy kernel, which could let later tests "pass" without
# running (nbgrader issue #427). nbgrader then logs the error, moves on to the next student, and
# reports the failed student(s) at the end of the batch.
c.ExecutePreprocessor.raise_on_iopub_timeout = True

# A grade cell (a locked test cell, or the written answer) that a student deleted is put back
# from the gradebook before grading, instead of leaving the item "needs manual grading" forever
# (nbgrader issue #1682; the option exists since nbgrader 0.9).
c.OverwriteCells.add_missing_cells = True

# --- Releasing quizzes --------------------------------------------------------------------
# Answer cells already name their variable on a line above the solution region, e.g.
#     q4_most_activating = ""
# so the release replaces the solution with a short pointer instead of nbgrader's default
# `raise NotImplementedError()`, which would stop "Run All" at the first unanswered question.
c.ClearSolutions.code_stub = {"python": "# YOUR ANSWER: edit the value on the line above"}

# --- Exporting grades ----------------------------------------------------------------------
# `nbgrader export` writes grades.csv in the course root (not wherever it was run from);
# `--to other.csv` still overrides it.
c.ExportPlugin.to = os.path.join(COURSE_ROOT, "grades.csv")
