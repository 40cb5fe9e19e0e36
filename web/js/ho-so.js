// Dossier page (owner only): code, status, appointment (and the first one when
// the office rescheduled it, with its apology letters), history, documents,
// the declaration, the receipt and result PDFs, and withdrawing with a reason.
// A supplement asked for (status 5) takes new files (PUT .../files/{name}, each
// optionally for one document of the procedure; never replacing one handed in)
// and a note before "Đã bổ sung". Once the result was returned (status 10) the
// result documents the officers attached are listed for download.
// A fee asked for (status 6) links to the payment page; once paid, one line
// says how much, when and how (read from .../payment only for a dossier whose
// history shows a fee request, so dossiers without fees cost no request).

import * as api from './api.js';
import { $, el, render, initLayout, pageUrl, param, formatDate, formatDateTime, formatSize, statusBadge, readableTimes,
  loading, pageError, alertBox, busy, showFieldErrors, clearErrors, goLogin } from './ui.js';
import { renderReview } from './eform.js';
import { ACCEPT, uploadEach } from './uploads.js';

const WITHDRAWABLE = new Set([1, 2, 4, 5, 6]);
const STOPPED = new Set([3, 7, 8]); // refused, withdrawn, stopped: the appointment no longer holds
const CHANNEL = { online: 'Trực tuyến', desk: 'Trực tiếp tại Bộ phận một cửa', post: 'Qua dịch vụ bưu chính' };
let d;
let schema = null;

const fileUrl = (f) => `/api/v1/dossiers/${api.seg(d.id)}/files/${api.seg(f.name)}`;
const letterUrl = (n) => `/api/v1/dossiers/${api.seg(d.id)}/apologies/${api.seg(n)}`;
const resultUrl = () => `/api/v1/dossiers/${api.seg(d.id)}/result.pdf`;
const resultFileUrl = (r) => `/api/v1/dossiers/${api.seg(d.id)}/results/${api.seg(r.name)}`;
const KIND = { 'application/pdf': 'PDF', 'image/jpeg': 'Ảnh JPEG', 'image/png': 'Ảnh PNG' };

/** The office's apology letters, each with the appointment it replaced and the new one. */
function apologiesCard() {
  const list = (d.apologies || []).slice().sort((a, b) => b.n - a.n);
  if (!list.length) return null;
  return el('section', { class: 'card apology-card', id: 'apologies', 'aria-labelledby': 'h-apologies' },
    el('div', { class: 'card-title' }, el('h2', { id: 'h-apologies' }, 'Thư xin lỗi và hẹn lại ngày trả kết quả')),
    el('p', { class: 'muted small' }, 'Cơ quan giải quyết chưa trả được kết quả đúng hẹn và đã gửi bạn thư xin lỗi kèm ngày hẹn mới.'),
    el('ul', { class: 'letter-list', id: 'apology-list' }, list.map((a) => el('li', { dataset: { n: String(a.n) } },
      el('div', {},
        el('strong', {}, `Thư số ${a.n}`), el('span', { class: 'muted small' }, ` · ${formatDateTime(a.at)}`),
        el('div', { class: 'small' }, 'Hẹn cũ ', el('span', { class: 'old-due' }, formatDateTime(a.old_due_at)), ' → hẹn mới ', el('strong', {}, formatDateTime(a.new_due_at))),
        a.reason ? el('div', { class: 'small muted' }, 'Lý do: ', a.reason) : null),
      el('a', { class: 'btn btn-secondary btn-small', href: letterUrl(a.n), target: '_blank', rel: 'noopener' }, 'Xem thư (PDF)')))));
}

function copyButton(text) {
  const b = el('button', { type: 'button', class: 'btn btn-ghost btn-small' }, 'Sao chép mã');
  b.addEventListener('click', async () => {
    try { await navigator.clipboard.writeText(text); b.textContent = 'Đã sao chép'; } catch { b.textContent = 'Không sao chép được'; }
    setTimeout(() => { b.textContent = 'Sao chép mã'; }, 2000);
  });
  return b;
}

