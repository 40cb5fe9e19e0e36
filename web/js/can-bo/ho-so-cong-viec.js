// can-bo/ho-so-cong-viec.js: a unit's work records (hồ sơ công việc, docs/records.md). For
// the unit and year chosen: the year's list of records (danh mục hồ sơ) with its entries, a
// form to add one while it is a draft and the leader's approval; the records of the year, each
// opened from an entry of the approved list or outside it with a reason; one record's page
// (?ho-so=) with what is filed in it, a form to file a document by its số, ký hiệu or a
// one-stop dossier by its code, closing (the drafts are taken out, the retention re-checked)
// and handing over to the archive; and the closed records due for handover. The unit, year and
// record live in the URL (?don-vi=&nam=&ho-so=). The server decides every action; its refusal
// is shown as it words it.

import * as api from '../api.js';
import { $, el, render, loading, alertBox, busy, clearErrors, showFieldErrors, goLogin, fieldBox } from '../ui.js';
import { initStaff } from './shell.js';
import { secondsDateTime, dayText } from './van-ban-common.js';

const PAGE = '/can-bo/ho-so-cong-viec';
const RECORD_STATES = { open: ['work', 'Đang lập'], closed: ['done', 'Đã kết thúc'], handed_over: ['new', 'Đã nộp lưu'] };
const DOC_STATES = {
  draft: 'Dự thảo', in_review: 'Chờ duyệt', returned: 'Trả lại', approved: 'Chờ ký', signed: 'Chờ phát hành',
  issued: 'Đã phát hành', arrived: 'Văn bản đến chưa vào sổ', registered: 'Đã vào sổ đến', refused: 'Đã trả lại nơi gửi',
  assigned: 'Đã giao xử lý', handling: 'Đang xử lý', completed: 'Đã xử lý xong',
};
const DOSSIER_STATUS = { 3: 'Không được tiếp nhận', 7: 'Công dân rút hồ sơ', 8: 'Dừng xử lý', 9: 'Đã xử lý xong', 10: 'Đã trả kết quả' };

let units = [];
let thisYear = new Date().getFullYear();
let unitId = null;
let year = null;
let recordId = null;
let current = null; // the dialog's action: {title, text, fields, send}

const pill = (map, state) => {
  const [cls, text] = map[state] || ['draft', state];
  return el('span', { class: 'status status-' + cls, dataset: { state } }, text);
};
const unit = () => units.find((u) => u.id === unitId) || {};
const card = (idName, title, ...body) => el('section', { class: 'card', id: idName, 'aria-labelledby': idName + '-h' },
  el('div', { class: 'card-title' }, el('h2', { id: idName + '-h' }, title)), ...body);
const fact = (label, value) => el('div', {}, el('dt', {}, label), el('dd', {}, value || el('span', { class: 'muted' }, '—')));

/* ---------------- the URL ---------------- */

function readUrl() {
  const q = new URLSearchParams(location.search);
  const u = Number(q.get('don-vi'));
  const y = Number(q.get('nam'));
  const r = q.get('ho-so');
  unitId = units.some((x) => x.id === u) ? u : (units[0] ? units[0].id : null);
  year = y >= 2000 && y <= 2199 ? y : thisYear;
  recordId = /^[1-9]\d{0,11}$/.test(r || '') ? Number(r) : null;
}

function urlOf(o = {}) {
  const q = new URLSearchParams();
  q.set('don-vi', String(o.unit ?? unitId));
  q.set('nam', String(o.year ?? year));
  const r = o.record === undefined ? recordId : o.record;
  if (r) q.set('ho-so', String(r));
  return PAGE + '?' + q.toString();
}

/** Moves to the page state o and loads it; resolves once it is drawn. */
function go(o) {
  history.pushState(null, '', urlOf(o));
  readUrl();
  return loadAll();
}

/* ---------------- messages ---------------- */

function pageAlert(kind, title, ...body) {
  const box = alertBox(kind, title, ...body);
  box.id = kind === 'success' ? 'action-ok' : 'action-error';
  render($('#page-alert'), box);
  box.focus();
}

