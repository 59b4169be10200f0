// jQuery as the bundle's views use it, without jQuery (87 KB, ~15 ms of a page's main thread
// to start). Their events, attributes and removal are native (ipywidgets' NativeView); jQuery
// is left wrapping a view's element as `view.$el`, which anywidget empties before it renders.
// CommonJS, like jQuery: Backbone require()s it, ipywidgets imports its default.
// build.mjs fails the build if a bundled module asks more of it.
function $(el) {
  if (!(this instanceof $)) return new $(el);
  this[0] = el;
  this.length = 1;
}

$.prototype.empty = function empty() {
  this[0].replaceChildren();
  return this;
};

module.exports = $;
