"""Lesson 5 in a real browser: the cycle, the reflection and the apology builder respond."""

from __future__ import annotations

import pytest
from test_site import open_lesson

from widgets import attachment_map

pytestmark = pytest.mark.browser

LESSON = "05_repair.ipynb"


def simulation(page, control_name: str, role: str = "slider"):
    """The .course-simulation box that holds the named control."""
    control = page.get_by_role(role, name=control_name)
    return page.locator(".course-simulation").filter(has=control)


def test_moving_a_partner_slider_redraws_the_cycle(page, site):
    open_lesson(page, site, LESSON)
    box = simulation(page, "Partner B: avoidance")
    last = "p => p.data[0].y[p.data[0].y.length - 1]"
    before = box.locator(".js-plotly-plot").evaluate(last)
    handle = page.get_by_role("slider", name="Partner B: avoidance")
    handle.focus()
    handle.press("Home")  # keyboard operation: B's avoidance to 0
    page.wait_for_function(
        f"([p, before]) => ({last})(p) !== before",
        arg=[box.locator(".js-plotly-plot").element_handle(), before],
        timeout=30_000,
    )
    assert box.locator(".js-plotly-plot").evaluate(last) < before  # less avoidance: calmer
    assert "Partner A" in box.locator(".course-reading").inner_text()


def test_switching_on_a_lever_names_it_in_the_reading(page, site):
    open_lesson(page, site, LESSON)
    # the site's script names checkboxes from an empty label, so find this one by its text
    toggle = page.locator(".widget-checkbox").filter(has_text="Slow down").locator("input")
    box = page.locator(".course-simulation").filter(has=toggle)
    toggle.check()
    reading = box.locator(".course-reading")
    page.wait_for_function(
        "el => el.innerText.includes('slowing down made the biggest difference')",
        arg=reading.element_handle(),
        timeout=30_000,
    )


def test_answering_the_reflection_places_a_point_and_says_snapshot(page, site):
    open_lesson(page, site, LESSON)
    worry = next(p for p in attachment_map.prompts() if p.dimension == "anxiety")
    space = next(p for p in attachment_map.prompts() if p.dimension == "avoidance")
    page.get_by_label(worry.text).select_option(label="very much")
    page.get_by_label(space.text).select_option(label="not at all")
    box = simulation(page, worry.text, role="combobox")
    page.wait_for_function(
        "el => el.innerText.includes('In this snapshot')",
        arg=box.locator(".course-reading").element_handle(),
        timeout=30_000,
    )
    reading = box.locator(".course-reading").inner_text()
    assert "not a type, a score or a diagnosis" in reading
    assert not any(ch.isdigit() for ch in reading)
    assert box.locator(".course-map-point").count() == 1
    page.get_by_role("button", name="Clear my answers").click()
    page.wait_for_function(
        "el => el.innerText.includes('Answer at least one prompt')",
        arg=box.locator(".course-reading").element_handle(),
        timeout=30_000,
    )


def test_apology_feedback_escapes_what_was_typed(page, site):
    open_lesson(page, site, LESSON)
    hostile = '<img src=x onerror="window.__pwned=1"> I was wrong, but the bus was late'
    page.get_by_label("Your apology").fill(hostile)
    page.get_by_role("button", name="Give feedback").click()
    box = page.locator(".course-apology")
    feedback = box.locator(".course-reading")
    page.wait_for_function(
        "el => el.innerText.includes('Takes clear responsibility: found')",
        arg=feedback.element_handle(),
        timeout=30_000,
    )
    assert '__pwned=1">' in feedback.inner_text()  # the markup is shown as text
    assert feedback.locator("img").count() == 0  # never as markup
    assert page.evaluate("() => window.__pwned") is None
    assert "watch out" in feedback.inner_text()


def test_building_an_apology_from_sentences_fills_the_box(page, site):
    open_lesson(page, site, LESSON)
    page.get_by_role("button", name="Put these together").click()
    box = page.locator(".course-apology")
    page.wait_for_function(
        "el => el.innerText.includes('4 of the four parts')",
        arg=box.locator(".course-reading").element_handle(),
        timeout=30_000,
    )
    assert "From now on" in page.get_by_label("Your apology").input_value()
