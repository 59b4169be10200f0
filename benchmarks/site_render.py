"""Time from navigation to a lesson fully drawn: the course's site vs stock Voila vs a static page.

For each lesson, in one run on this machine, in headless Chromium:
- course: the site as `make serve` runs it (voila.json: course template, kernel ceiling,
          a pool of one pre-heated kernel per lesson), one visitor at a time, each arriving
          once the pool has refilled;
- cold:   the same site with its pools off (`--preheat_kernel=False`): what a visitor gets
          when more arrive at once than the pools hold;
- stock:  `voila lessons/NN.ipynb` with Voila's defaults (run from an empty directory);
- floor:  the lesson's page in the course's static export (website/export.py: its prose and
          the same plotly figures, no kernel) with plotly's own full plotly.min.js, as
          `fig.write_html` would ship it, served by a plain local HTTP server;
- export: the course's static export as it is (plotly's basic build, like the live site).
"Drawn" means what a reader sees is complete: every widget output is on the page, as its
live view or as its preview (widgets/preview.py: the course site's still copy, swapped for
the live view when that has drawn), and every visible plotly figure has its SVG. "Live"
means every output is its live view (no preview left) with its figures drawn: the page
answers a control. On stock Voila and the static pages the two are the same moment. Also
measured: a slider change to the redrawn plot on the course site. Each round visits every
kind of page once, in shuffled order (so a machine whose speed drifts slows all kinds alike).
Results are printed and written to
benchmarks/results/site_render.json; ratios go into benchmarks/README.md by hand.

Usage: .venv/bin/python benchmarks/site_render.py [--runs 3] [lessons/01_bowlby.ipynb ...]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import plotly
import psutil

from website import chromium
from website.export import export
from website.serving import free_port, wait_for
from widgets.figure import PLOTLY_JS

STOCK_PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

ROOT = Path(__file__).resolve().parent.parent
#: Outputs a reader sees (previews, and live views not hidden under a preview) and figures.
DRAWN = """([widgets, plots]) => {
  const hidden = '.course-previewing > .jp-OutputArea-output';
  const live = document.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets').length
    - document.querySelectorAll(hidden + ' > .jupyter-widgets').length;
  const drawn = [...document.querySelectorAll('.js-plotly-plot')]
    .filter(p => !p.closest(hidden) && p.querySelector('.main-svg')).length;
  return document.querySelectorAll('.course-preview').length + live >= widgets && drawn >= plots;
}"""
LIVE = """([widgets, plots]) =>
  !document.querySelector('.course-preview')
  && document.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets').length >= widgets
  && [...document.querySelectorAll('.js-plotly-plot')].filter(p => p.querySelector('.main-svg'))
    .length >= plots"""


@contextlib.contextmanager
def server(cmd: list[str], cwd: Path, env: dict, port: int, log_path: Path | None = None):
    log_path = log_path or Path(tempfile.gettempdir()) / f"bench_{port}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/", proc, timeout=60)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


#: A load that has not drawn everything by then never will (a widget lost to ipywidgets'
#: restore race stays "model not found" for good, in stock Voila too): counted as failed.
GIVE_UP_S = 90


#: The page's layout shifts not caused by input, summed (Chromium's cumulative layout shift for
#: the load, at one moment): does the page jump when previews give way to live views?
LAYOUT_SHIFT = """window.__shift = 0;
new PerformanceObserver(list => list.getEntries().forEach(e => {
  if (!e.hadRecentInput) { window.__shift += e.value; }
})).observe({ type: 'layout-shift', buffered: true });"""


def time_page(browser, url: str, widgets: int, plots: int) -> tuple[float | None, ...]:
    """Seconds from navigation until drawn and until live, and the layout shift once live plus
    half a second; None for a load that never was."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(LAYOUT_SHIFT)
    start = time.perf_counter()
    times: list[float | None] = []
    try:
        page.goto(url, wait_until="commit", timeout=GIVE_UP_S * 1000)
        for done in (DRAWN, LIVE):
            page.wait_for_function(done, arg=[widgets, plots], timeout=GIVE_UP_S * 1000, polling=20)
            times.append(time.perf_counter() - start)
        page.wait_for_timeout(500)
        times.append(page.evaluate("() => window.__shift"))
    except PlaywrightTimeout:
        print(f"  {url}: not drawn and live within {GIVE_UP_S} s", file=sys.stderr, flush=True)
    finally:
        context.close()
    return tuple(times + [None] * (3 - len(times)))


