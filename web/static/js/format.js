// Turning API values into words for people.

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function date(iso) {
  if (!iso) return '';
  // A bare ISO date is a calendar day, not midnight UTC: show it as written.
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T12:00:00`) : new Date(iso);
  return Number.isNaN(parsed.getTime()) ? iso : dateFormat.format(parsed);
}

export function dateTime(iso) {
  const parsed = new Date(iso);
  return Number.isNaN(parsed.getTime()) ? '' : dateTimeFormat.format(parsed);
}

export function size(bytes) {
  if (!Number.isFinite(bytes)) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export const DOCUMENT_STATUS = {
  queued: 'Queued',
  processing: 'Processing',
  analyzed: 'Analyzed',
  failed: 'Failed',
};

export const JOB_STATUS = {
  queued: 'Waiting for a worker',
  running: 'Working',
  succeeded: 'Done',
  failed: 'Failed',
  canceled: 'Canceled',
};

export const STEP_NAME = {
  extract: 'Read the text',
  analyze: 'Review the clauses',
  export: 'Build the ZIP',
};

export const STEP_STATUS = {
  pending: 'Waiting',
  running: 'In progress',
  succeeded: 'Done',
  failed: 'Failed',
  skipped: 'Reused',
};

export const RISK = { low: 'Low risk', medium: 'Medium risk', high: 'High risk' };

export const VERDICT = { accepted: 'Accepted', rejected: 'Rejected', edited: 'Edited' };

/** `termination_for_convenience` → `Termination for convenience`. */
export function words(snake) {
  const text = String(snake || '').replace(/_/g, ' ').trim();
  return text ? text[0].toUpperCase() + text.slice(1) : '';
}

export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}
