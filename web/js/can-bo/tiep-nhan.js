// can-bo/tiep-nhan.js: the desk registers a walk-in or postal dossier.
// Thủ tục (procedure, receiving unit, channel) → Người nộp (applicant; the
// draft is created when this step is done) → Tờ khai (the paper declaration
// typed in, saved on leaving the step) → Giấy tờ (scans, sent by uploads.js)
// → Tiếp nhận (review, then registered: status 1 and at once 2), after which
// the dossier page offers the receipt to print.

import * as api from '../api.js';
import { $, $$, el, render, param, formatSize, formatFee, feeNote, processingText, levelBadges,
  loading, pageError, alertBox, showAlert, busy, showFieldErrors, clearErrors, apiFieldErrors, fieldBox,
  combobox, goLogin } from '../ui.js';
import { renderForm, fillForm, readForm, checkForm, renderReview } from '../eform.js';
import { initStaff, dossierUrl, walkinUrl, lastQueue, shortDateTime, WALKIN_ROLES } from './shell.js';
import { ACCEPT, documentBoxes } from '../uploads.js';
import { copyPicker } from '../ban-sao.js';

const STEPS = ['Thủ tục', 'Người nộp', 'Tờ khai', 'Giấy tờ', 'Xem lại và tiếp nhận'];
const CHANNELS = [
  { value: 'desk', title: 'Trực tiếp', text: 'Người nộp mang hồ sơ đến Bộ phận tiếp nhận và trả kết quả.' },
  { value: 'post', title: 'Bưu chính', text: 'Hồ sơ gửi đến qua dịch vụ bưu chính công ích.' },
];
const CHANNEL_NAME = { desk: 'Trực tiếp tại Bộ phận một cửa', post: 'Qua dịch vụ bưu chính' };
// The applicant as POST /staff/dossiers checks it: the field types of an e-form.
const APPLICANT = { sections: [{ title: 'Người nộp hồ sơ', fields: [
  { name: 'citizen_id', label: 'Số định danh cá nhân', type: 'citizen_id' },
  { name: 'name', label: 'Họ và tên', type: 'text', required: true, max_length: 100 },
  { name: 'phone', label: 'Số điện thoại', type: 'phone' },
  { name: 'email', label: 'Thư điện tử', type: 'email' },
  { name: 'address', label: 'Địa chỉ', type: 'text', max_length: 300 },
] }] };
// Declaration fields that repeat the applicant (the catalogue names the requester's
// fields requester_*): filled from step 2 when the declaration is still empty.
const PREFILL = { requester_name: 'name', requester_id_number: 'citizen_id', requester_phone: 'phone',
  requester_email: 'email', requester_residence: 'address' };
const UNIT_SELECT_MAX = 12; // more units than this: a searchable list instead of a <select>

let who = null;
const st = { proc: null, units: [], unit: '', channel: 'desk', applicant: {} };
let d = null; // the draft, once created
let schema = { sections: [] };
let step = 0;
let savedForm = '{}';
let prefilled = false;
const panels = [];
let stepper;
let nav;
let procForm;
let applicantForm;
let eform;
let unitPick = null;

const req = () => el('span', { class: 'req', 'aria-hidden': 'true' }, ' *');
const docs = () => (st.proc && st.proc.documents) || [];
const filesOf = (key) => (d ? d.files.filter((f) => f.document === key) : []);
// The documents' upload boxes of step 4 (uploads.js).
const boxes = documentBoxes({ dossier: () => d, base: '/staff/dossiers', refresh: refreshDoc });
const fileUrl = boxes.url;
const docError = boxes.error;
const unitOf = (code) => st.units.find((u) => u.code === code) || (d && d.unit.code === code ? d.unit : null);

/* ---------------- unfinished drafts, remembered in this browser ---------------- */

// The queue lists registered dossiers only: a draft the officer left is found again here.
const draftsKey = () => 'motcua.canbo.walkins.' + (who.account.username || who.account.id);

function drafts() {
  try {
    const v = JSON.parse(localStorage.getItem(draftsKey()) || '[]');
    return Array.isArray(v) ? v.filter((x) => x && Number.isInteger(x.id)) : [];
  } catch { return []; }
}

function saveDrafts(list) {
  try { localStorage.setItem(draftsKey(), JSON.stringify(list.slice(0, 12))); } catch { /* private mode */ }
}

function rememberDraft() {
  saveDrafts([{ id: d.id, proc: st.proc.name, name: st.applicant.name || '', at: Date.now() }, ...drafts().filter((x) => x.id !== d.id)]);
}

const forgetDraft = (id) => saveDrafts(drafts().filter((x) => x.id !== id));

/** "Hồ sơ đang nhập dở": drafts this officer started here and did not register. */
async function draftsCard() {
  const list = drafts();
  if (!list.length) return null;
  const ul = el('ul', { class: 'draft-list' });
  const box = el('section', { class: 'card draft-card', id: 'drafts', 'aria-labelledby': 'drafts-h', hidden: true },
    el('div', { class: 'card-title' }, el('h2', { id: 'drafts-h' }, 'Hồ sơ đang nhập dở')), ul);
  const still = [];
  await Promise.all(list.map(async (x) => {
    try {
      const r = await api.get(`/staff/dossiers/${api.seg(x.id)}`);
      if (r.state === 'draft') still.push({ ...x, proc: r.procedure.name, name: r.applicant ? r.applicant.name : x.name });
    } catch (err) {
      if (err.status !== 404) still.push(x); // keep it when the server could not answer
    }
  }));
  still.sort((a, b) => b.at - a.at);
  saveDrafts(still);
  if (!still.length) return null;
  render(ul, still.map((x) => el('li', {},
    el('div', {}, el('strong', {}, x.name || 'Chưa có tên người nộp'), el('span', { class: 'muted small' }, ` · ${x.proc}`),
      el('div', { class: 'muted small' }, 'Bắt đầu lúc ', shortDateTime(new Date(x.at).toISOString()))),
    el('a', { class: 'btn btn-secondary btn-small', href: walkinUrl(x.id) + '#buoc-3' }, 'Tiếp tục nhập'))));
  box.hidden = false;
  return box;
}

