// can-bo/ban-sao.js: the card "Chứng thực bản sao điện tử" on an officer's dossier page
// (docs/certified-copies.md). For a dossier of the certification procedure: the copies issued
// in it (register number and book, the holder's code, the signed PDF) and, for an officer who
// may certify (copy.certify), the form that issues one: the scans of the original handed in
// with the dossier, the original's title, the officer's title, and the statement that the scan
// was compared with the paper original. Issuing signs with the officer's personal key and the
// unit's seal; a key that may not sign is refused with the key store's reason.

import * as api from '../api.js';
import { $, el, render, param, formatSize, alertBox, busy, goLogin } from '../ui.js';
import { vn } from './shell.js';

const SCAN_TYPES = new Set(['application/pdf', 'image/jpeg', 'image/png']);
const box = () => $('#certified-copies');
const base = (id) => `/staff/dossiers/${api.seg(id)}`;

function copyRow(id, c) {
  return el('li', { class: 'file-row' },
    el('div', {},
      el('a', { class: 'name', href: `/api/v1${base(id)}/certified-copies/${api.seg(c.id)}/file`, target: '_blank', rel: 'noopener' },
        `Số chứng thực ${c.number}, quyển số ${c.book}`),
      el('div', { class: 'meta' }, c.title, ' · ', `${c.pages} trang`, ' · ', formatSize(c.size)),
      el('div', { class: 'meta' }, 'Mã bản sao: ', el('code', {}, c.code), ' · ', c.officer, ' · ', vn(c.created_at),
        c.state === 'awaiting_timestamp' ? ' · Chờ dấu thời gian' : '')));
}

function issueForm(d, onIssued) {
  const scans = (d.files || []).filter((f) => SCAN_TYPES.has(f.content_type));
  if (!scans.length) return el('p', { class: 'muted' }, 'Hồ sơ chưa có tệp quét bản chính (PDF, JPEG hoặc PNG) để chứng thực.');
  const form = el('form', { class: 'copy-issue', novalidate: true });
  const errors = el('div', { class: 'form-errors', role: 'alert', hidden: true });
  const picks = scans.map((f, i) => el('li', {},
    el('input', { type: 'checkbox', id: `scan-${i}`, value: f.name, checked: scans.length === 1 }),
    ' ', el('label', { for: `scan-${i}` }, f.name, el('span', { class: 'muted small' }, ` (${formatSize(f.size)})`))));
  const title = el('input', { type: 'text', id: 'copy-title', maxlength: '200', required: true,
    value: (d.form && d.form.document_name) || '' });
  const signer = el('input', { type: 'text', id: 'copy-signer', maxlength: '60', placeholder: 'NGƯỜI THỰC HIỆN CHỨNG THỰC' });
  const checked = el('input', { type: 'checkbox', id: 'copy-checked', required: true });
  const submit = el('button', { type: 'submit', class: 'btn' }, 'Chứng thực và ký số');
  form.append(errors,
    el('fieldset', {}, el('legend', {}, 'Tệp quét bản chính (một tệp PDF, hoặc các ảnh theo thứ tự trang)'), el('ul', { class: 'plain-list' }, picks)),
    el('div', { class: 'field' }, el('label', { for: 'copy-title' }, 'Tên giấy tờ, văn bản (bản chính)'), title),
    el('div', { class: 'field' }, el('label', { for: 'copy-signer' }, 'Chức danh người ký (không bắt buộc)'), signer),
    el('div', { class: 'field' }, checked, ' ', el('label', { for: 'copy-checked' }, 'Tôi đã đối chiếu bản quét với bản chính và bản chính hợp lệ')),
    el('div', { class: 'btn-row' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errors.hidden = true;
    const files = picks.map((li) => li.querySelector('input')).filter((x) => x.checked).map((x) => x.value);
    const problems = [];
    if (!files.length) problems.push('Chọn tệp quét bản chính.');
    if (!title.value.trim()) problems.push('Nhập tên giấy tờ, văn bản.');
    if (!checked.checked) problems.push('Cần xác nhận đã đối chiếu với bản chính.');
    if (problems.length) {
      render(errors, el('ul', {}, problems.map((p) => el('li', {}, p))));
      errors.hidden = false;
      errors.focus?.();
      return;
    }
    const restore = busy(submit, 'Đang ký số');
    try {
      const body = { files, title: title.value.trim(), original_checked: true };
      if (signer.value.trim()) body.signer_title = signer.value.trim();
      const r = await api.post(`${base(d.id)}/certified-copies`, body);
      restore();
      form.reset();
      onIssued(r.copy);
    } catch (err) {
      restore();
      if (err.status === 401) { goLogin(); return; }
      render(errors, el('p', {}, err.message));
      errors.hidden = false;
    }
  });
  return form;
}

async function draw(id) {
  let list, d;
  try {
    [list, d] = await Promise.all([api.get(`${base(id)}/certified-copies`), api.get(base(id))]);
  } catch (err) {
    if (err.status === 401) goLogin();
    return; /* the page itself says why the dossier cannot be read */
  }
  if (!list.certification && !list.items.length) return;
  const live = el('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  const redraw = (copy) => {
    draw(id);
    live.textContent = `Đã chứng thực bản sao số ${copy.number}, quyển số ${copy.book}`;
  };
  render(box(),
    el('section', { class: 'card', 'aria-labelledby': 'copies-title' },
      el('h2', { id: 'copies-title' }, 'Chứng thực bản sao điện tử'),
      live,
      list.items.length ? el('ul', { class: 'file-list' }, list.items.map((c) => copyRow(id, c)))
        : el('p', { class: 'muted' }, 'Chưa có bản sao nào được chứng thực trong hồ sơ này.'),
      list.may_certify ? issueForm(d, redraw) : null,
      !list.may_certify && list.certification ? el('p', { class: 'muted small' }, 'Chỉ người có thẩm quyền chứng thực (có chữ ký số cá nhân) của đơn vị mới cấp được bản sao.') : null));
  box().hidden = false;
}

const id = param('id');
if (id && box()) draw(id).catch((err) => render(box(), alertBox('error', 'Không tải được bản sao chứng thực', el('p', {}, err.message))));
