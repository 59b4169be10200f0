"""One look for every lesson: the Okabe–Ito palette, a plotly template, styled controls.

Okabe & Ito (2008) chose these eight colours to stay distinguishable under the common
forms of colour-vision deficiency; the course never lets colour alone carry meaning, so
every trace also has a name, a dash style or a label.
"""

from __future__ import annotations

import ipywidgets as w
import plotly.graph_objects as go
import plotly.io as pio
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import HTMLStyle

PALETTE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        colorway=[
            PALETTE[k]
            for k in (
                "blue",
                "orange",
                "bluish_green",
                "vermillion",
                "reddish_purple",
                "sky_blue",
                "yellow",
                "black",
            )
        ],
        font=dict(family=FONT, size=14, color="#222222"),
        title=dict(font=dict(size=17), x=0, xanchor="left"),
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis=dict(
            showgrid=True, gridcolor="#e6e6e6", zeroline=False, linecolor="#555555", ticks="outside"
        ),
        yaxis=dict(
            showgrid=True, gridcolor="#e6e6e6", zeroline=False, linecolor="#555555", ticks="outside"
        ),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        margin=dict(l=60, r=20, t=80, b=50),
        hoverlabel=dict(font=dict(family=FONT)),
    )
)
pio.templates["course"] = TEMPLATE

# shared by every slider and every checkbox, like their layout: one style model each, not one
# per control (see shared)
_SLIDER_STYLE = w.SliderStyle(description_width="16em")
_CHECKBOX_STYLE = CheckboxStyle()
_LAYOUT = w.Layout(width="min(100%, 36em)")


def shared(style: w.Style, **layout: str) -> dict:
    """One layout and one style for a view's widgets of a kind, passed as ``w.HTML(**shared)``:
    each widget otherwise brings a layout and a style model of its own, and a page makes a
    model and a view for every one (about half a millisecond each on a visitor's page)."""
    return {"layout": w.Layout(**layout), "style": style}


def shared_text() -> dict:
    """``shared`` for a view's text lines."""
    return shared(HTMLStyle())


def shared_choice(width: str) -> dict:
    """``shared`` for a view's drop-downs, their labels beside them at full length."""
    return shared(DescriptionStyle(description_width="initial"), width=width)


def slider(
    label: str, value: float, lo: float, hi: float, step: float, *, fmt: str = ".2f", hint: str = ""
) -> w.FloatSlider:
    """A float slider with the course's styling and an accessible name.

    ``label`` is shown and is also the slider's accessible name (the site template
    copies it to the slider handle's aria-label); ``hint`` becomes the tooltip.
    Updates fire on release so a drag costs one recomputation, not dozens.
    """
    return w.FloatSlider(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=label,
        tooltip=hint or label,
        readout_format=fmt,
        continuous_update=False,
        style=_SLIDER_STYLE,
        layout=_LAYOUT,
    )


def toggle(label: str, value: bool = False, *, hint: str = "") -> w.Checkbox:
    """A checkbox styled like the sliders; the label is its accessible name."""
    return w.Checkbox(
        value=value,
        description=label,
        tooltip=hint or label,
        indent=False,
        layout=_LAYOUT,
        style=_CHECKBOX_STYLE,
    )


# Widget styling that must hold in JupyterLab as well as on the site, so it travels with
# the widgets rather than with the site's template: long quiz options wrap instead of
# overlapping, and feedback is marked by a bar and a word, not colour alone.
WIDGET_CSS = """
<style>
.course-quiz .widget-radio-box label { height: auto !important; white-space: normal !important;
  line-height: 1.45 !important; display: flex; flex-direction: row-reverse;
  justify-content: flex-end; align-items: flex-start; gap: .5em;
  margin: .15em 0 .45em 0; }
.course-quiz .widget-radio-box input { flex: none; margin-top: .3em; }
.course-quiz .widget-radio { height: auto !important; width: 100%; }
.course-quiz .widget-radio > .widget-label { display: none; }
.course-stem { font-size: 1.02em; line-height: 1.5; margin: .2em 0 .3em 0; }
.course-feedback-right { border-left: 4px solid #009E73; padding-left: .6em; }
.course-feedback-wrong { border-left: 4px solid #D55E00; padding-left: .6em; }
.course-feedback p, .course-reading p, .course-score p { line-height: 1.5; margin: .3em 0; }
</style>
"""


def stylesheet() -> w.HTML:
    """An invisible widget carrying ``WIDGET_CSS``; views put it first among their children."""
    return w.HTML(WIDGET_CSS, layout=w.Layout(display="none"))
