"""widgets/figure.js in Chromium against a stand-in widget model: it draws with the page's
plotly.js when the page has one, asks its kernel once when it has not (JupyterLab), and
redraws in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from widgets.figure import PLOTLY_JS

pytestmark = pytest.mark.browser

MODULE = (Path(__file__).resolve().parent.parent / "widgets" / "figure.js").read_text()
ORIGIN = "http://course.test/"

#: Renders two LiveFigure views from stand-in models; the "kernel" answers a plotly.js
#: request with the file. Returns what was sent and what was drawn, before and after a redraw.
RUN = """async ([module, plotlyJs]) => {
  const { default: widget } = await import(
    URL.createObjectURL(new Blob([module], { type: 'text/javascript' })));
  const sent = [];
  function model(y) {
    const handlers = {};
    const state = { label: 'A figure', plot: { data: [{ type: 'bar', y }], layout: {} } };
    return {
      state, handlers,
      get: k => state[k],
      on: (e, f) => (handlers[e] = handlers[e] || []).push(f),
      off: (e, f) => { handlers[e] = (handlers[e] || []).filter(g => g !== f); },
      send: m => {
        sent.push(m);
        const reply = { plotly_js: plotlyJs };
        setTimeout(() => (handlers['msg:custom'] || []).forEach(f => f(reply)));
      },
    };
  }
  const views = [model([1, 2]), model([3, 4])].map(m => {
    const el = document.createElement('div');
    el.style.width = '500px';
    document.body.appendChild(el);
    return { m, el, done: widget.render({ model: m, el }) };
  });
  await Promise.all(views.map(v => v.done));
  const drawn = () => new Promise(resolve => {
    const t = setInterval(() => {
      if (views.every(v => v.el.querySelector('.main-svg'))) { clearInterval(t); resolve(); }
    }, 20);
  });
  await drawn();
  const gd = views[0].el.querySelector('.js-plotly-plot');
  views[0].m.state.plot = { data: [{ type: 'bar', y: [9, 9, 9] }], layout: {} };
  views[0].m.handlers['change:plot'].forEach(f => f());
  await new Promise(r => setTimeout(r, 300));
  const el = views[0].el;
  return {
    sent, label: el.getAttribute('aria-label'), role: el.getAttribute('role'),
    same: el.querySelector('.js-plotly-plot') === gd, y: Array.from(gd.data[0].y),
    other: Array.from(views[1].el.querySelector('.js-plotly-plot').data[0].y),
  };
}"""


def test_without_the_pages_plotly_the_kernel_is_asked_once(page):
    page.set_content("<!doctype html><title>lab</title><body></body>")
    out = page.evaluate(RUN, [MODULE, PLOTLY_JS.read_text()])
    assert out["sent"] == [{"request": "plotly.js"}]  # one request for two figures
    assert out["role"] == "group" and out["label"] == "A figure"
    assert out["same"] and out["y"] == [9, 9, 9] and out["other"] == [3, 4]


def test_with_the_pages_plotly_nothing_is_asked(page):
    page.route(
        ORIGIN + "plotly.js",
        lambda route: route.fulfill(body=PLOTLY_JS.read_bytes(), content_type="text/javascript"),
    )
    page.route(
        ORIGIN,
        lambda route: route.fulfill(
            content_type="text/html",
            body=f"<!doctype html><title>site</title><script async src='{ORIGIN}plotly.js' "
            "data-course-plotly></script><body></body>",
        ),
    )
    page.goto(ORIGIN)
    out = page.evaluate(RUN, [MODULE, ""])
    assert out["sent"] == []
    assert out["same"] and out["y"] == [9, 9, 9]
