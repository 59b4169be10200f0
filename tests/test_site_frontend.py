"""The site's own front end (website/frontend → course-live.js): built from its sources, the
only script a lesson needs beyond plotly, and plain about what it could not draw."""

from __future__ import annotations

import hashlib
import re

import nbformat
import pytest
from conftest import ROOT, serve_site
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from test_site import axe_violations, open_lesson
from test_site_preview import FRONT_END, hold

FRONTEND = ROOT / "website" / "frontend"
BUNDLE = ROOT / "share" / "jupyter" / "voila" / "templates" / "course" / "static" / "course-live.js"


def source_hash() -> str:
    """What build.mjs writes into the bundle's banner: its sources, their names and bytes."""
    names = ["package-lock.json", "build.mjs"]
    names += [f"src/{p.name}" for p in sorted((FRONTEND / "src").iterdir())]
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode())
        digest.update((FRONTEND / name).read_bytes())
    return digest.hexdigest()


def test_the_bundle_is_built_from_the_sources_beside_it():
    banner = re.match(r"/\* course-live sources ([0-9a-f]{64}) \*/", BUNDLE.read_text()[:200])
    assert banner, "course-live.js has no source banner: rebuild with `npm run build`"
    assert banner.group(1) == source_hash(), (
        "website/frontend changed since course-live.js was built: "
        "cd website/frontend && npm ci && npm run build"
    )


@pytest.mark.browser
def test_a_lesson_loads_its_front_end_and_plotly_and_no_other_script(page, site):
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    open_lesson(page, site, "02_strange_situation.ipynb")
    paths = [u.split("?")[0] for u in fetched]
    scripts = {p.rsplit("/", 1)[-1] for p in paths if p.endswith(".js")}
    assert scripts == {"course-live.js", "plotly-basic.min.js"}  # no voila.js, no voila-style.js


@pytest.mark.browser
def test_a_description_marked_as_html_is_shown_as_text(page, site):
    """The bundle has no HTML sanitizer (src/plain-text.js stands in): such a description, which
    no course view sets but a crafted message could, reads as its literal text."""
    open_lesson(page, site, "01_bowlby.ipynb")
    shown = page.evaluate(
        """async html => {
          const models = await Promise.all(Object.values(window.courseWidgets._models));
          const slider = models.find(m => m.get('_view_name') === 'FloatSliderView');
          slider.set({ description_allow_html: true, description: html });
          await new Promise(r => requestAnimationFrame(r));
          const label = [...document.querySelectorAll('.widget-label')]
            .find(l => l.textContent.includes('onerror'));
          return label ? [label.textContent, label.querySelectorAll('img').length] : null;
        }""",
        "<img src=x onerror=alert(1)>",
    )
    assert shown == ["<img src=x onerror=alert(1)>", 0]


@pytest.mark.browser
def test_a_view_that_cannot_be_drawn_says_so_and_the_rest_works(page, site):
    front_end = hold(page, FRONT_END)
    page.goto(f"{site}voila/render/01_bowlby.ipynb", wait_until="commit", timeout=240_000)
    request = front_end()
    page.wait_for_selector(".course-footer", state="attached", timeout=120_000)
    page.evaluate(  # the explorer's output names a widget the kernel does not have
        "type => { const s = document.querySelector(`script[type='${type}']`);"
        " const out = JSON.parse(s.textContent);"
        " out.data['application/vnd.jupyter.widget-view+json'].model_id = 'no-such-widget';"
        " s.textContent = JSON.stringify(out); }",
        "application/vnd.voila.cell-output+json",
    )
    request.continue_()
    page.wait_for_selector("body[data-course-live=true]", timeout=120_000)
    failed = page.locator(".course-failed[role=status]")
    assert failed.count() == 1 and "could not start" in failed.inner_text()
    quiz = page.locator(".course-quiz .course-choice").first  # the self-check is live
    quiz.locator(".widget-radio-box label").first.click()
    page.locator(".course-feedback p").first.wait_for(timeout=30_000)


#: A notebook whose outputs are not course views: plain text, an error, a library's warning.
ODD_LESSON = new_notebook(
    cells=[
        new_markdown_cell("# An odd lesson"),
        new_code_cell(
            "import sys\nprint('said on stdout')\nprint('said on stderr', file=sys.stderr)"
        ),
        new_code_cell(
            "from IPython.display import HTML\nHTML('<p class=odd>drawn by the server</p>')"
        ),
        new_code_cell("raise RuntimeError('secret detail')"),
    ],
    metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
)


@pytest.mark.browser
def test_plain_outputs_are_drawn_by_the_server_and_a_failed_cell_is_explained(page, tmp_path):
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    nbformat.write(ODD_LESSON, lessons / "odd.ipynb")
    with serve_site(tmp_path / "voila.log", f"--Voila.root_dir={lessons}") as url:
        page.goto(f"{url}voila/render/odd.ipynb", timeout=240_000)
        page.wait_for_selector("body[data-course-live=true]", timeout=120_000)
        text = page.inner_text("body")
        assert "drawn by the server" in page.inner_text(".odd")
        assert "said on stdout" in text
        assert "said on stderr" not in text  # warnings a library prints are for authors
        for detail in ("secret detail", "RuntimeError", "Traceback", "error when executing"):
            assert detail not in text
        failed = page.locator(".course-failed[role=status]")
        assert failed.count() == 1 and "could not start" in failed.inner_text()
        assert axe_violations(page) == []


@pytest.mark.browser
def test_a_page_streamed_while_its_lesson_runs_goes_live_whole(page, tmp_path):
    """Without a pre-heated kernel Voila sends the page while the lesson runs, and the kernel
    announces its widgets in a burst as the page connects: every view still comes live once,
    with nothing lost to the race between those announcements and the states' request."""
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    with serve_site(tmp_path / "voila.log", "--preheat_kernel=False") as url:
        open_lesson(page, url, "02_strange_situation.ipynb")
        assert page.locator(".course-failed").count() == 0
        assert errors == []
        page.get_by_role("button", name="C · insecure-resistant/ambivalent").click()
        page.wait_for_function(
            "() => document.querySelector('.course-reading').innerText.includes('pattern-C')"
        )
        quiz = page.locator(".course-quiz .course-choice").first  # the last view
        quiz.locator(".widget-radio-box label").first.click()
        page.locator(".course-feedback p").first.wait_for(timeout=30_000)
