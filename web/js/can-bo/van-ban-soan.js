// can-bo/van-ban-soan.js: the draft form of an outgoing document (docs/documents.md). The
// choices come from the API: the units the officer drafts for and who may sign for each
// (GET /documents/drafting), the types and priorities (GET /documents/types), the recipient
// units by search (GET /units), the units on other nodes of the exchange (GET
// /exchange/units, whole: a province's few hundred at most, filtered as one types). Saving
// creates the draft (POST /documents) and opens its
// page, where the PDF body is uploaded and the draft is submitted for review.

import * as api from '../api.js';
import { $, el, render, loading, alertBox, busy, clearErrors, showFieldErrors, apiFieldErrors, fieldBox, combobox } from '../ui.js';
import { initStaff } from './shell.js';
import { documentUrl } from './van-ban-common.js';

const SUMMARY_MAX = 500; // characters, as the API's limit

let units = [];
let types = [];
let priorities = [];
const recipients = new Map(); // code -> name
let exchangeUnits = []; // [{code, name, node, node_name}]: units hosted by other nodes
const exchangeRecipients = new Map(); // code -> name

const option = (value, text, selected) => el('option', { value, selected: selected || null }, text);

function signerOptions(unitId) {
  const u = units.find((x) => String(x.id) === String(unitId));
  const list = u ? u.signers : [];
  return [option('', list.length ? '— Chọn người ký —' : 'Đơn vị chưa có người ký')]
    .concat(list.map((s) => option(String(s.id), s.title ? `${s.name} (${s.title})` : s.name)));
}

/** The number series of the unit: the unit's own (its types'), then its boards' own. */
function seriesOptions(unitId) {
  const u = units.find((x) => String(x.id) === String(unitId));
  return [option('', u ? `Của đơn vị (${u.abbreviation || u.name})` : 'Của đơn vị', true)]
    .concat((u && u.series ? u.series : []).map((b) => option(b.code, `${b.name} (${b.abbreviation})`)));
}

/** The series field shows only for a unit whose boards have series of their own. */
function showSeries(unitId) {
  const u = units.find((x) => String(x.id) === String(unitId));
  const box = $('#series-box');
  if (box) box.hidden = !(u && u.series && u.series.length);
}

function recipientList() {
  return el('ul', { class: 'file-list', id: 'recipients' }, [...recipients].map(([code, name]) =>
    el('li', { class: 'file-row', dataset: { code } }, el('span', { class: 'name' }, name), ' ',
      el('button', { type: 'button', class: 'btn btn-ghost btn-small', 'aria-label': `Bỏ ${name} khỏi nơi nhận`,
        onclick: () => { recipients.delete(code); render($('#recipients-slot'), recipientList()); } }, 'Bỏ'))));
}

function recipientField() {
  const combo = combobox({ id: 'recipient', name: 'recipients_internal', label: 'Đơn vị nhận',
    placeholder: 'Gõ tên đơn vị để tìm…',
    search: async (q) => ((await api.get('/units', { q, limit: 50 })).items || []).map((u) => ({ value: u.code, label: u.name, hint: u.code })) });
  combo.input.id = 'recipient';
  combo.input.setAttribute('aria-describedby', 'recipient-hint recipient-error');
  combo.onChange((o) => {
    if (!o) return;
    recipients.set(o.value, o.label);
    render($('#recipients-slot'), recipientList());
    combo.set('');
  });
  return el('div', { class: 'field' },
    el('label', { for: 'recipient' }, 'Nơi nhận trong hệ thống', el('span', { class: 'muted small' }, ' (không bắt buộc)')),
    el('span', { class: 'hint', id: 'recipient-hint' }, 'Các đơn vị nhận văn bản điện tử ngay khi phát hành; chọn từng đơn vị.'),
    el('p', { class: 'field-error', id: 'recipient-error', 'aria-live': 'polite' }),
    combo.root, el('div', { id: 'recipients-slot' }, recipientList()));
}

