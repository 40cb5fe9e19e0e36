// can-bo/van-ban-den.js: the incoming documents' lists (văn bản đến, docs/documents.md "The
// incoming flow"), one per role in the side list: the clerk's new arrivals and registered
// ones, the leader's "to assign", the specialist's "to handle", and the overdue ones, each
// with its count. The list shown lives in the URL (?danh-sach=, ?trang=); each row links to
// the document's page, where the steps are taken.

import * as api from '../api.js';
import { $, el, render, loading, alertBox, goLogin } from '../ui.js';
import { initStaff } from './shell.js';
import { secondsDateTime, dayText } from './van-ban-common.js';
import { INCOMING_PAGE, BOXES, incomingUrl, statusPill, vnDay } from './van-ban-den-common.js';

const SIZE = 50;
let boxes = []; // the lists this officer's roles offer
let box = null;
let page = 1;
let counts = {};

const urlOf = (b, p = 1) => {
  const q = new URLSearchParams();
  if (b !== boxes[0]) q.set('danh-sach', b);
  if (p > 1) q.set('trang', String(p));
  const s = q.toString();
  return INCOMING_PAGE + (s ? '?' + s : '');
};

function readUrl() {
  const params = new URLSearchParams(location.search);
  const b = params.get('danh-sach');
  box = boxes.includes(b) ? b : boxes[0];
  page = Math.max(1, parseInt(params.get('trang') || '1', 10) || 1);
}

function drawViews() {
  render($('#views'),
    el('p', { class: 'side-title', id: 'views-title' }, 'Danh sách'),
    el('ul', { 'aria-labelledby': 'views-title' }, boxes.map((b) => el('li', {},
      el('a', {
        href: urlOf(b), id: 'box-' + b, 'aria-current': b === box ? 'page' : null, dataset: { box: b },
        onclick: (e) => { e.preventDefault(); box = b; page = 1; history.pushState(null, '', urlOf(b)); load(); },
      }, el('span', {}, BOXES[b].label),
      el('span', { class: 'count', 'aria-label': counts[b] === undefined ? null : `${counts[b]} văn bản` }, counts[b] === undefined ? '·' : String(counts[b])))))));
}

function deadlineCell(d) {
  if (!d.deadline) return el('span', { class: 'muted' }, '—');
  return el('span', { class: 'num' }, dayText(d.deadline), overdue(d) ? el('strong', {}, ' (quá hạn)') : null);
}

const overdue = (d) => ['assigned', 'handling'].includes(d.status) && d.deadline && d.deadline < vnDay();

function row(d) {
  const href = incomingUrl(d.id);
  return el('tr', { class: overdue(d) ? 'q-row is-overdue' : 'q-row', dataset: { id: String(d.id), status: d.status }, onclick: (e) => { if (!e.target.closest('a')) location.href = href; } },
    el('td', { class: 'nowrap num', 'data-label': 'Số đến' }, d.number ? String(d.number) : el('span', { class: 'muted' }, 'Chưa vào sổ')),
    el('td', { class: 'code-cell nowrap', 'data-label': 'Số, ký hiệu' }, el('span', { class: 'num vb-notation' }, d.notation || '—')),
    el('td', { class: 'proc', 'data-label': 'Trích yếu' }, el('a', { class: 'doc-open', href }, el('span', { class: 'clamp' }, d.summary))),
    el('td', { 'data-label': 'Nơi gửi' }, d.sender || '—'),
    el('td', { class: 'nowrap num', 'data-label': 'Ngày đến' }, secondsDateTime(d.arrived_at)),
    el('td', { class: 'nowrap', 'data-label': 'Hạn xử lý' }, deadlineCell(d)),
    el('td', { 'data-label': 'Trạng thái' }, statusPill(d.status)));
}

function pager(total) {
  const pages = Math.max(1, Math.ceil(total / SIZE));
  if (pages <= 1) return null;
  const go = (p) => (e) => { e.preventDefault(); page = p; history.pushState(null, '', urlOf(box, p)); load(); };
  return el('nav', { class: 'pager', 'aria-label': 'Phân trang' },
    page > 1 ? el('a', { href: urlOf(box, page - 1), onclick: go(page - 1) }, 'Trang trước') : null,
    el('span', {}, ` Trang ${page}/${pages} `),
    page < pages ? el('a', { href: urlOf(box, page + 1), onclick: go(page + 1) }, 'Trang sau') : null);
}

async function load() {
  drawViews();
  const label = BOXES[box].label;
  $('#view-title').textContent = `Văn bản đến: ${label.toLowerCase()}`;
  render($('#table-wrap'), loading('Đang tải danh sách văn bản đến…'));
  try {
    const [list, ...others] = await Promise.all([
      api.get('/incoming', { box, limit: SIZE, offset: (page - 1) * SIZE }),
      ...boxes.map((b) => api.get('/incoming', { box: b, limit: 1 })),
    ]);
    boxes.forEach((b, i) => { counts[b] = others[i].total; });
    drawViews();
    $('#total').textContent = `${list.total} văn bản`;
    document.title = `Văn bản đến – ${label} (${list.total}) – Một cửa điện tử tỉnh Thanh Hóa`;
    $('#list-alert').replaceChildren();
    render($('#table-wrap'), list.items.length
      ? [el('table', { class: 'queue-table', id: 'incoming' },
        el('caption', { class: 'visually-hidden' }, `Văn bản đến: ${label}`),
        el('thead', {}, el('tr', {}, ['Số đến', 'Số, ký hiệu', 'Trích yếu', 'Nơi gửi', 'Ngày đến', 'Hạn xử lý', 'Trạng thái'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, list.items.map(row))), pager(list.total)]
      : el('div', { class: 'queue-empty', id: 'incoming-empty' }, el('p', {}, BOXES[box].empty)));
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render($('#table-wrap'));
    render($('#list-alert'), alertBox('error', 'Không tải được danh sách văn bản đến', el('p', {}, err.message)));
  }
}

async function main() {
  const who = await initStaff('incoming');
  if (!who) return;
  const roles = new Set(who.roles.map((r) => r.role));
  boxes = Object.keys(BOXES).filter((b) => BOXES[b].roles.some((r) => roles.has(r)));
  if (!boxes.length) {
    render($('#table-wrap'), alertBox('info', 'Không có danh sách nào', el('p', {}, 'Vai trò của bạn không tham gia xử lý văn bản đến.')));
    return;
  }
  readUrl();
  $('#refresh').addEventListener('click', load);
  window.addEventListener('popstate', () => { readUrl(); load(); });
  await load();
}

main();
