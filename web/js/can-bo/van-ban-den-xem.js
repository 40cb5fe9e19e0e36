// can-bo/van-ban-den-xem.js: one incoming document (?id=, docs/documents.md "The incoming
// flow"): where it comes from, the check of its signatures against the trusted roots, its
// incoming number, the leader's instruction, the handling and every step's history; and the
// step this officer may take now: the clerk registers it (the số đến; it then waits for the
// leader's assignment) or refuses it back with a reason; the leader assigns it (the lead
// officer or unit, the supporting ones, the instruction, the deadline); the lead marks it
// being handled and completes it. Each step but the assignment asks for confirmation in a
// dialog; refusals are shown as the server words them, and a 409 reloads the document.

import * as api from '../api.js';
import { $, el, render, loading, alertBox, busy, clearErrors, showFieldErrors, goLogin, param, formatSize } from '../ui.js';
import { initStaff, shortDateTime } from './shell.js';
import { secondsDateTime, dayText, pageAlert, openStepDialog, stepDialogText } from './van-ban-common.js';
import { RECEIVE_ROLES, ASSIGN_ROLES, HANDLE_ROLES, STATUSES, statusPill, vnDay } from './van-ban-den-common.js';

const TEXT_MAX = 2000; // characters of a reason, an instruction, a note (INCOMING_TEXT_MAX)
const PRIORITY = { thuong: 'Thường', khan: 'Khẩn', thuong_khan: 'Thượng khẩn', hoa_toc: 'Hỏa tốc', hoa_toc_hen_gio: 'Hỏa tốc hẹn giờ' };

// The confirmed steps: the API's route, the dialog's words, the text asked for.
const ACTIONS = {
  register: { title: 'Vào sổ văn bản đến', path: 'register', text: 'Cấp số đến tiếp theo trong sổ văn bản đến của năm và chuyển văn bản cho lãnh đạo phân công xử lý? Số đến đã cấp không thu hồi được.' },
  refuse: { title: 'Trả lại nơi gửi', path: 'refuse', field: 'reason', input: { id: 'step-text', label: 'Lý do trả lại', required: true, max: TEXT_MAX }, text: 'Trả lại văn bản cho nơi gửi. Nơi gửi thấy trạng thái “Đã trả lại” và lý do.' },
  start: { title: 'Bắt đầu xử lý', path: 'start', field: 'note', input: { id: 'step-text', label: 'Ghi chú', max: TEXT_MAX }, text: 'Chuyển văn bản sang trạng thái “Đang xử lý”? Nơi gửi và lãnh đạo theo dõi được trạng thái này.' },
  complete: { title: 'Hoàn thành xử lý', path: 'complete', field: 'note', input: { id: 'step-text', label: 'Kết quả xử lý', max: TEXT_MAX }, text: 'Xác nhận đã xử lý xong văn bản? Sau bước này văn bản không còn trong danh sách cần xử lý.' },
};

let who = null;
let doc = null;
let current = null; // the action of the open dialog

const id = () => {
  const v = param('id') || '';
  return /^[1-9]\d{0,11}$/.test(v) ? v : null;
};
const inc = () => doc.incoming;
const holds = (set) => who.roles.some((r) => set.has(r.role));

/* ---------------- drawing ---------------- */

const fact = (label, value, attrs = {}) => el('div', {}, el('dt', {}, label), el('dd', attrs, value || el('span', { class: 'muted' }, '—')));
const card = (idName, title, ...body) => el('section', { class: 'card', id: idName, 'aria-labelledby': idName + '-h' },
  el('div', { class: 'card-title' }, el('h2', { id: idName + '-h' }, title)), ...body);
const names = (list) => (list || []).map((x) => x && x.name).filter(Boolean).join(', ');

