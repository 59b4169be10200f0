// What @jupyterlab/services' kernel connection takes from the package's index: the index
// brings every service of a JupyterLab server (contents, sessions, terminals, settings...),
// none of which a lesson page uses. build.mjs checks that this is still all it takes.
export { ServerConnection } from '@jupyterlab/services/lib/serverconnection';
export { CommsOverSubshells } from '@jupyterlab/services/lib/kernel/comm';
