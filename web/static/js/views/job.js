// A job's progress as a panel: progress bar, status line, steps and, when it failed, why.

import { h, uid } from '../dom.js';
import { JOB_STATUS, STEP_NAME, STEP_STATUS } from '../format.js';

export function jobPanel(label) {
  const id = uid('job');
  const progress = h('progress', { max: '100', value: '0', id: `${id}-bar`, 'aria-labelledby': `${id}-label` });
  const percent = h('span', { class: 'progress-text', 'aria-hidden': 'true' }, '0%');
  const status = h('span', { class: 'job-status' }, JOB_STATUS.queued);
  const steps = h('ol', { class: 'steps' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const node = h('div', { class: 'job' },
    h('p', { class: 'job-label', id: `${id}-label` }, label, ' — ', status),
    h('div', { class: 'progress-row' }, progress, percent),
    steps, error);

  function update(job) {
    const value = Math.max(0, Math.min(100, Number(job.progress) || 0));
    progress.value = value;
    percent.textContent = `${value}%`;
    status.textContent = JOB_STATUS[job.status] || job.status;
    node.dataset.status = job.status;
    steps.replaceChildren(...(job.steps || []).map((step) =>
      h('li', { class: `step step-${step.status}` },
        h('span', { class: 'step-dot', 'aria-hidden': 'true' }),
        h('span', { class: 'step-name' }, STEP_NAME[step.name] || step.name),
        h('span', { class: 'step-status' }, STEP_STATUS[step.status] || step.status),
        step.attempts > 1 ? h('span', { class: 'step-attempts' }, `attempt ${step.attempts}`) : null)));
    if (job.status === 'failed' || job.status === 'canceled') {
      error.textContent = (job.error && job.error.message) || (job.status === 'canceled' ? 'The job was canceled.' : 'The job failed.');
      error.hidden = false;
    } else {
      error.hidden = true;
    }
  }

  /** A poll failed (it keeps trying): say why without losing the progress shown. */
  function warn(message) {
    error.textContent = message;
    error.hidden = false;
  }

  return { node, update, warn };
}
