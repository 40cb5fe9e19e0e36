// can-bo/doi-soat.js: payment reconciliation (đối soát) for a unit and every unit under it,
// over a range of local days (GET /api/v1/staff/payments/reconciliation): the payments
// confirmed in the period with totals per method, and the gateway's payments against what
// the gateway says it collected (matched, amounts that differ, paid here but unknown to the
// gateway, collected by the gateway but not paid here), and the payments officers confirmed
// at the desk or from the bank statement, each with its receipt or transaction number and the
// officer, to check against the receipt book and the statement. Every list shows at most
// 1,000 entries (the API's bound) and says when it was cut. The unit and the period live in
// the URL. Who may see it: report.read (leader, unit admin, province admin), as for reports.

import * as api from '../api.js';
import { $, el, render, alertBox, goLogin, busy } from '../ui.js';
import { dossierUrl, shortDateTime } from './shell.js';
import { startPeriodPage, vnDate } from './period.js';

const MAX_DAYS = 366; // the API's limit
const nf = new Intl.NumberFormat('vi-VN');
const money = (v) => `${nf.format(v || 0)} đồng`;
const METHOD = {
  desk: 'Nộp tại quầy',
  bank_transfer: 'Chuyển khoản (cán bộ xác nhận)',
  gateway: 'Thanh toán trực tuyến qua cổng',
};
const LOCAL_STATUS = { pending: 'Đang chờ nộp', cancelled: 'Đã hủy', paid: 'Đã nộp' };
// The methods an officer confirms, as the list names them.
const OFFICER_METHOD = { desk: 'Tại quầy', bank_transfer: 'Chuyển khoản' };
const NON_GATEWAY_TITLE = 'Nộp tại quầy, chuyển khoản';
// The API's lists, as the page names them (for the note on lists cut at 1,000 entries).
const LIST_TITLE = {
  matched: 'Khớp',
  mismatched: 'Lệch số tiền',
  missing_at_gateway: 'Đã ghi nhận nhưng cổng không có giao dịch',
  missing_locally: 'Cổng đã thu nhưng hệ thống chưa ghi nhận',
  non_gateway: NON_GATEWAY_TITLE,
};

let state = { unit: '', from: '', to: '' }; // the unit and the period (period.js keeps it)

/* ---------------- drawing ---------------- */

function kpi(id, label, value, sub, color) {
  return el('div', { class: 'rc-kpi', id, style: `--kc:${color}` },
    el('div', { class: 'k-label' }, label),
    el('span', { class: 'k-value' }, value),
    sub ? el('div', { class: 'k-sub' }, sub) : null);
}

function kpis(s) {
  return el('section', { class: 'rc-kpis', 'aria-label': 'Số liệu chính' },
    kpi('k-total', 'Tổng đã thu', money(s.total), `${nf.format(s.payments)} khoản đã nộp`, 'var(--red)'),
    kpi('k-matched', 'Khớp với cổng thanh toán', nf.format(s.matched), 'cùng giao dịch, cùng số tiền', 'var(--green)'),
    kpi('k-mismatched', 'Lệch số tiền', nf.format(s.mismatched), 'số tiền tại cổng khác số tiền đã ghi nhận', s.mismatched ? 'var(--red-dark)' : '#9aa1a9'),
    kpi('k-missing-gw', 'Không có tại cổng', nf.format(s.missing_at_gateway), 'đã ghi nhận, cổng không có giao dịch', s.missing_at_gateway ? 'var(--red-dark)' : '#9aa1a9'),
    kpi('k-missing-here', 'Cổng đã thu, chưa ghi nhận', nf.format(s.missing_locally), 'cần kiểm tra, có thể phải hoàn tiền', s.missing_locally ? 'var(--red-dark)' : '#9aa1a9'));
}

function methodTable(s) {
  const by = s.by_method || {};
  const keys = Object.keys(by).sort((a, b) => (Object.keys(METHOD).indexOf(a) + 1 || 99) - (Object.keys(METHOD).indexOf(b) + 1 || 99));
  return el('section', { class: 'card', 'aria-labelledby': 'h-methods' },
    el('div', { class: 'card-title' }, el('h2', { id: 'h-methods' }, 'Theo hình thức nộp')),
    keys.length
      ? el('table', { class: 'rc-table', id: 'by-method' },
        el('caption', { class: 'visually-hidden' }, 'Số khoản và số tiền theo hình thức nộp'),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Hình thức'), el('th', { scope: 'col', class: 'n' }, 'Số khoản'), el('th', { scope: 'col', class: 'n' }, 'Số tiền'))),
        el('tbody', {}, keys.map((k) => el('tr', { dataset: { method: k } },
          el('th', { scope: 'row' }, METHOD[k] || k), el('td', { class: 'n' }, nf.format(by[k].count)), el('td', { class: 'n' }, money(by[k].total))))),
        el('tfoot', {}, el('tr', {}, el('td', {}, 'Tổng cộng'), el('td', { class: 'n' }, nf.format(s.payments)), el('td', { class: 'n' }, money(s.total)))))
      : el('p', { class: 'rc-empty', id: 'by-method-empty' }, 'Không có khoản nào được nộp trong kỳ.'),
    el('p', { class: 'muted small', style: 'margin:10px 0 0' },
      `Khoản nộp tại quầy và chuyển khoản do cán bộ xác nhận được tính vào tổng và liệt kê ở mục “${NON_GATEWAY_TITLE}”; đối chiếu với cổng thanh toán chỉ áp dụng cho thanh toán qua cổng.`));
}

