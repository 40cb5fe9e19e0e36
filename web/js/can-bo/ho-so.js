// can-bo/ho-so.js: one dossier on the officers' side: header (code, status,
// appointment, clock), applicant, documents and attachments, the declaration
// with the procedure's labels, history, the units that held it, and the
// actions the API says this officer may take now, each confirmed in a dialog
// (a note when needed, an officer or a unit to pick when the step names one);
// the papers (receipt to print, result, apology letters) and, for a late
// dossier, the apology letter with a new appointment. The fee panel (phí, lệ
// phí: GET .../payment) shows the procedure's fee and exemptions and the
// dossier's payment; the step "request_payment" opens the fee request dialog
// (POST .../payment-request, amount and note), and a pending payment can be
// confirmed as paid at the desk or from the bank statement (POST
// .../payment/confirm-desk, with the receipt or transaction number); a paid
// payment shows that number and the officer who confirmed it. The card "Kết quả
// giải quyết" lists the result documents attached (the signed decision,
// certificate or extract) beside the result PDF the system draws, and lets an
// officer who may (can_edit_results: processing or done, dossier.process or
// dossier.approve) attach more (PUT .../results/{name}, one by one with their
// progress and the API's refusal per file) or remove one after confirming.

import * as api from '../api.js';
import { $, el, render, param, formatSize, statusBadge, loading, pageError, alertBox,
  busy, showFieldErrors, clearErrors, fieldBox, processingText, readableTimes, goLogin } from '../ui.js';
import { renderReview } from '../eform.js';
import { ACCEPT, uploadEach } from '../uploads.js';
import { initStaff, lastQueue, walkinUrl, vn, shortDateTime, workingTime, span, APOLOGY_ROLES } from './shell.js';

const CHANNEL = { online: 'Trực tuyến', desk: 'Trực tiếp tại quầy', post: 'Qua bưu chính' };
// Presentation only: steps that end or refuse a dossier get a warning style.
const DANGER = new Set(['refuse', 'stop']);
// History entries that are not workflow steps (those get their title from the workflow).
const EVENT_TITLE = { apology: 'Xin lỗi và hẹn lại ngày trả kết quả' };
// Roles holding payment.request (ask for a fee) and dossier.receive (record a payment at the
// desk) in data/roles.json: only to decide which buttons to offer; the server checks each request.
const FEE_ROLES = new Set(['specialist', 'province_admin']);
const DESK_PAY_ROLES = new Set(['reception', 'province_admin']);
const PAY_METHOD = { gateway: 'Thanh toán trực tuyến qua cổng thanh toán', bank_transfer: 'Chuyển khoản ngân hàng', desk: 'Nộp tại Bộ phận một cửa' };
const PAY_STATUS = { pending: ['Chờ nộp', 'status-work'], paid: ['Đã nộp', 'status-done'], cancelled: ['Đã hủy', 'status-stop'] };
const MAX_AMOUNT = 999999999999; // đồng, as the API takes

let d = null;
let proc = null;
let id = null;
let who = null;
let justRegistered = false;
let pay = null; // GET .../payment: {fee, payment, ...}, or {error} when it could not be read

const base = () => `/api/v1/staff/dossiers/${api.seg(d.id)}`;
const fileUrl = (f) => `${base()}/files/${api.seg(f.name)}`;
const receiptUrl = () => `${base()}/receipt.pdf`;
const resultUrl = () => `${base()}/result.pdf`;
const letterUrl = (n) => `${base()}/apologies/${api.seg(n)}`;
const resultFileUrl = (r) => `${base()}/results/${api.seg(r.name)}`;
const hasResult = () => d.status && (d.status.code === 9 || d.status.code === 10);
const pdfLink = (href, attrs, ...text) => el('a', { href, target: '_blank', rel: 'noopener', ...attrs }, ...text);

/* ---------------- header ---------------- */

function copyButton(text) {
  const b = el('button', { type: 'button', class: 'btn btn-ghost btn-small copy' }, 'Sao chép');
  b.addEventListener('click', async () => {
    try { await navigator.clipboard.writeText(text); b.textContent = 'Đã sao chép'; } catch { b.textContent = 'Không sao chép được'; }
    setTimeout(() => { b.textContent = 'Sao chép'; }, 2000);
  });
  return b;
}

function clockFact() {
  const now = Date.now();
  const due = d.due_at ? new Date(d.due_at).getTime() : 0;
  if (d.clock === 'running') {
    const late = due && due < now;
    return el('dd', { id: 'clock', dataset: { clock: 'running' } },
      el('span', { class: 'clock clock-running' + (late ? ' late' : '') }, 'Đang tính giờ'),
      el('span', { class: 'sub' + (late ? ' late' : '') }, due ? (late ? `Quá hạn ${span(now - due)}` : `Còn ${span(due - now)} đến hạn`) : ''));
  }
  if (d.clock === 'paused') {
    return el('dd', { id: 'clock', dataset: { clock: 'paused' } },
      el('span', { class: 'clock clock-paused' }, 'Tạm dừng'),
      el('span', { class: 'sub' }, d.remaining_minutes !== null && d.remaining_minutes !== undefined ? `Còn ${workingTime(d.remaining_minutes)}` : ''));
  }
  if (d.clock === 'stopped') {
    return el('dd', { id: 'clock', dataset: { clock: 'stopped' } }, el('span', { class: 'clock clock-stopped' }, 'Đã dừng tính giờ'));
  }
  return el('dd', { id: 'clock' }, '—');
}

function fact(label, value, attrs = {}) {
  return el('div', attrs, el('dt', {}, label), value instanceof Node && value.tagName === 'DD' ? value : el('dd', {}, value));
}

function head() {
  const rescheduled = d.first_due_at && d.due_at && d.first_due_at !== d.due_at;
  const stopped = d.clock === 'stopped';
  return el('section', { class: 'dossier-head', 'aria-labelledby': 'proc-name' },
    el('div', { class: 'head-top' },
      el('div', { class: 'head-id' },
        el('div', { class: 'head-code' }, el('span', { class: 'code', id: 'dossier-code' }, d.code), copyButton(d.code)),
        el('h1', { id: 'proc-name' }, d.procedure.name),
        el('p', { class: 'muted small mb-0' },
          proc ? [proc.field ? `Lĩnh vực ${proc.field} · ` : '', `Thời hạn ${processingText(proc)} · `] : '',
          `Mã thủ tục ${d.procedure.code}`)),
      el('div', { class: 'head-status' },
        el('span', { id: 'state' }, statusBadge({ code: d.status ? d.status.code : 1, name: d.state_title || (d.status && d.status.name) || d.state })),
        d.status ? el('span', { class: 'muted small', id: 'national-status', title: 'Trạng thái báo cáo lên Cổng dịch vụ công quốc gia' },
          `Trạng thái quốc gia: ${d.status.code} – ${d.status.name}`) : null)),
    el('dl', { class: 'head-facts' },
      fact('Hẹn trả kết quả', el('dd', { id: 'due-at' },
        el('span', { class: 'strong num' + (stopped ? ' muted' : '') }, shortDateTime(d.due_at)),
        rescheduled ? el('span', { class: 'sub', id: 'first-due' }, 'Hẹn lần đầu: ', el('span', { class: 'num' }, shortDateTime(d.first_due_at)),
          (d.apologies || []).length ? ` · đã hẹn lại ${(d.apologies || []).length} lần` : '') : null)),
      fact('Thời hạn xử lý', clockFact()),
      fact('Ngày nộp', el('dd', {}, el('span', { class: 'num' }, shortDateTime(d.submitted_at)), el('span', { class: 'sub' }, CHANNEL[d.channel] || d.channel || ''))),
      fact('Người nộp', el('dd', { id: 'applicant-name' }, d.applicant ? d.applicant.name : '—')),
      fact('Đơn vị đang giữ', el('dd', { id: 'current-unit' }, d.current_unit ? d.current_unit.name : '—',
        d.unit && d.current_unit && d.unit.code !== d.current_unit.code ? el('span', { class: 'sub' }, 'Tiếp nhận: ' + d.unit.name) : null)),
      fact('Cán bộ xử lý', el('dd', { id: 'assigned-officer' }, d.assignee ? d.assignee.full_name : el('span', { class: 'muted' }, 'Chưa phân công')))));
}

