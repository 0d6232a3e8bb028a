// A message for the next screen ("Your e-mail is confirmed"), shown once.

import { h } from './dom.js';

let pending = null;

export function setFlash(text, kind = 'success') {
  pending = { text, kind };
}

/** The pending message as a node (and forget it), or null. */
export function takeFlash() {
  if (!pending) return null;
  const { text, kind } = pending;
  pending = null;
  return h('p', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}