function metadata() {
  const i = inc();
  const late = ['assigned', 'handling'].includes(i.status) && i.deadline && i.deadline < vnDay();
  return card('doc-meta', 'Thông tin văn bản đến',
    el('dl', { class: 'facts facts-2' },
      fact('Số, ký hiệu', doc.notation),
      fact('Nơi gửi', i.sender && i.sender.unit ? i.sender.unit.name : null),
      fact('Ngày đến', i.history.length ? secondsDateTime(i.history[0].at) : null), // the 01 line is the delivery
      fact('Độ khẩn', PRIORITY[doc.priority] || doc.priority_name),
      fact('Số đến', i.number ? String(i.number) : null, { id: 'in-number' }),
      fact('Người vào sổ', i.registered_by && i.registered_by.name),
      i.status === 'refused' ? fact('Lý do trả lại', i.refused_reason, { id: 'in-reason' }) : null,
      fact('Chủ trì xử lý', i.lead ? i.lead.name : i.lead_unit ? i.lead_unit.name : null, { id: 'in-lead' }),
      fact('Phối hợp', names(i.support_accounts.concat(i.support_units))),
      fact('Ý kiến chỉ đạo', i.instruction ? el('span', { class: 'pre-line' }, i.instruction) : null, { id: 'in-instruction' }),
      fact('Hạn xử lý', i.deadline ? [dayText(i.deadline), late ? el('strong', {}, ' (quá hạn)') : null] : null, { id: 'in-deadline' }),
      fact('Kết quả xử lý', i.note ? el('span', { class: 'pre-line' }, i.note) : null)));
}

function fileCard() {
  if (!doc.sha256) return card('doc-file', 'Tệp văn bản', el('p', { class: 'muted' }, 'Văn bản không kèm tệp.'));
  return card('doc-file', 'Tệp văn bản',
    el('p', {}, el('a', { class: 'btn btn-secondary', id: 'doc-pdf', href: `/api/v1/documents/${api.seg(doc.id)}/file`, target: '_blank', rel: 'noopener' }, 'Xem văn bản (PDF)'),
      ' ', el('span', { class: 'muted small' }, formatSize(doc.size))),
    el('div', { id: 'signature', 'aria-live': 'polite' }, el('p', { class: 'muted' }, 'Đang kiểm tra chữ ký số…')));
}

function historyCard() {
  return card('doc-history', 'Quá trình xử lý',
    el('ol', { class: 'timeline', id: 'history' }, inc().history.map((h) => el('li', { dataset: { code: h.code } },
      el('span', { class: 'when' }, secondsDateTime(h.at)),
      el('span', { class: 'what' }, `${h.code} · ${h.code === '01' ? 'Văn bản đến' : (STATUSES[h.status] || [, h.status])[1]}`),
      h.by ? el('div', { class: 'note' }, h.by.name) : null,
      h.note ? el('div', { class: 'note' }, h.note) : null))));
}

/** The steps this officer may take now (the server decides in the end). */
function allowed() {
  const s = inc().status;
  const out = [];
  if (s === 'arrived' && holds(RECEIVE_ROLES)) out.push('register', 'refuse');
  if (['registered', 'assigned'].includes(s) && holds(ASSIGN_ROLES)) out.push('assign');
  if (s === 'assigned' && holds(HANDLE_ROLES)) out.push('start');
  if (['assigned', 'handling'].includes(s) && holds(HANDLE_ROLES)) out.push('complete');
  return out;
}

function actionsCard() {
  const can = allowed();
  if (!can.length) return null;
  const buttons = can.filter((a) => ACTIONS[a]).map((a) => el('button', {
    type: 'button', class: a === 'refuse' ? 'btn btn-secondary' : 'btn', id: 'act-' + a, onclick: () => openAction(a),
  }, ACTIONS[a].title));
  return card('actions', 'Việc cần làm',
    buttons.length ? el('div', { class: 'btn-row' }, buttons) : null,
    can.includes('assign') ? el('div', { id: 'assign-box' }, loading('Đang tải danh sách cán bộ, đơn vị…')) : null);
}

