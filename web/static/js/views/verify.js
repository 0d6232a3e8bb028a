// The link from the verification e-mail: /verify-email?token=… confirms the address through the API.

import * as api from '../api.js';
import { busy, errorLine, field, h } from '../dom.js';
import { setFlash } from '../flash.js';
import { navigate } from '../router.js';

export async function verifyView({ query }) {
  const token = query.get('token') || '';
  // The token is spent either way: take it out of the address bar and the history.
  history.replaceState(null, '', '/verify-email');
  try {
    if (!token) throw new api.ApiError(400, 'invalid_token', 'This link has no token. Open the link from the e-mail again.');
    await api.json('/auth/verify-email', { method: 'POST', body: { token }, auth: false });
    setFlash('Your e-mail address is confirmed. Sign in to start.');
    navigate(api.isSignedIn() ? '/' : '/login', { replace: true });
    return { title: 'E-mail confirmed', node: h('p', { role: 'status' }, 'Confirmed.') };
  } catch (failure) {
    return { title: 'Link not valid', node: failed(failure.message) };
  }
}

function failed(message) {
  const email = field({ label: 'Your e-mail', type: 'email', autocomplete: 'email', required: true });
  const error = errorLine();
  const submit = h('button', { class: 'btn btn-primary', type: 'submit' }, 'Send a new link');
  const form = h('form', { class: 'form', novalidate: true }, email.node, error.node, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.clear();
    if (!form.reportValidity()) return;
    try {
      await busy(submit, 'Sending…', () => api.json('/auth/resend-verification', { method: 'POST', body: { email: email.control.value.trim() }, auth: false }));
      form.replaceWith(h('p', { class: 'notice notice-success', role: 'status' }, 'If that address has an account waiting, a new link is on its way.'));
    } catch (failure) {
      error.show(failure.message);
    }
  });
  return h('section', { class: 'card narrow' },
    h('h1', {}, 'This link did not work'),
    h('p', { class: 'form-error', role: 'alert' }, message),
    h('p', { class: 'muted' }, 'Ask for a new link, or sign in if you have confirmed your address already.'),
    form,
    h('p', { class: 'switch' }, h('a', { href: '#/login', onclick: (e) => { e.preventDefault(); navigate('/login'); } }, 'Go to sign in')));
}
