// Kraftd Docs in the browser: restore the session, wire the header, and route.

import * as api from './api.js';
import { setFlash } from './flash.js';
import { currentPath, navigate, route, setGuard, start } from './router.js';
import { checkEmailView, loginView, registerView, rememberDestination } from './views/auth.js';
import { forgotPasswordView, resetPasswordView } from './views/password.js';
import { documentView } from './views/document.js';
import { documentsView } from './views/documents.js';
import { securityView } from './views/security.js';
import { verifyView } from './views/verify.js';

route('/', documentsView, { auth: true });
route('/documents/:id', documentView, { auth: true });
route('/security', securityView, { auth: true });
route('/login', loginView, { guest: true });
route('/register', registerView, { guest: true });
route('/check-email', checkEmailView, { guest: true });
route('/verify-email', verifyView);
route('/forgot-password', forgotPasswordView, { guest: true });
route('/reset-password', resetPasswordView);

setGuard((options, path) => {
  if (options.auth && !api.isSignedIn()) {
    rememberDestination(path);
    return '/login';
  }
  if (options.guest && api.isSignedIn()) return '/';
  return null;
});

let signingOut = false;
const nav = document.getElementById('account-nav');
const user = document.getElementById('nav-user');
const logoutButton = document.getElementById('logout-button');

async function showUser(signedIn) {
  nav.hidden = !signedIn;
  user.textContent = '';
  if (signedIn) {
    try { user.textContent = (await api.json('/auth/me')).email; } catch { /* the views will say */ }
  }
}

api.onSessionChange((signedIn, deliberate) => {
  showUser(signedIn);
  if (!signedIn && !signingOut && !deliberate) {
    // The session ended under us (revoked or expired): say so and go to sign in.
    setFlash('Your session has ended. Sign in again.', 'error');
    rememberDestination(currentPath());
    navigate('/login');
  }
});

logoutButton.addEventListener('click', async () => {
  signingOut = true;
  logoutButton.disabled = true;
  try {
    await api.logout();
  } catch { /* the token is forgotten here either way */ } finally {
    signingOut = false;
    logoutButton.disabled = false;
  }
  setFlash('You are signed out.');
  navigate('/login');
});

// The skip link moves focus to the screen's heading; as a plain #app link it would fight the hash router.
document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  const target = document.querySelector('#app h1') || document.getElementById('app');
  target.focus();
  target.scrollIntoView();
});

document.addEventListener('kraftd:navigated', ({ detail }) => {
  for (const link of nav.querySelectorAll('[data-nav]')) {
    const here = (link.dataset.nav === 'security') === (detail.path === '/security');
    if (here) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
});

await api.restoreSession();
await start();