function draw() {
  const title = doc.notation || `Văn bản đến số ${doc.id}`;
  $('#crumb').textContent = title;
  document.title = `${title} – Văn bản đến – Một cửa điện tử tỉnh Thanh Hóa`;
  render($('#doc'),
    el('div', { class: 'vb-head' },
      el('p', { class: 'muted vb-kind' }, 'Văn bản đến', doc.notation ? [' · ', el('span', { id: 'doc-notation' }, doc.notation)] : null),
      el('h1', { id: 'doc-title', tabindex: '-1' }, doc.summary),
      el('p', {}, 'Trạng thái: ', statusPill(inc().status, 'in-status'))),
    el('div', { class: 'vb-grid' },
      el('div', {}, actionsCard(), metadata(), fileCard()),
      el('div', {}, historyCard())));
  if (doc.sha256) checkSignatures();
  if (allowed().includes('assign')) assignForm();
}

/* ---------------- the signature check ---------------- */

async function checkSignatures() {
  const box = $('#signature');
  try {
    const v = (await api.get(`/incoming/${api.seg(doc.id)}/verification`)).verification;
    const good = v.verdict === 'valid';
    render(box, alertBox(good ? 'success' : 'error', `Kiểm tra chữ ký số: ${v.label}`,
      v.summary ? el('p', {}, v.summary) : null,
      el('ul', { id: 'signatures' }, (v.signatures || []).map((s) => el('li', {},
        el('strong', {}, s.signer || s.organisation || 'Chữ ký'), s.organisation && s.signer ? ` (${s.organisation})` : '',
        ` – ${s.label}`, s.signing_time ? `, ký lúc ${shortDateTime(s.signing_time)}` : ''))),
      good || inc().status !== 'arrived' ? null : el('p', {}, 'Chữ ký không xác thực được: văn thư có thể trả lại văn bản cho nơi gửi.')));
    box.firstChild.id = 'signature-result';
    box.firstChild.dataset.verdict = v.verdict;
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render(box, alertBox('warn', 'Chưa kiểm tra được chữ ký số', el('p', {}, err.message)));
  }
}

/* ---------------- the leader's assignment ---------------- */

function options(list, selected, label) {
  return list.map((x) => el('option', { value: String(x.id), selected: selected.includes(x.id) || null }, label(x)));
}

