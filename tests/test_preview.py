"""A view's still preview (widgets/preview.py): what the site's page shows before its widgets."""

from __future__ import annotations

import json
from pathlib import Path

import ipywidgets as w
import nbformat
import plotly.graph_objects as go
import pytest
from bs4 import BeautifulSoup

from website.export import eval_cell
from widgets.figure import LiveFigure
from widgets.preview import MIME, Previewed, Unpreviewable, render

LESSONS = sorted((Path(__file__).resolve().parent.parent / "lessons").glob("[0-9][0-9]_*.ipynb"))


class Panel(Previewed, w.VBox):
    pass


def shown_views():
    """Every view a lesson displays, built as the lesson's cells build it."""
    for lesson in LESSONS:
        namespace: dict = {}
        for cell in nbformat.read(lesson, as_version=4).cells:
            if cell.cell_type == "code":
                shown = eval_cell(cell.source, namespace)
                if shown is not None:
                    yield lesson.stem, shown


def live_figures(widget):
    if isinstance(widget, LiveFigure):
        yield widget
    for child in getattr(widget, "children", ()):
        yield from live_figures(child)


def test_every_view_a_lesson_shows_carries_a_preview_with_its_figures():
    views = list(shown_views())
    assert len(views) == 16  # three or four per lesson (lessons 1-5)
    for lesson, view in views:
        bundle = view._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle, lesson
        page = BeautifulSoup(bundle[MIME], "html.parser")
        figures = page.select(".course-pv-figure")
        expected = list(live_figures(view))
        assert len(figures) == len(expected), lesson
        for drawn, fig in zip(figures, expected, strict=True):
            assert json.loads(drawn.script.string) == fig.plot
            assert drawn["aria-label"] == fig.label


def test_controls_are_shown_at_their_values_with_what_the_page_needs_to_hand_them_over():
    slider = w.FloatSlider(value=0.4, min=0, max=1, step=0.05, description="Threshold")
    slider.style.description_width = "16em"
    drop = w.Dropdown(options=[("one", 1), ("two", 2)], value=2, description="Pick")
    radios = w.RadioButtons(options=["a", "b", "c"], value=None, description="Question 1")
    toggles = w.ToggleButtons(options=["A", "B"], value="B", description="Pattern")
    box = w.Checkbox(value=True, description="A stranger comes in")
    text = w.Textarea(value="I'm sorry", placeholder="Write here", description="Apology")
    button = w.Button(description="Check", tooltip="Check the apology")
    view = Panel([slider, drop, radios, toggles, box, text, button])
    page = BeautifulSoup(render(view), "html.parser")

    rng = page.select_one("input[type=range]")
    assert [float(rng[k]) for k in ("min", "max", "step", "value")] == [0, 1, 0.05, 0.4]
    assert (rng["data-model-id"], rng["data-trait"]) == (slider.model_id, "value")
    assert rng.find_parent("label").get_text(strip=True) == "Threshold"  # its accessible name
    assert page.select_one(".course-pv-readout").string == "0.40"
    assert page.select_one(".course-pv-label")["style"] == "width: 16em"
    selected = page.select_one("select option[selected]")
    assert (selected["value"], selected.string) == ("1", "two")
    assert page.select_one("select")["data-trait"] == "index"
    assert not page.select("input[type=radio][checked]")  # a quiz question not yet answered
    assert page.select_one("fieldset legend").string == "Question 1"
    assert [b["aria-pressed"] for b in page.select(".course-pv-toggles button")] == [
        "false",
        "true",
    ]
    assert page.select_one("input[type=checkbox]").has_attr("checked")
    assert page.select_one("textarea").string == "I'm sorry"
    check = page.select_one(".course-pv-button")
    assert check.has_attr("disabled") and check["title"] == "Check the apology"


def test_text_cannot_break_out_of_the_preview():
    hostile = "</script><script>alert(1)</script>\"'"
    fig = LiveFigure(go.Figure(go.Scatter(x=[1], y=[2], name=hostile)), label=hostile)
    slider = w.FloatSlider(description=hostile)
    html = render(Panel([fig, slider]))
    page = BeautifulSoup(html, "html.parser")
    assert len(page.find_all("script")) == 1  # only the figure's JSON
    assert json.loads(page.script.string)["data"][0]["name"] == hostile
    assert page.select_one(".course-pv-figure")["aria-label"] == hostile
    assert page.select_one(".course-pv-label").string == hostile


def test_layout_and_classes_travel_with_the_preview():
    reading = w.HTML("<p>What happened</p>", layout=w.Layout(margin="0 0 1em 0", width="50%"))
    reading.add_class("course-reading")
    row = w.HBox([reading])
    page = BeautifulSoup(render(row), "html.parser")
    assert page.select_one(".course-pv-hbox") is not None
    shown = page.select_one(".course-pv-html")
    assert "course-reading" in shown["class"]
    assert shown["style"] == "margin: 0 0 1em 0; width: 50%"
    assert shown.p.string == "What happened"


def test_a_view_holding_a_widget_the_preview_cannot_draw_is_sent_without_one():
    view = Panel([w.HTML("fine"), w.ColorPicker()])
    with pytest.raises(Unpreviewable, match="ColorPicker"):
        render(view)
    bundle = view._repr_mimebundle_()
    assert MIME not in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == view.model_id
