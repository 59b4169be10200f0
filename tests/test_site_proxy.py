"""deploy/nginx-site.conf in front of the site: compressed, cached, and the lessons still live."""

from __future__ import annotations

import gzip
import os
import urllib.request
from pathlib import Path

import pytest
from test_site import open_lesson

from website.proxy import NGINX, behind_nginx

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def proxy(site, tmp_path_factory) -> str:
    """nginx (Debian's) with the repository's server block, pointed at the test site."""
    if not Path(NGINX).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("no nginx under CI=true (apt-get install nginx)")
        pytest.skip("no nginx (apt-get install nginx)")
    with behind_nginx(site, tmp_path_factory.mktemp("nginx")) as url:
        yield url


def fetch(url: str) -> tuple[dict, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(response.headers), response.read()


def test_the_proxy_compresses_pages_and_scripts_and_lets_browsers_keep_the_scripts(proxy, site):
    for path in (
        "voila/templates/course/static/course-live.js",
        "voila/templates/course/static/plotly-basic.min.js?v=4.1.1",
        "voila/render/01_bowlby.ipynb",
    ):
        headers, body = fetch(proxy + path)
        assert headers.get("Content-Encoding") == "gzip", path
        _, direct = fetch(site + path)
        assert len(body) < len(direct) / 2  # what crosses the network
        if path.endswith(".ipynb"):
            assert b"course-preview" in gzip.decompress(body)
            assert "max-age" not in headers.get("Cache-Control", "")  # a page is never kept
        else:
            assert gzip.decompress(body) == direct
            assert headers["Cache-Control"] == "public, max-age=86400"
            assert "Set-Cookie" not in headers


def test_a_lesson_goes_live_through_the_proxy_and_answers_a_control(proxy, page):
    open_lesson(page, proxy, "01_bowlby.ipynb")  # the websocket was upgraded through nginx
    share = "() => document.querySelector('.js-plotly-plot').data[5].x[0]"
    before = page.evaluate(share)
    page.get_by_role("slider", name="Caregiver availability").press("Home")
    page.wait_for_function(f"({share})() < {before}", timeout=30_000)
    assert not page.locator("#course-disconnected").count()
