"""The static export: every lesson as a page with its figures drawn, no kernel, no code.

The pages are served by a plain static file server (what a university web host or GitHub
Pages is) and read in headless Chromium, as the live site is in test_site.py.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path

import pytest
from test_site import LESSONS, axe_violations

from website import export

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
LIVE = "https://course.example.edu/"


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("static-site")
    assert export.main([str(out), "--live-url", LIVE]) == 0
    return out


@pytest.fixture(scope="module")
def static_site(exported):
    handler = functools.partial(_Quiet, directory=str(exported))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def figures_in(lesson: str) -> int:
    """Figures the live lesson draws with its opening settings, counted from its widgets."""
    nb = export.static_notebook(ROOT / "lessons" / lesson)
    return sum(
        "".join(o.get("data", {}).get("text/html", "") for o in c.get("outputs", [])).count(
            "course-static-figure"
        )
        for c in nb.cells
    )


def test_every_lesson_and_a_landing_page_are_written(exported):
    names = {p.name for p in exported.iterdir()}
    assert {Path(n).with_suffix(".html").name for n in LESSONS} <= names
    assert {"index.html", "plotly-basic.min.js", "course.css"} <= names
    # one shared plotly.js, not a copy in every page
    for lesson in LESSONS:
        html = (exported / Path(lesson).with_suffix(".html").name).read_text()
        assert html.count("<script") <= len(re.findall(r"Plotly\.newPlot", html)) + 2
        assert '<script src="plotly-basic.min.js"></script>' in html


@pytest.mark.parametrize("name", LESSONS)
def test_a_static_lesson_draws_its_figures_without_code_or_third_parties(page, static_site, name):
    outside = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith((static_site, "data:")) else None,
    )
    page.goto(static_site + Path(name).with_suffix(".html").name)
    expected = figures_in(name)
    assert expected > 0 or name == "00_welcome.ipynb"  # every lesson has a simulation
    page.wait_for_function(
        "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
        arg=expected,
        timeout=60_000,
    )
    assert page.locator(".js-plotly-plot").count() == expected
    text = page.inner_text("body")
    for marker in ("Traceback", "from widgets", "import ", "In [", "[figure:"):
        assert marker not in text, marker
    assert outside == []  # nothing fetched from any other host
    assert page.locator("main h1").count() == 1
    assert axe_violations(page) == []


def test_a_static_page_keeps_the_course_wayfinding(page, static_site):
    page.goto(static_site + "02_strange_situation.html")
    assert page.inner_text(".course-place") == "Lesson 2 of 5"
    assert page.locator(".course-toc li").count() > 2
    first = page.locator(".course-toc a").first.get_attribute("href")
    assert page.locator(f"h2{first}").count() == 1  # the contents link a heading on the page
    assert page.get_attribute("a[rel=prev]", "href") == "01_bowlby.html"
    assert page.get_attribute("a[rel=next]", "href") == "03_still_face.html"
    # links between lessons in the prose lead to their static pages
    assert page.locator('a[href$=".ipynb"]:not([href^="https://"])').count() == 0
    page.click("a[rel=next]")
    assert page.inner_text("h1").startswith("Lesson 3")


def test_a_simulation_says_where_it_is_live_and_a_self_check_opens_its_answers(page, static_site):
    page.goto(static_site + "03_still_face.html")
    note = page.locator(".course-static-note").first
    assert "interactive in the live course" in note.inner_text()
    assert note.locator("a").get_attribute("href") == f"{LIVE}voila/render/03_still_face.ipynb"
    # the reading under the figure describes the opening settings
    assert "In the still face" in page.locator(".course-reading").first.inner_text()
    quiz = page.locator(".course-quiz")
    first = quiz.locator("details").first
    assert not first.locator("p").first.is_visible()
    first.locator("summary").click()
    assert first.locator("p").first.is_visible()
    assert len(first.inner_text()) > 40  # the right option and why


def test_export_into_an_unwritable_place_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert export.main([str(blocker / "site")]) == 2
    assert "course-export:" in capsys.readouterr().err
