// A tiny hash router: `#/path` picks a view; `/verify-email?token=` and `/reset-password?token=` (the e-mail
// links) are routes of their own.
// A view is `async (ctx) => ({ title, node })`; ctx.signal aborts when the user moves on, so views can stop
// their polling. After each render the page title is set and focus moves to the new heading.

const routes = [];
let current = null;
let sequence = 0;
let guard = () => null;

/** Register `view` for a path pattern like `/documents/:id`. */
export function route(pattern, view, options = {}) {
  const source = pattern.replace(/:(\w+)/g, '(?<$1>[^/]+)');
  routes.push({ regex: new RegExp(`^${source}$`), view, options });
}

/** `check(options) → redirect path | null`, consulted before every view (sign-in required, guests only…). */
export function setGuard(check) {
  guard = check;
}

export function currentPath() {
  if (location.pathname !== '/' && location.hash.startsWith('#/')) {
    history.replaceState(null, '', `/${location.hash}`); // an in-app link followed from the verification page
  }
  if (location.pathname === '/verify-email' || location.pathname === '/reset-password') return location.pathname;
  return location.hash.replace(/^#/, '') || '/';
}

/** Go to `path` (e.g. `/documents/abc`). */
export function navigate(path, { replace = false } = {}) {
  const target = `/#${path}`;
  if (location.pathname !== '/' || replace) {
    history.replaceState(null, '', target);
    render();
  } else if (location.hash === `#${path}`) {
    render();
  } else {
    location.hash = path;
  }
}

export async function render() {
  sequence += 1;
  const mine = sequence;
  if (current) current.abort();
  current = new AbortController();
  const { signal } = current;

  const path = currentPath();
  let match = null;
  let found = null;
  for (const candidate of routes) {
    match = candidate.regex.exec(path);
    if (match) { found = candidate; break; }
  }
  if (!found) { navigate('/', { replace: true }); return; }
  const redirect = guard(found.options, path);
  if (redirect) { navigate(redirect, { replace: true }); return; }

  const outlet = document.getElementById('app');
  const params = Object.fromEntries(Object.entries(match.groups || {}).map(([k, v]) => [k, decodeURIComponent(v)]));
  const query = new URLSearchParams(location.search);
  let view;
  try {
    view = await found.view({ params, query, signal, path });
  } catch (failure) {
    // A session that ended under the view has sent the user to sign in already (app.js); anything else is shown.
    if (mine !== sequence || SESSION_ENDED.has(failure && failure.code)) return;
    view = { title: 'Something went wrong', node: failed(failure) };
  }
  if (mine !== sequence) return; // the user moved on while this view was loading
  const { title, node } = view;
  outlet.replaceChildren(node);
  document.title = title ? `${title} · Kraftd Docs` : 'Kraftd Docs';
  document.dispatchEvent(new CustomEvent('kraftd:navigated', { detail: { path } }));
  const heading = outlet.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
}

const SESSION_ENDED = new Set(['token_expired', 'token_revoked', 'invalid_token', 'unauthorized']);

function failed(failure) {
  const section = document.createElement('section');
  section.className = 'card narrow';
  const heading = document.createElement('h1');
  heading.textContent = 'Something went wrong';
  const message = document.createElement('p');
  message.className = 'form-error';
  message.setAttribute('role', 'alert');
  message.textContent = (failure && failure.message) || 'Reload the page and try again.';
  section.append(heading, message);
  return section;
}

export function start() {
  window.addEventListener('hashchange', () => {
    if (location.hash === '' || location.hash.startsWith('#/')) render(); // other hashes are in-page anchors
  });
  return render();
}
