// can-bo/queue.js: the desk's queue. Views with counts from the API, search by
// code or applicant name, a dense table with overdue rows marked, paging, and
// a quiet refresh every minute (listing.js). The view, search and page live in the URL.

import * as api from '../api.js';
import { $, el, render, statusBadge } from '../ui.js';
import { initStaff, roleNames, queueUrl, dossierUrl, rememberQueue, shortDateTime, isToday, span, WALKIN_ROLES } from './shell.js';
import { createListing, readPaging, pagingQuery } from './listing.js';

const VIEWS = {
  new: { label: 'Mới tiếp nhận', empty: 'Không có hồ sơ mới chờ tiếp nhận.' },
  mine: { label: 'Của tôi', empty: 'Bạn không có hồ sơ nào đang được phân công.' },
  to_assign: { label: 'Chờ phân công', empty: 'Không có hồ sơ đã tiếp nhận đang chờ phân công.' },
  approval: { label: 'Chờ phê duyệt', empty: 'Không có hồ sơ nào chờ phê duyệt.' },
  to_return: { label: 'Chờ trả kết quả', empty: 'Không có hồ sơ đã giải quyết xong chờ trả kết quả.' },
  supplement: { label: 'Chờ bổ sung', empty: 'Không có hồ sơ nào đang chờ công dân bổ sung.' },
  overdue: { label: 'Quá hạn', empty: 'Không có hồ sơ quá hạn.', tone: 'danger' },
  due_today: { label: 'Đến hạn hôm nay', empty: 'Không có hồ sơ đến hạn hôm nay.', tone: 'warn' },
  due_soon: { label: 'Sắp đến hạn', empty: 'Không có hồ sơ sắp đến hạn (2 ngày tới).' },
  active: { label: 'Đang xử lý', empty: 'Không có hồ sơ đang xử lý.' },
  all: { label: 'Tất cả', empty: 'Chưa có hồ sơ nào.' },
};
const GROUPS = [
  ['Việc cần làm', ['new', 'to_assign', 'mine', 'approval', 'to_return', 'supplement']],
  ['Theo thời hạn', ['overdue', 'due_today', 'due_soon']],
  ['Toàn bộ', ['active', 'all']],
];
const CHANNEL = { online: 'Trực tuyến', desk: 'Tại quầy', post: 'Bưu chính' };

const state = { view: 'active', q: '', page: 1, size: 50, filter: {} };

// Filters the reports' drill-down links carry (bao-cao.js): the dossiers behind a figure.
const FILTER_KEYS = ['unit', 'from', 'to', 'result', 'channel'];
const RESULT = { early: 'giải quyết trước hạn', on_time: 'giải quyết đúng hạn', late: 'giải quyết quá hạn' };

/* ---------------- URL state ---------------- */

function readUrl(defaultView) {
  const p = new URLSearchParams(location.search);
  const v = p.get('view');
  state.view = VIEWS[v] ? v : defaultView;
  state.q = (p.get('q') || '').trim().slice(0, 100);
  readPaging(p, state);
  state.filter = Object.fromEntries(FILTER_KEYS.filter((k) => p.get(k)).map((k) => [k, p.get(k).slice(0, 64)]));
}

function urlOf(s) {
  return queueUrl({ view: s.view, q: s.q, ...pagingQuery(s), ...s.filter });
}

/* ---------------- table ---------------- */

function dueCell(it, now) {
  const due = shortDateTime(it.due_at);
  if (!it.due_at) return el('td', { 'data-label': 'Hẹn trả' }, '—');
  let tag = null;
  if (it.clock === 'paused') tag = el('span', { class: 'tag tag-muted' }, 'Tạm dừng');
  else if (it.clock === 'running' && it.overdue) tag = el('span', { class: 'tag tag-danger' }, 'Quá hạn ' + span(now - new Date(it.due_at).getTime()));
  else if (it.clock === 'running' && isToday(it.due_at, now)) tag = el('span', { class: 'tag tag-warn' }, 'Đến hạn hôm nay');
  return el('td', { class: 'due nowrap' + (it.clock === 'stopped' ? ' muted' : ''), 'data-label': 'Hẹn trả' },
    el('span', { class: 'num' }, due), tag);
}

function row(it, now) {
  const href = dossierUrl(it.id);
  const cls = ['q-row'];
  if (it.overdue) cls.push('is-overdue');
  if (it.assigned_to_me) cls.push('is-mine');
  return el('tr', { class: cls.join(' '), dataset: { id: String(it.id), code: it.code, href } },
    el('td', { class: 'code-cell', 'data-label': 'Mã hồ sơ' },
      el('a', { class: 'q-code', href }, it.code),
      it.channel && it.channel !== 'online' ? el('span', { class: 'tag tag-muted', title: 'Kênh nộp hồ sơ' }, CHANNEL[it.channel] || it.channel) : null),
    el('td', { class: 'proc', 'data-label': 'Thủ tục' }, el('span', { class: 'clamp', title: it.procedure.name }, it.procedure.name)),
    el('td', { class: 'who', 'data-label': 'Người nộp' }, it.applicant_name || '—'),
    el('td', { class: 'nowrap num', 'data-label': 'Ngày nộp' }, shortDateTime(it.submitted_at)),
    dueCell(it, now),
    el('td', { 'data-label': 'Trạng thái' }, statusBadge({ code: it.status ? it.status.code : 1, name: it.state_title })),
    el('td', { class: 'unit', 'data-label': 'Đơn vị đang giữ' },
      el('span', { class: 'unit-name', title: it.current_unit ? it.current_unit.name : null }, it.current_unit ? it.current_unit.name : '—'),
      it.assigned_to_me ? el('span', { class: 'tag tag-mine' }, 'Của tôi') : null));
}

