// Submit wizard for a draft dossier: Hướng dẫn → Tờ khai → Giấy tờ → Xem lại → Nộp hồ sơ.
// The declaration is saved as a draft (PUT form) whenever the citizen leaves the form
// step; documents are uploaded one by one as raw bodies with a progress bar.

import * as api from './api.js';
import { $, $$, el, render, initLayout, pageUrl, param, formatDateTime, formatFee, feeNote, formatSize, processingText,
  loading, pageError, alertBox, showAlert, busy, showFieldErrors, clearErrors, apiFieldErrors, goLogin } from './ui.js';
import { renderForm, fillForm, readForm, checkForm, renderReview } from './eform.js';
import { ACCEPT, documentBoxes } from './uploads.js';
import { copyPicker } from './ban-sao.js';

const STEPS = ['Hướng dẫn', 'Tờ khai', 'Giấy tờ', 'Xem lại', 'Nộp hồ sơ'];

let d; // the dossier (draft)
let p; // its procedure, with documents and form schema
let schema;
let step = 0;
let savedForm = '{}';
const panels = [];
let stepper;
let nav;
let form;

/* ---------- helpers ---------- */

function filesOf(key) { return d.files.filter((f) => f.document === key); }

// The documents' upload boxes of step 3 (uploads.js).
const boxes = documentBoxes({ dossier: () => d, base: '/dossiers', refresh: refreshDoc });
const fileUrl = boxes.url;
const docError = boxes.error;

/* ---------- saving the declaration ---------- */

async function saveForm({ quiet } = {}) {
  if (!schema || !(schema.sections || []).length) return true;
  const values = readForm(form, schema);
  const typeErrors = checkForm(values, schema, false);
  if (typeErrors.length) { showFieldErrors(form, typeErrors); return false; }
  const json = JSON.stringify(values);
  if (json === savedForm) return true;
  const state = $('#save-state');
  if (state) state.textContent = 'Đang lưu nháp…';
  try {
    d = await api.put(`/dossiers/${api.seg(d.id)}/form`, values);
    savedForm = json;
    if (state) state.textContent = 'Đã lưu nháp lúc ' + formatDateTime(new Date().toISOString()).replace(' ngày ', ' ');
    return true;
  } catch (err) {
    if (state) state.textContent = '';
    if (err.status === 401) { goLogin(); return false; }
    if (err.status === 422) showFieldErrors(form, apiFieldErrors(err), 'Tờ khai chưa hợp lệ');
    else if (!quiet) showAlert(form.querySelector('.form-errors'), 'error', 'Chưa lưu được tờ khai', el('p', {}, err.message)).focus();
    return false;
  }
}

/* ---------- steps ---------- */

