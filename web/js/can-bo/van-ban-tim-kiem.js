// can-bo/van-ban-tim-kiem.js: searching the documents of the officer's units (docs/search.md,
// docs/documents.md "Search page"): words typed with or without diacritics, filters by type,
// register (đi, đến), state, signer and date range, results ranked by the server with their
// snippet's matching words marked, and pages of 20. Everything lives in the URL (?q=&loai=
// &so=&trang-thai=&nguoi-ky=&tu=&den=&trang=), so a search can be bookmarked and Back works.
// The scope (the officer's units and those below) is the API's.

import * as api from '../api.js';
import { $, el, render, loading, alertBox, clearErrors, showFieldErrors, goLogin } from '../ui.js';
import { initStaff } from './shell.js';
import { STATES, documentUrl, dayText, statePill } from './van-ban-common.js';

const PAGE = 20;
// The URL's names of the form's fields.
const URL_NAMES = { q: 'q', type: 'loai', register: 'so', status: 'trang-thai', signer: 'nguoi-ky', from: 'tu', to: 'den' };
const REGISTERS = { 'đi': 'Sổ văn bản đi', 'đến': 'Sổ văn bản đến' };

let types = {};
let page = 1;

function readUrl() {
  const p = new URLSearchParams(location.search);
  const form = $('#search-form');
  for (const [field, name] of Object.entries(URL_NAMES)) form[field].value = p.get(name) || '';
  page = Math.max(1, Number.parseInt(p.get('trang'), 10) || 1);
}

function writeUrl(push) {
  const form = $('#search-form');
  const p = new URLSearchParams();
  for (const [field, name] of Object.entries(URL_NAMES)) {
    const v = form[field].value.trim();
    if (v) p.set(name, v);
  }
  if (page > 1) p.set('trang', String(page));
  const url = location.pathname + (p.toString() ? '?' + p : '');
  if (push) history.pushState(null, '', url); else history.replaceState(null, '', url);
}

/** The snippet's parts, the matching ones marked. */
const snippet = (parts) => (parts || []).map((s) => (s.match ? el('mark', {}, s.text) : s.text));

function result(x) {
  const t = types[x.doc_type];
  return el('li', { class: 'vb-result', dataset: { id: String(x.id) } },
    el('h3', { class: 'vb-result-title' }, el('a', { href: documentUrl(x.id) }, x.title)),
    el('p', { class: 'vb-result-meta muted small' },
      x.number ? [el('span', { class: 'vb-notation' }, x.number), ' · '] : null,
      t ? t.name : x.doc_type, ' · ', REGISTERS[x.register] || x.register, ' · ',
      `Ngày ${dayText(x.date)}`, x.signer ? ` · Người ký: ${x.signer}` : null, ' ',
      statePill(x.status)),
    x.snippet && x.snippet.length ? el('p', { class: 'vb-snippet' }, snippet(x.snippet)) : null);
}

function pager(hasMore, shown) {
  if (page === 1 && !hasMore) { render($('#pager')); return; }
  const go = (n) => { page = n; writeUrl(true); search(); };
  const from = (page - 1) * PAGE + 1;
  render($('#pager'),
    el('span', { class: 'muted', id: 'pager-range' }, `Kết quả ${from}–${from + shown - 1}`),
    el('span', { class: 'pager-ctl' },
      el('button', { class: 'btn btn-ghost btn-small', type: 'button', id: 'prev-page', disabled: page === 1, onclick: () => go(page - 1) }, 'Trang trước'),
      el('span', { class: 'muted num', id: 'pager-page' }, `Trang ${page}`),
      el('button', { class: 'btn btn-ghost btn-small', type: 'button', id: 'next-page', disabled: !hasMore, onclick: () => go(page + 1) }, 'Trang sau')));
}

async function search() {
  const form = $('#search-form');
  clearErrors(form);
  $('#page-alert').replaceChildren();
  const query = { limit: PAGE, offset: (page - 1) * PAGE };
  for (const field of Object.keys(URL_NAMES)) {
    const v = form[field].value.trim();
    if (v) query[field] = v;
  }
  render($('#results'), loading('Đang tìm…'));
  render($('#pager'));
  $('#total').textContent = '';
  let res;
  try {
    res = await api.get('/documents/search', query);
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render($('#results'));
    if (err.status === 422) {
      showFieldErrors(form, [{ field: ['q', 'type', 'register', 'status', 'signer', 'from', 'to'].includes(err.field) ? err.field : null, message: err.message }], 'Không tìm được');
      return;
    }
    render($('#page-alert'), alertBox('error', 'Không tìm được', el('p', {}, err.message)));
    return;
  }
  const items = res.items || [];
  const words = form.q.value.trim();
  $('#total').textContent = items.length
    ? (words ? `Kết quả cho “${words}”, xếp theo mức độ phù hợp` : 'Văn bản mới nhất trước')
    : '';
  document.title = `${words ? words + ' – ' : ''}Tìm kiếm văn bản – Một cửa điện tử tỉnh Thanh Hóa`;
  render($('#results'), items.length
    ? el('ol', { class: 'vb-results', id: 'result-list', start: String((page - 1) * PAGE + 1) }, items.map(result))
    : el('div', { class: 'queue-empty', id: 'results-empty' }, el('p', {}, 'Không tìm thấy văn bản nào phù hợp.')));
  pager(!!res.has_more, items.length);
}

async function main() {
  const who = await initStaff('documents');
  if (!who) return;
  try {
    const t = await api.get('/documents/types');
    types = Object.fromEntries((t.types || []).map((x) => [x.code, x]));
    render($('#type'), el('option', { value: '' }, 'Tất cả'), (t.types || []).map((x) => el('option', { value: x.code }, x.name)));
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
  }
  render($('#status'), el('option', { value: '' }, 'Tất cả'), Object.entries(STATES).map(([k, [, text]]) => el('option', { value: k }, text)));
  readUrl();
  $('#search-form').addEventListener('submit', (e) => { e.preventDefault(); page = 1; writeUrl(true); search(); });
  for (const id of ['type', 'register', 'status', 'from', 'to']) {
    $('#' + id).addEventListener('change', () => { page = 1; writeUrl(true); search(); });
  }
  $('#reset').addEventListener('click', () => {
    const form = $('#search-form');
    for (const field of Object.keys(URL_NAMES)) form[field].value = '';
    page = 1;
    writeUrl(true);
    search();
    form.q.focus();
  });
  window.addEventListener('popstate', () => { readUrl(); search(); });
  await search();
}

main();
