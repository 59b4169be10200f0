"""Look at a submission before any of its code runs.

nbgrader stops with a traceback on a notebook it cannot parse, and silently skips a folder
whose notebook was renamed. Checking first lets the batch report such a student as
*malformed* or *missing*, with what to do about it, and grade everyone else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

MiB = 1024 * 1024
#: A quiz notebook is tens of kilobytes; anything this large is not a genuine answer sheet.
MAX_NOTEBOOK_BYTES = 20 * MiB
CELL_TYPES = {"code", "markdown", "raw"}


@dataclass(frozen=True)
class Problem:
    status: str  # "missing" or "malformed"
    detail: str


def check_submission(
    folder: Path, notebooks: list[str], max_bytes: int = MAX_NOTEBOOK_BYTES
) -> Problem | None:
    """What is wrong with ``folder`` (submitted/<student>/<quiz>/), or None if it can be graded."""
    if not folder.is_dir():
        return Problem("missing", "nothing submitted")
    links = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_symlink())
    if links:
        return Problem("malformed", f"contains a symbolic link ({links[0]}): remove it")
    for name in notebooks:
        path = folder / f"{name}.ipynb"
        if not path.is_file():
            others = sorted(p.name for p in folder.glob("*.ipynb"))
            if others:
                found = ", ".join(others)
                return Problem(
                    "missing", f"no {name}.ipynb (found {found}: rename it to {name}.ipynb)"
                )
            return Problem("missing", f"no {name}.ipynb in the submission")
        problem = notebook_problem(path, max_bytes)
        if problem:
            return Problem("malformed", f"{path.name}: {problem}")
    return None


def notebook_problem(path: Path, max_bytes: int = MAX_NOTEBOOK_BYTES) -> str | None:
    """Why the file at ``path`` is not a notebook nbgrader can grade, or None."""
    size = path.stat().st_size
    if size > max_bytes:
        return f"{size / MiB:.0f} MiB, over the {max_bytes / MiB:.0f} MiB limit"
    return notebook_bytes_problem(path.read_bytes())


def notebook_bytes_problem(data: bytes) -> str | None:
    """Why ``data`` is not a notebook nbgrader can grade, or None."""
    if not data:
        return "the file is empty"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"not UTF-8 text (byte {err.start}): not a notebook file"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        # a notebook's JSON ends with its closing brace; an upload cut short does not
        hint = "" if text.rstrip().endswith("}") else " - the file looks truncated"
        return f"not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}){hint}"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return "JSON, but not a notebook (no list of cells)"
    if data.get("nbformat") != 4:
        return f"notebook format {data.get('nbformat')!r}; only format 4 can be graded"
    for index, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in CELL_TYPES:
            return f"cell {index + 1} is not a notebook cell"
        if not isinstance(cell.get("source"), str | list):
            return f"cell {index + 1} has no source"
    return None


def cell_notes(submitted, released) -> list[str]:
    """What a student did to the quiz's cells that the grader copes with but you should know.

    nbgrader puts deleted test cells back, ignores duplicates of a cell (only the last copy
    keeps its grading metadata) and runs cells in the student's order, so a test moved above
    its answer fails.
    """

    def grade_ids(nb) -> list[str]:
        ids = (cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells)
        return [grade_id for grade_id in ids if grade_id]

    expected, got = grade_ids(released), grade_ids(submitted)
    known = [grade_id for grade_id in dict.fromkeys(got) if grade_id in expected]
    notes = []
    deleted = [grade_id for grade_id in expected if grade_id not in got]
    if deleted:
        notes.append(f"deleted cells {', '.join(deleted)} (test cells were put back)")
    duplicated = sorted({grade_id for grade_id in got if got.count(grade_id) > 1})
    if duplicated:
        notes.append(f"duplicated cells {', '.join(duplicated)} (only the last copy counts)")
    if known != [grade_id for grade_id in expected if grade_id in known]:
        notes.append("cells moved: graded in the student's order")
    return notes
