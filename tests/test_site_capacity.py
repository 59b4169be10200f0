"""Kernels do not pile up: a ceiling turns the visitor beyond it away kindly, and idle
kernels are reclaimed so places free up again."""

from __future__ import annotations

import concurrent.futures
import time
import urllib.error
import urllib.request

from conftest import serve_site

LESSON = "voila/render/01_bowlby.ipynb"


def visit(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_beyond_the_ceiling_a_visitor_is_told_to_try_again_and_places_free_up(tmp_path):
    options = [
        "--CappedKernelManager.max_kernels=1",
        "--MappingKernelManager.cull_idle_timeout=3",
        "--MappingKernelManager.cull_interval=1",
    ]
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
        deadline = time.monotonic() + 30
        while (status := visit(site + LESSON)[0]) == 503 and time.monotonic() < deadline:
            time.sleep(1)
        assert status == 200, "an idle kernel was reclaimed and its place given to a new visitor"
    assert "Culling kernel" in (tmp_path / "voila.log").read_text()


def test_unknown_pages_get_a_friendly_page_without_details(site):
    status, page = visit(site + "voila/render/no_such_lesson.ipynb")
    assert status == 404
    assert "We could not find that page" in page and "Traceback" not in page
