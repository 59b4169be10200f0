"""Collecting an LMS export: the right file for the right student, nothing lost, nothing unsafe.

Canvas and Moodle exports are built here the way those systems name their files; the
collector must map LMS ids to student ids through the roster, report every file it did not
take and why, never overwrite silently, and refuse zip-slip paths, links and zip bombs.
"""

from __future__ import annotations

import copy
import csv
import stat
import zipfile

import nbformat
import pytest
from nbgrader_course import cell_grade_id, released_course
from test_grading import CORRECT, WRONG

from grading import cli, collect
from grading.collect import Roster
from grading.course import CourseError, open_course

QUIZ = "quiz01_bowlby"
NB = f"{QUIZ}.ipynb"


def with_sources(nb, sources):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell_grade_id(cell) in sources:
            cell.source = sources[cell_grade_id(cell)]
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return released_course(tmp_path_factory.mktemp("collect"), QUIZ, 3)


@pytest.fixture(scope="module")
def notebooks(course):
    release = course.release_nb()
    return {
        "right": nbformat.writes(with_sources(release, CORRECT)).encode(),
        "wrong": nbformat.writes(with_sources(release, WRONG)).encode(),
    }


@pytest.fixture
def fresh(course):
    """Each test starts with nothing collected."""
    import shutil

    for name in ("submitted", "replaced", "reports"):
        shutil.rmtree(course.path(name), ignore_errors=True)
    return course