async function assignForm() {
  let choices;
  try {
    choices = await api.get(`/incoming/${api.seg(doc.id)}/assignees`);
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render($('#assign-box'), alertBox('error', 'Không tải được danh sách cán bộ, đơn vị', el('p', {}, err.message)));
    return;
  }
  const i = inc();
  const leadKind = i.lead_unit && !i.lead ? 'unit' : 'officer';
  const radio = (value, text) => el('label', { class: 'choice' },
    el('input', { type: 'radio', name: 'lead_kind', value, checked: value === leadKind || null }), ' ', text);
  const officerField = el('div', { class: 'field', id: 'lead-officer-field' },
    el('label', { for: 'lead-officer' }, 'Cán bộ chủ trì'),
    el('p', { class: 'field-error', id: 'lead_account_id-error', 'aria-live': 'polite' }),
    el('select', { id: 'lead-officer', name: 'lead_account_id', 'aria-describedby': 'lead_account_id-error' },
      el('option', { value: '' }, '— Chọn cán bộ —'), options(choices.officers, i.lead ? [i.lead.id] : [], (x) => x.name)));
  const unitField = el('div', { class: 'field', id: 'lead-unit-field' },
    el('label', { for: 'lead-unit' }, 'Đơn vị chủ trì'),
    el('p', { class: 'field-error', id: 'lead_unit_id-error', 'aria-live': 'polite' }),
    el('select', { id: 'lead-unit', name: 'lead_unit_id', 'aria-describedby': 'lead_unit_id-error' },
      el('option', { value: '' }, '— Chọn đơn vị —'), options(choices.units, i.lead_unit ? [i.lead_unit.id] : [], (x) => x.name)));
  const multi = (idName, name, label, list, sel, text) => el('div', { class: 'field' },
    el('label', { for: idName }, label),
    el('span', { class: 'hint', id: idName + '-hint' }, 'Giữ phím Ctrl để chọn nhiều; có thể bỏ trống.'),
    el('p', { class: 'field-error', id: name + '-error', 'aria-live': 'polite' }),
    el('select', { id: idName, name, multiple: true, size: String(Math.min(5, Math.max(2, list.length))), 'aria-describedby': `${idName}-hint ${name}-error` },
      options(list, sel, text)));
  const form = el('form', { id: 'assign-form', novalidate: true },
    i.status === 'assigned' ? null : el('h3', {}, 'Phân công xử lý'),
    el('div', { class: 'form-errors', hidden: true }),
    el('fieldset', { class: 'field' }, el('legend', {}, 'Giao chủ trì cho'), radio('officer', 'Một cán bộ'), ' ', radio('unit', 'Một đơn vị')),
    officerField, unitField,
    multi('support-officers', 'support_account_ids', 'Cán bộ phối hợp', choices.officers, i.support_accounts.map((x) => x.id), (x) => x.name),
    multi('support-units', 'support_unit_ids', 'Đơn vị phối hợp', choices.units, i.support_units.map((x) => x.id), (x) => x.name),
    el('div', { class: 'field' },
      el('label', { for: 'instruction' }, 'Ý kiến chỉ đạo'),
      el('p', { class: 'field-error', id: 'instruction-error', 'aria-live': 'polite' }),
      el('textarea', { id: 'instruction', name: 'instruction', rows: '3', maxlength: String(TEXT_MAX), 'aria-describedby': 'instruction-error' }, i.instruction || '')),
    el('div', { class: 'field' },
      el('label', { for: 'deadline' }, 'Hạn xử lý ', el('span', { class: 'req', 'aria-hidden': 'true' }, '*')),
      el('p', { class: 'field-error', id: 'deadline-error', 'aria-live': 'polite' }),
      el('input', { type: 'date', id: 'deadline', name: 'deadline', 'aria-required': 'true', 'aria-describedby': 'deadline-error', value: i.deadline || vnDay(7) })),
    el('button', { class: 'btn', type: 'submit', id: 'assign-submit' }, 'Giao xử lý'));
  const sync = () => {
    const unit = form.lead_kind.value === 'unit';
    officerField.hidden = unit;
    unitField.hidden = !unit;
  };
  form.addEventListener('change', (e) => { if (e.target.name === 'lead_kind') sync(); });
  sync();
  form.addEventListener('submit', submitAssign);
  // Once assigned, reassigning is the exception: the form stays folded until asked for.
  render($('#assign-box'), i.status === 'assigned'
    ? el('details', { id: 'reassign' }, el('summary', {}, 'Phân công lại (đổi nơi chủ trì, phối hợp, hạn xử lý)'), form)
    : form);
}

