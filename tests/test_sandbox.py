"""Student code is untrusted: each escape a submission could try, shown contained.

One batch grades an honest student next to students whose first answer cell attacks the
grader: reading the hidden tests and other students' work, writing the gradebook, reaching
a port the test listens on, a fork bomb, a 10 GB allocation, 1.8 GB spread over six
processes, a 5 GB file, sleeping for ever, a loop that swallows interrupts, reading the
grader's environment. Each attack prints CONTAINED or ESCAPED lines, and
the test also checks from the outside (the listener, the gradebook, the process table).
The batch must finish with every student graded. Without bubblewrap the grader must refuse
to run unless told --no-sandbox.
"""

from __future__ import annotations

import copy
import os
import socket
import textwrap
import threading
from pathlib import Path

import pytest
from nbgrader_course import cell_grade_id, released_course
from test_grading import CORRECT, POINTS

from grading import cli
from grading.batch import autograde_class, summary_table
from grading.cgroup import MemoryCgroupParent, find_parent
from grading.course import open_course
from grading.sandbox import (
    CONNECTION_FILE,
    UID_BASE,
    SandboxedKernelManager,
    SandboxUnavailable,
    check_sandbox,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore:Object of type <Submitted:sqlalchemy.exc.SAWarning"),
    pytest.mark.filterwarnings("ignore:Cell is missing an id field"),
]

QUIZ = "quiz01_bowlby"
TIMEOUT = 5
FULL = sum(POINTS.values())
SECRET = "COURSE_GRADE_TEST_SECRET"
HIDDEN_TEST_LINE = 'assert "B" == q4_most_activating.strip().upper()'

