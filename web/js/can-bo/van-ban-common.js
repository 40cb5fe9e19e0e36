// can-bo/van-ban-common.js: what the pages of outgoing documents (văn bản đi, docs/documents.md)
// share: the states' names and colours, the links, and dates of the API (Unix seconds,
// "YYYY-MM-DD") in the Vietnamese form.

import { $, el, render, alertBox, clearErrors, showFieldErrors } from '../ui.js';

export const LIST_PAGE = '/can-bo/van-ban';

/** One document's page. */
export const documentUrl = (id) => '/can-bo/van-ban/xem?id=' + encodeURIComponent(String(id));

// The outgoing flow's states (document_state_name) with the pill's colour of app.css.
export const STATES = {
  draft: ['draft', 'Dự thảo'],
  in_review: ['new', 'Chờ duyệt'],
  returned: ['stop', 'Trả lại'],
  approved: ['work', 'Chờ ký'],
  signed: ['work', 'Chờ phát hành'],
  issued: ['done', 'Đã phát hành'],
  arrived: ['new', 'Văn bản đến'],
};

/** The state as a coloured pill. */
export function statePill(state, id) {
  const [cls, text] = STATES[state] || ['draft', state];
  return el('span', { class: 'status status-' + cls, id: id || null, dataset: { state } }, text);
}

// Which roles take part (data/roles.json): used only to decide what to offer; the server
// checks every request and its refusal is shown as it comes.
export const REVIEW_ROLES = new Set(['leader', 'province_admin']);
export const ISSUE_ROLES = new Set(['clerk', 'province_admin']);

const pad = (n) => String(n).padStart(2, '0');

/** Unix seconds as "07/12/2026 14:30" in Vietnam's time (UTC+7). */
export function secondsDateTime(s) {
  if (!s) return '—';
  const v = new Date(s * 1000 + 7 * 3600e3);
  return `${pad(v.getUTCDate())}/${pad(v.getUTCMonth() + 1)}/${v.getUTCFullYear()} ${pad(v.getUTCHours())}:${pad(v.getUTCMinutes())}`;
}

/** "2026-12-07" as "07/12/2026". */
export function dayText(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : '—';
}

/* ---------------- a document page's step dialog and messages ---------------- */

/** The page's message (#page-alert): a success as #action-ok, else #action-error; focused. */
export function pageAlert(kind, title, ...body) {
  const box = alertBox(kind, title, ...body);
  box.id = kind === 'success' ? 'action-ok' : 'action-error';
  render($('#page-alert'), box);
  box.focus();
}

/**
 * Opens the confirmation dialog of a step (#action-dialog and its #action-form, #action-title,
 * #action-sub, #action-fields, #action-confirm) with act's title and words, about `sub`. A step
 * that takes a text has act.input = {id, label, required, max}: a textarea of that id, its
 * error slot id-error. Focuses the text, or the confirm button.
 */
export function openStepDialog(act, sub) {
  const form = $('#action-form');
  clearErrors(form);
  $('#action-title').textContent = act.title;
  $('#action-sub').textContent = sub;
  const f = act.input;
  const text = f
    ? el('div', { class: 'field' },
      el('label', { for: f.id }, f.label, f.required ? [' ', el('span', { class: 'req', 'aria-hidden': 'true' }, '*')] : null),
      el('p', { class: 'field-error', id: f.id + '-error', 'aria-live': 'polite' }),
      el('textarea', { id: f.id, name: f.id, rows: '4', maxlength: String(f.max), 'aria-required': f.required ? 'true' : null, 'aria-describedby': f.id + '-error' }))
    : null;
  render($('#action-fields'), el('p', {}, act.text), text);
  $('#action-confirm').textContent = act.title;
  $('#action-dialog').showModal();
  ((f && form.querySelector('#' + f.id)) || $('#action-confirm')).focus();
}

/** The open step dialog's text, trimmed ('' without one), or null after marking it when it is
 * required and empty. */
export function stepDialogText(act) {
  const f = act.input;
  if (!f) return '';
  const form = $('#action-form');
  const v = form[f.id].value.trim();
  if (f.required && !v) {
    showFieldErrors(form, [{ field: f.id, message: `Vui lòng ghi ${f.label.toLowerCase()}` }], 'Chưa đủ thông tin');
    return null;
  }
  return v;
}

