// Security: two-step sign-in (TOTP) — set up with a QR code, recovery codes shown once, or turn it off —
// changing the password, and signing out everywhere. Each of these ends the account's other sessions.

import * as api from '../api.js';
import { announce, busy, errorLine, field, h, replace } from '../dom.js';
import { setFlash } from '../flash.js';
import { navigate } from '../router.js';

export async function securityView() {
  const me = await api.json('/auth/me');
  const body = h('div', { class: 'stack' });
  const node = h('div', { class: 'stack narrow-page' },
    h('div', { class: 'page-head' },
      h('h1', {}, 'Security'),
      h('p', { class: 'muted' }, `Signed in as ${me.email}.`)),
    body,
    passwordCard(),
    everywhereCard());
  replace(body, me.mfa_enabled ? enabledCard(body) : disabledCard(body));
  return { title: 'Security', node };
}

function statusLine(on) {
  return h('p', { class: 'mfa-status' },
    h('span', { class: `chip ${on ? 'chip-analyzed' : 'chip-neutral'}` }, on ? 'On' : 'Off'),
    on ? ' Sign-in asks for a code from your authenticator app.' : ' Sign-in asks only for your password.');
}

function disabledCard(body) {
  const error = errorLine();
  const start = h('button', { type: 'button', class: 'btn btn-primary' }, 'Set up two-step sign-in');
  start.addEventListener('click', async () => {
    error.clear();
    try {
      const setup = await busy(start, 'Preparing…', () => api.json('/auth/mfa/setup', { method: 'POST' }));
      replace(body, setupCard(body, setup));
      body.querySelector('h2').focus();
    } catch (failure) {
      error.show(failure.message);
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'mfa-heading' },
    h('h2', { id: 'mfa-heading' }, 'Two-step sign-in'),
    statusLine(false),
    h('p', {}, 'Protect your contracts with a second step: a 6-digit code from an authenticator app on your phone.'),
    error.node,
    h('div', { class: 'actions' }, start));
}

function setupCard(body, setup) {
  const code = field({ label: '6-digit code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code',
    pattern: '[0-9]{6}', maxlength: '6', required: true, class: 'code-input', hint: 'The code your app shows now.' });
  const error = errorLine();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Turn on');
  const form = h('form', { class: 'form', novalidate: true }, code.node, error.node, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.clear();
    if (!form.reportValidity()) return;
    try {
      const answer = api.adopt(await busy(submit, 'Checking…', () => api.json('/auth/mfa/enable', { method: 'POST', body: { code: code.control.value.trim() } })));
      replace(body, recoveryCard(body, answer.recovery_codes));
      body.querySelector('h2').focus();
      announce('Two-step sign-in is on. Save your recovery codes.');
    } catch (failure) {
      error.show(failure.message);
      code.control.select();
    }
  });
  const qr = typeof setup.qr_svg === 'string' && setup.qr_svg.startsWith('data:image/svg+xml')
    ? h('img', { class: 'qr', src: setup.qr_svg, width: '205', height: '205', alt: 'QR code to add Kraftd Docs to your authenticator app' })
    : null;
  return h('section', { class: 'card', 'aria-labelledby': 'mfa-heading' },
    h('h2', { id: 'mfa-heading', tabindex: '-1' }, 'Set up two-step sign-in'),
    h('ol', { class: 'setup-steps' },
      h('li', {},
        h('p', {}, 'Scan this code with an authenticator app (Google Authenticator, 1Password, Authy…).'),
        h('div', { class: 'qr-box' }, qr,
          h('div', { class: 'secret' },
            h('p', { class: 'muted small' }, 'Cannot scan? Enter this key instead:'),
            h('code', { class: 'secret-key', id: 'mfa-secret' }, setup.secret)))),
      h('li', {}, h('p', {}, 'Enter the code the app shows to confirm.'), form)));
}

