"""Item analysis of a quiz: which questions work, and which wrong answers attract whom.

Computed from the gradebook (nbgrader's scores, the single source of truth) and, for the
chosen options, from the answer variables in the autograded notebooks - read with ``ast``,
never executed. For each autograded question (test cell):

* proportion correct - the share of students with full points on it;
* point-biserial correlation between getting it right (0/1) and the *rest score* (the
  student's autograded total without this question), so an item is not correlated with
  itself;
* upper-lower discrimination - proportion correct among the top 27% of students by
  autograded total minus that among the bottom 27% (Kelley's groups);
* the distribution of answers given, each with who chose it, how those students did
  overall, and how many came from the upper, middle and lower groups.

A good item is answered correctly more often by stronger students (r and D well above 0.2);
a wrong option chosen mostly by the upper group usually means the question is ambiguous.
"""

from __future__ import annotations

import ast
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

import nbformat

from grading.course import Course

#: Kelley's (1939) share of students in each of the upper and lower groups.
GROUP_SHARE = 0.27
BLANK = "(blank)"
NOT_A_VALUE = "(computed, not a plain value)"
NO_ANSWER = "(no answer)"
UNREADABLE = "(not valid Python)"


@dataclass
class Option:
    """One distinct answer to an item, and who gave it."""

    answer: str
    students: list[str]
    correct_share: float  # of those who gave it, the share with full points
    mean_total: float
    upper: int = 0
    middle: int = 0
    lower: int = 0

    @property
    def count(self) -> int:
        return len(self.students)


@dataclass
class Item:
    grade_id: str
    notebook: str
    max_score: float
    answer_cell: str | None
    variable: str | None
    n: int = 0
    proportion_correct: float = math.nan
    mean_score: float = math.nan
    point_biserial: float | None = None
    upper_lower: float | None = None
    options: list[Option] = field(default_factory=list)

    @property
    def flags(self) -> list[str]:
        """Plain-language warnings for the instructor."""
        flags = []
        if self.proportion_correct >= 0.9:
            flags.append("very easy")
        elif self.proportion_correct <= 0.2:
            flags.append("very hard")
        r, d = self.point_biserial, self.upper_lower
        if (r is not None and r < 0) or (d is not None and d < 0):
            flags.append("weaker students do better: check the key")
        elif r is not None and r < 0.2:
            flags.append("separates students poorly")
        for option in self.options:
            if option.correct_share == 0 and option.upper > option.lower and option.upper >= 2:
                flags.append(f"wrong answer {option.answer!r} draws the upper group")
        return flags


@dataclass
class Analysis:
    quiz: str
    items: list[Item]
    totals: dict[str, float]  # autograded total per analysed student
    max_total: float
    upper: list[str]
    lower: list[str]
    excluded: dict[str, str]  # student -> why not analysed


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r, or None when either variable is constant (r is undefined)."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return sxy / math.sqrt(sxx * syy)


def groups(totals: dict[str, float], share: float = GROUP_SHARE) -> tuple[list[str], list[str]]:
    """Upper and lower groups: the top and bottom ``share`` of students by total.

    Ties are broken by student id, so the groups are reproducible.
    """
    ranked = sorted(totals, key=lambda s: (-totals[s], s))
    size = max(1, round(share * len(ranked))) if ranked else 0
    return ranked[:size], ranked[len(ranked) - size :]


def analyse(course: Course, quiz: str) -> Analysis:
    """Item statistics for ``quiz`` from the course's gradebook and autograded notebooks."""
    scores, items, excluded = _gradebook_scores(course, quiz)
    totals = {student: sum(item_scores.values()) for student, item_scores in scores.items()}
    upper, lower = groups(totals)
    answers = _answers(course, quiz, items, list(scores))
    for item in items:
        _item_statistics(item, scores, totals, upper, lower, answers.get(item.grade_id, {}))
    return Analysis(
        quiz=quiz,
        items=items,
        totals=totals,
        max_total=sum(item.max_score for item in items),
        upper=upper,
        lower=lower,
        excluded=excluded,
    )


def _item_statistics(item, scores, totals, upper, lower, answers) -> None:
    students = sorted(scores)
    item.n = len(students)
    if not students:
        return
    correct = {s: float(scores[s][item.grade_id] >= item.max_score) for s in students}
    item.proportion_correct = sum(correct.values()) / len(students)
    item.mean_score = sum(scores[s][item.grade_id] for s in students) / len(students)
    rest = [totals[s] - scores[s][item.grade_id] for s in students]
    item.point_biserial = pearson([correct[s] for s in students], rest)
    if upper and lower and len(students) >= 2:
        p_upper = sum(correct[s] for s in upper) / len(upper)
        p_lower = sum(correct[s] for s in lower) / len(lower)
        item.upper_lower = p_upper - p_lower
    if not answers:
        return
    chosen: dict[str, list[str]] = defaultdict(list)
    for student in students:
        chosen[answers.get(student, NO_ANSWER)].append(student)
    upper_set, lower_set = set(upper), set(lower)
    for answer, who in chosen.items():
        in_upper = sum(s in upper_set for s in who)
        in_lower = sum(s in lower_set and s not in upper_set for s in who)
        item.options.append(
            Option(
                answer=answer,
                students=who,
                correct_share=sum(correct[s] for s in who) / len(who),
                mean_total=sum(totals[s] for s in who) / len(who),
                upper=in_upper,
                lower=in_lower,
                middle=len(who) - in_upper - in_lower,
            )
        )
    item.options.sort(key=lambda o: (-o.correct_share, -o.count, o.answer))


