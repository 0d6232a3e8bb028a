// The API client: fetch with the bearer token, JSON errors as ApiError, and the session's tokens.
// The access token lives only in this module's memory. The refresh token is an HttpOnly cookie that the
// server sets at sign-in and that only /api/v1/auth/refresh and /logout receive: no script here can read it.

const BASE = '/api/v1';
const SESSION_HINT = 'kraftd.session'; // "there may be a refresh cookie": saves a doomed refresh call on load

let accessToken = null;
let refreshing = null;
let config = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const NETWORK_ERROR = () => new ApiError(0, 'network_error', 'Cannot reach Kraftd Docs. Check your connection and try again.');

/** Call `fn(signedIn, deliberate)` whenever the session starts or ends (`deliberate`: the user signed out). */
export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function setToken(token, deliberate = false) {
  const was = accessToken !== null;
  accessToken = token;
  try {
    if (token) localStorage.setItem(SESSION_HINT, '1');
    else localStorage.removeItem(SESSION_HINT);
  } catch { /* storage may be off; the hint only saves a request */ }
  if (was !== (token !== null)) listeners.forEach((fn) => fn(token !== null, deliberate));
}

export function isSignedIn() {
  return accessToken !== null;
}

async function errorFrom(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON: a proxy page, say */ }
  const error = body && body.error;
  if (error && typeof error.message === 'string') return new ApiError(response.status, error.code, error.message);
  return new ApiError(response.status, 'http_error', `The server answered ${response.status}. Try again shortly.`);
}

async function send(path, { method = 'GET', body, headers = {}, auth = true } = {}, retried = false) {
  const init = { method, headers: new Headers(headers), credentials: 'same-origin', cache: 'no-store' };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.headers.set('Content-Type', 'application/json');
    init.body = JSON.stringify(body);
  }
  if (auth && accessToken) init.headers.set('Authorization', `Bearer ${accessToken}`);
  let response;
  try {
    response = await fetch(BASE + path, init);
  } catch {
    throw NETWORK_ERROR();
  }
  if (response.status === 401 && auth && accessToken && !retried) {
    const error = await errorFrom(response);
    if (error.code === 'token_expired' && (await refresh())) return send(path, { method, body, headers, auth }, true);
    if (['token_expired', 'token_revoked', 'invalid_token', 'unauthorized'].includes(error.code)) setToken(null);
    throw error;
  }
  return response;
}

/** A request that must succeed (2xx or 304); answers the Response. */
export async function request(path, options) {
  const response = await send(path, options);
  if (!response.ok && response.status !== 304) throw await errorFrom(response);
  return response;
}

/** A request answering JSON (null for 204). */
export async function json(path, options) {
  const response = await request(path, options);
  return response.status === 204 ? null : response.json();
}

/** Public settings (`recaptcha_site_key`, `max_upload_mb`), fetched once. */
export async function getConfig() {
  if (!config) config = json('/config', { auth: false }).catch((error) => { config = null; throw error; });
  return config;
}

/** A new access token from the refresh cookie; false when there is no valid session. */
export function refresh() {
  if (!refreshing) {
    refreshing = fetch(`${BASE}/auth/refresh`, { method: 'POST', credentials: 'same-origin', cache: 'no-store' })
      .then(async (response) => {
        if (!response.ok) { setToken(null); return false; }
        setToken((await response.json()).access_token);
        return true;
      })
      .catch(() => false)
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

/** On page load: restore the session from the refresh cookie when there may be one. */
export async function restoreSession() {
  let hinted = false;
  try { hinted = localStorage.getItem(SESSION_HINT) === '1'; } catch { hinted = true; }
  return hinted ? refresh() : false;
}

/** Sign in. Answers {mfaToken} when a second step is needed, else {} once signed in. */
export async function login(email, password) {
  const answer = await json('/auth/login', { method: 'POST', body: { email, password }, auth: false });
  if (answer.mfa_required) return { mfaToken: answer.mfa_token };
  setToken(answer.access_token); // the refresh token came as a cookie too; the copy in the JSON is not kept
  return {};
}

export async function verifyMfa(mfaToken, code) {
  const answer = await json('/auth/mfa/verify', { method: 'POST', body: { mfa_token: mfaToken, code }, auth: false });
  setToken(answer.access_token);
}

/** A security change (password, MFA) ended every other session: this answer carries this tab's new one. */
export function adopt(answer) {
  if (answer && answer.access_token) setToken(answer.access_token);
  return answer;
}

/** End every session of the account, this tab's included. */
export async function logoutAll() {
  try {
    await request('/auth/logout-all', { method: 'POST' });
  } finally {
    setToken(null, true);
  }
}

/** Sign out: the server revokes the access token and the refresh cookie; this tab forgets its token. */
export async function logout() {
  try {
    if (accessToken) await request('/auth/logout', { method: 'POST', body: {} });
  } finally {
    setToken(null);
  }
}

/** Upload a file with XHR (fetch cannot report upload progress); `onProgress(fraction)`. */
export function upload(file, onProgress, retried = false) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${BASE}/documents`);
    xhr.responseType = 'json';
    if (accessToken) xhr.setRequestHeader('Authorization', `Bearer ${accessToken}`);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener('load', async () => {
      const body = xhr.response;
      if (xhr.status >= 200 && xhr.status < 300) { resolve(body); return; }
      const error = body && body.error;
      if (xhr.status === 401 && error && error.code === 'token_expired' && !retried && (await refresh())) {
        upload(file, onProgress, true).then(resolve, reject);
        return;
      }
      if (error && typeof error.message === 'string') reject(new ApiError(xhr.status, error.code, error.message));
      else reject(new ApiError(xhr.status, 'http_error', `The upload failed (${xhr.status}). Try again.`));
    });
    xhr.addEventListener('error', () => reject(NETWORK_ERROR()));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

/** Download an export ZIP (it needs the bearer token, so a plain link cannot fetch it) and save it. */
export async function download(path) {
  const response = await request(path.replace(BASE, ''));
  const blob = await response.blob();
  const disposition = response.headers.get('Content-Disposition') || '';
  const match = /filename="?([^";]+)"?/i.exec(disposition);
  const name = match ? match[1] : 'kraftd-export.zip';
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { name, size: blob.size };
}