/** "Showing the first N of M": when the API cut a list. */
function cutNote(shown, total) {
  return shown < total
    ? el('p', { class: 'muted small rc-cut' }, `Chỉ hiện ${nf.format(shown)} khoản đầu trên tổng số ${nf.format(total)}; chọn kỳ ngắn hơn để xem hết.`)
    : null;
}

const dossierLink = (code) => (code ? el('a', { href: dossierUrl(code) }, code) : el('span', { class: 'muted' }, '—'));

/** One list of gateway payments; extra columns for the kind of difference. */
function list(id, title, items, total, kind) {
  const head = ['Mã thanh toán', 'Hồ sơ', 'Số tiền', kind === 'mismatched' || kind === 'missing_locally' ? 'Số tiền tại cổng' : null,
    'Mã giao dịch tại cổng', 'Thời điểm nộp', kind === 'missing_locally' ? 'Tại hệ thống' : null].filter(Boolean);
  const row = (it) => el('tr', { dataset: { reference: it.reference || '' } },
    el('td', { class: 'mono' }, it.reference || '—'),
    el('td', {}, dossierLink(it.dossier_code)),
    el('td', { class: 'n' }, it.amount !== undefined ? money(it.amount) : '—'),
    kind === 'mismatched' || kind === 'missing_locally' ? el('td', { class: 'n' + (kind === 'mismatched' ? ' bad' : '') }, money(it.gateway_amount)) : null,
    el('td', { class: 'mono' }, `${it.gateway_txn}`, el('span', { class: 'muted small' }, ` (${it.gateway})`)),
    el('td', { class: 'num' }, shortDateTime(it.paid_at)),
    kind === 'missing_locally' ? el('td', {}, it.local_status ? LOCAL_STATUS[it.local_status] || it.local_status : 'Không có khoản thanh toán này') : null);
  return el('div', { class: 'rc-list', id },
    el('h3', {}, title, el('span', { class: 'count' }, `${nf.format(total)} giao dịch`)),
    items.length
      ? el('div', { class: 'table-scroll' }, el('table', { class: 'rc-table' },
        el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col', class: /Số tiền/.test(h) ? 'n' : null }, h)))),
        el('tbody', {}, items.map(row))))
      : el('p', { class: 'rc-empty' }, 'Không có.'),
    cutNote(items.length, total));
}

/** The payments officers confirmed (desk, bank transfer), one by one, with what they wrote. */
function nonGateway(r) {
  const items = r.non_gateway || [];
  const total = r.summary.non_gateway ?? items.length;
  const by = r.summary.by_method || {};
  const sum = Object.keys(OFFICER_METHOD).reduce((a, k) => a + (by[k] ? by[k].total : 0), 0);
  const row = (it) => el('tr', { dataset: { reference: it.reference || '', method: it.method } },
    el('td', { class: 'mono' }, it.reference || '—'),
    el('td', {}, dossierLink(it.dossier_code)),
    el('td', { class: 'n' }, money(it.amount)),
    el('td', {}, OFFICER_METHOD[it.method] || it.method),
    el('td', { class: 'num' }, shortDateTime(it.paid_at)),
    el('td', { class: 'who' }, it.confirmed_by || el('span', { class: 'muted' }, '—')),
    el('td', { class: 'note' }, it.paid_note || el('span', { class: 'muted' }, 'Không ghi')));
  return el('section', { class: 'card rc-wide', id: 'list-non-gateway', 'aria-labelledby': 'h-non-gateway' },
    el('div', { class: 'card-title' }, el('h2', { id: 'h-non-gateway' }, NON_GATEWAY_TITLE,
      el('span', { class: 'count' }, `${nf.format(total)} khoản`))),
    el('p', { class: 'muted small' }, 'Các khoản cán bộ xác nhận đã nộp tại Bộ phận một cửa hoặc đã thấy trên sao kê tài khoản, theo thời điểm nộp: đối chiếu với biên lai thu phí, lệ phí và sao kê ngân hàng.'),
    items.length
      ? el('div', { class: 'table-scroll' }, el('table', { class: 'rc-table' },
        el('caption', { class: 'visually-hidden' }, 'Các khoản nộp tại quầy và chuyển khoản do cán bộ xác nhận'),
        el('thead', {}, el('tr', {}, ['Mã thanh toán', 'Hồ sơ', 'Số tiền', 'Hình thức', 'Thời điểm nộp', 'Cán bộ xác nhận', 'Biên lai, số giao dịch']
          .map((h) => el('th', { scope: 'col', class: h === 'Số tiền' ? 'n' : null }, h)))),
        el('tbody', {}, items.map(row)),
        el('tfoot', {}, el('tr', {}, el('td', { colspan: '2' }, `Tổng cộng ${nf.format(total)} khoản`), el('td', { class: 'n' }, money(sum)), el('td', { colspan: '4' })))))
      : el('p', { class: 'rc-empty' }, 'Không có.'),
    cutNote(items.length, total));
}