function historyList() {
  const items = (d.history || []).slice().reverse();
  if (!items.length) return el('p', { class: 'muted' }, 'Chưa có.');
  return el('ol', { class: 'timeline', id: 'history' }, items.map((h) => el('li', {},
    el('span', { class: 'when' }, formatDateTime(h.at)),
    el('span', { class: 'what' }, h.status ? h.status.name : ''),
    h.note ? el('div', { class: 'note' }, readableTimes(h.note)) : null)));
}

/** Sent with a supplement request (the API marks it), not with the draft. */
const supplied = (f) => !!f.with_supplement;

function files() {
  if (!d.files || !d.files.length) return el('p', { class: 'muted' }, 'Không có tệp đính kèm.');
  return el('ul', { class: 'file-list' }, d.files.map((f) => el('li', { class: 'file-row', dataset: { file: f.name } },
    el('div', {}, el('a', { class: 'name', href: fileUrl(f), target: '_blank', rel: 'noopener' }, f.name),
      el('div', { class: 'meta' }, formatSize(f.size), f.document ? ' · ' + docName(f.document) : '',
        supplied(f) ? ` · bổ sung lúc ${formatDateTime(f.uploaded_at)}` : '')))));
}

let docNames = {};
let documents = []; // the procedure's documents: [{key, name, online_form, ...}]
const docName = (key) => docNames[key] || key;

/** The result documents the officers attached, each a download (status 10 only). */
function resultFiles() {
  const list = d.results || [];
  if (!list.length) return null;
  return el('div', { class: 'result-files' },
    el('p', { class: 'mb-0' }, el('strong', {}, 'Văn bản kết quả do cơ quan giải quyết đính kèm')),
    el('ul', { class: 'file-list', id: 'result-files' }, list.map((r) => el('li', { class: 'file-row', dataset: { file: r.name } },
      el('div', {},
        el('a', { class: 'name', href: resultFileUrl(r), download: r.name }, r.name),
        el('div', { class: 'meta' }, [KIND[r.content_type] || r.content_type, formatSize(r.size), formatDateTime(r.uploaded_at)].join(' · '))),
      el('a', { class: 'btn btn-secondary btn-small', href: resultFileUrl(r), download: r.name, 'aria-label': `Tải về ${r.name}` }, 'Tải về')))));
}

/** A file sent with the supplement, as listed in its box; onRemove takes it back. */
function suppliedRow(f, onRemove) {
  return el('li', { class: 'file-row', dataset: { file: f.name } },
    el('div', {}, el('a', { class: 'name', href: fileUrl(f), target: '_blank', rel: 'noopener' }, f.name),
      el('div', { class: 'meta' }, el('span', { class: 'ok-mark' }, '✓ Đã gửi'), ' · ', formatSize(f.size),
        ' · ', f.document ? docName(f.document) : 'Giấy tờ khác')),
    onRemove ? el('button', { type: 'button', class: 'btn btn-ghost btn-small', 'aria-label': `Gỡ tệp ${f.name}`, onclick: (e) => onRemove(f, e.currentTarget) }, 'Gỡ') : null);
}

/**
 * The office asked for more documents: its request; new files, each for a document of the
 * procedure or none (sent at once, one by one, kept even if the citizen leaves: the API
 * never replaces nor removes what was handed in); then "Đã bổ sung" sends the dossier back.
 */
