"""A plotly figure that lessons can redraw, drawn in the browser by one shared plotly.js.

plotly's own FigureWidget ships all of plotly.js (about 5 MB) inside its widget module,
through the kernel's websocket on every page view, uncached; JupyterLab's plotly renderer
bundles the same 5 MB and draws each figure twice. ``LiveFigure`` is a small anywidget
(``figure.js``) that draws with the plotly.js the course's pages already load: plotly's
"basic" build (scatter, bar and pie: all the lessons use), a quarter of the size, cached,
and fetched while the rest of the page loads. Views use it like a FigureWidget: set
``fig.data[i].x = ...`` (or ``fig.figure.layout``) inside ``with fig.batch_update():`` and the
figure is redrawn in place once, when the block ends.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import anywidget
import ipywidgets as w
import plotly.graph_objects as go
import plotly.io as pio
import traitlets

#: The plotly.js build the site serves (course template's static folder) and, in JupyterLab,
#: the kernel sends once on a figure's request.
PLOTLY_JS = (
    Path(__file__).resolve().parent.parent
    / "share/jupyter/voila/templates/course/static/plotly-basic.min.js"
)
#: The trace types that build draws; any other would leave a blank figure on the site.
TRACE_TYPES = frozenset({"scatter", "bar", "pie"})


class LiveFigure(anywidget.AnyWidget):
    """One plotly figure, redrawn in the browser after each ``batch_update``."""

    _esm = (Path(__file__).with_name("figure.js")).read_text()
    plot = traitlets.Dict().tag(sync=True)
    label = traitlets.Unicode().tag(sync=True)

    def __init__(self, figure: go.Figure, *, label: str = ""):
        unknown = {trace.type for trace in figure.data} - TRACE_TYPES
        if unknown:
            raise ValueError(
                f"plotly's basic build cannot draw {sorted(unknown)}: use {sorted(TRACE_TYPES)},"
                " or serve a larger build (widgets/figure.py, PLOTLY_JS)"
            )
        super().__init__(
            layout=w.Layout(width="100%"), label=label or figure.layout.title.text or "figure"
        )
        self.figure = figure
        self.add_class("course-figure")
        self._sent_plotly = False
        self.on_msg(self._on_request)
        self._draw()

    @property
    def data(self):
        return self.figure.data

    @contextlib.contextmanager
    def batch_update(self):
        """Change traces and layout inside the block; the browser gets one redraw at the end."""
        with self.figure.batch_update():
            yield self
        self._draw()

    def _draw(self) -> None:
        self.plot = json.loads(pio.to_json(self.figure, validate=False))

    def _on_request(self, _widget, content, _buffers) -> None:
        # A page without the course's <script> (JupyterLab) asks once; anything else a
        # browser sends is ignored, and no figure sends the file twice.
        if content == {"request": "plotly.js"} and not self._sent_plotly:
            self._sent_plotly = True
            self.send({"plotly_js": PLOTLY_JS.read_text()})
