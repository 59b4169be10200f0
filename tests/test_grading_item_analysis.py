"""Item analysis on a synthetic class whose statistics are known.

Ten students' scores are written straight into a real nbgrader gradebook (no kernels), with
autograded notebooks holding their answers. The analysis must reproduce proportions
correct, point-biserial correlations (checked against the standard library's Pearson r) and
upper-lower 27% discrimination worked out here by hand, read the chosen options without
running any code, and flag the items an instructor should look at. The HTML page must carry
its own plotly.js (no CDN).
"""

from __future__ import annotations

import copy
import re
import statistics

import nbformat
import pytest
from nbgrader_course import cell_grade_id, released_course
from test_grading import CORRECT, POINTS, WRONG

from grading import cli
from grading.course import open_course
from grading.item_analysis import (
    BLANK,
    NO_ANSWER,
    NOT_A_VALUE,
    UNREADABLE,
    analyse,
    answer_value,
    groups,
    normalise,
    pearson,
)

# nbgrader 0.9.6 with SQLAlchemy 2.x warns about its own session handling in add_submission
pytestmark = pytest.mark.filterwarnings("ignore:Object of type <Submitted:sqlalchemy.exc.SAWarning")

QUIZ = "quiz01_bowlby"
STUDENTS = [f"s{i}" for i in range(10)]
#: Points per student (s0..s9) on each autograded item.
SCORES = {
    "q1_phases_tests": [2, 2, 2, 2, 2, 2, 0, 0, 0, 0],
    "q2_functions_tests": [2, 2, 2, 2, 0, 2, 0, 0, 0, 0],
    "q3_order_tests": [2, 2, 2, 0, 2, 0, 2, 0, 0, 0],
    "q4_most_activating_tests": [1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
    "q5_concept_tests": [1] * 10,
    "q6_attachment_figures_tests": [1, 0, 0, 1, 0, 1, 0, 1, 0, 0],
    "q7_later_research_tests": [0, 0, 0, 1, 1, 1, 1, 1, 1, 1],
}
#: What each student wrote for the multiple-choice items (keys: B, D, C).
CHOICES = {
    "q4_most_activating_answer": ['"B"', '"b "', '" B"', '"B"', '"B"', '"C"', '"C"', '"C"', '"c"']
    + ["chr(65)"],
    "q5_concept_answer": ['"D"'] * 9 + ['"d"'],
    "q7_later_research_answer": ['"A"'] * 3 + ['"C"'] * 7,
}
TOTALS = {s: sum(SCORES[item][i] for item in SCORES) for i, s in enumerate(STUDENTS)}


def student_notebook(release, index: int):
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        grade_id = cell_grade_id(cell)
        if grade_id in CHOICES:
            variable = grade_id.removesuffix("_answer")
            cell.source = f"{variable} = {CHOICES[grade_id][index]}"
        elif grade_id in CORRECT:
            test = grade_id.replace("_answer", "_tests")
            cell.source = CORRECT[grade_id] if SCORES[test][index] else WRONG[grade_id]
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = released_course(tmp_path_factory.mktemp("items"), QUIZ, 3)
    release = course.release_nb()
    with course.gradebook() as gb:
        for index, student in enumerate(STUDENTS):
            gb.add_student(student)
            gb.add_submission(QUIZ, student)
            for item, points in SCORES.items():
                grade = gb.find_grade(item, QUIZ, QUIZ, student)
                grade.auto_score = points[index]
                grade.needs_manual_grade = False
            gb.db.commit()
            path = course.autograded_path(student)
            path.parent.mkdir(parents=True)
            nbformat.write(student_notebook(release, index), path)
        gb.add_student("s_failed")  # autograding failed: no scores, left out
        gb.add_submission(QUIZ, "s_failed")
    return course


@pytest.fixture(scope="module")
def analysis(course):
    return analyse(open_course(course.root), QUIZ)


def item(analysis, grade_id):
    (found,) = [i for i in analysis.items if i.grade_id == grade_id]
    return found


def test_who_is_analysed(analysis):
    assert analysis.totals == TOTALS
    assert analysis.excluded == {"s_failed": "not (fully) autograded"}
    assert analysis.max_total == sum(POINTS.values())
    assert [i.grade_id for i in analysis.items] == list(POINTS)  # in the quiz's order
    # 27% of 10 is 3 students; the three tied on 8 are split by student id
    assert analysis.upper == ["s0", "s1", "s2"]
    assert analysis.lower == ["s7", "s8", "s9"]


def test_difficulty_and_discrimination_match_the_definitions(analysis):
    for grade_id, scores in SCORES.items():
        it = item(analysis, grade_id)
        correct = [float(s == POINTS[grade_id]) for s in scores]
        rest = [TOTALS[s] - scores[i] for i, s in enumerate(STUDENTS)]
        assert it.proportion_correct == pytest.approx(sum(correct) / 10)
        if len(set(correct)) > 1:
            assert it.point_biserial == pytest.approx(statistics.correlation(correct, rest))
        else:
            assert it.point_biserial is None  # undefined when everyone scores the same
        upper = sum(correct[STUDENTS.index(s)] for s in ["s0", "s1", "s2"]) / 3
        lower = sum(correct[STUDENTS.index(s)] for s in ["s7", "s8", "s9"]) / 3
        assert it.upper_lower == pytest.approx(upper - lower)


def test_worked_examples(analysis):
    q4 = item(analysis, "q4_most_activating_tests")
    assert (q4.proportion_correct, q4.upper_lower) == (0.5, 1.0)  # strong right, weak wrong
    q7 = item(analysis, "q7_later_research_tests")
    assert (q7.proportion_correct, q7.upper_lower) == (0.7, -1.0)  # the key looks wrong
    assert q7.point_biserial < 0


def test_chosen_options_and_who_chose_them(analysis):
    q4 = {o.answer: o for o in item(analysis, "q4_most_activating_tests").options}
    assert set(q4) == {"B", "C", NOT_A_VALUE}  # case and spaces normalised; chr(65) not run
    assert q4["B"].students == ["s0", "s1", "s2", "s3", "s4"] and q4["B"].correct_share == 1
    assert (q4["B"].upper, q4["B"].middle, q4["B"].lower) == (3, 2, 0)
    assert (q4["C"].upper, q4["C"].middle, q4["C"].lower) == (0, 2, 2)
    assert q4["C"].mean_total == pytest.approx(statistics.mean(TOTALS[s] for s in q4["C"].students))
    q1 = {o.answer: o for o in item(analysis, "q1_phases_tests").options}
    assert set(q1) == {"D, A, C, B", "A, B, C, D"}  # lists, normalised element by element


def test_flags_point_at_the_items_to_look_at(analysis):
    assert "very easy" in item(analysis, "q5_concept_tests").flags
    q7 = item(analysis, "q7_later_research_tests").flags
    assert "weaker students do better: check the key" in q7
    assert "wrong answer 'A' draws the upper group" in q7
    assert not item(analysis, "q4_most_activating_tests").flags


def test_html_report_is_self_contained(course, capsys):
    assert cli.main(["--course", str(course.root), "report", QUIZ]) == cli.OK
    out = capsys.readouterr().out
    assert "q7_later_research_tests: " in out and "check the key" in out
    html = course.path("reports", f"item_analysis_{QUIZ}.html").read_text()
    assert re.search(r"<script[^>]*\bsrc=", html) is None  # nothing loaded from elsewhere
    assert "Plotly.newPlot" in html and len(html) > 1_000_000  # plotly.js is inside
    assert html.count('<section id="') == len(POINTS)
    assert "wrong answer &#39;A&#39; draws the upper group" in html
    assert "s0, s1, s2, s3, s4" in html  # who chose B


def test_pearson_and_groups():
    assert pearson([1, 0, 1, 0], [4, 1, 3, 2]) == pytest.approx(
        statistics.correlation([1, 0, 1, 0], [4, 1, 3, 2])
    )
    assert pearson([1, 1, 1], [1, 2, 3]) is None
    upper, lower = groups({"a": 3, "b": 3, "c": 1, "d": 0})
    assert (upper, lower) == (["a"], ["d"])


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ('q = "b "', "B"),
        ("q = ['Secure_Base', 'safe-haven']", "secure base, safe haven"),
        ("q = 4", "4"),
        ('q = ""\n# changed my mind\nq = "C"', "C"),
        ("q: str = 'a'", "A"),
        ("q = None", BLANK),
        ("q = []", BLANK),
        ("q = input()", NOT_A_VALUE),
        ("q = (", UNREADABLE),
        ("%time x = 1\nq = 'D'", "D"),
        ("x = 1", NO_ANSWER),
    ],
)
def test_answer_values_are_read_without_running_code(source, value):
    assert answer_value(source, "q") == value


def test_normalise():
    assert normalise({"b", "a"}) == "A, B"
    assert normalise(True) == "True"
