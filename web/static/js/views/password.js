// A forgotten password: ask for a reset link by e-mail, then /reset-password?token=… sets a new password.

import * as api from '../api.js';
import { busy, errorLine, field, h } from '../dom.js';
import { setFlash } from '../flash.js';
import { navigate } from '../router.js';
import { authCard } from './auth.js';

export async function forgotPasswordView() {
  const email = field({ label: 'E-mail', type: 'email', name: 'email', autocomplete: 'username', required: true });
  const error = errorLine();
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, 'Send reset link');
  const form = h('form', { class: 'form', novalidate: true }, email.node, error.node, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.clear();
    if (!form.reportValidity()) return;
    try {
      await busy(submit, 'Sending…', () => api.json('/auth/forgot-password', { method: 'POST', body: { email: email.control.value.trim() }, auth: false }));
      form.replaceWith(h('p', { class: 'notice notice-success', role: 'status' },
        'If that address has an account, a link to choose a new password is on its way. It works once, within an hour.'));
    } catch (failure) {
      error.show(failure.message);
    }
  });
  const node = authCard('Reset your password', 'We will e-mail you a link to choose a new one.', form,
    h('p', { class: 'switch' }, h('a', { href: '#/login' }, 'Back to sign in')));
  return { title: 'Reset your password', node };
}

export async function resetPasswordView({ query }) {
  const token = query.get('token') || '';
  // The token is a key to the account: keep it out of the address bar and the history.
  history.replaceState(null, '', '/reset-password');
  const password = field({ label: 'New password', type: 'password', name: 'new-password', autocomplete: 'new-password', required: true,
    minlength: '10', hint: 'At least 10 characters, not all of one kind, not a common password.' });
  const error = errorLine();
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, 'Set new password');
  const form = h('form', { class: 'form', novalidate: true }, password.node, error.node, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.clear();
    if (!form.reportValidity()) return;
    try {
      if (!token) throw new api.ApiError(400, 'invalid_token', 'This link has no token. Open the link from the e-mail again.');
      await busy(submit, 'Saving…', () => api.json('/auth/reset-password', { method: 'POST', body: { token, password: password.control.value }, auth: false }));
      setFlash('Your password is changed, and every session is signed out. Sign in with the new password.');
      navigate('/login', { replace: true });
    } catch (failure) {
      error.show(failure.message);
      if (failure.code === 'invalid_token') form.append(h('p', { class: 'switch' }, h('a', { href: '#/forgot-password' }, 'Ask for a new link')));
    }
  });
  return { title: 'Choose a new password', node: authCard('Choose a new password', null, form) };
}
