// Stands in for sanitize-html in the bundle (build.mjs aliases it). ipywidgets calls it only for
// a description with description_allow_html set, which no course view sets; such a description
// is shown as plain text instead. The real package and what it brings (postcss, htmlparser2,
// entities: a quarter of the bundle) were parsed and run on every page for nothing.
export default function sanitize(text) {
  const box = document.createElement('div');
  box.textContent = text;
  return box.innerHTML;
}
