// can-bo/theo-doi.js: the leaders' follow-up board (docs/documents.md "The follow-up
// board"): per lead unit of the officer's units, the incoming documents assigned and not yet
// handled, being handled, overdue, completed on time and late, from the counters the server
// keeps with every step; filtered by the deadline's range and a state. Each figure opens the
// documents behind it below the table (the drill-down), each linking to its page. The
// filters and the open figure live in the URL (?tu-ngay, den-ngay, tinh-trang, don-vi, xem).

import * as api from '../api.js';
import { $, el, render, loading, alertBox, goLogin, showFieldErrors, clearErrors } from '../ui.js';
import { initStaff } from './shell.js';
import { dayText } from './van-ban-common.js';
import { BOARD_PAGE, BOARD_STATES, incomingUrl, statusPill } from './van-ban-den-common.js';

const COLUMNS = ['assigned', 'handling', 'overdue', 'on_time', 'late', 'total'];
const HEAD = { ...BOARD_STATES, total: 'Tổng số' };
const SHORT = { assigned: 'Chưa xử lý', handling: 'Đang xử lý', overdue: 'Quá hạn', on_time: 'Đúng hạn', late: 'Quá hạn' };
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const SIZE = 50;

const state = { from: '', to: '', filter: '', unit: null, show: '', page: 1 };
let board = null;

function urlOf(s = state) {
  const q = new URLSearchParams();
  if (s.from) q.set('tu-ngay', s.from);
  if (s.to) q.set('den-ngay', s.to);
  if (s.filter) q.set('tinh-trang', s.filter);
  if (s.unit) q.set('don-vi', String(s.unit));
  if (s.unit && s.show) q.set('xem', s.show);
  if (s.unit && s.page > 1) q.set('trang', String(s.page));
  const t = q.toString();
  return BOARD_PAGE + (t ? '?' + t : '');
}

function readUrl() {
  const p = new URLSearchParams(location.search);
  const day = (k) => (DAY.test(p.get(k) || '') ? p.get(k) : '');
  state.from = day('tu-ngay');
  state.to = day('den-ngay');
  state.filter = BOARD_STATES[p.get('tinh-trang')] ? p.get('tinh-trang') : '';
  state.unit = /^[1-9]\d{0,9}$/.test(p.get('don-vi') || '') ? Number(p.get('don-vi')) : null;
  state.show = BOARD_STATES[p.get('xem')] ? p.get('xem') : '';
  state.page = Math.max(1, parseInt(p.get('trang') || '1', 10) || 1);
  syncForm();
}

const query = () => ({ from: state.from || undefined, to: state.to || undefined });

function syncForm() {
  const f = $('#board-filter');
  f.from.value = state.from;
  f.to.value = state.to;
  f.state.value = state.filter;
}

function go(change) {
  Object.assign(state, change);
  syncForm();
  history.pushState(null, '', urlOf());
  show();
}

/* ---------------- the board ---------------- */

function figure(u, key) {
  const n = u[key];
  if (!n) return el('span', { class: 'muted' }, '0');
  const show = key === 'total' ? '' : key;
  const label = `${n} văn bản ${key === 'total' ? '' : HEAD[key].toLowerCase() + ' '}do ${u.unit.name} chủ trì`;
  return el('a', {
    href: urlOf({ ...state, unit: u.unit.id, show, page: 1 }), 'aria-label': label, dataset: { unit: String(u.unit.id), state: key },
    onclick: (e) => { e.preventDefault(); go({ unit: u.unit.id, show, page: 1 }); },
  }, String(n));
}

function drawBoard() {
  const units = board.units;
  $('#board-today').textContent = `Số liệu đến ngày ${dayText(board.today)}`;
  if (!units.length) {
    render($('#board-wrap'), el('div', { class: 'queue-empty', id: 'board-empty' },
      el('p', {}, state.from || state.to || state.filter ? 'Không có văn bản nào khớp điều kiện lọc.' : 'Chưa có văn bản đến nào được giao xử lý trong các đơn vị của bạn.')));
    return;
  }
  render($('#board-wrap'), el('table', { class: 'queue-table', id: 'board' },
    el('caption', { class: 'visually-hidden' }, 'Số văn bản đến theo đơn vị chủ trì và tình trạng xử lý'),
    // Two header rows keep the columns narrow enough for a tablet.
    el('thead', {},
      el('tr', {}, el('th', { scope: 'col', rowspan: '2' }, 'Đơn vị chủ trì'),
        el('th', { scope: 'colgroup', colspan: '3' }, 'Chưa hoàn thành'), el('th', { scope: 'colgroup', colspan: '2' }, 'Đã hoàn thành'),
        el('th', { scope: 'col', rowspan: '2', class: 'num' }, 'Tổng số')),
      el('tr', {}, COLUMNS.slice(0, 5).map((k) => el('th', { scope: 'col', class: 'num', title: HEAD[k] }, SHORT[k])))),
    el('tbody', {}, units.map((u) => el('tr', { dataset: { unit: String(u.unit.id) }, class: u.overdue ? 'is-overdue' : null },
      el('td', { class: 'proc', 'data-label': 'Đơn vị chủ trì' }, el('strong', {}, u.unit.name)),
      COLUMNS.map((k) => el('td', { class: 'num', 'data-label': HEAD[k] }, figure(u, k)))))),
    el('tfoot', {}, el('tr', { id: 'board-totals' },
      el('th', { scope: 'row' }, 'Cộng'),
      COLUMNS.map((k) => el('td', { class: 'num', 'data-label': HEAD[k] }, el('strong', {}, String(board.totals[k]))))))));
}

