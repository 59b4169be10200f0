"""The nbgrader course an instructor points the command at: its configuration and directories.

Every subcommand starts here, so that a wrong directory or an unknown quiz gets one clear
message (and a nonzero exit) before anything is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


class CourseError(Exception):
    """Something about the course or the request is wrong; the message says what to do."""


@dataclass
class Course:
    root: Path
    config_dir: Path  # where nbgrader_config.py is (usually the root too)
    config: Config
    coursedir: CourseDirectory
    api: NbGraderAPI

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def gradebook(self) -> Gradebook:
        return Gradebook(self.coursedir.db_url, self.coursedir.course_id)

    @property
    def db_url(self) -> str:
        return self.coursedir.db_url

    def source_quizzes(self) -> list[str]:
        source = self.path(self.coursedir.source_directory)
        return sorted(p.name for p in source.iterdir() if p.is_dir()) if source.is_dir() else []

    def require_source(self, quiz: str) -> None:
        """Fail unless source/<quiz>/ exists."""
        if quiz not in self.source_quizzes():
            known = ", ".join(self.source_quizzes()) or "none"
            raise CourseError(
                f"no quiz {quiz!r} in {self.path(self.coursedir.source_directory)} "
                f"(quizzes there: {known})"
            )

    def released_notebooks(self, quiz: str) -> list[str]:
        """Notebook names of a released quiz, from the gradebook; fail if it is not released."""
        self.require_source(quiz)
        with self.gradebook() as gb:
            try:
                assignment = gb.find_assignment(quiz)
            except MissingEntry:
                raise CourseError(
                    f"quiz {quiz!r} has not been released yet: run `course-grade release {quiz}`"
                ) from None
            names = sorted(nb.name for nb in assignment.notebooks)
        if not names:
            raise CourseError(f"quiz {quiz!r} is in the gradebook without notebooks: release it")
        return names


def find_root(explicit: str | os.PathLike | None = None) -> Path:
    """The course root: ``explicit``, else the current directory, else ./assessments."""
    if explicit is not None:
        root = Path(explicit).expanduser().resolve()
        if not (root / CONFIG_FILE).is_file():
            raise CourseError(f"{root} is not an nbgrader course: it has no {CONFIG_FILE}")
        return root
    here = Path.cwd()
    for candidate in (here, here / "assessments"):
        if (candidate / CONFIG_FILE).is_file():
            return candidate.resolve()
    raise CourseError(
        f"no nbgrader course here ({here} has no {CONFIG_FILE}): run from the course's "
        "assessments/ directory, or pass --course PATH"
    )


def open_course(root: str | os.PathLike | None = None, overrides: Config | None = None) -> Course:
    """Load the course's own nbgrader_config.py (plus ``overrides``) as nbgrader would."""
    config_dir = find_root(root)
    config = PyFileConfigLoader(CONFIG_FILE, path=str(config_dir)).load_config()
    if "root" not in config.CourseDirectory:
        # nbgrader would otherwise take the current directory as the root
        config.CourseDirectory.root = str(config_dir)
    if overrides is not None:
        config.merge(overrides)
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    return Course(
        root=Path(coursedir.root),
        config_dir=config_dir,
        config=config,
        coursedir=coursedir,
        api=api,
    )