def _gradebook_scores(course: Course, quiz: str):
    """Per student, the score of every autograded item; the items; who was left out and why."""
    scores: dict[str, dict[str, float]] = {}
    excluded: dict[str, str] = {}
    items: list[Item] = []
    answer_cells = _answer_cells(course, quiz)
    with course.gradebook() as gb:
        assignment = gb.find_assignment(quiz)
        for notebook in sorted(assignment.notebooks, key=lambda nb: nb.name):
            solutions = {cell.name for cell in notebook.solution_cells}
            for cell in notebook.grade_cells:
                if cell.cell_type == "code" and cell.name not in solutions:
                    answer_cell, variable = answer_cells.get(
                        (notebook.name, cell.name), (None, None)
                    )
                    items.append(
                        Item(cell.name, notebook.name, cell.max_score, answer_cell, variable)
                    )
        order = {key: i for i, key in enumerate(answer_cells)}
        items.sort(key=lambda it: (order.get((it.notebook, it.grade_id), len(order)), it.grade_id))
        wanted = {(item.notebook, item.grade_id) for item in items}
        for submission in assignment.submissions:
            student = submission.student.id
            got: dict[str, float] = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if (notebook.name, grade.name) not in wanted:
                        continue
                    if grade.auto_score is None and grade.manual_score is None:
                        break
                    got[grade.name] = grade.score
            if len(got) == len(wanted):
                scores[student] = got
            else:
                excluded[student] = "not (fully) autograded"
    return scores, items, excluded


def _answer_cells(course: Course, quiz: str) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(notebook, test cell) -> (the answer cell before it, the variable it assigns).

    Read from the released notebook (else the source), in cell order.
    """
    mapping: dict[tuple[str, str], tuple[str, str | None]] = {}
    for kind in (course.coursedir.release_directory, course.coursedir.source_directory):
        for path in sorted(course.path(kind, quiz).glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            current: tuple[str, str | None] | None = None
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if cell.cell_type != "code":
                    continue
                if meta.get("solution") and not meta.get("grade"):
                    current = (meta["grade_id"], _assigned_name(cell.source))
                elif meta.get("grade") and not meta.get("solution") and current:
                    mapping.setdefault((path.stem, meta["grade_id"]), current)
        if mapping:
            break
    return mapping


def _assigned_name(source: str) -> str | None:
    """The variable an answer cell is about: the first name assigned at top level."""
    try:
        tree = ast.parse(_without_magics(source))
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            return node.targets[0].id
    return None


def _answers(course: Course, quiz: str, items: list[Item], students: list[str]):
    """item grade_id -> student -> the normalised answer they gave."""
    answers: dict[str, dict[str, str]] = defaultdict(dict)
    for student in students:
        notebooks = {}
        for item in items:
            if not item.answer_cell or not item.variable:
                continue
            if item.notebook not in notebooks:
                path = course.path(
                    course.coursedir.autograded_directory, student, quiz, f"{item.notebook}.ipynb"
                )
                notebooks[item.notebook] = (
                    nbformat.read(path, as_version=4) if path.is_file() else None
                )
            nb = notebooks[item.notebook]
            if nb is None:
                continue
            sources = [
                cell.source
                for cell in nb.cells
                if cell.metadata.get("nbgrader", {}).get("grade_id") == item.answer_cell
            ]
            answers[item.grade_id][student] = (
                answer_value(sources[0], item.variable) if sources else NO_ANSWER
            )
    return answers


def answer_value(source: str, variable: str) -> str:
    """The value assigned last to ``variable`` at top level, normalised for counting."""
    try:
        tree = ast.parse(_without_magics(source))
    except SyntaxError:
        return UNREADABLE
    value = None
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == variable for t in targets):
            value = node.value
    if value is None:
        return NO_ANSWER
    try:
        literal = ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return NOT_A_VALUE
    return normalise(literal)


def normalise(value) -> str:
    """How two students' answers are recognised as the same option."""
    if value is None or value == "" or (isinstance(value, list | tuple | set) and not value):
        return BLANK
    if isinstance(value, str):
        text = re.sub(r"[\s_-]+", " ", value).strip().lower()
        return text.upper() if len(text) == 1 else text
    if isinstance(value, list | tuple):
        return ", ".join(normalise(v) for v in value)
    if isinstance(value, set):
        return ", ".join(sorted(normalise(v) for v in value))
    return repr(value)


def _without_magics(source: str) -> str:
    """IPython magics and shell escapes are not Python; blank them out before parsing."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )
