"""A throwaway copy of the course's nbgrader root, for tests that release and grade quizzes.

Shared by test_grading.py (quiz 1 in depth) and test_quizzes.py (every quiz, the essentials).
The copy is configured by its own nbgrader_config.py, as an instructor's would be, with a
short cell timeout; scores are always read back from its gradebook.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from grading.sandbox import STOCK_NBGRADER_CONFIG

ASSESSMENTS = Path(__file__).resolve().parents[1] / "assessments"
REGIONS = [
    ("### BEGIN SOLUTION", "### END SOLUTION"),
    ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"),
]
GENERATED = ["gradebook.db", "release", "submitted", "autograded", "feedback", "grades.csv"]


def cell_grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def secret_lines(nb) -> set[str]:
    """Lines that occur only inside the solution and hidden-test regions of `nb`."""
    inside, outside = set(), set()
    for cell in nb.cells:
        end_marker = None
        for line in cell.source.splitlines():
            stripped = line.strip()
            starts = [end for start, end in REGIONS if start in stripped]
            if starts:
                end_marker = starts[0]
            elif end_marker and end_marker in stripped:
                end_marker = None
            elif re.search(r"\w{3}", stripped):  # skip lone brackets and the like
                (inside if end_marker else outside).add(stripped)
    return inside - outside


@dataclass
class Course:
    root: Path
    api: NbGraderAPI
    config: Config
    quiz: str

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def submit(self, student: str, nb) -> None:
        dest = self.path("submitted", student, self.quiz)
        dest.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, dest / f"{self.quiz}.ipynb")
        (dest / "timestamp.txt").write_text("2025-03-01 09:00:00.000000 UTC\n")

    def release_nb(self):
        return nbformat.read(self.path("release", self.quiz, f"{self.quiz}.ipynb"), as_version=4)

    def autograded_path(self, student: str) -> Path:
        return self.path("autograded", student, self.quiz, f"{self.quiz}.ipynb")

    def autograded_nb(self, student: str):
        return nbformat.read(self.autograded_path(student), as_version=4)

    def gradebook(self) -> Gradebook:
        return Gradebook(self.api.coursedir.db_url, self.api.coursedir.course_id)

    def item_scores(self, student: str, grade_ids) -> dict[str, float]:
        with self.gradebook() as gb:
            return {
                gid: gb.find_grade(gid, self.quiz, self.quiz, student).score for gid in grade_ids
            }

    def autograded_score(self, student: str) -> float:
        with self.gradebook() as gb:
            return gb.find_submission(self.quiz, student).code_score


def released_course(parent: Path, quiz: str, timeout: int, stock: bool = False) -> Course:
    """Copy assessments/ under ``parent``, set a ``timeout``-second cell limit, release ``quiz``.

    ``stock``: grade as stock nbgrader does, without the sandbox the course's config sets.
    """
    root = parent / "assessments"
    shutil.copytree(
        ASSESSMENTS,
        root,
        ignore=shutil.ignore_patterns(*GENERATED, ".nbgrader.log", "__pycache__", ".ipynb*"),
    )
    with open(root / "nbgrader_config.py", "a") as config_file:
        config_file.write(f"\n# added by the tests\nc.ExecutePreprocessor.timeout = {timeout}\n")
        if stock:
            config_file.write(STOCK_NBGRADER_CONFIG)
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    coursedir = CourseDirectory(config=config)
    assert Path(coursedir.root) == root, "the config must make its own directory the course root"
    api = NbGraderAPI(coursedir=coursedir, config=config)
    result = api.generate_assignment(quiz)
    assert result["success"], result.get("error") or result.get("log")
    return Course(root=root, api=api, config=config, quiz=quiz)