/* ---------------- step 1: procedure, unit, channel ---------------- */

function lockedNote() {
  if (!d) return null;
  return el('div', { class: 'alert alert-info locked-note' },
    el('p', {}, 'Đã tạo hồ sơ nháp: thủ tục, đơn vị tiếp nhận, hình thức và thông tin người nộp được giữ nguyên. Cần đổi những thông tin này thì ',
      el('a', { href: walkinUrl() }, 'bắt đầu một hồ sơ mới'), '.'));
}

function procPanel() {
  procForm = el('form', { id: 'proc-form', novalidate: true },
    el('div', { class: 'form-errors', hidden: true }),
    lockedNote(),
    el('div', { class: 'field', id: 'proc-field' },
      el('label', { for: 'proc-q', id: 'proc-label' }, 'Thủ tục hành chính', req()),
      d || st.proc ? null : el('span', { class: 'hint', id: 'proc-q-hint' }, 'Gõ vài chữ trong tên thủ tục, có dấu hoặc không dấu (ví dụ: khai sinh, chứng thực), rồi chọn trong danh sách.'),
      el('p', { class: 'field-error', id: 'proc-q-error', 'aria-live': 'polite' }),
      el('div', { id: 'proc-picker' })),
    el('div', { id: 'unit-box' }),
    channelField());
  procForm.addEventListener('submit', (e) => { e.preventDefault(); go(step + 1); });
  procForm.addEventListener('change', (e) => {
    if (e.target.name === 'channel') { st.channel = e.target.value; drawSummary(); }
    if (e.target.name === 'unit' && e.target.tagName === 'SELECT') { st.unit = e.target.value; drawSummary(); }
    unmark(e.target);
  });
  drawPicker();
  drawUnits();
  return procForm;
}

let searchTimer = null;
let searchSeq = 0;

function drawPicker() {
  const box = procForm.querySelector('#proc-picker');
  if (st.proc) {
    const p = st.proc;
    render(box, el('div', { class: 'proc-chosen', id: 'proc-chosen', tabindex: '-1', 'aria-labelledby': 'proc-label proc-chosen-name' },
      el('div', { class: 'proc-chosen-body' },
        el('strong', { class: 'proc-chosen-name', id: 'proc-chosen-name' }, p.name),
        el('div', { class: 'muted small' }, [`Mã ${p.code}`, p.field ? `Lĩnh vực ${p.field}` : '', `Thời hạn ${processingText(p)}`, formatFee(p.fee)].filter(Boolean).join(' · ')),
        el('div', { class: 'proc-badges' }, levelBadges(p))),
      d ? null : el('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'proc-change', onclick: changeProc }, 'Đổi thủ tục')));
    return;
  }
  const input = el('input', {
    type: 'search', id: 'proc-q', name: 'procedure', autocomplete: 'off', spellcheck: 'false', maxlength: '200',
    'aria-describedby': 'proc-q-hint proc-q-error', 'aria-controls': 'proc-results', placeholder: 'Tìm thủ tục theo tên…',
  });
  const list = el('ul', { class: 'proc-results', id: 'proc-results', 'aria-label': 'Thủ tục tìm được', 'aria-busy': 'true' });
  const count = el('p', { class: 'muted small proc-count', id: 'proc-count', 'aria-live': 'polite' });
  render(box, input, count, list);
  input.addEventListener('input', () => {
    unmark(input);
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => searchProcs(input.value), 200);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); clearTimeout(searchTimer); searchProcs(input.value, true); }
    if (e.key === 'ArrowDown') { e.preventDefault(); list.querySelector('button')?.focus(); }
  });
  list.addEventListener('keydown', (e) => {
    const opts = $$('button.proc-option', list);
    const i = opts.indexOf(document.activeElement);
    if (i < 0) return;
    if (e.key === 'ArrowDown') { e.preventDefault(); opts[Math.min(i + 1, opts.length - 1)].focus(); }
    if (e.key === 'ArrowUp') { e.preventDefault(); if (i === 0) input.focus(); else opts[i - 1].focus(); }
  });
  searchProcs('');
}

