// The ipywidgets controls the course's views use (widgets/*.py), and only those, each from
// its own module of @jupyter-widgets/controls: the bundle then leaves out the rest (tabs,
// accordions, media, colour and date pickers, and the lumino parts they need) and a page
// cannot be made to build any other control. Of lumino's widgets only the three the base and
// these controls use are bundled (src/lumino-widgets.js).
// A view that uses another control needs it added here: the site tests open every lesson
// and fail on a widget class the page lacks ("this page has no widget class ...").
export {
  BoxModel, BoxView, HBoxModel, HBoxView, VBoxModel, VBoxView,
} from '@jupyter-widgets/controls/lib/widget_box';
export {
  HTMLModel, HTMLView, HTMLStyleModel, TextareaModel, TextareaView, TextStyleModel,
} from '@jupyter-widgets/controls/lib/widget_string';
export { ButtonModel, ButtonView, ButtonStyleModel } from '@jupyter-widgets/controls/lib/widget_button';
export { CheckboxModel, CheckboxView, CheckboxStyleModel } from '@jupyter-widgets/controls/lib/widget_bool';
export {
  DropdownModel, DropdownView, RadioButtonsModel, RadioButtonsView,
  ToggleButtonsModel, ToggleButtonsView, ToggleButtonsStyleModel,
} from '@jupyter-widgets/controls/lib/widget_selection';
export { FloatSliderModel, FloatSliderView } from '@jupyter-widgets/controls/lib/widget_float';
export { IntSliderModel, IntSliderView, SliderStyleModel } from '@jupyter-widgets/controls/lib/widget_int';
export { DescriptionStyleModel } from '@jupyter-widgets/controls/lib/widget_description';
