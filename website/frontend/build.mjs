// Builds src/live.js into the course template's static folder (course-live.js and .css),
// minified, with a banner naming the hash of its sources, which tests/test_site_frontend.py
// checks so that a source edited without a rebuild is caught; course-live.LICENSES.txt names
// every package in the bundle with its version and licence.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'share', 'jupyter', 'voila', 'templates', 'course', 'static');

export function sourceHash() {
  const hash = createHash('sha256');
  const files = ['package-lock.json', 'build.mjs',
    ...readdirSync(join(here, 'src')).sort().map((f) => join('src', f))];
  for (const f of files) { hash.update(f).update(readFileSync(join(here, f))); }
  return hash.digest('hex');
}

// anywidget's package ends in an AMD `define(...)`; the page has no AMD loader.
const anywidgetAsModule = {
  name: 'anywidget-as-module',
  setup(build) {
    build.onLoad({ filter: /anywidget[\\/]dist[\\/]index\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const amd = 'define(["@jupyter-widgets/base"], widget_default);';
      if (!text.includes(amd)) { throw new Error('anywidget changed its entry; update build.mjs'); }
      return { contents: text.replace(amd, 'export default widget_default;'), loader: 'js' };
    });
  },
};

// Its kernel connection requires the whole of @jupyterlab/services for two names.
const kernelWithoutServices = {
  name: 'kernel-without-services',
  setup(build) {
    build.onResolve({ filter: /^\.\.$/ }, (args) => {
      if (!/@jupyterlab[\\/]services[\\/]lib[\\/]kernel[\\/]default\.js$/.test(args.importer)) {
        return undefined;
      }
      const text = readFileSync(args.importer, 'utf8');
      const name = text.match(/const (\w+) = require\("\.\."\);/)[1];
      const used = new Set([...text.matchAll(new RegExp(`\\b${name}\\.(\\w+)`, 'g'))].map((m) => m[1]));
      if ([...used].sort().join() !== 'CommsOverSubshells,ServerConnection') {
        throw new Error(`the kernel connection now uses ${[...used]} from services; update build.mjs`);
      }
      return { path: join(here, 'src', 'services-index.js') };
    });
  },
};

const result = await esbuild.build({
  entryPoints: { 'course-live': join(here, 'src', 'live.js') },
  outdir: out,
  bundle: true,
  minify: !process.env.COURSE_DEBUG,  // COURSE_DEBUG=1 npm run build: readable, for profiling
  format: 'iife',
  target: 'es2020',
  legalComments: 'none',
  metafile: true,
  banner: { js: `/* course-live sources ${sourceHash()} */`, css: '/* course-live */' },
  loader: { '.woff': 'empty', '.woff2': 'empty', '.svg': 'dataurl' },
  define: { 'process.env.NODE_ENV': '"production"' },
  alias: {
    'sanitize-html': join(here, 'src', 'plain-text.js'),
    jquery: join(here, 'src', 'dollar.cjs'),
    '@lumino/widgets': join(here, 'src', 'lumino-widgets.js'),
  },
  plugins: [anywidgetAsModule, kernelWithoutServices],
  logLevel: 'warning',
});

// src/dollar.cjs stands in for jQuery with one method: a bundled module asking more of a view's
// `$el` (or calling `this.$`, Backbone's find) fails the build rather than the page. Backbone's
// own uses are in the View methods ipywidgets' NativeView replaces, and in `$` itself.
for (const input of Object.keys(result.metafile.inputs)) {
  if (!/\.[cm]?[jt]s$/.test(input) || /node_modules\/backbone\//.test(input)) { continue; }
  const text = readFileSync(join(here, input), 'utf8');
  const asked = [...text.matchAll(/\$el\.(\w+)|this\.\$\(/g)].map((m) => m[1] || '$()');
  const more = asked.filter((m) => m !== 'empty');
  if (more.length) { throw new Error(`${input} uses $el.${more} beyond src/dollar.cjs; update it`); }
}

const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g);
  if (!match || input.startsWith('(disabled)')) { continue; }
  const dir = input.slice(0, input.lastIndexOf(match[match.length - 1]) + match[match.length - 1].length);
  const meta = JSON.parse(readFileSync(join(here, dir, 'package.json'), 'utf8'));
  packages.set(`${meta.name}@${meta.version}`, meta.license || 'see the package');
}
writeFileSync(join(out, 'course-live.LICENSES.txt'),
  'Packages bundled in course-live.js and course-live.css (website/frontend), with their licences:\n' +
  [...packages].sort().map(([p, l]) => `${p}: ${l}`).join('\n') + '\n');