function drawTable(data) {
  const wrap = $('#table-wrap');
  const items = data.items || [];
  const now = Date.now();
  if (!items.length) {
    render(wrap, el('div', { class: 'queue-empty', id: 'queue-empty' },
      state.q ? el('p', {}, `Không tìm thấy hồ sơ nào khớp “${state.q}” trong mục ${VIEWS[state.view].label}.`) : el('p', {}, VIEWS[state.view].empty),
      state.q ? el('p', { class: 'muted small' }, 'Số bên cạnh từng mục ở cột trái cho biết mục nào có hồ sơ khớp. Tìm theo mã hồ sơ hoặc họ tên (có dấu).') : null));
    return;
  }
  // A refresh redraws the table: keep the keyboard focus on the same dossier's link.
  const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest('#queue tr[data-id]');
  const keep = focused ? focused.dataset.id : null;
  render(wrap, el('table', { class: 'queue-table', id: 'queue' },
    el('caption', { class: 'visually-hidden' }, `${VIEWS[state.view].label}: ${data.total} hồ sơ`),
    el('thead', {}, el('tr', {},
      ['Mã hồ sơ', 'Thủ tục', 'Người nộp', 'Ngày nộp', 'Hẹn trả', 'Trạng thái', 'Đơn vị đang giữ'].map((t) => el('th', { scope: 'col' }, t)))),
    el('tbody', {}, items.map((it) => row(it, now)))));
  if (keep) wrap.querySelector(`tr[data-id="${CSS.escape(keep)}"] a.q-code`)?.focus();
}

function drawHead(data) {
  const v = VIEWS[state.view];
  $('#view-title').textContent = v.label;
  $('#total').textContent = data ? `${data.total} hồ sơ` : '';
  if (document.activeElement !== $('#q')) $('#q').value = state.q; // never under the officer's typing
  $('#clear').hidden = !state.q;
  document.title = `${v.label}${data ? ` (${data.total})` : ''} – Một cửa điện tử tỉnh Thanh Hóa`;
  drawFilter();
}

/** The report's filter, said in words, with a way back to the whole queue. */
function drawFilter() {
  let bar = $('#report-filter');
  const f = state.filter;
  if (!Object.keys(f).length) { if (bar) bar.remove(); return; }
  if (!bar) {
    bar = el('div', { class: 'alert alert-info', id: 'report-filter', role: 'status' });
    $('.queue-head').after(bar);
  }
  const d = (x) => x.split('-').reverse().join('/');
  const parts = [
    f.unit ? `đơn vị tiếp nhận ${f.unit} và trực thuộc` : null,
    f.channel ? { online: 'nộp trực tuyến', desk: 'nộp trực tiếp', post: 'qua bưu chính' }[f.channel] || f.channel : null,
    f.result ? RESULT[f.result] || f.result : null,
    f.from || f.to ? `${f.result ? 'xong' : 'nộp'} ${f.from ? 'từ ' + d(f.from) : ''} ${f.to ? 'đến ' + d(f.to) : ''}`.trim() : null,
  ].filter(Boolean);
  const clear = el('a', { href: urlOf({ ...state, filter: {}, page: 1 }) }, 'Bỏ lọc');
  clear.addEventListener('click', (e) => { e.preventDefault(); go({ filter: {}, page: 1 }); });
  render(bar, 'Đang lọc theo báo cáo: ', el('strong', {}, parts.join(', ')), ' · ', clear);
}

/* ---------------- loading ---------------- */

const list = createListing({
  state,
  views: VIEWS,
  groups: GROUPS,
  noun: 'hồ sơ',
  urlOf,
  clip: (q) => q.slice(0, 100),
  fetch: (want) => api.get('/staff/dossiers', { view: want.view, q: want.q, limit: want.size, offset: (want.page - 1) * want.size, ...want.filter }),
  alert: '#queue-alert',
  loading: 'Đang tải danh sách hồ sơ…',
  failed: 'Không tải được danh sách hồ sơ',
  note: () => (state.q ? ['Số hồ sơ khớp “', el('strong', {}, state.q), '”'] : null),
  drawHead,
  drawItems: drawTable,
  onUrl: rememberQueue,
});
const { go, load } = list;

/* ---------------- events ---------------- */

function wire() {
  list.wire();
  $('#table-wrap').addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-href]');
    if (!tr || e.target.closest('a, button') || String(getSelection()) !== '') return;
    if (e.ctrlKey || e.metaKey) window.open(tr.dataset.href, '_blank', 'noopener');
    else location.href = tr.dataset.href;
  });
  window.addEventListener('popstate', () => { readUrl(state.view); rememberQueue(urlOf(state)); load(); });
  window.addEventListener('pageshow', (e) => { if (e.persisted) load({ quiet: true }); }); // back from a dossier
  document.addEventListener('visibilitychange', list.refreshIfDue);
}

/** The view an officer starts on: reception the new arrivals, a specialist their own. */
function defaultView(who) {
  const r = roleNames(who);
  if (r.has('reception')) return 'new';
  if (r.has('specialist')) return 'mine';
  return 'active';
}

async function init() {
  const who = await initStaff('queue');
  if (!who) return;
  if (who.roles.some((r) => WALKIN_ROLES.has(r.role))) $('#side-walkin').hidden = false;
  readUrl(defaultView(who));
  history.replaceState(null, '', urlOf(state));
  rememberQueue(urlOf(state));
  wire();
  load();
}

init();
