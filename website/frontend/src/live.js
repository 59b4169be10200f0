// The course site's front end: it makes a lesson's widgets live on the lesson's kernel.
//
// Voila's own front end is a JupyterLab application (≈ 45 chunks and three federated
// extensions, 6 MB of script) that a lesson page uses only to draw ipywidgets; on the public
// site that start-up was most of the wait before a page answered. This bundle holds what a
// lesson needs and nothing else: ipywidgets' base and controls, anywidget (LiveFigure), a
// widget manager and a kernel connection from @jupyterlab/services. The server side is
// still Voila (pre-heated kernels, the page's rendered cells, the kernel websocket).
//
// It connects as soon as it runs (in the page head, async), fetches every widget's state in
// one request while the page is still being read, then puts each widget view in its output.
// It tells the page (course.js) by window events: course:connection (the kernel connection's
// status once it has been up), course:failed (a view could not be drawn), course:stalled (the
// lesson could not go live), and marks the body data-course-live="true" once every view is.
import * as base from '@jupyter-widgets/base';
import { ManagerBase } from '@jupyter-widgets/base-manager';
import * as controls from '@jupyter-widgets/controls';
import { KernelConnection } from '@jupyterlab/services/lib/kernel/default';
import { ServerConnection } from '@jupyterlab/services/lib/serverconnection';
import { Widget } from '@lumino/widgets';
import anywidget from 'anywidget';
import '@jupyter-widgets/base/css/index.css';
import '@jupyter-widgets/controls/css/widgets-base.css';

const WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json';
const OUTPUT_SCRIPT = 'script[type="application/vnd.voila.cell-output+json"]';
const MODULES = {
  '@jupyter-widgets/base': base,
  '@jupyter-widgets/controls': controls,
  anywidget: anywidget(base),
};

/** ipywidgets' manager over one kernel connection; only the course's widget modules load. */
export class LessonWidgets extends ManagerBase {
  constructor(kernel) {
    super();
    this.kernel = kernel;
    kernel.registerCommTarget(this.comm_target_name, (comm, msg) =>
      this.handle_comm_open(new base.shims.services.Comm(comm), msg));
  }

  async loadClass(className, moduleName) {
    const module = Object.prototype.hasOwnProperty.call(MODULES, moduleName) && MODULES[moduleName];
    if (!module || !Object.prototype.hasOwnProperty.call(module, className)) {
      throw new Error(`this page has no widget class ${moduleName}.${className}`);
    }
    return module[className];
  }

  async _create_comm(target, modelId, data, metadata, buffers) {
    const comm = this.kernel.createComm(target, modelId);
    if (data || metadata) { comm.open(data, metadata, buffers); }
    return new base.shims.services.Comm(comm);
  }

  async _get_comm_info() {
    const reply = await this.kernel.requestCommInfo({ target_name: this.comm_target_name });
    return reply.content.status === 'ok' ? reply.content.comms : {};
  }

  /** Every widget's state, in one request over ipywidgets' control channel. */
  restore() { return this._loadFromKernel(); }

  /** The view of `modelId`, drawn into a new output element in place of `script`. */
  async show(modelId, script) {
    const model = await this.get_model(modelId);
    const view = await this.create_view(model);
    const output = document.createElement('div');
    output.className = 'jp-OutputArea-output';
    output.dataset.mimeType = WIDGET_VIEW;
    script.replaceWith(output);
    Widget.attach(view.luminoWidget, output);
    return view;
  }
}

function config() {
  const node = document.getElementById('jupyter-config-data');
  return node ? JSON.parse(node.textContent) : null;
}

function whenParsed() {
  return document.readyState === 'loading'
    ? new Promise((resolve) => document.addEventListener('DOMContentLoaded', resolve, { once: true }))
    : Promise.resolve();
}

function announce(name, detail) {
  window.dispatchEvent(new CustomEvent(`course:${name}`, { detail }));
}

async function connect(settings) {
  const serverSettings = ServerConnection.makeSettings({ baseUrl: settings.baseUrl });
  const kernel = new KernelConnection({
    model: { id: settings.kernelId, name: 'python3' }, serverSettings, handleComms: true,
  });
  let wasUp = false;
  kernel.connectionStatusChanged.connect((_, status) => {
    wasUp = wasUp || status === 'connected';
    if (wasUp) { announce('connection', status); }
  });
  return kernel;
}

async function start() {
  await (config() ? null : whenParsed());
  const settings = config();
  if (!settings || !settings.kernelId) { return; }  // a page without a kernel: nothing to do
  const kernel = await connect(settings);
  const manager = new LessonWidgets(kernel);
  window.courseWidgets = manager;
  await manager.restore();
  await whenParsed();
  const views = [];
  document.querySelectorAll(OUTPUT_SCRIPT).forEach((script) => {
    let view;
    try { view = JSON.parse(script.textContent).data[WIDGET_VIEW]; } catch (err) { return; }
    if (view && view.model_id) {
      const output = script.parentElement;
      views.push(manager.show(view.model_id, script).catch((err) => {
        console.error('course: a widget could not be drawn', err);
        announce('failed', { output });
      }));
    }
  });
  await Promise.all(views);
  document.body.dataset.courseLive = 'true';
  announce('live');
}

start().catch((err) => {
  console.error('course: the lesson could not go live', err);
  announce('stalled');
});
