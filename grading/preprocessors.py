"""nbgrader preprocessors the course adds to the autograde pipeline.

Each one works around a way a submission can break nbgrader's own pipeline, and is put in
place by :func:`sanitize_preprocessors`, so nbgrader still does the grading.
"""

from __future__ import annotations

from nbgrader.converters import Autograde
from nbgrader.preprocessors import DeduplicateIds, NbGraderPreprocessor


class ForgetDuplicatedCells(NbGraderPreprocessor):
    """Let copies of a graded cell be ordinary cells.

    A student who copies a test or answer cell copies its grade id. nbgrader's
    DeduplicateIds keeps the last copy and empties the others' ``nbgrader`` metadata, and
    the empty dict then makes ``OverwriteCells.add_missing_cells`` fail with
    ``KeyError: 'grade_id'`` (or CheckCellMetadata report an "old metadata format"), so the
    whole submission fails (nbgrader issue #1083). Removing the empty dict makes the copies
    plain cells: they still run, but count for nothing.
    """

    def preprocess_cell(self, cell, resources, index):
        if "nbgrader" in cell.metadata and not cell.metadata.nbgrader:
            del cell.metadata["nbgrader"]
        return cell, resources


def sanitize_preprocessors() -> list[type]:
    """nbgrader's sanitising steps for autograde, with ForgetDuplicatedCells after dedup."""
    steps = []
    for step in Autograde.class_traits()["sanitize_preprocessors"].default():
        steps.append(step)
        if step is DeduplicateIds:
            steps.append(ForgetDuplicatedCells)
    return steps
