"""Lesson 4's two simulations, driven from the keyboard and mouse in a real browser."""

from __future__ import annotations

import pytest
from test_site import open_lesson

pytestmark = pytest.mark.browser

LESSON = "04_neurobiology.ipynb"


def plot_value(n: int, expression: str) -> str:
    """A JS function reading `expression` from the data of the n-th simulation's plot."""
    return (
        "() => { const d = document.querySelectorAll('.course-simulation')"
        f"[{n}].querySelector('.js-plotly-plot').data; return {expression}; }}"
    )


def open_with_both_plots(page, site) -> None:
    """Open the lesson and wait until both simulations have drawn their plots."""
    open_lesson(page, site, LESSON)
    page.wait_for_function(
        "() => { const p = document.querySelectorAll('.course-simulation .js-plotly-plot');"
        " return p.length === 2 && [...p].every(x => x.querySelector('.main-svg')); }",
        timeout=120_000,
    )


def reading(n: int) -> str:
    return f"document.querySelectorAll('.course-simulation')[{n}].querySelector('.course-reading')"


def test_stress_explorer_responds_to_the_caregiver_and_to_crowded_stressors(page, site):
    open_with_both_plots(page, site)
    peak = plot_value(0, "Math.max(...d[3].y)")
    before = page.evaluate(peak)
    handle = page.get_by_role("slider", name="Caregiver responsiveness")
    handle.focus()
    handle.press("Home")  # keyboard: an unresponsive caregiver buffers less
    page.wait_for_function(f"({peak})() > {before}", timeout=30_000)
    page.wait_for_function(f"{reading(0)}.innerText.includes('cortisol peaks')")

    count = page.get_by_role("slider", name="Number of stressors")
    count.focus()
    count.press("End")  # five stressors
    gap = page.get_by_role("slider", name="Minutes between stressors")
    gap.focus()
    gap.press("Home")  # ten minutes apart: no time to recover
    page.wait_for_function(f"{reading(0)}.innerText.includes('builds up')", timeout=30_000)
    markers = plot_value(0, "d[5].x.filter(x => x !== null).length")
    assert page.evaluate(markers) == 10  # one two-point marker line per stressor


def test_practice_explorer_responds_to_practice_and_hides_the_path(page, site):
    open_with_both_plots(page, site)
    final = plot_value(1, "d[0].y[d[0].y.length - 1]")
    before = page.evaluate(final)
    handle = page.get_by_role("slider", name="Safe experiences a week")
    handle.focus()
    handle.press("End")  # keyboard: seven safe experiences a week
    page.wait_for_function(f"({final})() > {before}", timeout=30_000)
    page.wait_for_function(f"{reading(1)}.innerText.includes('rises from')")

    page.get_by_role("checkbox", name="Show one simulated person's week-by-week path").click()
    page.wait_for_function(plot_value(1, "d[1].visible === false"), timeout=30_000)
    # the reading is a second widget message, sent just after the figure's
    page.wait_for_function(
        f"!{reading(1)}.innerText.includes('simulated person')", timeout=30_000
    )
