"""A lesson over an emulated network: the site direct vs behind deploy/nginx-site.conf.

On localhost compression and caching change nothing (the page is bound by the main thread), so
this emulates a reader's connection in Chromium (DevTools network conditions: --mbps down,
a quarter of it up, --rtt ms) and times a first visit (empty cache) and a second visit (same
browser, the lesson again) to the course site, pre-heated, straight from Voila and through
nginx with the repository's server block. "Drawn" and "live" as in site_render.py; bytes are
what crossed the network (resource timing's transferSize). Results are printed and written to
benchmarks/results/site_network.json; they go into benchmarks/README.md by hand.

Usage: .venv/bin/python benchmarks/site_network.py [--runs 3] [--mbps 20] [--rtt 40] [lesson]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from site_render import (
    DRAWN,
    GIVE_UP_S,
    LIVE,
    ROOT,
    free_port,
    server,
    wait_for_pool,
    widgets_shown,
)

from website import chromium
from website.proxy import behind_nginx

BYTES = "() => performance.getEntriesByType('resource').concat(performance.getEntriesByType("
BYTES += "'navigation')).reduce((n, r) => n + (r.transferSize || 0), 0)"


def visit(context, url: str, widgets: int, conditions: dict) -> tuple[float, float, int] | None:
    """Seconds to drawn and to live, and bytes over the network, for one load in ``context``;
    None for a load that never went live."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", conditions)
    start = time.perf_counter()
    try:
        page.goto(url, wait_until="commit", timeout=GIVE_UP_S * 1000)
        page.wait_for_function(DRAWN, arg=[widgets, 1], timeout=GIVE_UP_S * 1000, polling=20)
        drawn = time.perf_counter() - start
        page.wait_for_function(LIVE, arg=[widgets, 1], timeout=GIVE_UP_S * 1000, polling=20)
        return drawn, time.perf_counter() - start, page.evaluate(BYTES)
    except PlaywrightTimeout:
        print(f"  {url}: not drawn and live within {GIVE_UP_S} s", file=sys.stderr, flush=True)
        return None
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("lesson", nargs="?", default="01_bowlby.ipynb")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mbps", type=float, default=20)
    parser.add_argument("--rtt", type=float, default=40)
    opts = parser.parse_args()
    from playwright.sync_api import sync_playwright

    down = opts.mbps * 1e6 / 8
    conditions = {
        "offline": False,
        "latency": opts.rtt,
        "downloadThroughput": down,
        "uploadThroughput": down / 4,
    }
    widgets = widgets_shown(ROOT / "lessons" / opts.lesson)
    env = {**os.environ, "JUPYTER_PATH": str(ROOT / "share" / "jupyter")}
    port = free_port()
    results: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        log = Path(tmp) / "voila.log"
        cmd = [sys.executable, "-m", "voila", f"--port={port}"]
        browser = pw.chromium.launch(executable_path=chromium.executable(), args=chromium.ARGS)
        with server(cmd, ROOT, env, port, log) as site, behind_nginx(site, Path(tmp)) as proxy:
            for _ in range(opts.runs):
                for name, base in (("direct", site), ("proxy", proxy)):
                    context = browser.new_context()
                    for visit_name in ("first", "second"):
                        wait_for_pool(log, opts.lesson)
                        url = f"{base}voila/render/{opts.lesson}"
                        row = results.setdefault(f"{name} {visit_name}", [])
                        row.append(visit(context, url, widgets, conditions))
                    context.close()
        browser.close()
    summary = {}
    for key, rows in results.items():
        done = [r for r in rows if r is not None]
        drawn, live, sent = (statistics.median(col) for col in zip(*done, strict=True))
        failed = len(rows) - len(done)
        summary[key] = {"drawn_s": drawn, "live_s": live, "bytes": sent, "failed": failed}
        summary[key]["runs"] = rows
        print(
            f"{key}: drawn {drawn:.2f} s  live {live:.2f} s  {sent / 1e6:.2f} MB"
            f"  never live {failed} of {len(rows)}",
            flush=True,
        )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    settings = {"lesson": opts.lesson, "mbps": opts.mbps, "rtt_ms": opts.rtt}
    (out / "site_network.json").write_text(json.dumps({**settings, **summary}, indent=2))


if __name__ == "__main__":
    main()
