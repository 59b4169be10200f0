// ipywidgets' views delegate the DOM events of their `events()` from their element
// (NativeView), but focus and blur do not bubble, so a delegated blur never fires: a value
// typed into a slider's readout was taken on Enter and lost on Tab or a click elsewhere
// (ipywidgets#2535). Delegated, they listen for focusin and focusout, which bubble, as
// jQuery's delegation does.
import { NativeView } from '@jupyter-widgets/base/lib/nativeview';

const BUBBLING = { focus: 'focusin', blur: 'focusout' };

for (const method of ['delegate', 'undelegate']) {
  const original = NativeView.prototype[method];
  NativeView.prototype[method] = function bubbling(eventName, selector, listener) {
    const name = typeof selector === 'string' ? BUBBLING[eventName] || eventName : eventName;
    return original.call(this, name, selector, listener);
  };
}
