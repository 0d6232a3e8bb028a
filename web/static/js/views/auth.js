// Sign in (with the MFA step when it is on), create an account, and "check your e-mail".

import * as api from '../api.js';
import { announce, busy, errorLine, field, h, replace } from '../dom.js';
import { setFlash, takeFlash } from '../flash.js';
import * as recaptcha from '../recaptcha.js';
import { navigate } from '../router.js';

let pendingEmail = '';
let afterSignIn = '/';

/** Where to go once signed in (the page the user asked for before being sent to sign in). */
export function rememberDestination(path) {
  afterSignIn = path && path !== '/login' ? path : '/';
}

function finishSignIn() {
  const target = afterSignIn;
  afterSignIn = '/';
  navigate(target);
}

export function authCard(title, lede, ...body) {
  return h('section', { class: 'auth' },
    h('div', { class: 'auth-intro' },
      h('p', { class: 'eyebrow' }, 'Contract review, in minutes'),
      h('p', { class: 'auth-pitch' }, 'Upload a contract. See the parties, dates, term and the clauses worth a second look — with recommendations you can accept, reject or edit.')),
    h('div', { class: 'card auth-card' },
      h('h1', {}, title),
      lede ? h('p', { class: 'lede' }, lede) : null,
      ...body));
}

export async function loginView() {
  const flash = takeFlash();
  const email = field({ label: 'E-mail', type: 'email', name: 'email', autocomplete: 'username', required: true, value: pendingEmail });
  const password = field({ label: 'Password', type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const error = errorLine();
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, 'Sign in');
  const resendSlot = h('div', { class: 'slot' });
  const form = h('form', { class: 'form', novalidate: true }, email.node, password.node, error.node, resendSlot, submit);
  const body = h('div', {}, form,
    h('p', { class: 'switch' }, h('a', { href: '#/forgot-password' }, 'Forgot password?')),
    h('p', { class: 'switch' }, 'New to Kraftd Docs? ', h('a', { href: '#/register' }, 'Create an account')));
  const card = authCard('Sign in', null, flash, body);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.clear();
    resendSlot.replaceChildren();
    if (!form.reportValidity()) return;
    pendingEmail = email.control.value.trim();
    try {
      const result = await busy(submit, 'Signing in…', () => api.login(pendingEmail, password.control.value));
      if (result.mfaToken) replace(body, mfaStep(result.mfaToken, card));
      else finishSignIn();
    } catch (failure) {
      error.show(failure.message);
      if (failure.code === 'email_not_verified') resendSlot.append(resendButton(pendingEmail));
      password.control.select();
    }
  });
  return { title: 'Sign in', node: card };
}

function mfaStep(mfaToken, card) {
  const code = field({
    label: 'Authentication code', type: 'text', name: 'code', autocomplete: 'one-time-code', required: true,
    inputmode: 'text', autocapitalize: 'off', spellcheck: 'false',
    hint: 'The 6-digit code from your authenticator app, or one of your recovery codes.',
  });
  const error = errorLine();
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, 'Verify');
  const form = h('form', { class: 'form', novalidate: true }, code.node, error.node, submit);
  const heading = card.querySelector('h1');
  heading.textContent = 'Two-step sign-in';
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.clear();
    if (!form.reportValidity()) return;
    try {
      await busy(submit, 'Verifying…', () => api.verifyMfa(mfaToken, code.control.value.trim()));
      finishSignIn();
    } catch (failure) {
      error.show(failure.message);
      if (failure.code === 'invalid_token') {
        setFlash(failure.message, 'error');
        navigate('/login', { replace: true });
        return;
      }
      code.control.select();
    }
  });
  window.setTimeout(() => code.control.focus(), 0);
  announce('Enter your authentication code.');
  return h('div', {}, form,
    h('p', { class: 'switch' }, h('a', { href: '#/login', onclick: (e) => { e.preventDefault(); navigate('/login', { replace: true }); } }, 'Start again')));
}

function resendButton(email) {
  const button = h('button', { class: 'btn btn-quiet', type: 'button' }, 'Send the e-mail again');
  button.addEventListener('click', async () => {
    try {
      await busy(button, 'Sending…', () => api.json('/auth/resend-verification', { method: 'POST', body: { email }, auth: false }));
      button.replaceWith(h('p', { class: 'notice notice-success', role: 'status' }, `We sent a new link to ${email}.`));
    } catch (failure) {
      button.replaceWith(h('p', { class: 'form-error', role: 'alert' }, failure.message));
    }
  });
  return button;
}

export async function registerView() {
  let siteKey = null;
  const error = errorLine();
  try {
    siteKey = (await api.getConfig()).recaptcha_site_key;
    recaptcha.preload(siteKey);
  } catch (failure) {
    error.show(failure.message);
  }
  const email = field({ label: 'E-mail', type: 'email', name: 'email', autocomplete: 'email', required: true });
  const password = field({
    label: 'Password', type: 'password', name: 'password', autocomplete: 'new-password', required: true, minlength: 10,
    hint: 'At least 10 characters, mixing letters with digits or symbols. Not a common password.',
  });
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, 'Create account');
  const form = h('form', { class: 'form', novalidate: true }, email.node, password.node, error.node,
    siteKey ? h('p', { class: 'hint' }, 'This form is protected by reCAPTCHA; Google’s privacy policy and terms apply.') : null,
    submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.clear();
    if (!form.reportValidity()) return;
    const address = email.control.value.trim();
    try {
      await busy(submit, 'Creating your account…', async () => {
        const captcha = await recaptcha.token(siteKey, 'register');
        const body = { email: address, password: password.control.value };
        if (captcha) body.recaptcha_token = captcha;
        await api.json('/auth/register', { method: 'POST', body, auth: false });
      });
      pendingEmail = address;
      navigate('/check-email');
    } catch (failure) {
      error.show(failure.message);
    }
  });
  const node = authCard('Create your account', 'Free while in preview. You will confirm your e-mail address next.',
    form, h('p', { class: 'switch' }, 'Already have an account? ', h('a', { href: '#/login' }, 'Sign in')));
  return { title: 'Create an account', node };
}

export async function checkEmailView() {
  const address = pendingEmail;
  const node = authCard('Check your e-mail',
    address ? `We sent a confirmation link to ${address}. Open it to activate your account.`
      : 'We sent you a confirmation link. Open it to activate your account.',
    h('p', { class: 'muted' }, 'The link works for 24 hours. Nothing arrived? Look in your spam folder, or ask for another one.'),
    address ? h('div', { class: 'actions' }, resendButton(address)) : null,
    h('p', { class: 'switch' }, 'Confirmed already? ', h('a', { href: '#/login' }, 'Sign in')));
  return { title: 'Check your e-mail', node };
}
