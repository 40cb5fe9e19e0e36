// can-bo/phan-anh.js: complaints and suggestions (phản ánh, kiến nghị) about the officer's
// units. The list: the API's views with their counts, the kind filter and a search (without
// diacritics) sent to the API, a dense table with the answer's due date and overdue items
// marked, paging, a quiet refresh every minute (listing.js). One item (?id=): its content, assigning it
// to an officer (leaders) and answering it (specialists); once answered, the answer and the
// citizen's rating. State lives in the URL.

import * as api from '../api.js';
import { $, el, render, alertBox, busy, showFieldErrors, clearErrors, goLogin } from '../ui.js';
import { initStaff, roleNames, dossierUrl, shortDateTime, isToday, span } from './shell.js';
import { createListing, readPaging, pagingQuery } from './listing.js';

const PAGE = '/can-bo/phan-anh';
const VIEWS = {
  open: { label: 'Chưa trả lời', empty: 'Không có phản ánh, kiến nghị nào chờ trả lời.' },
  to_assign: { label: 'Chờ phân công', empty: 'Không có phản ánh, kiến nghị nào chờ phân công.' },
  mine: { label: 'Giao cho tôi', empty: 'Bạn không có phản ánh, kiến nghị nào đang được giao.' },
  overdue: { label: 'Quá hạn trả lời', empty: 'Không có phản ánh, kiến nghị nào quá hạn trả lời.', tone: 'danger' },
  due_soon: { label: 'Sắp đến hạn', empty: 'Không có phản ánh, kiến nghị nào đến hạn trả lời từ nay đến hết ngày kia.', tone: 'warn' },
  answered: { label: 'Đã trả lời', empty: 'Chưa có phản ánh, kiến nghị nào được trả lời.' },
  all: { label: 'Tất cả', empty: 'Chưa có phản ánh, kiến nghị nào.' },
};
const GROUPS = [
  ['Việc cần làm', ['open', 'to_assign', 'mine']],
  ['Theo thời hạn', ['overdue', 'due_soon']],
  ['Toàn bộ', ['answered', 'all']],
];
const KIND = { complaint: 'Phản ánh', suggestion: 'Kiến nghị' };
const STATE = { received: ['new', 'Chờ phân công'], assigned: ['work', 'Đang xử lý'], answered: ['done', 'Đã trả lời'] };
const RATING = { rat_hai_long: 'Rất hài lòng', hai_long: 'Hài lòng', khong_hai_long: 'Không hài lòng' };
// Roles that may assign (dossier.assign) and answer (dossier.process), from data/roles.json;
// used only to decide which forms to offer: the server checks every request.
const ASSIGN_ROLES = new Set(['leader', 'province_admin']);
const ANSWER_ROLES = new Set(['specialist', 'province_admin']);
const ANSWER_MAX = 4000; // characters (src/feedback/feedback.h)
const Q_MAX = 100;       // characters of a search (FEEDBACK_Q_MAX)

const state = { view: 'open', kind: '', q: '', page: 1, size: 50, id: null };
let who = null;
let workingDays = null; // answer_within_working_days, from the API
let current = null;   // the item shown

/* ---------------- text ---------------- */

function textBlock(text, attrs = {}) {
  const lines = String(text || '').split(/\r?\n/);
  return el('div', { class: 'fb-text', ...attrs }, lines.flatMap((l, i) => (i ? [el('br'), l] : [l])));
}

const chars = (s) => [...s].length;
const isLate = (it, now) => it.state !== 'answered' && Date.parse(it.due_at) < now;
const kindTag = (k) => el('span', { class: 'tag tag-kind-' + k }, KIND[k] || k);
function statusPill(it) {
  const [cls, text] = STATE[it.state] || ['new', it.state];
  return el('span', { class: 'status status-' + cls, dataset: { state: it.state } }, text);
}

/* ---------------- URL state ---------------- */

function readUrl() {
  const p = new URLSearchParams(location.search);
  state.view = VIEWS[p.get('view')] ? p.get('view') : 'open';
  state.kind = KIND[p.get('loai')] ? p.get('loai') : '';
  state.q = clipQ((p.get('q') || '').trim());
  readPaging(p, state);
  const id = p.get('id') || '';
  state.id = /^[1-9]\d{0,11}$/.test(id) ? id : null;
}

