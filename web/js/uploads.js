// uploads.js: sending files to the API as raw request bodies (PUT with the file's own
// Content-Type), shared by the submit wizard, the desk's walk-in registration, the
// supplement on the citizen's dossier page and the officers' result documents: the types
// the API takes, a file name it accepts, a row with a progress bar for each file while it
// is sent, and the upload boxes of a dossier's documents.

import * as api from './api.js';
import { $, el, busy, fold, formatSize, goLogin } from './ui.js';

/** The types the API accepts (it checks them by content), with the extension a name gets when it has none. */
export const TYPES = { 'application/pdf': '.pdf', 'image/jpeg': '.jpg', 'image/png': '.png' };
/** For <input type=file accept=...>. */
export const ACCEPT = '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png';
/** The API's limit for one file (10 MiB). */
export const MAX_UPLOAD = 10 * 1024 * 1024;
const NAME_MAX = 100; // the API's rule: [A-Za-z0-9._-]{1,100}, not starting with a dot

/** The file's type as the API expects it, from the browser's type or else the extension. */
export function typeOf(file) {
  if (TYPES[file.type]) return file.type;
  const ext = (file.name.split('.').pop() || '').toLowerCase();
  return { pdf: 'application/pdf', jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png' }[ext] || file.type || '';
}

/** Why the file cannot be sent (Vietnamese), or null. The API checks again, by content. */
export function fileProblem(file) {
  if (!TYPES[typeOf(file)]) return `Tệp “${file.name}” không đúng định dạng. Chỉ nhận PDF, JPEG hoặc PNG.`;
  if (file.size > MAX_UPLOAD) return `Tệp “${file.name}” quá lớn (${formatSize(file.size)}). Tối đa 10 MB mỗi tệp.`;
  if (file.size === 0) return `Tệp “${file.name}” rỗng.`;
  return null;
}

/** Lower-case ASCII letters, digits, '_' and '-' only: Vietnamese loses its marks, the rest becomes '-'. */
function plain(s) {
  return fold(s).replace(/[^a-z0-9_-]+/g, '-').replace(/-+/g, '-').replace(/^[-_]+|[-_]+$/g, '');
}

/** The extensions the API accepts for each type: a name's must be its content's. */
const EXTENSIONS = { 'application/pdf': ['.pdf'], 'image/jpeg': ['.jpg', '.jpeg'], 'image/png': ['.png'] };

/**
 * A name the API accepts for original ("Quyết định số 12.PDF" -> "quyet-dinh-so-12.pdf"):
 * Vietnamese transliterated, spaces and other signs as '-', the extension kept (lower
 * case) when it is one of the type's, else the type's own added ("anh.jfif" of a JPEG ->
 * "anh-jfif.jpg"), fallback when nothing of the name is left, at most 100 characters,
 * never starting with a dot. Unique among taken (a Set of the names in use): "-2",
 * "-3"... before the extension.
 */
export function safeFileName(original, { type, taken = new Set(), fallback = 'tep' } = {}) {
  let m = /\.([A-Za-z0-9]{1,10})$/.exec(original);
  if (m && EXTENSIONS[type] && !EXTENSIONS[type].includes('.' + m[1].toLowerCase())) m = null;
  const ext = m ? '.' + m[1].toLowerCase() : (TYPES[type] || '');
  const stem = plain(m ? original.slice(0, -m[0].length) : original) || plain(fallback) || 'tep';
  for (let i = 1; ; i++) {
    const suffix = i === 1 ? '' : '-' + i;
    const name = stem.slice(0, NAME_MAX - ext.length - suffix.length).replace(/[-_]+$/, '') + suffix + ext;
    if (!taken.has(name)) return name;
  }
}

/**
 * Sends files one after another; each is a row with a progress bar in list (a
 * ul.file-list) while it goes, and the row is removed when it ends either way.
 * path(name): the API path (relative to /api/v1) for a file of that name; query: its
 * query string; taken: the names in use (each chosen name is added); fallback: the name
 * when nothing of the file's name is usable.
 * onUploaded(meta, file): the server stored it (meta = its answer: {name, size, ...}).
 * onError(message, file, err): refused here or by the server; nothing of it was kept.
 * A lost session goes to the login page and stops. Resolves to the number stored.
 */
export async function uploadEach(files, { list, path, query, taken = new Set(), fallback, createOnly, onUploaded, onError }) {
  let stored = 0;
  for (const file of files) {
    const problem = fileProblem(file);
    if (problem) { onError(problem, file, null); continue; }
    const type = typeOf(file);
    const name = safeFileName(file.name, { type, taken, fallback });
    taken.add(name);
    const bar = el('span');
    const pct = el('span', {}, '0%');
    const progress = el('div', { class: 'bar', role: 'progressbar', 'aria-label': `Tiến độ tải lên ${name}`, 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' }, bar);
    const row = el('li', { class: 'file-row', 'aria-busy': 'true', dataset: { uploading: name } },
      el('div', {}, el('span', { class: 'name' }, name), el('div', { class: 'meta' }, 'Đang tải lên… ', pct, ' · ', formatSize(file.size))),
      el('span'),
      progress);
    list.append(row);
    try {
      const saved = await api.upload(path(name), file, {
        query,
        contentType: type,
        createOnly,
        onProgress: (sent, total) => {
          const v = total ? Math.min(100, Math.round((sent / total) * 100)) : 0;
          bar.style.width = v + '%';
          pct.textContent = v + '%';
          progress.setAttribute('aria-valuenow', String(v));
        },
      });
      row.remove();
      const meta = saved && (saved.file || saved.result); // 201 {"file": {...}} or {"result": {...}}
      stored += 1;
      onUploaded(meta && meta.name ? meta : { name, size: file.size, content_type: type }, file);
    } catch (err) {
      row.remove();
      if (err.status === 401) { goLogin(); return stored; }
      onError(`Không tải lên được “${file.name}”: ${err.message}`, file, err);
    }
  }
  return stored;
}

/**
 * The upload boxes of a draft's documents (the submit wizard, the desk's walk-in
 * registration): one element [data-doc=key] per document, with a .field-error and a
 * ul.file-list, and a #live region that says what happened. dossier(): the draft as it is
 * now ({id, files}; files is replaced, never changed in place); base: its API collection
 * ('/dossiers' or '/staff/dossiers'); refresh(key): redraws a box (its rows from row()).
 * Returns {url(file), row(file, key), error(key, message), upload(key, files, input)}:
 * the file's download address, its row with a remove button, the box's error ('' clears
 * it), and sending files chosen in input for that document.
 */
export function documentBoxes({ dossier, base, refresh }) {
  const filesPath = () => `${base}/${api.seg(dossier().id)}/files`;
  const box = (key) => $(`[data-doc="${CSS.escape(key)}"]`);

  function announce(text) {
    const live = $('#live');
    if (live) { live.textContent = ''; setTimeout(() => { live.textContent = text; }, 50); }
  }

  function error(key, message) {
    const b = box(key);
    if (!b) return;
    b.classList.toggle('has-error', !!message);
    b.querySelector('.field-error').textContent = message || '';
  }

  const url = (f) => `/api/v1${filesPath()}/${api.seg(f.name)}`;

  function row(f, key) {
    const remove = el('button', { type: 'button', class: 'btn btn-ghost btn-small', 'aria-label': `Xóa tệp ${f.name}` }, 'Xóa');
    remove.addEventListener('click', async () => {
      const restore = busy(remove, 'Đang xóa');
      try {
        await api.del(`${filesPath()}/${api.seg(f.name)}`);
        const d = dossier();
        d.files = d.files.filter((x) => x.name !== f.name);
        refresh(key);
        announce(`Đã xóa tệp ${f.name}`);
      } catch (err) {
        restore();
        if (err.status === 401) { goLogin(); return; }
        error(key, err.message);
      }
    });
    return el('li', { class: 'file-row', dataset: { file: f.name } },
      el('div', {}, el('a', { class: 'name', href: url(f), target: '_blank', rel: 'noopener' }, f.name),
        el('div', { class: 'meta' }, el('span', { class: 'ok-mark' }, '✓ Đã tải lên'), ' · ', formatSize(f.size))),
      remove);
  }

  async function upload(key, files, input) {
    error(key, '');
    input.disabled = true;
    await uploadEach(files, {
      list: box(key).querySelector('.file-list'),
      path: (name) => `${filesPath()}/${api.seg(name)}`,
      query: { document: key },
      taken: new Set(dossier().files.map((f) => f.name)),
      fallback: key,
      onUploaded: (meta) => {
        const d = dossier();
        d.files = d.files.filter((f) => f.name !== meta.name).concat([{ document: key, ...meta }]);
        refresh(key);
        announce(`Đã tải lên tệp ${meta.name}`);
      },
      onError: (message) => error(key, message),
    });
    input.disabled = false;
    input.value = '';
  }

  return { url, row, error, upload };
}