function supplyBox() {
  const asked = (d.history || []).filter((h) => h.status && h.status.code === 5).pop();
  const since = asked ? Date.parse(asked.at) : Date.now();
  const added = () => (d.files || []).filter((f) => supplied(f) && Date.parse(f.uploaded_at) >= since);
  const docs = documents.filter((x) => !x.online_form);
  const docSelect = el('select', { id: 'supply-doc', name: 'document', 'aria-describedby': 'supply-doc-hint' },
    el('option', { value: '' }, 'Giấy tờ khác'),
    docs.map((x) => el('option', { value: x.key }, x.name)));
  const input = el('input', {
    type: 'file', id: 'supply-files', multiple: true, accept: ACCEPT,
    'aria-label': 'Chọn tệp bổ sung', 'aria-describedby': 'supply-files-hint supply-files-error',
  });
  const errors = el('p', { class: 'field-error', id: 'supply-files-error', 'aria-live': 'polite' });
  const live = el('div', { class: 'visually-hidden', 'aria-live': 'polite' });
  // A file sent by mistake with this supplement can be taken back (DELETE); older ones cannot.
  const remove = async (f, button) => {
    const restore = busy(button, 'Đang gỡ…');
    try {
      await api.del(`/dossiers/${api.seg(d.id)}/files/${api.seg(f.name)}`);
      d.files = (d.files || []).filter((x) => x.name !== f.name);
      button.closest('li').remove();
      render($('#files-body'), files());
      live.textContent = `Đã gỡ tệp ${f.name}`;
    } catch (err) {
      restore();
      if (err.status === 401) { goLogin(); return; }
      render(errors, err.message);
    }
  };
  const list = el('ul', { class: 'file-list', id: 'supply-list' }, added().map((f) => suppliedRow(f, remove)));
  const filesBox = el('fieldset', { class: 'field supply-files' },
    el('legend', {}, 'Tệp bổ sung ', el('span', { class: 'muted small' }, '(không bắt buộc)')),
    el('span', { class: 'hint', id: 'supply-files-hint' },
      'Bản chụp hoặc bản quét giấy tờ cơ quan yêu cầu: PDF, JPEG hoặc PNG, tối đa 10 MB mỗi tệp. Tệp được gửi ngay khi chọn; tệp gửi nhầm có thể gỡ trước khi bấm “Đã bổ sung”.'),
    docs.length ? el('div', { class: 'field' },
      el('label', { for: 'supply-doc' }, 'Bổ sung cho giấy tờ'),
      el('span', { class: 'hint', id: 'supply-doc-hint' }, 'Chọn trước khi chọn tệp. Để “Giấy tờ khác” nếu tệp không thuộc giấy tờ nào của thủ tục.'),
      docSelect) : null,
    errors,
    list,
    el('div', { class: 'file-pick' }, input, el('label', { class: 'btn btn-secondary btn-small', for: 'supply-files', 'aria-hidden': 'true' }, '+ Chọn tệp bổ sung')),
    live);
  input.addEventListener('change', async () => {
    if (!input.files.length) return;
    const chosen = Array.from(input.files);
    const key = docs.length ? docSelect.value : '';
    const problems = [];
    render(errors);
    input.disabled = true;
    $('#supply').disabled = true;
    await uploadEach(chosen, {
      list,
      path: (name) => `/dossiers/${api.seg(d.id)}/files/${api.seg(name)}`,
      query: key ? { document: key } : undefined,
      taken: new Set((d.files || []).map((f) => f.name)),
      fallback: key || 'bo-sung',
      onUploaded: (meta) => {
        const f = { document: key, uploaded_at: new Date().toISOString(), with_supplement: true, ...meta };
        d.files = (d.files || []).filter((x) => x.name !== f.name).concat([f]);
        list.append(suppliedRow(f, remove));
        render($('#files-body'), files());
        live.textContent = `Đã gửi tệp ${f.name}`;
      },
      onError: (message) => {
        problems.push(message);
        render(errors, problems.map((m, i) => [i ? el('br') : null, m]));
      },
    });
    input.disabled = false;
    $('#supply').disabled = false;
    input.value = '';
  });

  const form = el('form', { id: 'supply-form', novalidate: true },
    el('div', { class: 'form-errors', hidden: true }),
    filesBox,
    el('div', { class: 'field' },
      el('label', { for: 'supply-note' }, 'Nội dung đã bổ sung ', el('span', { class: 'muted small' }, '(không bắt buộc)')),
      el('span', { class: 'hint', id: 'supply-note-hint' }, 'Ghi rõ giấy tờ, thông tin bạn đã bổ sung theo yêu cầu.'),
      el('p', { class: 'field-error', id: 'supply-note-error', 'aria-live': 'polite' }),
      el('textarea', { id: 'supply-note', name: 'note', rows: '3', maxlength: '500', 'aria-describedby': 'supply-note-hint supply-note-error' })),
    el('button', { class: 'btn', type: 'submit', id: 'supply' }, 'Đã bổ sung'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const note = form.note.value.trim();
    const restore = busy($('#supply'), 'Đang gửi…');
    try {
      await api.post(`/dossiers/${api.seg(d.id)}/actions/supply`, note ? { note } : {});
      d = await api.get(`/dossiers/${api.seg(d.id)}`);
      view();
      const n = added().length;
      const ok = alertBox('success', 'Đã gửi thông báo bổ sung',
        el('p', {}, n ? `Đã gửi kèm ${n} tệp. ` : '', 'Cơ quan giải quyết sẽ tiếp tục xử lý hồ sơ của bạn.'));
      ok.id = 'supplied-ok';
      $('#content').prepend(ok);
      ok.focus();
    } catch (err) {
      restore();
      if (err.status === 401) { goLogin(); return; }
      showFieldErrors(form, [{ field: err.field === 'note' ? 'note' : null, message: err.message }], 'Chưa gửi được');
    }
  });
  return el('div', { class: 'alert alert-warn', id: 'supplement-request', role: 'region', 'aria-label': 'Yêu cầu bổ sung giấy tờ' },
    el('strong', { class: 'alert-title' }, 'Cơ quan giải quyết yêu cầu bổ sung giấy tờ'),
    asked && asked.note ? el('p', { id: 'supplement-note' }, asked.note) : null,
    el('p', { class: 'small' }, 'Thời hạn giải quyết tạm dừng cho tới khi bạn bổ sung xong.'),
    form);
}