/* ---------------- the drill-down ---------------- */

async function drawDrill() {
  const sec = $('#drill');
  if (!state.unit) { sec.hidden = true; return; }
  sec.hidden = false;
  const u = board.units.find((x) => x.unit.id === state.unit);
  render($('#drill-wrap'), loading('Đang tải danh sách văn bản…'));
  let list;
  try {
    list = await api.get(`/incoming/board/${api.seg(state.unit)}`, { ...query(), state: state.show || undefined, limit: SIZE, offset: (state.page - 1) * SIZE });
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render($('#drill-wrap'), alertBox('error', 'Không tải được danh sách văn bản', el('p', {}, err.message)));
    return;
  }
  const name = (u && u.unit.name) || list.unit.name;
  $('#drill-title').textContent = `Văn bản do ${name} chủ trì${state.show ? ': ' + BOARD_STATES[state.show].toLowerCase() : ''}`;
  $('#drill-total').textContent = `${list.total} văn bản`;
  const pages = Math.max(1, Math.ceil(list.total / SIZE));
  const pageLink = (p, text) => el('a', { href: urlOf({ ...state, page: p }), onclick: (e) => { e.preventDefault(); go({ page: p }); } }, text);
  render($('#drill-wrap'), list.items.length
    ? [el('table', { class: 'queue-table', id: 'drill-table' },
      el('caption', { class: 'visually-hidden' }, $('#drill-title').textContent),
      el('thead', {}, el('tr', {}, ['Số đến', 'Số, ký hiệu', 'Trích yếu', 'Nơi gửi', 'Chủ trì', 'Hạn xử lý', 'Tình trạng'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, list.items.map((d) => el('tr', { class: d.overdue ? 'q-row is-overdue' : 'q-row', dataset: { id: String(d.id), state: d.state } },
        el('td', { class: 'num', 'data-label': 'Số đến' }, d.number ? String(d.number) : '—'),
        el('td', { class: 'nowrap num', 'data-label': 'Số, ký hiệu' }, d.notation || '—'),
        el('td', { class: 'proc', 'data-label': 'Trích yếu' }, el('a', { href: incomingUrl(d.id) }, d.summary)),
        el('td', { 'data-label': 'Nơi gửi' }, d.sender || '—'),
        el('td', { 'data-label': 'Chủ trì' }, d.lead ? d.lead.name : name),
        el('td', { class: 'nowrap num', 'data-label': 'Hạn xử lý' }, dayText(d.deadline), d.overdue ? el('strong', {}, ' (quá hạn)') : null),
        el('td', { 'data-label': 'Tình trạng' }, el('span', {}, BOARD_STATES[d.state] || d.state), ' ', statusPill(d.status)))))),
    pages > 1 ? el('nav', { class: 'pager', 'aria-label': 'Phân trang' },
      state.page > 1 ? pageLink(state.page - 1, 'Trang trước') : null, el('span', {}, ` Trang ${state.page}/${pages} `),
      state.page < pages ? pageLink(state.page + 1, 'Trang sau') : null) : null]
    : el('div', { class: 'queue-empty', id: 'drill-empty' }, el('p', {}, 'Không có văn bản nào.')));
}

async function show() {
  render($('#board-wrap'), loading('Đang tải số liệu…'));
  try {
    board = await api.get('/incoming/board', { ...query(), state: state.filter || undefined });
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render($('#board-wrap'));
    render($('#board-alert'), alertBox('error', 'Không tải được số liệu theo dõi', el('p', {}, err.message)));
    return;
  }
  $('#board-alert').replaceChildren();
  drawBoard();
  await drawDrill();
}

async function main() {
  const who = await initStaff('board');
  if (!who) return;
  const f = $('#board-filter');
  render(f.state, el('option', { value: '' }, 'Tất cả'), Object.entries(BOARD_STATES).map(([k, v]) => el('option', { value: k }, v)));
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    if (f.from.value && f.to.value && f.from.value > f.to.value) {
      showFieldErrors(f, [{ field: 'to', message: 'Ngày kết thúc phải sau ngày bắt đầu' }]);
      return;
    }
    clearErrors(f);
    go({ from: f.from.value, to: f.to.value, filter: f.state.value, unit: null, show: '', page: 1 });
  });
  $('#board-clear').addEventListener('click', () => go({ from: '', to: '', filter: '', unit: null, show: '', page: 1 }));
  window.addEventListener('popstate', () => { readUrl(); show(); });
  readUrl();
  await show();
}

main();
