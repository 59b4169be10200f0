"""A still copy of a view, sent beside it, so a lesson page shows its simulations at once.

On the public site a view's live widgets appear only after the page's front end
(course-live.js) has loaded and fetched every widget's state over the kernel's websocket.
Each course view therefore also offers a *preview*: HTML built from the same widget state,
with its figures as plotly JSON (drawn by the page's plotly.js) and its controls at their
current values. The site template puts the preview in the page; the page's script
(course.js, part 4) swaps it for the live view once that has drawn, handing over any
control the reader already moved. Buttons stay disabled until then: a click is an action,
not a value to hand over. JupyterLab does not know the preview's mime type and ignores it.
"""

from __future__ import annotations

import contextlib
import json
from html import escape

import ipywidgets as w

from widgets.figure import LiveFigure

MIME = "application/vnd.attachment-course.preview+html"


class Unpreviewable(TypeError):
    """A widget type the preview cannot draw (the view is then sent without a preview)."""


class Previewed:
    """Mixed into a view (before ``w.VBox``): its display carries a preview beside it."""

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            with contextlib.suppress(Unpreviewable):
                bundle[MIME] = f"<div class='course-preview'>{render(self)}</div>"
        return bundle


def render(widget: w.Widget) -> str:
    """The widget and everything inside it as static HTML; raises Unpreviewable."""
    for kind, draw in _DRAWERS:
        if isinstance(widget, kind):
            return draw(widget)
    raise Unpreviewable(f"no preview for {type(widget).__name__}")


def _attr(value) -> str:
    return escape(str(value), quote=True)


def _style(widget: w.DOMWidget) -> str:
    """The widget's Layout as inline CSS (ipywidgets' trait names are CSS names with _)."""
    layout = widget.layout
    css = "; ".join(
        f"{name.replace('_', '-')}: {getattr(layout, name)}"
        for name in layout.keys
        if not name.startswith("_") and getattr(layout, name) not in (None, "")
    )
    return f' style="{_attr(css)}"' if css else ""


def _classes(widget: w.DOMWidget, own: str) -> str:
    return _attr(" ".join([own, *widget._dom_classes]))


def _control(widget: w.DOMWidget, trait: str) -> str:
    """What course.js needs to hand the reader's change to the live widget."""
    disabled = " disabled" if widget.disabled else ""
    return f' data-model-id="{widget.model_id}" data-trait="{trait}"{disabled}'


def _label(widget: w.DOMWidget) -> str:
    width = getattr(widget.style, "description_width", "") or ""
    style = f' style="width: {_attr(width)}"' if width else ""
    return f"<span class='course-pv-label'{style}>{escape(widget.description)}</span>"


def _box(widget: w.Box) -> str:
    kind = "course-pv-hbox" if isinstance(widget, w.HBox) else "course-pv-vbox"
    inner = "".join(render(child) for child in widget.children)
    return f"<div class='{_classes(widget, kind)}'{_style(widget)}>{inner}</div>"


def _html(widget: w.HTML) -> str:
    label = _label(widget) if widget.description else ""
    classes = _classes(widget, "course-pv-html")
    return f"<div class='{classes}'{_style(widget)}>{label}{widget.value}</div>"


def _slider(widget: w.FloatSlider | w.IntSlider) -> str:
    readout = format(widget.value, widget.readout_format)
    decimals = len(readout.split(".")[1]) if "." in readout else 0
    return (
        f"<div class='{_classes(widget, 'course-pv-slider')}'{_style(widget)}>"
        f"<label title='{_attr(widget.tooltip or '')}'>{_label(widget)}"
        f"<input type='range' min='{widget.min}' max='{widget.max}' step='{widget.step}'"
        f" value='{widget.value}'{_control(widget, 'value')} data-decimals='{decimals}'></label>"
        f"<output class='course-pv-readout'>{readout}</output></div>"
    )


def _checkbox(widget: w.Checkbox) -> str:
    checked = " checked" if widget.value else ""
    return (
        f"<label class='{_classes(widget, 'course-pv-checkbox')}'{_style(widget)}>"
        f"<input type='checkbox'{checked}{_control(widget, 'value')}>"
        f"<span>{escape(widget.description)}</span></label>"
    )


def _dropdown(widget: w.Dropdown) -> str:
    options = "".join(
        f"<option value='{i}'{' selected' if i == widget.index else ''}>{escape(text)}</option>"
        for i, text in enumerate(widget._options_labels)
    )
    return (
        f"<label class='{_classes(widget, 'course-pv-dropdown')}'{_style(widget)}>"
        f"{_label(widget)}<select{_control(widget, 'index')}>{options}</select></label>"
    )


def _radios(widget: w.RadioButtons) -> str:
    options = "".join(
        f"<label><input type='radio' name='pv-{widget.model_id}' value='{i}'"
        f"{' checked' if i == widget.index else ''}{_control(widget, 'index')}>"
        f"<span>{escape(text)}</span></label>"
        for i, text in enumerate(widget._options_labels)
    )
    return (
        f"<fieldset class='{_classes(widget, 'course-pv-radio')}'{_style(widget)}>"
        f"<legend>{escape(widget.description)}</legend>{options}</fieldset>"
    )


def _toggles(widget: w.ToggleButtons) -> str:
    tips = list(widget.tooltips) + [""] * len(widget._options_labels)
    buttons = "".join(
        f"<button type='button' value='{i}' aria-pressed='{str(i == widget.index).lower()}'"
        f" title='{_attr(tips[i])}'{_control(widget, 'index')}>{escape(text)}</button>"
        for i, text in enumerate(widget._options_labels)
    )
    return (
        f"<div class='{_classes(widget, 'course-pv-toggles')}' role='group'"
        f" aria-label='{_attr(widget.description)}'{_style(widget)}>{_label(widget)}{buttons}</div>"
    )


def _button(widget: w.Button) -> str:
    return (
        f"<button type='button' class='{_classes(widget, 'course-pv-button')}' disabled"
        f" title='{_attr(widget.tooltip or '')}'{_style(widget)}>"
        f"{escape(widget.description)}</button>"
    )


def _textarea(widget: w.Textarea) -> str:
    return (
        f"<label class='{_classes(widget, 'course-pv-textarea')}'{_style(widget)}>{_label(widget)}"
        f"<textarea rows='{widget.rows or 4}' placeholder='{_attr(widget.placeholder)}'"
        f"{_control(widget, 'value')}>{escape(widget.value)}</textarea></label>"
    )


def _figure(widget: LiveFigure) -> str:
    plot = json.dumps(widget.plot).replace("</", "<\\/")
    return (
        f"<figure class='course-pv-figure' role='group' aria-label='{_attr(widget.label)}'"
        f"{_style(widget)}><script type='application/json'>{plot}</script>"
        "<div class='course-pv-plot'></div></figure>"
    )


#: Most specific first: a LiveFigure is a DOMWidget, an HBox is a Box.
_DRAWERS = (
    (LiveFigure, _figure),
    (w.Box, _box),
    (w.HTML, _html),
    (w.FloatSlider, _slider),
    (w.IntSlider, _slider),
    (w.Checkbox, _checkbox),
    (w.Dropdown, _dropdown),
    (w.RadioButtons, _radios),
    (w.ToggleButtons, _toggles),
    (w.Button, _button),
    (w.Textarea, _textarea),
)