/* ---------------- body cards ---------------- */

function card(id2, title, ...body) {
  return el('section', { class: 'card', id: id2, 'aria-labelledby': id2 + '-h' },
    el('div', { class: 'card-title' }, el('h2', { id: id2 + '-h' }, title)), ...body);
}

function applicantCard() {
  const a = d.applicant || {};
  const v = (x) => x || el('span', { class: 'muted' }, '—');
  return card('applicant', 'Người nộp hồ sơ',
    el('dl', { class: 'facts facts-2' },
      fact('Họ và tên', v(a.name)),
      fact('Điện thoại', a.phone ? el('a', { href: 'tel:' + a.phone }, a.phone) : v('')),
      fact('Địa chỉ', v(a.address)),
      fact('Thư điện tử', a.email ? el('a', { href: 'mailto:' + a.email }, a.email) : v('')),
      a.id_number ? fact('Số định danh (khai tại quầy)', a.id_number) : null,
      d.claim_code ? fact('Mã nhận hồ sơ', el('span', { class: 'mono', id: 'claim-code' }, d.claim_code)) : null),
    d.claim_code ? el('p', { class: 'small muted mb-0' },
      'Người nộp chưa nhận hồ sơ trên Cổng dịch vụ công. Mã nhận hồ sơ in trên giấy tiếp nhận; người nộp đăng nhập, vào “Hồ sơ của tôi” và nhập mã để theo dõi hồ sơ trực tuyến.') : null);
}

function fileLink(f) {
  return el('li', {},
    el('a', { href: fileUrl(f), target: '_blank', rel: 'noopener', class: 'file-link' }, f.name),
    el('span', { class: 'muted small' }, ` ${formatSize(f.size)} · ${shortDateTime(f.uploaded_at)}`),
    f.with_supplement ? el('span', { class: 'tag tag-supplement', title: 'Công dân gửi kèm khi bổ sung hồ sơ' }, 'bổ sung') : null);
}

