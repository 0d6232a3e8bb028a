// Building DOM without HTML strings: every text goes in as a text node, never parsed as markup.

/**
 * Create an element. `props`: `class`, `on<event>` listeners, `dataset`, booleans as present/absent
 * attributes, anything else as an attribute. Children: nodes, strings (as text), arrays, null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === 'value') el.value = value;
    else if (key === 'checked') el.checked = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

/** Append children (nodes or text) to `el`. */
export function append(el, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replace everything inside `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, ...children);
}

let ids = 0;
/** A unique id for label/aria wiring. */
export function uid(prefix = 'id') {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** Tell screen-reader users what just happened, without moving focus. */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  window.setTimeout(() => { region.textContent = text; }, 50);
}

/** A labelled form field: label, control, optional hint, wired with for/aria-describedby. */
export function field({ label, hint, ...inputProps }, tag = 'input') {
  const id = inputProps.id || uid('field');
  const hintId = hint ? `${id}-hint` : null;
  const control = h(tag, { ...inputProps, id, 'aria-describedby': hintId });
  return {
    control,
    node: h('div', { class: 'field' },
      h('label', { for: id }, label),
      hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
      control),
  };
}

/** The error line of a form: hidden until `show(message)`. */
export function errorLine() {
  const node = h('p', { class: 'form-error', role: 'alert', hidden: true });
  return {
    node,
    show(message) { node.textContent = message; node.hidden = false; },
    clear() { node.textContent = ''; node.hidden = true; },
  };
}

/** Disable a button while `work` runs, showing `busyText`; re-enable it afterwards. */
export async function busy(button, busyText, work) {
  const text = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  if (busyText) button.textContent = busyText;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = text;
  }
}
