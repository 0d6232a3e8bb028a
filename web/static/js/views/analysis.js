// The analysis of a contract for the person who signs: what it is and which side they are on, the summary,
// the risks for them with their quotes, the money, the deadlines (with "add to calendar"), recommendations
// (with feedback), clauses, key facts and export. Every string from the document goes in as text, never markup.

import * as api from '../api.js';
import { announce, busy, errorLine, h, replace, uid } from '../dom.js';
import {
  CONTRACT_TYPE, DEADLINE_KIND, MONEY_KIND, PERIOD, RISK, VERDICT, date, money, size, words,
} from '../format.js';
import { watchJob } from '../poll.js';
import { jobPanel } from './job.js';

/** `onReframe(analysis)` is called with the analysis re-framed for the side the reader picked. */
export function analysisView(doc, analysis, signal, onReframe) {
  const clauses = analysis.clauses || [];
  const risks = analysis.risks || [];
  const recommendations = analysis.recommendations || [];
  const riskTitle = analysis.perspective ? 'Risks for you' : 'Risks';
  return h('div', { class: 'analysis' },
    h('div', { class: 'analysis-main' },
      section('summary', 'Summary', null,
        h('p', { class: 'contract-type' }, h('span', { class: 'chip chip-neutral' }, CONTRACT_TYPE[analysis.contract_type] || 'Contract'),
          analysis.ocr ? h('span', { class: 'muted small' }, ' Read from a scan: check names and figures against the original.') : null,
          analysis.has_tracked_changes ? h('span', { class: 'muted small' }, ' This Word file has tracked changes nobody accepted yet; it was read as if they were.') : null),
        sidePicker(doc, analysis, onReframe),
        h('p', { class: 'summary' }, analysis.summary || 'No summary.'),
        h('p', { class: 'muted small' }, analysis.analyzer === 'llm'
          ? `Reviewed by ${analysis.model || 'a language model'}. Check anything important with a lawyer.`
          : 'Reviewed by pattern matching (offline). Check anything important with a lawyer.')),
      section('risks', riskTitle, risks.length, risksList(risks)),
      section('money', 'Money', (analysis.money || []).length, moneyTable(analysis.money || [])),
      section('deadlines', 'Deadlines', (analysis.deadlines || []).length, deadlinesList(doc, analysis.deadlines || [])),
      section('recommendations', 'Recommendations', recommendations.length,
        recommendations.length
          ? h('ul', { class: 'rec-list' }, recommendations.map((rec) => recommendationCard(doc.id, rec)))
          : h('p', { class: 'muted' }, 'No recommendations.')),
      section('clauses', 'Clauses', clauses.length, clausesList(clauses))),
    h('div', { class: 'analysis-side' },
      section('facts', 'Key facts', null, facts(analysis)),
      section('export', 'Export', null, exportPanel(doc, signal))));
}

function section(name, title, count, ...content) {
  const id = `section-${name}`;
  return h('section', { class: `card section-${name}`, 'aria-labelledby': id },
    h('h2', { id }, title, count !== null && count !== undefined ? h('span', { class: 'count' }, String(count)) : null),
    ...content);
}

function facts(analysis) {
  const term = analysis.term || {};
  const notStated = () => h('span', { class: 'muted' }, 'Not stated');
  const parties = (analysis.parties || []).length
    ? h('ul', { class: 'parties' }, analysis.parties.map((party) =>
      h('li', {}, h('span', { class: 'party-name' }, party.name), party.role ? h('span', { class: 'party-role' }, party.role) : null)))
    : notStated();
  const row = (label, value) => [h('dt', {}, label), h('dd', {}, value || notStated())];
  return h('dl', { class: 'facts' },
    row('Parties', parties),
    row('You are', analysis.perspective),
    row('Effective date', analysis.effective_date ? date(analysis.effective_date) : null),
    row('Initial term', term.initial),
    row('Renewal', term.renewal),
    row('Notice period', term.notice_period),
    row('Governing law', analysis.governing_law));
}