#: Each attack runs in place of question 1's answer; {root}, {port} are filled in.
ATTACKS = {
    "read_hidden_tests": """
        import os, sys
        targets = [
            "{root}/source/{quiz}/{quiz}.ipynb",
            "../source/{quiz}/{quiz}.ipynb",
            "../../../source/{quiz}/{quiz}.ipynb",
            "{root}/autograded/read_hidden_tests/{quiz}/{quiz}.ipynb",
            "{root}/release/{quiz}/{quiz}.ipynb",
        ]
        for target in targets:
            try:
                text = open(target).read()
                print("ESCAPED read", target, len(text))
            except OSError as err:
                print("CONTAINED", target, type(err).__name__)
        # everything this kernel can see outside the system and Python directories
        skip = ("/proc", "/sys", "/dev", "/usr", sys.prefix, sys.base_prefix)
        seen = []
        for top, dirs, files in os.walk("/"):
            dirs[:] = [d for d in dirs if not os.path.join(top, d).startswith(skip)]
            seen += [os.path.join(top, f) for f in files]
        hidden = []
        for path in seen:
            try:
                small = os.path.getsize(path) < 5_000_000
                if small and {line!r} in open(path, errors="ignore").read():
                    hidden.append(path)
            except OSError:
                pass
        print("ESCAPED hidden tests in", hidden) if hidden else print("CONTAINED no hidden tests")
        home = os.path.expanduser("~")
        print("HOME holds", sorted(n for n in os.listdir(home) if not n.startswith(".")))
    """,
    "read_other_student": """
        for target in ["{root}/submitted/ann_honest/{quiz}/{quiz}.ipynb",
                       "{root}/autograded/ann_honest/{quiz}/{quiz}.ipynb",
                       "{root}/submitted"]:
            try:
                open(target).read()
                print("ESCAPED read", target)
            except OSError as err:
                print("CONTAINED", target, type(err).__name__)
    """,
    "write_gradebook": """
        import sqlite3
        try:
            db = sqlite3.connect("{root}/gradebook.db")
            db.execute("UPDATE grade SET auto_score = 100")
            db.commit()
            print("ESCAPED gradebook updated")
        except Exception as err:
            print("CONTAINED sqlite", type(err).__name__, err)
        for target in ["{root}/gradebook.db", "{root}/pwned.txt", "/work/pwned.txt"]:
            try:
                open(target, "ab").write(b"pwned")
                print("ESCAPED wrote", target)
            except OSError as err:
                print("CONTAINED", target, type(err).__name__)
    """,
    "open_socket": """
        import socket
        for host in ["127.0.0.1", "10.0.2.2", "1.1.1.1"]:
            s = socket.socket()
            s.settimeout(2)
            try:
                s.connect((host, {port}))
                print("ESCAPED connected to", host)
            except OSError as err:
                print("CONTAINED", host, type(err).__name__, err.errno)
            finally:
                s.close()
        try:
            socket.getaddrinfo("pypi.org", 443)
            print("ESCAPED resolved a name")
        except OSError as err:
            print("CONTAINED dns", type(err).__name__)
    """,
    "fork_bomb": """
        import os, time
        first, forks = os.getpid(), 0
        while True:  # every process keeps forking: exponential growth until refused
            try:
                child = os.fork()
            except OSError as err:
                if os.getpid() == first:
                    print(f"CONTAINED fork refused after {{forks}} forks: {{err.strerror}}")
                    break
                time.sleep(3600)  # a child: hold its slot
                os._exit(0)
            if child:
                forks += 1
    """,
    "allocate_10_gb": """
        try:
            hog = bytearray(10 * 2**30)
            print("ESCAPED allocated", len(hog))
        except MemoryError:
            print("CONTAINED MemoryError for 10 GB")
        try:
            chunks = [bytes(2**28) for _ in range(40)]  # calloc: no time spent zeroing
            print("ESCAPED allocated", len(chunks), "x 256 MB")
        except MemoryError:
            print("CONTAINED MemoryError before 10 GB in chunks")
        chunks = None
    """,
    "ignore_interrupt": """
        import time
        while True:  # swallows the grader's interrupt, and every other
            try:
                time.sleep(1)
            except BaseException:
                pass
    """,
    "write_5_gb": """
        import os
        block = b"\\0" * 2**20
        # files of 8 MB each (under the per-file limit), so only the space itself can stop it
        for folder in [os.path.expanduser("~"), "/tmp", "/dev/shm"]:
            written = 0
            try:
                for n in range(5 * 128):
                    with open(os.path.join(folder, "big" + str(n)), "wb") as f:
                        for _ in range(8):
                            f.write(block)
                            written += 1
                print("ESCAPED wrote 5 GB to", folder)
            except OSError as err:
                print("CONTAINED", folder, "stopped at", written, "MB:", err.strerror)
    """,
    "sleep_forever": """
        import time
        time.sleep(10**9)
    """,
    "read_environment": """
        import os
        if {secret!r} in os.environ:
            print("ESCAPED environment", os.environ[{secret!r}])
        else:
            print("CONTAINED environment:", sorted(os.environ))
        print("processes visible:", len([p for p in os.listdir("/proc") if p.isdigit()]))
    """,
}


#: Six children of 300 MB each, each under the per-process limit, 1.8 GB in all. Graded in a
#: batch of its own with a long cell limit: how long the kernel's reclaim takes before the
#: OOM killer acts varies with what the machine has cached.
ACROSS_PROCESSES = """
        import os, signal, time
        children = []
        for _ in range(6):  # 6 x 300 MB: each under the per-process limit, 1.8 GB in all
            pid = os.fork()
            if pid == 0:
                hog = bytearray(300 * 2**20)
                hog[:: 4096] = b"x" * len(range(0, len(hog), 4096))  # touch every page
                time.sleep(0.5)
                os._exit(0)
            children.append(pid)
        statuses = [os.waitpid(pid, 0)[1] for pid in children]
        killed = sum(os.WIFSIGNALED(s) and os.WTERMSIG(s) == signal.SIGKILL for s in statuses)
        if killed:
            print(f"CONTAINED {{killed}} of 6 children killed by the memory limit")
        else:
            print("ESCAPED 6 x 300 MB held at once")
    """


