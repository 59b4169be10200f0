// The browser half of LiveFigure (widgets/figure.py): draws the model's `plot` with plotly.js
// and redraws it in place (Plotly.react) each time the kernel sends a new one.
// plotly.js is not shipped in this module: the course's pages load it once, as a cacheable
// <script data-course-plotly>, while the page's other scripts load. Where no page did
// (JupyterLab), the first figure asks its kernel for the same file, once per page.
const CONFIG = { displaylogo: false, responsive: true };

function fromKernel(model) {
  return new Promise((resolve) => {
    model.on("msg:custom", function onMessage(content) {
      if (!content || typeof content.plotly_js !== "string") return;
      model.off("msg:custom", onMessage);
      const script = document.createElement("script");
      script.textContent = content.plotly_js;
      document.head.appendChild(script);
      resolve(window.Plotly);
    });
    model.send({ request: "plotly.js" });
  });
}

function plotly(model) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__coursePlotly) {
    const tag = document.querySelector("script[data-course-plotly]");
    window.__coursePlotly =
      !tag || tag.dataset.state === "failed"
        ? fromKernel(model)
        : new Promise((resolve) => {
            tag.addEventListener("load", () => resolve(window.Plotly));
            tag.addEventListener("error", () => resolve(fromKernel(model)));
          });
  }
  return window.__coursePlotly;
}

function same(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || !a || !b) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => same(a[k], b[k]));
}

// On the course site this view is first shown as a preview (widgets/preview.py) whose figure
// preview.js has already drawn: if it shows exactly this plot, the view takes that drawn plot
// over instead of drawing it a second time, and leaves a still copy in the preview until the
// preview gives way (course.js).
function drawnPreview(el, plot) {
  const host = el.closest(".course-previewing");
  if (!host) return null;
  for (const fig of host.querySelectorAll(".course-preview .course-pv-figure[data-drawn]")) {
    const gd = fig.querySelector(".course-pv-plot");
    if (!gd || !gd._fullLayout || !gd.querySelector(".main-svg")) continue;
    fig.plot = fig.plot || JSON.parse(fig.querySelector("script").textContent);
    if (!same(fig.plot, plot)) continue;
    gd.replaceWith(gd.cloneNode(true));
    gd.classList.remove("course-pv-plot");
    return gd;
  }
  return null;
}

async function render({ model, el }) {
  el.setAttribute("role", "group");
  el.setAttribute("aria-label", model.get("label"));
  let gd = document.createElement("div");
  el.appendChild(gd);
  const Plotly = await plotly(model);
  let drawn = null; // one draw at a time, in order
  const draw = () => {
    const { data, layout } = model.get("plot");
    drawn = (drawn || Promise.resolve()).then(() => Plotly.react(gd, data, layout || {}, CONFIG));
  };
  // first drawn (or taken over) once the view is on the page and has a width (plotly sizes
  // itself then), then kept to its column's width
  const sized = new ResizeObserver(() => {
    if (!gd.offsetWidth) return;
    if (drawn) return void Plotly.Plots.resize(gd);
    const ready = drawnPreview(el, model.get("plot"));
    if (!ready) return void draw();
    gd.replaceWith(ready);
    gd = ready;
    drawn = Promise.resolve();
  });
  sized.observe(el);
  const redraw = () => drawn && draw();
  model.on("change:plot", redraw);
  return () => {
    sized.disconnect();
    model.off("change:plot", redraw);
    Plotly.purge(gd);
  };
}

export default { render };
