// One document: its analysis job's progress while it runs, then the analysis, feedback and export.

import * as api from '../api.js';
import { announce, busy, errorLine, h, replace } from '../dom.js';
import { setFlash } from '../flash.js';
import { dateTime, size } from '../format.js';
import { watchJob } from '../poll.js';
import { navigate } from '../router.js';
import { analysisView } from './analysis.js';
import { statusChip } from './documents.js';
import { jobPanel } from './job.js';

export async function documentView({ params, signal }) {
  const path = `/documents/${encodeURIComponent(params.id)}`;
  let doc;
  try {
    doc = await api.json(path);
  } catch (failure) {
    return { title: 'Document not found', node: missing(failure.message) };
  }

  const chipSlot = h('span', { class: 'chip-slot' }, statusChip(doc.status));
  const meta = h('p', { class: 'muted doc-meta-line' });
  const body = h('div', { class: 'stack' });

  function showMeta() {
    meta.textContent = [size(doc.size_bytes), doc.page_count ? `${doc.page_count} ${doc.page_count === 1 ? 'page' : 'pages'}` : null,
      `uploaded ${dateTime(doc.created_at)}`].filter(Boolean).join(' · ');
  }

  async function showAnalysis() {
    try {
      const analysis = await api.json(`${path}/analysis`);
      const show = (framed) => { if (!signal.aborted) replace(body, analysisView(doc, framed, signal, show)); };
      show(analysis);
    } catch (failure) {
      replace(body, h('p', { class: 'form-error', role: 'alert' }, failure.message));
    }
  }

  function followJob(jobId) {
    const panel = jobPanel('Reviewing your contract');
    replace(body, h('section', { class: 'card', 'aria-labelledby': 'job-heading' },
      h('h2', { id: 'job-heading' }, 'Review in progress'),
      h('p', { class: 'muted' }, 'This usually takes a few seconds. You can leave this page; the review carries on.'),
      panel.node));
    watchJob(jobId, {
      signal,
      onUpdate: async (job) => {
        panel.update(job);
        if (job.status === 'succeeded' || job.status === 'failed' || job.status === 'canceled') {
          doc = await api.json(path);
          if (signal.aborted) return;
          replace(chipSlot, statusChip(doc.status));
          showMeta();
          if (doc.status === 'analyzed') {
            announce('The review is ready.');
            await showAnalysis();
          } else {
            announce('The review failed.');
          }
        }
      },
      onError: (failure) => panel.warn(failure.message),
    });
  }

  showMeta();
  if (doc.status === 'analyzed') await showAnalysis();
  else if (doc.latest_job_id) followJob(doc.latest_job_id);
  else replace(body, h('p', { class: 'muted' }, 'This document has no review yet.'));

  const node = h('div', { class: 'stack' },
    h('a', { class: 'back', href: '#/' }, '← All documents'),
    h('div', { class: 'page-head doc-head' },
      h('div', { class: 'doc-title' }, h('h1', {}, doc.filename), chipSlot),
      deleteControl(path, doc.filename)),
    meta,
    body);
  return { title: doc.filename, node };
}

function missing(message) {
  return h('section', { class: 'card narrow' },
    h('h1', {}, 'Document not found'),
    h('p', { class: 'form-error', role: 'alert' }, message),
    h('p', {}, h('a', { href: '#/' }, 'Back to your documents')));
}

function deleteControl(path, filename) {
  const wrap = h('div', { class: 'delete-control' });
  const ask = h('button', { class: 'btn btn-quiet btn-danger-text', type: 'button' }, 'Delete');
  const error = errorLine();
  ask.addEventListener('click', () => {
    const confirm = h('button', { class: 'btn btn-danger', type: 'button' }, 'Delete for good');
    const cancel = h('button', { class: 'btn btn-quiet', type: 'button' }, 'Keep it');
    const prompt = h('div', { class: 'confirm', role: 'group', 'aria-label': 'Confirm deletion' },
      h('span', {}, 'Delete this document, its review and exports?'), confirm, cancel);
    cancel.addEventListener('click', () => { replace(wrap, ask, error.node); ask.focus(); });
    confirm.addEventListener('click', async () => {
      try {
        await busy(confirm, 'Deleting…', () => api.request(path, { method: 'DELETE' }));
        setFlash(`Deleted “${filename}”.`);
        navigate('/');
      } catch (failure) {
        error.show(failure.message);
      }
    });
    replace(wrap, prompt, error.node);
    cancel.focus();
  });
  return replace(wrap, ask, error.node);
}