async function submitAssign(e) {
  e.preventDefault();
  const form = e.currentTarget;
  const unit = form.lead_kind.value === 'unit';
  const lead = unit ? form.lead_unit_id.value : form.lead_account_id.value;
  const errors = [];
  if (!lead) errors.push({ field: unit ? 'lead_unit_id' : 'lead_account_id', message: unit ? 'Vui lòng chọn đơn vị chủ trì' : 'Vui lòng chọn cán bộ chủ trì' });
  if (!form.deadline.value) errors.push({ field: 'deadline', message: 'Vui lòng chọn hạn xử lý' });
  if (errors.length) { showFieldErrors(form, errors, 'Chưa đủ thông tin'); return; }
  clearErrors(form);
  const ids = (sel) => [...sel.selectedOptions].map((o) => Number(o.value));
  const body = {
    [unit ? 'lead_unit_id' : 'lead_account_id']: Number(lead),
    support_account_ids: ids(form.support_account_ids),
    support_unit_ids: ids(form.support_unit_ids),
    instruction: form.instruction.value.trim(),
    deadline: form.deadline.value,
  };
  const restore = busy($('#assign-submit'), 'Đang giao…');
  try {
    doc = (await api.post(`/incoming/${api.seg(doc.id)}/assign`, body)).document;
  } catch (err) {
    restore();
    if (err.status === 401) { goLogin(); return; }
    if (err.status === 409 || err.status === 404) { await reload(); pageAlert('error', 'Không giao được văn bản', el('p', {}, err.message)); return; }
    const field = ['lead_account_id', 'lead_unit_id', 'deadline', 'instruction', 'support_account_ids', 'support_unit_ids'].includes(err.field) ? err.field : null;
    showFieldErrors(form, [{ field, message: err.message }], 'Không giao được văn bản');
    return;
  }
  draw();
  pageAlert('success', 'Đã giao xử lý', el('p', {}, 'Chủ trì: ', el('strong', {}, inc().lead ? inc().lead.name : inc().lead_unit.name), '; hạn xử lý ', dayText(inc().deadline), '.'));
}

/* ---------------- the confirmation dialog ---------------- */

async function reload() {
  try {
    doc = (await api.get(`/incoming/${api.seg(id())}`)).document;
    draw();
    return true;
  } catch (err) {
    if (err.status === 401) { goLogin(); return false; }
    render($('#doc'), alertBox('error', err.status === 404 ? 'Không tìm thấy văn bản' : 'Không tải được văn bản', el('p', {}, err.message)));
    return false;
  }
}

function openAction(a) {
  current = a;
  openStepDialog(ACTIONS[a], `${doc.notation || 'Văn bản đến số ' + doc.id} · ${doc.summary}`);
}

async function submitAction(e) {
  e.preventDefault();
  const act = ACTIONS[current];
  const form = $('#action-form');
  const body = {};
  if (act.field) {
    const v = stepDialogText(act);
    if (v === null) return;
    if (v) body[act.field] = v;
  }
  clearErrors(form);
  const restore = busy($('#action-confirm'), 'Đang thực hiện…');
  try {
    doc = (await api.post(`/incoming/${api.seg(doc.id)}/${act.path}`, body)).document;
  } catch (err) {
    restore();
    if (err.status === 401) { goLogin(); return; }
    if (err.status === 409 || err.status === 404) {
      $('#action-dialog').close();
      await reload();
      pageAlert('error', `Không thực hiện được “${act.title}”`, el('p', {}, err.message), el('p', { class: 'small' }, 'Trang đã tải lại trạng thái mới nhất của văn bản.'));
      return;
    }
    showFieldErrors(form, [{ field: err.field === act.field ? 'step-text' : null, message: err.message }], `Không thực hiện được “${act.title}”`);
    return;
  }
  restore();
  $('#action-dialog').close();
  draw();
  pageAlert('success', `Đã thực hiện: ${act.title}`,
    el('p', {}, 'Trạng thái hiện tại: ', el('strong', {}, $('#in-status').textContent), inc().number ? ['. Số đến: ', el('strong', { id: 'ok-number' }, String(inc().number))] : null, '.'));
}

async function main() {
  who = await initStaff('incoming');
  if (!who) return;
  $('#action-form').addEventListener('submit', submitAction);
  $('#action-cancel').addEventListener('click', () => $('#action-dialog').close());
  if (!id()) { render($('#doc'), alertBox('error', 'Không tìm thấy văn bản', el('p', {}, 'Địa chỉ trang thiếu mã văn bản.'))); return; }
  render($('#doc'), loading('Đang tải văn bản…'));
  await reload();
}

main();