function urlOf(s) {
  const q = new URLSearchParams();
  if (s.view !== 'open') q.set('view', s.view);
  if (s.kind) q.set('loai', s.kind);
  if (s.q) q.set('q', s.q);
  for (const [k, v] of Object.entries(pagingQuery(s))) if (v) q.set(k, String(v));
  if (s.id) q.set('id', s.id);
  const t = q.toString();
  return PAGE + (t ? '?' + t : '');
}

const clipQ = (q) => [...q].slice(0, Q_MAX).join('');

function show() {
  const item = !!state.id;
  $('#list-view').hidden = item;
  $('#item-view').hidden = !item;
  if (item) loadItem(state.id);
  else loadList();
}

/* ---------------- the list ---------------- */

/** What the list shows, in words: "phản ánh" with the kind filter, else "mục". */
const what = () => (state.kind ? KIND[state.kind].toLowerCase() : 'mục');

/** The words above the side views: the counts follow the kind and the search. */
function sideNote() {
  const kind = state.kind ? KIND[state.kind].toLowerCase() : '';
  return state.q ? [`Số ${kind || 'mục'} khớp “`, el('strong', {}, state.q), '”'] : state.kind ? `Chỉ tính ${kind}` : null;
}

function dueCell(it, now) {
  const due = Date.parse(it.due_at);
  const answered = it.state === 'answered';
  let tag = null;
  if (answered) tag = el('span', { class: 'tag tag-muted' }, it.on_time ? 'Trả lời đúng hạn' : 'Trả lời quá hạn');
  else if (due < now) tag = el('span', { class: 'tag tag-danger' }, 'Quá hạn ' + span(now - due));
  else if (isToday(it.due_at, now)) tag = el('span', { class: 'tag tag-warn' }, 'Đến hạn hôm nay');
  return el('td', { class: 'due nowrap' + (answered ? ' muted' : ''), 'data-label': 'Hạn trả lời' },
    el('span', { class: 'num' }, shortDateTime(it.due_at)), tag);
}

function row(it, now) {
  const href = urlOf({ ...state, id: String(it.id) });
  return el('tr', { class: 'q-row' + (isLate(it, now) ? ' is-overdue' : ''), dataset: { id: String(it.id), href } },
    el('td', { class: 'code-cell nowrap', 'data-label': 'Loại' }, kindTag(it.kind), el('span', { class: 'sub num' }, `Số ${it.id}`)),
    el('td', { class: 'proc', 'data-label': 'Tiêu đề' },
      el('a', { class: 'fb-open', href }, el('span', { class: 'clamp' }, it.subject)),
      it.sender ? el('span', { class: 'sub fb-from' }, it.sender.name) : null),
    el('td', { class: 'unit', 'data-label': 'Đơn vị' }, el('span', { class: 'unit-name', title: it.unit.name }, it.unit.name)),
    el('td', { 'data-label': 'Hồ sơ' }, it.dossier_code
      ? el('a', { class: 'fb-dossier', href: dossierUrl(it.dossier_code), title: 'Mở hồ sơ' }, it.dossier_code)
      : el('span', { class: 'muted' }, '—')),
    el('td', { class: 'nowrap num', 'data-label': 'Ngày gửi' }, shortDateTime(it.received_at)),
    dueCell(it, now),
    el('td', { 'data-label': 'Người xử lý' }, it.assignee || el('span', { class: 'muted' }, 'Chưa phân công')),
    el('td', { 'data-label': 'Trạng thái' }, statusPill(it)));
}

function drawHead(data) {
  const v = VIEWS[state.view];
  $('#view-title').textContent = 'Phản ánh, kiến nghị: ' + v.label.toLowerCase();
  $('#total').textContent = data ? `${data.total} ${what()}` : '';
  $('#kind').value = state.kind;
  if (document.activeElement !== $('#q')) $('#q').value = state.q; // never under the officer's typing
  $('#clear').hidden = !state.q;
  document.title = `${v.label}${data ? ` (${data.total})` : ''} – Phản ánh, kiến nghị – Một cửa điện tử tỉnh Thanh Hóa`;
}