/* ---------- the citizen's rating, once the result was returned (status 10) ---------- */

const RATING = [['rat_hai_long', 'Rất hài lòng'], ['hai_long', 'Hài lòng'], ['khong_hai_long', 'Không hài lòng']];

function ratingDone(r) {
  return el('div', { class: 'alert alert-info', id: 'rating-done', role: 'status', tabindex: '-1' },
    el('strong', { class: 'alert-title' }, 'Bạn đã đánh giá: ', r.title),
    r.comment ? el('p', {}, '“', r.comment, '”') : null,
    el('p', { class: 'small muted' }, `Cảm ơn bạn. Đánh giá gửi lúc ${formatDateTime(r.rated_at)} được dùng để đo mức độ hài lòng của người dân.`));
}

function ratingForm() {
  const form = el('form', { id: 'rating-form', novalidate: true },
    el('div', { class: 'form-errors', hidden: true }),
    el('fieldset', { class: 'field' },
      el('legend', {}, 'Bạn có hài lòng với việc giải quyết hồ sơ này? ', el('span', { class: 'req', 'aria-hidden': 'true' }, '*')),
      el('p', { class: 'field-error', id: 'level-error', 'aria-live': 'polite' }),
      RATING.map(([v, label]) => el('label', { class: 'check', style: 'margin:8px 0;align-items:center' }, el('input', { type: 'radio', name: 'level', value: v }), el('span', {}, label)))),
    el('div', { class: 'field' },
      el('label', { for: 'rating-comment' }, 'Góp ý ', el('span', { class: 'muted small' }, '(không bắt buộc)')),
      el('p', { class: 'field-error', id: 'comment-error', 'aria-live': 'polite' }),
      el('textarea', { id: 'rating-comment', name: 'comment', rows: '3', maxlength: '1000', 'aria-describedby': 'comment-error' })),
    el('button', { class: 'btn', type: 'submit', id: 'rate' }, 'Gửi đánh giá'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const level = (form.querySelector('input[name="level"]:checked') || {}).value;
    if (!level) { showFieldErrors(form, [{ field: 'level', message: 'Vui lòng chọn mức độ hài lòng' }]); return; }
    const comment = form.comment.value.trim();
    const restore = busy($('#rate'), 'Đang gửi…');
    try {
      const r = await api.post(`/dossiers/${api.seg(d.id)}/rating`, comment ? { level, comment } : { level });
      const done = ratingDone(r.rating);
      render($('#rating-slot'), done);
      done.focus();
    } catch (err) {
      restore();
      if (err.status === 401) { goLogin(); return; }
      showFieldErrors(form, [{ field: ['level', 'comment'].includes(err.field) ? err.field : null, message: err.message }], 'Chưa gửi được đánh giá');
    }
  });
  return el('section', { class: 'card', id: 'rating', 'aria-labelledby': 'h-rating' },
    el('div', { class: 'card-title' }, el('h2', { id: 'h-rating' }, 'Đánh giá mức độ hài lòng')),
    el('p', { class: 'small muted' }, 'Mỗi hồ sơ được đánh giá một lần, sau khi đã nhận kết quả.'),
    form);
}

