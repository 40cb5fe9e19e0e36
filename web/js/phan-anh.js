// Complaints and suggestions (phản ánh, kiến nghị), citizen side: send one about a unit,
// optionally about one of my dossiers (?ho-so=ID or code preselects it and its unit);
// follow my own with their state, answer due date and answer; rate an answer once.

import * as api from './api.js';
import { $, el, render, initLayout, param, pageUrl, formatDateTime, combobox, loading, pageError, alertBox,
  busy, showFieldErrors, clearErrors, goLogin } from './ui.js';

// The API's limits, in characters (src/feedback/feedback.h, docs/openapi.yaml tag feedback).
const SUBJECT_MAX = 200;
const CONTENT_MAX = 4000;

const KINDS = [
  ['complaint', 'Phản ánh', 'Về việc giải quyết chậm, sai quy định, đòi thêm giấy tờ, thái độ phục vụ…'],
  ['suggestion', 'Kiến nghị', 'Đề xuất sửa đổi quy định, thủ tục hoặc cách phục vụ người dân.'],
];
const KIND = Object.fromEntries(KINDS.map(([k, t]) => [k, t]));
const STATE = { received: ['new', 'Đã tiếp nhận'], assigned: ['work', 'Đang xử lý'], answered: ['done', 'Đã trả lời'] };
const RATING = [['rat_hai_long', 'Rất hài lòng'], ['hai_long', 'Hài lòng'], ['khong_hai_long', 'Không hài lòng']];
const RATING_TEXT = Object.fromEntries(RATING);
const FIELDS = ['kind', 'unit_code', 'dossier_code', 'subject', 'content'];

let items = [];     // my complaints and suggestions, newest first
let workingDays = null; // the working days a unit has to answer (the API's answer_within_working_days)
let dossiers = [];  // my submitted dossiers (with a code)
let unitCombo = null;
let preselect = null; // the dossier named by ?ho-so=
let formFirst = false;  // the form above my list (then no "jump to the form" button)

/* ---------------- text ---------------- */

/** Multi-line text as a block with its line breaks. */
function textBlock(text, attrs = {}) {
  const lines = String(text || '').split(/\r?\n/);
  return el('div', { class: 'fb-text', ...attrs }, lines.flatMap((l, i) => (i ? [el('br'), l] : [l])));
}

const chars = (s) => [...s].length; // the API counts characters, not UTF-16 units

/** "12/200 ký tự" under an input, kept up to date. */
function counter(input, max) {
  const out = el('span', { class: 'fb-count', id: input.id + '-count' });
  const update = () => {
    const n = chars(input.value);
    out.textContent = `${n.toLocaleString('vi-VN')}/${max.toLocaleString('vi-VN')} ký tự`;
    out.classList.toggle('over', n > max);
  };
  input.addEventListener('input', update);
  update();
  return { node: out, update };
}

const req = () => el('span', { class: 'req', 'aria-hidden': 'true' }, ' *');
const fact = (label, ...value) => el('div', {}, el('dt', {}, label), el('dd', {}, ...value));

/* ---------------- my list ---------------- */

function ratingDone(it) {
  return el('p', { class: 'fb-rated', role: 'status', tabindex: '-1' },
    'Bạn đã đánh giá câu trả lời: ', el('strong', {}, RATING_TEXT[it.rating] || it.rating), '. Cảm ơn bạn.');
}

function ratingForm(it) {
  const id = it.id;
  const form = el('form', { class: 'fb-rate', novalidate: true, 'aria-labelledby': `fb-${id}-rate` },
    el('div', { class: 'form-errors', hidden: true }),
    el('fieldset', { class: 'field' },
      el('legend', { id: `fb-${id}-rate` }, 'Bạn có hài lòng với câu trả lời?'),
      el('p', { class: 'field-error', id: `level-${id}-error`, 'aria-live': 'polite' }),
      el('div', { class: 'fb-levels' }, RATING.map(([v, t]) => el('label', { class: 'choice-card' },
        el('input', { type: 'radio', name: 'level', value: v, id: `level-${id}-${v}`, 'aria-describedby': `level-${id}-error` }),
        el('span', {}, t))))),
    el('div', { class: 'btn-row' },
      el('button', { class: 'btn', type: 'submit', 'aria-describedby': `fb-${id}-title` }, 'Gửi đánh giá'),
      el('span', { class: 'small muted' }, 'Mỗi câu trả lời được đánh giá một lần.')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const level = form.querySelector('input[name="level"]:checked')?.value;
    if (!level) { showFieldErrors(form, [{ field: 'level', message: 'Vui lòng chọn mức độ hài lòng' }]); return; }
    const restore = busy(form.querySelector('button[type="submit"]'), 'Đang gửi…');
    try {
      const updated = await api.post(`/feedback/${api.seg(id)}/rating`, { level });
      items = items.map((x) => (x.id === updated.id ? updated : x));
      const done = ratingDone(updated);
      render($(`#rating-${id}`), done);
      done.focus();
    } catch (err) {
      restore();
      if (err.status === 401) { goLogin(); return; }
      showFieldErrors(form, [{ field: err.field === 'level' ? 'level' : null, message: err.message }], 'Chưa gửi được đánh giá');
    }
  });
  return form;
}

