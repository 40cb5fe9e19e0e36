// can-bo/van-ban-xem.js: one outgoing document (?id=): its metadata, its file, its versions
// and their comments (the history of the flow), and the actions the API allows this officer
// in the document's state (docs/documents.md): the drafter uploads a PDF body and submits it;
// a reviewer approves or returns it with a comment; the named signer signs; the clerk issues
// it (number, date, seal). Each action asks for confirmation in a dialog; a refusal is shown
// as the server words it, and a 409 reloads the document as it now is.

import * as api from '../api.js';
import { $, el, render, loading, alertBox, busy, clearErrors, showFieldErrors, goLogin, param, formatSize, combobox } from '../ui.js';
import { initStaff } from './shell.js';
import { REVIEW_ROLES, ISSUE_ROLES, statePill, secondsDateTime, dayText, pageAlert, openStepDialog, stepDialogText } from './van-ban-common.js';
import { LOG_PAGE, statusText, messageStatePill } from './lien-thong-common.js';

const COMMENT_MAX = 2000; // characters of a review's comment
const KIND = { draft: 'Dự thảo', signed: 'Bản đã ký số', issued: 'Bản phát hành (có số, đóng dấu)' };

// The actions: the API's route, the dialog's words, and whether a comment is asked for.
const ACTIONS = {
  submit: { title: 'Trình duyệt', path: 'submit', text: 'Gửi dự thảo này để lãnh đạo duyệt? Sau khi trình, dự thảo không sửa được cho đến khi bị trả lại.' },
  approve: { title: 'Duyệt dự thảo', path: 'review', body: { decision: 'approve' }, text: 'Đồng ý với dự thảo này và chuyển sang bước ký?' },
  return: { title: 'Trả lại', path: 'review', body: { decision: 'return' }, input: { id: 'comment', label: 'Nội dung cần sửa', required: true, max: COMMENT_MAX }, text: 'Trả lại dự thảo cho người soạn để sửa. Ghi rõ nội dung cần sửa.' },
  sign: { title: 'Ký số', path: 'sign', text: 'Ký số văn bản bằng chữ ký số cá nhân của bạn? Chữ ký được đặt ở cuối trang cuối.' },
  issue: { title: 'Phát hành', path: 'issue', text: 'Cấp số, ngày ban hành, đóng dấu (chữ ký số của đơn vị), vào sổ văn bản đi và gửi đến nơi nhận? Số đã cấp không thu hồi được.' },
};

let who = null;
let doc = null;
let types = {};
let current = null; // the action of the open dialog
let exchangeUnits = null; // [{code, name, node_name}] for the clerk's "send to more units"
const moreUnits = new Map(); // code -> name: picked in that form

const id = () => {
  const v = param('id') || '';
  return /^[1-9]\d{0,11}$/.test(v) ? v : null;
};
const roleSet = () => new Set(who.roles.map((r) => r.role));
const isMe = (p) => p && p.id === who.account.id;

/* ---------------- what this officer may do ---------------- */

function allowed() {
  const roles = roleSet();
  const any = (set) => [...roles].some((r) => set.has(r));
  const out = [];
  if (['draft', 'returned'].includes(doc.state) && isMe(doc.drafter)) out.push('upload', 'submit');
  if (doc.state === 'in_review' && any(REVIEW_ROLES)) out.push('approve', 'return');
  if (doc.state === 'approved' && isMe(doc.signer)) out.push('sign');
  if (doc.state === 'signed' && any(ISSUE_ROLES)) out.push('issue');
  return out;
}

/* ---------------- drawing ---------------- */

const fact = (label, value, attrs = {}) => el('div', {}, el('dt', {}, label), el('dd', attrs, value || el('span', { class: 'muted' }, '—')));
const card = (idName, title, ...body) => el('section', { class: 'card', id: idName, 'aria-labelledby': idName + '-h' },
  el('div', { class: 'card-title' }, el('h2', { id: idName + '-h' }, title)), ...body);

