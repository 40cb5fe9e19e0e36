// can-bo/van-ban-so.js: a unit's registers of official documents (sổ đăng ký văn bản đi /
// đến, Decree 30/2020 Appendix IV): choose the unit, the year and the register; the lines come
// from GET /documents/registers (by number), and the printouts (PDF, XLSX, CSV) are links to
// GET /documents/registers/print, which the browser downloads with the session's cookie.
// The choice lives in the URL (?don-vi=&nam=&so=di|den) so a clerk can bookmark it.

import * as api from '../api.js';
import { $, el, render, loading, alertBox, goLogin } from '../ui.js';
import { initStaff } from './shell.js';
import { documentUrl, dayText } from './van-ban-common.js';

const thisYear = () => Number(new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 4));
const COLUMNS = {
  out: ['Số, ký hiệu', 'Ngày văn bản', 'Trích yếu', 'Người ký', 'Nơi nhận'],
  in: ['Số đến', 'Ngày đến', 'Số, ký hiệu', 'Trích yếu', 'Nơi gửi'],
};

let units = [];

function choice() {
  return {
    unit: Number($('#unit').value),
    year: Number($('#year').value),
    direction: $('#pick').elements.direction.value,
  };
}

function readUrl() {
  const q = new URLSearchParams(location.search);
  const u = Number(q.get('don-vi'));
  if (units.some((x) => x.id === u)) $('#unit').value = String(u);
  const y = Number(q.get('nam'));
  if ([...$('#year').options].some((o) => Number(o.value) === y)) $('#year').value = String(y);
  $('#pick').elements.direction.value = q.get('so') === 'den' ? 'in' : 'out';
}

function writeUrl(c) {
  const q = new URLSearchParams({ 'don-vi': String(c.unit), nam: String(c.year), so: c.direction === 'in' ? 'den' : 'di' });
  history.replaceState(null, '', '/can-bo/van-ban/so?' + q);
}

function row(direction, e) {
  const open = e.document_id ? el('a', { href: documentUrl(e.document_id) }, e.summary) : e.summary;
  const cells = direction === 'out'
    ? [[e.notation, 'num nowrap'], [dayText(e.date), 'num nowrap'], [open, 'proc'], [e.signer || '', ''], [e.recipients || '', '']]
    : [[String(e.number), 'num'], [dayText(e.date), 'num nowrap'], [e.notation, 'num nowrap'], [open, 'proc'], [e.recipients || '', '']];
  return el('tr', {}, cells.map(([v, cls], i) => el('td', { class: cls, 'data-label': COLUMNS[direction][i] }, v)));
}

function downloads(c) {
  const base = `/api/v1/documents/registers/print?unit_id=${c.unit}&year=${c.year}&direction=${c.direction}&format=`;
  render($('#downloads'), el('p', { class: 'btn-row' },
    el('a', { class: 'btn btn-small', href: base + 'pdf', download: '', id: 'print-pdf' }, 'Tải bản in (PDF)'),
    el('a', { class: 'btn btn-ghost btn-small', href: base + 'xlsx', download: '', id: 'print-xlsx' }, 'Tải Excel (XLSX)'),
    el('a', { class: 'btn btn-ghost btn-small', href: base + 'csv', download: '', id: 'print-csv' }, 'Tải CSV')));
}

async function load() {
  const c = choice();
  writeUrl(c);
  const unitName = (units.find((u) => u.id === c.unit) || {}).name || '';
  const title = `Sổ đăng ký văn bản ${c.direction === 'in' ? 'đến' : 'đi'} năm ${c.year}`;
  $('#title').textContent = title;
  document.title = `${title} – ${unitName} – Một cửa điện tử tỉnh Thanh Hóa`;
  downloads(c);
  render($('#table-wrap'), loading('Đang tải sổ…'));
  try {
    const reg = await api.get(`/documents/registers?unit_id=${c.unit}&year=${c.year}&direction=${c.direction}`);
    const items = reg.items || [];
    const no = (n) => String(n).padStart(2, '0'); // as the printout's cover counts, from 01
    $('#total').textContent = items.length ? `${items.length} văn bản, từ số ${no(items[0].number)} đến số ${no(items[items.length - 1].number)}` : '';
    $('#page-alert').replaceChildren();
    render($('#table-wrap'), items.length
      ? el('table', { class: 'queue-table', id: 'register' },
        el('caption', { class: 'visually-hidden' }, `${title}, ${unitName}, theo số thứ tự`),
        el('thead', {}, el('tr', {}, COLUMNS[c.direction].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, items.map((e) => row(c.direction, e))))
      : el('div', { class: 'queue-empty', id: 'register-empty' }, el('p', {}, 'Sổ chưa có văn bản nào trong năm này.')));
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render($('#table-wrap'));
    render($('#page-alert'), alertBox('error', 'Không tải được sổ văn bản', el('p', {}, err.message)));
  }
}

async function main() {
  const who = await initStaff('documents');
  if (!who) return;
  try {
    units = (await api.get('/documents/registers/units')).items || [];
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render($('#page-alert'), alertBox('error', 'Không tải được danh sách đơn vị', el('p', {}, err.message)));
    return;
  }
  if (!units.length) {
    render($('#page-alert'), alertBox('info', 'Tài khoản không xem được sổ văn bản của đơn vị nào'));
    $('#pick').hidden = true;
    return;
  }
  render($('#unit'), ...units.map((u) => el('option', { value: String(u.id) }, u.name)));
  const y = thisYear();
  render($('#year'), ...[0, 1, 2, 3, 4].map((k) => el('option', { value: String(y - k) }, String(y - k))));
  readUrl();
  $('#pick').addEventListener('change', load);
  await load();
}

main();