async function searchProcs(q, pickSingle) {
  const mine = ++searchSeq;
  const list = procForm.querySelector('#proc-results'); // the form may not be on the page yet
  const count = procForm.querySelector('#proc-count');
  if (!list) return;
  list.setAttribute('aria-busy', 'true');
  let res;
  try {
    res = await api.get('/procedures', { q: q.trim(), limit: 20 });
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    if (mine === searchSeq) { render(list, el('li', { class: 'pick-empty' }, err.message)); list.removeAttribute('aria-busy'); }
    return;
  }
  if (mine !== searchSeq || !procForm.contains(list)) return;
  list.removeAttribute('aria-busy');
  const items = res.items || [];
  const total = res.total ?? items.length;
  count.textContent = (q.trim() ? `${total} thủ tục phù hợp` : `${total} thủ tục trong danh mục`)
    + (total > items.length ? `; hiện ${items.length} thủ tục đầu, gõ thêm để thu hẹp` : '');
  render(list, items.length ? items.map((p) => el('li', {},
    el('button', { type: 'button', class: 'proc-option', dataset: { code: p.code }, onclick: () => chooseProc(p.code) },
      el('span', { class: 'proc-option-name' }, p.name),
      el('span', { class: 'proc-option-meta' }, [p.field, processingText(p), formatFee(p.fee)].filter(Boolean).join(' · ')),
      el('span', { class: 'proc-option-code' }, p.code))))
    : el('li', { class: 'pick-empty' }, 'Không có thủ tục phù hợp. Thử gõ ít chữ hơn.'));
  if (pickSingle && items.length === 1) chooseProc(items[0].code);
}

function changeProc() {
  st.proc = null;
  st.units = [];
  st.unit = '';
  schema = { sections: [] };
  drawPicker();
  drawUnits();
  drawSummary();
  $('#proc-q')?.focus();
}

async function chooseProc(code) {
  render(procForm.querySelector('#unit-box'), loading('Đang tải thông tin thủ tục…'));
  try {
    const [p, u] = await Promise.all([api.get(`/procedures/${api.seg(code)}`), api.get(`/procedures/${api.seg(code)}/units`)]);
    st.units = await myUnits(code, u.items || []);
    st.proc = p;
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render(procForm.querySelector('#unit-box'), alertBox('error', 'Không tải được thông tin thủ tục', el('p', {}, err.message)));
    return;
  }
  schema = st.proc.form || { sections: [] };
  if (!st.units.some((x) => x.code === st.unit)) st.unit = st.units.length === 1 ? st.units[0].code : '';
  clearErrors(procForm);
  drawPicker();
  drawUnits();
  drawSummary();
  $('#proc-chosen')?.focus();
}

/**
 * The procedure's units where this officer may register walk-ins (a role covers the units below
 * it): for a role on a unit the procedure does not list, the server answers which of the
 * procedure's units are under it (GET /units?procedure=&under=), so the page never reads the
 * whole tree (some 1,400 units).
 */
async function myUnits(procCode, procUnits) {
  const mine = [...new Set(who.roles.filter((r) => WALKIN_ROLES.has(r.role)).map((r) => r.unit.code))];
  const listed = new Set(procUnits.map((u) => u.code));
  if (mine.every((c) => listed.has(c))) return procUnits.filter((u) => mine.includes(u.code));
  const under = new Set();
  for (const c of mine) {
    for (let offset = 0; offset < 100000; offset += 200) {
      const r = await api.get('/units', { procedure: procCode, under: c, limit: 200, offset });
      for (const u of r.items || []) under.add(u.code);
      if (!r.items || r.items.length < 200 || offset + 200 >= (r.total || 0)) break;
    }
  }
  return procUnits.filter((u) => under.has(u.code));
}

function drawUnits() {
  const box = procForm.querySelector('#unit-box');
  unitPick = null;
  if (d) {
    render(box, el('div', { class: 'field' }, el('span', { class: 'label' }, 'Đơn vị tiếp nhận'),
      el('p', { class: 'fixed-value', id: 'unit-fixed' }, d.unit.name, el('span', { class: 'muted small' }, ` (${d.unit.code})`))));
    return;
  }
  if (!st.proc) { render(box); return; }
  if (!st.units.length) {
    const mine = who.roles.filter((r) => WALKIN_ROLES.has(r.role)).map((r) => r.unit.name);
    render(box, alertBox('warn', 'Đơn vị của bạn không giải quyết thủ tục này',
      el('p', {}, mine.length ? `Bạn tiếp nhận hồ sơ cho: ${mine.join(', ')}. ` : 'Tài khoản của bạn không có vai trò tiếp nhận hồ sơ. ',
        'Hướng dẫn người nộp tới đơn vị có thẩm quyền, hoặc chọn thủ tục khác.')));
    return;
  }
  if (st.units.length === 1) {
    const u = st.units[0];
    render(box, el('div', { class: 'field' }, el('span', { class: 'label' }, 'Đơn vị tiếp nhận'),
      el('p', { class: 'fixed-value', id: 'unit-fixed' }, u.name, el('span', { class: 'muted small' }, ` (${u.code})`)),
      el('input', { type: 'hidden', name: 'unit', value: u.code })));
    return;
  }
  const sorted = st.units.slice().sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  if (sorted.length <= UNIT_SELECT_MAX) {
    const select = el('select', { name: 'unit' }, el('option', { value: '' }, '— Chọn đơn vị —'),
      sorted.map((u) => el('option', { value: u.code, selected: u.code === st.unit }, u.name)));
    render(box, fieldBox({ id: 'unit', label: 'Đơn vị tiếp nhận', required: true, hint: 'Các đơn vị bạn tiếp nhận hồ sơ có giải quyết thủ tục này.', input: select }));
    return;
  }
  unitPick = combobox({ id: 'unit', name: 'unit', options: sorted.map((u) => ({ value: u.code, label: u.name })), placeholder: 'Gõ tên đơn vị…', label: 'Đơn vị tiếp nhận' });
  unitPick.onChange((o) => { st.unit = o ? o.value : ''; drawSummary(); });
  const combo = unitPick.root.querySelector('.combo');
  const f = fieldBox({ id: 'unit-search', label: 'Đơn vị tiếp nhận', required: true, hint: `${sorted.length} đơn vị bạn tiếp nhận hồ sơ có giải quyết thủ tục này.`, input: unitPick.input });
  combo.prepend(unitPick.input); // fieldBox appended the input itself: put it back in its list box
  f.append(unitPick.root);
  render(box, f);
  if (st.unit) unitPick.set(st.unit);
}

