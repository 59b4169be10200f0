"""Bring students' notebooks from an LMS export into ``submitted/``, safely and explicitly.

Canvas ("Download Submissions") and Moodle ("Download all submissions") export one zip per
assignment, naming each file after the student:

* Canvas: ``smithjo_12345_67890_quiz01_bowlby.ipynb`` - name, user id, submission id, the
  uploaded file name (``smithjo_LATE_12345_...`` when late; Canvas adds ``-1``, ``-2`` to
  the file name when a file of that name was submitted before);
* Moodle: ``Jo Smith_12345_assignsubmission_file_/quiz01_bowlby.ipynb`` (one folder per
  student) or ``Jo Smith_12345_assignsubmission_file_quiz01_bowlby.ipynb`` (flat).

File names are matched with nbgrader's own zip-collect plugin class
(:class:`~nbgrader.plugins.zipcollect.FileNameCollectorPlugin`), so another LMS needs only
another regular expression. Everything else is stricter than ``nbgrader zip_collect``:

* the LMS id becomes a student id only through an explicit roster (or, without one, the LMS
  id *is* the student id, and the report says so);
* nothing is overwritten silently: a different notebook already in ``submitted/`` is kept
  unless ``replace`` is asked for, and then the old one is moved to ``replaced/``;
* two files for the same student and notebook are a collision: neither is taken;
* the zip is never extracted to disk: members are read one by one, with limits on their
  number and size, so zip-slip paths, symlinks and zip bombs are rejected, not unpacked.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import stat
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from nbgrader.plugins.zipcollect import FileNameCollectorPlugin
from traitlets import Unicode

from grading.batch import STUDENT_ID
from grading.course import Course, CourseError
from grading.submission_check import notebook_bytes_problem

MiB = 1024 * 1024
MAX_MEMBER_BYTES = 20 * MiB  # a quiz notebook is tens of kB
MAX_TOTAL_BYTES = 512 * MiB  # everything read from one export
MAX_MEMBERS = 20_000
MAX_RATIO = 200  # uncompressed / compressed; text notebooks compress about 5:1
PERSONAL = ("first_name", "last_name", "email")  # roster columns copied to the gradebook


class CanvasCollector(FileNameCollectorPlugin):
    """Canvas: ``<name>[_LATE]_<user id>_<submission id>_<file>``."""

    named_regexp = Unicode(
        r"^(?:.*/)?(?P<lms_name>[a-z0-9]+?)(?P<late>_LATE)?_(?P<student_id>\d+)_"
        r"(?P<submission_id>\d+)_(?P<file_id>[^/]+)$"
    ).tag(config=True)


class MoodleCollector(FileNameCollectorPlugin):
    """Moodle: ``<Full Name>_<participant id>_assignsubmission_file_[/]<file>``."""

    named_regexp = Unicode(
        r"^(?:.*/)?(?P<lms_name>[^/]+?)_(?P<student_id>\d+)_assignsubmission_file_/?"
        r"(?P<file_id>[^/]+)$"
    ).tag(config=True)


COLLECTORS = {"canvas": CanvasCollector, "moodle": MoodleCollector}


@dataclass
class Item:
    """One file of the export and what became of it."""

    source: str
    action: str  # see ACTIONS
    student: str = ""
    notebook: str = ""
    note: str = ""


#: What can happen to a file; the first three need nothing more from the instructor.
ACTIONS = [
    "collected",
    "replaced",
    "unchanged",
    "kept existing",
    "collision",
    "not on roster",
    "rejected",
    "unrecognised",
]
FINE = {"collected", "replaced", "unchanged"}


@dataclass
class Member:
    name: str
    data: bytes | None  # None when rejected
    problem: str = ""


@dataclass
class Roster:
    """LMS id -> course student id, with names and emails for the gradebook."""

    by_lms_id: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Roster:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            columns = set(reader.fieldnames or [])
            if not {"student_id", "lms_id"} <= columns:
                raise CourseError(
                    f"{path}: a roster needs the columns student_id and lms_id "
                    f"(optional: first_name, last_name, email); it has {sorted(columns)}"
                )
            roster, owners = cls(), {}
            for line, row in enumerate(reader, start=2):
                lms_id, student = row["lms_id"].strip(), row["student_id"].strip()
                if not STUDENT_ID.match(student):
                    raise CourseError(f"{path}:{line}: {student!r} is not a usable student id")
                if lms_id in roster.by_lms_id:
                    raise CourseError(f"{path}:{line}: LMS id {lms_id} appears twice")
                if student in owners:
                    raise CourseError(
                        f"{path}:{line}: student {student} is also LMS id {owners[student]}"
                    )
                owners[student] = lms_id
                roster.by_lms_id[lms_id] = {
                    "id": student,
                    **{
                        k: row[k].strip()
                        for k in ("first_name", "last_name", "email")
                        if row.get(k)
                    },
                }
        return roster


def collect(
    course: Course,
    quiz: str,
    source: Path,
    *,
    lms: str = "auto",
    roster: Roster | None = None,
    replace: bool = False,
    dry_run: bool = False,
) -> list[Item]:
    """Import ``source`` (an LMS zip or a folder) into submitted/<student>/<quiz>/."""
    notebooks = course.released_notebooks(quiz)
    members = list(read_export(source))
    collector = _collector(lms, [m.name for m in members], course)
    items: list[Item] = []
    candidates: dict[tuple[str, str], list[tuple[Member, str]]] = defaultdict(list)
    uploads: dict[str, list[tuple[Member, dict]]] = defaultdict(list)

    for member in members:
        if member.data is None:
            items.append(Item(member.name, "rejected", note=member.problem))
            continue
        info = collector.collect(member.name)
        if not info:
            items.append(Item(member.name, "unrecognised", note=_why_unrecognised(member.name)))
            continue
        uploads[info["student_id"]].append((member, info))

    for lms_id, files in sorted(uploads.items()):
        if roster is not None and lms_id not in roster.by_lms_id:
            for member, _ in files:
                items.append(Item(member.name, "not on roster", note=f"LMS id {lms_id}"))
            continue
        student = roster.by_lms_id[lms_id]["id"] if roster else lms_id
        for member, info, notebook, note in _match_notebooks(files, notebooks):
            if notebook is None:
                items.append(Item(member.name, "unrecognised", student, note=note))
                continue
            late = " (late, according to the LMS)" if info.get("late") else ""
            candidates[(student, notebook)].append((member, note + late))

    for (student, notebook), found in sorted(candidates.items()):
        if len(found) > 1:
            names = ", ".join(m.name for m, _ in found)
            for member, _ in found:
                items.append(
                    Item(
                        member.name, "collision", student, notebook, f"{len(found)} files: {names}"
                    )
                )
            continue
        member, note = found[0]
        items.append(_place(course, quiz, student, notebook, member, note, replace, dry_run))

    if roster is not None and not dry_run:
        with course.gradebook() as gb:
            for entry in roster.by_lms_id.values():
                gb.update_or_create_student(
                    entry["id"], **{k: v for k, v in entry.items() if k != "id"}
                )
    return items


def _collector(lms: str, names: list[str], course: Course) -> FileNameCollectorPlugin:
    if lms != "auto":
        if lms not in COLLECTORS:
            raise CourseError(f"unknown LMS format {lms!r}: use one of {', '.join(COLLECTORS)}")
        return COLLECTORS[lms](config=course.config)
    scores = {
        key: sum(bool(re.match(cls.named_regexp.default_value, n)) for n in names)
        for key, cls in COLLECTORS.items()
    }
    best = max(scores, key=scores.get)
    if scores[best] == 0:
        raise CourseError(
            "no file in the export is named the way Canvas or Moodle name submissions; "
            "see `course-grade collect --help` for the formats"
        )
    return COLLECTORS[best](config=course.config)


def _why_unrecognised(name: str) -> str:
    if name.lower().endswith((".zip", ".tar", ".gz", ".7z", ".rar")):
        return "an archive inside the export: unpack it and collect the folder"
    if not name.lower().endswith(".ipynb"):
        return "not a notebook"
    return "the file name does not follow the LMS's pattern"


def _match_notebooks(files, notebooks: list[str]) -> Iterator[tuple]:
    """Map one student's uploaded files to the quiz's notebooks.

    Exact names first; then the same name with a copy suffix that an LMS or a browser adds
    (``-1``, `` (1)``); then, for a one-notebook quiz, the student's only notebook.
    """
    for member, info in files:  # the collector passes only .ipynb files
        uploaded = info["file_id"]
        stem = uploaded[: -len(".ipynb")]
        if stem in notebooks:
            yield member, info, stem, ""
        elif (base := re.sub(r"(-\d+| ?\(\d+\))$", "", stem)) in notebooks:
            yield member, info, base, f"uploaded as {uploaded}"
        elif len(notebooks) == 1 and len(files) == 1:
            yield member, info, notebooks[0], f"uploaded as {uploaded}"
        else:
            yield member, info, None, f"{uploaded} is not one of {', '.join(notebooks)}"


def _place(course, quiz, student, notebook, member, note, replace, dry_run) -> Item:
    dest = course.path(course.coursedir.submitted_directory, student, quiz, f"{notebook}.ipynb")
    problem = notebook_bytes_problem(member.data)
    if problem:
        note = f"{note}; {problem} (autograde will report it)".lstrip("; ")
    if dest.exists():
        if _digest(dest.read_bytes()) == _digest(member.data):
            return Item(member.name, "unchanged", student, notebook, note)
        if not replace:
            return Item(
                member.name,
                "kept existing",
                student,
                notebook,
                "a different notebook is already in submitted/: use --replace to take this one",
            )
        action = "replaced"
        if not dry_run:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            backup = course.path("replaced", stamp, student, quiz, dest.name)
            backup.parent.mkdir(parents=True, exist_ok=True)
            os.replace(dest, backup)
            note = f"{note}; the old one is in {backup.relative_to(course.root)}".lstrip("; ")
    else:
        action = "collected"
    if not dry_run:
        _write_atomically(dest, member.data)
    return Item(member.name, action, student, notebook, note)


def _write_atomically(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.collecting")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- reading an export without trusting it -------------------------------------------------------


def read_export(source: Path) -> Iterator[Member]:
    """Files of an LMS export (zip or folder), each read into memory within the limits."""
    if source.is_dir():
        yield from _read_folder(source)
    elif zipfile.is_zipfile(source):
        yield from _read_zip(source)
    elif source.exists():
        raise CourseError(f"{source} is neither a zip file nor a folder")
    else:
        raise CourseError(f"{source} does not exist")


def unsafe_name(name: str) -> str | None:
    """Why a member name could escape the destination (zip slip), or None."""
    if "\x00" in name:
        return "NUL in the file name"
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "absolute path"
    if ".." in re.split(r"[/\\]", name):
        return "path with '..'"
    return None


def _read_zip(source: Path) -> Iterator[Member]:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as err:
        raise CourseError(f"{source}: not a readable zip ({err})") from err
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > MAX_MEMBERS:
            raise CourseError(f"{source}: {len(infos)} files is more than an export holds")
        total = 0
        for info in infos:
            name = info.filename
            why = unsafe_name(name)
            if why:
                yield Member(name, None, f"unsafe path (zip slip): {why}")
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                yield Member(name, None, "a symbolic link")
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                yield Member(name, None, f"{info.file_size / MiB:.0f} MiB: too large")
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > MAX_RATIO and info.file_size > MiB:
                yield Member(name, None, f"compressed {ratio:.0f}:1 - a zip bomb?")
                continue
            if not name.lower().endswith(".ipynb"):
                yield Member(name, b"")  # named in the report, never read
                continue
            try:
                with archive.open(info) as f:
                    data = f.read(MAX_MEMBER_BYTES + 1)  # the header's size may lie
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as err:
                yield Member(name, None, f"cannot be read from the zip: {err}")
                continue
            if len(data) > MAX_MEMBER_BYTES:
                yield Member(name, None, "larger than its zip header says: a zip bomb?")
                continue
            total += len(data)
            if total > MAX_TOTAL_BYTES:
                raise CourseError(f"{source}: more than {MAX_TOTAL_BYTES // MiB} MiB unpacked")
            yield Member(name, data)


def _read_folder(source: Path) -> Iterator[Member]:
    for path in sorted(source.rglob("*")):
        name = str(PurePosixPath(path.relative_to(source)))
        if path.is_symlink():
            yield Member(name, None, "a symbolic link")
        elif path.is_file():
            if not name.lower().endswith(".ipynb"):
                yield Member(name, b"")
            elif path.stat().st_size > MAX_MEMBER_BYTES:
                yield Member(name, None, "too large")
            else:
                yield Member(name, path.read_bytes())


# --- the report -----------------------------------------------------------------------------------


def report_table(items: list[Item]) -> str:
    rows = sorted(items, key=lambda i: (ACTIONS.index(i.action), i.student, i.source))
    lines = [f"{'action':<13}  {'student':<14}  file  - note"]
    for item in rows:
        note = f"  - {item.note}" if item.note else ""
        lines.append(f"{item.action:<13}  {item.student or '-':<14}  {item.source}{note}")
    counts = {a: sum(i.action == a for i in items) for a in ACTIONS}
    lines += ["", ", ".join(f"{n} {a}" for a, n in counts.items() if n) or "nothing found"]
    return "\n".join(lines)


def write_report(course: Course, quiz: str, items: list[Item]) -> Path:
    folder = course.path("reports")
    folder.mkdir(exist_ok=True)
    path = folder / f"collect_{quiz}.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "action", "student_id", "notebook", "note"])
        for item in items:
            writer.writerow([item.source, item.action, item.student, item.notebook, item.note])
    return path
