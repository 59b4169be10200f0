"""Previews on the site: a lesson reads and draws before its widgets are live, and hands over."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_site import assert_skip_link_reaches_the_one_main_landmark, axe_violations

from widgets.preview import MIME
from widgets.secure_base import ExplorerSettings, describe, simulate

pytestmark = pytest.mark.browser

LESSON = "01_bowlby.ipynb"
FRONT_END = "**/static/course-live.js?*"
#: Once the whole lesson is parsed (the footer follows its last cell) and every preview figure
#: is drawn, marks each drawn plot (a property, which a copy of the element would not carry)
#: and notes what it showed.
MARK_DRAWN_PREVIEWS = """() => {
  const plots = [...document.querySelectorAll('.course-pv-plot')];
  if (!document.querySelector('.course-footer')
      || !plots.every(gd => gd.querySelector('.main-svg g.trace'))) { return false; }
  plots.forEach(gd => { gd.previewed = true; gd.previewedData = JSON.stringify(gd.data); });
  return true;
}"""


def hold(page, pattern: str):
    """Holds back the page's first request for ``pattern``; returns a call that waits until the
    page has made it and gives it back (to continue or abort)."""
    held = []
    page.route(pattern, lambda route: held.append(route))

    def asked(timeout_ms: int = 120_000):
        for _ in range(timeout_ms // 50):
            if held:
                return held[0]
            page.wait_for_timeout(50)
        raise AssertionError(f"the page never asked for {pattern}")

    return asked


def test_a_lesson_reads_and_draws_its_figures_before_its_front_end_runs(page, site):
    page.route(FRONT_END, lambda route: route.abort())  # as if the front end never arrived
    page.goto(f"{site}voila/render/{LESSON}", wait_until="commit", timeout=240_000)
    page.wait_for_function(
        "() => { const f = document.querySelectorAll('.course-pv-figure');"
        " return document.readyState === 'complete' && f.length"
        "  && [...f].every(x => x.querySelector('.main-svg g.trace')); }",
        timeout=120_000,
    )
    assert page.locator("h1").first.is_visible()
    assert page.locator(".course-preview").count() == 2  # the explorer and the self-check
    assert page.get_by_role("slider", name="Caregiver availability").input_value() == "0.8"
    assert page.get_by_role("radio").count() > 10  # the self-check's options
    text = page.inner_text("body")
    assert "from widgets import" not in text and "Traceback" not in text
    assert page.locator(".jupyter-widgets").count() == 0  # nothing live: all of it is preview
    # the outputs the front end makes live do not carry the preview a second time
    outputs = page.locator("script[type='application/vnd.voila.cell-output+json']")
    assert outputs.count() == 2
    assert all(MIME not in text for text in outputs.all_text_contents())
    # the reader is told why the controls do nothing, with a way to try again
    stalled = page.locator("#course-stalled[role=alert]")
    assert "have not started" in stalled.inner_text()
    assert stalled.get_by_role("button", name="Reload the page").is_visible()
    assert axe_violations(page) == []
    assert_skip_link_reaches_the_one_main_landmark(page)


def test_a_front_end_slow_to_start_is_explained_and_the_notice_goes_when_it_arrives(page, site):
    page.clock.install()
    # the front end is slow to arrive
    front_end = hold(page, FRONT_END)
    page.goto(f"{site}voila/render/{LESSON}", wait_until="commit", timeout=240_000)
    request = front_end()
    page.wait_for_selector(".course-footer", state="attached", timeout=120_000)
    stalled = page.locator("#course-stalled[role=alert]")
    assert stalled.count() == 0
    page.clock.run_for(31_000)  # half a minute after the page was read
    assert "have not started" in stalled.inner_text()
    request.continue_()
    page.wait_for_function("() => !document.querySelector('.course-preview')", timeout=240_000)
    assert stalled.count() == 0


def test_a_control_moved_before_the_widgets_connect_is_handed_to_the_live_view(page, site):
    # the front end is held back until the reader has moved a control
    bundle = hold(page, FRONT_END)
    page.goto(f"{site}voila/render/{LESSON}", wait_until="commit", timeout=240_000)
    preview_slider = page.get_by_role("slider", name="Caregiver availability")
    preview_slider.wait_for(timeout=120_000)
    page.wait_for_function("() => window.Plotly", timeout=60_000)
    request = bundle()
    page.wait_for_function(MARK_DRAWN_PREVIEWS, timeout=60_000)
    preview_slider.focus()
    preview_slider.press("End")
    assert preview_slider.input_value() == "1"
    assert "1.00" in page.locator(".course-pv-slider").first.inner_text()  # its readout follows
    request.continue_()
    page.wait_for_function("() => !document.querySelector('.course-preview')", timeout=240_000)
    live = page.locator(".jupyter-widgets [role=slider][aria-label='Caregiver availability']")
    page.wait_for_function(
        "el => parseFloat(el.getAttribute('aria-valuenow')) === 1",
        arg=live.element_handle(),
        timeout=60_000,
    )
    assert live.evaluate("el => el === document.activeElement")  # focus followed the reader
    # the kernel heard it: the reading is the model's account of an always-available caregiver
    expected = describe(simulate(replace(ExplorerSettings(stranger_minute=8.0), availability=1.0)))
    page.get_by_text(expected).wait_for(timeout=60_000)
    # the live figure is the preview's drawn plot, taken over, and it follows the kernel
    figure = page.locator(".course-figure .js-plotly-plot")
    assert figure.count() == 1 and figure.evaluate("gd => gd.previewed === true")
    page.wait_for_function(
        "gd => JSON.stringify(gd.data) !== gd.previewedData", arg=figure.element_handle()
    )


def test_the_live_view_draws_its_own_figure_where_the_preview_shows_another_plot(page, site):
    bundle = hold(page, FRONT_END)
    url = f"{site}voila/render/02_strange_situation.ipynb"
    page.goto(url, wait_until="commit", timeout=240_000)
    request = bundle()
    page.wait_for_function(MARK_DRAWN_PREVIEWS, timeout=120_000)
    marked = page.locator(".course-pv-plot").count()
    assert marked == 3
    # the first preview's plot no longer matches its model's (as if the preview were stale)
    page.evaluate(
        "() => { const s = document.querySelector('.course-pv-figure script');"
        " const plot = JSON.parse(s.textContent); plot.layout.title = {text: 'stale'};"
        " s.textContent = JSON.stringify(plot); }"
    )
    request.continue_()
    page.wait_for_function("() => !document.querySelector('.course-preview')", timeout=240_000)
    plots = page.locator(".course-figure .js-plotly-plot")
    assert plots.count() == marked  # one plot per figure, none drawn twice
    taken = plots.evaluate_all("gds => gds.map(gd => gd.previewed === true)")
    assert taken == [False, True, True]
    title = plots.first.evaluate("gd => gd.layout.title.text")
    assert title != "stale" and plots.first.locator(".main-svg").count() > 0
