"""``course-grade``: the instructor's term, one subcommand per step, on top of nbgrader.

Each subcommand calls nbgrader's Python API (NbGraderAPI, its converters and plugins) on the
course in the current directory (or ``--course``), explains in its ``--help`` what it does,
where the files go and what comes next, and exits nonzero when something needs attention.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections import Counter
from pathlib import Path

from traitlets.config import Config

from grading.course import Course, CourseError, open_course

#: Exit codes.
OK, ATTENTION, USAGE, NO_SANDBOX = 0, 1, 2, 3

TERM = """\
The term, step by step (run from the course's assessments/ directory, or pass --course):

  1. course-grade release QUIZ            make the student version; hand it out
  2. course-grade collect QUIZ EXPORT.zip bring in the notebooks students handed in
  3. course-grade autograde QUIZ          grade everyone (sandboxed, in parallel)
  4. jupyter lab -> Nbgrader -> Formgrader grade the written answers by hand
  5. course-grade feedback QUIZ           one HTML page per student to send back
  6. course-grade export                  grades.csv for your records or the LMS
  7. course-grade report QUIZ             item analysis: which questions work

Exit codes: 0 done; 1 done, but some students or files need your attention (see the
summary); 2 a usage or course error; 3 the sandbox is unavailable.
The full guide is assessments/GRADING.md.
"""


def _parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="course-grade",
        description="Grade the course's nbgrader quizzes for a whole class: safely, quickly, "
        "and with insight.",
        epilog=TERM,
        formatter_class=formatter,
    )
    parser.add_argument(
        "--course",
        metavar="PATH",
        help="the nbgrader course root (the folder with nbgrader_config.py); default: the "
        "current directory, or ./assessments",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name, summary, description):
        return sub.add_parser(
            name,
            help=summary,
            description=textwrap.dedent(description),
            formatter_class=formatter,
        )

    p = command(
        "release",
        "make the student version of a quiz",
        """\
        Make the student version of source/QUIZ/ (nbgrader generate_assignment): solutions
        and hidden tests are removed, instructions and tests locked.

        Writes:  release/QUIZ/*.ipynb - give these files to the students.
        Records: the quiz, its test cells and their points in the gradebook; the
                 autograder later grades with this recorded copy, not with what students
                 send back.
        Next:    students answer and hand the notebook back unrenamed; then
                 `course-grade collect QUIZ EXPORT.zip`.
        """,
    )
    p.add_argument("quiz", help="the quiz's folder name under source/, e.g. quiz01_bowlby")
    p.add_argument(
        "--force", action="store_true", help="regenerate it (only before anyone has submitted)"
    )
    p.add_argument(
        "--due", metavar="WHEN", help='due date for late flags, e.g. "2025-03-14 17:00:00 UTC"'
    )
    p.set_defaults(run=_release)

    p = command(
        "collect",
        "bring in submissions, e.g. the zip an LMS exports",
        """\
        Copy students' notebooks from an LMS export (a zip, or the folder it unpacks to)
        into submitted/STUDENT/QUIZ/NOTEBOOK.ipynb, where autograde looks for them.

        Formats (--lms auto picks the one the file names follow):
          canvas  smithjo_12345_67890_quiz01_bowlby.ipynb
                  (name[_LATE]_userid_submissionid_file; -1, -2 mark resubmissions)
          moodle  Jo Smith_12345_assignsubmission_file_/quiz01_bowlby.ipynb
                  (participant name_id_assignsubmission_file_, folders or flat)

        Student ids: with --roster ROSTER.csv (columns student_id, lms_id, and optionally
        first_name, last_name, email) each LMS id is mapped to your student id, and the
        roster is added to the gradebook. Without a roster the LMS id is the student id.

        Nothing is overwritten silently: a different notebook already collected for a
        student is kept unless you pass --replace (then the old one is moved to
        replaced/). Two files for one student's notebook are a collision and neither is
        taken. Unsafe zip members (absolute or ../ paths, links, zip bombs) are rejected.

        Writes:  submitted/..., and reports/collect_QUIZ.csv (what became of every file).
        Next:    `course-grade autograde QUIZ`.
        """,
    )
    p.add_argument("quiz")
    p.add_argument("source", type=Path, help="the LMS export: a .zip file or a folder")
    p.add_argument("--lms", choices=["auto", "canvas", "moodle"], default="auto")
    p.add_argument("--roster", type=Path, metavar="CSV", help="LMS id -> student id mapping")
    p.add_argument("--replace", action="store_true", help="take new versions of notebooks")
    p.add_argument("--dry-run", action="store_true", help="report what would happen, copy nothing")
    p.set_defaults(run=_collect)

    p = command(
        "autograde",
        "grade every submission of a quiz",
        """\
        Run every student's notebook and score the autograded questions (nbgrader's
        Autograde), several students at a time, each kernel in a bubblewrap sandbox with
        no network, no view of the course files and limits on memory, processes, file size
        and time. A progress bar runs while it works; at the end a table says, for every
        student: graded, timed out (graded, a cell was stopped), unchanged (graded
        before), missing, malformed or failed - with the reason and what to do.

        Submissions already graded are skipped unless resubmitted or --force is given, so
        running it again is safe: no grade is duplicated or lost.

        Writes:  autograded/STUDENT/QUIZ/ (the graded notebooks), scores in the gradebook,
                 reports/autograde_QUIZ.csv (the summary) and .log (nbgrader's log).
        Next:    grade the written answers in the formgrader (jupyter lab -> Nbgrader ->
                 Formgrader), then `course-grade feedback QUIZ`.
        """,
    )
    p.add_argument("quiz")
    p.add_argument(
        "--student", action="append", metavar="ID", help="only this student (repeatable)"
    )
    p.add_argument("--force", action="store_true", help="regrade even if already graded")
    p.add_argument(
        "--workers", type=int, metavar="N", help="students graded at once (default: cores + 1)"
    )
    p.add_argument(
        "--timeout", type=int, metavar="S", help="seconds a cell may run (default: the config's)"
    )
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run student code WITHOUT the sandbox, as you - only if you trust every submission",
    )
    p.set_defaults(run=_autograde)

    p = command(
        "feedback",
        "make one feedback page per student",
        """\
        Write each graded student's notebook as an HTML page with their scores, the test
        output and your comments (nbgrader generate_feedback).

        The feedback shows the test cells, hidden tests included: send it only when every
        submission, late ones too, is in and graded.

        Writes:  feedback/STUDENT/QUIZ/NOTEBOOK.html - send each student their own.
        Next:    `course-grade export`.
        """,
    )
    p.add_argument("quiz")
    p.add_argument("--student", metavar="ID", help="only this student")
    p.add_argument(
        "--force", action="store_true", help="rewrite existing feedback (after a regrade)"
    )
    p.set_defaults(run=_feedback)

    p = command(
        "export",
        "write the grades to CSV",
        """\
        Export the gradebook (nbgrader's CsvExportPlugin): one row per student and quiz,
        with raw score, late penalty, score and maximum. The gradebook stays the record;
        export again after any change.

        Writes:  the file set in nbgrader_config.py (grades.csv in the course root) or --to.
        Next:    `course-grade report QUIZ` to see how each question worked.
        """,
    )
    p.add_argument("--quiz", action="append", metavar="QUIZ", help="only this quiz (repeatable)")
    p.add_argument("--to", type=Path, metavar="FILE", help="where to write the CSV")
    p.set_defaults(run=_export)

    p = command(
        "report",
        "item analysis of a quiz, as an HTML page",
        """\
        For each autograded question: the share of students who got it right, how well it
        separates stronger from weaker students (point-biserial r against the rest of the
        quiz, and upper-lower 27% discrimination D), and which answers were given by whom
        - the wrong options that attract strong students point at ambiguous questions.

        Writes:  reports/item_analysis_QUIZ.html (charts included: opens offline). It
                 names students: keep it with the grades, not on a public drive.
        """,
    )
    p.add_argument("quiz")
    p.add_argument("--to", type=Path, metavar="FILE", help="where to write the page")
    p.set_defaults(run=_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except CourseError as err:
        print(f"course-grade: {err}", file=sys.stderr)
        return USAGE


def _course(args, overrides: Config | None = None) -> Course:
    return open_course(args.course, overrides)


def _nbgrader_result(result: dict, what: str) -> None:
    if not result.get("success"):
        log = (result.get("log") or "").strip()
        error = (result.get("error") or "").strip()
        detail = "\n".join(x for x in (log[-3000:], error[-3000:]) if x)
        raise CourseError(f"nbgrader could not {what}:\n{detail}")


def _release(args) -> int:
    course = _course(args)
    course.require_source(args.quiz)
    _nbgrader_result(course.api.generate_assignment(args.quiz, force=args.force), "release")
    if args.due:
        from nbgrader.utils import parse_utc

        try:
            due = parse_utc(args.due)
        except ValueError as err:
            raise CourseError(f"--due {args.due!r}: {err}") from err
        with course.gradebook() as gb:
            gb.update_or_create_assignment(args.quiz, duedate=due)
    released = sorted(course.path(course.coursedir.release_directory, args.quiz).glob("*"))
    print(f"Released {args.quiz}: give students")
    for path in released:
        print(f"  {path}")
    if args.due:
        print(f"Due {due:%Y-%m-%d %H:%M} UTC: later submissions are flagged late.")
    print(f"Next: collect their notebooks with `course-grade collect {args.quiz} EXPORT.zip`.")
    return OK


def _collect(args) -> int:
    from grading.collect import FINE, Roster, collect, report_table, write_report

    course = _course(args)
    roster = Roster.read(args.roster) if args.roster else None
    items = collect(
        course,
        args.quiz,
        args.source,
        lms=args.lms,
        roster=roster,
        replace=args.replace,
        dry_run=args.dry_run,
    )
    print(report_table(items))
    if args.dry_run:
        print("\nDry run: nothing was copied.")
    else:
        print(f"\nReport: {write_report(course, args.quiz, items)}")
        if roster is None:
            print("No --roster: students are identified by their LMS user id.")
        print(f"Next: `course-grade autograde {args.quiz}`.")
    return OK if all(item.action in FINE for item in items) else ATTENTION


def _autograde(args) -> int:
    from tqdm import tqdm

    from grading import sandbox as sandboxing
    from grading.batch import (
        STATUSES,
        autograde_class,
        default_workers,
        roster,
        summary_table,
        write_reports,
    )

    course = _course(args)
    notebooks = course.released_notebooks(args.quiz)  # fails early if not released
    del notebooks
    students = roster(course, args.quiz, args.student)
    if not students:
        raise CourseError(
            f"nobody to grade: no folders submitted/*/{args.quiz}/ and no students in the "
            f"gradebook (collect first: `course-grade collect {args.quiz} EXPORT.zip`)"
        )
    sandbox = not args.no_sandbox
    workers = args.workers or default_workers()
    if sandbox:
        print(f"Autograding {args.quiz}: {len(students)} students, {workers} at a time, sandboxed.")
        if sandboxing.memory_cgroup_parent() is None:
            print(
                "Note: no memory cgroup can be made here, so each kernel process is limited "
                "but not their total (assessments/GRADING.md, 'Memory across processes').",
                file=sys.stderr,
            )
    else:
        print(
            "WARNING: --no-sandbox: student code runs as you, with access to this course's "
            "files and the network.",
            file=sys.stderr,
        )
    counts: Counter = Counter()
    with tqdm(total=len(students), unit="student", desc=args.quiz, file=sys.stderr) as bar:

        def progress(outcome):
            counts[outcome.status] += 1
            bar.set_postfix_str(", ".join(f"{n} {s}" for s, n in counts.items()))
            bar.update()

        try:
            outcomes = autograde_class(
                course,
                args.quiz,
                students=students,
                workers=workers,
                sandbox=sandbox,
                force=args.force,
                timeout=args.timeout,
                on_outcome=progress,
            )
        except sandboxing.SandboxUnavailable as err:
            bar.close()
            print(f"course-grade: refusing to autograde: {err}", file=sys.stderr)
            return NO_SANDBOX
    print()
    print(summary_table(outcomes))
    table, log = write_reports(course, args.quiz, outcomes)
    print(f"\nSummary: {table}\nLog:     {log}")
    for status in sorted({o.status for o in outcomes}, key=list(STATUSES).index):
        print(f"  {status}: {STATUSES[status]}")
    print(
        f"Next: grade written answers in the formgrader, then `course-grade feedback {args.quiz}`."
    )
    attention = any(o.status in ("failed", "malformed") for o in outcomes)
    return ATTENTION if attention else OK