function channelField() {
  return el('fieldset', { class: 'field channel-field' },
    el('legend', {}, 'Hình thức tiếp nhận', req()),
    el('p', { class: 'field-error', id: 'channel-error', 'aria-live': 'polite' }),
    el('div', { class: 'choice-cards' }, CHANNELS.map((c) => el('label', { class: 'choice-card' },
      el('input', { type: 'radio', name: 'channel', value: c.value, checked: st.channel === c.value, disabled: !!d, id: 'channel-' + c.value }),
      el('span', {}, el('strong', {}, c.title), el('span', { class: 'muted small' }, c.text))))));
}

function checkStart() {
  const errors = [];
  if (!st.proc) errors.push({ field: 'procedure', message: 'Vui lòng chọn thủ tục hành chính' });
  else if (!st.units.length) errors.push({ field: null, message: 'Đơn vị của bạn không giải quyết thủ tục này; vui lòng chọn thủ tục khác' });
  else if (!st.unit) errors.push({ field: 'unit', message: 'Vui lòng chọn đơn vị tiếp nhận' });
  if (errors.length) { showFieldErrors(procForm, errors, 'Chưa đủ thông tin'); return false; }
  return true;
}

/* ---------------- step 2: the applicant ---------------- */

function applicantPanel() {
  const a = st.applicant;
  const input = (name, attrs) => el('input', { name, value: a[name] || '', disabled: !!d, ...attrs });
  applicantForm = el('form', { id: 'applicant-form', novalidate: true },
    el('div', { class: 'form-errors', hidden: true }),
    lockedNote(),
    el('div', { class: 'form-grid two' },
      fieldBox({ id: 'ap-citizen_id', label: 'Số định danh cá nhân', hint: 'Số trên thẻ căn cước (12 chữ số). Giấy tiếp nhận in mã nhận hồ sơ: người nộp nhập mã đó vào tài khoản trên Cổng dịch vụ công để theo dõi tiến độ và nhận kết quả trực tuyến.',
        input: input('citizen_id', { type: 'text', inputmode: 'numeric', autocomplete: 'off', maxlength: '12', class: 'input-narrow', placeholder: '12 chữ số' }) }),
      fieldBox({ id: 'ap-name', label: 'Họ và tên người nộp', required: true, hint: 'Ghi đúng như trên giấy tờ tùy thân.', input: input('name', { type: 'text', maxlength: '100', autocomplete: 'off' }) }),
      fieldBox({ id: 'ap-phone', label: 'Số điện thoại', hint: 'Để báo khi có kết quả hoặc cần bổ sung giấy tờ.', input: input('phone', { type: 'tel', maxlength: '15', class: 'input-narrow', autocomplete: 'off' }) }),
      fieldBox({ id: 'ap-email', label: 'Thư điện tử', input: input('email', { type: 'email', maxlength: '254', autocomplete: 'off' }) }),
      wide(fieldBox({ id: 'ap-address', label: 'Địa chỉ', hint: 'Nơi cư trú; với hồ sơ bưu chính, là địa chỉ gửi trả kết quả.', input: input('address', { type: 'text', maxlength: '300', autocomplete: 'off' }) }))));
  applicantForm.addEventListener('submit', (e) => { e.preventDefault(); go(step + 1); });
  applicantForm.addEventListener('input', () => { if (!d) { st.applicant = readForm(applicantForm, APPLICANT); drawSummary(); } });
  applicantForm.addEventListener('change', (e) => unmark(e.target));
  return applicantForm;
}

function wide(box) { box.classList.add('wide'); return box; }

/** The draft is created when the applicant step is done. */
async function createDraft() {
  const body = { procedure_code: st.proc.code, unit_code: st.unit, channel: st.channel, applicant: st.applicant };
  let made;
  try {
    made = await api.post('/staff/dossiers', body);
  } catch (err) {
    if (err.status === 401) { goLogin(); return false; }
    if (err.code === 'invalid_form' || err.field === 'applicant') {
      showFieldErrors(applicantForm, apiFieldErrors(err).map((x) => ({ ...x, field: x.field === 'applicant' ? null : x.field })), 'Thông tin người nộp chưa hợp lệ');
      return false;
    }
    if (['procedure_code', 'unit_code', 'channel'].includes(err.field)) {
      setStep(0);
      showFieldErrors(procForm, [{ field: { procedure_code: 'procedure', unit_code: 'unit', channel: 'channel' }[err.field], message: err.message }], 'Chưa tạo được hồ sơ');
      return false;
    }
    showAlert(applicantForm.querySelector('.form-errors'), 'error', 'Chưa tạo được hồ sơ', el('p', {}, err.message)).focus();
    return false;
  }
  d = { ...made, files: made.files || [], applicant: { ...st.applicant } };
  rememberDraft();
  history.replaceState(null, '', walkinUrl(d.id) + location.hash);
  buildDraftPanels();
  return true;
}

/* ---------------- step 3: the declaration ---------------- */