function drawList(data) {
  const v = VIEWS[state.view];
  const items = data.items || [];
  const now = Date.now();
  const wrap = $('#table-wrap');
  if (!items.length) {
    const where = `trong mục ${v.label}`;
    render(wrap, el('div', { class: 'queue-empty', id: 'fb-empty' },
      state.q ? el('p', {}, `Không tìm thấy ${state.kind ? KIND[state.kind].toLowerCase() : 'phản ánh, kiến nghị'} nào khớp “${state.q}” ${where}.`)
        : el('p', {}, state.kind ? `Không có ${KIND[state.kind].toLowerCase()} nào ${where}.` : v.empty),
      state.q ? el('p', { class: 'muted small' }, 'Tìm theo tiêu đề, nội dung, tên người gửi (có dấu hoặc không dấu), mã hồ sơ hoặc số phản ánh. Số bên cạnh từng mục ở cột trái cho biết mục nào có kết quả.') : null));
    return;
  }
  const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest('#fb-table tr[data-id]');
  const keep = focused ? focused.dataset.id : null;
  render(wrap, el('table', { class: 'queue-table fb-table', id: 'fb-table' },
    el('caption', { class: 'visually-hidden' }, `${v.label}: ${data.total} phản ánh, kiến nghị, sắp theo hạn trả lời`),
    el('thead', {}, el('tr', {},
      ['Loại', 'Tiêu đề', 'Đơn vị', 'Hồ sơ', 'Ngày gửi', 'Hạn trả lời', 'Người xử lý', 'Trạng thái'].map((t) => el('th', { scope: 'col' }, t)))),
    el('tbody', {}, items.map((it) => row(it, now)))));
  if (keep) wrap.querySelector(`tr[data-id="${CSS.escape(keep)}"] a.fb-open`)?.focus();
}

const list = createListing({
  state,
  views: VIEWS,
  groups: GROUPS,
  noun: 'mục',
  urlOf,
  reset: { id: null },
  clip: clipQ,
  fetch: (want) => api.get('/staff/feedback', { view: want.view, kind: want.kind, q: want.q, limit: want.size, offset: (want.page - 1) * want.size }),
  alert: '#list-alert',
  loading: 'Đang tải danh sách…',
  failed: 'Không tải được danh sách phản ánh, kiến nghị',
  note: sideNote,
  drawHead,
  drawItems: drawList,
  onData: (res) => { workingDays = res.answer_within_working_days || workingDays; },
  show,
  paused: () => !!state.id,
});
const { go, load: loadList } = list;

/* ---------------- one item ---------------- */

const hf = (label, ...value) => el('div', {}, el('dt', {}, label), el('dd', {}, ...value));

function dueFact(it, now) {
  const due = Date.parse(it.due_at);
  let sub;
  if (it.state === 'answered') sub = el('span', { class: 'sub' }, it.on_time ? 'Đã trả lời đúng hạn' : 'Đã trả lời quá hạn');
  else if (due < now) sub = el('span', { class: 'sub late', id: 'fb-late' }, 'Quá hạn ' + span(now - due));
  else sub = el('span', { class: 'sub' }, isToday(it.due_at, now) ? 'Đến hạn hôm nay' : 'Còn ' + span(due - now));
  return hf('Hạn trả lời', el('span', { class: 'num', id: 'fb-due' }, shortDateTime(it.due_at)), sub);
}

function head(it) {
  const now = Date.now();
  const answered = it.state === 'answered';
  return el('div', { class: 'dossier-head fb-head' + (isLate(it, now) ? ' is-late' : '') },
    el('div', { class: 'head-top' },
      el('div', { class: 'head-code' }, kindTag(it.kind), el('span', { class: 'code' }, `Số ${it.id}`)),
      el('div', { class: 'head-status' }, statusPill(it))),
    el('h1', { id: 'fb-subject', tabindex: '-1' }, it.subject),
    el('dl', { class: 'head-facts' },
      it.sender ? hf('Người gửi', el('span', { id: 'fb-sender' }, it.sender.name),
        [it.sender.phone, it.sender.email].filter(Boolean).length
          ? el('span', { class: 'sub' }, [it.sender.phone, it.sender.email].filter(Boolean).join(' · ')) : null) : null,
      hf('Đơn vị được phản ánh', it.unit.name, el('span', { class: 'sub mono' }, it.unit.code)),
      hf('Hồ sơ liên quan', it.dossier_code ? el('a', { href: dossierUrl(it.dossier_code), id: 'fb-dossier' }, it.dossier_code) : el('span', { class: 'muted' }, 'Không gắn hồ sơ')),
      hf('Ngày gửi', el('span', { class: 'num' }, shortDateTime(it.received_at))),
      dueFact(it, now),
      hf('Người xử lý', el('span', { id: 'fb-assignee' }, it.assignee || 'Chưa phân công')),
      answered ? hf('Trả lời lúc', el('span', { class: 'num' }, shortDateTime(it.answered_at))) : null));
}