def make_zip(path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def write_roster(path, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student_id", "lms_id", "first_name", "last_name", "email"])
        writer.writerows(rows)
    return path


def by_source(items):
    return {item.source: item for item in items}


def run(course, source, **kwargs):
    return by_source(collect.collect(open_course(course.root), QUIZ, source, **kwargs))


def submitted(course, student) -> bytes:
    return course.path("submitted", student, QUIZ, NB).read_bytes()


def test_canvas_export_with_a_roster(fresh, notebooks, tmp_path):
    export = make_zip(
        tmp_path / "canvas.zip",
        {
            f"smithjo_101_9001_{NB}": notebooks["right"],
            f"doeja_LATE_102_9002_{QUIZ}-1.ipynb": notebooks["wrong"],
            "roemi_103_9003_notes.pdf": b"%PDF-1.4",
            f"strangerx_999_9009_{NB}": notebooks["right"],
        },
    )
    roster = write_roster(
        tmp_path / "roster.csv",
        [
            ["jsmith", "101", "Jo", "Smith", "jo@example.org"],
            ["jdoe", "102", "Jane", "Doe", ""],
            ["mroe", "103", "Mi", "Roe", ""],
        ],
    )
    args = ["--course", str(fresh.root), "collect", QUIZ, str(export), "--roster", str(roster)]
    assert cli.main(args) == cli.ATTENTION  # a stranger and a PDF need a look
    assert submitted(fresh, "jsmith") == notebooks["right"]
    assert submitted(fresh, "jdoe") == notebooks["wrong"]
    with open(fresh.path("reports", f"collect_{QUIZ}.csv"), newline="") as f:
        report = {row["file"]: row for row in csv.DictReader(f)}
    assert report[f"doeja_LATE_102_9002_{QUIZ}-1.ipynb"]["action"] == "collected"
    assert "late" in report[f"doeja_LATE_102_9002_{QUIZ}-1.ipynb"]["note"]
    assert report[f"strangerx_999_9009_{NB}"]["action"] == "not on roster"
    assert report["roemi_103_9003_notes.pdf"]["action"] == "unrecognised"
    with fresh.gradebook() as gb:  # the roster is the class, names included
        assert {s.id for s in gb.students} >= {"jsmith", "jdoe", "mroe"}
        assert gb.find_student("jsmith").email == "jo@example.org"


def test_moodle_export_in_folders_and_flat(fresh, notebooks, tmp_path):
    export = make_zip(
        tmp_path / "moodle.zip",
        {
            f"Jo Smith_501_assignsubmission_file_/{NB}": notebooks["right"],
            f"Ann Lee_502_assignsubmission_file_{NB}": notebooks["wrong"],
            "Ann Lee_502_assignsubmission_onlinetext_onlinetext.html": b"<p>hi</p>",
        },
    )
    items = run(fresh, export)  # no roster: the LMS id is the student id
    assert items[f"Jo Smith_501_assignsubmission_file_/{NB}"].action == "collected"
    assert submitted(fresh, "501") == notebooks["right"]
    assert submitted(fresh, "502") == notebooks["wrong"]
    assert items["Ann Lee_502_assignsubmission_onlinetext_onlinetext.html"].action == "unrecognised"


def test_renamed_notebook_is_collected_under_its_name(fresh, notebooks, tmp_path):
    export = make_zip(
        tmp_path / "c.zip", {"smithjo_101_9001_my quiz (2).ipynb": notebooks["right"]}
    )
    item = run(fresh, export)["smithjo_101_9001_my quiz (2).ipynb"]
    assert (item.action, item.notebook) == ("collected", QUIZ)
    assert "uploaded as my quiz (2).ipynb" in item.note


def test_two_files_for_one_notebook_is_a_collision(fresh, notebooks, tmp_path):
    export = make_zip(
        tmp_path / "c.zip",
        {
            f"smithjo_101_9001_{NB}": notebooks["right"],
            f"smithjo_101_9001_{QUIZ}-1.ipynb": notebooks["wrong"],
        },
    )
    items = run(fresh, export)
    assert {item.action for item in items.values()} == {"collision"}
    assert not fresh.path("submitted", "101").exists()


def test_never_overwrites_silently(fresh, notebooks, tmp_path):
    first = make_zip(tmp_path / "1.zip", {f"smithjo_101_9001_{NB}": notebooks["right"]})
    second = make_zip(tmp_path / "2.zip", {f"smithjo_101_9005_{NB}": notebooks["wrong"]})
    assert run(fresh, first)[f"smithjo_101_9001_{NB}"].action == "collected"
    assert run(fresh, first)[f"smithjo_101_9001_{NB}"].action == "unchanged"
    assert run(fresh, second)[f"smithjo_101_9005_{NB}"].action == "kept existing"
    assert submitted(fresh, "101") == notebooks["right"]
    dry = run(fresh, second, replace=True, dry_run=True)[f"smithjo_101_9005_{NB}"]
    assert dry.action == "replaced" and submitted(fresh, "101") == notebooks["right"]
    item = run(fresh, second, replace=True)[f"smithjo_101_9005_{NB}"]
    assert item.action == "replaced"
    assert submitted(fresh, "101") == notebooks["wrong"]
    (old,) = fresh.path("replaced").rglob(NB)
    assert old.read_bytes() == notebooks["right"] and str(old.relative_to(fresh.root)) in item.note


def test_unsafe_members_are_rejected(fresh, notebooks, tmp_path):
    link = zipfile.ZipInfo(f"linky_107_9007_{NB}")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    export = tmp_path / "evil.zip"
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"../../evil_104_9004_{NB}", notebooks["right"])
        archive.writestr(f"/etc/abs_105_9005_{NB}", notebooks["right"])
        archive.writestr(f"..\\..\\win_106_9006_{NB}", notebooks["right"])
        archive.writestr(link, "/etc/passwd")
        archive.writestr(f"bomb_108_9008_{NB}", b"\0" * (5 * 2**20))  # 5 MiB -> ~5 kB
        archive.writestr(f"huge_109_9009_{NB}", b"\0" * (21 * 2**20))
        archive.writestr(f"smithjo_101_9001_{NB}", notebooks["right"])
    items = run(fresh, export)
    rejected = {name: item.note for name, item in items.items() if item.action == "rejected"}
    assert "zip slip" in rejected[f"../../evil_104_9004_{NB}"]
    assert "zip slip" in rejected[f"/etc/abs_105_9005_{NB}"]
    assert "zip slip" in rejected[f"..\\..\\win_106_9006_{NB}"]
    assert "symbolic link" in rejected[f"linky_107_9007_{NB}"]
    assert "zip bomb" in rejected[f"bomb_108_9008_{NB}"]
    assert "too large" in rejected[f"huge_109_9009_{NB}"]
    assert items[f"smithjo_101_9001_{NB}"].action == "collected"  # the good one still comes in
    assert sorted(p.name for p in fresh.path("submitted").iterdir()) == ["101"]
    assert not list(fresh.root.parent.rglob("evil_104_9004_*"))


def test_too_many_members_stop_the_import(fresh, tmp_path, monkeypatch):
    monkeypatch.setattr(collect, "MAX_MEMBERS", 5)
    export = make_zip(tmp_path / "many.zip", {f"x_{i}_1_{NB}": b"{}" for i in range(6)})
    with pytest.raises(CourseError, match="more than an export holds"):
        run(fresh, export)


def test_a_folder_export_works_like_a_zip(fresh, notebooks, tmp_path):
    folder = tmp_path / "unpacked"
    (folder / "Jo Smith_501_assignsubmission_file_").mkdir(parents=True)
    (folder / "Jo Smith_501_assignsubmission_file_" / NB).write_bytes(notebooks["right"])
    assert run(fresh, folder)[f"Jo Smith_501_assignsubmission_file_/{NB}"].action == "collected"


def test_bad_inputs_are_clear_errors(fresh, tmp_path, capsys):
    not_zip = tmp_path / "export.zip"
    not_zip.write_text("not a zip")
    args = ["--course", str(fresh.root), "collect", QUIZ, str(not_zip)]
    assert cli.main(args) == cli.USAGE
    assert "neither a zip file nor a folder" in capsys.readouterr().err
    bad_roster = tmp_path / "roster.csv"
    bad_roster.write_text("name,id\nJo,1\n")
    with pytest.raises(CourseError, match="student_id and lms_id"):
        Roster.read(bad_roster)
    twice = write_roster(tmp_path / "twice.csv", [["a", "1", "", "", ""], ["b", "1", "", "", ""]])
    with pytest.raises(CourseError, match="appears twice"):
        Roster.read(twice)
    unusable = write_roster(tmp_path / "unusable.csv", [["Jo Smith", "1", "", "", ""]])
    with pytest.raises(CourseError, match="not a usable student id"):
        Roster.read(unusable)
