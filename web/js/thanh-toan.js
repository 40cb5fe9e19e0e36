// Payment page (owner only): the fee the office asked for, paid by bank transfer with the
// VietQR code (any Vietnamese banking app scans it: bank, account, amount and content filled
// in) or online through the payment gateway ("Thanh toán trực tuyến"). The payment is
// confirmed by the gateway or by the office; this page only shows it, and once paid, what
// the officer who confirmed it recorded (the receipt or bank transaction number) and who.

import * as api from './api.js';
import { $, el, render, initLayout, pageUrl, param, formatDateTime, statusBadge,
  loading, pageError, alertBox, busy, goLogin } from './ui.js';

const METHOD = { gateway: 'Thanh toán trực tuyến', bank_transfer: 'Chuyển khoản ngân hàng', desk: 'Nộp tại Bộ phận một cửa' };
const money = (v) => Number(v).toLocaleString('vi-VN') + ' đồng';

let view;
let id;

function fact(label, value, attrs = {}) {
  return el('div', {}, el('dt', {}, label), el('dd', attrs, value));
}

function backLink() {
  return el('a', { class: 'btn btn-secondary', href: pageUrl('ho-so', { id }) }, 'Về trang hồ sơ');
}

/** Nothing requested (yet), or the fee is waived. */
function noPayment() {
  const fee = view.fee || {};
  return el('div', {},
    alertBox('info', 'Không có khoản phí, lệ phí nào đang chờ nộp',
      el('p', {}, fee.exempt
        ? 'Thủ tục này được miễn phí, lệ phí. ' + (fee.note || '')
        : 'Khi cơ quan giải quyết yêu cầu nộp phí, lệ phí, số tiền và cách nộp sẽ hiện ở đây.')),
    el('div', { class: 'btn-row' }, backLink()));
}

function paidBox(p) {
  return el('div', {},
    alertBox('success', 'Đã nộp phí, lệ phí',
      el('p', {}, `Số tiền ${money(p.amount)} đã được ghi nhận lúc ${formatDateTime(p.paid_at)} (${METHOD[p.method] || p.method}). Hồ sơ tiếp tục được giải quyết.`)),
    el('section', { class: 'card', 'aria-labelledby': 'h-paid' },
      el('div', { class: 'card-title' }, el('h2', { id: 'h-paid' }, 'Khoản đã nộp')),
      el('dl', { class: 'facts', id: 'paid-facts' },
        fact('Nội dung', p.purpose),
        fact('Số tiền', money(p.amount)),
        fact('Mã thanh toán', p.reference, { id: 'reference' }),
        fact('Hình thức nộp', METHOD[p.method] || p.method),
        p.gateway_txn ? fact('Mã giao dịch tại cổng thanh toán', p.gateway_txn) : null,
        p.paid_note ? fact('Biên lai, chứng từ', p.paid_note, { id: 'paid-note' }) : null,
        p.confirmed_by ? fact('Cán bộ xác nhận', p.confirmed_by, { id: 'confirmed-by' }) : null,
        fact('Thời điểm nộp', formatDateTime(p.paid_at)))),
    el('div', { class: 'btn-row', style: 'margin-top:16px' }, backLink()));
}

function onlineBox(p) {
  if (!view.online || !view.online.available) {
    return el('p', { class: 'muted small', id: 'online-off' }, 'Thanh toán trực tuyến hiện chưa được hỗ trợ; vui lòng chuyển khoản hoặc nộp tại Bộ phận một cửa.');
  }
  const b = el('button', { type: 'button', class: 'btn btn-large', id: 'pay-online' }, 'Thanh toán trực tuyến');
  const err = el('div', { id: 'pay-error', 'aria-live': 'polite' });
  b.addEventListener('click', async () => {
    render(err);
    const restore = busy(b, 'Đang chuyển tới cổng thanh toán…');
    try {
      const r = await api.post(`/dossiers/${api.seg(id)}/payment/checkout`, {});
      location.href = r.redirect_url;
    } catch (e) {
      restore();
      if (e.status === 401) { goLogin(); return; }
      render(err, alertBox('error', 'Chưa chuyển được tới cổng thanh toán', el('p', {}, e.message)));
    }
  });
  return el('div', {},
    el('p', {}, 'Thanh toán bằng thẻ ATM nội địa, thẻ quốc tế hoặc ví điện tử qua cổng thanh toán. Kết quả được cổng thanh toán xác nhận trực tiếp với hệ thống.'),
    b, err);
}