def require_sandbox() -> None:
    """Skip (fail under CI=true) when bubblewrap cannot sandbox kernels on this machine."""
    try:
        check_sandbox()
    except SandboxUnavailable as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the grading sandbox must work in CI: {err}")
        pytest.skip(f"no grading sandbox here: {err}")


class Listener:
    """A TCP port on the host's loopback that counts connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


def sandboxed_kernels() -> list[int]:
    """Processes of sandboxed kernels still alive (by their uid as root, else their argv)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            uid = int((entry / "status").read_text().split("\nUid:")[1].split()[0])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if (os.geteuid() == 0 and uid >= UID_BASE) or CONNECTION_FILE.encode() in cmdline:
            found.append(int(entry.name))
    return found


def with_sources(nb, sources):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell_grade_id(cell) in sources:
            cell.source = sources[cell_grade_id(cell)]
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    require_sandbox()
    return released_course(tmp_path_factory.mktemp("sandbox"), QUIZ, TIMEOUT)


@pytest.fixture(scope="module")
def listener():
    listener = Listener()
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def graded(course, listener):
    """The honest student and the attackers, graded in one sandboxed batch."""
    correct = with_sources(course.release_nb(), CORRECT)
    course.submit("ann_honest", correct)
    for name, attack in ATTACKS.items():
        code = textwrap.dedent(attack).format(
            root=course.root, quiz=QUIZ, port=listener.port, secret=SECRET, line=HIDDEN_TEST_LINE
        )
        code += "\n" + CORRECT["q1_phases_answer"]  # then answer, so the rest is graded
        course.submit(name, with_sources(correct, {"q1_phases_answer": code}))
    os.environ[SECRET] = "s3cret-db-password"
    try:
        outcomes = autograde_class(open_course(course.root), QUIZ, workers=3)
    finally:
        del os.environ[SECRET]
    print(summary_table(outcomes))
    return {o.student: o for o in outcomes}


def attack_output(course, student: str) -> str:
    nb = course.autograded_nb(student)
    (cell,) = [c for c in nb.cells if cell_grade_id(c) == "q1_phases_answer"]
    return "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")


def contained(course, student: str) -> str:
    text = attack_output(course, student)
    assert "ESCAPED" not in text, text
    assert "CONTAINED" in text, text
    return text


def test_the_batch_completes_with_everyone_graded(graded, course):
    assert set(graded) == {"ann_honest", *ATTACKS}
    assert graded["ann_honest"].status == "graded" and graded["ann_honest"].score == FULL
    for student in ATTACKS:
        if student in ("sleep_forever", "ignore_interrupt"):
            continue
        assert graded[student].status == "graded", (student, graded[student].detail)
        assert graded[student].score == FULL, student  # the kernel survived its own attack


def test_hidden_tests_and_source_are_out_of_reach(graded, course):
    text = contained(course, "read_hidden_tests")
    assert text.count("CONTAINED") == 6  # five paths, and nothing found anywhere
    assert "HOME holds []" in text  # the private work dir holds no notebook at all


def test_other_students_work_is_out_of_reach(graded, course):
    assert contained(course, "read_other_student").count("CONTAINED") == 3


def test_gradebook_cannot_be_written(graded, course):
    contained(course, "write_gradebook")
    assert not course.path("pwned.txt").exists()
    with course.gradebook() as gb:
        for submission in gb.find_assignment(QUIZ).submissions:
            for notebook in submission.notebooks:
                assert all((g.auto_score or 0) <= g.max_score for g in notebook.grades)


def test_no_network_not_even_the_hosts_loopback(graded, course, listener):
    text = contained(course, "open_socket")
    assert "CONTAINED 127.0.0.1" in text
    assert listener.accepted == 0


def test_fork_bomb_is_stopped_by_the_process_limit(graded, course):
    text = contained(course, "fork_bomb")
    forks = int(text.split("refused after ")[1].split()[0])
    assert 0 < forks < SandboxedKernelManager.process_limit.default_value
    assert sandboxed_kernels() == []  # every process of every sandbox is gone


