// Public lookup by dossier code (the receipt's QR target): status, unit,
// appointment and history; never personal data.

import * as api from './api.js';
import { $, el, render, initLayout, param, formatDateTime, statusBadge, loading, alertBox, showFieldErrors, clearErrors } from './ui.js';

function result(r) {
  const hist = (r.history || []).slice().reverse();
  return el('section', { class: 'card', 'aria-labelledby': 'r-title', id: 'lookup-result' },
    el('div', { class: 'card-title' }, el('h2', { id: 'r-title' }, 'Kết quả tra cứu')),
    el('div', { class: 'key-grid' },
      el('div', { class: 'code-box' }, el('span', { class: 'muted small' }, 'Mã hồ sơ'), el('span', { class: 'code' }, r.code)),
      el('div', { class: 'due-box' }, el('span', { class: 'muted small' }, 'Ngày hẹn trả kết quả'), el('div', { class: 'due', id: 'due-at' }, r.due_at ? formatDateTime(r.due_at) : '—'))),
    el('dl', { class: 'facts' },
      el('div', {}, el('dt', {}, 'Trạng thái'), el('dd', { id: 'status' }, statusBadge(r.status))),
      el('div', {}, el('dt', {}, 'Thủ tục'), el('dd', {}, r.procedure ? r.procedure.name : '—')),
      el('div', {}, el('dt', {}, 'Cơ quan giải quyết'), el('dd', { id: 'unit' }, r.unit ? r.unit.name : '—')),
      el('div', {}, el('dt', {}, 'Ngày tiếp nhận'), el('dd', {}, formatDateTime(r.submitted_at)))),
    el('h3', { style: 'margin-top:18px' }, 'Quá trình xử lý'),
    hist.length ? el('ol', { class: 'timeline', id: 'history' }, hist.map((h) => el('li', {},
      el('span', { class: 'when' }, formatDateTime(h.at)), el('span', { class: 'what' }, h.status ? h.status.name : '')))) : el('p', { class: 'muted' }, 'Chưa có.'));
}

async function lookup(code) {
  const out = $('#result');
  render(out, loading('Đang tra cứu…'));
  try {
    const r = await api.get(`/lookup/${api.seg(code)}`);
    render(out, result(r));
    document.title = `Hồ sơ ${r.code} – Tra cứu – Cổng dịch vụ công tỉnh Thanh Hóa`;
  } catch (err) {
    render(out, err.status === 404
      ? alertBox('warn', 'Không tìm thấy hồ sơ', el('p', {}, `Không có hồ sơ nào mang mã “${code}”. Vui lòng kiểm tra lại mã trên Giấy tiếp nhận.`))
      : alertBox('error', 'Không tra cứu được', el('p', {}, err.message)));
  }
}

function init() {
  initLayout('tra-cuu');
  const form = $('#form');
  const code = (param('ma') || '').trim();
  form.ma.value = code;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = form.ma.value.trim();
    if (!v) { showFieldErrors(form, [{ field: 'ma', message: 'Vui lòng nhập mã hồ sơ' }]); return; }
    clearErrors(form);
    const u = new URL(location.href);
    u.searchParams.set('ma', v);
    history.replaceState(null, '', u);
    lookup(v);
  });
  if (code) lookup(code);
}

init();
