"""Lesson 2 in the browser: its three interactive parts respond to the reader's controls."""

import pytest
from playwright.sync_api import expect
from test_site import axe_violations, open_lesson

pytestmark = pytest.mark.browser

LESSON = "02_strange_situation.ipynb"


def plot(n: int) -> str:
    """A JS expression for the n-th plot on the page (0 episodes, 1 coder, 2 samples).

    Each redraw replaces the plot's element, so callers read it with ``?.``.
    """
    return f"document.querySelectorAll('.course-simulation .js-plotly-plot')[{n}]"


def open_and_wait(page, site) -> None:
    """Open the lesson and wait until all three of its plots hold their data."""
    open_lesson(page, site, LESSON)
    page.wait_for_function(
        "() => { const p = document.querySelectorAll('.course-simulation .js-plotly-plot');"
        " return p.length === 3 && [...p].every(x => x.data && x.data.length); }",
        timeout=120_000,
        polling=500,
    )


def test_choosing_a_pattern_redraws_the_episode_plots(page, site):
    open_and_wait(page, site)
    ratings = f"() => JSON.stringify({plot(0)}?.data?.[7]?.y)"
    before = page.evaluate(ratings)
    button = page.get_by_role("button", name="C · insecure-resistant/ambivalent")
    button.click()
    page.wait_for_function(
        "() => document.querySelector('.course-reading').innerText.includes('pattern-C')",
        timeout=90_000,
        polling=500,
    )
    page.wait_for_function(f"({ratings})() !== {before!r}", timeout=90_000, polling=500)
    # a very distressed infant: the separations are cut short, so the caregiver row changes
    assert "cut short" in page.locator(".course-reading").first.inner_text()


def test_moving_the_infant_slider_with_the_keyboard_draws_another_infant(page, site):
    open_and_wait(page, site)
    distress = f"() => JSON.stringify({plot(0)}?.data?.[4]?.y)"
    before = page.evaluate(distress)
    handle = page.get_by_role("slider", name="Simulated infant number")
    handle.focus()
    handle.press("End")
    page.wait_for_function(f"({distress})() !== {before!r}", timeout=90_000, polling=500)


def test_the_coder_scores_a_choice_and_deals_the_next_infant(page, site):
    open_and_wait(page, site)
    coder = page.locator(".course-coder")
    heading = coder.locator("p strong").first.inner_text()
    coder.get_by_role("button", name="A: insecure-avoidant").click()
    feedback = coder.locator(".course-reading p")
    feedback.wait_for(timeout=90_000)
    assert "generated as" in feedback.inner_text()
    page.wait_for_function(
        "() => document.querySelector('.course-coder .course-score').innerText"
        ".includes('1 infant classified')",
        timeout=90_000,
        polling=500,
    )
    expect(coder.get_by_role("button", name="B: secure")).to_be_disabled(timeout=90_000)
    coder.get_by_role("button", name="Next infant").click()
    page.wait_for_function(
        "h => document.querySelector('.course-coder p strong').innerText !== h",
        arg=heading,
        timeout=90_000,
        polling=500,
    )
    expect(coder.get_by_role("button", name="B: secure")).to_be_enabled(timeout=90_000)
    assert axe_violations(page) == []


def test_sorting_the_samples_reorders_the_bars(page, site):
    open_and_wait(page, site)
    first_row = f"() => {plot(2)}?.data?.[0]?.y?.[0] || ''"
    assert page.evaluate(first_row).startswith("Baltimore")
    page.get_by_label("Order rows by").select_option("share resistant (C)")
    page.wait_for_function(f"({first_row})().startsWith('Japan')", timeout=90_000, polling=500)
    # found by its title: the site currently names checkboxes with an empty label
    page.locator("input[title='Include the 2023 global estimate (with D)']").uncheck()
    five_rows = f"() => {plot(2)}?.data?.[0]?.y?.length === 5"
    page.wait_for_function(five_rows, timeout=90_000, polling=500)