function answerForm(it) {
  const input = el('textarea', { id: 'answer', name: 'answer', rows: '9', maxlength: String(ANSWER_MAX),
    'aria-required': 'true', 'aria-describedby': 'answer-hint answer-error answer-count' });
  const count = el('span', { class: 'fb-count', id: 'answer-count' });
  const update = () => { count.textContent = `${chars(input.value).toLocaleString('vi-VN')}/${ANSWER_MAX.toLocaleString('vi-VN')} ký tự`; };
  input.addEventListener('input', update);
  update();
  const send = el('button', { class: 'btn', type: 'submit', id: 'answer-send' }, 'Gửi trả lời');
  const form = el('form', { id: 'answer-form', novalidate: true },
    el('div', { class: 'form-errors', hidden: true }),
    el('div', { class: 'field' },
      el('label', { for: 'answer' }, 'Nội dung trả lời', el('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
      el('span', { class: 'hint', id: 'answer-hint' }, 'Câu trả lời được gửi ngay tới người dân và không sửa được sau khi gửi.'),
      el('p', { class: 'field-error', id: 'answer-error', 'aria-live': 'polite' }),
      input, count),
    el('div', { class: 'btn-row' }, send));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const restore = busy(send, 'Đang gửi…');
    try {
      current = await api.post(`/staff/feedback/${api.seg(it.id)}/answer`, { answer: input.value.trim() });
    } catch (err) {
      restore();
      if (err.status === 401) { goLogin(); return; }
      showFieldErrors(form, [{ field: err.field === 'answer' ? 'answer' : null, message: err.message }], 'Chưa gửi được câu trả lời');
      return;
    }
    drawItem(alertBox('success', 'Đã gửi câu trả lời tới người dân',
      el('p', {}, current.on_time ? 'Trả lời đúng hạn.' : 'Trả lời sau hạn trả lời.')));
  });
  return el('section', { class: 'card', id: 'answer-card', 'aria-labelledby': 'h-answer' },
    el('div', { class: 'card-title' }, el('h2', { id: 'h-answer' }, 'Trả lời người dân')), form);
}

function answered(it) {
  return el('section', { class: 'card', id: 'answer-card', 'aria-labelledby': 'h-answer' },
    el('div', { class: 'card-title' }, el('h2', { id: 'h-answer' }, 'Câu trả lời đã gửi')),
    textBlock(it.answer, { id: 'fb-answer' }),
    el('p', { class: 'small muted fb-rating-line', id: 'fb-rating' },
      it.rating ? ['Người dân đánh giá: ', el('strong', {}, RATING[it.rating] || it.rating)] : 'Người dân chưa đánh giá câu trả lời.'));
}

function assignCard(it) {
  const select = el('select', { id: 'assignee', name: 'assignee', 'aria-describedby': 'assignee-error', disabled: true },
    el('option', { value: '' }, 'Đang tải danh sách cán bộ…'));
  const send = el('button', { class: 'btn btn-secondary', type: 'submit', id: 'assign-send', disabled: true }, it.assignee ? 'Giao lại' : 'Giao xử lý');
  const form = el('form', { id: 'assign-form', novalidate: true },
    el('div', { class: 'form-errors', hidden: true }),
    el('div', { class: 'field' },
      el('label', { for: 'assignee' }, it.assignee ? 'Giao lại cho cán bộ' : 'Giao cho cán bộ'),
      el('p', { class: 'field-error', id: 'assignee-error', 'aria-live': 'polite' }),
      select),
    send);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!select.value) { showFieldErrors(form, [{ field: 'assignee', message: 'Vui lòng chọn cán bộ xử lý' }]); return; }
    const restore = busy(send, 'Đang giao…');
    try {
      current = await api.post(`/staff/feedback/${api.seg(it.id)}/assign`, { assignee: select.value });
    } catch (err) {
      restore();
      if (err.status === 401) { goLogin(); return; }
      showFieldErrors(form, [{ field: err.field === 'assignee' ? 'assignee' : null, message: err.message }], 'Chưa giao được');
      return;
    }
    drawItem(alertBox('success', `Đã giao cho ${current.assignee || select.selectedOptions[0].textContent}`));
  });
  // Officers who may process items of this unit (the API's assignment rule).
  api.get('/staff/officers', { unit: it.unit.code }).then((r) => {
    const list = r.items || [];
    render(select,
      el('option', { value: '' }, list.length ? '— Chọn cán bộ —' : 'Không có cán bộ xử lý nào'),
      list.map((o) => el('option', { value: o.login, selected: o.full_name === it.assignee }, `${o.full_name} (${o.login})`)));
    select.disabled = !list.length;
    send.disabled = !list.length;
  }).catch((err) => {
    render(select, el('option', { value: '' }, 'Không tải được danh sách cán bộ'));
    showFieldErrors(form, [{ field: null, message: err.message }], 'Không tải được danh sách cán bộ');
  });
  return el('section', { class: 'card', id: 'assign-card', 'aria-labelledby': 'h-assign' },
    el('div', { class: 'card-title' }, el('h2', { id: 'h-assign' }, 'Phân công xử lý')),
    el('p', { class: 'small muted' }, it.assignee ? `Đang giao: ${it.assignee}.` : 'Chưa giao cho ai.'),
    form);
}

