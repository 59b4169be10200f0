"""LiveFigure sends its figure as plotly JSON, redraws once per batch_update, and gives
plotly.js to a page that asks for it (JupyterLab) once, ignoring anything else sent to it."""

import json
import re
from pathlib import Path

import plotly
import plotly.graph_objects as go
import pytest

from widgets.figure import PLOTLY_JS, LiveFigure


def test_the_first_figure_is_sent_as_plotly_json_with_its_label():
    fig = LiveFigure(go.Figure(go.Scatter(x=[0, 1], y=[2, 3]), layout={"title": "T"}))
    assert fig.plot["data"][0]["y"] == [2, 3]
    assert fig.label == "T"
    assert "course-figure" in fig._dom_classes


def test_a_batch_update_sends_one_new_plot():
    fig = LiveFigure(go.Figure(go.Scatter(x=[0, 1], y=[2, 3])))
    sent = []
    fig.observe(lambda change: sent.append(change["new"]), names="plot")
    with fig.batch_update():
        fig.data[0].y = [5, 6]
        fig.data[0].name = "changed"
    assert len(sent) == 1
    trace = fig.plot["data"][0]
    assert trace["y"] == [5, 6] and trace["name"] == "changed"


def test_a_trace_the_served_plotly_cannot_draw_is_refused_at_once():
    with pytest.raises(ValueError, match="heatmap"):
        LiveFigure(go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])))


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(
        LiveFigure, "send", lambda self, content, buffers=None: messages.append(content)
    )
    return messages


def test_plotly_js_is_sent_once_on_request(sent):
    fig = LiveFigure(go.Figure())
    for _ in range(3):
        fig._on_request(fig, {"request": "plotly.js"}, [])
    assert len(sent) == 1
    assert sent[0]["plotly_js"] == PLOTLY_JS.read_text()
    assert "plotly.js (basic" in sent[0]["plotly_js"][:200]


@pytest.mark.parametrize(
    "content",
    [
        {"request": "../../etc/passwd"},
        {"request": "plotly.js", "path": "/"},
        "plotly.js",
        None,
        {"request": ["plotly.js"]},
        {"x" * 10_000: 1},
    ],
)
def test_other_messages_are_ignored(sent, content):
    fig = LiveFigure(go.Figure())
    fig._on_request(fig, content, [])
    assert sent == []
    json.dumps(fig.plot)  # the figure itself is untouched


def test_the_served_plotly_js_is_the_version_plotly_py_writes_figures_for():
    """plotly-basic.min.js is vendored (npm: plotly.js-basic-dist-min); after upgrading plotly,
    replace it with the same version as plotly's own bundle, and the page's cache key with it."""

    def version(path: Path) -> str:
        return re.search(r"v(\d+\.\d+\.\d+)", path.read_text()[:300]).group(1)

    stock = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert version(PLOTLY_JS) == version(stock)
    page = PLOTLY_JS.parent.parent / "index.html.j2"
    assert f"plotly-basic.min.js?v={version(stock)}" in page.read_text()


def test_the_served_plotly_js_asks_v8_to_compile_it_while_it_downloads():
    """Its first line is V8's explicit compile hint: every function of plotly.js runs while a
    lesson's figures are first drawn, and compiled ahead on a background thread, they take
    ~90 ms less of the page's main thread (benchmarks/README.md). Keep it when upgrading."""
    first, rest = PLOTLY_JS.read_text().split("\n", 1)
    assert first == "//# allFunctionsCalledOnLoad"
    assert rest.startswith("/**\n* plotly.js (basic - minified)")  # its licence comment kept