function metadata() {
  const t = types[doc.type];
  const internal = doc.recipients_internal || [];
  return card('doc-meta', 'Thông tin văn bản',
    el('dl', { class: 'facts facts-2' },
      fact('Loại văn bản', t ? t.name : doc.type),
      fact('Số, ký hiệu', doc.notation, { id: 'doc-notation-fact' }),
      fact('Ngày ban hành', doc.issued_on ? dayText(doc.issued_on) : null),
      fact('Đơn vị ban hành', doc.series ? `${doc.series.name} (${doc.unit.name})` : doc.unit.name, { id: 'doc-issuer' }),
      fact('Độ khẩn', doc.priority_name),
      fact('Độ mật', doc.confidentiality === 'mat' ? 'Mật' : 'Thường'),
      fact('Người soạn', doc.drafter && doc.drafter.name),
      fact('Người duyệt', doc.reviewer && doc.reviewer.name),
      fact('Người ký', doc.signer ? `${doc.signer.name}${doc.signer_title ? ' – ' + doc.signer_title : ''}` : null),
      fact('Hạn xử lý', doc.due_at ? secondsDateTime(doc.due_at) : null),
      fact('Nơi nhận trong hệ thống', internal.length ? `${internal.length} đơn vị (nhận bản sao khi phát hành)` : null),
      fact('Nơi nhận khác', doc.recipients_external ? el('span', { class: 'pre-line' }, doc.recipients_external) : null)));
}

/** Where the document is at each recipient on another node (docs/exchange.md "Sending and
 * receiving"): the message's state, the recipient's latest status, a failure's reason. */
