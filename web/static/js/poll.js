// Watching a job: conditional GETs (ETag / 304), backing off from 1 s to 5 s while nothing changes, paused
// while the tab is hidden and resumed at once when it is visible again, stopped when the job finishes.

import { request } from './api.js';

const FIRST_DELAY = 1000;
const LONGEST_DELAY = 5000;
const BACKOFF = 1.5;
export const FINISHED = new Set(['succeeded', 'failed', 'canceled']);

/**
 * Poll job `jobId`; `onUpdate(job)` on every change, `onError(error)` on a failed poll (it keeps trying,
 * at the longest delay). Stops when the job finishes or `signal` aborts. Answers {stop()}.
 */
export function watchJob(jobId, { onUpdate, onError = () => {}, signal }) {
  let etag = null;
  let delay = FIRST_DELAY;
  let timer = null;
  let inFlight = false;
  let stopped = false;

  function schedule() {
    if (stopped || document.hidden || timer !== null) return;
    timer = window.setTimeout(tick, delay);
    delay = Math.min(delay * BACKOFF, LONGEST_DELAY); // 1 s, 1.5 s, 2.25 s … 5 s while nothing changes
  }

  async function tick() {
    timer = null;
    if (stopped || document.hidden || inFlight) return;
    inFlight = true;
    try {
      const headers = etag ? { 'If-None-Match': etag } : {};
      const response = await request(`/jobs/${encodeURIComponent(jobId)}`, { headers });
      if (stopped) return;
      if (response.status !== 304) {
        etag = response.headers.get('ETag');
        const job = await response.json();
        if (stopped) return;
        onUpdate(job);
        if (FINISHED.has(job.status)) { stop(); return; }
        delay = FIRST_DELAY; // it moved: look again soon
      }
    } catch (error) {
      if (stopped) return;
      onError(error);
      if (error.status === 404 || error.status === 401) { stop(); return; }
      delay = LONGEST_DELAY;
    } finally {
      inFlight = false;
    }
    schedule();
  }

  function onVisibility() {
    if (stopped) return;
    if (document.hidden) {
      window.clearTimeout(timer);
      timer = null;
    } else {
      delay = FIRST_DELAY;
      window.clearTimeout(timer);
      timer = null;
      tick();
    }
  }

  function stop() {
    stopped = true;
    window.clearTimeout(timer);
    timer = null;
    document.removeEventListener('visibilitychange', onVisibility);
  }

  document.addEventListener('visibilitychange', onVisibility);
  if (signal) signal.addEventListener('abort', stop, { once: true });
  tick();
  return { stop };
}
