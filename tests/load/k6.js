// Load scenarios for Kraftd Docs (k6), the same three as tests/load/locustfile.py.
//
//   K6_NO_USAGE_REPORT=true k6 run --env BASE_URL=http://127.0.0.1:8000 \
//       --env MAILBOX_URL=http://127.0.0.1:8025/ tests/load/k6.js
//
// | scenario           | VUs | duration | what a VU does                                              |
// | registration_spike | 100 | 5 min    | registers a new account (and verifies it with MAILBOX_URL)  |
// | uploads            | 50  | 10 min   | uploads a 10 MB contract, polls its job, again              |
// | sustained          | 20  | 30 min   | the browser's mix: lists, polls, reads, uploads, exports    |
//
// They run one after the other (startTime). `--env SCENARIO=uploads` runs one alone; `--env DURATION=60s`
// shortens each. Thresholds: p99 < 2 s and failed requests < 0.1 %, over the API's requests only (the
// mailbox look-ups are tagged apart), overall and per scenario.
//
// Verification needs the e-mail's link. `MAILBOX_URL` is an HTTP endpoint answering `GET ?to=ADDRESS` with the
// newest verification token sent to ADDRESS (tests/load/run_load.py serves one in front of its SMTP sink).
// Without it, registration_spike counts the 201 of registration only, and uploads/sustained sign in as
// `LOAD_EMAIL`/`LOAD_PASSWORD`, a verified account shared by every VU (run the target with
// RATE_LIMIT_ENABLED=false, or expect 429s). `LOAD_UPLOAD_MB` (10) sets the upload size.
// Usage reports to k6's makers are off (`noUsageReport`, the same as K6_NO_USAGE_REPORT=true).
//
// k6 is not installable from the package registries our machines reach, so this file has not been run
// here; tests/load/locustfile.py is the one `make load` runs.

import http from 'k6/http';
import exec from 'k6/execution';
import { check, sleep } from 'k6';

const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8000').replace(/\/$/, '');
const API = `${BASE_URL}/api/v1`;
const MAILBOX_URL = __ENV.MAILBOX_URL || '';
const LOAD_EMAIL = __ENV.LOAD_EMAIL || '';
const LOAD_PASSWORD = __ENV.LOAD_PASSWORD || '';
const UPLOAD_MB = Number(__ENV.LOAD_UPLOAD_MB || '10');
const PASSWORD = 'Load-Test-Passphrase-42';
const RUN = Math.random().toString(36).slice(2, 10);

const FULL = {
  registration_spike: { vus: 100, duration: '5m', exec: 'registrationSpike' },
  uploads: { vus: 50, duration: '10m', exec: 'uploads' },
  sustained: { vus: 20, duration: '30m', exec: 'sustained' },
};

function seconds(text) {
  const match = /^(\d+)(s|m|h)$/.exec(text);
  if (!match) throw new Error(`bad duration ${text}`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2]];
}

function buildScenarios() {
  const names = __ENV.SCENARIO ? __ENV.SCENARIO.split(',') : Object.keys(FULL);
  const scenarios = {};
  let start = 0;
  for (const name of names) {
    if (!FULL[name]) throw new Error(`unknown scenario ${name}; one of ${Object.keys(FULL).join(', ')}`);
    const duration = __ENV.DURATION || FULL[name].duration;
    scenarios[name] = {
      executor: 'constant-vus',
      vus: FULL[name].vus,
      duration,
      exec: FULL[name].exec,
      startTime: `${start}s`,
      gracefulStop: '30s',
    };
    start += seconds(duration) + 30;
  }
  return scenarios;
}

const SCENARIOS = buildScenarios();
const thresholds = {
  'http_req_duration{api:yes}': ['p(99)<2000'],
  'http_req_failed{api:yes}': ['rate<0.001'],
};
for (const name of Object.keys(SCENARIOS)) {
  thresholds[`http_req_duration{api:yes,scenario:${name}}`] = ['p(99)<2000'];
  thresholds[`http_req_failed{api:yes,scenario:${name}}`] = ['rate<0.001'];
}