function exchangeList() {
  return el('ul', { class: 'file-list', id: 'recipients-exchange' }, [...exchangeRecipients].map(([code, name]) =>
    el('li', { class: 'file-row', dataset: { code } }, el('span', { class: 'name' }, name), ' ',
      el('span', { class: 'muted small' }, code), ' ',
      el('button', { type: 'button', class: 'btn btn-ghost btn-small', 'aria-label': `Bỏ ${name} khỏi nơi nhận liên thông`,
        onclick: () => { exchangeRecipients.delete(code); render($('#exchange-slot'), exchangeList()); } }, 'Bỏ'))));
}

/** Units on other nodes (the exchange between systems); only when the directory lists some. */
function exchangeField() {
  if (!exchangeUnits.length) return null;
  const combo = combobox({ id: 'recipient-exchange', name: 'recipients_exchange', label: 'Đơn vị nhận qua liên thông',
    placeholder: 'Gõ tên hoặc mã đơn vị để tìm…',
    options: exchangeUnits.map((u) => ({ value: u.code, label: u.name, hint: `${u.code} · ${u.node_name}` })) });
  combo.input.id = 'recipient-exchange';
  combo.input.setAttribute('aria-describedby', 'recipient-exchange-hint recipient-exchange-error');
  combo.onChange((o) => {
    if (!o) return;
    exchangeRecipients.set(o.value, o.label);
    render($('#exchange-slot'), exchangeList());
    combo.set('');
  });
  return el('div', { class: 'field' },
    el('label', { for: 'recipient-exchange' }, 'Nơi nhận qua liên thông', el('span', { class: 'muted small' }, ' (không bắt buộc)')),
    el('span', { class: 'hint', id: 'recipient-exchange-hint' }, 'Đơn vị thuộc hệ thống khác trong danh bạ liên thông của tỉnh: văn bản được gửi dưới dạng gói tin edXML có chữ ký số khi phát hành. Văn bản mật không gửi qua liên thông.'),
    el('p', { class: 'field-error', id: 'recipient-exchange-error', 'aria-live': 'polite' }),
    combo.root, el('div', { id: 'exchange-slot' }, exchangeList()));
}

function form() {
  const unit = el('select', { name: 'unit_id' }, units.map((u, i) => option(String(u.id), u.name, i === 0)));
  const signer = el('select', { name: 'signer_id' }, signerOptions(units[0] && units[0].id));
  const series = el('select', { name: 'series' }, seriesOptions(units[0] && units[0].id));
  unit.addEventListener('change', () => {
    render(signer, ...signerOptions(unit.value));
    render(series, ...seriesOptions(unit.value));
    showSeries(unit.value);
  });
  const type = el('select', { name: 'type' }, [option('', '— Chọn loại văn bản —')].concat(types.map((t) => option(t.code, t.name))));
  const department = el('input', { type: 'text', name: 'department', maxlength: '20', autocomplete: 'off' });
  const f = el('form', { id: 'draft-form', novalidate: true },
    el('div', { class: 'form-errors', hidden: true, tabindex: '-1' }),
    fieldBox({ id: 'unit', label: 'Đơn vị ban hành', required: true, input: unit }),
    el('div', { id: 'series-box', hidden: !(units[0] && units[0].series && units[0].series.length) },
      fieldBox({ id: 'series', label: 'Hệ thống số', hint: 'Hội đồng, ban, tổ ban hành văn bản bằng con dấu của đơn vị có hệ thống số riêng (Nghị định 30/2020, Điều 15).', input: series })),
    fieldBox({ id: 'type', label: 'Loại văn bản', required: true, input: type }),
    fieldBox({ id: 'summary', label: 'Trích yếu nội dung', required: true, hint: `Ví dụ: “Về việc kiện toàn Tổ công tác chuyển đổi số”. Tối đa ${SUMMARY_MAX} ký tự.`,
      input: el('textarea', { name: 'summary', rows: '3', maxlength: String(SUMMARY_MAX) }) }),
    fieldBox({ id: 'department', label: 'Phòng, bộ phận soạn thảo (viết tắt)', hint: 'Bắt buộc với công văn: phần sau dấu gạch của số, ký hiệu, ví dụ “VP” trong 345/UBND-VP.', input: department }),
    fieldBox({ id: 'priority', label: 'Độ khẩn', required: true, input: el('select', { name: 'priority' }, priorities.map((p, i) => option(p.code, p.name, i === 0))) }),
    fieldBox({ id: 'signer', label: 'Người ký', required: true, input: signer }),
    fieldBox({ id: 'signer-title', label: 'Chức danh ghi trên chữ ký', hint: 'Ví dụ: CHỦ TỊCH, KT. CHỦ TỊCH – PHÓ CHỦ TỊCH.', input: el('input', { type: 'text', name: 'signer_title', maxlength: '120' }) }),
    fieldBox({ id: 'due', label: 'Hạn xử lý', input: el('input', { type: 'date', name: 'due_at' }) }),
    recipientField(),
    exchangeField(),
    fieldBox({ id: 'external', label: 'Nơi nhận khác', hint: 'Như ghi ở phần “Nơi nhận” của văn bản, mỗi nơi một dòng.', input: el('textarea', { name: 'recipients_external', rows: '3' }) }),
    el('div', { class: 'btn-row' },
      el('a', { class: 'btn btn-ghost', href: '/can-bo/van-ban' }, 'Hủy'),
      el('button', { type: 'submit', class: 'btn', id: 'save-draft' }, 'Lưu dự thảo')));
  f.addEventListener('submit', save);
  return f;
}

