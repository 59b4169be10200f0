"""Run each submission's kernel inside a bubblewrap sandbox, with resource limits.

Autograding executes student code. nbgrader runs it in an ordinary Jupyter kernel with the
instructor's rights: a submission could read the hidden tests in ``source/``, other students'
notebooks, write to ``gradebook.db``, reach the network or exhaust the machine. Here nbgrader
still does all the grading; only the kernel it starts is different:

* :class:`SandboxedKernelManager` launches the kernel with ``bwrap`` in new mount, PID,
  network, IPC and UTS namespaces. The kernel sees read-only system and Python directories,
  size-limited private scratch space (``/home/student``, ``/tmp``) holding only the
  submission's own data files, and nothing else of the host: no course directory, no
  gradebook, no other students, no network (not even the host's loopback). Its limits
  (address space, processes, file size, CPU time, open files) are set with ``prlimit``
  inside the sandbox, and the sum over all its processes by a memory cgroup of its own
  (:mod:`grading.cgroup`) where the grader may create one. Run as root, the kernel also
  drops to an otherwise unused uid with no capabilities, so the process limit counts only
  its own processes.
* The kernel talks to nbgrader over ZeroMQ IPC sockets that live in the sandbox's own
  tmpfs; the grader reaches them through ``/proc/<pid>/root``, so the sandbox needs no
  writable host directory at all.
* :class:`SandboxedExecute` is nbgrader's ``Execute`` preprocessor with that kernel manager,
  a cap on how much output a submission can send back, and a time limit for the whole
  notebook. :func:`sandboxed_preprocessors` swaps it into nbgrader's autograde pipeline.

The threat model, and what this does not protect against, is in assessments/GRADING.md.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbformat import NotebookNode
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, List, Unicode, default

from grading.cgroup import KernelCgroup, MemoryCgroupParent, find_parent

#: Where things live inside the sandbox.
HOME = "/home/student"
KERNEL_DIR = "/run/kernel"
CONNECTION_FILE = f"{KERNEL_DIR}/kernel.json"
SHIM_DIR = f"{KERNEL_DIR}/shims"

#: ipykernel imports debugpy at start-up for a debugger nobody can attach to in the sandbox:
#: about a fifth of a kernel's start-up CPU here (0.35 s -> 0.29 s). This stand-in makes that
#: import fail, which ipykernel treats as "no debugger available".
DEBUGPY_STUB = b'raise ImportError("no debugger while autograding")\n'

#: Run as root, kernel N runs as uid UID_BASE + (grader pid): unused by anything else, and
#: unique among kernels running at the same time, so RLIMIT_NPROC is per kernel.
UID_BASE = 1_500_000_000

#: System files a Python kernel needs; everything else in /etc stays out of the sandbox.
ETC_FILES = [
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/nsswitch.conf",
    "/etc/passwd",
    "/etc/group",
    "/etc/alternatives",
    "/etc/fonts",
    "/etc/mime.types",
]
TOP_LEVEL = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]

MiB = 1024 * 1024
GiB = 1024 * MiB

#: Put in a cell's outputs where the grader dropped the rest of them.
OUTPUT_CUT = "[output cut by the grader"


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here: grading must not go on."""


class NotebookTimeout(RuntimeError):
    """The whole notebook ran longer than allowed."""


def bwrap() -> str:
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed, so student code cannot be sandboxed. "
            "Install it (Debian/Ubuntu: apt-get install bubblewrap) or, only if you trust "
            "every submission, pass --no-sandbox."
        )
    return path


def _namespace_args() -> list[str]:
    """Namespaces to unshare. As root bwrap needs no user namespace; the kernel drops to an
    unprivileged uid inside instead (see _drop_privileges)."""
    common = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    if os.geteuid() == 0:
        return [*common, "--unshare-cgroup-try"]
    # no nested user namespaces inside the sandbox, where bwrap is new enough (>= 0.8) to say so
    nested = ["--disable-userns"] if "--disable-userns" in _bwrap_help() else []
    return ["--unshare-user", *nested, *common, "--unshare-cgroup-try"]