export const options = {
  noUsageReport: true,
  scenarios: SCENARIOS,
  thresholds,
  summaryTrendStats: ['med', 'p(95)', 'p(99)', 'max', 'count'],
};

// Statuses that are answers, not failures, for http_req_failed (a 409 `not_ready` while a job runs, a 304 poll).
const ANSWERS = http.expectedStatuses(200, 201, 202, 204, 304, 409);

function api(method, path, body, { token = '', name = path, headers = {} } = {}) {
  const params = {
    headers: { ...headers },
    tags: { api: 'yes', name: `${method} ${name}` },
    responseCallback: ANSWERS,
    timeout: '120s',
  };
  if (token) params.headers.Authorization = `Bearer ${token}`;
  if (body !== null && typeof body === 'object' && !(body instanceof ArrayBuffer) && !body.file) {
    params.headers['Content-Type'] = 'application/json';
    body = JSON.stringify(body);
  }
  return http.request(method, `${API}${path}`, body, params);
}

function newEmail(kind) {
  return `load-${kind}-${RUN}-${exec.vu.idInTest}-${exec.vu.iterationInScenario}-${Date.now()}@example.com`;
}

function mailboxToken(email) {
  for (let i = 0; i < 60; i++) {
    const answer = http.get(`${MAILBOX_URL}?to=${encodeURIComponent(email)}`, {
      tags: { api: 'no', name: 'mailbox' },
      responseCallback: http.expectedStatuses(200, 404),
    });
    if (answer.status === 200 && answer.body) return String(answer.body).trim();
    sleep(0.5);
  }
  return '';
}

function register(email) {
  const answer = api('POST', '/auth/register', { email, password: PASSWORD });
  return check(answer, { 'register 201': (r) => r.status === 201 });
}

function verify(email) {
  const token = mailboxToken(email);
  if (!check(token, { 'verification e-mail arrived': (t) => t.length > 0 })) return false;
  const answer = api('POST', '/auth/verify-email', { token });
  return check(answer, { 'verify 200': (r) => r.status === 200 });
}

// A signed-in VU keeps its token across iterations (module state is per VU).
let accessToken = '';
const myDocuments = [];
const myJobs = [];

function signIn(kind) {
  if (accessToken) return accessToken;
  let email = LOAD_EMAIL;
  let password = LOAD_PASSWORD;
  if (MAILBOX_URL) {
    email = newEmail(kind);
    password = PASSWORD;
    if (!register(email) || !verify(email)) return '';
  } else if (!LOAD_EMAIL || !LOAD_PASSWORD) {
    exec.test.abort('set MAILBOX_URL, or LOAD_EMAIL and LOAD_PASSWORD of a verified account');
  }
  const answer = api('POST', '/auth/login', { email, password });
  if (check(answer, { 'login 200': (r) => r.status === 200 })) accessToken = answer.json('access_token');
  return accessToken;
}

const CONTRACT = `SERVICES AGREEMENT

This Services Agreement is entered into as of March 1, 2024 by and between Northwind Traders Inc., a Delaware
corporation ("Customer"), and Contoso Consulting LLC, a New York limited liability company ("Provider").

1. Term. This Agreement begins on the Effective Date and continues for an initial term of three (3) years and
renews automatically for successive one (1) year terms unless either party gives notice of non-renewal at least
ninety (90) days before the end of the then-current term.

2. Termination for Convenience. Customer may terminate this Agreement for convenience on thirty (30) days'
written notice.

3. Limitation of Liability. Neither party's aggregate liability under this Agreement shall exceed the fees paid
in the twelve (12) months preceding the claim.

4. Governing Law. This Agreement is governed by the laws of the State of New York.
`;