function failed(err, title) {
  if (err.status === 401) { goLogin(); return; }
  pageAlert('error', title, el('p', {}, err.message));
}

/* ---------------- the year's list ---------------- */

function retentionInput(id, name, withKeep) {
  return el('select', { name },
    withKeep ? el('option', { value: '' }, 'Giữ nguyên') : null,
    el('option', { value: 'vinh_vien' }, 'Vĩnh viễn'),
    [70, 50, 20, 15, 10, 5, 2, 1].map((n) => el('option', { value: String(n), selected: !withKeep && n === 10 ? true : null }, `${n} năm`)));
}

const retentionValue = (v) => (v === '' ? undefined : v === 'vinh_vien' ? 'vinh_vien' : Number(v));

function entryForm() {
  const form = el('form', { id: 'entry-form', class: 'rec-form', novalidate: true },
    el('h3', {}, 'Thêm hồ sơ vào danh mục'),
    el('div', { class: 'form-errors', hidden: true }),
    fieldBox({ id: 'entry-code', label: 'Số và ký hiệu hồ sơ', required: true, input: el('input', { type: 'text', name: 'code', maxlength: '40', autocomplete: 'off' }) }),
    fieldBox({ id: 'entry-title', label: 'Tiêu đề hồ sơ', required: true, input: el('input', { type: 'text', name: 'title', maxlength: '500', autocomplete: 'off' }) }),
    fieldBox({ id: 'entry-retention', label: 'Thời hạn bảo quản', required: true, input: retentionInput('entry-retention', 'retention', false) }),
    el('button', { class: 'btn btn-secondary', type: 'submit', id: 'entry-add' }, 'Thêm vào danh mục'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = form.elements.code.value.trim();
    const title = form.elements.title.value.trim();
    const errs = [];
    if (!code) errs.push({ field: 'code', message: 'Vui lòng nhập số và ký hiệu hồ sơ' });
    if (!title) errs.push({ field: 'title', message: 'Vui lòng nhập tiêu đề hồ sơ' });
    if (errs.length) { showFieldErrors(form, errs); return; }
    clearErrors(form);
    const restore = busy($('#entry-add'), 'Đang lưu…');
    try {
      await api.post('/records/lists/entries', { unit_id: unitId, year, code, title, retention: retentionValue(form.elements.retention.value) });
    } catch (err) {
      restore();
      if (err.status === 401) { goLogin(); return; }
      showFieldErrors(form, [{ field: err.field, message: err.message }], 'Chưa thêm được hồ sơ vào danh mục');
      return;
    }
    await loadAll();
    pageAlert('success', 'Đã thêm hồ sơ vào danh mục', el('p', {}, `${code} – ${title}`));
  });
  return form;
}

