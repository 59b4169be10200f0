"""A plotly figure that lessons can redraw, drawn by JupyterLab's plotly renderer.

plotly's own FigureWidget ships its whole JavaScript bundle (about 5 MB of plotly.js inside
an anywidget module) through the kernel's websocket on every page view, uncached, and the
browser parses it again each time; on the public site that dominated the time to first
figure. ``LiveFigure`` keeps an ordinary ``go.Figure`` in the kernel and shows it through an
Output widget as plotly's JSON mimetype, which the jupyterlab-plotly extension draws with a
plotly.js the browser loads once and caches. Views use it like a FigureWidget: set
``fig.data[i].x = ...`` (or ``fig.figure.layout``) inside ``with fig.batch_update():`` and the
figure is redrawn once when the block ends.
"""

from __future__ import annotations

import contextlib
import json

import ipywidgets as w
import plotly.graph_objects as go
import plotly.io as pio

PLOTLY_MIME = "application/vnd.plotly.v1+json"


class LiveFigure(w.Output):
    """An Output widget showing one plotly figure, redrawn after each ``batch_update``."""

    def __init__(self, figure: go.Figure, *, label: str = ""):
        super().__init__(layout=w.Layout(width="100%"))
        self.figure = figure
        self.add_class("course-figure")
        self.label = label or (figure.layout.title.text or "figure")
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
        # Set the output directly (no display capture), so it works in and out of a kernel.
        bundle = {
            PLOTLY_MIME: json.loads(pio.to_json(self.figure, validate=False)),
            "text/plain": f"[figure: {self.label}]",
        }
        self.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)