function helpCard(days) {
  return el('section', { class: 'card fb-help', 'aria-labelledby': 'h-help' },
    el('div', { class: 'card-title' }, el('h2', { id: 'h-help' }, 'Quy trình')),
    el('ol', { class: 'small' },
      el('li', {}, 'Lãnh đạo đơn vị giao cho chuyên viên.'),
      el('li', { id: 'fb-rule' }, days ? `Chuyên viên trả lời trong ${days} ngày làm việc kể từ khi nhận.` : 'Chuyên viên trả lời trước hạn trả lời.'),
      el('li', {}, 'Người dân xem câu trả lời và đánh giá mức độ hài lòng.')));
}

/** Draw the item shown (current); notice: an alert shown on top and focused. */
function drawItem(notice) {
  const it = current;
  const roles = roleNames(who);
  const canAssign = [...roles].some((r) => ASSIGN_ROLES.has(r));
  const canAnswer = [...roles].some((r) => ANSWER_ROLES.has(r));
  const done = it.state === 'answered';
  $('#crumb').textContent = `Số ${it.id}`;
  $('#back').href = urlOf({ ...state, id: null });
  document.title = `Phản ánh, kiến nghị số ${it.id} – Một cửa điện tử tỉnh Thanh Hóa`;
  if (notice) notice.id = 'fb-ok';
  render($('#item'),
    notice || null,
    head(it),
    el('div', { class: 'dossier-grid' },
      el('div', {},
        el('section', { class: 'card', 'aria-labelledby': 'h-content' },
          el('div', { class: 'card-title' }, el('h2', { id: 'h-content' }, 'Nội dung ', (KIND[it.kind] || '').toLowerCase())),
          textBlock(it.content, { id: 'fb-content' })),
        done ? answered(it)
          : canAnswer ? answerForm(it)
            : el('p', { class: 'alert alert-info', id: 'fb-readonly' }, 'Chuyên viên xử lý của đơn vị trả lời phản ánh, kiến nghị này; vai trò của bạn được xem.')),
      el('div', { class: 'dossier-side' },
        !done && canAssign ? assignCard(it) : null,
        helpCard(it.answer_within_working_days || workingDays))));
  if (notice) notice.focus();
}

async function loadItem(id) {
  const box = $('#item');
  render(box, el('div', { class: 'loading', role: 'status' }, 'Đang tải…'));
  $('#back').href = urlOf({ ...state, id: null });
  try {
    current = await api.get(`/staff/feedback/${api.seg(id)}`);
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render(box, alertBox('error', err.status === 404 ? 'Không tìm thấy phản ánh, kiến nghị' : 'Có lỗi xảy ra', el('p', {}, err.message)));
    return;
  }
  if (state.id !== id) return; // the officer moved on
  drawItem();
  $('#fb-subject').focus();
}

/* ---------------- events ---------------- */

function wire() {
  list.wire();
  $('#kind').addEventListener('change', () => go({ kind: $('#kind').value, page: 1 }, { push: false }));
  $('#table-wrap').addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-id]');
    if (!tr || String(getSelection()) !== '') return;
    const link = e.target.closest('a');
    if (link && !link.classList.contains('fb-open')) return; // the dossier's own link
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button) { if (!link) window.open(tr.dataset.href, '_blank', 'noopener'); return; }
    e.preventDefault();
    go({ id: tr.dataset.id });
  });
  $('#back').addEventListener('click', (e) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button) return;
    e.preventDefault();
    go({ id: null });
    $('#view-title').focus();
  });
  window.addEventListener('popstate', () => { readUrl(); show(); });
}

async function init() {
  who = await initStaff('feedback');
  if (!who) return;
  readUrl();
  history.replaceState(null, '', urlOf(state));
  wire();
  show();
}

init();
