// ban-sao.js: certified copies reused by code instead of a new upload (docs/certified-copies.md).
// copyPicker() is the control under a document slot of a dossier being filled: "Dùng bản sao
// chứng thực đã có". A citizen picks one of their copies (GET /api/v1/copies) or types a code;
// the desk types the code the applicant in front of it gives. POST .../copy-attachments makes
// the copy's signed PDF a file of that slot; the server refuses a code that is not the
// caller's exactly as an unknown one.

import * as api from './api.js';
import { el, busy, goLogin } from './ui.js';

/** "12/03/2026" from an ISO time (Vietnam time). */
function day(iso) {
  const d = new Date(Date.parse(iso) + 7 * 3600e3);
  return `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`;
}

/** How a copy reads in a list: the original's title, the register number, the unit, the date. */
export function copyLabel(c) {
  return `${c.title} – số chứng thực ${c.number}, quyển số ${c.book} (${c.unit ? c.unit.name + ', ' : ''}${day(c.created_at)})`;
}

let mine = null;
/** The citizen's copies, fetched once per page: a promise of [] when there are none or on error. */
export function myCopies() {
  if (!mine) mine = api.get('/copies').then((r) => r.items || []).catch(() => []);
  return mine;
}

/**
 * The control for document `key` (slot number `index`) of the dossier dossier() at
 * `${base}/{id}` ('/dossiers' for a citizen, '/staff/dossiers' for the desk). onAttached(file)
 * is called with {name, document, content_type, size, sha256} once the copy is a file of the
 * slot.
 */
export function copyPicker({ dossier, base, key, index, staff = false, onAttached }) {
  const codeId = `copy-code-${index}`;
  const errId = `copy-err-${index}`;
  const code = el('input', { type: 'text', id: codeId, name: 'code', autocomplete: 'off', spellcheck: 'false',
    inputmode: 'text', maxlength: '40', class: 'input-code', 'aria-describedby': `${codeId}-hint ${errId}`, placeholder: 'XXXXX-XXXXX' });
  const error = el('p', { class: 'field-error', id: errId, 'aria-live': 'polite' });
  const attach = el('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Đính kèm bản sao');
  const choices = el('div', {});
  const body = el('div', { class: 'copy-pick-body' },
    choices,
    el('label', { for: codeId }, 'Mã bản sao chứng thực'),
    el('p', { class: 'muted small mb-0', id: `${codeId}-hint` }, staff
      ? 'Nhập mã người nộp cung cấp. Chỉ dùng được bản sao của chính người nộp (theo số định danh đã nhập), do đơn vị bạn cấp.'
      : 'Mã gồm 10 ký tự, có trong mục “Bản sao chứng thực của tôi”.'),
    code, error, attach);
  const box = el('details', { class: 'copy-pick' }, el('summary', {}, 'Dùng bản sao chứng thực đã có'), body);

  if (!staff) {
    box.addEventListener('toggle', async () => {
      if (!box.open || choices.dataset.loaded) return;
      choices.dataset.loaded = '1';
      const list = await myCopies();
      if (!list.length) {
        choices.append(el('p', { class: 'muted small' }, 'Bạn chưa có bản sao chứng thực nào đã nhận kết quả.'));
        return;
      }
      const selId = `copy-sel-${index}`;
      const sel = el('select', { id: selId }, el('option', { value: '' }, '— Chọn bản sao —'),
        list.map((c) => el('option', { value: c.code }, copyLabel(c))));
      sel.addEventListener('change', () => { if (sel.value) code.value = sel.value; });
      choices.append(el('label', { for: selId }, 'Bản sao của tôi'), sel);
    });
  }

  attach.addEventListener('click', async () => {
    error.textContent = '';
    const value = code.value.trim();
    if (!value) { error.textContent = 'Nhập mã bản sao chứng thực.'; code.focus(); return; }
    const restore = busy(attach, 'Đang đính kèm');
    try {
      const r = await api.post(`${base}/${api.seg(dossier().id)}/copy-attachments`, { code: value, document: key });
      restore();
      code.value = '';
      box.open = false;
      onAttached({ name: r.file.name, document: key, content_type: r.file.content_type, size: r.file.size, sha256: r.file.sha256 });
    } catch (err) {
      restore();
      if (err.status === 401) { goLogin(); return; }
      error.textContent = err.message;
      code.focus();
    }
  });
  return box;
}