function formPanel() {
  eform = el('form', { id: 'eform', novalidate: true }, el('div', { class: 'form-errors', hidden: true }));
  if (!(schema.sections || []).length) {
    eform.append(el('p', { class: 'muted' }, 'Thủ tục này không có tờ khai điện tử. Bấm “Tiếp tục” để quét giấy tờ.'));
  } else {
    const values = { ...(d.form || {}) };
    prefilled = false;
    if (!Object.keys(values).length) {
      const names = new Set((schema.sections || []).flatMap((s) => (s.fields || []).map((f) => f.name)));
      for (const [field, from] of Object.entries(PREFILL)) {
        if (names.has(field) && st.applicant[from]) { values[field] = st.applicant[from]; prefilled = true; }
      }
    }
    if (schema.title) eform.append(el('p', { class: 'form-title' }, schema.title));
    eform.append(el('p', { class: 'muted small' }, 'Nhập theo tờ khai giấy người nộp mang đến. Các mục có dấu ', el('span', { class: 'req' }, '*'), ' là bắt buộc.'),
      prefilled ? el('p', { class: 'prefill-note small', id: 'prefill-note' }, 'Thông tin người yêu cầu đã được điền sẵn từ bước “Người nộp”: đối chiếu lại với tờ khai giấy.') : null,
      renderForm(schema));
    fillForm(eform, schema, values);
    savedForm = JSON.stringify(readForm(eform, schema));
    if (prefilled) savedForm = JSON.stringify(d.form || {}); // the prefill itself is saved on leaving the step
    eform.addEventListener('change', (e) => unmark(e.target));
  }
  eform.addEventListener('submit', (e) => { e.preventDefault(); go(step + 1); });
  return eform;
}

async function saveForm({ quiet } = {}) {
  if (!d || !(schema.sections || []).length) return true;
  const values = readForm(eform, schema);
  const typeErrors = checkForm(values, schema, false);
  if (typeErrors.length) { showFieldErrors(eform, typeErrors); return false; }
  const json = JSON.stringify(values);
  if (json === savedForm) return true;
  const state = $('#save-state');
  if (state) state.textContent = 'Đang lưu…';
  try {
    const r = await api.put(`/staff/dossiers/${api.seg(d.id)}/form`, values);
    d.form = r.form || values;
    savedForm = json;
    if (state) state.textContent = 'Đã lưu lúc ' + shortDateTime(new Date().toISOString()).slice(11);
    return true;
  } catch (err) {
    if (state) state.textContent = '';
    if (err.status === 401) { goLogin(); return false; }
    if (err.status === 422) showFieldErrors(eform, apiFieldErrors(err), 'Tờ khai chưa hợp lệ');
    else if (!quiet) showAlert(eform.querySelector('.form-errors'), 'error', 'Chưa lưu được tờ khai', el('p', {}, err.message)).focus();
    return false;
  }
}

/* ---------------- step 4: scanned documents ---------------- */

function refreshDoc(key) {
  const box = $(`[data-doc="${CSS.escape(key)}"]`);
  if (!box) return;
  const files = filesOf(key);
  render(box.querySelector('.file-list'), files.map((f) => boxes.row(f, key)));
  box.classList.toggle('complete', files.length > 0 || box.dataset.online === '1');
  const need = box.dataset.required === '1';
  render(box.querySelector('.doc-state'), files.length
    ? el('span', { class: 'badge badge-full' }, `Đã quét ${files.length} tệp`)
    : box.dataset.online === '1' ? el('span', { class: 'badge badge-full' }, 'Đã nhập tờ khai')
      : el('span', { class: 'badge ' + (need ? 'badge-part' : 'badge-neutral') }, need ? 'Chưa có bản quét' : 'Không bắt buộc'));
  drawSummary();
}

