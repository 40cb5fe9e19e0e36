// eform.js: draws a procedure's e-form schema ({sections:[{title, fields:[...]}]},
// see docs/eform.md) as an accessible HTML form, reads it back as flat JSON,
// checks it in the browser the way the server will, and shows it for review.

import { el, fieldBox, formatDate } from './ui.js';

const PATTERN = {
  citizen_id: /^\d{12}$/,
  // mobile 0[35789] + 8 digits or landline 02 + 9 digits; +84 may replace the 0 (docs/eform.md)
  phone: /^(0|\+84)([35789]\d{8}|2\d{9})$/,
  email: /^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$/,
};
const DEFAULT_MAX = { text: 500, textarea: 4000 };

/** Today in Vietnam as YYYY-MM-DD. */
function todayIso() {
  return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
}

/**
 * A min/max bound of field f with "today" resolved: a YYYY-MM-DD string for dates,
 * a number for integer and year fields (today = this year); null when absent.
 */
export function bound(f, which) {
  const b = f[which];
  if (b === undefined || b === null || b === '') return null;
  if (f.type === 'date') return b === 'today' ? todayIso() : String(b);
  if (b === 'today') return Number(todayIso().slice(0, 4));
  const n = Number(b);
  return Number.isFinite(n) ? n : null;
}

function inputFor(f) {
  const common = { name: f.name, dataset: { type: f.type }, placeholder: f.placeholder || null };
  const min = bound(f, 'min');
  const max = bound(f, 'max');
  switch (f.type) {
    case 'textarea':
      return el('textarea', { ...common, rows: '3', minlength: f.min_length || null, maxlength: f.max_length || DEFAULT_MAX.textarea });
    case 'date':
      return el('input', { ...common, type: 'date', class: 'input-narrow', min, max });
    case 'integer':
      return el('input', { ...common, type: 'number', inputmode: 'numeric', step: '1', class: 'input-narrow', min, max });
    case 'year':
      return el('input', { ...common, type: 'number', inputmode: 'numeric', step: '1', class: 'input-year', min, max, placeholder: f.placeholder || 'VD: 1995' });
    case 'select':
      return el('select', common,
        el('option', { value: '' }, '— Chọn —'),
        (f.options || []).map((o) => el('option', { value: o.value }, o.label)));
    case 'citizen_id':
      return el('input', { ...common, type: 'text', inputmode: 'numeric', autocomplete: 'off', maxlength: '12', class: 'input-narrow', placeholder: f.placeholder || '12 chữ số' });
    case 'phone':
      return el('input', { ...common, type: 'tel', autocomplete: 'tel', class: 'input-narrow', maxlength: f.max_length || 15 });
    case 'email':
      return el('input', { ...common, type: 'email', autocomplete: 'email', maxlength: f.max_length || 254 });
    case 'checkbox':
      return el('input', { ...common, type: 'checkbox', value: 'true' });
    default:
      return el('input', { ...common, type: 'text', minlength: f.min_length || null, maxlength: f.max_length || DEFAULT_MAX.text });
  }
}

function checkboxField(f, id) {
  const input = inputFor(f);
  input.id = id;
  input.setAttribute('aria-describedby', [f.help ? id + '-hint' : null, id + '-error'].filter(Boolean).join(' '));
  if (f.required) input.setAttribute('aria-required', 'true');
  return el('div', { class: 'field wide' },
    el('p', { class: 'field-error', id: id + '-error', 'aria-live': 'polite' }),
    el('label', { class: 'check', for: id }, input,
      el('span', {}, f.label, f.required ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null,
        f.help ? el('span', { class: 'hint', id: id + '-hint' }, f.help) : null)));
}

/** Build the form's sections (fieldsets) for schema; returns a DocumentFragment. */
export function renderForm(schema, values = {}) {
  const frag = document.createDocumentFragment();
  (schema.sections || []).forEach((s, si) => {
    const grid = el('div', { class: 'form-grid two' });
    for (const f of s.fields || []) {
      const id = 'f-' + f.name;
      if (f.type === 'checkbox') { grid.append(checkboxField(f, id)); continue; }
      const box = fieldBox({ id, label: f.label, required: f.required, hint: f.help, input: inputFor(f) });
      if (f.type === 'textarea' || (f.type === 'text' && (f.max_length || 0) > 150)) box.classList.add('wide');
      grid.append(box);
    }
    frag.append(el('fieldset', { class: 'form-section', 'aria-labelledby': 'sec-' + si },
      el('h3', { id: 'sec-' + si }, s.title),
      s.description ? el('p', { class: 'section-desc' }, s.description) : null,
      grid));
  });
  return frag;
}

/** Put saved values back into the form. */
export function fillForm(form, schema, values = {}) {
  for (const f of allFields(schema)) {
    const input = form.elements.namedItem(f.name);
    if (!input || values[f.name] === undefined || values[f.name] === null) continue;
    if (f.type === 'checkbox') input.checked = values[f.name] === true || values[f.name] === 'true';
    else input.value = String(values[f.name]);
  }
}

