// The document list (newest first, with status chips) and the upload box (drag and drop, progress bar).

import * as api from '../api.js';
import { announce, errorLine, h } from '../dom.js';
import { takeFlash } from '../flash.js';
import { DOCUMENT_STATUS, dateTime, size } from '../format.js';
import { navigate } from '../router.js';

const ACCEPT = '.pdf,.docx,.txt,.png,.jpg,.jpeg,.tif,.tiff,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/plain,image/png,image/jpeg,image/tiff';
const PAGE = 20;

export function statusChip(status) {
  return h('span', { class: `chip chip-${status}` }, DOCUMENT_STATUS[status] || status);
}

export async function documentsView({ signal }) {
  const flash = takeFlash();
  let maxMb = 25;
  try { maxMb = (await api.getConfig()).max_upload_mb || maxMb; } catch { /* the server still enforces it */ }

  const list = h('ul', { class: 'doc-list', 'aria-labelledby': 'documents-heading' });
  const listError = errorLine();
  const more = h('button', { class: 'btn btn-quiet', type: 'button', hidden: true }, 'Show older documents');
  const empty = h('div', { class: 'empty', hidden: true },
    h('p', { class: 'empty-title' }, 'No contracts yet'),
    h('p', { class: 'muted' }, 'Upload your first contract above. The review takes a few seconds.'));
  let cursor = null;

  async function loadPage() {
    listError.clear();
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (cursor) query.set('cursor', cursor);
    try {
      const page = await api.json(`/documents?${query}`);
      if (signal.aborted) return;
      list.append(...page.items.map(documentRow));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      empty.hidden = list.childElementCount > 0;
    } catch (failure) {
      listError.show(failure.message);
    }
  }
  more.addEventListener('click', loadPage);
  await loadPage();

  const node = h('div', { class: 'stack' },
    h('div', { class: 'page-head' },
      h('h1', {}, 'Your contracts'),
      h('p', { class: 'muted' }, 'Upload a contract to see what it says and what to watch out for.')),
    flash,
    uploadBox(maxMb),
    h('section', { class: 'card', 'aria-labelledby': 'documents-heading' },
      h('h2', { id: 'documents-heading' }, 'Documents'),
      listError.node, list, empty, more));
  return { title: 'Your contracts', node };
}

function documentRow(doc) {
  const meta = [size(doc.size_bytes), doc.page_count ? `${doc.page_count} p.` : null, dateTime(doc.created_at)].filter(Boolean).join(' · ');
  return h('li', {},
    h('a', { class: 'doc-row', href: `#/documents/${encodeURIComponent(doc.id)}` },
      h('span', { class: 'doc-icon', 'aria-hidden': 'true' }, fileBadge(doc.content_type)),
      h('span', { class: 'doc-text' },
        h('span', { class: 'doc-name' }, doc.filename),
        h('span', { class: 'doc-meta' }, meta)),
      statusChip(doc.status)));
}

function fileBadge(contentType) {
  if (contentType === 'application/pdf') return 'PDF';
  if ((contentType || '').includes('wordprocessingml')) return 'DOC';
  if ((contentType || '').startsWith('image/')) return 'IMG';
  return 'TXT';
}

function uploadBox(maxMb) {
  const input = h('input', { type: 'file', class: 'visually-hidden', accept: ACCEPT, id: 'upload-input', 'aria-label': 'Choose a contract to upload', 'aria-describedby': 'upload-hint' });
  const zone = h('label', { class: 'dropzone', for: 'upload-input' },
    h('span', { class: 'dropzone-icon', 'aria-hidden': 'true' }, '⇪'),
    h('span', { class: 'dropzone-title' }, 'Drop a contract here, or ', h('span', { class: 'link' }, 'choose a file')),
    h('span', { class: 'hint', id: 'upload-hint' }, `PDF, Word (.docx), plain text, or a scan or photo of the pages (PNG, JPEG, TIFF), up to ${maxMb} MB.`));
  const progress = h('progress', { max: '100', value: '0', id: 'upload-progress' });
  const progressText = h('span', { class: 'progress-text' }, '0%');
  const fileName = h('span', { class: 'upload-name' });
  const status = h('div', { class: 'upload-status', hidden: true },
    h('label', { for: 'upload-progress', class: 'upload-label' }, 'Uploading ', fileName),
    h('div', { class: 'progress-row' }, progress, progressText));
  const error = errorLine();
  let uploading = false;

  async function send(file) {
    if (!file || uploading) return;
    error.clear();
    if (file.size > maxMb * 1024 * 1024) {
      error.show(`This file is larger than ${maxMb} MB. Upload a smaller file.`);
      return;
    }
    uploading = true;
    zone.classList.add('is-busy');
    fileName.textContent = file.name;
    progress.value = 0;
    progressText.textContent = '0%';
    status.hidden = false;
    announce(`Uploading ${file.name}`);
    try {
      const answer = await api.upload(file, (fraction) => {
        const percent = Math.round(fraction * 100);
        progress.value = percent;
        progressText.textContent = `${percent}%`;
      });
      progress.value = 100;
      progressText.textContent = '100%';
      announce('Upload complete. The review has started.');
      navigate(`/documents/${encodeURIComponent(answer.document.id)}`);
    } catch (failure) {
      status.hidden = true;
      error.show(failure.message);
    } finally {
      uploading = false;
      zone.classList.remove('is-busy');
      input.value = '';
    }
  }

  input.addEventListener('change', () => send(input.files[0]));
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    zone.classList.add('is-over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('is-over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('is-over');
    const files = event.dataTransfer && event.dataTransfer.files;
    if (files && files.length > 1) error.show('Drop one file at a time.');
    else if (files && files.length === 1) send(files[0]);
  });

  return h('section', { class: 'card upload', 'aria-labelledby': 'upload-heading' },
    h('h2', { id: 'upload-heading' }, 'Upload a contract'),
    h('div', { class: 'dropzone-wrap' }, input, zone),
    status, error.node);
}
