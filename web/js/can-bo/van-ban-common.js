// can-bo/van-ban-common.js: what the pages of outgoing documents (văn bản đi, docs/documents.md)
// share: the states' names and colours, the links, and dates of the API (Unix seconds,
// "YYYY-MM-DD") in the Vietnamese form.

import { el } from '../ui.js';

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
