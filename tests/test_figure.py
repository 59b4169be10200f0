"""LiveFigure shows its figure as plotly's mimetype and redraws once per batch_update."""

import plotly.graph_objects as go

from widgets.figure import LiveFigure

PLOTLY = "application/vnd.plotly.v1+json"


def shown(fig: LiveFigure) -> dict:
    (output,) = fig.outputs
    return output["data"][PLOTLY]


def test_the_first_figure_is_shown_as_plotly_json():
    fig = LiveFigure(go.Figure(go.Scatter(x=[0, 1], y=[2, 3]), layout={"title": "T"}))
    assert shown(fig)["data"][0]["y"] == [2, 3]
    assert fig.label == "T"


def test_a_batch_update_replaces_the_drawing_once():
    fig = LiveFigure(go.Figure(go.Scatter(x=[0, 1], y=[2, 3])))
    with fig.batch_update():
        fig.data[0].y = [5, 6]
        fig.data[0].name = "changed"
    trace = shown(fig)["data"][0]
    assert trace["y"] == [5, 6] and trace["name"] == "changed"
    assert len(fig.outputs) == 1