/** Fills #rating-slot: the form when the owner may rate, else the rating given. */
async function loadRating() {
  const slot = $('#rating-slot');
  if (!slot) return;
  try {
    const r = await api.get(`/dossiers/${api.seg(d.id)}/rating`);
    render(slot, r.rating ? ratingDone(r.rating) : r.can_rate ? ratingForm() : null);
  } catch { /* the page works without it */ }
}

/** Status 6: the office asked for a fee; the payment page shows how to pay it. */
function paymentBox() {
  return el('div', { class: 'alert alert-warn', id: 'payment-request', role: 'region', 'aria-label': 'Yêu cầu nộp phí, lệ phí' },
    el('strong', { class: 'alert-title' }, 'Cơ quan giải quyết yêu cầu nộp phí, lệ phí'),
    el('p', { class: 'small' }, 'Thời hạn giải quyết tạm dừng cho tới khi bạn nộp xong.'),
    el('a', { class: 'btn', id: 'pay-link', href: pageUrl('thanh-toan', { id: d.id }) }, 'Nộp phí, lệ phí'));
}

// How a paid fee was paid, in the sentence "Đã nộp phí, lệ phí: …, ngày …, tại quầy".
const PAID_HOW = { desk: 'tại quầy', gateway: 'trực tuyến', bank_transfer: 'bằng chuyển khoản' };

/** A fee was asked for once (status 6 in the history) and the dossier has moved on since. */
const hadPayment = () => d.status && d.status.code !== 6 && (d.history || []).some((h) => h.status && h.status.code === 6);

/** Fills #paid-slot with one line when the fee was paid (nothing for a cancelled request). */
async function loadPaid() {
  const slot = $('#paid-slot');
  if (!slot) return;
  let p;
  try {
    p = (await api.get(`/dossiers/${api.seg(d.id)}/payment`)).payment;
  } catch { return; /* the page works without it */ }
  if (!p || p.status !== 'paid' || !slot.isConnected) return;
  const money = Number(p.amount).toLocaleString('vi-VN') + ' đồng';
  render(slot, el('p', { class: 'small', id: 'payment-paid' },
    el('strong', {}, 'Đã nộp phí, lệ phí: '),
    `${money}, ngày ${formatDate(p.paid_at)}, ${PAID_HOW[p.method] || p.method}. `,
    el('a', { href: pageUrl('thanh-toan', { id: d.id }) }, 'Xem chi tiết')));
}

/** Back from the payment gateway (?thanh-toan=thanh-cong | khong-thanh-cong). */
function paymentResult() {
  const r = param('thanh-toan');
  if (r === 'thanh-cong') return alertBox('success', 'Thanh toán thành công', el('p', {}, 'Cổng thanh toán đã xác nhận khoản phí, lệ phí; hồ sơ tiếp tục được giải quyết.'));
  if (r === 'khong-thanh-cong') return alertBox('warn', 'Thanh toán chưa thành công', el('p', {}, 'Giao dịch đã bị hủy hoặc không thực hiện được. Bạn có thể thanh toán lại.'));
  return null;
}

/** The documents issued signed for this dossier (receipt, letters, the result once
 * returned), each with its public verification page: what the QR code on the PDF opens. */
function signedCard() {
  const list = d.issued || [];
  if (!list.length) return null;
  return el('section', { class: 'card', 'aria-labelledby': 'h-signed' },
    el('div', { class: 'card-title' }, el('h2', { id: 'h-signed' }, 'Văn bản điện tử đã ký số')),
    el('p', { class: 'muted small' }, 'Mỗi văn bản có mã QR dẫn tới trang xác thực; bất kỳ ai nhận văn bản cũng kiểm tra được chữ ký số tại đó.'),
    el('ul', { class: 'issued-list', id: 'signed-list' }, list.map((x) => el('li', { dataset: { publicId: x.public_id, kind: x.kind } },
      el('span', {}, x.title), ' ',
      el('a', { href: `/xac-thuc/${encodeURIComponent(x.public_id)}`, 'aria-label': `Kiểm tra chữ ký số: ${x.title}` }, 'Kiểm tra chữ ký số'),
      x.state === 'awaiting_timestamp' ? el('span', { class: 'muted small' }, ' (chưa có dấu thời gian)') : null))));
}