function itemView(it, now) {
  const [cls, text] = STATE[it.state] || ['new', it.state];
  const answered = it.state === 'answered';
  const late = !answered && Date.parse(it.due_at) < now;
  return el('li', { class: 'fb-item' + (late ? ' is-late' : ''), id: 'fb-' + it.id, dataset: { id: String(it.id), state: it.state } },
    el('div', { class: 'top' },
      el('span', { class: 'fb-kind' }, KIND[it.kind] || it.kind, el('span', { class: 'muted' }, ` · số ${it.id}`)),
      el('span', { class: 'status status-' + cls }, text)),
    el('h3', { class: 'fb-subject', id: `fb-${it.id}-title` }, it.subject),
    el('dl', { class: 'fb-facts' },
      fact('Cơ quan', it.unit.name),
      it.dossier_code ? fact('Hồ sơ', el('a', { class: 'mono', href: pageUrl('ho-so', { id: it.dossier_code }) }, it.dossier_code)) : null,
      fact('Ngày gửi', formatDateTime(it.received_at)),
      fact('Hạn trả lời', el('strong', { class: 'fb-due' }, formatDateTime(it.due_at)),
        late ? el('span', { class: 'tag tag-danger' }, 'Quá hạn trả lời') : null),
      answered ? fact('Ngày trả lời', formatDateTime(it.answered_at),
        it.on_time === false ? el('span', { class: 'tag tag-warn' }, 'Trả lời quá hạn') : null) : null),
    el('details', { class: 'fb-sent' }, el('summary', {}, 'Nội dung đã gửi'), textBlock(it.content)),
    answered
      ? el('section', { class: 'fb-answer', 'aria-labelledby': `fb-${it.id}-answer` },
        el('h4', { id: `fb-${it.id}-answer` }, 'Trả lời của ', it.unit.name),
        textBlock(it.answer, { 'data-testid': 'answer' }))
      : el('p', { class: 'small muted fb-wait' }, it.state === 'assigned'
        ? 'Cơ quan đã giao cán bộ xử lý; câu trả lời sẽ hiện tại đây.'
        : 'Cơ quan đã tiếp nhận; câu trả lời sẽ hiện tại đây.'),
    answered ? el('div', { class: 'fb-rating', id: `rating-${it.id}` }, it.rating ? ratingDone(it) : ratingForm(it)) : null);
}

function listSection() {
  const now = Date.now();
  return el('section', { class: 'fb-section', id: 'sent', 'aria-labelledby': 'h-sent' },
    el('h2', { id: 'h-sent' }, 'Đã gửi ', el('span', { class: 'fb-n' }, `(${items.length})`)),
    items.length
      ? el('ul', { class: 'fb-list', id: 'fb-list' }, items.map((it) => itemView(it, now)))
      : el('p', { class: 'card empty', id: 'fb-empty' }, 'Bạn chưa gửi phản ánh, kiến nghị nào.'));
}

/* ---------------- the form ---------------- */

function unitField() {
  unitCombo = combobox({ id: 'unit', name: 'unit_code', label: 'Cơ quan, đơn vị', placeholder: 'Gõ tên xã, phường, sở, ngành để tìm…',
    search: searchUnits });
  unitCombo.input.id = 'unit';
  unitCombo.input.setAttribute('aria-describedby', 'unit-hint unit-error');
  unitCombo.input.setAttribute('aria-required', 'true');
  const err = el('p', { class: 'field-error', id: 'unit-error', 'aria-live': 'polite' });
  const field = el('div', { class: 'field' },
    el('label', { for: 'unit' }, 'Cơ quan, đơn vị được phản ánh, kiến nghị', req()),
    el('span', { class: 'hint', id: 'unit-hint' }, 'Gõ tên để tìm nhanh, ví dụ: “Hạc Thành”.'),
    err, unitCombo.root);
  unitCombo.onChange((o) => {
    if (!o) return;
    field.classList.remove('has-error');
    err.textContent = '';
    unitCombo.input.removeAttribute('aria-invalid');
  });
  return field;
}

