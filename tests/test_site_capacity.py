"""Kernels do not pile up: a ceiling turns the visitor beyond it away kindly, and idle
kernels are reclaimed so places free up again."""

from __future__ import annotations

import concurrent.futures
import time
import urllib.error
import urllib.request

from conftest import ROOT, serve_site

LESSON = "voila/render/01_bowlby.ipynb"
CULL_SOON = ["--MappingKernelManager.cull_idle_timeout=3", "--MappingKernelManager.cull_interval=1"]


def visit(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def visit_until_served(url: str, timeout: float) -> int:
    """Come back every second while the site says "busy"; the last status."""
    deadline = time.monotonic() + timeout
    while (status := visit(url)[0]) == 503 and time.monotonic() < deadline:
        time.sleep(1)
    return status


def test_beyond_the_ceiling_a_visitor_is_told_to_try_again_and_places_free_up(tmp_path):
    # the ceiling alone, without pre-heated pools (they have a test of their own below)
    options = ["--CappedKernelManager.max_kernels=1", "--preheat_kernel=False", *CULL_SOON]
    with serve_site(tmp_path / "voila.log", *options) as site:
        # three visitors arrive together: one gets the place, two are told to come back
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(visit, [site + LESSON] * 3))
        assert sorted(status for status, _ in answers) == [200, 503, 503]
        status, page = visit(site + LESSON)
        assert status == 503
        assert "The course is busy right now" in page and "try again" in page
        assert "Traceback" not in page and "kernel" not in page.lower()
        # the first visitor's kernel sits idle (nobody connected) and is culled
        status = visit_until_served(site + LESSON, timeout=30)
        assert status == 200, "an idle kernel was reclaimed and its place given to a new visitor"
    assert "Culling kernel" in (tmp_path / "voila.log").read_text()


def wait_for_log(log, text: str, count: int, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while log.read_text().count(text) < count:
        assert time.monotonic() < deadline, f"{text!r} not logged {count} times"
        time.sleep(0.5)


def test_pre_heated_pools_count_toward_the_ceiling_and_refill_when_a_place_frees(tmp_path):
    """A full site turns away the visitor whose pool could not refill, with the busy page;
    once an idle kernel is reclaimed, the pool is topped up and serves pre-rendered again."""
    lessons = len(list((ROOT / "lessons").glob("*.ipynb")))
    log = tmp_path / "voila.log"
    with serve_site(log, f"--CappedKernelManager.max_kernels={lessons}", *CULL_SOON) as site:
        wait_for_log(log, "is filled with 1 kernel", lessons)
        status, page = visit(site + LESSON)
        assert status == 200 and "application/vnd.jupyter.widget-view+json" in page  # executed
        status, page = visit(site + LESSON)  # its pool's refill met the ceiling
        assert status == 503 and "The course is busy right now" in page
        assert "Traceback" not in page
        # the first visitor's kernel is culled; the pool refills and serves pre-rendered
        wait_for_log(log, "seconds of inactivity", 1, timeout=60)
        assert visit_until_served(site + LESSON, timeout=120) == 200
    assert log.read_text().count("Using pre-heated kernel") == 2  # the last one too


def test_unknown_pages_get_a_friendly_page_without_details(site):
    status, page = visit(site + "voila/render/no_such_lesson.ipynb")
    assert status == 404
    assert "We could not find that page" in page and "Traceback" not in page