def _feedback(args) -> int:
    course = _course(args)
    course.released_notebooks(args.quiz)
    result = course.api.generate_feedback(args.quiz, student_id=args.student, force=args.force)
    _nbgrader_result(result, "generate feedback")
    feedback = course.path(course.coursedir.feedback_directory)
    pages = sorted(feedback.glob(f"*/{args.quiz}/*.html"))
    print(
        f"{len(pages)} feedback page(s) in {feedback}/STUDENT/{args.quiz}/ - send each "
        "student their own. Pages that already existed were kept (use --force after a regrade)."
    )
    print("Next: `course-grade export`.")
    return OK


def _export(args) -> int:
    from nbgrader.plugins import CsvExportPlugin

    course = _course(args)
    exporter = CsvExportPlugin(config=course.config)
    if args.to:
        exporter.to = str(args.to.resolve())
    if args.quiz:
        for quiz in args.quiz:
            course.released_notebooks(quiz)
        exporter.assignment = args.quiz
    destination = Path(exporter.to or "grades.csv")
    with course.gradebook() as gb:
        exporter.export(gb)
    print(f"Grades written to {destination}")
    print("Next: `course-grade report QUIZ` for the item analysis.")
    return OK


def _report(args) -> int:
    from grading.item_analysis import analyse
    from grading.item_report import write

    course = _course(args)
    course.released_notebooks(args.quiz)
    analysis = analyse(course, args.quiz)
    if not analysis.totals:
        raise CourseError(f"nobody has been autograded on {args.quiz} yet: autograde first")
    path = args.to or course.path("reports", f"item_analysis_{args.quiz}.html")
    write(analysis, path)
    print(f"Item analysis of {args.quiz} ({len(analysis.totals)} students): {path}")
    for item in analysis.items:
        if item.flags:
            print(f"  {item.grade_id}: {'; '.join(item.flags)}")
    return OK


if __name__ == "__main__":
    sys.exit(main())
