// Previews (widgets/preview.py): each course view's still copy, on the page before Voila's
// front end has started. Run at the top of the page, so it holds for previews that arrive
// later in a streamed page too: figures are drawn as soon as plotly.js (loaded async in the
// head) is there, and a control the reader moves (or is on) is marked, its readout kept in
// step, for course.js to hand over to the live widget.
(function () {
  var CONFIG = { displaylogo: false, responsive: true };
  var watch = new MutationObserver(draw);
  // Figures are drawn one per task, in page order, each at background priority where the
  // browser has it: a figure takes plotly tens of milliseconds, and the page's other work
  // (the kernel's websocket, the live widgets starting, which draw a figure not drawn yet
  // themselves) goes first instead of waiting for them all.
  var queue = [];
  var next = null;
  var later = window.scheduler && window.scheduler.postTask
    ? function (f) { return window.scheduler.postTask(f, { priority: 'background' }); }
    : function (f) { return setTimeout(f, 0); };
  function draw() {
    if (document.readyState === 'complete' && !document.querySelector('.course-preview')) {
      watch.disconnect();  // every preview has given way to its live view
    }
    if (!window.Plotly) { return; }
    document.querySelectorAll('.course-pv-figure:not([data-queued])').forEach(function (fig) {
      if (!fig.querySelector('.course-pv-plot')) { return; }  // parsed after the figure's JSON
      fig.setAttribute('data-queued', '');
      queue.push(fig);
    });
    if (queue.length && next === null) { next = later(drawOne); }
  }
  function drawOne() {
    var fig = queue.shift();
    next = queue.length ? later(drawOne) : null;
    if (!fig.isConnected) { return; }  // its live view has already taken its place
    var plot = JSON.parse(fig.querySelector('script').textContent);
    window.Plotly.newPlot(fig.querySelector('.course-pv-plot'), plot.data, plot.layout || {}, CONFIG);
    fig.setAttribute('data-drawn', '');
  }
  var tag = document.querySelector('script[data-course-plotly]');
  if (tag) { tag.addEventListener('load', draw); }
  watch.observe(document.documentElement, { childList: true, subtree: true });

  function moved(c) {
    var group = c.closest('.course-pv-radio, .course-pv-toggles');
    if (group) {
      group.querySelectorAll('[data-model-id]').forEach(function (o) {
        o.removeAttribute('data-moved');
        if (o.hasAttribute('aria-pressed')) { o.setAttribute('aria-pressed', String(o === c)); }
      });
    }
    c.setAttribute('data-moved', '');
    var readout = c.type === 'range' && c.closest('.course-pv-slider').querySelector('output');
    if (readout) { readout.textContent = Number(c.value).toFixed(Number(c.dataset.decimals)); }
  }
  function control(e, selector) {
    var c = e.target.closest && e.target.closest(selector);
    if (c && c.closest('.course-preview')) { moved(c); }
  }
  // the control the reader is on: the preview goes at the swap, which drops focus, so
  // course.js needs this to put the reader back on the live control
  document.addEventListener('focusin', function (e) {
    var last = document.querySelector('.course-preview [data-focused]');
    if (last) { last.removeAttribute('data-focused'); }
    if (e.target.closest('.course-preview')) { e.target.setAttribute('data-focused', ''); }
  }, true);
  document.addEventListener('input', function (e) { control(e, '[data-model-id]'); }, true);
  document.addEventListener('click', function (e) { control(e, 'button[aria-pressed][data-model-id]'); }, true);
})();