/** What the form says, as the API's draft; [body, errors]. */
function readForm(f) {
  const v = (name) => f.elements[name].value.trim();
  const errors = [];
  if (!v('type')) errors.push({ field: 'type', message: 'Vui lòng chọn loại văn bản' });
  if (!v('summary')) errors.push({ field: 'summary', message: 'Vui lòng nhập trích yếu nội dung' });
  if (!v('signer_id')) errors.push({ field: 'signer_id', message: 'Vui lòng chọn người ký' });
  if (v('type') === 'cong_van' && !v('department')) errors.push({ field: 'department', message: 'Công văn cần phòng, bộ phận soạn thảo' });
  const body = {
    unit_id: Number(v('unit_id')), type: v('type'), summary: v('summary'), priority: v('priority'),
    signer_id: v('signer_id') ? Number(v('signer_id')) : null,
    recipients_internal: [...recipients.keys()],
  };
  if (exchangeRecipients.size) body.recipients_exchange = [...exchangeRecipients.keys()];
  if (v('department')) body.department = v('department');
  if (v('series')) body.series = v('series');
  if (v('signer_title')) body.signer_title = v('signer_title');
  if (v('recipients_external')) body.recipients_external = f.elements.recipients_external.value;
  // The end of the chosen day in Vietnam (UTC+7), as Unix seconds.
  if (v('due_at')) body.due_at = Math.floor(Date.parse(v('due_at') + 'T17:00:00+07:00') / 1000);
  return [body, errors];
}

async function save(e) {
  e.preventDefault();
  const f = e.target;
  const [body, errors] = readForm(f);
  if (errors.length) { showFieldErrors(f, errors, 'Chưa lưu được dự thảo'); return; }
  clearErrors(f);
  const restore = busy($('#save-draft'), 'Đang lưu…');
  try {
    const r = await api.post('/documents', body);
    location.href = documentUrl(r.document.id);
  } catch (err) {
    restore();
    showFieldErrors(f, apiFieldErrors(err), 'Chưa lưu được dự thảo');
  }
}

async function main() {
  if (!(await initStaff('documents'))) return;
  render($('#form-slot'), loading('Đang tải…'));
  try {
    const [d, t, x] = await Promise.all([api.get('/documents/drafting'), api.get('/documents/types'),
      api.get('/exchange/units').catch(() => ({ units: [] }))]); // without the exchange: the form still works
    units = d.units || [];
    exchangeUnits = x.units || [];
    types = t.types || [];
    priorities = t.priorities || [];
  } catch (err) {
    render($('#form-slot'), alertBox('error', 'Không tải được biểu mẫu', el('p', {}, err.message)));
    return;
  }
  if (!units.length) {
    render($('#form-slot'), alertBox('warn', 'Bạn chưa được giao soạn thảo văn bản', el('p', {}, 'Chỉ cán bộ có quyền soạn thảo của một đơn vị mới soạn được văn bản đi.')));
    return;
  }
  render($('#form-slot'), form());
}

main();