def test_memory_is_limited(graded, course):
    text = contained(course, "allocate_10_gb")
    assert text.count("CONTAINED MemoryError") == 2


def test_memory_of_all_a_kernels_processes_together_is_limited(tmp_path):
    require_sandbox()
    own = released_course(tmp_path, QUIZ, 120)
    attack = textwrap.dedent(ACROSS_PROCESSES).format() + "\n" + CORRECT["q1_phases_answer"]
    correct = with_sources(own.release_nb(), CORRECT)
    own.submit("hog", with_sources(correct, {"q1_phases_answer": attack}))
    (outcome,) = autograde_class(open_course(own.root), QUIZ, workers=1)
    text = contained(own, "hog")
    killed = int(text.split("CONTAINED ")[1].split()[0])
    # 1 GiB for the kernel and its children together: at most three 300 MB children fit
    assert killed >= 3, text
    assert outcome.status == "graded" and outcome.score == FULL  # the kernel lived on


def test_disk_writes_are_limited(graded, course):
    text = contained(course, "write_5_gb")
    assert text.count("CONTAINED") == 3, text  # home, /tmp and /dev/shm
    for line in text.strip().splitlines():
        written = int(line.split("stopped at ")[1].split()[0])
        assert written <= 64, line  # at most the scratch space, never 5 GB


def test_sleeping_for_ever_times_out_and_the_rest_is_graded(graded):
    outcome = graded["sleep_forever"]
    assert outcome.status == "timed out"
    assert outcome.score == FULL - POINTS["q1_phases_tests"]


def test_a_loop_that_swallows_interrupts_fails_one_student_and_is_killed(graded):
    outcome = graded["ignore_interrupt"]
    assert outcome.status == "failed"
    assert "could not be stopped" in outcome.detail and "--force" in outcome.detail
    assert sandboxed_kernels() == []  # its kernel did not outlive the batch


def test_the_graders_environment_is_not_passed_on(graded, course):
    text = contained(course, "read_environment")
    visible = int(text.split("processes visible: ")[1].split()[0])
    assert visible < 10  # its own PID namespace: none of the host's processes


def test_without_bubblewrap_the_grader_refuses(course, monkeypatch, capsys, graded):
    course.submit("zed_unsandboxed", with_sources(course.release_nb(), CORRECT))
    monkeypatch.setenv("PATH", "/nonexistent")  # no bwrap (nor anything else) on PATH
    args = ["--course", str(course.root), "autograde", QUIZ, "--student", "zed_unsandboxed"]
    assert cli.main(args) == cli.NO_SANDBOX
    assert "bubblewrap" in capsys.readouterr().err
    assert not course.autograded_path("zed_unsandboxed").exists()
    # only an explicit --no-sandbox grades without it
    assert cli.main([*args, "--no-sandbox"]) == cli.OK
    assert "WARNING: --no-sandbox" in capsys.readouterr().err
    assert course.autograded_score("zed_unsandboxed") == FULL


def test_a_python_under_tmp_is_bound_over_the_sandboxes_own_tmp(tmp_path):
    """A venv in a CI clone under /tmp must not be hidden by the sandbox's empty /tmp."""
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    argv = SandboxedKernelManager().sandbox_argv([str(python), "-m", "ipykernel"], {}, 0)
    assert str(tmp_path).startswith("/tmp/")
    venv = str(tmp_path / "venv")
    bound = next(i for i, a in enumerate(argv) if a == venv and argv[i - 1] == "--ro-bind")
    tmpfs = next(i for i, a in enumerate(argv) if a == "/tmp" and argv[i - 1] == "--tmpfs")
    assert tmpfs < bound


def fake_proc(tmp_path, mountinfo: str, membership: str) -> Path:
    proc = tmp_path / "proc-self"
    proc.mkdir()
    (proc / "mountinfo").write_text(mountinfo)
    (proc / "cgroup").write_text(membership)
    return proc


