"""Visitors at once: memory per visitor kernel, the ceiling under a flood, and reclaiming.

Starts the site as `make serve` does (with a short idle-cull time so the run ends quickly, and
the ceiling given by --ceiling; the pre-heated pools, one kernel per lesson, count toward it),
waits for its pools to fill, then
1. opens a lesson with `--visitors` concurrent page loads (the first takes the pool's kernel,
   the others each start and run one), recording status codes (200 served, 503 "busy") and
   load times;
2. measures the resident memory (RSS, from /proc) of each kernel process the server started;
3. waits until every visitor's kernel is culled once the visitors have gone (the pools' kernels
   stay: they are what makes the next visit fast), and reports how long it took.
Bounded in count and time; talks only to 127.0.0.1. Prints a summary and writes
benchmarks/results/site_load.json.

Usage: .venv/bin/python benchmarks/site_load.py [--visitors 20] [--ceiling 10]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from site_render import ROOT, free_port, server  # noqa: E402


def kernel_processes(parent: int) -> dict[int, int]:
    """pid → RSS bytes of ipykernel processes whose parent is ``parent``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes()
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"ipykernel" in cmd:
            rss_kb = int(
                next(ln.split()[1] for ln in status.splitlines() if ln.startswith("VmRSS:"))
            )
            found[int(entry.name)] = rss_kb * 1024
    return found


def visit(url: str) -> tuple[int, float]:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=300) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as err:
        status = err.code
    return status, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int, default=20)
    parser.add_argument("--ceiling", type=int, default=16)
    parser.add_argument("--lesson", default="01_bowlby.ipynb")
    parser.add_argument("--cull-after", type=int, default=20, help="idle seconds before culling")
    opts = parser.parse_args()
    port = free_port()
    env = {**os.environ, "JUPYTER_PATH": str(ROOT / "share" / "jupyter")}
    cmd = [
        sys.executable,
        "-m",
        "voila",
        f"--port={port}",
        f"--CappedKernelManager.max_kernels={opts.ceiling}",
        f"--MappingKernelManager.cull_idle_timeout={opts.cull_after}",
        "--MappingKernelManager.cull_interval=2",
    ]
    pools = len(list((ROOT / "lessons").glob("*.ipynb")))
    log = Path(tempfile.gettempdir()) / f"site_load_{port}.log"
    with server(cmd, ROOT, env, port, log) as base:
        deadline = time.monotonic() + 300
        while log.read_text().count("is filled with") < pools and time.monotonic() < deadline:
            time.sleep(0.5)
        url = f"{base}voila/render/{opts.lesson}"
        with concurrent.futures.ThreadPoolExecutor(opts.visitors) as pool:
            results = list(pool.map(visit, [url] * opts.visitors))
        served = [t for s, t in results if s == 200]
        busy = [t for s, t in results if s == 503]
        parent = next(
            int(p.name)
            for p in Path("/proc").iterdir()
            if p.name.isdigit() and f"--port={port}".encode() in (p / "cmdline").read_bytes()
        )
        kernels = kernel_processes(parent)
        left_at = time.monotonic()
        while (
            len(kernel_processes(parent)) > pools
            and time.monotonic() - left_at < opts.cull_after + 120
        ):
            time.sleep(1)
        reclaimed_after = time.monotonic() - left_at
        remaining = len(kernel_processes(parent)) - pools
    summary = {
        "visitors": opts.visitors,
        "ceiling": opts.ceiling,
        "served": len(served),
        "busy_503": len(busy),
        "other": len(results) - len(served) - len(busy),
        "served_load_s_median": statistics.median(served) if served else None,
        "busy_answer_s_max": max(busy) if busy else None,
        "kernels_running": len(kernels),
        "of_which_pools": pools,
        "kernel_rss_mb_median": statistics.median(kernels.values()) / 2**20 if kernels else None,
        "kernel_rss_mb_max": max(kernels.values()) / 2**20 if kernels else None,
        "cull_idle_timeout_s": opts.cull_after,
        "all_reclaimed_after_s": reclaimed_after,
        "visitor_kernels_left": remaining,
    }
    print(json.dumps(summary, indent=2))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "site_load.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
