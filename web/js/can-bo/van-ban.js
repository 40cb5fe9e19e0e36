// can-bo/van-ban.js: the unit's outgoing documents (văn bản đi): the list the API gives (the
// documents of the units where the officer holds document.read, newest first), filtered by
// state in the side list with each state's count, the type's name from the API's types, and
// a link to each document's page. The filter lives in the URL (?trang-thai=).

import * as api from '../api.js';
import { $, el, render, loading, alertBox, goLogin } from '../ui.js';
import { initStaff } from './shell.js';
import { LIST_PAGE, REVIEW_ROLES, STATES, documentUrl, statePill, secondsDateTime } from './van-ban-common.js';

// The filters, in the order of the flow; "all" first.
const FILTERS = ['all', 'draft', 'in_review', 'returned', 'approved', 'signed', 'issued'];
const EMPTY = {
  all: 'Đơn vị chưa có văn bản đi nào.',
  draft: 'Không có văn bản nào đang là dự thảo.',
  in_review: 'Không có văn bản nào chờ duyệt.',
  returned: 'Không có văn bản nào bị trả lại.',
  approved: 'Không có văn bản nào chờ ký.',
  signed: 'Không có văn bản nào chờ phát hành.',
  issued: 'Chưa có văn bản nào được phát hành.',
};

let filter = 'all';
let items = [];
let types = {};

const label = (f) => (f === 'all' ? 'Tất cả' : STATES[f][1]);
const urlOf = (f) => LIST_PAGE + (f === 'all' ? '' : '?trang-thai=' + encodeURIComponent(f));

function readUrl() {
  const f = new URLSearchParams(location.search).get('trang-thai');
  filter = FILTERS.includes(f) ? f : 'all';
}

function drawViews() {
  const count = (f) => (f === 'all' ? items.length : items.filter((d) => d.state === f).length);
  render($('#views'),
    el('p', { class: 'side-title', id: 'views-title' }, 'Trạng thái'),
    el('ul', { 'aria-labelledby': 'views-title' }, FILTERS.map((f) => el('li', {},
      el('a', {
        href: urlOf(f), 'aria-current': f === filter ? 'page' : null, dataset: { filter: f },
        onclick: (e) => { e.preventDefault(); filter = f; history.pushState(null, '', urlOf(f)); draw(); },
      }, el('span', {}, label(f)), el('span', { class: 'count', 'aria-label': `${count(f)} văn bản` }, String(count(f))))))));
}

function row(d) {
  const t = types[d.type];
  const href = documentUrl(d.id);
  return el('tr', { class: 'q-row', dataset: { id: String(d.id), state: d.state }, onclick: (e) => { if (!e.target.closest('a')) location.href = href; } },
    el('td', { class: 'code-cell nowrap', 'data-label': 'Số, ký hiệu' },
      d.notation ? el('span', { class: 'num vb-notation' }, d.notation) : el('span', { class: 'muted' }, 'Chưa cấp số')),
    el('td', { 'data-label': 'Loại văn bản' }, t ? t.name : d.type),
    el('td', { class: 'proc', 'data-label': 'Trích yếu' }, el('a', { class: 'doc-open', href }, el('span', { class: 'clamp' }, d.summary))),
    el('td', { class: 'nowrap num', 'data-label': 'Cập nhật' }, secondsDateTime(d.updated_at)),
    el('td', { 'data-label': 'Trạng thái' }, statePill(d.state)));
}

function draw() {
  drawViews();
  const shown = filter === 'all' ? items : items.filter((d) => d.state === filter);
  $('#view-title').textContent = filter === 'all' ? 'Văn bản đi' : `Văn bản đi: ${label(filter).toLowerCase()}`;
  $('#total').textContent = `${shown.length} văn bản`;
  document.title = `Văn bản đi${filter === 'all' ? '' : ' – ' + label(filter)} (${shown.length}) – Một cửa điện tử tỉnh Thanh Hóa`;
  render($('#table-wrap'), shown.length
    ? el('table', { class: 'queue-table', id: 'documents' },
      el('caption', { class: 'visually-hidden' }, 'Danh sách văn bản đi, mới cập nhật trước'),
      el('thead', {}, el('tr', {}, ['Số, ký hiệu', 'Loại văn bản', 'Trích yếu', 'Cập nhật', 'Trạng thái'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, shown.map(row)))
    : el('div', { class: 'queue-empty', id: 'documents-empty' }, el('p', {}, EMPTY[filter])));
}

async function load() {
  render($('#table-wrap'), loading('Đang tải danh sách văn bản…'));
  try {
    const [list, t, drafting] = await Promise.all([api.get('/documents'), api.get('/documents/types'), api.get('/documents/drafting')]);
    // "Soạn văn bản" for an officer who drafts for some unit.
    $('#new-draft').hidden = !(drafting.units || []).length;
    items = (list.items || []).filter((d) => d.direction === 'out');
    types = Object.fromEntries((t.types || []).map((x) => [x.code, x]));
    $('#list-alert').replaceChildren();
    draw();
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render($('#table-wrap'));
    render($('#list-alert'), alertBox('error', 'Không tải được danh sách văn bản', el('p', {}, err.message)));
  }
}

async function main() {
  const who = await initStaff('documents');
  if (!who) return;
  // The signing queue, for roles that sign (data/roles.json: document.sign).
  $('#sign-queue').hidden = !who.roles.some((r) => REVIEW_ROLES.has(r.role));
  readUrl();
  $('#refresh').addEventListener('click', load);
  window.addEventListener('popstate', () => { readUrl(); draw(); });
  await load();
}

main();