function exchangeCard() {
  const codes = doc.recipients_exchange || [];
  if (!codes.length) return canSendMore() ? card('doc-exchange', 'Gửi liên thông', sendMoreForm()) : null;
  const rows = doc.deliveries_exchange || [];
  if (!rows.length) {
    return card('doc-exchange', 'Gửi liên thông',
      el('ul', { id: 'exchange-recipients' }, codes.map((c) => el('li', {}, c))),
      el('p', { class: 'muted' }, 'Văn bản được gửi đến các đơn vị này khi phát hành.'));
  }
  return card('doc-exchange', 'Gửi liên thông',
    el('div', { class: 'table-scroll' }, el('table', { class: 'rc-table', id: 'exchange-deliveries' },
      el('caption', { class: 'visually-hidden' }, 'Tình trạng văn bản tại từng nơi nhận liên thông'),
      el('thead', {}, el('tr', {}, ['Nơi nhận', 'Gửi', 'Tình trạng tại nơi nhận'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows.map((d) => el('tr', { dataset: { organ: d.organ } },
        el('td', {}, d.name, el('br'), el('span', { class: 'muted small' }, `${d.organ} · nút ${d.node || '—'}`)),
        el('td', {}, messageStatePill(d.state), d.last_error && d.state !== 'delivered'
          ? el('div', { class: 'note small' }, `Lần thử ${d.attempts}: ${d.last_error}`) : null),
        el('td', { class: 'exchange-status' }, d.status_code ? statusText(d.status_code) : el('span', { class: 'muted' }, 'Chưa có phản hồi'),
          d.status_at ? el('div', { class: 'muted small' }, secondsDateTime(d.status_at)) : null)))))),
    el('p', { class: 'small' }, el('a', { href: LOG_PAGE + '?q=' + encodeURIComponent(doc.notation || '') + '&direction=out' }, 'Xem trong nhật ký liên thông')),
    sendMoreForm());
}

/** May this officer send the issued document to more units on other nodes? (The clerk of
 * an issued document not recalled: POST /documents/{id}/recipients-exchange.) */
const canSendMore = () => doc.state === 'issued' && [...roleSet()].some((r) => ISSUE_ROLES.has(r)) &&
  !(doc.marks || []).some((m) => m.kind === 'recalled') && exchangeUnits && exchangeUnits.length > 0;

/** The clerk's form: pick units on other nodes; those who have the document are told
 * (an update) and the new ones get it (docs/exchange.md "Revoke, update and replace"). */
function sendMoreForm() {
  if (!canSendMore()) return null;
  const named = new Set(doc.recipients_exchange || []);
  const combo = combobox({ id: 'send-more-unit', name: 'recipients_exchange', label: 'Đơn vị nhận thêm qua liên thông',
    placeholder: 'Gõ tên hoặc mã đơn vị để tìm…',
    options: exchangeUnits.filter((u) => !named.has(u.code)).map((u) => ({ value: u.code, label: u.name, hint: `${u.code} · ${u.node_name}` })) });
  combo.input.id = 'send-more-unit';
  combo.input.setAttribute('aria-describedby', 'send-more-hint send-more-error');
  const list = () => el('ul', { class: 'file-list', id: 'send-more-list' }, [...moreUnits].map(([code, name]) =>
    el('li', {}, name, ' ', el('span', { class: 'muted small' }, code), ' ',
      el('button', { type: 'button', class: 'btn btn-ghost btn-small', 'aria-label': `Bỏ ${name}`,
        onclick: () => { moreUnits.delete(code); render($('#send-more-slot'), list()); } }, 'Bỏ'))));
  combo.onChange((o) => {
    if (!o) return;
    moreUnits.set(o.value, o.label);
    render($('#send-more-slot'), list());
    combo.set('');
  });
  const form = el('form', { id: 'send-more', novalidate: true },
    el('div', { class: 'form-errors', hidden: true }),
    el('div', { class: 'field' },
      el('label', { for: 'send-more-unit' }, 'Gửi thêm nơi nhận qua liên thông'),
      el('span', { class: 'hint', id: 'send-more-hint' }, 'Các đơn vị đã nhận văn bản được báo danh sách nơi nhận mới.'),
      el('p', { class: 'field-error', id: 'send-more-error', 'aria-live': 'polite' }),
      combo.root, el('div', { id: 'send-more-slot' }, list())),
    el('button', { class: 'btn btn-secondary', type: 'submit', id: 'send-more-go' }, 'Gửi thêm'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!moreUnits.size) { showFieldErrors(form, [{ field: 'recipients_exchange', message: 'Vui lòng chọn ít nhất một đơn vị nhận thêm' }]); return; }
    clearErrors(form);
    const restore = busy($('#send-more-go'), 'Đang gửi…');
    try {
      await api.post(`/documents/${api.seg(doc.id)}/recipients-exchange`, { add: [...moreUnits.keys()] });
    } catch (err) {
      restore();
      if (err.status === 401) { goLogin(); return; }
      showFieldErrors(form, [{ field: 'recipients_exchange', message: err.message }], 'Chưa gửi thêm được');
      return;
    }
    const names = [...moreUnits.values()];
    moreUnits.clear();
    await reload();
    pageAlert('success', 'Đã gửi thêm nơi nhận', el('p', {}, `Văn bản được gửi đến: ${names.join(', ')}.`));
  });
  return form;
}

function fileCard() {
  const href = `/api/v1/documents/${api.seg(doc.id)}/file`;
  if (!doc.sha256) return card('doc-file', 'Tệp văn bản', el('p', { class: 'muted', id: 'no-file' }, 'Chưa có tệp dự thảo. Người soạn tải lên bản PDF để trình duyệt.'));
  const issued = doc.state === 'issued';
  return card('doc-file', 'Tệp văn bản',
    issued ? el('p', { id: 'issued-line' }, 'Văn bản đã phát hành: số ', el('strong', { id: 'issued-notation' }, doc.notation), ', ngày ', dayText(doc.issued_on), '.') : null,
    el('p', {}, el('a', { class: issued ? 'btn' : 'btn btn-secondary', id: issued ? 'issued-pdf' : 'current-pdf', href, target: '_blank', rel: 'noopener' },
      issued ? 'Tải văn bản đã phát hành (PDF có chữ ký số)' : 'Xem tệp hiện tại (PDF)'),
    ' ', el('span', { class: 'muted small' }, formatSize(doc.size))));
}

function history() {
  const vs = doc.versions || [];
  if (!vs.length) return card('doc-history', 'Các phiên bản và quá trình xử lý', el('p', { class: 'muted' }, 'Chưa có phiên bản nào.'));
  return card('doc-history', 'Các phiên bản và quá trình xử lý',
    el('ol', { class: 'timeline', id: 'versions' }, vs.map((v) => el('li', { dataset: { version: String(v.version), kind: v.kind } },
      el('span', { class: 'when' }, secondsDateTime(v.at)),
      el('span', { class: 'what' }, `Phiên bản ${v.version}: ${KIND[v.kind] || v.kind}`),
      el('div', { class: 'note' }, v.by, v.size ? ` · ${formatSize(v.size)}` : ''),
      v.comment ? el('div', { class: 'note vb-comment' }, el('strong', {}, 'Ý kiến: '), v.comment) : null))));
}

function uploadForm() {
  const input = el('input', { type: 'file', id: 'body-file', name: 'body', accept: 'application/pdf,.pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,.docx', 'aria-describedby': 'body-hint body-file-error' });
  const form = el('form', { id: 'body-form', novalidate: true, class: 'vb-upload' },
    el('div', { class: 'form-errors', hidden: true }),
    el('div', { class: 'field' },
      el('label', { for: 'body-file' }, doc.sha256 ? 'Tải lên bản dự thảo mới (PDF hoặc Word)' : 'Tải lên bản dự thảo (PDF hoặc Word)'),
      el('span', { class: 'hint', id: 'body-hint' }, 'Nhận tệp PDF hoặc Word (.docx, máy chủ chuyển sang PDF để ký). Để trống dòng “Số:” và ngày tháng ở phần đầu: văn thư cấp số khi phát hành.'),
      el('p', { class: 'field-error', id: 'body-file-error', 'aria-live': 'polite' }),
      input),
    el('button', { class: 'btn btn-secondary', type: 'submit', id: 'body-upload' }, 'Tải lên'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = input.files[0];
    if (!file) { showFieldErrors(form, [{ field: 'body', message: 'Vui lòng chọn tệp PDF hoặc Word (.docx) của dự thảo' }]); return; }
    clearErrors(form);
    const restore = busy($('#body-upload'), 'Đang tải lên…');
    try {
      const name = file.name.replace(/[^\p{L}\p{N}._-]+/gu, '-').slice(-100) || 'du-thao.pdf';
      const word = /\.docx$/i.test(name);
      await api.upload(`/documents/${api.seg(doc.id)}/body/${api.seg(name)}`, file,
        { contentType: word ? 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' : 'application/pdf' });
    } catch (err) {
      restore();
      if (err.status === 401) { goLogin(); return; }
      showFieldErrors(form, [{ field: 'body', message: err.message }], 'Chưa tải lên được tệp');
      return;
    }
    await reload();
    pageAlert('success', 'Đã tải lên bản dự thảo', el('p', {}, 'Kiểm tra lại tệp rồi bấm “Trình duyệt”.'));
  });
  return form;
}

function actionsCard() {
  const can = allowed();
  if (!can.length) return null;
  const buttons = can.filter((a) => ACTIONS[a]).map((a) => el('button', {
    type: 'button', class: a === 'return' ? 'btn btn-secondary' : 'btn', id: 'act-' + a, dataset: { action: a },
    disabled: a === 'submit' && !doc.sha256, onclick: () => openAction(a),
  }, ACTIONS[a].title));
  return card('actions', 'Việc cần làm',
    can.includes('upload') ? uploadForm() : null,
    can.includes('submit') && !doc.sha256 ? el('p', { class: 'muted small' }, 'Cần tải lên bản dự thảo trước khi trình duyệt.') : null,
    el('div', { class: 'btn-row' }, buttons));
}

function draw() {
  const t = types[doc.type];
  const title = doc.notation || `Dự thảo số ${doc.id}`;
  $('#crumb').textContent = title;
  document.title = `${title} – Văn bản đi – Một cửa điện tử tỉnh Thanh Hóa`;
  render($('#doc'),
    el('div', { class: 'vb-head' },
      el('p', { class: 'muted vb-kind' }, t ? t.name : doc.type, doc.notation ? [' · ', el('span', { id: 'doc-notation' }, doc.notation)] : null),
      el('h1', { id: 'doc-title', tabindex: '-1' }, doc.summary),
      el('p', {}, 'Trạng thái: ', statePill(doc.state, 'doc-state'))),
    el('div', { class: 'vb-grid' },
      el('div', {}, actionsCard(), metadata(), fileCard(), exchangeCard()),
      el('div', {}, history())));
}

async function reload() {
  try {
    doc = (await api.get(`/documents/${api.seg(id())}`)).document;
    // The clerk's form needs the units of the other nodes (once; without a directory, no form).
    if (doc.state === 'issued' && exchangeUnits === null && [...roleSet()].some((r) => ISSUE_ROLES.has(r))) {
      try {
        exchangeUnits = (await api.get('/exchange/units')).units || [];
      } catch {
        exchangeUnits = [];
      }
    }
    draw();
    return true;
  } catch (err) {
    if (err.status === 401) { goLogin(); return false; }
    render($('#doc'), alertBox('error', err.status === 404 ? 'Không tìm thấy văn bản' : 'Không tải được văn bản', el('p', {}, err.message)));
    return false;
  }
}

/* ---------------- the confirmation dialog ---------------- */

function openAction(a) {
  current = a;
  openStepDialog(ACTIONS[a], `${doc.notation || 'Dự thảo số ' + doc.id} · ${doc.summary}`);
}

async function submitAction(e) {
  e.preventDefault();
  const a = current;
  const act = ACTIONS[a];
  const form = $('#action-form');
  const body = { ...(act.body || {}) };
  if (act.input) {
    const c = stepDialogText(act);
    if (c === null) return;
    body.comment = c;
  }
  clearErrors(form);
  const restore = busy($('#action-confirm'), a === 'sign' || a === 'issue' ? 'Đang ký số…' : 'Đang thực hiện…');
  try {
    doc = (await api.post(`/documents/${api.seg(doc.id)}/${act.path}`, body)).document;
  } catch (err) {
    restore();
    if (err.status === 401) { goLogin(); return; }
    if (err.status === 409 || err.status === 404) {
      $('#action-dialog').close();
      await reload();
      pageAlert('error', `Không thực hiện được “${act.title}”`, el('p', {}, err.message), el('p', { class: 'small' }, 'Trang đã tải lại trạng thái mới nhất của văn bản.'));
      return;
    }
    showFieldErrors(form, [{ field: err.field === 'comment' ? 'comment' : null, message: err.message }], `Không thực hiện được “${act.title}”`);
    return;
  }
  restore();
  $('#action-dialog').close();
  draw();
  pageAlert('success', `Đã thực hiện: ${act.title}`,
    el('p', {}, 'Trạng thái hiện tại: ', el('strong', {}, $('#doc-state').textContent), doc.notation ? ['. Số, ký hiệu: ', el('strong', {}, doc.notation)] : null, '.'));
}

async function main() {
  who = await initStaff('documents');
  if (!who) return;
  $('#action-form').addEventListener('submit', submitAction);
  $('#action-cancel').addEventListener('click', () => $('#action-dialog').close());
  if (!id()) { render($('#doc'), alertBox('error', 'Không tìm thấy văn bản', el('p', {}, 'Địa chỉ trang thiếu mã văn bản.'))); return; }
  render($('#doc'), loading('Đang tải văn bản…'));
  try {
    types = Object.fromEntries(((await api.get('/documents/types')).types || []).map((x) => [x.code, x]));
  } catch { /* the codes are shown instead of the names */ }
  await reload();
}

main();
