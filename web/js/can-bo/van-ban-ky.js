// can-bo/van-ban-ky.js: the leader's signing queue (docs/documents.md, "Signing several at
// once"): the approved outgoing documents that name the officer as their signer, with a
// checkbox each; "Ký các văn bản đã chọn" asks once, in one dialog that lists them, then
// POST /documents/sign-batch signs them and the answer is shown per document (signed, or
// not signed with the server's reason). The queue is read from the documents' list (the
// approved ones) and each one's page (its signer): the list does not name signers.

import * as api from '../api.js';
import { $, el, render, loading, alertBox, busy, clearErrors, showFieldErrors, goLogin } from '../ui.js';
import { initStaff } from './shell.js';
import { documentUrl, secondsDateTime } from './van-ban-common.js';

const BATCH_MAX = 50; // the API's bound (DOCUMENT_BATCH_MAX)

let who = null;
let queue = []; // the documents, as GET /documents/{id} gives them
const chosen = new Set();

const selected = () => queue.filter((d) => chosen.has(d.id));

function drawButton() {
  const n = selected().length;
  const b = $('#sign-selected');
  b.disabled = n === 0;
  b.textContent = n ? `Ký các văn bản đã chọn (${n})` : 'Ký các văn bản đã chọn';
  const all = $('#check-all');
  if (all) {
    all.checked = n > 0 && n === queue.length;
    all.indeterminate = n > 0 && n < queue.length;
  }
}

function toggle(id, on) {
  if (on) chosen.add(id); else chosen.delete(id);
  drawButton();
}

function row(d) {
  const href = documentUrl(d.id);
  const box = el('input', {
    type: 'checkbox', id: `pick-${d.id}`, class: 'vb-pick', checked: chosen.has(d.id),
    'aria-label': `Chọn văn bản: ${d.summary}`,
    onchange: (e) => toggle(d.id, e.target.checked),
  });
  return el('tr', { class: 'q-row', dataset: { id: String(d.id) } },
    el('td', { class: 'vb-pick-cell' }, box),
    el('td', { 'data-label': 'Loại văn bản' }, d.type_name || d.type),
    el('td', { class: 'proc', 'data-label': 'Trích yếu' }, el('a', { class: 'doc-open', href }, el('span', { class: 'clamp' }, d.summary))),
    el('td', { 'data-label': 'Đơn vị' }, d.unit ? d.unit.name : '—'),
    el('td', { 'data-label': 'Người soạn' }, d.drafter ? d.drafter.name : '—'),
    el('td', { 'data-label': 'Độ khẩn' }, d.priority_name || '—'),
    el('td', { class: 'nowrap num', 'data-label': 'Hạn xử lý' }, d.due_at ? secondsDateTime(d.due_at) : '—'));
}

function draw() {
  $('#total').textContent = `${queue.length} văn bản`;
  document.title = `Văn bản chờ ký (${queue.length}) – Một cửa điện tử tỉnh Thanh Hóa`;
  for (const id of [...chosen]) if (!queue.some((d) => d.id === id)) chosen.delete(id);
  if (!queue.length) {
    render($('#table-wrap'), el('div', { class: 'queue-empty', id: 'queue-empty' }, el('p', {}, 'Không có văn bản nào chờ bạn ký.')));
    drawButton();
    return;
  }
  const all = el('input', {
    type: 'checkbox', id: 'check-all', 'aria-label': 'Chọn tất cả văn bản chờ ký',
    onchange: (e) => {
      for (const d of queue.slice(0, BATCH_MAX)) toggle(d.id, e.target.checked);
      if (!e.target.checked) chosen.clear();
      draw();
    },
  });
  render($('#table-wrap'), el('table', { class: 'queue-table', id: 'sign-queue' },
    el('caption', { class: 'visually-hidden' }, 'Văn bản chờ bạn ký số'),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', class: 'vb-pick-cell' }, all),
      ['Loại văn bản', 'Trích yếu', 'Đơn vị', 'Người soạn', 'Độ khẩn', 'Hạn xử lý'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, queue.map(row))));
  drawButton();
}

