"""Lesson 3 on the public site: its slider and its buttons work from the keyboard and the mouse."""

from __future__ import annotations

import pytest
from test_site import open_lesson

pytestmark = pytest.mark.browser

LESSON = "03_still_face.ipynb"
# the three-phases figure is the lesson's only plot; the repair game draws its run as a list
REUNION_END = (
    "() => { const y = document.querySelectorAll('.js-plotly-plot')[0].data[0].y;"
    " return y[y.length - 1]; }"
)
MOMENTS = "() => document.querySelectorAll('.course-timeline li').length"


def test_slowing_the_repair_redraws_the_plot_and_the_reading(page, site):
    open_lesson(page, site, LESSON)
    # open_lesson's "every plot is drawn" check is vacuous until a plot exists
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
    before = page.evaluate(REUNION_END)
    handle = page.get_by_role("slider", name="Repair time (seconds)")
    handle.focus()
    handle.press("End")  # keyboard operation: the slowest repair, 60 seconds
    page.wait_for_function(f"({REUNION_END})() !== {before}", timeout=30_000)
    assert page.evaluate(REUNION_END) < before  # slower repair → less positive affect at the end
    page.get_by_text("did not get back to 90%").wait_for(timeout=30_000)
    table = page.locator(".course-comparison table")
    assert table.locator("tbody tr").count() == 5
    assert "Simulated d" in table.inner_text()


def test_answer_buttons_play_the_repair_game(page, site):
    open_lesson(page, site, LESSON)
    miss = page.get_by_role("button", name="Miss", exact=True)
    assert miss.get_attribute("title")  # the tooltip says what "miss" means
    miss.click()
    page.wait_for_function(f"({MOMENTS})() === 1", timeout=30_000)
    assert "mismatched" in page.locator(".course-timeline li").first.inner_text()
    page.get_by_text("After 1 of 20 bids").wait_for(timeout=30_000)
    attune = page.get_by_role("button", name="Attune", exact=True)
    attune.focus()
    attune.press("Enter")  # keyboard operation
    page.get_by_text("Bid 3 of 20").wait_for(timeout=30_000)
    assert page.evaluate(MOMENTS) == 2
    page.get_by_role("button", name="Start again").click()
    page.get_by_text("Bid 1 of 20").wait_for(timeout=30_000)
    assert page.evaluate(MOMENTS) == 0
