// The course page's behaviour beyond stock Voila, in two jobs:
// 1. Landmarks: Voila's lab shell (div#main) is built by script after the page loads;
//    once it exists it becomes the page's <main> landmark and the footer moves below it.
// 2. Names: stock ipywidgets sliders render a role="slider" handle with no accessible name
//    and a visible label not tied to it; each control takes its visible label as its name,
//    and feedback/score/reading lines are announced to screen readers when they change.
(function () {
  function landmarks() {
    var shell = document.querySelector('body > .jp-LabShell');
    if (!shell || shell.getAttribute('role') === 'main') { return; }
    shell.setAttribute('role', 'main');
    shell.setAttribute('tabindex', '-1');
    var footer = document.querySelector('.course-footer');
    if (footer) { document.body.appendChild(footer); }
  }
  function names(root) {
    root.querySelectorAll('.widget-slider, .widget-text, .widget-dropdown, .widget-radio, .widget-checkbox').forEach(function (w) {
      var label = w.querySelector(':scope > .widget-label') || w.querySelector('label');
      var name = label ? label.textContent.trim() : '';
      if (!name) { return; }
      w.querySelectorAll('[role="slider"], input:not([type="radio"]), select').forEach(function (c) {
        if (!c.getAttribute('aria-label')) { c.setAttribute('aria-label', name); }
      });
      var readout = w.querySelector('.widget-readout');
      if (readout && !readout.getAttribute('aria-label')) {
        readout.setAttribute('aria-label', name + ' (type a value)');
        readout.setAttribute('role', 'textbox');
      }
      var radios = w.querySelector('.widget-radio-box');
      if (radios && !radios.getAttribute('role')) {
        radios.setAttribute('role', 'radiogroup');
        radios.setAttribute('aria-label', name);
      }
    });
    root.querySelectorAll('.course-feedback, .course-score, .course-reading').forEach(function (el) {
      el.setAttribute('aria-live', 'polite');
    });
  }
  var pending = false;
  new MutationObserver(function () {
    if (pending) { return; }
    pending = true;
    requestAnimationFrame(function () { pending = false; landmarks(); names(document.body); });
  }).observe(document.body, { childList: true, subtree: true });
})();