function docsPanel() {
  const list = docs();
  if (!list.length) return el('p', { class: 'muted' }, 'Thủ tục này không yêu cầu giấy tờ kèm theo. Bấm “Tiếp tục”.');
  return el('div', {},
    el('p', { class: 'muted' }, 'Quét hoặc chụp từng giấy tờ người nộp mang đến và đính kèm vào đúng mục. PDF, JPEG hoặc PNG, tối đa 10 MB mỗi tệp; một giấy tờ có thể gồm nhiều tệp. Bản chính xuất trình thì đối chiếu rồi trả lại người nộp.'),
    el('div', { class: 'visually-hidden', id: 'live', 'aria-live': 'polite' }),
    list.map((x, i) => {
      const inputId = 'file-' + i;
      const input = el('input', { type: 'file', id: inputId, 'aria-label': 'Chọn tệp quét: ' + x.name, accept: ACCEPT, multiple: true, dataset: { document: x.key }, 'aria-describedby': `doc-${i}-title doc-${i}-err` });
      input.addEventListener('change', () => { if (input.files.length) boxes.upload(x.key, Array.from(input.files), input); });
      const counts = `${x.originals || 0} bản chính, ${x.copies || 0} bản sao`;
      return el('section', { class: 'doc-upload', dataset: { doc: x.key, required: x.required && !x.online_form ? '1' : '0', online: x.online_form ? '1' : '0' }, 'aria-labelledby': `doc-${i}-title` },
        el('div', { class: 'doc-head' },
          el('h3', { id: `doc-${i}-title` }, x.name, x.required && !x.online_form ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
          el('div', { class: 'doc-state' })),
        el('p', { class: 'muted small mb-0' }, x.online_form
          ? `${counts} · Đã nhập ở bước “Tờ khai”; có thể đính kèm bản quét tờ khai giấy có chữ ký (không bắt buộc).`
          : counts + (x.required ? ' · Bắt buộc' : ' · Không bắt buộc')),
        el('p', { class: 'field-error', id: `doc-${i}-err`, 'aria-live': 'polite' }),
        el('ul', { class: 'file-list' }),
        el('div', { class: 'file-pick' }, input, el('label', { class: 'btn btn-secondary btn-small', for: inputId, 'aria-hidden': 'true' }, x.online_form ? '+ Đính kèm bản quét tờ khai' : '+ Chọn tệp quét')),
        x.online_form ? null : copyPicker({ dossier: () => d, base: '/staff/dossiers', key: x.key, index: i, staff: true,
          onAttached: (f) => { d.files = d.files.filter((g) => g.name !== f.name).concat([f]); refreshDoc(x.key); } }));
    }));
}

function checkDocs() {
  let first = null;
  for (const x of docs()) {
    if (x.required && !x.online_form && !filesOf(x.key).length) {
      docError(x.key, 'Vui lòng quét và đính kèm giấy tờ này');
      first = first || x.key;
    }
  }
  if (first) $(`[data-doc="${CSS.escape(first)}"] input[type=file]`)?.focus();
  return !first;
}

/* ---------------- step 5: review and register ---------------- */

function reviewPanel() {
  const a = d.applicant || st.applicant;
  const edit = (target, label) => el('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => setStep(target) }, 'Sửa', el('span', { class: 'visually-hidden' }, ' ' + label));
  const fact = (k, v) => el('div', {}, el('dt', {}, k), el('dd', {}, v || el('span', { class: 'muted' }, '—')));
  const msg = el('div', { class: 'form-errors', hidden: true, id: 'submit-errors' });
  const btn = el('button', { type: 'button', class: 'btn btn-large', id: 'register' }, 'Tiếp nhận hồ sơ');
  btn.addEventListener('click', () => submit(btn, msg));
  return el('div', {},
    el('p', {}, 'Đối chiếu lần cuối với hồ sơ giấy trước khi tiếp nhận.'),
    el('div', { class: 'review-grid' },
      el('section', { class: 'review-block' },
        el('h3', {}, 'Thông tin tiếp nhận'),
        el('dl', { class: 'facts' },
          fact('Thủ tục', st.proc.name),
          fact('Đơn vị tiếp nhận', d.unit.name),
          fact('Hình thức', CHANNEL_NAME[d.channel] || d.channel),
          fact('Thời hạn giải quyết', processingText(st.proc)),
          fact('Phí, lệ phí', formatFee(st.proc.fee)))),
      el('section', { class: 'review-block' },
        el('h3', {}, 'Người nộp hồ sơ'),
        el('dl', { class: 'facts' },
          fact('Họ và tên', a.name),
          fact('Số định danh cá nhân', st.applicant.citizen_id || ''),
          fact('Điện thoại', a.phone),
          fact('Thư điện tử', a.email),
          fact('Địa chỉ', a.address)))),
    (schema.sections || []).length ? el('section', { class: 'review-block' },
      el('h3', {}, schema.title || 'Tờ khai', edit(2, 'tờ khai')), el('div', { class: 'review facts-2' }, renderReview(schema, d.form || {}))) : null,
    el('section', { class: 'review-block' },
      el('h3', {}, 'Giấy tờ', docs().length ? edit(3, 'giấy tờ') : null),
      docs().length ? el('div', { class: 'table-scroll' }, el('table', { class: 'doc-table compact' },
        el('thead', {}, el('tr', {}, el('th', {}, 'Giấy tờ'), el('th', {}, 'Số lượng'), el('th', {}, 'Bản quét'))),
        el('tbody', {}, docs().map((x) => el('tr', {},
          el('td', {}, x.name),
          el('td', { class: 'nowrap muted' }, [x.originals ? `${x.originals} bản chính` : '', x.copies ? `${x.copies} bản sao` : ''].filter(Boolean).join(', ') || '—'),
          el('td', {}, filesOf(x.key).length
            ? el('ul', { class: 'doc-files' }, filesOf(x.key).map((f) => el('li', {}, el('a', { class: 'file-link', href: fileUrl(f), target: '_blank', rel: 'noopener' }, f.name), ' ', el('span', { class: 'muted small' }, formatSize(f.size)))))
            : el('span', { class: x.required && !x.online_form ? 'missing' : 'muted' }, x.online_form ? 'Tờ khai đã nhập ở bước 3' : x.required ? 'Chưa có bản quét' : 'Không có')))))))
        : el('p', { class: 'muted' }, 'Không có.')),
    el('div', { class: 'register-box' },
      msg,
      el('p', { class: 'mb-0' }, 'Bấm “Tiếp nhận hồ sơ”: hồ sơ được cấp mã, chuyển sang ', el('strong', {}, 'Được tiếp nhận'), ' và bắt đầu tính thời hạn giải quyết. Sau đó in ',
        el('strong', {}, 'Giấy tiếp nhận hồ sơ và hẹn trả kết quả'), ' giao cho người nộp', d.channel === 'post' ? ' (gửi qua bưu chính)' : '', '.'),
      st.proc.cutoff ? el('p', { class: 'small muted mb-0' }, `Hồ sơ nhận sau ${st.proc.cutoff} được tính thời hạn từ ngày làm việc tiếp theo.`) : null,
      el('div', { class: 'register-action' }, btn)));
}

async function submit(btn, msg) {
  clearErrors(msg.parentElement);
  const restore = busy(btn, 'Đang tiếp nhận…');
  try {
    const done = await api.post(`/staff/dossiers/${api.seg(d.id)}/submit`, {});
    const id = done.id ?? d.id;
    forgetDraft(id);
    d = null; // nothing left to save when leaving the page
    location.href = dossierUrl(id) + '&moi=1';
  } catch (err) {
    restore();
    if (err.status === 401) { goLogin(); return; }
    if (err.code === 'invalid_form') {
      setStep(2);
      showFieldErrors(eform, apiFieldErrors(err), 'Tờ khai còn thiếu hoặc chưa đúng thông tin');
      return;
    }
    if (err.code === 'missing_documents') {
      setStep(3);
      if (err.field) docError(err.field, err.message);
      $(`[data-doc="${CSS.escape(err.field || '')}"]`)?.scrollIntoView({ block: 'center' });
      return;
    }
    if (err.status === 404 || err.status === 409) {
      // Registered meanwhile (another tab): the draft routes no longer know it.
      forgetDraft(d.id);
      showAlert(msg, 'warn', 'Hồ sơ này đã được tiếp nhận trước đó', el('p', {}, el('a', { href: dossierUrl(d.id) }, 'Mở hồ sơ'))).focus();
      return;
    }
    showAlert(msg, 'error', 'Chưa tiếp nhận được hồ sơ', el('p', {}, err.message)).focus();
  }
}

/* ---------------- summary beside the steps ---------------- */

function drawSummary() {
  const box = $('#walkin-summary');
  if (!box) return;
  const p = st.proc;
  const a = d ? d.applicant : st.applicant;
  const unit = d ? d.unit : unitOf(st.unit);
  const need = docs().filter((x) => x.required && !x.online_form);
  const have = need.filter((x) => filesOf(x.key).length).length;
  const row = (k, v, id) => el('div', {}, el('dt', {}, k), el('dd', { id }, v || el('span', { class: 'muted' }, 'Chưa có')));
  render(box,
    el('div', { class: 'card-title' }, el('h2', { id: 'summary-h' }, 'Hồ sơ đang tiếp nhận')),
    el('dl', { class: 'summary-facts' },
      row('Thủ tục', p ? p.name : '', 'sum-proc'),
      row('Đơn vị tiếp nhận', unit ? unit.name : ''),
      row('Hình thức', CHANNEL_NAME[d ? d.channel : st.channel]),
      row('Người nộp', a && a.name ? [a.name, a.phone ? el('span', { class: 'sub' }, a.phone) : null] : '', 'sum-applicant'),
      p ? row('Thời hạn giải quyết', processingText(p)) : null,
      p ? row('Phí, lệ phí', [formatFee(p.fee), feeNote(p) ? el('span', { class: 'sub' }, feeNote(p)) : null]) : null,
      p && need.length ? row('Giấy tờ bắt buộc', `${have}/${need.length} đã quét`) : null,
      row('Bản nháp', d ? `Số ${d.id}, đã lưu` : el('span', { class: 'muted' }, 'Tạo khi xong bước “Người nộp”'))),
    p && p.cutoff ? el('p', { class: 'small muted mb-0 summary-note' }, `Nhận sau ${p.cutoff}: tính thời hạn từ ngày làm việc tiếp theo.`) : null);
}

/* ---------------- steps ---------------- */

function unmark(input) {
  const box = input && input.closest && input.closest('.field.has-error');
  if (box) { box.classList.remove('has-error'); const e = box.querySelector('.field-error'); if (e) e.textContent = ''; input.removeAttribute('aria-invalid'); }
}

/** Panels 3 and 4 need the draft; 1 and 2 are shown locked once it exists. */
function buildDraftPanels() {
  render(panels[0].body, procPanel());
  render(panels[1].body, applicantPanel());
  render(panels[2].body, formPanel());
  render(panels[3].body, docsPanel());
  for (const x of docs()) refreshDoc(x.key);
  drawSummary();
}

/** Checks and saves what leaving step s forward needs. */
async function leave(s) {
  if (s === 0) return d ? true : checkStart();
  if (s === 1) {
    if (d) return true;
    clearErrors(applicantForm);
    st.applicant = readForm(applicantForm, APPLICANT);
    const errors = checkForm(st.applicant, APPLICANT, true);
    if (errors.length) { showFieldErrors(applicantForm, errors, 'Thông tin người nộp chưa đủ hoặc chưa đúng'); return false; }
    const restore = busy($('#next'), 'Đang tạo hồ sơ…');
    const ok = await createDraft();
    restore();
    return ok;
  }
  if (s === 2) {
    clearErrors(eform);
    if (!(await saveForm())) return false;
    if ((schema.sections || []).length) {
      const missing = checkForm(readForm(eform, schema), schema, true);
      if (missing.length) { showFieldErrors(eform, missing, 'Vui lòng nhập đủ tờ khai'); return false; }
    }
    return true;
  }
  if (s === 3) return checkDocs();
  return true;
}

async function go(target) {
  if (target < 0 || target >= STEPS.length || target === step) return;
  if (target > step) {
    for (let s = step; s < target; s++) if (!(await leave(s))) return;
  } else if (step === 2 && d) {
    clearErrors(eform);
    if (!(await saveForm())) return;
  }
  setStep(target);
}

function setStep(target) {
  step = target;
  if (step === 4) render(panels[4].body, reviewPanel());
  const hash = '#buoc-' + (step + 1);
  if (location.hash !== hash) history.replaceState(null, '', location.pathname + location.search + hash);
  show();
}

function show(initial) {
  $$('li', stepper).forEach((li, i) => {
    li.classList.toggle('done', i < step);
    li.classList.toggle('current', i === step);
    if (i === step) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
  });
  panels.forEach((x, i) => { x.root.hidden = i !== step; });
  const formStep = step === 2 && (schema.sections || []).length;
  render(nav,
    step > 0 ? el('button', { type: 'button', class: 'btn btn-ghost', id: 'prev', onclick: () => go(step - 1) }, '← Quay lại') : el('span'),
    el('div', { class: 'right' },
      formStep ? [el('span', { class: 'save-state', id: 'save-state', 'aria-live': 'polite' }),
        el('button', { type: 'button', class: 'btn btn-secondary', id: 'save', onclick: async (e) => { const r = busy(e.currentTarget, 'Đang lưu'); await saveForm(); r(); } }, 'Lưu tờ khai')] : null,
      step < STEPS.length - 1 ? el('button', { type: 'button', class: 'btn', id: 'next', onclick: () => go(step + 1) }, step === 1 && !d ? 'Tạo hồ sơ và nhập tờ khai →' : 'Tiếp tục →') : null));
  if (initial) return;
  panels[step].heading.focus({ preventScroll: true });
  stepper.scrollIntoView({ block: 'nearest' });
}

function layout() {
  stepper = el('ol', { class: 'stepper', id: 'stepper', 'aria-label': 'Các bước tiếp nhận hồ sơ' },
    STEPS.map((s, i) => el('li', {}, el('span', {}, s), el('span', { class: 'visually-hidden' }, ` (bước ${i + 1}/${STEPS.length})`))));
  const card = el('div', { class: 'card walkin-card' }, stepper);
  STEPS.forEach((s, i) => {
    const heading = el('h2', { tabindex: '-1', id: 'step-' + (i + 1) }, `Bước ${i + 1}. ${s}`);
    const body = el('div');
    const root = el('section', { 'aria-labelledby': 'step-' + (i + 1), hidden: true, dataset: { step: String(i + 1) } }, heading, body);
    panels.push({ root, heading, body });
    card.append(root);
  });
  nav = el('div', { class: 'wizard-nav' });
  card.append(nav);
  return el('div', { class: 'walkin-layout' },
    el('div', { class: 'walkin-main' }, el('div', { id: 'drafts-slot' }), card),
    el('aside', { class: 'walkin-side' }, el('section', { class: 'card walkin-summary', id: 'walkin-summary', 'aria-labelledby': 'summary-h' })));
}

/** Opens a draft started earlier (?id=), at the step in the address (default: the declaration). */
async function resume(id) {
  d = await api.get(`/staff/dossiers/${api.seg(id)}`);
  if (d.state !== 'draft') return false;
  st.proc = await api.get(`/procedures/${api.seg(d.procedure.code)}`);
  schema = st.proc.form || { sections: [] };
  st.units = [d.unit];
  st.unit = d.unit.code;
  st.channel = d.channel;
  d.files = d.files || [];
  const a = d.applicant || {};
  st.applicant = Object.fromEntries(Object.entries(a).filter(([, v]) => v)); // the ID number is not read back
  return true;
}

async function init() {
  who = await initStaff('walkin');
  if (!who) return;
  $('#back').href = lastQueue();
  const content = $('#content');
  if (!who.roles.some((r) => WALKIN_ROLES.has(r.role))) {
    render(content, alertBox('warn', 'Tài khoản của bạn không tiếp nhận hồ sơ',
      el('p', {}, 'Chỉ cán bộ Bộ phận tiếp nhận và trả kết quả được tiếp nhận hồ sơ trực tiếp hoặc qua bưu chính.'),
      el('p', {}, el('a', { href: lastQueue() }, 'Về danh sách hồ sơ'))));
    return;
  }
  const id = param('id');
  render(content, loading(id ? 'Đang mở hồ sơ đang nhập…' : 'Đang chuẩn bị…'));
  if (id) {
    try {
      if (!(await resume(id))) {
        render(content, alertBox('info', 'Hồ sơ này đã được tiếp nhận',
          el('p', {}, 'Mã hồ sơ ', el('strong', {}, d.code || ''), '. ', el('a', { href: dossierUrl(d.id) }, 'Mở hồ sơ'), ' · ', el('a', { href: walkinUrl() }, 'Tiếp nhận hồ sơ khác'))));
        forgetDraft(d.id);
        return;
      }
    } catch (err) {
      if (err.status === 401) { goLogin(); return; }
      pageError(content, err, el('p', {}, el('a', { href: walkinUrl() }, 'Bắt đầu tiếp nhận hồ sơ mới')));
      return;
    }
  }
  render(content, layout());
  if (d) {
    buildDraftPanels();
    document.title = `Tiếp nhận: ${st.proc.name} – Một cửa điện tử tỉnh Thanh Hóa`;
  } else {
    render(panels[0].body, procPanel());
    render(panels[1].body, applicantPanel());
    drawSummary();
    draftsCard().then((box) => { if (box) render($('#drafts-slot'), box); }).catch(() => { /* only a convenience */ });
  }
  const m = /^#buoc-(\d)$/.exec(location.hash);
  // Without a draft only the first two steps exist; review is reached through the checks.
  step = d ? (m ? Math.min(Math.max(+m[1] - 1, 0), 3) : 2) : 0;
  if (location.hash !== '#buoc-' + (step + 1)) history.replaceState(null, '', location.pathname + location.search + '#buoc-' + (step + 1));
  show(true);
  if (!d) $('#proc-q')?.focus();
  window.addEventListener('beforeunload', (e) => {
    if (d && step === 2 && (schema.sections || []).length && JSON.stringify(readForm(eform, schema)) !== savedForm) { e.preventDefault(); e.returnValue = ''; }
  });
}

init();
