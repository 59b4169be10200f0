"""``course-grade``: the help teaches, mistakes get clear errors, and a whole term runs.

The term is run through the command's own entry point on a copy of the course: release
with a due date, collect a Canvas zip through a roster, autograde (sandboxed), feedback,
export and the item analysis.
"""

from __future__ import annotations

import copy
import csv
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest
from nbgrader_course import ASSESSMENTS, GENERATED, cell_grade_id
from test_grading import CORRECT, POINTS, WRONG
from test_sandbox import require_sandbox

from grading import cli

pytestmark = [
    pytest.mark.filterwarnings("ignore:Object of type <Submitted:sqlalchemy.exc.SAWarning"),
    pytest.mark.filterwarnings("ignore:Cell is missing an id field"),
]

QUIZ = "quiz01_bowlby"
FULL = sum(POINTS.values())
COMMANDS = ["release", "collect", "autograde", "feedback", "export", "report"]


def course_copy(parent):
    root = parent / "assessments"
    shutil.copytree(
        ASSESSMENTS,
        root,
        ignore=shutil.ignore_patterns(*GENERATED, ".nbgrader.log", "__pycache__", ".ipynb*"),
    )
    with open(root / "nbgrader_config.py", "a") as config:
        config.write("\nc.ExecutePreprocessor.timeout = 3\n")
    return root


def with_sources(nb, sources):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell_grade_id(cell) in sources:
            cell.source = sources[cell_grade_id(cell)]
    return nb


def run(root, *args) -> int:
    return cli.main(["--course", str(root), *args])


@pytest.mark.parametrize("command", COMMANDS)
def test_each_step_explains_itself(command, capsys):
    with pytest.raises(SystemExit) as exit:
        cli.main([command, "--help"])
    assert exit.value.code == 0
    text = capsys.readouterr().out
    assert "Writes:" in text
    if command != "report":
        assert "Next:" in text


def test_main_help_walks_the_term(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = capsys.readouterr().out
    for command in COMMANDS:
        assert f"course-grade {command}" in text
    assert "Formgrader" in text and "GRADING.md" in text


def test_installed_console_script():
    script = shutil.which("course-grade", path=str(sys.executable).rsplit("/", 1)[0])
    assert script, "course-grade is not installed in the venv (pip install -e .)"
    done = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "release" in done.stdout


def test_outside_a_course_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["export"]) == cli.USAGE
    assert "no nbgrader course here" in capsys.readouterr().err
    assert cli.main(["--course", str(tmp_path), "export"]) == cli.USAGE
    assert "has no nbgrader_config.py" in capsys.readouterr().err


def test_unknown_or_unreleased_quiz_is_a_clear_error(tmp_path, capsys):
    root = course_copy(tmp_path)
    assert run(root, "release", "quiz99_nope") == cli.USAGE
    err = capsys.readouterr().err
    assert "no quiz 'quiz99_nope'" in err and QUIZ in err  # it lists the quizzes there
    for command in (["autograde", QUIZ], ["feedback", QUIZ], ["report", QUIZ]):
        assert run(root, *command) == cli.USAGE
        assert f"`course-grade release {QUIZ}`" in capsys.readouterr().err


def test_a_whole_term(tmp_path, capsys):
    require_sandbox()
    root = course_copy(tmp_path)

    # 1. release, with a due date
    assert run(root, "release", QUIZ, "--due", "2025-03-14 17:00:00 UTC") == cli.OK
    release = nbformat.read(root / "release" / QUIZ / f"{QUIZ}.ipynb", as_version=4)
    assert "Next:" in capsys.readouterr().out

    # 2. collect a Canvas export through a roster
    right = nbformat.writes(with_sources(release, CORRECT)).encode()
    wrong = nbformat.writes(with_sources(release, WRONG)).encode()
    export = tmp_path / "canvas.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr(f"smithjo_101_1_{QUIZ}.ipynb", right)
        archive.writestr(f"doeja_102_2_{QUIZ}.ipynb", wrong)
        archive.writestr(f"roemi_103_3_{QUIZ}.ipynb", right[:2000])
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "student_id,lms_id,first_name,last_name,email\n"
        "jsmith,101,Jo,Smith,jo@example.org\njdoe,102,Jane,Doe,\nmroe,103,Mi,Roe,\n"
        "nobody,104,No,Body,\n"
    )
    assert run(root, "collect", QUIZ, str(export), "--roster", str(roster)) == cli.OK
    assert "No --roster" not in capsys.readouterr().out

    # 3. autograde: a progress bar, then the summary; one truncated upload needs attention
    assert run(root, "autograde", QUIZ, "--workers", "2") == cli.ATTENTION
    captured = capsys.readouterr()
    assert f"{QUIZ}: 100%" in captured.err  # the progress bar
    summary = {line.split()[0]: line for line in captured.out.splitlines() if line.strip()}
    assert "graded" in summary["jsmith"] and f"{FULL}/{FULL}" in summary["jsmith"]
    assert "graded" in summary["jdoe"] and f"0/{FULL}" in summary["jdoe"]
    assert "malformed" in summary["mroe"] and "truncated" in summary["mroe"]
    assert "missing" in summary["nobody"]
    with open(root / "reports" / f"autograde_{QUIZ}.csv", newline="") as f:
        assert {row["student_id"]: row["status"] for row in csv.DictReader(f)} == {
            "jsmith": "graded",
            "jdoe": "graded",
            "mroe": "malformed",
            "nobody": "missing",
        }
    # running it again changes nothing
    assert run(root, "autograde", QUIZ) == cli.ATTENTION
    assert "2 unchanged" in capsys.readouterr().out

    # 5. feedback for the graded students
    assert run(root, "feedback", QUIZ) == cli.OK
    pages = sorted(p.parts[-3] for p in (root / "feedback").glob(f"*/{QUIZ}/{QUIZ}.html"))
    assert pages == ["jdoe", "jsmith"]
    capsys.readouterr()

    # 6. export
    assert run(root, "export", "--to", str(tmp_path / "grades.csv")) == cli.OK
    with open(tmp_path / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert float(rows["jsmith"]["score"]) == FULL and rows["jsmith"]["email"] == "jo@example.org"
    assert float(rows["jdoe"]["score"]) == 0
    assert rows["jsmith"]["duedate"].startswith("2025-03-14 17:00")

    # 7. item analysis
    assert run(root, "report", QUIZ) == cli.OK
    assert (root / "reports" / f"item_analysis_{QUIZ}.html").stat().st_size > 1_000_000