function guidePanel() {
  const docs = p.documents || [];
  return el('div', {},
    el('p', {}, 'Hồ sơ sẽ được gửi tới ', el('strong', {}, d.unit.name), '. Vui lòng đọc hướng dẫn và chuẩn bị giấy tờ trước khi bắt đầu.'),
    el('dl', { class: 'facts' },
      el('div', {}, el('dt', {}, 'Thủ tục'), el('dd', {}, p.name)),
      el('div', {}, el('dt', {}, 'Cơ quan giải quyết'), el('dd', {}, d.unit.name)),
      el('div', {}, el('dt', {}, 'Thời hạn giải quyết'), el('dd', {}, processingText(p))),
      el('div', {}, el('dt', {}, 'Phí, lệ phí'), el('dd', {}, formatFee(p.fee), feeNote(p) ? el('div', { class: 'muted small' }, feeNote(p)) : null)),
      el('div', {}, el('dt', {}, 'Kết quả'), el('dd', {}, p.result_type || p.result || '—'))),
    el('h3', { style: 'margin-top:18px' }, 'Các bước'),
    el('ol', {},
      el('li', {}, 'Khai tờ khai điện tử. Các mục có dấu ', el('span', { class: 'req' }, '*'), ' là bắt buộc.'),
      el('li', {}, 'Đính kèm giấy tờ: tệp PDF hoặc ảnh chụp rõ nét (JPEG, PNG), tối đa 10 MB mỗi tệp.'),
      el('li', {}, 'Xem lại toàn bộ thông tin, sau đó bấm “Nộp hồ sơ”.'),
      el('li', {}, 'Nhận mã hồ sơ và ngày hẹn trả kết quả; theo dõi tiến độ tại “Hồ sơ của tôi”.')),
    docs.length ? [el('h3', {}, 'Giấy tờ cần chuẩn bị'),
      el('ul', {}, docs.map((x) => el('li', {}, x.name, ' ', el('span', { class: 'muted small' }, `(${x.originals || 0} bản chính, ${x.copies || 0} bản sao${x.required ? '' : '; nếu có'})`))))] : null,
    p.cutoff ? el('div', { class: 'alert alert-warn', style: 'margin-top:14px' }, el('p', {}, `Hồ sơ nộp sau ${p.cutoff} được tiếp nhận và tính thời hạn từ ngày làm việc tiếp theo.`)) : null,
    el('p', { class: 'muted small', style: 'margin-top:12px' }, 'Thông tin được lưu nháp ở mỗi bước. Bạn có thể dừng lại và tiếp tục sau tại mục “Hồ sơ của tôi”.'));
}

function formPanel() {
  form = el('form', { id: 'eform', novalidate: true }, el('div', { class: 'form-errors', hidden: true }));
  if (!schema || !(schema.sections || []).length) {
    form.append(el('p', { class: 'muted' }, 'Thủ tục này không yêu cầu khai tờ khai điện tử. Bấm “Tiếp tục” để đính kèm giấy tờ.'));
  } else {
    if (schema.title) form.append(el('p', { class: 'form-title' }, schema.title));
    if (schema.description) form.append(el('p', { class: 'section-desc' }, schema.description));
    form.append(el('p', { class: 'muted small' }, 'Các mục có dấu ', el('span', { class: 'req' }, '*'), ' là bắt buộc.'), renderForm(schema));
    fillForm(form, schema, d.form || {});
    savedForm = JSON.stringify(readForm(form, schema));
    // Fix an error as soon as the field is corrected.
    form.addEventListener('change', (e) => {
      const box = e.target.closest('.field.has-error');
      if (box) { box.classList.remove('has-error'); box.querySelector('.field-error').textContent = ''; e.target.removeAttribute('aria-invalid'); }
    });
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); go(step + 1); });
  return form;
}

function refreshDoc(key) {
  const box = $(`[data-doc="${CSS.escape(key)}"]`);
  if (!box || !box.querySelector('.file-list')) return; /* declarations filled online have no upload */
  const files = filesOf(key);
  render(box.querySelector('.file-list'), files.map((f) => boxes.row(f, key)));
  box.classList.toggle('complete', files.length > 0);
  const st = box.querySelector('.doc-state');
  render(st, files.length ? el('span', { class: 'badge badge-full' }, `Đã có ${files.length} tệp`) : el('span', { class: 'badge ' + (box.dataset.required === '1' ? 'badge-part' : 'badge-neutral') }, box.dataset.required === '1' ? 'Chưa có tệp' : 'Không bắt buộc'));
}