function draw(r) {
  const s = r.summary;
  const option = Array.from($('#unit').options).find((o) => o.value === r.unit.code);
  if (option) option.textContent = r.unit.name;
  $('#rc-unit').textContent = `${r.unit.name} và các đơn vị trực thuộc`;
  document.title = `Đối soát thanh toán ${r.unit.name} – Một cửa điện tử tỉnh Thanh Hóa`;
  render($('#meta'), 'Các khoản đã nộp từ ngày ', el('strong', {}, vnDate(r.from)), ' đến hết ngày ', el('strong', {}, vnDate(r.to)),
    ' của hồ sơ do ', el('strong', {}, r.unit.name), ` (${r.unit.code}) và các đơn vị trực thuộc tiếp nhận.`);
  render($('#recon'),
    r.truncated ? alertBox('warn', 'Danh sách quá dài',
      el('p', { id: 'truncated-lists' }, 'Chỉ hiện 1.000 khoản đầu của: ',
        (r.truncated_lists || []).map((k) => `“${LIST_TITLE[k] || k}”`).join(', ') || 'một số danh sách',
        '. Số liệu tổng vẫn đầy đủ; chọn kỳ ngắn hơn để xem hết.')) : null,
    kpis(s),
    el('div', { class: 'rc-grid' },
      methodTable(s),
      el('section', { class: 'card', 'aria-labelledby': 'h-gateway' },
        el('div', { class: 'card-title' }, el('h2', { id: 'h-gateway' }, 'Đối chiếu với cổng thanh toán')),
        list('list-mismatched', 'Lệch số tiền', r.mismatched, s.mismatched, 'mismatched'),
        list('list-missing-gw', 'Đã ghi nhận nhưng cổng không có giao dịch', r.missing_at_gateway, s.missing_at_gateway, 'missing_at_gateway'),
        list('list-missing-here', 'Cổng đã thu nhưng hệ thống chưa ghi nhận', r.missing_locally, s.missing_locally, 'missing_locally'),
        list('list-matched', 'Khớp', r.matched, s.matched, 'matched'))),
    nonGateway(r));
}

/* ---------------- loading ---------------- */

async function load() {
  // A unit below the officer's own (a link from a report) is added to the list; draw() names it.
  const select = $('#unit');
  if (!Array.from(select.options).some((o) => o.value === state.unit)) {
    select.append(el('option', { value: state.unit }, state.unit));
    $('#unit-pick').hidden = false;
    select.value = state.unit;
  }
  render($('#alert'));
  const box = $('#recon');
  box.setAttribute('aria-busy', 'true');
  render(box, el('div', { class: 'loading', role: 'status' }, 'Đang đối soát…'));
  const restore = busy($('#show'), 'Xem đối soát');
  try {
    draw(await api.get('/staff/payments/reconciliation', { unit: state.unit, from: state.from, to: state.to }));
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render(box);
    render($('#meta'));
    render($('#alert'), alertBox('error', 'Không đối soát được', el('p', {}, err.message)));
  } finally {
    restore();
    box.removeAttribute('aria-busy');
  }
}

function init() {
  $('#print').addEventListener('click', () => window.print());
  startPeriodPage({
    active: 'reconciliation',
    path: '/can-bo/doi-soat',
    presets: ['today', 'yesterday', 'month', 'last_month'],
    what: 'Kỳ đối soát',
    maxDays: MAX_DAYS,
    load: (s) => { state = s; load(); },
    noAccess: () => render($('#alert'), alertBox('warn', 'Chưa được giao quyền đối soát thanh toán',
      el('p', {}, 'Đối soát thanh toán dành cho lãnh đạo và quản trị đơn vị (vai trò được xem báo cáo). Vui lòng liên hệ quản trị đơn vị.'),
      el('p', {}, el('a', { href: '/can-bo/' }, 'Về danh sách hồ sơ')))),
  });
}

init();
