"""The gradebook on a real PostgreSQL server, as a course on JupyterHub would keep it.

A PostgreSQL server (Debian's binaries) is started in a temporary directory, listening only
on a Unix socket there; the course's nbgrader_config.py points ``db_url`` at it, and the
term's release, autograde (two workers writing at once) and export run through
``course-grade``. Under CI=true missing PostgreSQL binaries fail the test instead of
skipping it.
"""

from __future__ import annotations

import csv
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest
from test_grading import CORRECT, POINTS, WRONG
from test_grading_cli import QUIZ, course_copy, run, with_sources
from test_sandbox import require_sandbox

from grading import cli

pytestmark = [
    pytest.mark.filterwarnings("ignore:Object of type <Submitted:sqlalchemy.exc.SAWarning"),
    pytest.mark.filterwarnings("ignore:Cell is missing an id field"),
]


def postgres_bin(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A throwaway server; yields the SQLAlchemy URL of an empty database on it."""
    initdb, pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
    try:
        import psycopg
    except ImportError:
        psycopg = None
    missing = [] if initdb and pg_ctl else ["PostgreSQL server binaries (initdb, pg_ctl)"]
    missing += [] if psycopg else ["the psycopg driver (pip install 'psycopg[binary]')"]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"missing: {', '.join(missing)}")
        pytest.skip(f"missing: {', '.join(missing)}")

    # PostgreSQL refuses to run as root: run it as its own user (or nobody)
    user = None
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            user = pwd.getpwnam("nobody")
    home = Path(tempfile.mkdtemp(prefix="course-grade-pg-"))
    if user:
        os.chown(home, user.pw_uid, user.pw_gid)
    data, port = home / "data", free_port()
    as_user = {"user": user.pw_uid, "group": user.pw_gid} if user else {}
    env = {**os.environ, "LC_ALL": "C.UTF-8"}

    def pg(*args, **kwargs):
        return subprocess.run(
            args, check=True, capture_output=True, text=True, env=env, cwd=home, **as_user, **kwargs
        )

    pg(initdb, "-D", str(data), "-A", "trust", "-U", "grader", "--no-sync", "-E", "UTF8")
    options = f"-k {home} -p {port} -c listen_addresses='' -c fsync=off"
    pg(pg_ctl, "-D", str(data), "-o", options, "-l", str(home / "log"), "-w", "start", timeout=60)
    try:
        with psycopg.connect(
            dbname="postgres", user="grader", host=str(home), port=port, autocommit=True
        ) as admin:
            admin.execute("CREATE DATABASE gradebook")
        yield f"postgresql+psycopg://grader@/gradebook?host={home}&port={port}"
    finally:
        pg(pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop", timeout=60)
        shutil.rmtree(home, ignore_errors=True)


def test_release_autograde_export_on_postgresql(postgres, tmp_path, capsys):
    import psycopg

    require_sandbox()
    root = course_copy(tmp_path)
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"c.CourseDirectory.db_url = {postgres!r}\n")
    assert run(root, "release", QUIZ) == cli.OK

    release = nbformat.read(root / "release" / QUIZ / f"{QUIZ}.ipynb", as_version=4)
    for student, answers in (("amy", CORRECT), ("bob", WRONG), ("cy", CORRECT)):
        folder = root / "submitted" / student / QUIZ
        folder.mkdir(parents=True)
        nbformat.write(with_sources(release, answers), folder / f"{QUIZ}.ipynb")
    assert run(root, "autograde", QUIZ, "--workers", "2") == cli.OK
    assert run(root, "autograde", QUIZ, "--workers", "2") == cli.OK  # idempotent here too
    assert run(root, "export", "--to", str(tmp_path / "grades.csv")) == cli.OK
    capsys.readouterr()

    with open(tmp_path / "grades.csv", newline="") as f:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    full = sum(POINTS.values())
    assert scores == {"amy": full, "bob": 0, "cy": full}

    # the grades are in PostgreSQL, and no SQLite gradebook was made
    assert not (root / "gradebook.db").exists()
    url = postgres.split("?")[1]
    params = dict(part.split("=") for part in url.split("&"))
    with psycopg.connect(dbname="gradebook", user="grader", **params) as db:
        rows = db.execute(
            "SELECT s.student_id, count(*) FROM submitted_assignment s "
            "JOIN assignment a ON a.id = s.assignment_id WHERE a.name = %s GROUP BY 1",
            (QUIZ,),
        ).fetchall()
    assert dict(rows) == {"amy": 1, "bob": 1, "cy": 1}