/** "I am the …": the parties' roles; picking one re-frames the analysis for that side. */
function sidePicker(doc, analysis, onReframe) {
  const roles = [...new Set((analysis.parties || []).map((party) => party.role).filter(Boolean))];
  if (!roles.length || !onReframe) return null;
  const id = uid('side');
  const select = h('select', { id, class: 'side-select' },
    analysis.perspective ? null : h('option', { value: '', selected: true }, 'Choose your side…'),
    roles.map((role) => h('option', { value: role, selected: role === analysis.perspective }, role)));
  const error = errorLine();
  select.addEventListener('change', async () => {
    error.clear();
    if (!select.value) return;
    select.disabled = true;
    try {
      const reframed = await api.json(
        `/documents/${encodeURIComponent(doc.id)}/perspective`, { method: 'PUT', body: { role: select.value } });
      announce(`Showing the review for the ${select.value}.`);
      onReframe(reframed);
    } catch (failure) {
      select.disabled = false;
      error.show(failure.message);
    }
  });
  return h('div', { class: 'field side-picker' }, h('label', { for: id }, 'I am the'), select, error.node);
}

function risksList(risks) {
  if (!risks.length) return h('p', { class: 'muted' }, 'Nothing flagged.');
  const order = { high: 0, medium: 1, low: 2 };
  const sorted = [...risks].sort((a, b) => (order[a.severity] ?? 3) - (order[b.severity] ?? 3));
  return h('ul', { class: 'risk-list' }, sorted.map((risk) =>
    h('li', { class: `risk risk-${risk.severity}`, dataset: { code: risk.code || 'other' } },
      h('div', { class: 'item-head' },
        h('h3', {}, risk.title),
        riskChip(risk.severity)),
      h('p', {}, risk.detail),
      risk.quote ? h('blockquote', { class: 'quote' }, risk.quote) : null,
      risk.clause_type ? h('p', { class: 'muted small' }, `Clause: ${words(risk.clause_type)}`) : null)));
}

function moneyTable(items) {
  if (!items.length) return h('p', { class: 'muted' }, 'No amounts found.');
  return h('table', { class: 'money-table' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'What'), h('th', { scope: 'col' }, 'Amount'), h('th', { scope: 'col' }, 'The contract says'))),
    h('tbody', {}, items.map((item) => h('tr', { class: `money money-${item.kind}` },
      h('th', { scope: 'row' }, MONEY_KIND[item.kind] || words(item.kind)),
      h('td', { class: 'amount' }, [money(item.amount, item.currency), item.period ? PERIOD[item.period] : null].filter(Boolean).join(' ')),
      h('td', { class: 'quote-cell' }, item.text)))));
}

function deadlinesList(doc, items) {
  if (!items.length) return h('p', { class: 'muted' }, 'No deadlines found.');
  const list = h('ul', { class: 'deadline-list' }, items.map((item) => h('li', { class: `deadline deadline-${item.kind}` },
    h('div', { class: 'item-head' },
      h('h3', {}, DEADLINE_KIND[item.kind] || words(item.kind)),
      h('span', { class: 'chip chip-neutral' }, item.date ? date(item.date) : item.days ? `${item.days} days' notice` : 'No fixed date')),
    h('blockquote', { class: 'quote' }, item.text))));
  if (!items.some((item) => item.date)) return list;
  const button = h('button', { type: 'button', class: 'btn btn-quiet add-calendar' }, 'Add to calendar (.ics)');
  const note = h('p', { class: 'muted small', role: 'status' });
  button.addEventListener('click', async () => {
    note.textContent = '';
    try {
      const saved = await busy(button, 'Downloading…', () => api.download(`/api/v1/documents/${encodeURIComponent(doc.id)}/deadlines.ics`));
      note.textContent = `Saved ${saved.name}: open it to add the dates to your calendar.`;
    } catch (failure) {
      note.textContent = failure.message;
    }
  });
  return [list, button, note];
}

function riskChip(level) {
  return h('span', { class: `chip chip-risk-${level}` }, RISK[level] || words(level));
}