function view() {
  const draft = d.state === 'draft';
  const submitted = !!d.code;
  const canWithdraw = d.status && WITHDRAWABLE.has(d.status.code) && d.state !== 'withdrawn';
  const just = param('moi') === '1' && submitted;
  const stopped = d.status && STOPPED.has(d.status.code);
  const returned = d.status && d.status.code === 10;
  const rescheduled = d.first_due_at && d.due_at && d.first_due_at !== d.due_at;
  const actions = el('div', { class: 'btn-row' },
    returned ? el('a', { class: 'btn', id: 'result', href: resultUrl(), target: '_blank', rel: 'noopener' }, 'Tải kết quả (PDF)') : null,
    draft ? el('a', { class: 'btn', href: pageUrl('nop-ho-so', { id: d.id }) }, 'Tiếp tục khai và nộp') : null,
    submitted ? el('a', { class: returned ? 'btn btn-secondary' : 'btn', id: 'receipt', href: `/api/v1/dossiers/${api.seg(d.id)}/receipt.pdf`, target: '_blank', rel: 'noopener' }, 'Tải Giấy tiếp nhận (PDF)') : null,
    submitted ? el('a', { class: 'btn btn-secondary', href: pageUrl('tra-cuu', { ma: d.code }) }, 'Trang tra cứu công khai') : null,
    submitted ? el('a', { class: 'btn btn-ghost', id: 'feedback-link', href: pageUrl('phan-anh', { 'ho-so': d.id }) }, 'Gửi phản ánh về hồ sơ này') : null,
    canWithdraw ? el('button', { type: 'button', class: 'btn btn-ghost', id: 'withdraw' }, 'Rút hồ sơ') : null);
  const out = el('div', {},
    just ? el('div', { class: 'alert alert-success', role: 'status', id: 'submitted-ok', tabindex: '-1' },
      el('strong', { class: 'alert-title' }, 'Nộp hồ sơ thành công'),
      el('p', {}, 'Hồ sơ đã được gửi tới ', d.unit.name, '. Vui lòng lưu lại mã hồ sơ để tra cứu; Giấy tiếp nhận hồ sơ và hẹn trả kết quả có thể tải về bên dưới.')) : null,
    el('h1', {}, d.procedure.name),
    el('p', {}, statusBadge(d.status, d.state)),
    hadPayment() ? el('div', { id: 'paid-slot' }) : null,
    paymentResult(),
    d.status && d.status.code === 5 ? supplyBox() : null,
    returned ? el('div', { class: 'alert alert-success result-box', id: 'result-ready' },
      el('strong', { class: 'alert-title' }, 'Hồ sơ đã có kết quả'),
      el('p', {}, 'Kết quả giải quyết đã được trả. Bạn có thể tải bản điện tử của kết quả.'),
      el('a', { class: 'btn', id: 'result-top', href: resultUrl(), target: '_blank', rel: 'noopener' }, 'Tải kết quả (PDF)'),
      resultFiles()) : null,
    returned ? el('div', { id: 'rating-slot' }) : null,
    d.status && d.status.code === 6 ? paymentBox() : null,
    el('div', { class: 'key-grid' },
      el('div', { class: 'code-box' },
        el('span', { class: 'muted small' }, 'Mã hồ sơ'),
        el('span', { class: 'code', id: 'dossier-code' }, d.code || 'Chưa có (hồ sơ chưa nộp)'),
        d.code ? el('div', {}, copyButton(d.code)) : null),
      el('div', { class: 'due-box' + (stopped ? ' stopped' : '') },
        el('span', { class: 'muted small' }, 'Ngày hẹn trả kết quả'),
        el('div', { class: 'due', id: 'due-at' }, d.due_at ? formatDateTime(d.due_at) : '—'),
        rescheduled ? el('div', { class: 'small first-due', id: 'first-due' }, 'Hẹn lần đầu: ', el('span', { class: 'old-due' }, formatDateTime(d.first_due_at)),
          (d.apologies || []).length ? ' · đã hẹn lại, xem thư xin lỗi bên dưới' : '') : null,
        stopped ? el('span', { class: 'small' }, 'Không còn áp dụng: hồ sơ đã dừng giải quyết.') : null)),
    el('div', { class: 'card' },
      el('dl', { class: 'facts' },
        el('div', {}, el('dt', {}, 'Trạng thái'), el('dd', { id: 'status' }, d.status ? d.status.name : (draft ? 'Đang soạn, chưa nộp' : d.state))),
        el('div', {}, el('dt', {}, 'Thủ tục'), el('dd', {}, d.procedure.name)),
        el('div', {}, el('dt', {}, 'Cơ quan giải quyết'), el('dd', {}, d.unit.name)),
        el('div', {}, el('dt', {}, 'Hình thức nộp'), el('dd', { id: 'channel' }, CHANNEL[d.channel || 'online'] || d.channel)),
        el('div', {}, el('dt', {}, 'Ngày nộp'), el('dd', {}, d.submitted_at ? formatDateTime(d.submitted_at) : '—')),
        el('div', {}, el('dt', {}, 'Ngày tạo hồ sơ'), el('dd', {}, formatDateTime(d.created_at)))),
      el('div', { style: 'margin-top:16px' }, actions)),
    apologiesCard(),
    signedCard(),
    el('section', { class: 'card', 'aria-labelledby': 'h-history' },
      el('div', { class: 'card-title' }, el('h2', { id: 'h-history' }, 'Quá trình xử lý')), historyList()),
    el('section', { class: 'card', 'aria-labelledby': 'h-files' },
      el('div', { class: 'card-title' }, el('h2', { id: 'h-files' }, 'Giấy tờ đã nộp')), el('div', { id: 'files-body' }, files())),
    schema && (schema.sections || []).length ? el('section', { class: 'card', 'aria-labelledby': 'h-form' },
      el('div', { class: 'card-title' }, el('h2', { id: 'h-form' }, 'Nội dung tờ khai')),
      el('details', {}, el('summary', {}, 'Xem nội dung đã khai'), renderReview(schema, d.form || {}))) : null);
  render($('#content'), out);
  document.title = `${d.code || 'Hồ sơ nháp'} – Cổng dịch vụ công tỉnh Thanh Hóa`;
  if (just) $('#submitted-ok').focus();
  $('#withdraw')?.addEventListener('click', openWithdraw);
  if (returned) loadRating();
  if (hadPayment()) loadPaid();
}