function dossierField() {
  const sel = el('select', { id: 'dossier', name: 'dossier_code', 'aria-describedby': 'dossier-hint dossier-error', disabled: !dossiers.length },
    el('option', { value: '' }, dossiers.length ? '— Không gắn với hồ sơ nào —' : '— Bạn chưa có hồ sơ đã nộp —'),
    dossiers.map((d) => el('option', { value: d.code }, `${d.code} – ${d.procedure.name}`)));
  const hint = el('span', { class: 'hint', id: 'dossier-hint' }, 'Chọn hồ sơ nếu bạn phản ánh về một hồ sơ đã nộp; cơ quan giải quyết hồ sơ được chọn sẵn bên dưới.');
  sel.addEventListener('change', () => {
    const d = dossiers.find((x) => x.code === sel.value);
    if (d && unitCombo) unitCombo.choose(unitOption(d.unit));
  });
  return el('div', { class: 'field' },
    el('label', { for: 'dossier' }, 'Hồ sơ liên quan', el('span', { class: 'muted small' }, ' (không bắt buộc)')),
    hint,
    el('p', { class: 'field-error', id: 'dossier-error', 'aria-live': 'polite' }),
    sel);
}

function formSection() {
  const subject = el('input', { type: 'text', id: 'subject', name: 'subject', maxlength: String(SUBJECT_MAX), autocomplete: 'off',
    'aria-required': 'true', 'aria-describedby': 'subject-hint subject-error subject-count' });
  const content = el('textarea', { id: 'message', name: 'content', rows: '8', maxlength: String(CONTENT_MAX),
    'aria-required': 'true', 'aria-describedby': 'message-hint message-error message-count' });
  const subjectCount = counter(subject, SUBJECT_MAX);
  const contentCount = counter(content, CONTENT_MAX);
  const send = el('button', { class: 'btn btn-large', type: 'submit', id: 'send' }, 'Gửi phản ánh, kiến nghị');
  const form = el('form', { id: 'fb-form', novalidate: true },
    el('div', { class: 'form-errors', hidden: true }),
    el('fieldset', { class: 'field' },
      el('legend', {}, 'Loại', req()),
      el('p', { class: 'field-error', id: 'kind-error', 'aria-live': 'polite' }),
      el('div', { class: 'choice-cards' }, KINDS.map(([v, t, h]) => el('label', { class: 'choice-card' },
        el('input', { type: 'radio', name: 'kind', value: v, id: 'kind-' + v, 'aria-describedby': 'kind-error' }),
        el('span', {}, el('strong', {}, t), el('span', { class: 'small muted' }, h)))))),
    dossierField(),
    unitField(),
    el('div', { class: 'field' },
      el('label', { for: 'subject' }, 'Tiêu đề', req()),
      el('span', { class: 'hint', id: 'subject-hint' }, `Tóm tắt trong một câu, tối đa ${SUBJECT_MAX} ký tự.`),
      el('p', { class: 'field-error', id: 'subject-error', 'aria-live': 'polite' }),
      subject, subjectCount.node),
    el('div', { class: 'field' },
      el('label', { for: 'message' }, 'Nội dung', req()),
      el('span', { class: 'hint', id: 'message-hint' }, `Trình bày sự việc: thời gian, nơi xảy ra, người liên quan và đề nghị của bạn; tối đa ${CONTENT_MAX.toLocaleString('vi-VN')} ký tự.`),
      el('p', { class: 'field-error', id: 'message-error', 'aria-live': 'polite' }),
      content, contentCount.node),
    el('p', { class: 'small muted', id: 'fb-form-rule' }, 'Thông tin liên hệ của bạn lấy từ tài khoản đang đăng nhập. ',
      workingDays ? `Cơ quan trả lời trong ${workingDays} ngày làm việc; hạn trả lời hiện ngay sau khi gửi.` : 'Hạn trả lời hiện ngay sau khi gửi.'),
    send);
  if (preselect) {
    form.dossier_code.value = preselect.code;
    form.dossier_code.dispatchEvent(new Event('change'));
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    // The choices are checked here (the API cannot name a unit half typed); the text, its
    // presence and its length, by the API, whose message is shown at the field.
    const kind = form.querySelector('input[name="kind"]:checked')?.value;
    const errors = [];
    if (!kind) errors.push({ field: 'kind', message: 'Vui lòng chọn phản ánh hoặc kiến nghị' });
    if (!unitCombo.value) {
      errors.push({ field: 'unit_code', message: unitCombo.input.value.trim() ? 'Vui lòng chọn cơ quan trong danh sách gợi ý' : 'Vui lòng chọn cơ quan, đơn vị' });
    }
    if (errors.length) { showFieldErrors(form, errors); return; }
    const body = { kind, unit_code: unitCombo.value, subject: subject.value.trim(), content: content.value.trim() };
    if (form.dossier_code.value) body.dossier_code = form.dossier_code.value;
    const restore = busy(send, 'Đang gửi…');
    let it;
    try {
      it = await api.post('/feedback', body);
    } catch (err) {
      restore();
      if (err.status === 401) { goLogin(); return; }
      showFieldErrors(form, [{ field: FIELDS.includes(err.field) ? err.field : null, message: err.message }], 'Chưa gửi được phản ánh, kiến nghị');
      return;
    }
    restore();
    form.reset();
    unitCombo.set(null);
    subjectCount.update();
    contentCount.update();
    if (param('ho-so')) history.replaceState(null, '', pageUrl('phan-anh'));
    preselect = null;
    items.unshift(it);
    $('#sent').replaceWith(listSection());
    $('#jump-new').hidden = formFirst;
    const ok = alertBox('success', `Đã gửi ${(KIND[it.kind] || '').toLowerCase()} số ${it.id}`,
      el('p', {}, `${it.unit.name} trả lời trước `, el('strong', {}, formatDateTime(it.due_at)), '. Câu trả lời sẽ hiện trong mục “Đã gửi”.'));
    ok.id = 'sent-ok';
    render($('#notice'), ok);
    ok.focus();
  });
  return el('section', { class: 'card fb-section', id: 'gui-moi', 'aria-labelledby': 'h-new' },
    el('div', { class: 'card-title' }, el('h2', { id: 'h-new', tabindex: '-1' }, 'Gửi phản ánh, kiến nghị mới')),
    form);
}

