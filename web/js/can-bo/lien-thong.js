// can-bo/lien-thong.js: the exchange message log (nhật ký liên thông, docs/exchange.md "The
// message log"): every envelope of a document or a status sent to or received from another
// node, filtered by direction, kind, state, unit, dates and notation, 20 to a page; one
// message's detail (who signed it, the verdict, the directory version, the attempts, the
// timestamp's time and authority) with the two downloads that prove it: the signed envelope as
// stored and its RFC 3161 timestamp token (`openssl ts -verify -data ... -in ... -token_in`).
// Filters and the message shown live in the URL (?q=&direction=&kind=&state=&organ=&from=&to=
// &trang=, ?id=). The API scopes the rows to the units the officer may act for.

import * as api from '../api.js';
import { $, el, render, loading, alertBox, goLogin, param, formatSize } from '../ui.js';
import { initStaff } from './shell.js';
import { documentUrl, secondsDateTime } from './van-ban-common.js';
import { incomingUrl } from './van-ban-den-common.js';
import { LOG_PAGE, MESSAGE_STATES, messageUrl, messageStatePill, statusText } from './lien-thong-common.js';

const PAGE = 20;
const FIELDS = ['q', 'direction', 'kind', 'state', 'organ', 'from', 'to'];
const DIRECTIONS = { out: 'Gửi đi', in: 'Nhận về' };
const KINDS = { document: 'Văn bản', status: 'Trạng thái' };
const BUSINESS = ['Văn bản mới', 'Thu hồi', 'Cập nhật', 'Thay thế'];

let page = 1;

function readUrl() {
  const p = new URLSearchParams(location.search);
  const form = $('#log-form');
  for (const f of FIELDS) form[f].value = p.get(f) || '';
  page = Math.max(1, Number.parseInt(p.get('trang'), 10) || 1);
}

function listUrl() {
  const form = $('#log-form');
  const p = new URLSearchParams();
  for (const f of FIELDS) {
    const v = form[f].value.trim();
    if (v) p.set(f, v);
  }
  if (page > 1) p.set('trang', String(page));
  return LOG_PAGE + (p.toString() ? '?' + p : '');
}

/** The document a row is about, as a link to its page (outgoing or incoming). */
function documentLink(m) {
  const text = m.notation || m.edxml_id || '—';
  if (!m.document_id) return el('span', { class: 'num vb-notation' }, text);
  const outgoing = (m.direction === 'out' && m.kind === 'document') || (m.direction === 'in' && m.kind === 'status');
  return el('a', { class: 'num vb-notation', href: outgoing ? documentUrl(m.document_id) : incomingUrl(m.document_id) }, text);
}

function row(m) {
  const href = messageUrl(m.id);
  const other = m.direction === 'out' ? [m.to_name || m.to_organ, m.to_organ] : [m.from_name || m.from_organ, m.from_organ];
  return el('tr', { class: 'q-row', dataset: { id: String(m.id), direction: m.direction, kind: m.kind } },
    el('td', { class: 'nowrap num', 'data-label': 'Thời gian' }, el('a', { href, class: 'msg-open' }, secondsDateTime(m.created_at))),
    el('td', { 'data-label': 'Chiều' }, DIRECTIONS[m.direction] || m.direction),
    el('td', { 'data-label': 'Gói tin' }, m.kind === 'status' ? `Trạng thái ${statusText(m.status_code)}` : KINDS[m.kind] || m.kind),
    el('td', { 'data-label': 'Văn bản' }, documentLink(m)),
    el('td', { 'data-label': m.direction === 'out' ? 'Nơi nhận' : 'Nơi gửi' }, other[0] || '—', other[0] !== other[1] ? el('div', { class: 'muted small' }, other[1]) : null),
    el('td', { 'data-label': 'Tình trạng' }, messageStatePill(m.state),
      m.direction === 'out' && m.kind === 'document' && m.last_status ? el('div', { class: 'small' }, statusText(m.last_status)) : null),
    el('td', { 'data-label': 'Dấu thời gian' }, m.timestamp ? el('span', { class: 'num' }, secondsDateTime(m.timestamp.time)) : el('span', { class: 'muted' }, 'Chưa có')));
}