#: In the page: from the keydown's own timestamp to the first frame painted after the plot is
#: redrawn (a LiveFigure draws a new plot element; a FigureWidget fires plotly_afterplot on
#: its own), so the automation's round trips to the browser are not counted.
REDRAW_CLOCK = """() => {
  window.__redraw = null;
  let t0 = null;
  const done = () => requestAnimationFrame(() => {
    watch.disconnect();
    if (t0 !== null && window.__redraw === null) { window.__redraw = performance.now() - t0; }
  });
  document.addEventListener('keydown', e => { t0 = e.timeStamp; }, { capture: true, once: true });
  const old = new Set(document.querySelectorAll('.js-plotly-plot'));
  old.forEach(p => {
    if (!p.__timed) { p.__timed = 1; p.on('plotly_afterplot', () => window.__onplot()); }
  });
  window.__onplot = done;
  const watch = new MutationObserver(() => {
    const fresh = [...document.querySelectorAll('.js-plotly-plot')]
      .some(p => !old.has(p) && p.querySelector('.main-svg g.trace'));
    if (fresh) { watch.disconnect(); done(); }
  });
  watch.observe(document.body, { subtree: true, childList: true });
}"""


def time_slider(browser, url: str, widgets: int, plots: int, settled) -> list[float]:
    """Milliseconds from a keyboard change of the first slider to the redrawn figure on screen,
    once the page is live and the server has settled (``settled()`` returns once the lesson's
    pool has refilled: that refill runs the whole lesson and would share the two cores)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url, timeout=180_000)
    page.wait_for_function(LIVE, arg=[widgets, plots], timeout=180_000)
    settled()
    page.wait_for_timeout(1000)
    handle = page.locator("[role=slider]").first
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    at_top = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    keys = ["ArrowLeft", "ArrowRight"] if at_top else ["ArrowRight", "ArrowLeft"]
    times = []
    for key in keys * 5:
        page.evaluate(REDRAW_CLOCK)
        handle.press(key)
        try:
            page.wait_for_function("() => window.__redraw !== null", timeout=30_000)
            times.append(page.evaluate("() => window.__redraw"))
        except PlaywrightTimeout:
            print(f"  {url}: no redraw seen within 30 s after {key}", file=sys.stderr)
        page.wait_for_timeout(300)
    context.close()
    return times


def widgets_shown(lesson: Path) -> int:
    nb = nbformat.read(lesson, as_version=4)
    return sum(
        1
        for c in nb.cells
        if c.cell_type == "code" and not c.source.lstrip().startswith(("from ", "import "))
    )


def wait_for_pool(log: Path, name: str, timeout: float = 180) -> None:
    """Until the lesson's pool holds a pre-heated kernel that has run the lesson. Voila logs
    "filled" once the kernel has started, while the lesson is still running in it (read in
    voila_kernel_manager.py), so this then waits for the machine to go quiet: a visitor who
    came at "filled" shared the two cores with that run, and got its page still streaming."""
    deadline = time.monotonic() + timeout
    while True:
        text = log.read_text()
        used = sum(
            1
            for line in text.splitlines()
            if "Using pre-heated kernel" in line and line.endswith(f" for {name}")
        )
        if text.count(f"Kernel pool of {name} is filled") > used:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"the course server's pool for {name} did not refill")
        time.sleep(0.2)
    wait_for_quiet(deadline)


def wait_for_quiet(deadline: float) -> None:
    """Until the machine's CPUs have been under 15 % busy for half a second (or the deadline):
    a kernel that a previous visit started or left is not sharing the cores with this one."""
    quiet = 0
    while quiet < 2 and time.monotonic() < deadline:
        quiet = quiet + 1 if psutil.cpu_percent(interval=0.25) < 15 else 0


def lesson_path(arg: str) -> Path:
    """A lesson given as a path or by its number ("01")."""
    path = Path(arg)
    if path.is_file():
        return path
    found = sorted((ROOT / "lessons").glob(f"{arg}_*.ipynb"))
    if len(found) != 1:
        raise argparse.ArgumentTypeError(f"no lesson notebook {arg!r} (give a path or a number)")
    return found[0]


def measure_lesson(browser, row: dict, urls: dict, runs: int, log: Path, name: str) -> None:
    """``runs`` rounds, each visiting every kind of page once, in an order shuffled by round
    (seeded), each visit once the course's pool is full and the machine quiet. Interleaved, the
    kinds share whatever speed the machine has at the time: measured one kind after another,
    a drift of 15-35 % over a run (seen here) went straight into their ratios."""
    for r in range(runs):
        for kind in random.Random(r).sample(list(urls), len(urls)):
            wait_for_pool(log, name)
            static = kind in ("floor", "export")
            widgets = 0 if static else row["widgets"]
            drawn, live, shift = time_page(browser, urls[kind], widgets, row["plots"])
            # stock has no previews: its drawn and live are one moment
            row.setdefault(kind, []).append(live if kind == "stock" else drawn)
            if static:
                continue
            row.setdefault(f"{kind}_shift", []).append(shift)
            if kind != "stock":
                row.setdefault(f"{kind}_live", []).append(live)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("lessons", nargs="*", type=lesson_path, help="paths or numbers (01)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--course-option",
        action="append",
        default=[],
        help="extra Voila option for the course server, to try a setting",
    )
    parser.add_argument("--skip-stock", action="store_true")
    opts = parser.parse_args()
    lessons = opts.lessons or sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
    lessons = [p.resolve() for p in lessons if widgets_shown(p)]
    from playwright.sync_api import sync_playwright

    env = {**os.environ, "JUPYTER_PATH": str(ROOT / "share" / "jupyter")}
    stock_env = {k: v for k, v in os.environ.items() if k != "JUPYTER_PATH"}
    results = {lesson.name: {"widgets": widgets_shown(lesson)} for lesson in lessons}
    with contextlib.ExitStack() as stack, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium.executable(), args=chromium.ARGS)
        root = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        export(root / "export")
        shutil.copytree(root / "export", root / "floor")
        shutil.copyfile(STOCK_PLOTLY_JS, root / "floor" / PLOTLY_JS.name)
        handler = functools.partial(QuietHandler, directory=root)
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        stack.callback(httpd.shutdown)
        static = f"http://127.0.0.1:{httpd.server_address[1]}/"
        sites, logs = {}, {}
        # Visitors' kernels are not culled during the run: a kernel shut down every 60 s
        # (voila.json) would land in whichever visit, of any kind, was then under way.
        no_cull = ["--MappingKernelManager.cull_idle_timeout=0"]
        for kind, options in (("course", no_cull), ("cold", [*no_cull, "--preheat_kernel=False"])):
            port, logs[kind] = free_port(), root / f"{kind}.log"
            cmd = [sys.executable, "-m", "voila", f"--port={port}", *options, *opts.course_option]
            sites[kind] = stack.enter_context(server(cmd, ROOT, env, port, logs[kind]))
        for lesson in lessons:
            row = results[lesson.name]
            page = f"{lesson.stem}.html"
            row["plots"] = (root / "export" / page).read_text().count('class="plotly-graph-div"')
            urls = {
                "floor": f"{static}floor/{page}",
                "export": f"{static}export/{page}",
                "course": f"{sites['course']}voila/render/{lesson.name}",
                "cold": f"{sites['cold']}voila/render/{lesson.name}",
            }
            with contextlib.ExitStack() as stock_server:
                if not opts.skip_stock:
                    port = free_port()
                    cmd = [
                        sys.executable,
                        "-m",
                        "voila",
                        str(lesson),
                        f"--port={port}",
                        "--no-browser",
                    ]
                    urls["stock"] = stock_server.enter_context(server(cmd, root, stock_env, port))
                measure_lesson(browser, row, urls, opts.runs, logs["course"], lesson.name)
            row["slider_ms"] = time_slider(
                browser,
                urls["course"],
                row["widgets"],
                row["plots"],
                functools.partial(wait_for_pool, logs["course"], lesson.name),
            )
            print(f"{lesson.name}: measured", flush=True)
        browser.close()
    kinds = ("floor", "export", "course", "course_live", "cold", "cold_live", "stock")
    for name, row in results.items():
        drawn = {k: [t for t in row.get(k, []) if t is not None] for k in kinds}
        row["never_drawn"] = {k: len(row.get(k, [])) - len(v) for k, v in drawn.items()}
        med = {k: statistics.median(v or [float("nan")]) for k, v in drawn.items()}
        row["median_s"] = med
        row["ratios"] = {
            "course/floor": med["course"] / med["floor"],
            "course/export": med["course"] / med["export"],
            "stock/course": med["stock"] / med["course"],
            "stock/course_live": med["stock"] / med["course_live"],
            "cold/floor": med["cold"] / med["floor"],
            "stock/cold": med["stock"] / med["cold"],
        }
        # rounds visit every kind once, so one round's kinds are a fair pair too
        row["stock/course_live_by_round"] = [
            s / c
            for s, c in zip(row.get("stock", [None] * opts.runs), row["course_live"], strict=True)
            if s and c
        ]
        row["max_shift"] = {
            k: max([x for x in row.get(f"{k}_shift", []) if x is not None] or [float("nan")])
            for k in ("course", "cold", "stock")
        }
        row["slider_median_ms"] = statistics.median(row["slider_ms"] or [float("nan")])
        row["slider_missed"] = 10 - len(row["slider_ms"])
        print(
            f"{name}: "
            + "  ".join(f"{k} {med[k]:.2f}s" for k in kinds)
            + "  "
            + "  ".join(f"{k} {v:.2f}" for k, v in row["ratios"].items())
            + "  stock/course_live by round "
            + " ".join(f"{x:.2f}" for x in row["stock/course_live_by_round"])
            + f"  slider median {row['slider_median_ms']:.0f} ms  never drawn {row['never_drawn']}"
            + "  layout shift (max) "
            + "  ".join(f"{k} {v:.3f}" for k, v in row["max_shift"].items())
        )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "site_render.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