export function allFields(schema) {
  return (schema.sections || []).flatMap((s) => s.fields || []);
}

/** Read the form as flat JSON: numbers for integer/year, booleans for checkbox; empty fields left out. */
export function readForm(form, schema) {
  const out = {};
  for (const f of allFields(schema)) {
    const input = form.elements.namedItem(f.name);
    if (!input) continue;
    if (f.type === 'checkbox') { if (input.checked) out[f.name] = true; continue; }
    const v = input.value.trim().normalize('NFC');
    if (v === '') continue;
    if (f.type === 'integer' || f.type === 'year') {
      const n = Number(v);
      out[f.name] = Number.isInteger(n) ? n : v; // a non-integer goes as text: the server explains
    } else out[f.name] = v;
  }
  return out;
}

/** Browser-side checks, the same rules as the server; requireAll also checks required fields. */
export function checkForm(values, schema, requireAll) {
  const errors = [];
  for (const f of allFields(schema)) {
    const v = values[f.name];
    if (v === undefined) {
      if (requireAll && f.required) errors.push({ field: f.name, message: f.type === 'checkbox' ? 'Vui lòng đánh dấu xác nhận' : f.type === 'select' ? 'Vui lòng chọn một giá trị' : 'Trường này là bắt buộc' });
      continue;
    }
    const len = typeof v === 'string' ? [...v.normalize('NFC')].length : 0;
    const maxLen = f.max_length || DEFAULT_MAX[f.type];
    if (maxLen && typeof v === 'string' && len > maxLen) errors.push({ field: f.name, message: `Không được quá ${maxLen} ký tự` });
    else if (f.min_length && typeof v === 'string' && len < f.min_length) errors.push({ field: f.name, message: `Cần ít nhất ${f.min_length} ký tự` });
    else if ((f.type === 'integer' || f.type === 'year') && !Number.isInteger(v)) errors.push({ field: f.name, message: 'Vui lòng nhập số nguyên' });
    else if ((f.type === 'integer' || f.type === 'year') && outside(v, bound(f, 'min'), bound(f, 'max')))
      errors.push({ field: f.name, message: rangeText(bound(f, 'min'), bound(f, 'max'), String) });
    else if (f.type === 'citizen_id' && !PATTERN.citizen_id.test(v)) errors.push({ field: f.name, message: 'Số định danh cá nhân gồm đúng 12 chữ số' });
    else if (f.type === 'phone' && !PATTERN.phone.test(v.replace(/(\d)[ .-](?=\d)/g, '$1'))) errors.push({ field: f.name, message: 'Số điện thoại không hợp lệ (10 chữ số bắt đầu bằng 0, hoặc +84)' });
    else if (f.type === 'email' && !PATTERN.email.test(v)) errors.push({ field: f.name, message: 'Địa chỉ thư điện tử không hợp lệ' });
    else if (f.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) errors.push({ field: f.name, message: 'Ngày không hợp lệ' });
    else if (f.type === 'date' && outside(v, bound(f, 'min'), bound(f, 'max')))
      errors.push({ field: f.name, message: f.max === 'today' && v > bound(f, 'max') ? 'Ngày không được sau ngày hôm nay' : rangeText(bound(f, 'min'), bound(f, 'max'), formatDate) });
    else if (f.type === 'select' && f.options && !f.options.some((o) => o.value === v)) errors.push({ field: f.name, message: 'Giá trị không nằm trong danh sách' });
  }
  return errors;
}

function outside(v, min, max) {
  return (min !== null && v < min) || (max !== null && v > max);
}

function rangeText(min, max, show) {
  if (min !== null && max !== null) return `Giá trị phải từ ${show(min)} đến ${show(max)}`;
  return min !== null ? `Giá trị nhỏ nhất là ${show(min)}` : `Giá trị lớn nhất là ${show(max)}`;
}

/** Human text of one value, for review and for the dossier page. */
export function displayValue(f, v) {
  if (v === undefined || v === null || v === '') return '—';
  if (f.type === 'checkbox') return v === true || v === 'true' ? 'Có' : 'Không';
  if (f.type === 'select') return (f.options || []).find((o) => o.value === v)?.label || String(v);
  if (f.type === 'date') return formatDate(String(v));
  return String(v);
}

/** Read-only view of a filled form: one <dl> per section. */
export function renderReview(schema, values) {
  const frag = document.createDocumentFragment();
  for (const s of schema.sections || []) {
    frag.append(el('h4', { class: 'mb-0' }, s.title),
      el('dl', { class: 'facts' }, (s.fields || []).map((f) =>
        el('div', {}, el('dt', {}, f.label), el('dd', { dataset: { field: f.name } }, displayValue(f, values[f.name]))))));
  }
  return frag;
}