def test_a_delegated_cgroup_v2_gets_a_memory_cgroup_per_kernel(tmp_path):
    own = tmp_path / "cg" / "user.slice" / "grader.scope"
    own.mkdir(parents=True)
    (own / "cgroup.subtree_control").write_text("cpu memory pids\n")
    proc = fake_proc(
        tmp_path,
        f"41 31 0:38 / {tmp_path}/cg rw,relatime - cgroup2 cgroup2 rw\n",
        "0::/user.slice/grader.scope\n",
    )
    parent = find_parent(proc)
    assert parent == MemoryCgroupParent(own, 2)
    kernel = parent.child("k1", 512 * 2**20)
    assert (own / "k1" / "memory.max").read_text() == str(512 * 2**20)
    (own / "k1" / "memory.events").write_text("low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\n")
    assert kernel.limit == 512 * 2**20 and kernel.oom_kills() == 2


def test_no_memory_cgroup_where_the_controller_is_not_delegated(tmp_path):
    own = tmp_path / "cg" / "grader.scope"
    own.mkdir(parents=True)
    (own / "cgroup.subtree_control").write_text("cpu pids\n")
    mountinfo = f"41 31 0:38 / {tmp_path}/cg rw - cgroup2 cgroup2 rw\n"
    assert find_parent(fake_proc(tmp_path, mountinfo, "0::/grader.scope\n")) is None


def test_a_cgroup_v1_mount_showing_a_subtree_is_found(tmp_path):
    """In a container the memory hierarchy is often mounted from the container's own cgroup."""
    point = tmp_path / "memory"
    point.mkdir()
    (point / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    proc = fake_proc(
        tmp_path,
        f"35 31 0:32 /docker/abc {point} rw,relatime - cgroup cgroup rw,memory\n"
        f"36 31 0:33 / {tmp_path}/pids rw,relatime - cgroup cgroup rw,pids\n",
        "8:pids:/docker/abc\n4:memory:/docker/abc\n0::/\n",
    )
    parent = find_parent(proc)
    assert parent == MemoryCgroupParent(point, 1)
    parent.child("k2", 2**30)
    assert (point / "k2" / "memory.limit_in_bytes").read_text() == str(2**30)


def test_without_a_memory_cgroup_the_instructor_is_told(course, monkeypatch, capsys, graded):
    course.submit("zoe_no_cgroup", with_sources(course.release_nb(), CORRECT))
    monkeypatch.setattr("grading.sandbox.memory_cgroup_parent", lambda: None)
    args = ["--course", str(course.root), "autograde", QUIZ, "--student", "zoe_no_cgroup"]
    assert cli.main(args) == cli.OK
    assert "each kernel process is limited but not their total" in capsys.readouterr().err
    assert course.autograded_score("zoe_no_cgroup") == FULL


def test_nbgraders_own_autograde_is_sandboxed_by_the_course_config(course, monkeypatch, graded):
    """The formgrader's autograde button and `nbgrader autograde` go through NbGraderAPI."""
    code = textwrap.dedent(ATTACKS["read_hidden_tests"]).format(
        root=course.root, quiz=QUIZ, line=HIDDEN_TEST_LINE
    )
    attack = code + "\n" + CORRECT["q1_phases_answer"]
    correct = with_sources(course.release_nb(), CORRECT)
    course.submit("nbg_reader", with_sources(correct, {"q1_phases_answer": attack}))
    result = course.api.autograde(QUIZ, "nbg_reader")
    assert result["success"], result.get("log")
    assert contained(course, "nbg_reader").count("CONTAINED") == 6
    assert course.autograded_score("nbg_reader") == FULL
    # where bwrap cannot run, nbgrader fails the submission rather than run it unsandboxed
    course.submit("nbg_no_bwrap", correct)
    monkeypatch.setenv("PATH", "/nonexistent")
    result = course.api.autograde(QUIZ, "nbg_no_bwrap")
    assert not result["success"] and "bubblewrap" in result["log"]
    assert not course.autograded_path("nbg_no_bwrap").exists()
