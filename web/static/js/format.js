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

export const CONTRACT_TYPE = {
  lease: 'Lease',
  employment: 'Employment',
  contractor: 'Contractor agreement',
  terms_of_service: 'Terms of service',
  nda: 'Non-disclosure agreement',
  investment: 'Investment',
  loan: 'Loan',
  services: 'Services agreement',
  license: 'Licence',
  purchase: 'Purchase',
  other: 'Contract',
};

export const MONEY_KIND = {
  rent: 'Rent',
  deposit: 'Deposit',
  fee: 'Fee',
  price: 'Price',
  salary: 'Salary',
  late_fee: 'Late fee',
  penalty: 'Penalty',
  liability_cap: 'Liability cap',
  other: 'Amount',
};

export const PERIOD = { once: 'once', day: 'a day', week: 'a week', month: 'a month', year: 'a year' };

export const DEADLINE_KIND = {
  effective: 'Starts',
  term_end: 'Term ends',
  renewal_notice: 'Notice before renewal',
  termination_notice: 'Notice to end it',
  payment: 'Payment',
  other: 'Deadline',
};

/** `"1250.00", "USD"` → `$1,250.00` in the reader's locale; the bare figure when the currency is unknown. */
export function money(amount, currency) {
  const value = Number(amount);
  if (!Number.isFinite(value)) return `${amount} ${currency}`;
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(value);
  } catch {
    return `${amount} ${currency}`;
  }
}

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