function clausesList(clauses) {
  if (!clauses.length) return h('p', { class: 'muted' }, 'No clauses found.');
  const counts = { high: 0, medium: 0, low: 0 };
  clauses.forEach((clause) => { if (clause.risk in counts) counts[clause.risk] += 1; });
  const list = h('ul', { class: 'clause-list' }, clauses.map((clause) =>
    h('li', { class: `clause risk-${clause.risk}`, dataset: { risk: clause.risk } },
      h('div', { class: 'item-head' },
        h('h3', {}, clause.title || words(clause.type)),
        riskChip(clause.risk)),
      h('p', { class: 'clause-type muted small' }, [words(clause.type), clause.page ? `page ${clause.page}` : null].filter(Boolean).join(' · ')),
      h('blockquote', { class: 'quote' }, clause.text),
      clause.explanation ? h('p', { class: 'clause-why' }, clause.explanation) : null)));

  const filters = h('div', { class: 'filters', role: 'group', 'aria-label': 'Show clauses by risk' });
  const options = [['all', `All ${clauses.length}`], ['high', `High ${counts.high}`], ['medium', `Medium ${counts.medium}`], ['low', `Low ${counts.low}`]];
  for (const [value, label] of options) {
    const button = h('button', { type: 'button', class: 'filter', 'aria-pressed': value === 'all' ? 'true' : 'false' }, label);
    button.addEventListener('click', () => {
      filters.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b === button)));
      list.querySelectorAll('.clause').forEach((item) => { item.hidden = value !== 'all' && item.dataset.risk !== value; });
      announce(value === 'all' ? 'Showing all clauses.' : `Showing ${words(value).toLowerCase()} risk clauses.`);
    });
    filters.append(button);
  }
  return [filters, list];
}

function recommendationCard(documentId, rec) {
  const id = uid('rec');
  const textNode = h('p', { class: 'rec-text', id: `${id}-text` });
  const originalNode = h('p', { class: 'rec-original muted small', hidden: true });
  const state = h('p', { class: 'rec-state' });
  const comment = h('textarea', { id: `${id}-comment`, rows: '2', maxlength: '2000', 'aria-describedby': `${id}-comment-hint` });
  const editText = h('textarea', { id: `${id}-edit`, rows: '3', maxlength: '4000' });
  const error = errorLine();
  const verdictButtons = {
    accepted: h('button', { type: 'button', class: 'btn btn-verdict verdict-accept', 'aria-pressed': 'false' }, 'Accept'),
    rejected: h('button', { type: 'button', class: 'btn btn-verdict verdict-reject', 'aria-pressed': 'false' }, 'Reject'),
  };
  const editToggle = h('button', { type: 'button', class: 'btn btn-verdict verdict-edit', 'aria-expanded': 'false', 'aria-controls': `${id}-editor` }, 'Edit');
  const saveEdit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save my wording');
  const cancelEdit = h('button', { type: 'button', class: 'btn btn-quiet' }, 'Cancel');
  const editor = h('form', { class: 'rec-editor', id: `${id}-editor`, hidden: true },
    h('div', { class: 'field' }, h('label', { for: `${id}-edit` }, 'Your wording'), editText),
    h('div', { class: 'actions' }, saveEdit, cancelEdit));

  let current = rec;
  function apply(recommendation) {
    current = recommendation;
    const feedback = recommendation.feedback;
    const verdict = feedback ? feedback.verdict : null;
    textNode.textContent = verdict === 'edited' && feedback.edited_text ? feedback.edited_text : recommendation.text;
    originalNode.hidden = verdict !== 'edited';
    originalNode.textContent = `Suggested: ${recommendation.text}`;
    verdictButtons.accepted.setAttribute('aria-pressed', String(verdict === 'accepted'));
    verdictButtons.rejected.setAttribute('aria-pressed', String(verdict === 'rejected'));
    editToggle.classList.toggle('is-chosen', verdict === 'edited');
    card.dataset.verdict = verdict || 'none';
    replace(state, verdict
      ? [h('span', { class: `chip chip-verdict-${verdict}` }, VERDICT[verdict] || verdict),
        feedback.comment ? h('span', { class: 'rec-comment' }, `“${feedback.comment}”`) : null]
      : h('span', { class: 'chip chip-neutral' }, 'Not reviewed yet'));
    if (feedback && feedback.comment && !comment.value) comment.value = feedback.comment;
  }

  async function save(verdict, button, extra = {}) {
    error.clear();
    const body = { verdict, ...extra };
    const note = comment.value.trim();
    if (note) body.comment = note;
    try {
      const answer = await busy(button, 'Saving…', () => api.json(
        `/documents/${encodeURIComponent(documentId)}/recommendations/${encodeURIComponent(current.id)}/feedback`,
        { method: 'PUT', body }));
      apply(answer.recommendation);
      announce(`Saved: ${VERDICT[verdict].toLowerCase()}.`);
      return true;
    } catch (failure) {
      error.show(failure.message);
      return false;
    }
  }

  verdictButtons.accepted.addEventListener('click', () => save('accepted', verdictButtons.accepted));
  verdictButtons.rejected.addEventListener('click', () => save('rejected', verdictButtons.rejected));
  editToggle.addEventListener('click', () => {
    const open = editor.hidden;
    editor.hidden = !open;
    editToggle.setAttribute('aria-expanded', String(open));
    if (open) {
      editText.value = textNode.textContent;
      editText.focus();
    }
  });
  cancelEdit.addEventListener('click', () => {
    editor.hidden = true;
    editToggle.setAttribute('aria-expanded', 'false');
    editToggle.focus();
  });
  editor.addEventListener('submit', async (event) => {
    event.preventDefault();
    const wording = editText.value.trim();
    if (!wording) { error.show('Write your wording first, or cancel.'); editText.focus(); return; }
    if (await save('edited', saveEdit, { edited_text: wording })) {
      editor.hidden = true;
      editToggle.setAttribute('aria-expanded', 'false');
      editToggle.focus();
    }
  });

  const card = h('li', { class: 'rec', 'aria-labelledby': `${id}-text` },
    textNode, originalNode,
    rec.rationale ? h('p', { class: 'rec-why' }, h('span', { class: 'label' }, 'Why: '), rec.rationale) : null,
    rec.clause_type ? h('p', { class: 'muted small' }, `Clause: ${words(rec.clause_type)}`) : null,
    state,
    h('div', { class: 'field rec-comment-field' },
      h('label', { for: `${id}-comment` }, 'Comment (optional)'),
      h('p', { class: 'hint', id: `${id}-comment-hint` }, 'Saved with your verdict.'),
      comment),
    h('div', { class: 'rec-actions', role: 'group', 'aria-label': 'Your verdict' },
      verdictButtons.accepted, verdictButtons.rejected, editToggle),
    editor,
    error.node);
  apply(rec);
  return card;
}

