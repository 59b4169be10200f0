// The course site's front end: it makes a lesson's widgets live on the lesson's kernel.
//
// Voila's own front end is a JupyterLab application (≈ 45 chunks and three federated
// extensions, 6 MB of script) that a lesson page uses only to draw ipywidgets; on the public
// site that start-up was most of the wait before a page answered. This bundle holds what a
// lesson needs and nothing else: ipywidgets' base and the controls the course uses
// (src/controls.js), anywidget (LiveFigure), a widget manager and a kernel connection from
// @jupyterlab/services. The server side is still Voila (pre-heated kernels, the page's
// rendered cells, the kernel websocket).
//
// It connects as soon as it runs (in the page head, async), fetches every widget's state in
// one request while the page is still being read and drawn, then puts each widget view in its
// output.
// It tells the page (course.js) by window events: course:connection (the kernel connection's
// status once it has been up), course:failed (a view could not be drawn), course:stalled (the
// lesson could not go live), and marks the body data-course-live="true" once every view is.
import * as base from '@jupyter-widgets/base';
import { ManagerBase } from '@jupyter-widgets/base-manager';
import * as controls from './controls.js';
import './focus-events.js';
import { KernelConnection } from '@jupyterlab/services/lib/kernel/default';
import { CommsOverSubshells } from '@jupyterlab/services/lib/kernel/comm';
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
    this._awaited = new Map();
    // Widgets the kernel announces before the states are in (on a page streamed while the
    // lesson runs, they come in a burst as the websocket opens) wait here with any messages
    // for them, so that the states and the announcements never make two models of one widget,
    // nor a box whose children are not made yet. The kernel's comm is kept, not closed.
    this._early = new Map();
    kernel.registerCommTarget(this.comm_target_name, (comm, msg) => {
      if (!this._early) { return this.handle_comm_open(new base.shims.services.Comm(comm), msg); }
      const early = { comm, msg, messages: [] };
      comm.onMsg = (m) => { early.messages.push(m); };
      this._early.set(comm.commId, early);
      return undefined;
    });
  }

  async loadClass(className, moduleName) {
    const module = Object.prototype.hasOwnProperty.call(MODULES, moduleName) && MODULES[moduleName];
    if (!module || !Object.prototype.hasOwnProperty.call(module, className)) {
      throw new Error(`this page has no widget class ${moduleName}.${className}`);
    }
    return module[className];
  }

  async _create_comm(target, modelId, data, metadata, buffers) {
    const early = this._early && this._early.get(modelId);
    if (early) {  // the states name a widget the kernel has already announced: its comm;
      this._early.delete(modelId);  // the messages held for it are older than the states
      return new base.shims.services.Comm(early.comm);
    }
    const comm = this.kernel.createComm(target, modelId);
    if (data || metadata) { comm.open(data, metadata, buffers); }
    return new base.shims.services.Comm(comm);
  }

  async _get_comm_info() {
    const reply = await this.kernel.requestCommInfo({ target_name: this.comm_target_name });
    return reply.content.status === 'ok' ? reply.content.comms : {};
  }

  /** Every widget's state, in one request over ipywidgets' control channel; then the widgets
   *  announced meanwhile that the states did not hold, in the order they came. */
  async restore() {
    try {
      await this._loadFromKernel();
    } finally {
      const early = [...this._early.values()];
      this._early = null;
      for (const e of early) {
        const comm = this._withMessages(e);
        await this.handle_comm_open(comm, e.msg).catch((err) => console.error('course:', err));
      }
    }
  }

  /** The kept comm of a widget made from its announcement: the messages held for it reach
   *  its model once that listens. */
  _withMessages({ comm, messages }) {
    const shim = new base.shims.services.Comm(comm);
    const listen = shim.on_msg.bind(shim);
    shim.on_msg = (callback) => {
      listen(callback);
      messages.splice(0).forEach((m) => comm.onMsg(m));
    };
    return shim;
  }

  register_model(modelId, modelPromise) {
    super.register_model(modelId, modelPromise);
    const waiting = this._awaited.get(modelId);
    if (waiting) { this._awaited.delete(modelId); waiting(modelPromise); }
  }

  /** The model `modelId`, once it is here. On a page streamed while the lesson runs, the
   *  states fetched at connection hold only the widgets made so far; later ones arrive by
   *  themselves (comm_open), possibly after their output is on the page. */
  modelFor(modelId, timeoutMs = 30000) {
    if (this.has_model(modelId)) { return this.get_model(modelId); }
    return new Promise((resolve, reject) => {
      this._awaited.set(modelId, resolve);
      setTimeout(() => reject(new Error(`widget ${modelId} never came`)), timeoutMs);
    });
  }

  /** The view of `modelId`, drawn into a new output element in place of `script`. */
  async show(modelId, script) {
    const model = await this.modelFor(modelId);
    const view = await this.create_view(model);
    const output = document.createElement('div');
    output.className = 'jp-OutputArea-output';
    output.dataset.mimeType = WIDGET_VIEW;
    script.replaceWith(output);
    Widget.attach(view.luminoWidget, output);
    return view;
  }
}

/** The page's settings (base URL, kernel id), as soon as the parser has read them: on a page
 *  Voila streams while the lesson runs, they come long before the last cell. */
function config() {
  const read = () => {
    try { return JSON.parse(document.getElementById('jupyter-config-data').textContent); } catch (err) { return null; }
  };
  return new Promise((resolve) => {
    if (read()) { resolve(read()); return; }
    const watch = new MutationObserver(() => { if (read()) { watch.disconnect(); resolve(read()); } });
    watch.observe(document.documentElement, { childList: true, subtree: true });
    whenParsed().then(() => { watch.disconnect(); resolve(read()); });
  });
}

function whenParsed() {
  return document.readyState === 'loading'
    ? new Promise((resolve) => document.addEventListener('DOMContentLoaded', resolve, { once: true }))
    : Promise.resolve();
}

function announce(name, detail) {
  window.dispatchEvent(new CustomEvent(`course:${name}`, { detail }));
}

/** A named moment in the page's timeline (benchmarks/site_render.py reads them). */
function mark(name) { performance.mark(`course:${name}`); }

async function connect(settings) {
  const serverSettings = ServerConnection.makeSettings({ baseUrl: settings.baseUrl });
  // comms on the main shell: Voila lets a visitor send a kernel only comm and kernel-info
  // messages, and would drop a request for a subshell
  const kernel = new KernelConnection({
    model: { id: settings.kernelId, name: 'python3' }, serverSettings, handleComms: true,
    commsOverSubshells: CommsOverSubshells.Disabled,
  });
  let wasUp = false;
  kernel.connectionStatusChanged.connect((_, status) => {
    if (status === 'connected' && !wasUp) { mark('connected'); }
    wasUp = wasUp || status === 'connected';
    if (wasUp) { announce('connection', status); }
  });
  return kernel;
}

async function start() {
  mark('start');
  const settings = await config();
  if (!settings || !settings.kernelId) { return; }  // a page without a kernel: nothing to do
  const kernel = await connect(settings);
  const manager = new LessonWidgets(kernel);
  window.courseWidgets = manager;
  await manager.restore();
  mark('restored');
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
  mark('live');
  document.body.dataset.courseLive = 'true';
}

start().catch((err) => {
  console.error('course: the lesson could not go live', err);
  announce('stalled');
});