function openWithdraw() {
  const dlg = $('#withdraw-dialog');
  const form = $('#withdraw-form');
  clearErrors(form);
  form.reason.value = '';
  dlg.showModal();
  form.reason.focus();
}

function setupWithdraw() {
  const dlg = $('#withdraw-dialog');
  const form = $('#withdraw-form');
  $('#withdraw-cancel').addEventListener('click', () => dlg.close());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const reason = form.reason.value.trim();
    if (!reason) { showFieldErrors(form, [{ field: 'reason', message: 'Vui lòng nêu lý do rút hồ sơ' }]); return; }
    const restore = busy($('#withdraw-confirm'), 'Đang gửi…');
    try {
      d = await api.post(`/dossiers/${api.seg(d.id)}/withdraw`, { reason });
      restore();
      dlg.close();
      view();
      $('#content').prepend(alertBox('success', 'Đã rút hồ sơ', el('p', {}, 'Yêu cầu rút hồ sơ của bạn đã được ghi nhận.')));
    } catch (err) {
      restore();
      if (err.status === 401) { goLogin(); return; }
      showFieldErrors(form, [{ field: err.field === 'reason' ? 'reason' : null, message: err.message }], 'Chưa rút được hồ sơ');
    }
  });
}

async function init() {
  const who = await initLayout('ho-so-cua-toi');
  const content = $('#content');
  const id = param('id');
  if (!who) { goLogin(); return; }
  if (!id) { pageError(content, { status: 404, message: 'Thiếu mã hồ sơ.' }); return; }
  render(content, loading('Đang tải hồ sơ…'));
  try {
    d = await api.get(`/dossiers/${api.seg(id)}`);
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    pageError(content, err, el('p', {}, el('a', { href: pageUrl('ho-so-cua-toi') }, 'Về danh sách hồ sơ của tôi')));
    return;
  }
  try {
    const p = await api.get(`/procedures/${api.seg(d.procedure.code)}`);
    schema = p.form || null;
    documents = p.documents || [];
    docNames = Object.fromEntries(documents.map((x) => [x.key, x.name]));
  } catch { /* the page works without labels */ }
  setupWithdraw();
  view();
}

init();