function drawList(list) {
  const u = unit();
  const entries = (list && list.entries) || [];
  const approved = list && list.state === 'approved';
  const state = !list
    ? el('p', { class: 'muted', id: 'list-state' }, 'Đơn vị chưa lập danh mục hồ sơ năm này.')
    : el('p', { id: 'list-state' }, 'Trạng thái: ', approved
      ? [el('span', { class: 'status status-done' }, 'Đã phê duyệt'), ` bởi ${list.approved_by ? list.approved_by.name : ''}, ${secondsDateTime(list.approved_at)}`]
      : el('span', { class: 'status status-draft' }, 'Dự thảo, chờ lãnh đạo phê duyệt'));
  const table = entries.length
    ? el('div', { class: 'table-wrap' }, el('table', { class: 'queue-table', id: 'entries' },
      el('caption', { class: 'visually-hidden' }, `Danh mục hồ sơ năm ${year}`),
      el('thead', {}, el('tr', {}, ['Ký hiệu', 'Tiêu đề', 'Thời hạn bảo quản', 'Người lập', 'Hồ sơ'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, entries.map((e) => el('tr', { dataset: { entry: String(e.id) } },
        el('td', { class: 'nowrap', 'data-label': 'Ký hiệu' }, e.code),
        el('td', { 'data-label': 'Tiêu đề' }, e.title),
        el('td', { class: 'nowrap', 'data-label': 'Thời hạn bảo quản' }, e.retention),
        el('td', { 'data-label': 'Người lập' }, e.owner ? e.owner.name : '—'),
        el('td', { 'data-label': 'Hồ sơ' }, e.record_id
          ? el('a', { href: urlOf({ record: e.record_id }), onclick: (ev) => { ev.preventDefault(); go({ record: e.record_id }); } }, 'Xem hồ sơ')
          : approved && u.can_manage
            ? el('button', { type: 'button', class: 'btn btn-small', dataset: { open: String(e.id) }, 'aria-label': `Lập hồ sơ ${e.code}`, onclick: () => openFromEntry(e) }, 'Lập hồ sơ')
            : el('span', { class: 'muted' }, 'Chưa lập')))))))
    : null;
  const approve = list && !approved && u.can_approve && entries.length
    ? el('button', { type: 'button', class: 'btn', id: 'approve-list', onclick: () => openDialog({
      title: 'Phê duyệt danh mục hồ sơ',
      sub: `${u.name} · năm ${year}`,
      text: `Phê duyệt danh mục gồm ${entries.length} hồ sơ? Sau khi phê duyệt, danh mục không thêm được hồ sơ; hồ sơ phát sinh ngoài danh mục được lập kèm lý do.`,
      send: () => api.post('/records/lists/approve', { unit_id: unitId, year }),
      done: 'Đã phê duyệt danh mục hồ sơ',
    }) }, 'Phê duyệt danh mục')
    : null;
  render($('#list'), card('year-list', `Danh mục hồ sơ năm ${year}`, state, table,
    approve ? el('div', { class: 'btn-row' }, approve) : null,
    (!list || !approved) && u.can_manage && (year === thisYear || year === thisYear + 1) ? entryForm() : null));
}

/* ---------------- records ---------------- */

function adhocForm() {
  const form = el('form', { id: 'adhoc-form', novalidate: true },
    el('div', { class: 'form-errors', hidden: true }),
    fieldBox({ id: 'adhoc-code', label: 'Số và ký hiệu hồ sơ', required: true, input: el('input', { type: 'text', name: 'code', maxlength: '40', autocomplete: 'off' }) }),
    fieldBox({ id: 'adhoc-title', label: 'Tiêu đề hồ sơ', required: true, input: el('input', { type: 'text', name: 'title', maxlength: '500', autocomplete: 'off' }) }),
    fieldBox({ id: 'adhoc-retention', label: 'Thời hạn bảo quản', required: true, input: retentionInput('adhoc-retention', 'retention', false) }),
    fieldBox({ id: 'adhoc-reason', label: 'Lý do lập ngoài danh mục', required: true, input: el('textarea', { name: 'reason', rows: '2', maxlength: '1000' }) }),
    el('button', { class: 'btn btn-secondary', type: 'submit', id: 'adhoc-open' }, 'Lập hồ sơ'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = form.elements;
    const body = { unit_id: unitId, code: f.code.value.trim(), title: f.title.value.trim(), reason: f.reason.value.trim(), retention: retentionValue(f.retention.value) };
    const errs = [];
    if (!body.code) errs.push({ field: 'code', message: 'Vui lòng nhập số và ký hiệu hồ sơ' });
    if (!body.title) errs.push({ field: 'title', message: 'Vui lòng nhập tiêu đề hồ sơ' });
    if (!body.reason) errs.push({ field: 'reason', message: 'Vui lòng nêu lý do lập hồ sơ ngoài danh mục' });
    if (errs.length) { showFieldErrors(form, errs); return; }
    clearErrors(form);
    const restore = busy($('#adhoc-open'), 'Đang lập…');
    let r;
    try {
      r = await api.post('/records', body);
    } catch (err) {
      restore();
      if (err.status === 401) { goLogin(); return; }
      showFieldErrors(form, [{ field: err.field, message: err.message }], 'Chưa lập được hồ sơ');
      return;
    }
    go({ record: r.record.id, year: r.record.year });
  });
  return el('details', { class: 'rec-adhoc', id: 'adhoc' }, el('summary', {}, 'Lập hồ sơ ngoài danh mục'), form);
}

function drawRecords(items) {
  const u = unit();
  render($('#records'), card('year-records', `Hồ sơ công việc năm ${year}`,
    items.length
      ? el('div', { class: 'table-wrap' }, el('table', { class: 'queue-table', id: 'record-table' },
        el('caption', { class: 'visually-hidden' }, `Hồ sơ công việc năm ${year}, theo ký hiệu`),
        el('thead', {}, el('tr', {}, ['Ký hiệu', 'Tiêu đề', 'Thời hạn bảo quản', 'Số mục', 'Trạng thái'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, items.map((x) => el('tr', { dataset: { record: String(x.id) }, 'aria-current': x.id === recordId ? 'true' : null },
          el('td', { class: 'nowrap', 'data-label': 'Ký hiệu' }, x.code),
          el('td', { 'data-label': 'Tiêu đề' }, el('a', { href: urlOf({ record: x.id }), onclick: (ev) => { ev.preventDefault(); go({ record: x.id }); } }, x.title)),
          el('td', { class: 'nowrap', 'data-label': 'Thời hạn bảo quản' }, x.retention),
          el('td', { class: 'num', 'data-label': 'Số mục' }, String(x.items)),
          el('td', { 'data-label': 'Trạng thái' }, pill(RECORD_STATES, x.state)))))))
      : el('p', { class: 'muted', id: 'records-empty' }, 'Chưa có hồ sơ công việc nào trong năm.'),
    u.can_manage ? adhocForm() : null));
}

function openFromEntry(e) {
  openDialog({
    title: 'Lập hồ sơ theo danh mục',
    sub: `${e.code} – ${e.title}`,
    text: `Lập hồ sơ “${e.title}” (thời hạn bảo quản: ${e.retention.toLowerCase()}), ngày bắt đầu là hôm nay?`,
    send: () => api.post('/records', { unit_id: unitId, entry_id: e.id }),
    after: (r) => go({ record: r.record.id }),
  });
}

/* ---------------- one record ---------------- */

function itemRow(rec, i) {
  const open = rec.state === 'open' && unit().can_manage;
  let what, state, kind;
  if (i.kind === 'document') {
    const d = i.document;
    kind = d.direction === 'in' ? 'Văn bản đến' : 'Văn bản đi';
    what = [el('span', { class: 'nowrap' }, d.notation || 'Chưa có số'), ' – ', `${d.type_name}: ${d.summary}`];
    state = DOC_STATES[d.state] || d.state;
  } else {
    const d = i.dossier;
    kind = 'Hồ sơ một cửa';
    what = [el('span', { class: 'nowrap' }, d.code), ' – ', d.procedure];
    state = DOSSIER_STATUS[d.status_code] || d.state;
  }
  return el('tr', { dataset: { item: String(i.id), kind: i.kind } },
    el('td', { 'data-label': 'Loại' }, kind),
    el('td', { 'data-label': 'Văn bản, hồ sơ' }, what),
    el('td', { 'data-label': 'Tình trạng' }, state),
    el('td', { class: 'nowrap', 'data-label': 'Đưa vào' }, secondsDateTime(i.added_at)),
    open ? el('td', { 'data-label': 'Thao tác' }, el('button', {
      type: 'button', class: 'btn btn-ghost btn-small', 'aria-label': `Bỏ ${i.kind === 'document' ? (i.document.notation || 'dự thảo') : i.dossier.code} khỏi hồ sơ`,
      onclick: () => openDialog({
        title: 'Bỏ khỏi hồ sơ', sub: `${rec.code} – ${rec.title}`, text: 'Bỏ mục này khỏi hồ sơ công việc?',
        send: () => api.del(`/records/${api.seg(rec.id)}/items/${api.seg(i.id)}`), done: 'Đã bỏ khỏi hồ sơ',
      }),
    }, 'Bỏ')) : null);
}

function attachForm(rec) {
  const kind = el('select', { name: 'kind' },
    el('option', { value: 'notation' }, 'Văn bản (số, ký hiệu)'),
    el('option', { value: 'dossier_code' }, 'Hồ sơ một cửa (mã hồ sơ)'));
  const form = el('form', { id: 'attach-form', class: 'rec-form', novalidate: true },
    el('h3', {}, 'Đưa văn bản, hồ sơ vào hồ sơ công việc'),
    el('div', { class: 'form-errors', hidden: true }),
    fieldBox({ id: 'attach-kind', label: 'Loại', required: true, input: kind }),
    fieldBox({ id: 'attach-value', label: 'Số, ký hiệu hoặc mã hồ sơ', required: true, hint: 'Ví dụ: 12/UBND-VP, hoặc mã hồ sơ một cửa đã giải quyết xong.', input: el('input', { type: 'text', name: 'value', maxlength: '95', autocomplete: 'off' }) }),
    el('button', { class: 'btn btn-secondary', type: 'submit', id: 'attach' }, 'Đưa vào hồ sơ'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = form.elements.value.value.trim();
    if (!value) { showFieldErrors(form, [{ field: 'value', message: 'Vui lòng nhập số, ký hiệu văn bản hoặc mã hồ sơ' }]); return; }
    clearErrors(form);
    const restore = busy($('#attach'), 'Đang thêm…');
    try {
      await api.post(`/records/${api.seg(rec.id)}/items`, { [form.elements.kind.value]: value });
    } catch (err) {
      restore();
      if (err.status === 401) { goLogin(); return; }
      showFieldErrors(form, [{ field: 'value', message: err.message }], 'Chưa đưa được vào hồ sơ');
      return;
    }
    await loadAll();
    pageAlert('success', 'Đã đưa vào hồ sơ', el('p', {}, value));
  });
  return form;
}

function drawRecord(rec) {
  const u = unit();
  const items = rec.items || [];
  const removed = rec.removed || [];
  const buttons = [];
  if (rec.state === 'open' && u.can_manage) {
    buttons.push(el('button', { type: 'button', class: 'btn', id: 'close-record', onclick: () => openDialog({
      title: 'Kết thúc hồ sơ',
      sub: `${rec.code} – ${rec.title}`,
      text: 'Kết thúc hồ sơ: các văn bản còn là dự thảo (chưa phát hành, văn bản đến chưa vào sổ) sẽ được bỏ ra khỏi hồ sơ. Kiểm tra lại thời hạn bảo quản trước khi kết thúc.',
      fields: () => [
        fieldBox({ id: 'close-retention', label: `Thời hạn bảo quản (hiện tại: ${rec.retention.toLowerCase()})`, required: true, input: retentionInput('close-retention', 'retention', true) }),
        fieldBox({ id: 'close-end', label: 'Ngày kết thúc', required: true, input: el('input', { type: 'date', name: 'end_date', value: todayIso() }) }),
      ],
      send: (f) => api.post(`/records/${api.seg(rec.id)}/close`, { retention: retentionValue(f.retention.value), end_date: f.end_date.value || undefined }),
      after: (r) => closedMessage(r.record),
    }) }, 'Kết thúc hồ sơ'));
  }
  if (rec.state === 'closed' && u.can_manage) {
    buttons.push(el('button', { type: 'button', class: 'btn', id: 'handover-record', onclick: () => handoverDialog(rec) }, 'Nộp lưu'));
  }
  render($('#record-detail'), card('record', `Hồ sơ ${rec.code}`,
    el('p', { class: 'vb-kind' }, el('strong', { id: 'record-title' }, rec.title), ' ', pill(RECORD_STATES, rec.state)),
    el('dl', { class: 'facts facts-2' },
      fact('Đơn vị', rec.unit.name),
      fact('Người lập hồ sơ', rec.owner && rec.owner.name),
      fact('Thời hạn bảo quản', rec.retention_before !== null && rec.retention_before !== undefined
        ? `${rec.retention} (trước khi kết thúc: ${rec.retention_before === 0 ? 'vĩnh viễn' : rec.retention_before + ' năm'})` : rec.retention),
      fact('Theo danh mục', rec.entry_id ? 'Có' : `Ngoài danh mục – ${rec.reason}`),
      fact('Ngày bắt đầu', dayText(rec.start_date)),
      fact('Ngày kết thúc', rec.end_date ? dayText(rec.end_date) : null),
      fact('Hạn nộp lưu', rec.handover_due ? dayText(rec.handover_due) : null),
      fact('Nộp lưu', rec.handed_over_at ? `${secondsDateTime(rec.handed_over_at)}, ${rec.handed_over_by ? rec.handed_over_by.name : ''}` : null)),
    el('h3', { class: 'rec-h' }, `Văn bản, hồ sơ trong hồ sơ (${items.length})`),
    items.length
      ? el('div', { class: 'table-wrap' }, el('table', { class: 'queue-table', id: 'items' },
        el('caption', { class: 'visually-hidden' }, 'Các văn bản và hồ sơ một cửa trong hồ sơ công việc'),
        el('thead', {}, el('tr', {}, [...['Loại', 'Văn bản, hồ sơ', 'Tình trạng', 'Đưa vào'], ...(rec.state === 'open' && u.can_manage ? ['Thao tác'] : [])].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, items.map((i) => itemRow(rec, i)))))
      : el('p', { class: 'muted', id: 'items-empty' }, 'Chưa có văn bản nào trong hồ sơ.'),
    removed.length
      ? el('div', { id: 'removed' }, el('h3', { class: 'rec-h' }, 'Dự thảo đã bỏ ra khi kết thúc'),
        el('ul', {}, removed.map((i) => el('li', {}, i.document.notation || `Dự thảo: ${i.document.summary}`))))
      : null,
    rec.state === 'open' && u.can_manage ? attachForm(rec) : null,
    buttons.length ? el('div', { class: 'btn-row rec-h' }, buttons) : null,
    el('p', {}, el('a', { href: urlOf({ record: null }), onclick: (ev) => { ev.preventDefault(); go({ record: null }); } }, 'Quay lại danh sách hồ sơ'))));
}

async function closedMessage(rec) {
  const removed = rec.removed || [];
  await go({ record: rec.id }); // the record as it is now, then the message
  pageAlert('success', 'Đã kết thúc hồ sơ',
    el('p', {}, `Hạn nộp lưu: ${dayText(rec.handover_due)}.`),
    removed.length ? el('p', {}, `Đã bỏ ra ${removed.length} dự thảo: ${removed.map((i) => i.document.notation || i.document.summary).join('; ')}.`) : null);
}

function handoverDialog(rec) {
  openDialog({
    title: 'Nộp lưu hồ sơ',
    sub: `${rec.code} – ${rec.title}`,
    text: 'Nộp hồ sơ này vào lưu trữ cơ quan? Sau khi nộp lưu, hồ sơ không thay đổi được.',
    send: () => api.post(`/records/${api.seg(rec.id)}/handover`, {}),
    done: 'Đã nộp lưu hồ sơ',
  });
}

/* ---------------- due for handover ---------------- */

function drawHandover(h) {
  const items = h.items || [];
  render($('#handover'), card('handover-due', 'Hồ sơ đến hạn nộp lưu',
    items.length
      ? el('div', { class: 'table-wrap' }, el('table', { class: 'queue-table', id: 'due-table' },
        el('caption', { class: 'visually-hidden' }, 'Hồ sơ đã kết thúc, chưa nộp lưu, hạn sớm nhất trước'),
        el('thead', {}, el('tr', {}, ['Hồ sơ', 'Kết thúc', 'Hạn nộp lưu', ''].map((x) => el('th', { scope: 'col' }, x)))),
        el('tbody', {}, items.map((x) => el('tr', { dataset: { record: String(x.id), overdue: String(x.overdue) } },
          el('td', { 'data-label': 'Hồ sơ' }, el('a', { href: urlOf({ record: x.id, year: x.year }), onclick: (ev) => { ev.preventDefault(); go({ record: x.id, year: x.year }); } }, `${x.code} – ${x.title}`)),
          el('td', { class: 'nowrap', 'data-label': 'Kết thúc' }, dayText(x.end_date)),
          el('td', { class: 'nowrap', 'data-label': 'Hạn nộp lưu' }, dayText(x.due), ' ', x.overdue ? el('span', { class: 'status status-stop' }, 'Quá hạn') : null),
          el('td', {}, el('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Nộp lưu hồ sơ ${x.code}`, onclick: () => handoverDialog(x) }, 'Nộp lưu')))))))
      : el('p', { class: 'muted', id: 'due-empty' }, 'Không có hồ sơ nào chờ nộp lưu.'),
    el('p', { class: 'muted small' }, 'Hồ sơ phải nộp vào lưu trữ cơ quan trong thời hạn 01 năm kể từ ngày kết thúc.')));
}

/* ---------------- the dialog ---------------- */

function todayIso() {
  return new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
}

function openDialog(action) {
  current = action;
  const form = $('#action-form');
  clearErrors(form);
  $('#action-title').textContent = action.title;
  $('#action-sub').textContent = action.sub || '';
  render($('#action-fields'), el('p', {}, action.text), ...(action.fields ? action.fields() : []));
  $('#action-confirm').textContent = action.title;
  $('#action-dialog').showModal();
  $('#action-confirm').focus();
}

async function submitDialog(e) {
  e.preventDefault();
  const action = current;
  const form = $('#action-form');
  const restore = busy($('#action-confirm'), 'Đang thực hiện…');
  let r;
  try {
    r = await action.send(form.elements);
  } catch (err) {
    restore();
    if (err.status === 401) { goLogin(); return; }
    showFieldErrors(form, [{ field: err.field, message: err.message }], 'Chưa thực hiện được');
    return;
  }
  restore();
  $('#action-dialog').close();
  if (action.after) { action.after(r); return; }
  await loadAll();
  pageAlert('success', action.done || action.title);
}

/* ---------------- loading ---------------- */

function drawScope() {
  render($('#unit'), units.map((u) => el('option', { value: String(u.id), selected: u.id === unitId ? true : null }, u.name)));
  const years = [thisYear + 1, thisYear, thisYear - 1, thisYear - 2];
  if (!years.includes(year)) years.push(year);
  render($('#year'), years.map((y) => el('option', { value: String(y), selected: y === year ? true : null }, String(y))));
}

async function loadAll() {
  drawScope();
  if (!unitId) {
    render($('#list'), alertBox('info', 'Chưa có đơn vị', el('p', {}, 'Tài khoản của bạn không được giao lập hồ sơ công việc ở đơn vị nào.')));
    return;
  }
  render($('#records'), loading('Đang tải hồ sơ công việc…'));
  try {
    const q = { unit_id: unitId, year };
    const [l, recs, due, one] = await Promise.all([
      api.get('/records/lists', q), api.get('/records', q), api.get('/records/handover-due', { unit_id: unitId }),
      recordId ? api.get(`/records/${api.seg(recordId)}`).catch((err) => err) : null,
    ]);
    drawList(l.list);
    drawRecords(recs.items || []);
    drawHandover(due);
    if (one instanceof Error) {
      if (one.status === 401) { goLogin(); return; }
      render($('#record-detail'), alertBox('error', one.status === 404 ? 'Không tìm thấy hồ sơ công việc' : 'Không tải được hồ sơ', el('p', {}, one.message)));
    } else if (one) {
      drawRecord(one.record);
      document.title = `${one.record.code} – Hồ sơ công việc – Một cửa điện tử tỉnh Thanh Hóa`;
    } else {
      render($('#record-detail'));
      document.title = 'Hồ sơ công việc – Một cửa điện tử tỉnh Thanh Hóa';
    }
  } catch (err) {
    render($('#records'));
    failed(err, 'Không tải được hồ sơ công việc');
  }
}

async function main() {
  const who = await initStaff('records');
  if (!who) return;
  try {
    const u = await api.get('/records/units');
    units = u.items || [];
    thisYear = u.year || thisYear;
  } catch (err) {
    failed(err, 'Không tải được danh sách đơn vị');
    return;
  }
  readUrl();
  $('#unit').addEventListener('change', (e) => go({ unit: Number(e.target.value), record: null }));
  $('#year').addEventListener('change', (e) => go({ year: Number(e.target.value), record: null }));
  $('#action-cancel').addEventListener('click', () => $('#action-dialog').close());
  $('#action-form').addEventListener('submit', submitDialog);
  window.addEventListener('popstate', () => { readUrl(); loadAll(); });
  await loadAll();
}

main();