function pager(total) {
  const pages = Math.max(1, Math.ceil(total / PAGE));
  if (pages <= 1) { render($('#pager')); return; }
  const go = (p) => (e) => { e.preventDefault(); page = p; history.pushState(null, '', listUrl()); load(); };
  const at = (p) => { const keep = page; page = p; const u = listUrl(); page = keep; return u; };
  render($('#pager'),
    page > 1 ? el('a', { href: at(page - 1), onclick: go(page - 1) }, 'Trang trước') : null,
    el('span', {}, ` Trang ${page}/${pages} `),
    page < pages ? el('a', { href: at(page + 1), onclick: go(page + 1) }, 'Trang sau') : null);
}

async function load() {
  const form = $('#log-form');
  const query = { limit: PAGE, offset: (page - 1) * PAGE };
  for (const f of FIELDS) if (form[f].value.trim()) query[f] = form[f].value.trim();
  render($('#table-wrap'), loading('Đang tải nhật ký liên thông…'));
  try {
    const list = await api.get('/exchange/messages', query);
    $('#page-alert').replaceChildren();
    $('#total').textContent = `${list.total} gói tin` + (list.retention_years ? ` · lưu trong ${list.retention_years} năm` : '');
    render($('#table-wrap'), list.items.length
      ? el('table', { class: 'queue-table', id: 'messages' },
        el('caption', { class: 'visually-hidden' }, 'Các gói tin liên thông, mới nhất trước'),
        el('thead', {}, el('tr', {}, ['Thời gian', 'Chiều', 'Gói tin', 'Văn bản', 'Đơn vị bên kia', 'Tình trạng', 'Dấu thời gian'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, list.items.map(row)))
      : el('div', { class: 'queue-empty', id: 'messages-empty' }, el('p', {}, 'Không có gói tin nào khớp điều kiện.')));
    pager(list.total);
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render($('#table-wrap'));
    render($('#page-alert'), alertBox('error', 'Không tải được nhật ký liên thông', el('p', {}, err.message)));
  }
}

/* ---------------- one message ---------------- */

const fact = (label, value, attrs = {}) => el('div', {}, el('dt', {}, label), el('dd', attrs, value === null || value === undefined || value === '' ? el('span', { class: 'muted' }, '—') : value));

function detail(m) {
  const base = `/api/v1/exchange/messages/${api.seg(m.id)}`;
  const title = m.kind === 'status' ? `Trạng thái ${statusText(m.status_code)}` : `Văn bản ${m.notation || m.edxml_id}`;
  return el('article', { class: 'card', id: 'message', 'aria-labelledby': 'message-title' },
    el('div', { class: 'card-title' }, el('h2', { id: 'message-title', tabindex: '-1' }, `${DIRECTIONS[m.direction] || m.direction}: ${title}`)),
    el('dl', { class: 'facts facts-2' },
      fact('Tình trạng', messageStatePill(m.state, 'message-state')),
      fact('Mã văn bản (DocumentId)', m.edxml_id, { class: 'num' }),
      fact('Văn bản', m.document_id ? documentLink(m) : null),
      fact('Trích yếu', m.summary),
      fact('Đơn vị gửi', `${m.from_name ? m.from_name + ' · ' : ''}${m.from_organ}`),
      fact('Đơn vị nhận', `${m.to_name ? m.to_name + ' · ' : ''}${m.to_organ}`),
      fact(m.direction === 'out' ? 'Nút nhận' : 'Nút gửi', m.node),
      fact('Nghiệp vụ', m.kind === 'document' ? BUSINESS[m.business] || String(m.business) : null),
      fact('Kết quả kiểm tra chữ ký', m.verdict === 'signed' ? 'Đã ký số khi gửi' : m.verdict === 'valid' ? 'Hợp lệ' : m.verdict, { id: 'message-verdict' }),
      fact('Người ký (chứng thư)', m.signer, { id: 'message-signer' }),
      fact('Phiên bản danh bạ liên thông', m.directory_version === null ? null : String(m.directory_version)),
      fact('Số lần gửi', m.direction === 'out' ? String(m.attempts) : null),
      fact('Lỗi gần nhất', m.last_error),
      m.direction === 'out' && m.kind === 'document' ? fact('Trạng thái tại nơi nhận', m.last_status ? `${statusText(m.last_status)} (${secondsDateTime(m.last_status_at)})` : null) : null,
      fact('Ghi nhật ký lúc', secondsDateTime(m.created_at)),
      fact('Cập nhật lúc', secondsDateTime(m.updated_at)),
      fact('Dấu thời gian', m.timestamp ? secondsDateTime(m.timestamp.time) : (m.timestamp_error ? `Chưa có: ${m.timestamp_error}` : 'Chưa có (đang chờ cấp)'), { id: 'message-timestamp' }),
      fact('Đơn vị cấp dấu thời gian', m.timestamp ? m.timestamp.tsa : null, { id: 'message-tsa' }),
      fact('Mã băm SHA-256 của gói tin', m.envelope_sha256, { class: 'num', id: 'message-sha' })),
    el('div', { class: 'btn-row' },
      m.envelope_sha256 ? el('a', { class: 'btn', id: 'download-envelope', href: `${base}/envelope`, download: `edxml-${m.id}.xml` },
        'Tải gói tin đã ký', m.envelope_size ? ` (${formatSize(m.envelope_size)})` : '') : null,
      m.timestamp ? el('a', { class: 'btn btn-secondary', id: 'download-timestamp', href: `${base}/timestamp`, download: `edxml-${m.id}.tst` }, 'Tải dấu thời gian (RFC 3161)') : null),
    m.timestamp ? el('p', { class: 'muted small' }, 'Kiểm tra độc lập: openssl ts -verify -data edxml-', String(m.id), '.xml -in edxml-', String(m.id),
      '.tst -token_in -CAfile <chứng thư gốc> -untrusted <chuỗi chứng thư của đơn vị cấp dấu thời gian>') : null);
}

async function showMessage(id) {
  $('#log-form').hidden = true;
  $('#intro').hidden = true;
  render($('#table-wrap'));
  render($('#pager'));
  $('#total').textContent = '';
  render($('#detail'), loading('Đang tải gói tin…'));
  try {
    const r = await api.get(`/exchange/messages/${api.seg(id)}`);
    document.title = `Gói tin liên thông số ${r.message.id} – Nhật ký liên thông – Một cửa điện tử tỉnh Thanh Hóa`;
    render($('#detail'), el('p', {}, el('a', { href: LOG_PAGE, id: 'back-to-log' }, '← Về nhật ký liên thông')), detail(r.message));
    $('#message-title').focus();
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render($('#detail'), el('p', {}, el('a', { href: LOG_PAGE }, '← Về nhật ký liên thông')),
      alertBox('error', err.status === 404 ? 'Không tìm thấy gói tin' : 'Không tải được gói tin', el('p', {}, err.message)));
  }
}

async function main() {
  if (!(await initStaff('exchange-log'))) return;
  const id = param('id');
  if (id !== null) {
    if (!/^[1-9]\d{0,9}$/.test(id)) {
      render($('#detail'), alertBox('error', 'Không tìm thấy gói tin', el('p', {}, 'Địa chỉ trang có mã gói tin không hợp lệ.')));
      return;
    }
    await showMessage(id);
    return;
  }
  const state = $('#state');
  for (const [k, [, text]] of Object.entries(MESSAGE_STATES)) state.append(el('option', { value: k }, text));
  readUrl();
  $('#log-form').addEventListener('submit', (e) => { e.preventDefault(); page = 1; history.pushState(null, '', listUrl()); load(); });
  $('#reset').addEventListener('click', () => { for (const f of FIELDS) $('#log-form')[f].value = ''; page = 1; history.pushState(null, '', listUrl()); load(); });
  window.addEventListener('popstate', () => { readUrl(); load(); });
  await load();
}

main();
