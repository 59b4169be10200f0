// The three lumino classes ipywidgets' base and the course's controls use, from
// @lumino/widgets' own sources: its dist file holds every lumino widget (docks, menus, tab
// bars; 142 KB minified), and its namespaces' set-up code keeps all of them in the bundle.
export { Widget } from '../node_modules/@lumino/widgets/src/widget';
export { Panel } from '../node_modules/@lumino/widgets/src/panel';
export { PanelLayout } from '../node_modules/@lumino/widgets/src/panellayout';
