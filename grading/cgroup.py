"""A memory cgroup per sandboxed kernel: one bound on the memory of all its processes.

RLIMIT_AS limits each process, so a kernel that forks up to its process limit could still
use 64 x 2 GiB. The kernel's own cgroup caps the sum (anonymous memory, page cache and the
sandbox's tmpfs pages alike); over the cap the kernel's OOM killer ends a process of that
kernel only, which nbgrader reports as a dead kernel and the batch as *failed*.

Works with cgroup v1's memory controller and with cgroup v2 where the grader's own cgroup
delegates the memory controller to its children (``memory`` in ``cgroup.subtree_control``),
as a root grader or a ``systemd-run --user -p Delegate=yes`` scope has.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MemoryCgroupParent:
    """A writable cgroup directory under which each kernel gets a cgroup of its own."""

    path: Path
    version: int  # 1 or 2

    def child(self, name: str, limit: int) -> KernelCgroup:
        """Make the kernel's cgroup with ``limit`` bytes for memory (and no swap beyond it)."""
        path = self.path / name
        path.mkdir()
        cgroup = KernelCgroup(path, self.version)
        try:
            if self.version == 2:
                (path / "memory.max").write_text(str(limit))
                swap = path / "memory.swap.max"
                if swap.exists():
                    swap.write_text("0")
            else:
                (path / "memory.limit_in_bytes").write_text(str(limit))
                swap = path / "memory.memsw.limit_in_bytes"
                if swap.exists():  # memory + swap; must not be below the memory limit
                    swap.write_text(str(limit))
        except OSError:
            cgroup.remove()
            raise
        return cgroup


@dataclass(frozen=True)
class KernelCgroup:
    path: Path
    version: int

    @property
    def procs(self) -> Path:
        """Write a pid here to move that process (and its future children) in."""
        return self.path / "cgroup.procs"

    @property
    def limit(self) -> int:
        name = "memory.max" if self.version == 2 else "memory.limit_in_bytes"
        return int((self.path / name).read_text())

    def oom_kills(self) -> int:
        """How many of the kernel's processes the memory limit has killed."""
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        try:
            lines = (self.path / name).read_text().splitlines()
        except OSError:
            return 0
        fields = dict(line.split(maxsplit=1) for line in lines if " " in line)
        return int(fields.get("oom_kill", 0))

    def remove(self) -> None:
        """Remove the cgroup; a kernel process still in it is moved out and killed first."""
        try:
            left = [int(pid) for pid in self.procs.read_text().split()]
        except OSError:
            return  # already gone
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
        # a dying process may hold it a moment longer: then it stays, empty and harmless
        with contextlib.suppress(OSError):
            self.path.rmdir()


def find_parent(proc_self: Path = Path("/proc/self")) -> MemoryCgroupParent | None:
    """The grader's own memory cgroup, if this process may create cgroups under it."""
    mounts = _cgroup_mounts(proc_self / "mountinfo")
    try:
        membership = (proc_self / "cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in membership:
        _, controllers, path = line.split(":", 2)
        if controllers == "":  # the v2 hierarchy
            for own in _inside(mounts.get("cgroup2", []), path):
                if "memory" in _words(own / "cgroup.subtree_control") and os.access(own, os.W_OK):
                    return MemoryCgroupParent(own, 2)
        elif "memory" in controllers.split(","):
            for own in _inside(mounts.get("memory", []), path):
                if (own / "memory.limit_in_bytes").exists() and os.access(own, os.W_OK):
                    return MemoryCgroupParent(own, 1)
    return None


def _inside(mounts: list[tuple[Path, str]], path: str) -> list[Path]:
    """Where cgroup ``path`` is, in each mount that shows it (a mount may show a subtree)."""
    found = []
    for point, root in mounts:
        root = root.rstrip("/")
        if path == root or path.startswith(root + "/"):
            found.append(point / path[len(root) :].lstrip("/"))
    return found


def _cgroup_mounts(mountinfo: Path) -> dict[str, list[tuple[Path, str]]]:
    """(mount point, cgroup shown at it) by what they hold: "cgroup2", or a v1 controller."""
    found: dict[str, list[tuple[Path, str]]] = {}
    try:
        lines = mountinfo.read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        fields = line.split()
        after = fields[fields.index("-") + 1 :]
        fstype, options = after[0], after[2] if len(after) > 2 else ""
        mount = (Path(fields[4].replace("\\040", " ")), fields[3])
        if fstype == "cgroup2":
            found.setdefault("cgroup2", []).append(mount)
        elif fstype == "cgroup":
            for option in options.split(","):
                found.setdefault(option, []).append(mount)
    return found


def _words(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except OSError:
        return []