function documentsCard() {
  const files = d.files || [];
  const docs = (proc && proc.documents) || [];
  const used = new Set();
  const rows = docs.map((doc) => {
    const mine = files.filter((f) => f.document === doc.key);
    mine.forEach((f) => used.add(f.name));
    let cell;
    if (mine.length) cell = el('ul', { class: 'doc-files' }, mine.map(fileLink));
    else if (doc.online_form) cell = el('span', { class: 'ok-mark' }, 'Tờ khai điện tử (bên dưới)');
    else if (doc.required) cell = el('span', { class: 'missing' }, 'Chưa có tệp');
    else cell = el('span', { class: 'muted' }, 'Không đính kèm');
    const counts = [doc.originals ? `${doc.originals} bản chính` : '', doc.copies ? `${doc.copies} bản sao` : ''].filter(Boolean).join(', ');
    return el('tr', {},
      el('td', {}, doc.name, doc.required ? el('span', { class: 'req', title: 'Bắt buộc' }, ' *') : null),
      el('td', { class: 'nowrap muted' }, counts || '—'),
      el('td', {}, cell));
  });
  const other = files.filter((f) => !used.has(f.name));
  return card('documents', 'Thành phần hồ sơ và tệp đính kèm',
    docs.length ? el('div', { class: 'table-scroll' }, el('table', { class: 'doc-table compact' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Giấy tờ'), el('th', {}, 'Số lượng'), el('th', {}, 'Tệp đã nộp'))),
      el('tbody', {}, rows))) : null,
    other.length ? el('div', {}, docs.length ? el('h3', { class: 'small-h' }, 'Tệp khác') : null, el('ul', { class: 'doc-files' }, other.map(fileLink))) : null,
    !docs.length && !other.length ? el('p', { class: 'muted mb-0' }, 'Không có tệp đính kèm.') : null);
}

function formCard() {
  const schema = proc && proc.form;
  if (!schema || !(schema.sections || []).length) {
    const keys = Object.keys(d.form || {});
    if (!keys.length) return null;
    return card('declaration', 'Tờ khai', el('dl', { class: 'facts facts-2' }, keys.map((k) => fact(k, String(d.form[k])))));
  }
  const body = el('div', { class: 'review facts-2' });
  body.append(renderReview(schema, d.form || {}));
  return card('declaration', schema.title || 'Tờ khai', body);
}

function historyCard() {
  const items = (d.history || []).slice().reverse();
  return card('history', 'Quá trình xử lý', items.length
    ? el('ol', { class: 'timeline compact', id: 'history-list' }, items.map((h) => el('li', {},
      el('span', { class: 'when num' }, shortDateTime(h.at)),
      el('span', { class: 'what' }, h.action_title || EVENT_TITLE[h.action] || (h.status ? h.status.name : '')),
      h.actor || h.unit || h.status ? el('div', { class: 'muted small who-line' },
        [actorText(h.actor), h.unit ? h.unit.name : null].filter(Boolean).join(' · '),
        h.status ? el('span', { class: 'hist-status' }, `${h.actor || h.unit ? ' — ' : ''}${h.status.code}. ${h.status.name}`) : '') : null,
      h.note ? el('div', { class: 'note' }, readableTimes(h.note)) : null)))
    : el('p', { class: 'muted mb-0' }, 'Chưa có.'));
}

/** Who took a step: an officer by name, the applicant as such, the system when nobody did. */
function actorText(a) {
  if (!a) return null;
  if (a.kind === 'citizen') return `${a.full_name || a.login} (người nộp)`;
  return a.full_name || a.login;
}

/* ---------------- result documents (kết quả giải quyết) ---------------- */

const KIND = { 'application/pdf': 'PDF', 'image/jpeg': 'Ảnh JPEG', 'image/png': 'Ảnh PNG' };
// What the last upload or removal left to say, drawn once by the next resultsCard().
let resultNotice = null;

function resultRow(r) {
  return el('li', { class: 'file-row', dataset: { result: r.name } },
    el('div', {},
      el('a', { class: 'name', href: resultFileUrl(r), download: r.name }, r.name),
      el('div', { class: 'meta' }, [KIND[r.content_type] || r.content_type, formatSize(r.size), r.uploaded_at ? shortDateTime(r.uploaded_at) : ''].filter(Boolean).join(' · '))),
    d.can_edit_results
      ? el('button', { type: 'button', class: 'btn btn-ghost btn-small', 'aria-label': `Xóa tệp ${r.name}`, onclick: () => openRemoveResult(r) }, 'Xóa')
      : el('span'));
}

function resultNoticeBox() {
  const n = resultNotice;
  resultNotice = null;
  if (!n) return null;
  const box = n.problems && n.problems.length
    ? alertBox('error', n.title || (n.stored ? `Đã đính kèm ${n.stored} tệp; có tệp chưa đính kèm được` : 'Chưa đính kèm được tệp'),
      el('ul', { class: 'mb-0' }, n.problems.map((m) => el('li', {}, m))))
    : alertBox('success', n.text);
  box.id = 'results-notice';
  return box;
}

function resultsCard() {
  const list = d.results || [];
  const edit = d.can_edit_results;
  if (!d.code || (!list.length && !edit && !hasResult())) return null;
  const code = d.status ? d.status.code : 0;
  let upload = null;
  if (edit) {
    const input = el('input', {
      type: 'file', id: 'result-file', multiple: true, accept: ACCEPT,
      'aria-label': 'Chọn tệp kết quả', 'aria-describedby': 'result-file-hint',
    });
    input.addEventListener('change', () => uploadResults(input));
    upload = el('div', { class: 'result-upload' },
      el('p', { class: 'hint', id: 'result-file-hint' },
        'Văn bản đã ký (quyết định, giấy chứng nhận, trích lục…) dạng PDF, JPEG hoặc PNG; tối đa 10 MB mỗi tệp, 10 tệp và 50 MB mỗi hồ sơ. Người nộp tải về được sau khi hồ sơ đã trả kết quả.'),
      el('div', { class: 'file-pick mt-0' }, input, el('label', { class: 'btn btn-secondary btn-small', for: 'result-file', 'aria-hidden': 'true' }, '+ Chọn tệp kết quả')));
  }
  return card('results', 'Kết quả giải quyết',
    resultNoticeBox(),
    hasResult() ? el('ul', { class: 'papers' }, el('li', { class: 'paper' },
      el('div', {}, el('strong', {}, 'Kết quả do hệ thống lập'), el('div', { class: 'muted small' }, code === 10 ? 'Đã trả cho người nộp' : 'Đã xử lý xong, chờ trả kết quả')),
      el('div', { class: 'paper-act' }, pdfLink(resultUrl(), { class: 'btn btn-secondary btn-small', id: 'view-result' }, 'Xem kết quả')))) : null,
    el('h3', { class: 'small-h' }, 'Văn bản kết quả đính kèm'),
    list.length ? null : el('p', { class: 'muted mb-0', id: 'results-empty' }, edit ? 'Chưa đính kèm văn bản kết quả nào.' : 'Không có văn bản kết quả đính kèm.'),
    el('ul', { class: 'file-list', id: 'result-list' }, list.map(resultRow)),
    el('div', { class: 'visually-hidden', id: 'results-live', 'aria-live': 'polite' }),
    upload,
    !edit && code === 10 && list.length ? el('p', { class: 'muted small mb-0' }, 'Kết quả đã trả cho người nộp; văn bản kết quả không thay đổi được nữa.') : null);
}

/** Redraws the results card from the server's copy of the dossier (the whole page if the dossier moved). */
async function refreshResults(focus) {
  let fresh;
  try {
    fresh = await api.get(`/staff/dossiers/${api.seg(d.id)}`);
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    await reload();
    return;
  }
  const moved = fresh.state !== d.state;
  d = fresh;
  if (moved) view();
  else $('#results')?.replaceWith(resultsCard() || el('div'));
  const target = focus && $(focus);
  if (target) { if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1'); target.focus(); }
}

async function uploadResults(input) {
  const chosen = Array.from(input.files);
  if (!chosen.length) return;
  const problems = [];
  const list = $('#result-list');
  const live = $('#results-live');
  $('#results-empty')?.remove();
  $('#results-notice')?.remove();
  input.disabled = true;
  const stored = await uploadEach(chosen, {
    list,
    path: (name) => `/staff/dossiers/${api.seg(d.id)}/results/${api.seg(name)}`,
    taken: new Set((d.results || []).map((r) => r.name)), // a new file never replaces one attached,
    createOnly: true, // nor one another officer attached meanwhile under the same name
    fallback: 'ket-qua',
    onUploaded: (meta) => {
      const r = { uploaded_at: new Date().toISOString(), ...meta };
      d.results = (d.results || []).filter((x) => x.name !== r.name).concat([r]);
      list.append(resultRow(r)); // its progress row is gone: files go one after another
      if (live) live.textContent = `Đã đính kèm ${r.name}`;
    },
    onError: (message) => problems.push(message),
  });
  resultNotice = problems.length ? { problems, stored } : { text: `Đã đính kèm ${stored} tệp kết quả.` };
  await refreshResults(problems.length ? '#results-notice' : '#result-file');
}

let removing = null;

function openRemoveResult(r) {
  removing = r;
  const form = $('#result-remove-form');
  clearErrors(form);
  $('#result-remove-sub').textContent = dossierLine();
  render($('#result-remove-text'), 'Xóa tệp ', el('strong', {}, r.name), ` (${KIND[r.content_type] || r.content_type}, ${formatSize(r.size)}) khỏi kết quả giải quyết của hồ sơ? Người nộp sẽ không nhận được tệp này.`);
  $('#result-remove-dialog').showModal();
  $('#result-remove-cancel').focus();
}

async function submitRemoveResult(e) {
  e.preventDefault();
  const r = removing;
  const form = $('#result-remove-form');
  const restore = busy($('#result-remove-confirm'), 'Đang xóa…');
  try {
    await api.del(`/staff/dossiers/${api.seg(d.id)}/results/${api.seg(r.name)}`);
  } catch (err) {
    restore();
    if (err.status === 401) { goLogin(); return; }
    if (err.status === 404 || err.status === 409) {
      // Removed by someone else, or the result was returned meanwhile: show it as it is now.
      $('#result-remove-dialog').close();
      resultNotice = { title: 'Chưa xóa được tệp', problems: [`Không xóa được “${r.name}”: ${err.message}`] };
      await refreshResults('#results-notice');
      return;
    }
    showFieldErrors(form, [{ field: null, message: err.message }], 'Chưa xóa được tệp');
    return;
  }
  restore();
  $('#result-remove-dialog').close();
  resultNotice = { text: `Đã xóa tệp ${r.name}.` };
  await refreshResults('#results-notice');
}

/* ---------------- papers: receipt, apology letters ---------------- */

function papersCard() {
  if (!d.code) return null;
  const apologies = (d.apologies || []).slice().sort((a, b) => b.n - a.n);
  const item = (title, sub, ...right) => el('li', { class: 'paper' },
    el('div', {}, el('strong', {}, title), sub ? el('div', { class: 'muted small' }, sub) : null), el('div', { class: 'paper-act' }, ...right));
  return card('papers', 'Giấy tờ, văn bản',
    el('ul', { class: 'papers' },
      item('Giấy tiếp nhận hồ sơ và hẹn trả kết quả', `Tiếp nhận ${shortDateTime(d.submitted_at)}`,
        pdfLink(receiptUrl(), { class: 'btn btn-secondary btn-small', id: 'print-receipt' }, 'In giấy tiếp nhận'))),
    apologies.length ? el('div', {},
      el('h3', { class: 'small-h' }, 'Phiếu xin lỗi và hẹn lại ngày trả kết quả'),
      el('ol', { class: 'apology-list', id: 'apology-list' }, apologies.map((a) => el('li', { dataset: { n: String(a.n) } },
        el('div', { class: 'apology-top' },
          el('strong', {}, `Phiếu số ${a.n}`),
          el('span', { class: 'muted small num' }, ` · lập ${shortDateTime(a.at)}`),
          pdfLink(letterUrl(a.n), { class: 'apology-link', 'aria-label': `Xem phiếu xin lỗi số ${a.n} (PDF)` }, 'Xem phiếu')),
        el('div', { class: 'small num' }, el('span', { class: 'old-due' }, shortDateTime(a.old_due_at)), ' → ', el('strong', {}, shortDateTime(a.new_due_at))),
        a.reason ? el('div', { class: 'note' }, a.reason) : null)))) : null);
}

/** Open, and due within a day or late: the moment for an apology letter (the server decides). */
function apologyDue() {
  if (!d.code || !d.due_at || (d.clock !== 'running' && d.clock !== 'paused')) return false;
  return new Date(d.due_at).getTime() - Date.now() <= 86400e3;
}

const mayApologize = () => apologyDue() && who && who.roles.some((r) => APOLOGY_ROLES.has(r.role));

function apologyBlock() {
  if (!mayApologize()) return null;
  const left = new Date(d.due_at).getTime() - Date.now();
  return el('div', { class: 'apology-cta', id: 'apology-cta' },
    el('p', { class: 'small' }, el('strong', {}, left < 0 ? `Hồ sơ quá hạn ${span(-left)}.` : `Hồ sơ đến hạn sau ${span(left)}.`),
      ' Gửi người nộp phiếu xin lỗi và hẹn lại ngày trả kết quả.'),
    el('button', { type: 'button', class: 'btn btn-warn', id: 'apologize', onclick: openApology }, 'Xin lỗi và hẹn lại'));
}

function registeredBanner() {
  if (!justRegistered || !d.code) return null;
  return el('div', { class: 'registered', id: 'registered', role: 'status', tabindex: '-1' },
    el('div', { class: 'registered-text' },
      el('strong', { class: 'registered-title' }, 'Đã tiếp nhận hồ sơ ', el('span', { class: 'mono' }, d.code)),
      el('p', { class: 'mb-0' }, 'Hẹn trả kết quả: ', el('strong', { class: 'num' }, shortDateTime(d.due_at)), ` · ${CHANNEL[d.channel] || ''}`),
      el('p', { class: 'small mb-0' }, 'In Giấy tiếp nhận hồ sơ và hẹn trả kết quả, ký và giao cho người nộp', d.channel === 'post' ? ' (gửi kèm qua bưu chính)' : '', '.'),
      d.claim_code ? el('p', { class: 'small mb-0' }, 'Mã nhận hồ sơ để người nộp theo dõi trực tuyến: ',
        el('strong', { class: 'mono', id: 'registered-claim' }, d.claim_code), ' (có trên giấy tiếp nhận).') : null),
    el('div', { class: 'registered-actions' },
      pdfLink(receiptUrl(), { class: 'btn btn-large', id: 'print-receipt-big' }, 'In giấy tiếp nhận'),
      el('a', { class: 'btn btn-ghost', href: walkinUrl(), id: 'next-walkin' }, 'Tiếp nhận hồ sơ khác')));
}

/* ---------------- issued documents (docs/signatures.md) ---------------- */

// How each issued document stands: signed, signed and waiting for its timestamp, being
// signed (the outbox), or refused (the key store's reason).
const ISSUED_STATE = { signed: 'Đã ký số', awaiting_timestamp: 'Chờ dấu thời gian', pending: 'Đang ký số' };

function issuedUrl(x) {
  if (x.kind === 'receipt') return receiptUrl();
  if (x.kind === 'result') return x.ref ? resultFileUrl({ name: x.ref }) : resultUrl();
  if (x.kind === 'apology') return letterUrl(x.ref);
  return null;
}

function issuedCard() {
  const list = d.issued || [];
  if (!list.length) return null;
  return card('issued', 'Văn bản đã ký số', el('ul', { class: 'issued-list', id: 'issued-list' }, list.map((x) => {
    const url = issuedUrl(x);
    const state = x.state === 'failed' ? `Lỗi: ${x.error || 'không ký số được'}` : ISSUED_STATE[x.state] || x.state;
    return el('li', { dataset: { publicId: x.public_id, state: x.state } },
      url ? pdfLink(url, { 'aria-label': `Xem ${x.title} (PDF)` }, x.title) : el('span', {}, x.title),
      ' ', el('span', { class: x.state === 'failed' ? 'issued-state error' : 'issued-state muted small' }, state));
  })));
}

// Refusals of the signing that the approval starts with: the key store's reasons.
const SIGNING_REFUSALS = new Set(['no_certificate', 'certificate_expired', 'certificate_revoked',
  'certificate_not_yet_valid', 'token_failed', 'master_key_unavailable', 'key_undecryptable', 'sign_failed', 'results_changed']);

function holdsCard() {
  const holds = d.holds || [];
  if (!holds.length) return null;
  return card('holds', 'Đơn vị đã giữ hồ sơ', el('ol', { class: 'holds' }, holds.map((h) => el('li', { class: h.to ? '' : 'current' },
    el('strong', {}, h.unit.name),
    el('span', { class: 'muted small num' }, ` ${shortDateTime(h.from)} → ${h.to ? shortDateTime(h.to) : 'nay'}`)))));
}

function actionsCard() {
  const acts = d.actions || [];
  const apology = apologyBlock();
  const body = acts.length
    ? el('div', { class: 'action-list' }, acts.map((a) => {
      const cls = DANGER.has(a.action) ? 'btn btn-danger' : a.needs_note ? 'btn btn-ghost' : 'btn';
      const b = el('button', { type: 'button', class: cls, dataset: { action: a.action } }, a.title);
      b.addEventListener('click', () => (a.action === 'request_payment' ? openFeeRequest(a.title) : openAction(a)));
      return b;
    }))
    : el('p', { class: 'muted mb-0', id: 'no-actions' }, d.clock === 'stopped'
      ? 'Hồ sơ đã kết thúc xử lý; không còn thao tác nào.'
      : apology ? 'Ngoài phiếu xin lỗi, vai trò của bạn không có thao tác nào khác ở trạng thái này.'
        : mayConfirmDesk() || mayRequestInPayment() ? 'Hồ sơ chờ nộp phí, lệ phí: thao tác ở mục “Phí, lệ phí”.'
          : 'Ở trạng thái hiện tại, vai trò của bạn không có thao tác nào với hồ sơ này.');
  return card('actions', 'Thao tác', apology, body);
}

function view() {
  render($('#content'),
    el('div', { id: 'page-alert' }),
    registeredBanner(),
    head(),
    el('div', { class: 'dossier-grid' },
      el('div', { class: 'dossier-main' }, applicantCard(), documentsCard(), resultsCard(), formCard()),
      el('div', { class: 'dossier-side' }, actionsCard(), paymentCard(), issuedCard(), papersCard(), historyCard(), holdsCard())));
  $('#crumb').textContent = d.code;
  document.title = `${d.code} – Một cửa điện tử tỉnh Thanh Hóa`;
}

function pageAlert(kind, title, ...body) {
  const slot = $('#page-alert');
  if (!slot) return;
  const box = alertBox(kind, title, ...body);
  box.id = kind === 'success' ? 'action-ok' : 'action-error';
  render(slot, box);
  box.focus();
}

/* ---------------- action dialog ---------------- */

function officerPicker() {
  const select = el('select', { name: 'assignee', 'aria-required': 'true' }, el('option', { value: '' }, 'Đang tải danh sách cán bộ…'));
  api.get('/staff/officers', { unit: d.current_unit.code }).then((r) => {
    const items = r.items || [];
    render(select, el('option', { value: '' }, items.length ? '— Chọn cán bộ —' : 'Không có cán bộ xử lý nào của đơn vị'),
      items.map((o) => el('option', { value: o.login },
        `${o.full_name} (${o.login})${d.assignee && d.assignee.login === o.login ? ' – đang xử lý' : ''}`)));
  }).catch((err) => {
    render(select, el('option', { value: '' }, 'Không tải được danh sách cán bộ'));
    showFieldErrors($('#action-form'), [{ field: 'assignee', message: err.message }]);
  });
  return fieldBox({ id: 'assignee', label: 'Cán bộ xử lý', required: true, hint: `Cán bộ được xử lý hồ sơ của ${d.current_unit.name}.`, input: select });
}

/** A unit chosen by searching the unit list on the server (GET /units?q=). */
function unitPicker() {
  const hidden = el('input', { type: 'hidden', name: 'unit', value: '' });
  const input = el('input', {
    type: 'search', role: 'combobox', autocomplete: 'off', spellcheck: 'false', 'aria-autocomplete': 'list',
    'aria-expanded': 'false', 'aria-controls': 'unit-results', placeholder: 'Gõ tên đơn vị, ví dụ: Sở Tư pháp', maxlength: '100',
  });
  const list = el('ul', { class: 'pick-list', id: 'unit-results', role: 'listbox', 'aria-label': 'Đơn vị tìm được', hidden: true });
  const chosen = el('p', { class: 'picked small', 'aria-live': 'polite' });
  let timer = null;
  let seq = 0;
  let active = -1;
  const options = () => Array.from(list.querySelectorAll('[role="option"]'));
  function setActive(i) {
    const opts = options();
    opts.forEach((o, k) => o.classList.toggle('active', k === i));
    active = i;
    if (opts[i]) { input.setAttribute('aria-activedescendant', opts[i].id); opts[i].scrollIntoView({ block: 'nearest' }); } else input.removeAttribute('aria-activedescendant');
  }
  function pick(u) {
    hidden.value = u.code;
    input.value = u.name;
    render(chosen, 'Chuyển tới: ', el('strong', {}, u.name), el('span', { class: 'muted' }, ` (${u.code})`));
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
  }
  async function search() {
    const q = input.value.trim();
    const mine = ++seq;
    let items = [];
    try {
      items = (await api.get('/units', { q, limit: 20 })).items || [];
    } catch (err) {
      if (mine === seq) render(list, el('li', { class: 'pick-empty' }, err.message));
      return;
    }
    if (mine !== seq) return;
    render(list, items.length ? items.map((u, k) => {
      const here = d.current_unit && u.code === d.current_unit.code;
      return el('li', {
        role: 'option', id: 'unit-opt-' + k, 'aria-disabled': here ? 'true' : null, dataset: { code: u.code },
        onmousedown: (e) => e.preventDefault(), onclick: () => { if (!here) pick(u); },
      }, u.name, el('span', { class: 'muted small' }, here ? ' – đang giữ hồ sơ' : ` · ${u.code}`));
    }) : el('li', { class: 'pick-empty' }, 'Không có đơn vị phù hợp'));
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    setActive(-1);
  }
  input.addEventListener('input', () => {
    if (hidden.value) { hidden.value = ''; render(chosen); }
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  input.addEventListener('focus', () => { if (!hidden.value) search(); });
  input.addEventListener('keydown', (e) => {
    const opts = options();
    if (e.key === 'ArrowDown') { e.preventDefault(); setActive(opts.length ? (active + 1) % opts.length : -1); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); setActive(opts.length ? (active - 1 + opts.length) % opts.length : -1); }
    else if (e.key === 'Enter' && !list.hidden && active >= 0) { e.preventDefault(); opts[active].click(); }
    else if (e.key === 'Escape' && !list.hidden) { e.preventDefault(); e.stopPropagation(); list.hidden = true; input.setAttribute('aria-expanded', 'false'); }
  });
  input.addEventListener('blur', () => setTimeout(() => { list.hidden = true; input.setAttribute('aria-expanded', 'false'); }, 150));
  const box = fieldBox({ id: 'unit-search', label: 'Đơn vị nhận hồ sơ', required: true, hint: 'Tìm theo tên đơn vị (gõ không dấu cũng được).', input });
  input.name = 'unit_search';
  box.append(hidden, el('div', { class: 'pick' }, list), chosen);
  return box;
}

function noteField(a) {
  const ta = el('textarea', { name: 'note', rows: '4', maxlength: '1000' });
  return fieldBox({
    id: 'note',
    label: a.needs_note ? 'Lý do, nội dung' : 'Ghi chú',
    required: a.needs_note,
    hint: 'Được lưu vào quá trình xử lý; công dân xem được trong hồ sơ của mình.',
    input: ta,
  });
}

let current = null;

function openAction(a) {
  current = a;
  const dlg = $('#action-dialog');
  const form = $('#action-form');
  clearErrors(form);
  $('#action-title').textContent = a.title;
  $('#action-sub').textContent = `Hồ sơ ${d.code} · ${d.procedure.name}${d.applicant && d.applicant.name ? ' · ' + d.applicant.name : ''}`;
  render($('#action-fields'),
    a.param === 'assignee' ? officerPicker() : null,
    a.param === 'unit' ? unitPicker() : null,
    noteField(a));
  const confirm = $('#action-confirm');
  confirm.textContent = a.title;
  confirm.className = DANGER.has(a.action) ? 'btn btn-danger' : 'btn';
  dlg.showModal();
  const first = form.querySelector('#action-fields select, #action-fields input:not([type=hidden]), #action-fields textarea');
  if (first) first.focus();
}

async function submitAction(e) {
  e.preventDefault();
  const a = current;
  const form = $('#action-form');
  const body = {};
  const errors = [];
  const note = form.note.value.trim();
  if (note) body.note = note;
  else if (a.needs_note) errors.push({ field: 'note', message: 'Vui lòng ghi rõ lý do, nội dung' });
  if (a.param === 'assignee') {
    if (form.assignee.value) body.assignee = form.assignee.value;
    else errors.push({ field: 'assignee', message: 'Vui lòng chọn cán bộ xử lý' });
  }
  if (a.param === 'unit') {
    if (form.unit.value) body.unit = form.unit.value;
    else errors.push({ field: 'unit_search', message: 'Vui lòng chọn đơn vị nhận hồ sơ' });
  }
  if (errors.length) { showFieldErrors(form, errors, 'Chưa đủ thông tin'); return; }
  clearErrors(form);
  const restore = busy($('#action-confirm'), 'Đang thực hiện…');
  try {
    await api.post(`/staff/dossiers/${api.seg(d.id)}/actions/${api.seg(a.action)}`, body);
  } catch (err) {
    restore();
    if (err.status === 401) { goLogin(); return; }
    if (SIGNING_REFUSALS.has(err.code)) {
      // The result could not be signed: nothing changed; say why, plainly.
      $('#action-dialog').close();
      pageAlert('error', `Chưa ký số được kết quả nên chưa thực hiện “${a.title}”`, el('p', { id: 'signing-refusal' }, err.message),
        el('p', { class: 'small' }, 'Hồ sơ chưa thay đổi. Liên hệ quản trị viên để cập nhật chứng thư số hoặc kiểm tra thiết bị ký số, rồi thực hiện lại.'));
      return;
    }
    if (err.status === 409 || err.status === 404) {
      // Someone else moved the dossier meanwhile: show the state as it is now.
      $('#action-dialog').close();
      await reload();
      pageAlert('error', `Không thực hiện được “${a.title}”`, el('p', {}, err.message), el('p', { class: 'small' }, 'Trang đã tải lại trạng thái mới nhất của hồ sơ.'));
      return;
    }
    const field = err.field === 'unit' ? 'unit_search' : err.field;
    showFieldErrors(form, [{ field: ['note', 'assignee', 'unit_search'].includes(field) ? field : null, message: err.message }], `Không thực hiện được “${a.title}”`);
    return;
  }
  restore();
  $('#action-dialog').close();
  const ok = await reload();
  if (ok) pageAlert('success', `Đã thực hiện: ${a.title}`, el('p', {}, 'Trạng thái hiện tại: ', el('strong', {}, d.state_title || ''), '. ', el('a', { href: lastQueue() }, 'Về danh sách hồ sơ')));
}

/* ---------------- apology letter with a new appointment ---------------- */

const pad = (n) => String(n).padStart(2, '0');
const ymd = (p) => `${p.y}-${pad(p.mo)}-${pad(p.d)}`;

/** A first guess for the new appointment: the next weekday after today or the old date, 16:00. */
function suggestedDate() {
  const now = Date.now();
  const from = Math.max(now, new Date(d.due_at).getTime());
  let t = from + 86400e3;
  for (let i = 0; i < 7; i++, t += 86400e3) {
    const dow = new Date(t + 7 * 3600e3).getUTCDay();
    if (dow !== 0 && dow !== 6) break;
  }
  return ymd(vn(new Date(t).toISOString()));
}

function openApology() {
  const dlg = $('#apology-dialog');
  const form = $('#apology-form');
  clearErrors(form);
  const late = new Date(d.due_at).getTime() < Date.now();
  $('#apology-sub').textContent = `Hồ sơ ${d.code} · ${d.procedure.name}${d.applicant && d.applicant.name ? ' · ' + d.applicant.name : ''}`;
  const date = el('input', { type: 'date', name: 'new_date', class: 'input-narrow', value: suggestedDate(), min: ymd(vn(new Date().toISOString())) });
  const time = el('input', { type: 'time', name: 'new_time', value: '16:00', step: '60', class: 'input-time' });
  const reason = el('textarea', { name: 'reason', rows: '4', maxlength: '500' });
  render($('#apology-fields'),
    el('p', { class: 'apology-old' }, late ? 'Hẹn đã quá: ' : 'Hẹn hiện tại: ', el('strong', { class: 'num' }, shortDateTime(d.due_at)),
      d.first_due_at && d.first_due_at !== d.due_at ? el('span', { class: 'muted small' }, ` (hẹn lần đầu ${shortDateTime(d.first_due_at)})`) : null),
    el('div', { class: 'when-row' },
      fieldBox({ id: 'new-date', label: 'Ngày hẹn mới', required: true, input: date }),
      fieldBox({ id: 'new-time', label: 'Giờ', required: true, input: time })),
    el('p', { class: 'hint when-hint' }, 'Giờ Việt Nam, trong giờ làm việc của Bộ phận một cửa; phải sau ngày hẹn hiện tại.'),
    fieldBox({ id: 'apology-reason', label: 'Lý do chậm trả kết quả', required: true, hint: 'In trên phiếu xin lỗi gửi người nộp; người nộp xem được trong hồ sơ của mình.', input: reason }));
  dlg.showModal();
  date.focus();
}

async function submitApology(e) {
  e.preventDefault();
  const form = $('#apology-form');
  const date = form.new_date.value;
  const time = form.new_time.value.slice(0, 5);
  const reason = form.reason.value.replace(/\s+/g, ' ').trim(); // one line, as the API takes it
  const errors = [];
  const when = Date.parse(`${date}T${time}:00+07:00`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) errors.push({ field: 'new_date', message: 'Vui lòng chọn ngày hẹn mới' });
  else if (!/^\d{2}:\d{2}$/.test(time)) errors.push({ field: 'new_time', message: 'Vui lòng nhập giờ hẹn' });
  else if (Number.isNaN(when) || when <= Date.now() || when <= new Date(d.due_at).getTime()) {
    errors.push({ field: 'new_date', message: 'Ngày hẹn mới phải sau thời điểm hiện tại và sau ngày hẹn cũ' });
  }
  if (!reason) errors.push({ field: 'reason', message: 'Vui lòng nêu lý do chậm trả kết quả' });
  if (errors.length) { showFieldErrors(form, errors, 'Chưa đủ thông tin'); return; }
  clearErrors(form);
  const restore = busy($('#apology-confirm'), 'Đang lập phiếu…');
  let r;
  try {
    r = await api.post(`/staff/dossiers/${api.seg(d.id)}/apology`, { new_due_at: `${date}T${time}`, reason });
  } catch (err) {
    restore();
    if (err.status === 401) { goLogin(); return; }
    const field = { new_due_at: 'new_date', reason: 'reason' }[err.field] || null;
    showFieldErrors(form, [{ field, message: err.message }], 'Chưa lập được phiếu xin lỗi');
    return;
  }
  restore();
  $('#apology-dialog').close();
  await reload();
  const n = r && r.apology;
  pageAlert('success', `Đã lập Phiếu xin lỗi và hẹn lại${n ? ' số ' + n : ''}`,
    el('p', {}, 'Hẹn trả kết quả mới: ', el('strong', {}, shortDateTime(d.due_at)), '. ',
      n ? pdfLink(letterUrl(n), { id: 'new-letter' }, 'In phiếu xin lỗi (PDF)') : null));
}

/* ---------------- fees and payment (phí, lệ phí) ---------------- */

const money = (v) => Number(v).toLocaleString('vi-VN') + ' đồng';
const hasRole = (roles) => who && who.roles.some((r) => roles.has(r.role));
/** The fee may be asked for although the step was already taken (an exempt procedure's generic step). */
const mayRequestInPayment = () => d.state === 'payment' && pay && !pay.error && !(pay.payment && pay.payment.status === 'pending') && hasRole(FEE_ROLES);
const mayConfirmDesk = () => pay && !pay.error && pay.payment && pay.payment.status === 'pending' && hasRole(DESK_PAY_ROLES);

function feeText(fee) {
  if (!fee) return el('span', { class: 'muted' }, 'Không quy định');
  return [fee.exempt ? 'Miễn phí, lệ phí' : money(fee.amount), fee.note ? el('span', { class: 'sub' }, fee.note) : null];
}

function payStatus(p) {
  const [text, cls] = PAY_STATUS[p.status] || [p.status, 'status-draft'];
  return el('span', { class: 'status ' + cls }, text);
}

function paymentCard() {
  if (!d.code || !pay) return null;
  if (pay.error) {
    return card('payment', 'Phí, lệ phí', el('p', { class: 'muted mb-0', id: 'payment-error' }, 'Không tải được thông tin phí, lệ phí: ', pay.error));
  }
  const p = pay.payment;
  const facts = [fact('Mức thu theo thủ tục', el('dd', { id: 'fee-amount' }, feeText(pay.fee)))];
  if (p) {
    facts.push(
      fact('Số tiền phải nộp', el('dd', { id: 'pay-amount' }, el('span', { class: 'num' }, money(p.amount)))),
      fact('Trạng thái', el('dd', { id: 'pay-status', dataset: { status: p.status } }, payStatus(p))),
      fact('Mã thanh toán', el('dd', { id: 'pay-reference' }, el('span', { class: 'mono' }, p.reference),
        p.status === 'pending' ? el('span', { class: 'sub' }, 'Nội dung chuyển khoản, mã giao dịch trên cổng thanh toán') : null)),
      fact('Nội dung', el('dd', {}, p.purpose, p.note ? el('span', { class: 'sub', id: 'pay-note' }, p.note) : null)),
      fact('Yêu cầu lúc', el('dd', { class: 'num' }, shortDateTime(p.created_at))));
    if (p.status === 'paid') {
      facts.push(
        fact('Đã nộp lúc', el('dd', { id: 'pay-paid-at', class: 'num' }, shortDateTime(p.paid_at))),
        fact('Hình thức nộp', el('dd', { id: 'pay-method' }, PAY_METHOD[p.method] || p.method,
          p.gateway_txn ? el('span', { class: 'sub' }, `Giao dịch ${p.gateway_txn}`) : null)));
      // Recorded by an officer (desk, bank transfer): what was written, and who.
      if (p.paid_note !== null && p.paid_note !== undefined) {
        facts.push(fact('Chứng từ nộp', el('dd', { id: 'pay-paid-note' }, p.paid_note || el('span', { class: 'muted' }, 'Không ghi số biên lai, số giao dịch'))));
      }
      if (p.confirmed_by) facts.push(fact('Cán bộ xác nhận', el('dd', { id: 'pay-confirmed-by' }, p.confirmed_by)));
    }
    if (p.status === 'cancelled') facts.push(fact('Đã hủy lúc', el('dd', { class: 'num' }, shortDateTime(p.cancelled_at))));
  }
  let footer = null;
  if (p && p.status === 'pending') {
    footer = el('div', {},
      el('p', { class: 'muted small' }, 'Thời hạn giải quyết tạm dừng cho tới khi người nộp nộp xong (trực tuyến, chuyển khoản với nội dung ',
        el('span', { class: 'mono' }, p.reference), ' hoặc tại quầy).'),
      mayConfirmDesk() ? el('button', { type: 'button', class: 'btn', id: 'deskpay-open', onclick: openDeskPayment }, 'Xác nhận đã nộp tại quầy') : null);
  } else if (!p) {
    footer = el('p', { class: 'muted small mb-0', id: 'pay-none' }, d.state === 'payment'
      ? 'Hồ sơ đang chờ thực hiện nghĩa vụ tài chính nhưng chưa có khoản phải nộp: cần nêu số tiền.'
      : 'Chưa yêu cầu nộp phí, lệ phí.');
  }
  const request = mayRequestInPayment()
    ? el('button', { type: 'button', class: 'btn btn-secondary', id: 'fee-request-open', onclick: () => openFeeRequest('Yêu cầu nộp phí, lệ phí') }, 'Yêu cầu nộp phí, lệ phí')
    : null;
  return card('payment', 'Phí, lệ phí', el('dl', { class: 'facts' }, facts), footer, request);
}

const dossierLine = () => `Hồ sơ ${d.code} · ${d.procedure.name}${d.applicant && d.applicant.name ? ' · ' + d.applicant.name : ''}`;

function openFeeRequest(title) {
  const dlg = $('#fee-dialog');
  const form = $('#fee-form');
  clearErrors(form);
  const fee = pay && !pay.error ? pay.fee : null;
  $('#fee-title').textContent = title;
  $('#fee-sub').textContent = dossierLine();
  const amount = el('input', {
    type: 'text', name: 'amount', inputmode: 'numeric', autocomplete: 'off', class: 'input-narrow num', maxlength: '20',
    value: fee && !fee.exempt && fee.amount > 0 ? String(fee.amount) : '',
  });
  // At most 300 characters: the server keeps the note in 1024 bytes (a Vietnamese letter takes 2-3).
  const note = el('textarea', { name: 'note', rows: '3', maxlength: '300' });
  render($('#fee-fields'),
    !fee ? null : fee.exempt
      ? el('div', { class: 'alert alert-info', id: 'fee-exempt' }, el('strong', { class: 'alert-title' }, 'Thủ tục được miễn phí, lệ phí'),
        fee.note ? el('p', { class: 'small' }, fee.note) : null,
        el('p', { class: 'small mb-0' }, 'Chỉ nhập số tiền khi hồ sơ này phải nộp (ví dụ đăng ký quá hạn).'))
      : el('div', { class: 'alert alert-info', id: 'fee-info' }, el('strong', { class: 'alert-title' }, `Mức thu theo thủ tục: ${money(fee.amount)}`),
        fee.note ? el('p', { class: 'small mb-0' }, 'Mức thu, miễn, giảm: ', fee.note) : null),
    fieldBox({
      id: 'fee-amount-input', label: 'Số tiền phải nộp (đồng)', required: !fee || fee.exempt,
      hint: fee && !fee.exempt ? 'Điền sẵn theo mức thu của thủ tục (để trống cũng thu theo mức này); sửa nếu hồ sơ có số bản, số trang khác hoặc được miễn, giảm.' : 'Số nguyên, đơn vị đồng, ví dụ 8000.',
      input: amount,
    }),
    fieldBox({ id: 'fee-note', label: 'Khoản phải nộp, ghi chú', required: true, hint: 'Người nộp xem được nội dung này trên trang nộp phí, lệ phí.', input: note }));
  dlg.showModal();
  amount.focus();
}

/** "8.000" or "8 000" -> 8000; "" -> null (the procedure's fee); NaN when not a whole number. */
function parseAmount(text) {
  const t = text.trim().replace(/[.\s\u00a0]/g, '').replace(/(đồng|đ|₫|vnd)$/i, '');
  if (!t) return null;
  return /^\d{1,15}$/.test(t) ? Number(t) : NaN;
}

async function submitFeeRequest(e) {
  e.preventDefault();
  const form = $('#fee-form');
  const amount = parseAmount(form.amount.value);
  const note = form.note.value.replace(/\s+/g, ' ').trim(); // one line: the API refuses control characters
  const errors = [];
  if (Number.isNaN(amount) || amount === 0 || amount > MAX_AMOUNT) {
    errors.push({ field: 'amount', message: 'Số tiền phải là số nguyên dương (đồng), tối đa 999.999.999.999' });
  }
  if (!note) errors.push({ field: 'note', message: 'Vui lòng ghi rõ khoản phí, lệ phí phải nộp' });
  if (errors.length) { showFieldErrors(form, errors, 'Chưa đủ thông tin'); return; }
  clearErrors(form);
  const body = { note };
  if (amount !== null) body.amount = amount;
  const restore = busy($('#fee-confirm'), 'Đang gửi…');
  let r;
  try {
    r = await api.post(`/staff/dossiers/${api.seg(d.id)}/payment-request`, body);
  } catch (err) {
    restore();
    if (err.status === 401) { goLogin(); return; }
    if (err.status === 409 || err.status === 404) {
      // The dossier moved meanwhile (another officer asked, it left processing): show it as it is.
      $('#fee-dialog').close();
      await reload();
      pageAlert('error', 'Chưa gửi được yêu cầu nộp phí, lệ phí', el('p', {}, err.message), el('p', { class: 'small' }, 'Trang đã tải lại trạng thái mới nhất của hồ sơ.'));
      return;
    }
    showFieldErrors(form, [{ field: ['amount', 'note'].includes(err.field) ? err.field : null, message: err.message }], 'Chưa gửi được yêu cầu nộp phí, lệ phí');
    return;
  }
  restore();
  $('#fee-dialog').close();
  const ok = await reload();
  const p = r && r.payment;
  if (ok) {
    pageAlert('success', 'Đã gửi yêu cầu nộp phí, lệ phí',
      el('p', {}, p ? ['Số tiền ', el('strong', {}, money(p.amount)), ', mã thanh toán ', el('strong', { class: 'mono' }, p.reference), '. '] : '',
        'Trạng thái hiện tại: ', el('strong', {}, d.state_title || ''), '; thời hạn giải quyết tạm dừng cho tới khi người nộp nộp xong.'));
  }
}

function openDeskPayment() {
  const p = pay.payment;
  const dlg = $('#deskpay-dialog');
  const form = $('#deskpay-form');
  clearErrors(form);
  $('#deskpay-sub').textContent = dossierLine();
  const receipt = el('input', { type: 'text', name: 'receipt', autocomplete: 'off', maxlength: '60', class: 'input-narrow' });
  const note = el('textarea', { name: 'note', rows: '2', maxlength: '200' });
  const receiptBox = fieldBox({ id: 'deskpay-receipt', label: 'Số biên lai thu phí, lệ phí', required: true, hint: 'Số in trên biên lai giao cho người nộp.', input: receipt });
  const method = (value, title, sub, checked) => el('label', { class: 'choice-card' },
    el('input', { type: 'radio', name: 'method', value, checked }),
    el('span', {}, el('strong', {}, title), el('span', { class: 'muted small' }, sub)));
  const methods = el('fieldset', { class: 'field', id: 'deskpay-method' },
    el('legend', {}, 'Hình thức nộp'),
    el('div', { class: 'choice-cards' },
      method('desk', 'Nộp tại quầy', 'Tiền mặt hoặc thẻ, tại Bộ phận một cửa', true),
      method('bank_transfer', 'Chuyển khoản', 'Đã thấy khoản chuyển trên sao kê tài khoản')));
  methods.addEventListener('change', () => {
    const bank = form.method.value === 'bank_transfer';
    receiptBox.querySelector('label').firstChild.textContent = bank ? 'Số giao dịch trên sao kê ngân hàng' : 'Số biên lai thu phí, lệ phí';
    receiptBox.querySelector('.hint').textContent = bank ? `Số giao dịch của khoản chuyển có nội dung ${p.reference}.` : 'Số in trên biên lai giao cho người nộp.';
  });
  render($('#deskpay-fields'),
    el('dl', { class: 'facts', id: 'deskpay-due' },
      fact('Số tiền phải nộp', el('dd', {}, el('strong', { class: 'num' }, money(p.amount)))),
      fact('Mã thanh toán', el('dd', { class: 'mono' }, p.reference)),
      fact('Nội dung', p.purpose)),
    methods, receiptBox,
    fieldBox({ id: 'deskpay-note', label: 'Ghi chú', hint: 'Lưu cùng khoản thanh toán, sau số biên lai, số giao dịch; người nộp xem được.', input: note }));
  dlg.showModal();
  form.querySelector('input[name="method"]:checked').focus();
}

/**
 * The note kept with a confirmation (docs/payments.md), one line: "Biên lai số 0012345" or
 * "Giao dịch ngân hàng số FT…", then ". " and the officer's remark when there is one.
 */
function confirmationNote(method, number, remark) {
  return `${method === 'bank_transfer' ? 'Giao dịch ngân hàng số' : 'Biên lai số'} ${number}${remark ? '. ' + remark : ''}`;
}

async function submitDeskPayment(e) {
  e.preventDefault();
  const form = $('#deskpay-form');
  const method = form.method.value;
  const receipt = form.receipt.value.replace(/\s+/g, ' ').trim();
  const extra = form.note.value.replace(/\s+/g, ' ').trim(); // one line: the API refuses control characters
  if (!receipt) {
    showFieldErrors(form, [{ field: 'receipt', message: method === 'bank_transfer' ? 'Vui lòng nhập số giao dịch trên sao kê' : 'Vui lòng nhập số biên lai' }]);
    return;
  }
  clearErrors(form);
  const note = confirmationNote(method, receipt, extra);
  const restore = busy($('#deskpay-confirm'), 'Đang ghi nhận…');
  let r;
  try {
    r = await api.post(`/staff/dossiers/${api.seg(d.id)}/payment/confirm-desk`, { method, note });
  } catch (err) {
    restore();
    if (err.status === 401) { goLogin(); return; }
    if (err.status === 409 || err.status === 404) {
      // Paid or cancelled meanwhile (online, by another officer): show it as it is now.
      $('#deskpay-dialog').close();
      await reload();
      pageAlert('error', 'Chưa ghi nhận được khoản nộp', el('p', {}, err.message), el('p', { class: 'small' }, 'Trang đã tải lại trạng thái mới nhất của hồ sơ.'));
      return;
    }
    showFieldErrors(form, [{ field: err.field === 'method' ? null : err.field === 'note' ? 'note' : null, message: err.message }], 'Chưa ghi nhận được khoản nộp');
    return;
  }
  restore();
  $('#deskpay-dialog').close();
  const ok = await reload();
  const p = r && r.payment;
  if (ok) {
    pageAlert('success', 'Đã ghi nhận khoản nộp phí, lệ phí',
      el('p', {}, p ? ['Đã nộp ', el('strong', {}, money(p.amount)), ` (${PAY_METHOD[p.method] || p.method}${p.paid_note ? '; ' + p.paid_note : ''}). `] : '',
        'Hồ sơ tiếp tục được giải quyết; trạng thái hiện tại: ', el('strong', {}, d.state_title || ''), '.'));
  }
}

/* ---------------- loading ---------------- */

/** Reads the dossier again and redraws; false when it can no longer be shown. */
async function reload() {
  try {
    d = await api.get(`/staff/dossiers/${api.seg(id)}`);
  } catch (err) {
    if (err.status === 401) { goLogin(); return false; }
    pageError($('#content'), err.status === 404
      ? { status: 404, message: 'Hồ sơ không còn thuộc phạm vi đơn vị của bạn (có thể vừa được chuyển sang đơn vị khác).' }
      : err, el('p', {}, el('a', { href: lastQueue() }, 'Về danh sách hồ sơ')));
    return false;
  }
  if (d.state === 'draft' && !d.code) {
    // A walk-in this officer started and has not registered yet.
    render($('#content'), alertBox('info', 'Hồ sơ đang nhập dở, chưa tiếp nhận',
      el('p', {}, el('a', { href: walkinUrl(d.id) + '#buoc-3' }, 'Tiếp tục nhập và tiếp nhận hồ sơ'))));
    return false;
  }
  const payment = d.code
    ? api.get(`/staff/dossiers/${api.seg(d.id)}/payment`).catch((err) => ({ error: err.message }))
    : Promise.resolve(null);
  if (!proc || proc.code !== d.procedure.code) {
    try { proc = await api.get(`/procedures/${api.seg(d.procedure.code)}`); } catch { proc = null; /* labels fall back to field names */ }
  }
  pay = await payment;
  view();
  return true;
}

async function init() {
  who = await initStaff('queue');
  if (!who) return;
  justRegistered = param('moi') === '1';
  if (justRegistered) history.replaceState(null, '', location.pathname + '?id=' + encodeURIComponent(param('id') || ''));
  $('#back').href = lastQueue();
  id = param('id');
  const content = $('#content');
  if (!id) { pageError(content, { status: 404, message: 'Thiếu mã hồ sơ trong địa chỉ trang.' }); return; }
  render(content, loading('Đang tải hồ sơ…'));
  $('#action-cancel').addEventListener('click', () => $('#action-dialog').close());
  $('#action-form').addEventListener('submit', submitAction);
  $('#apology-cancel').addEventListener('click', () => $('#apology-dialog').close());
  $('#apology-form').addEventListener('submit', submitApology);
  $('#fee-cancel').addEventListener('click', () => $('#fee-dialog').close());
  $('#fee-form').addEventListener('submit', submitFeeRequest);
  $('#deskpay-cancel').addEventListener('click', () => $('#deskpay-dialog').close());
  $('#deskpay-form').addEventListener('submit', submitDeskPayment);
  $('#result-remove-cancel').addEventListener('click', () => $('#result-remove-dialog').close());
  $('#result-remove-form').addEventListener('submit', submitRemoveResult);
  await reload();
  if (justRegistered) $('#registered')?.focus();
  justRegistered = false; // the banner goes with the next redraw
}

init();