async function load() {
  render($('#table-wrap'), loading('Đang tải văn bản chờ ký…'));
  try {
    const list = await api.get('/documents');
    const approved = (list.items || []).filter((d) => d.direction === 'out' && d.state === 'approved');
    const docs = await Promise.all(approved.map((d) => api.get(`/documents/${api.seg(d.id)}`).then((x) => x.document)));
    queue = docs.filter((d) => d.state === 'approved' && d.signer && d.signer.id === who.account.id);
    draw();
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render($('#table-wrap'), alertBox('error', 'Không tải được văn bản chờ ký', el('p', {}, err.message)));
  }
}

function openDialog() {
  const docs = selected();
  if (!docs.length) return;
  const form = $('#sign-form');
  clearErrors(form);
  $('#sign-title').textContent = `Ký số ${docs.length} văn bản`;
  $('#sign-text').textContent = docs.length > BATCH_MAX
    ? `Mỗi lần ký tối đa ${BATCH_MAX} văn bản; hãy bỏ chọn bớt.`
    : `Ký số ${docs.length} văn bản dưới đây bằng chữ ký số cá nhân của bạn? Chữ ký được đặt ở cuối trang cuối của mỗi văn bản; văn bản đã ký chuyển sang chờ phát hành.`;
  render($('#sign-list'), docs.map((d) => el('li', { dataset: { id: String(d.id) } }, el('strong', {}, d.type_name || d.type), ' · ', d.summary)));
  $('#sign-confirm').textContent = `Ký ${docs.length} văn bản`;
  $('#sign-confirm').disabled = docs.length > BATCH_MAX;
  $('#sign-dialog').showModal();
  $('#sign-confirm').focus();
}

function showResults(res, docs) {
  const byId = Object.fromEntries(docs.map((d) => [d.id, d]));
  const items = res.results.map((x) => {
    const d = byId[x.id];
    const name = d ? d.summary : `Văn bản ${x.id}`;
    return x.result === 'signed'
      ? el('li', { dataset: { id: String(x.id), result: 'signed' } }, el('span', { class: 'ok-mark', 'aria-hidden': 'true' }, '✓ '), 'Đã ký: ', el('a', { href: documentUrl(x.id) }, name))
      : el('li', { dataset: { id: String(x.id), result: 'refused' } }, 'Không ký được: ', el('a', { href: documentUrl(x.id) }, name), ` – ${x.error.message}`);
  });
  const kind = res.refused === 0 ? 'success' : res.signed === 0 ? 'error' : 'warn';
  const title = res.refused === 0 ? `Đã ký ${res.signed} văn bản`
    : res.signed === 0 ? 'Không ký được văn bản nào đã chọn'
      : `Đã ký ${res.signed} văn bản, ${res.refused} văn bản không ký được`;
  const box = alertBox(kind, title, el('ul', { id: 'sign-results' }, items));
  box.id = 'sign-outcome';
  render($('#page-alert'), box);
  box.focus();
}

async function submit(e) {
  e.preventDefault();
  const docs = selected();
  const form = $('#sign-form');
  const restore = busy($('#sign-confirm'), 'Đang ký số…');
  // While the server signs, the dialog stays: its answer is shown when it comes.
  $('#sign-cancel').disabled = true;
  let res;
  try {
    res = await api.post('/documents/sign-batch', { ids: docs.map((d) => d.id) });
  } catch (err) {
    restore();
    $('#sign-cancel').disabled = false;
    if (err.status === 401) { goLogin(); return; }
    showFieldErrors(form, [{ field: null, message: err.message }], 'Không ký được các văn bản đã chọn');
    return;
  }
  restore();
  $('#sign-cancel').disabled = false;
  $('#sign-dialog').close();
  for (const x of res.results) if (x.result === 'signed') chosen.delete(x.id);
  await load();
  showResults(res, docs);
}

async function main() {
  who = await initStaff('documents');
  if (!who) return;
  $('#sign-selected').addEventListener('click', openDialog);
  $('#sign-form').addEventListener('submit', submit);
  $('#sign-cancel').addEventListener('click', () => $('#sign-dialog').close());
  // Escape does not close the dialog while the batch is being signed.
  $('#sign-dialog').addEventListener('cancel', (e) => { if ($('#sign-cancel').disabled) e.preventDefault(); });
  $('#refresh').addEventListener('click', load);
  await load();
}

main();