function recoveryCard(body, codes) {
  const copied = h('p', { class: 'muted small', role: 'status' });
  const copy = h('button', { type: 'button', class: 'btn btn-quiet' }, 'Copy codes');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      copied.textContent = 'Copied.';
    } catch {
      copied.textContent = 'Copying is blocked here; select the codes and copy them by hand.';
    }
  });
  const save = h('button', { type: 'button', class: 'btn btn-quiet' }, 'Download as text');
  save.addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([`Kraftd Docs recovery codes\n\n${codes.join('\n')}\n`], { type: 'text/plain' }));
    const link = h('a', { href: url, download: 'kraftd-recovery-codes.txt', hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  });
  const done = h('button', { type: 'button', class: 'btn btn-primary' }, 'I have saved them');
  done.addEventListener('click', () => {
    replace(body, enabledCard(body));
    body.querySelector('h2').focus();
  });
  return h('section', { class: 'card', 'aria-labelledby': 'mfa-heading' },
    h('h2', { id: 'mfa-heading', tabindex: '-1' }, 'Save your recovery codes'),
    statusLine(true),
    h('p', { class: 'notice notice-warning' }, 'Each code signs you in once if you lose your phone. They are shown only now — keep them somewhere safe.'),
    h('ol', { class: 'recovery-codes' }, codes.map((c) => h('li', {}, h('code', {}, c)))),
    h('div', { class: 'actions' }, copy, save, done),
    copied);
}

function enabledCard(body) {
  const password = field({ label: 'Password', type: 'password', autocomplete: 'current-password', required: true });
  const code = field({ label: 'Authentication code', type: 'text', autocomplete: 'one-time-code', required: true,
    hint: 'From your authenticator app, or a recovery code.' });
  const error = errorLine();
  const submit = h('button', { type: 'submit', class: 'btn btn-danger' }, 'Turn off two-step sign-in');
  const form = h('form', { class: 'form', novalidate: true }, password.node, code.node, error.node, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.clear();
    if (!form.reportValidity()) return;
    try {
      api.adopt(await busy(submit, 'Turning off…', () => api.json('/auth/mfa/disable', { method: 'POST', body: { password: password.control.value, code: code.control.value.trim() } })));
      replace(body, disabledCard(body));
      announce('Two-step sign-in is off.');
    } catch (failure) {
      error.show(failure.message);
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'mfa-heading' },
    h('h2', { id: 'mfa-heading', tabindex: '-1' }, 'Two-step sign-in'),
    statusLine(true),
    h('details', { class: 'disclosure' },
      h('summary', {}, 'Turn off two-step sign-in'),
      form));
}

function passwordCard() {
  const current = field({ label: 'Current password', type: 'password', autocomplete: 'current-password', required: true });
  const next = field({ label: 'New password', type: 'password', autocomplete: 'new-password', required: true, minlength: '10',
    hint: 'At least 10 characters, not all of one kind, not a common password.' });
  const error = errorLine();
  const done = h('p', { class: 'muted small', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Change password');
  const form = h('form', { class: 'form', novalidate: true }, current.node, next.node, error.node, h('div', { class: 'actions' }, submit), done);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.clear();
    done.textContent = '';
    if (!form.reportValidity()) return;
    try {
      api.adopt(await busy(submit, 'Changing…', () => api.json('/auth/password', { method: 'POST',
        body: { current_password: current.control.value, new_password: next.control.value } })));
      form.reset();
      done.textContent = 'Password changed. Every other session is signed out.';
      announce(done.textContent);
    } catch (failure) {
      error.show(failure.message);
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'password-heading' },
    h('h2', { id: 'password-heading' }, 'Password'),
    h('details', { class: 'disclosure' }, h('summary', {}, 'Change password'), form));
}

function everywhereCard() {
  const error = errorLine();
  const button = h('button', { type: 'button', class: 'btn btn-danger' }, 'Sign out everywhere');
  button.addEventListener('click', async () => {
    error.clear();
    try {
      await busy(button, 'Signing out…', () => api.logoutAll());
      setFlash('You are signed out on every device.');
      navigate('/login');
    } catch (failure) {
      error.show(failure.message);
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'sessions-heading' },
    h('h2', { id: 'sessions-heading' }, 'Sessions'),
    h('p', {}, 'Lost a device, or signed in somewhere you should not have? End every session, this one included.'),
    error.node,
    h('div', { class: 'actions' }, button));
}