/* ---------------- page ---------------- */

const unitOption = (u) => ({ value: u.code, label: u.name, hint: u.code });

/** The units whose name has the words typed, a page of 50 (the province has some 1,400). */
async function searchUnits(q) {
  return ((await api.get('/units', { q, limit: 50 })).items || []).map(unitOption);
}

/** The dossier named by ?ho-so= (id or code), looked up among mine. */
async function findPreselect(want) {
  let d = dossiers.find((x) => String(x.id) === want || x.code === want);
  if (d) return d;
  try {
    d = await api.get(`/dossiers/${api.seg(want)}`);
  } catch {
    return null;
  }
  if (!d || !d.code) return null;
  dossiers.unshift(d);
  return d;
}

async function init() {
  const who = await initLayout('phan-anh');
  if (!who) { goLogin(); return; }
  const content = $('#content');
  if (who.kind === 'staff') {
    render(content, alertBox('info', 'Trang dành cho công dân',
      el('p', {}, 'Cán bộ xem, giao xử lý và trả lời phản ánh, kiến nghị tại ', el('a', { href: '/can-bo/phan-anh' }, 'trang Phản ánh, kiến nghị của cán bộ'), '.')));
    return;
  }
  render(content, loading('Đang tải…'));
  try {
    [items, dossiers] = await Promise.all([
      api.get('/feedback').then((r) => { workingDays = r.answer_within_working_days || null; return r.items || []; }),
      api.get('/dossiers', { limit: 200 }).then((r) => (r.items || []).filter((d) => d.code)),
    ]);
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    pageError(content, err);
    return;
  }
  if (workingDays) $('#fb-rule').textContent = `Cơ quan được phản ánh trả lời trong ${workingDays} ngày làm việc; câu trả lời hiện trên trang này.`;
  const want = (param('ho-so') || '').trim().slice(0, 100);
  let missing = null;
  if (want) {
    preselect = await findPreselect(want);
    if (!preselect) missing = alertBox('warn', 'Không tìm thấy hồ sơ', el('p', {}, `Hồ sơ “${want}” không có trong danh sách hồ sơ đã nộp của bạn. Bạn vẫn có thể gửi phản ánh, kiến nghị và chọn hồ sơ khác.`));
  }
  // Coming from a dossier, or with nothing sent yet: the form first; else my list first.
  formFirst = !!want || !items.length;
  const form = formSection();
  const list = listSection();
  render(content, el('div', { id: 'notice' }, missing), formFirst ? [form, list] : [list, form]);
  const jump = $('#jump-new');
  jump.hidden = formFirst;
  jump.addEventListener('click', (e) => {
    e.preventDefault();
    $('#gui-moi').scrollIntoView({ block: 'start' });
    $('#h-new').focus({ preventScroll: true });
  });
  if (want) $('#h-new').focus();
}

init();