function exportPanel(doc, signal) {
  const id = uid('export');
  const include = h('input', { type: 'checkbox', id: `${id}-original` });
  const start = h('button', { type: 'button', class: 'btn btn-primary btn-block' }, 'Create ZIP export');
  const error = errorLine();
  const progressSlot = h('div', {});
  const downloadSlot = h('div', {});

  start.addEventListener('click', async () => {
    error.clear();
    replace(downloadSlot);
    let job;
    try {
      job = (await busy(start, 'Starting…', () => api.json(`/documents/${encodeURIComponent(doc.id)}/exports`,
        { method: 'POST', body: { include_original: include.checked } }))).job;
    } catch (failure) {
      error.show(failure.message);
      return;
    }
    start.disabled = true;
    const panel = jobPanel('Export');
    replace(progressSlot, panel.node);
    panel.update(job);
    watchJob(job.id, {
      signal,
      onUpdate: (update) => {
        panel.update(update);
        if (update.status === 'succeeded') {
          start.disabled = false;
          replace(downloadSlot, downloadButton(update));
          announce('Your export is ready to download.');
        } else if (update.status === 'failed' || update.status === 'canceled') {
          start.disabled = false;
        }
      },
      onError: (failure) => panel.warn(failure.message),
    });
  });

  return h('div', { class: 'export' },
    h('p', { class: 'muted' }, 'A ZIP with a report you can read offline (HTML and Markdown), the analysis as JSON and your feedback as CSV.'),
    h('div', { class: 'check' }, include, h('label', { for: `${id}-original` }, 'Include the original file')),
    start, error.node, progressSlot, downloadSlot);
}

function downloadButton(job) {
  const button = h('button', { type: 'button', class: 'btn btn-success btn-block' }, 'Download ZIP');
  const note = h('p', { class: 'muted small', role: 'status' });
  button.addEventListener('click', async () => {
    note.textContent = '';
    try {
      const saved = await busy(button, 'Downloading…', () => api.download(job.download_url || `/api/v1/jobs/${job.id}/download`));
      note.textContent = `Saved ${saved.name} (${size(saved.size)}).`;
    } catch (failure) {
      note.textContent = failure.message;
    }
  });
  return h('div', { class: 'download' }, button, note);
}