// Built on a VU's first upload only (10 MB per uploading VU; the other scenarios never build it).
let bigBody = '';

function bigContract() {
  if (!bigBody) {
    const target = Math.floor(UPLOAD_MB * 1024 * 1024);
    bigBody = CONTRACT.repeat(Math.ceil(target / CONTRACT.length)).slice(0, target);
  }
  const head = `Reference ${RUN}-${exec.vu.idInTest}-${exec.vu.iterationInScenario}\n\n`;
  return head + bigBody.slice(head.length);
}

function upload(content, filename, name) {
  const answer = api('POST', '/documents', { file: http.file(content, filename, 'text/plain') }, {
    token: accessToken,
    name,
  });
  if (!check(answer, { 'upload 202': (r) => r.status === 202 })) return null;
  return { documentId: answer.json('document.id'), jobId: answer.json('job.id') };
}

function poll(jobId, maxSeconds, every = 1) {
  let etag = '';
  let status = 'queued';
  const deadline = Date.now() + maxSeconds * 1000;
  while (Date.now() < deadline) {
    const answer = api('GET', `/jobs/${jobId}`, null, {
      token: accessToken,
      name: '/jobs/{id}',
      headers: etag ? { 'If-None-Match': etag } : {},
    });
    if (answer.status === 200) {
      etag = answer.headers.Etag || answer.headers.ETag || '';
      status = answer.json('status');
      if (['succeeded', 'failed', 'canceled'].includes(status)) break;
    }
    sleep(every);
  }
  return status;
}

export function registrationSpike() {
  const email = newEmail('spike');
  if (register(email) && MAILBOX_URL) verify(email);
  sleep(0.5 + Math.random());
}

export function uploads() {
  if (!signIn('upload')) return sleep(1);
  const created = upload(bigContract(), 'large-contract.txt', `/documents (${UPLOAD_MB} MB)`);
  if (created) poll(created.jobId, 15, 2);
  sleep(2 + 3 * Math.random());
}

export function sustained() {
  if (!signIn('sustained')) return sleep(1);
  if (myDocuments.length === 0) uploadSmall();
  const roll = Math.random() * 17;
  if (roll < 5) {
    api('GET', '/documents?limit=20', null, { token: accessToken, name: '/documents' });
  } else if (roll < 10) {
    if (myJobs.length) poll(myJobs[Math.floor(Math.random() * myJobs.length)], 0.1);
  } else if (roll < 13) {
    const doc = myDocuments[Math.floor(Math.random() * myDocuments.length)];
    if (doc) api('GET', `/documents/${doc}/analysis`, null, { token: accessToken, name: '/documents/{id}/analysis' });
  } else if (roll < 15) {
    api('GET', '/auth/me', null, { token: accessToken, name: '/auth/me' });
  } else if (roll < 16) {
    uploadSmall();
  } else {
    exportOne();
  }
  sleep(1 + 2 * Math.random());
}

function uploadSmall() {
  const created = upload(`Reference ${RUN}-${exec.vu.idInTest}-${Date.now()}\n\n${CONTRACT}`, 'contract.txt',
    '/documents (small)');
  if (created) {
    myDocuments.push(created.documentId);
    myJobs.push(created.jobId);
  }
}

function exportOne() {
  const doc = myDocuments[Math.floor(Math.random() * myDocuments.length)];
  if (!doc) return;
  const answer = api('POST', `/documents/${doc}/exports`, {}, { token: accessToken, name: '/documents/{id}/exports' });
  if (answer.status !== 202) return;
  const jobId = answer.json('job.id');
  if (poll(jobId, 10) === 'succeeded') {
    const zip = api('GET', `/jobs/${jobId}/download`, null, { token: accessToken, name: '/jobs/{id}/download' });
    check(zip, { 'export is a zip': (r) => r.status === 200 && String(r.headers['Content-Type']).startsWith('application/zip') });
  }
}
