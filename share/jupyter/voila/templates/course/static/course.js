// The course page's behaviour beyond its cells (the widgets themselves are made live by
// course-live.js, website/frontend):
// 1. Names: stock ipywidgets sliders render a role="slider" handle with no accessible name
//    and a visible label not tied to it; each control takes its visible label as its name,
//    and feedback/score/reading lines are announced to screen readers when they change.
// 2. Wayfinding: "Lesson N of M", a table of contents from the h2 headings, and previous/next
//    links, all read from the landing page's lesson list so they follow lessons/ as it grows.
// 3. Trouble: if the connection to the lesson's kernel drops, or a simulation fails to start,
//    the reader is told in plain words and offered a reload; the prose stays readable.
// 4. Previews: a view's still copy (widgets/preview.py, drawn by preview.js) gives way when
//    the live view under it (hidden meanwhile) has drawn its figures: the controls the reader
//    moved are set on the live widgets, and focus follows. If the live views never come, a
//    notice says so.
(function () {
  var base = document.body.getAttribute('data-base-url').replace(/voila\/$/, '');
  var path = decodeURIComponent(location.pathname.split('/voila/render/')[1] || '');
  // as a Jupyter server extension (JupyterHub, Binder) lessons sit at voila/render/lessons/...
  // and their map at voila/tree/lessons; standalone Voila serves lessons/ as its root
  var folder = path.indexOf('/') === -1 ? '' : path.slice(0, path.lastIndexOf('/'));
  var here = path.slice(path.lastIndexOf('/') + 1);
  var landing = folder ? base + 'voila/tree/' + folder : base;
  var home = document.querySelector('.course-home');
  if (home && folder) { home.setAttribute('href', landing); }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) { e.textContent = text; }
    return e;
  }

  function notice(id, message) {
    if (document.getElementById(id)) { return; }
    var box = el('div', { id: id, 'class': 'course-notice', role: 'alert' });
    box.appendChild(el('span', {}, message + ' '));
    var again = el('button', { type: 'button' }, 'Reload the page');
    again.addEventListener('click', function () { location.reload(); });
    box.appendChild(again);
    var skip = document.querySelector('.course-skip');  // the skip link stays the first stop
    document.body.insertBefore(box, skip ? skip.nextSibling : document.body.firstChild);
  }

  // course-live.js reports its kernel connection: a drop after it was up is explained (the
  // connection retries by itself, and the notice goes if it comes back).
  var leaving = false;
  window.addEventListener('beforeunload', function () { leaving = true; });
  window.addEventListener('course:connection', function (e) {
    var lost = document.getElementById('course-disconnected');
    if (e.detail === 'connected') { if (lost) { lost.remove(); } return; }
    if (!leaving) {
      notice('course-disconnected', 'The connection to this lesson was lost, so the ' +
             'simulations and quizzes have stopped responding. The text still reads fine.');
    }
  });
  window.addEventListener('course:failed', function (e) {
    var where = e.detail && e.detail.output;
    if (!where || where.querySelector('.course-failed')) { return; }
    where.appendChild(el('p', { 'class': 'course-failed', role: 'status' },
                         document.body.dataset.courseFailed));
  });

  function handOver(preview, live) {
    var manager = window.courseWidgets;
    preview.querySelectorAll('[data-moved]').forEach(function (c) {
      var value = c.type === 'checkbox' ? c.checked
        : c.type === 'range' || c.dataset.trait === 'index' ? Number(c.value) : c.value;
      manager.get_model(c.dataset.modelId).then(function (model) {
        model.set(c.dataset.trait, value);
        model.save_changes();
      }).catch(function (err) { console.error('course: could not hand over a control', err); });
    });
    var active = document.activeElement;
    var focused = (!active || active === document.body || preview.contains(active)) &&
                  preview.querySelector('[data-focused]');
    var name = focused && nameOf(focused, '.course-pv-label, span');
    return function () {
      if (!focused) { return; }
      var match = Array.prototype.find.call(live.querySelectorAll(FOCUSABLE), function (c) {
        return (c.getAttribute('aria-label') || nameOf(c, 'span') || '') === name;
      });
      if (!match) { live.setAttribute('tabindex', '-1'); }
      (match || live).focus();
    };
  }
  var FOCUSABLE = '[role=slider], input, select, textarea, button';
  function nameOf(control, part) {
    var label = control.closest('label');
    var named = label ? label.querySelector(part) || label : control;
    return named.textContent.replace(/\u200b/g, '').trim();
  }

  function swapPreviews() {
    document.querySelectorAll('.course-previewing').forEach(function (host) {
      var preview = host.querySelector(':scope > .course-preview');
      var live = host.querySelector(':scope > .jp-OutputArea-output');
      if (!preview || !live || !live.querySelector('.jupyter-widgets')) { return; }
      var plots = live.querySelectorAll('.course-figure');
      var wanted = preview.querySelectorAll('.course-pv-figure').length;
      if (plots.length < wanted || Array.prototype.some.call(plots, function (p) { return !p.querySelector('.main-svg'); })) { return; }
      var refocus = handOver(preview, live);
      preview.remove();
      // the live output back where stock Voila puts it, straight in its output area (where
      // JupyterLab's `display: table-row` for it is overridden by the area's flex layout)
      host.replaceWith.apply(host, Array.prototype.slice.call(host.childNodes));
      refocus();
    });
    var stalledNotice = document.getElementById('course-stalled');
    if (stalledNotice && !document.querySelector('.course-preview')) { stalledNotice.remove(); }
  }

  // Previews read and draw before the live widgets; if those never come (course-live.js failed
  // to load or to start, or nothing is live half a minute after the page was read: this script
  // runs after the last cell), the reader is told why the controls do nothing. The notice goes
  // if the live views arrive after all.
  var STALLED_MS = 30000;
  function stalled() {
    if (document.querySelector('.course-preview')) {
      notice('course-stalled', 'The interactive parts of this lesson have not started, so its ' +
             'simulations and quizzes do not respond. The text and figures read fine.');
    }
  }
  var frontEnd = document.querySelector('script[data-course-live]');
  if (frontEnd && frontEnd.dataset.state === 'failed') { stalled(); }
  window.addEventListener('error', function (e) { if (e.target === frontEnd) { stalled(); } }, true);
  window.addEventListener('course:stalled', stalled);
  setTimeout(stalled, STALLED_MS);

  // The contents list goes in at once (this script follows the last cell); the lesson's place
  // (its line is in the page from the start) and the previous/next links are filled in from
  // the landing page's lesson list.
  var cells = document.getElementById('rendered_cells');
  var h1 = cells && cells.querySelector('h1');
  var place = document.getElementById('course-place');
  if (h1 && place) {
    contents();
    fetch(landing, { credentials: 'same-origin' }).then(function (r) { return r.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, 'text/html');
      var lessons = Array.prototype.map.call(doc.querySelectorAll('.course-lessons a'), function (a) {
        var num = a.querySelector('.course-num');
        var topic = a.textContent.replace(num ? num.textContent : '', '').replace(/\s+/g, ' ').trim();
        var isLesson = num && /^Lesson/.test(num.textContent.trim());
        return { href: a.getAttribute('href'), name: a.getAttribute('href').split('/').pop(),
                 label: isLesson ? num.textContent.trim() + ': ' + topic : topic };
      });
      wayfinding(lessons, place);
    }).catch(function () { place.remove(); });  // no lesson list: the page reads without it
  }

  function wayfinding(lessons, place) {
    var i = lessons.findIndex(function (l) { return l.name === here; });
    if (i < 0) { place.remove(); return; }
    place.textContent = i === 0 ? 'Start here' : 'Lesson ' + i + ' of ' + (lessons.length - 1);
    var pager = el('nav', { id: 'course-pager', 'class': 'course-pager', 'aria-label': 'Previous and next lesson' });
    if (i > 0) { pager.appendChild(el('a', { href: lessons[i - 1].href, rel: 'prev' }, '← ' + lessons[i - 1].label)); }
    if (i < lessons.length - 1) { pager.appendChild(el('a', { href: lessons[i + 1].href, rel: 'next' }, lessons[i + 1].label + ' →')); }
    cells.firstElementChild.appendChild(pager);
  }
  function contents() {
    var heads = cells.querySelectorAll('.jp-RenderedMarkdown h2[id]');
    if (heads.length <= 2) { return; }
    var toc = el('nav', { id: 'course-toc', 'class': 'course-toc', 'aria-label': 'On this page' });
    var details = el('details');
    details.appendChild(el('summary', {}, 'On this page'));
    var list = el('ol');
    heads.forEach(function (h) {
      var li = el('li');
      li.appendChild(el('a', { href: '#' + h.id }, h.textContent.replace(/¶$/, '').trim()));
      list.appendChild(li);
    });
    details.appendChild(list);
    toc.appendChild(details);
    var after = h1.closest('.jp-Cell') || h1;
    after.parentNode.insertBefore(toc, after.nextSibling);
  }
  function names(root) {
    root.querySelectorAll('.widget-slider, .widget-text, .widget-dropdown, .widget-radio, .widget-checkbox').forEach(function (w) {
      // a checkbox's visible text is in its label's span (its .widget-label is an empty indent)
      var label = w.classList.contains('widget-checkbox')
        ? w.querySelector('label span') || w.querySelector('label')
        : w.querySelector(':scope > .widget-label') || w.querySelector('label');
      var name = label ? label.textContent.replace(/\u200b/g, '').trim() : '';
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
    requestAnimationFrame(function () {
      pending = false;
      names(document.body);
      swapPreviews();
    });
  }).observe(document.body, { childList: true, subtree: true });
})();
