// The ipywidgets controls the course's views use (widgets/*.py), and only those: the bundle
// then leaves out the rest (tabs, accordions, media, colour and date pickers, and the
// lumino parts they need; 70 KB) and a page cannot be made to build any other control.
// A view that uses another control needs it added here: the site tests open every lesson
// and fail on a widget class the page lacks ("this page has no widget class ...").
export {
  BoxModel, BoxView, HBoxModel, HBoxView, VBoxModel, VBoxView,
  HTMLModel, HTMLView, HTMLStyleModel,
  ButtonModel, ButtonView, ButtonStyleModel,
  CheckboxModel, CheckboxView, CheckboxStyleModel,
  DropdownModel, DropdownView,
  RadioButtonsModel, RadioButtonsView,
  ToggleButtonsModel, ToggleButtonsView, ToggleButtonsStyleModel,
  FloatSliderModel, FloatSliderView, IntSliderModel, IntSliderView, SliderStyleModel,
  TextareaModel, TextareaView, TextStyleModel,
  DescriptionStyleModel,
} from '@jupyter-widgets/controls';