function pendingView(p) {
  const bank = view.bank;
  const qr = view.vietqr;
  return el('div', {},
    el('section', { class: 'card', 'aria-labelledby': 'h-amount' },
      el('div', { class: 'card-title' }, el('h2', { id: 'h-amount' }, 'Khoản phải nộp')),
      el('div', { class: 'pay-amount', id: 'amount' }, money(p.amount)),
      el('dl', { class: 'facts' },
        fact('Nội dung', p.purpose),
        p.note ? fact('Ghi chú của cơ quan', p.note, { id: 'payment-note' }) : null,
        fact('Mã thanh toán', p.reference, { id: 'reference' }),
        fact('Ngày yêu cầu', formatDateTime(p.created_at)))),
    el('div', { class: 'pay-grid' },
      qr && bank ? el('section', { class: 'card qr-box', 'aria-labelledby': 'h-qr' },
        el('div', { class: 'card-title' }, el('h2', { id: 'h-qr' }, 'Chuyển khoản bằng mã VietQR')),
        el('img', { id: 'vietqr', src: qr.image, alt: `Mã VietQR: chuyển ${money(p.amount)} tới tài khoản ${bank.account}, nội dung ${qr.content}`, width: '264', height: '264' }),
        el('p', { class: 'small' }, 'Mở ứng dụng ngân hàng, chọn quét mã QR: số tài khoản, số tiền và nội dung chuyển khoản được điền sẵn.'),
        el('dl', { class: 'facts', style: 'text-align:left' },
          fact('Ngân hàng', bank.bank_name),
          fact('Số tài khoản', bank.account, { id: 'bank-account' }),
          fact('Chủ tài khoản', bank.account_name),
          fact('Nội dung chuyển khoản', el('span', { class: 'transfer-content', id: 'transfer-content' }, qr.content))),
        bank.demo ? el('p', { class: 'alert alert-warn small', id: 'demo-account' }, 'Tài khoản thử nghiệm (demo): không chuyển tiền thật vào tài khoản này.') : null,
        el('p', { class: 'muted small' }, 'Chuyển khoản được cơ quan đối chiếu với sao kê và xác nhận; vui lòng ghi đúng nội dung chuyển khoản.'))
        : null,
      el('section', { class: 'card', 'aria-labelledby': 'h-online' },
        el('div', { class: 'card-title' }, el('h2', { id: 'h-online' }, 'Thanh toán trực tuyến')),
        onlineBox(p),
        el('p', { class: 'muted small', style: 'margin-top:16px' }, 'Bạn cũng có thể nộp trực tiếp tại Bộ phận tiếp nhận và trả kết quả.'))),
    el('div', { class: 'btn-row', style: 'margin-top:16px' }, backLink()));
}

function show() {
  const d = view.dossier;
  const p = view.payment;
  const crumb = $('#crumb-dossier');
  if (crumb) render(crumb, el('a', { href: pageUrl('ho-so', { id }) }, d.code));
  document.title = `Nộp phí, lệ phí ${d.code} – Cổng dịch vụ công tỉnh Thanh Hóa`;
  const head = el('div', {},
    el('h1', {}, 'Nộp phí, lệ phí'),
    el('p', {}, 'Hồ sơ ', el('strong', { id: 'dossier-code' }, d.code), ' ', statusBadge(d.status, d.state)));
  let body;
  if (!p || p.status === 'cancelled') body = noPayment();
  else if (p.status === 'paid') body = paidBox(p);
  else body = pendingView(p);
  render($('#content'), head, body);
}

async function init() {
  const who = await initLayout('ho-so-cua-toi');
  const content = $('#content');
  id = param('id');
  if (!who) { goLogin(); return; }
  if (!id) { pageError(content, { status: 404, message: 'Thiếu mã hồ sơ.' }); return; }
  render(content, loading('Đang tải thông tin thanh toán…'));
  try {
    view = await api.get(`/dossiers/${api.seg(id)}/payment`);
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    pageError(content, err, el('p', {}, el('a', { href: pageUrl('ho-so-cua-toi') }, 'Về danh sách hồ sơ của tôi')));
    return;
  }
  show();
}

init();