@functools.cache
def _bwrap_help() -> str:
    done = subprocess.run([bwrap(), "--help"], capture_output=True, text=True, timeout=30)
    return done.stdout + done.stderr


def check_sandbox(config=None) -> None:
    """Raise SandboxUnavailable unless a sandbox exactly like a kernel's can run here.

    Runs Python in the sandbox the kernel manager would build (with the course's settings),
    so a missing tool, an old bwrap or blocked user namespaces are found before grading.
    """
    bwrap()
    missing = [tool for tool in ("prlimit", "setpriv") if shutil.which(tool) is None]
    if missing:
        raise SandboxUnavailable(f"util-linux tools missing: {', '.join(missing)}")
    km = SandboxedKernelManager(config=config) if config is not None else SandboxedKernelManager()
    probe = [sys.executable, "-c", f"open({CONNECTION_FILE!r}).read()"]
    with tempfile.TemporaryDirectory(prefix="course-grade-check-") as tmp:
        km._runtime_dir = tmp
        files = {CONNECTION_FILE: _data_pipe(b"{}")}
        info_r, info_w = os.pipe()
        fds = (*files.values(), info_r, info_w)
        try:
            argv = km.sandbox_argv(probe, files=files, info_fd=info_w)
            result = subprocess.run(argv, pass_fds=fds, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise SandboxUnavailable(f"bubblewrap could not be run: {err}") from err
        finally:
            for fd in fds:
                os.close(fd)
    if result.returncode != 0:
        raise SandboxUnavailable(
            "bubblewrap is installed but cannot build the grading sandbox here "
            f"({result.stderr.strip()[-500:] or 'exit code ' + str(result.returncode)}). "
            "Unprivileged user namespaces may be disabled: on Ubuntu 24.04 and later bwrap "
            "needs its AppArmor profile; in a container, grade outside it or as root in a VM."
        )


def _python_roots(executable: str) -> list[str]:
    """Directories the kernel's Python needs: its venv and the installation it points to."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    found = shutil.which(executable) or executable
    roots |= {str(Path(found).parent.parent), str(Path(os.path.realpath(found)).parent.parent)}
    # never expose the whole host, whatever the layout
    return sorted(root for root in roots if root not in ("/", "/usr"))


def _minimal_cover(paths: list[str]) -> list[str]:
    """Drop paths inside another path of the list (binding the parent covers them)."""
    kept: list[str] = []
    for path in sorted({os.path.realpath(p) for p in paths if os.path.exists(p)}):
        if not any(path == k or path.startswith(k + os.sep) for k in kept):
            kept.append(path)
    return kept


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs in bubblewrap with resource limits."""

    memory_limit = Integer(
        2 * GiB, help="Address-space limit of each kernel process (RLIMIT_AS), bytes."
    ).tag(config=True)
    total_memory_limit = Integer(
        1 * GiB,
        help="Memory of all the kernel's processes and its tmpfs together (a cgroup of its "
        "own, where the grader may create one; see grading/cgroup.py), bytes. 0: none.",
    ).tag(config=True)
    process_limit = Integer(
        64, help="Processes and threads the kernel may run at once (RLIMIT_NPROC)."
    ).tag(config=True)
    file_size_limit = Integer(
        16 * MiB, help="Largest file the kernel may write (RLIMIT_FSIZE), bytes."
    ).tag(config=True)
    cpu_time_limit = Integer(
        600, help="CPU seconds per kernel process (RLIMIT_CPU); the cell timeout comes first."
    ).tag(config=True)
    open_files_limit = Integer(256, help="Open files per process (RLIMIT_NOFILE).").tag(config=True)
    scratch_size = Integer(
        64 * MiB, help="Size of each writable tmpfs in the sandbox (home, /tmp, /dev/shm), bytes."
    ).tag(config=True)
    skip_debugger = Bool(
        True, help="Start the kernel without ipykernel's debugger (a fifth of its start-up)."
    ).tag(config=True)
    read_only_paths = List(
        Unicode(),
        help="Extra host paths a quiz needs, made visible read-only at the same path.",
    ).tag(config=True)

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    _runtime_dir: str | None = None
    _submission_dir: str | None = None
    _cgroup: KernelCgroup | None = None

    async def _async_pre_start_kernel(self, **kw):
        bwrap()  # fail before anything is started
        self._submission_dir = kw.pop("cwd", None)
        self._runtime_dir = tempfile.mkdtemp(prefix="course-grade-kernel-")
        self.connection_file = os.path.join(self._runtime_dir, "kernel.json")
        self.ip = f"{KERNEL_DIR}/ipc"  # as the kernel sees it; the grader's view is set later
        kw["cwd"] = self._runtime_dir
        kw["env"] = {"PATH": os.environ.get("PATH", os.defpath)}
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        # bwrap does not forward SIGINT into the sandbox: interrupt through the kernel protocol
        self.kernel_spec.interrupt_mode = "message"
        return kernel_cmd, kw

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        host_file = os.path.realpath(self.connection_file)
        cmd = [CONNECTION_FILE if arg == host_file else arg for arg in cmd]
        # a Python started as ../.venv/bin/python: the sandbox has no cwd to climb out of
        return [os.path.normpath(cmd[0]), *cmd[1:]] if os.path.isabs(cmd[0]) else cmd

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        with open(self.connection_file, "rb") as f:
            files = {CONNECTION_FILE: _data_pipe(f.read())}
        if self.skip_debugger:
            files[f"{SHIM_DIR}/debugpy/__init__.py"] = _data_pipe(DEBUGPY_STUB)
        info_r, info_w = os.pipe()
        argv = self._in_own_cgroup(self.sandbox_argv(kernel_cmd, files=files, info_fd=info_w))
        kw["pass_fds"] = (*files.values(), info_w)
        # The kernel's own stdout/stderr (startup banners, bwrap's errors) go to a log file,
        # kept small by the file-size limit, so a batch's progress display stays readable.
        log = open(self.kernel_log_path, "wb")  # noqa: SIM115 - handed to the kernel process
        kw["stdout"] = kw["stderr"] = log
        try:
            await super()._async_launch_kernel(argv, **kw)
        finally:
            for fd in kw["pass_fds"]:
                os.close(fd)
            log.close()
        try:
            child = await _read_child_pid(info_r, timeout=30, log_path=self.kernel_log_path)
        finally:
            os.close(info_r)
        # The IPC sockets are in the sandbox's tmpfs; reach them through its root.
        self.ip = f"/proc/{child}/root{KERNEL_DIR}/ipc"

    def _in_own_cgroup(self, argv: list[str]) -> list[str]:
        """``argv`` started inside a new memory cgroup, so bwrap and everything it runs are
        counted together (no cgroup where none can be made: then only RLIMIT_AS holds)."""
        parent = memory_cgroup_parent()
        if not self.total_memory_limit or parent is None:
            return argv
        name = f"course-grade-{os.getpid()}-{next(_cgroup_serial)}"
        self._cgroup = parent.child(name, self.total_memory_limit)
        # the shell joins the cgroup, then becomes bwrap: nothing runs outside it first
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self._cgroup.procs), *argv]

    @property
    def oom_kills(self) -> int:
        """Processes of this kernel that the total memory limit has ended."""
        return self._cgroup.oom_kills() if self._cgroup else 0

    @property
    def kernel_log_path(self) -> str:
        return os.path.join(self._runtime_dir or tempfile.gettempdir(), "kernel.log")

    def sandbox_argv(self, kernel_cmd: list[str], files: dict[str, int], info_fd: int) -> list[str]:
        """The full bwrap command line that runs ``kernel_cmd`` sandboxed.

        ``files`` maps paths in the sandbox to pipes to read their (read-only) content from.
        """
        args = [bwrap(), *_namespace_args(), "--die-with-parent", "--new-session"]
        args += ["--info-fd", str(info_fd), "--hostname", "sandbox", "--clearenv"]
        for name, value in self._sandbox_env(
            shims=any(p.startswith(SHIM_DIR) for p in files)
        ).items():
            args += ["--setenv", name, value]
        args += ["--ro-bind", "/usr", "/usr"]
        for path in TOP_LEVEL:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        for path in ETC_FILES:
            args += ["--ro-bind-try", path, path]
        args += ["--proc", "/proc", "--dev", "/dev"]
        # every writable place is a tmpfs of bounded size; /dev/shm would otherwise sit on
        # --dev's own tmpfs, which has no size limit and is writable without root
        writable = ((HOME, "0777"), ("/tmp", "1777"), ("/dev/shm", "1777"), (KERNEL_DIR, "0777"))
        for path, perms in writable:
            args += ["--perms", perms, "--size", str(self.scratch_size), "--tmpfs", path]
        # Python's own directories after the tmpfs mounts, so a venv under /tmp (a CI clone,
        # say) is bound on top of the sandbox's empty /tmp instead of hidden by it
        made: set[str] = {path for path, _ in writable}
        for path in _minimal_cover(_python_roots(kernel_cmd[0]) + list(self.read_only_paths)):
            if path == "/" or path.startswith("/usr/"):
                continue  # / would expose the whole host; /usr is bound already
            # bwrap would create missing parents as 0700: unreadable for the dropped uid
            for parent in reversed(Path(path).parents[:-1]):
                if str(parent) not in made:
                    made.add(str(parent))
                    args += ["--perms", "0755", "--dir", str(parent)]
            args += ["--ro-bind", path, path]
        args += self._submission_file_binds()
        for path, fd in files.items():
            parent = os.path.dirname(path)
            if parent != KERNEL_DIR:
                args += ["--perms", "0755", "--dir", parent]
            args += ["--perms", "0444", "--ro-bind-data", str(fd), path]
        args += ["--remount-ro", "/", "--chdir", HOME, "--"]
        return args + self._drop_privileges() + self._limits() + list(kernel_cmd)

    def _sandbox_env(self, shims: bool) -> dict[str, str]:
        bindir = os.path.dirname(sys.executable)
        env = {
            "PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin",
            "HOME": HOME,
            "TMPDIR": "/tmp",
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            # BLAS thread pools count against the process limit and reserve address space
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        if shims:
            env["PYTHONPATH"] = SHIM_DIR
        if "NBGRADER_EXECUTION" in os.environ:
            env["NBGRADER_EXECUTION"] = os.environ["NBGRADER_EXECUTION"]
        return env

    def _submission_file_binds(self) -> list[str]:
        """The submission's data files (never notebooks: nbgrader's working copy of the
        notebook being graded already holds the hidden tests), read-only in HOME."""
        if not self._submission_dir or not os.path.isdir(self._submission_dir):
            return []
        args: list[str] = []
        root = Path(self._submission_dir)
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if path.is_symlink() or any(part.startswith(".") for part in rel.parts):
                continue
            if str(rel) == "timestamp.txt":  # nbgrader's record of the submission time
                continue
            if path.is_dir():
                args += ["--perms", "0755", "--dir", f"{HOME}/{rel}"]
            elif path.is_file() and path.suffix != ".ipynb":
                args += ["--ro-bind", str(path), f"{HOME}/{rel}"]
        return args

    def _drop_privileges(self) -> list[str]:
        if os.geteuid() != 0:
            return []  # already unprivileged, in bwrap's user namespace
        uid = str(UID_BASE + os.getpid())
        return [
            "setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ]

    def _limits(self) -> list[str]:
        return [
            "prlimit",
            f"--as={self.memory_limit}",
            f"--nproc={self.process_limit}",
            f"--fsize={self.file_size_limit}",
            f"--cpu={self.cpu_time_limit}",
            f"--nofile={self.open_files_limit}",
            "--core=0",
            "--",
        ]

    async def cleanup_resources(self, restart: bool = False) -> None:
        await super().cleanup_resources(restart=restart)
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None
        if self._runtime_dir and not restart:
            shutil.rmtree(self._runtime_dir, ignore_errors=True)
            self._runtime_dir = None


_cgroup_serial = itertools.count()


@functools.cache
def memory_cgroup_parent() -> MemoryCgroupParent | None:
    """Where kernels' memory cgroups go; None where this grader may not create cgroups."""
    return find_parent()


def _data_pipe(data: bytes) -> int:
    """A pipe holding ``data`` for bwrap's --ro-bind-data; returns its read end."""
    read, write = os.pipe()
    os.write(write, data)  # small files only: they must fit in the pipe buffer (64 KiB)
    os.close(write)
    return read


async def _read_child_pid(fd: int, timeout: float, log_path: str) -> int:
    """bwrap's --info-fd reports the sandboxed process's pid (as seen from outside)."""
    os.set_blocking(fd, False)
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:
            chunk = None
        if chunk:
            data += chunk
            try:
                return int(json.loads(data)["child-pid"])
            except ValueError:
                continue  # incomplete JSON: keep reading
        elif chunk == b"":
            break  # bwrap closed the pipe without reporting: it failed to start
        await asyncio.sleep(0.002)
    try:
        with open(log_path, errors="replace") as log:
            said = log.read()[-2000:].strip()
    except OSError:
        said = ""
    raise SandboxUnavailable(f"bubblewrap did not start the kernel: {said or data!r}")


class SandboxedExecute(Execute):
    """nbgrader's Execute, with the kernel sandboxed and the output and total time bounded."""

    max_output_bytes = Integer(
        1 * MiB,
        help="Output kept per cell; the rest is dropped with a note, so a submission that "
        "prints without end cannot fill the grader's memory.",
    ).tag(config=True)
    notebook_timeout = Integer(
        600, help="Seconds the whole notebook may run; past that the submission fails."
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)
        self._output_bytes: dict[int, int] = {}
        self._started = time.monotonic()

    def preprocess(self, nb, resources=None, km=None):
        self._output_bytes = {}
        self._started = time.monotonic()
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        elapsed = time.monotonic() - self._started
        if elapsed > self.notebook_timeout:
            raise NotebookTimeout(
                f"the notebook ran for more than {self.notebook_timeout} s in total"
            )
        return super().preprocess_cell(cell, resources, index)

    def output(self, outs, msg, display_id, cell_index):
        size = _content_size(msg.get("content", {}))
        used = self._output_bytes.get(cell_index, 0)
        self._output_bytes[cell_index] = used + size
        if used + size <= self.max_output_bytes:
            return super().output(outs, msg, display_id, cell_index)
        if used <= self.max_output_bytes:  # the first output past the cap: say so, once
            # display_data, not a stream: nbgrader's LimitOutput would drop a late stream
            note = NotebookNode(
                output_type="display_data",
                metadata={},
                data={"text/plain": f"{OUTPUT_CUT}: more than {self.max_output_bytes} bytes]"},
            )
            outs.append(note)
        return None


def _content_size(content: dict) -> int:
    size = len(content.get("text", "") or "")
    for value in (content.get("data") or {}).values():
        size += len(value) if isinstance(value, str) else len(json.dumps(value))
    size += sum(len(line) for line in content.get("traceback", []) or [])
    return size


#: Appended to a course's nbgrader_config.py, makes nbgrader grade as stock nbgrader does
#: (unsandboxed): for comparisons with it, in the tests and the benchmarks.
STOCK_NBGRADER_CONFIG = (
    "\nfrom grading.sandbox import stock_preprocessors\n"
    "c.Autograde.autograde_preprocessors = stock_preprocessors()\n"
)


def stock_preprocessors() -> list[type]:
    """nbgrader's own autograde pipeline, which runs student code unsandboxed."""
    return Autograde.class_traits()["autograde_preprocessors"].default()


def sandboxed_preprocessors() -> list[type]:
    """nbgrader's autograde pipeline with Execute replaced by SandboxedExecute."""
    return [SandboxedExecute if pp is Execute else pp for pp in stock_preprocessors()]