function docsPanel() {
  const docs = p.documents || [];
  if (!docs.length) return el('p', { class: 'muted' }, 'Thủ tục này không yêu cầu giấy tờ kèm theo. Bấm “Tiếp tục”.');
  return el('div', {},
    el('p', { class: 'muted' }, 'Đính kèm bản chụp hoặc bản quét của từng giấy tờ. Định dạng PDF, JPEG hoặc PNG, tối đa 10 MB mỗi tệp; có thể chọn nhiều tệp cho một giấy tờ.'),
    el('div', { class: 'visually-hidden', id: 'live', 'aria-live': 'polite' }),
    docs.map((x, i) => {
      if (x.online_form) {
        return el('section', { class: 'doc-upload', dataset: { doc: x.key, required: '0' }, 'aria-labelledby': `doc-${i}-title` },
          el('div', { class: 'doc-head' }, el('h3', { id: `doc-${i}-title` }, x.name),
            el('div', {}, el('span', { class: 'badge badge-full' }, 'Đã khai trực tuyến'))),
          el('p', { class: 'muted small mb-0' }, 'Tờ khai điện tử ở bước “Tờ khai” thay cho giấy tờ này, không cần tải lên.'));
      }
      const inputId = 'file-' + i;
      const input = el('input', { type: 'file', id: inputId, 'aria-label': 'Chọn tệp: ' + x.name, accept: ACCEPT, multiple: true, dataset: { document: x.key }, 'aria-describedby': `doc-${i}-title doc-${i}-err` });
      input.addEventListener('change', () => { if (input.files.length) boxes.upload(x.key, Array.from(input.files), input); });
      const box = el('section', { class: 'doc-upload', dataset: { doc: x.key, required: x.required ? '1' : '0' }, 'aria-labelledby': `doc-${i}-title` },
        el('div', { class: 'doc-head' },
          el('h3', { id: `doc-${i}-title` }, x.name, x.required ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
          el('div', { class: 'doc-state' })),
        el('p', { class: 'muted small mb-0' }, `${x.originals || 0} bản chính, ${x.copies || 0} bản sao` + (x.required ? ' · Bắt buộc' : ' · Không bắt buộc')),
        el('p', { class: 'field-error', id: `doc-${i}-err`, 'aria-live': 'polite' }),
        el('ul', { class: 'file-list' }),
        el('div', { class: 'file-pick' }, input, el('label', { class: 'btn btn-secondary btn-small', for: inputId, 'aria-hidden': 'true' }, '+ Chọn tệp')),
        copyPicker({ dossier: () => d, base: '/dossiers', key: x.key, index: i,
          onAttached: (f) => { d.files = d.files.filter((g) => g.name !== f.name).concat([f]); refreshDoc(x.key); } }));
      return box;
    }));
}

function reviewPanel() {
  const docs = p.documents || [];
  const edit = (target, label) => el('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => go(target) }, 'Sửa', el('span', { class: 'visually-hidden' }, ' ' + label));
  return el('div', {},
    el('p', {}, 'Vui lòng kiểm tra kỹ thông tin trước khi nộp. Sau khi nộp, hồ sơ không thể sửa trực tuyến.'),
    el('section', { class: 'review-block' },
      el('h3', {}, 'Thông tin chung'),
      el('dl', { class: 'facts' },
        el('div', {}, el('dt', {}, 'Thủ tục'), el('dd', {}, p.name)),
        el('div', {}, el('dt', {}, 'Cơ quan giải quyết'), el('dd', {}, d.unit.name)),
        el('div', {}, el('dt', {}, 'Hình thức nộp'), el('dd', {}, 'Trực tuyến')))),
    (schema.sections || []).length ? el('section', { class: 'review-block' },
      el('h3', {}, 'Tờ khai', edit(1, 'tờ khai')), renderReview(schema, d.form || {})) : null,
    el('section', { class: 'review-block' },
      el('h3', {}, 'Giấy tờ đính kèm', docs.length ? edit(2, 'giấy tờ') : null),
      docs.length ? el('dl', { class: 'facts' }, docs.map((x) => el('div', {}, el('dt', {}, x.name),
        el('dd', {}, filesOf(x.key).length ? el('ul', { class: 'mt-0 mb-0', style: 'padding-left:18px' }, filesOf(x.key).map((f) => el('li', {}, el('a', { href: fileUrl(f), target: '_blank', rel: 'noopener' }, f.name), ' ', el('span', { class: 'muted small' }, '(' + formatSize(f.size) + ')'))))
          : el('span', { class: 'muted' }, x.online_form ? 'Tờ khai điện tử (đã khai ở bước 2)' : x.required ? 'Chưa đính kèm' : 'Không đính kèm')))))
        : el('p', { class: 'muted' }, 'Không có.')));
}

function submitPanel() {
  const msg = el('div', { class: 'form-errors', hidden: true });
  const btn = el('button', { type: 'button', class: 'btn btn-large', id: 'submit' }, 'Nộp hồ sơ');
  btn.addEventListener('click', () => submit(btn, msg));
  return el('div', {},
    msg,
    el('div', { class: 'alert alert-info' },
      el('p', {}, 'Bạn sắp nộp hồ sơ ', el('strong', {}, p.name), ' tới ', el('strong', {}, d.unit.name), '.'),
      el('p', {}, 'Sau khi nộp, bạn nhận được mã hồ sơ, ngày hẹn trả kết quả và Giấy tiếp nhận hồ sơ (PDF). Bạn có thể rút hồ sơ khi cần.')),
    p.cutoff ? el('p', { class: 'small muted' }, `Lưu ý: hồ sơ nộp sau ${p.cutoff} được tiếp nhận vào ngày làm việc tiếp theo.`) : null,
    el('p', { class: 'small' }, 'Bằng việc bấm “Nộp hồ sơ”, tôi cam đoan các thông tin đã khai là đúng sự thật và chịu trách nhiệm trước pháp luật về nội dung đã khai.'),
    el('div', { class: 'center', style: 'margin:18px 0 6px' }, btn));
}

async function submit(btn, msg) {
  const restore = busy(btn, 'Đang nộp hồ sơ…');
  try {
    const done = await api.post(`/dossiers/${api.seg(d.id)}/submit`, {});
    location.href = pageUrl('ho-so', { id: done.id ?? d.id, moi: 1 });
  } catch (err) {
    restore();
    if (err.status === 401) { goLogin(); return; }
    if (err.code === 'invalid_form') {
      await go(1, { skipSave: true });
      showFieldErrors(form, apiFieldErrors(err), 'Tờ khai còn thiếu hoặc chưa đúng thông tin');
      return;
    }
    if (err.code === 'missing_documents') {
      await go(2, { skipSave: true });
      if (err.field) docError(err.field, err.message);
      $(`[data-doc="${CSS.escape(err.field || '')}"]`)?.scrollIntoView({ block: 'center' });
      return;
    }
    if (err.status === 409) {
      showAlert(msg, 'warn', 'Hồ sơ đã được nộp trước đó', el('p', {}, el('a', { href: pageUrl('ho-so', { id: d.id }) }, 'Xem hồ sơ'))).focus();
      return;
    }
    showAlert(msg, 'error', 'Chưa nộp được hồ sơ', el('p', {}, err.message)).focus();
  }
}

/* ---------- navigation between steps ---------- */

function checkDocs() {
  let first = null;
  for (const x of p.documents || []) {
    if (x.required && !x.online_form && !filesOf(x.key).length) {
      docError(x.key, 'Vui lòng đính kèm giấy tờ này');
      first = first || x.key;
    }
  }
  if (first) $(`[data-doc="${CSS.escape(first)}"] input[type=file]`)?.focus();
  return !first;
}

async function go(target, { skipSave } = {}) {
  if (target < 0 || target >= STEPS.length) return;
  // Leaving the declaration: save it; going forward also needs it complete.
  if (step === 1 && !skipSave) {
    clearErrors(form);
    if (!(await saveForm())) return;
    if (target > 1 && (schema.sections || []).length) {
      const missing = checkForm(readForm(form, schema), schema, true);
      if (missing.length) { showFieldErrors(form, missing, 'Vui lòng hoàn thiện tờ khai'); return; }
    }
  }
  if (step === 2 && target > 2 && !checkDocs()) return;
  step = target;
  if (step === 3) render(panels[3].body, reviewPanel());
  if (location.hash !== '#buoc-' + (step + 1)) history.replaceState(null, '', '#buoc-' + (step + 1));
  show();
}

function show(initial) {
  $$('li', stepper).forEach((li, i) => {
    li.classList.toggle('done', i < step);
    li.classList.toggle('current', i === step);
    if (i === step) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
  });
  panels.forEach((x, i) => { x.root.hidden = i !== step; });
  render(nav,
    step > 0 ? el('button', { type: 'button', class: 'btn btn-ghost', id: 'prev', onclick: () => go(step - 1) }, '← Quay lại') : el('span'),
    el('div', { class: 'right' },
      step === 1 && (schema.sections || []).length ? [el('span', { class: 'save-state', id: 'save-state', 'aria-live': 'polite' }),
        el('button', { type: 'button', class: 'btn btn-secondary', id: 'save', onclick: async (e) => { const r = busy(e.currentTarget, 'Đang lưu'); await saveForm(); r(); } }, 'Lưu nháp')] : null,
      step < STEPS.length - 1 ? el('button', { type: 'button', class: 'btn', id: 'next', onclick: () => go(step + 1) }, step === 0 ? 'Bắt đầu khai' : 'Tiếp tục →') : null));
  if (initial) return;
  panels[step].heading.focus({ preventScroll: true });
  $('#stepper').scrollIntoView({ block: 'start' });
}

async function init() {
  const who = await initLayout('ho-so-cua-toi');
  const content = $('#content');
  const id = param('id');
  if (!who) { goLogin(); return; }
  if (!id) { pageError(content, { status: 404, message: 'Thiếu mã hồ sơ nháp.' }); return; }
  render(content, loading('Đang tải hồ sơ…'));
  try {
    d = await api.get(`/dossiers/${api.seg(id)}`);
    p = await api.get(`/procedures/${api.seg(d.procedure.code)}`);
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    pageError(content, err, el('p', {}, el('a', { href: pageUrl('ho-so-cua-toi') }, 'Về danh sách hồ sơ của tôi')));
    return;
  }
  schema = p.form || { sections: [] };
  d.files = d.files || [];
  $('#title').textContent = p.name;
  document.title = `Nộp hồ sơ: ${p.name} – Cổng dịch vụ công tỉnh Thanh Hóa`;
  render($('#subtitle'), 'Cơ quan giải quyết: ', el('strong', {}, d.unit.name));
  if (d.state !== 'draft') {
    render(content, alertBox('info', 'Hồ sơ này đã được nộp', el('p', {}, el('a', { href: pageUrl('ho-so', { id: d.id }) }, 'Xem tình trạng hồ sơ'))));
    return;
  }
  stepper = el('ol', { class: 'stepper', id: 'stepper', 'aria-label': 'Các bước nộp hồ sơ' },
    STEPS.map((s, i) => el('li', {}, el('span', {}, s), el('span', { class: 'visually-hidden' }, ` (bước ${i + 1}/${STEPS.length})`))));
  const bodies = [guidePanel(), formPanel(), docsPanel(), el('div'), submitPanel()];
  const card = el('div', { class: 'card' });
  STEPS.forEach((s, i) => {
    const heading = el('h2', { tabindex: '-1', id: 'step-' + (i + 1) }, `Bước ${i + 1}. ${s}`);
    const root = el('section', { 'aria-labelledby': 'step-' + (i + 1), hidden: true, dataset: { step: String(i + 1) } }, heading, bodies[i]);
    panels.push({ root, heading, body: bodies[i] });
    card.append(root);
  });
  nav = el('div', { class: 'wizard-nav' });
  card.append(nav);
  render(content, stepper, card);
  for (const x of p.documents || []) refreshDoc(x.key);
  const m = /^#buoc-(\d)$/.exec(location.hash);
  step = m ? Math.min(Math.max(+m[1] - 1, 0), 2) : 0; // review/submit are reached through the checks
  show(true);
  window.addEventListener('beforeunload', (e) => {
    if (step === 1 && schema.sections?.length && JSON.stringify(readForm(form, schema)) !== savedForm) { e.preventDefault(); e.returnValue = ''; }
  });
}

init();
