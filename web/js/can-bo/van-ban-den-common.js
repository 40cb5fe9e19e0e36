// can-bo/van-ban-den-common.js: what the pages of incoming documents (văn bản đến) and the
// leaders' follow-up board (docs/documents.md "The incoming flow", "The follow-up board")
// share: the statuses' names and colours, the lists per role, the board's states, the links.

import { el } from '../ui.js';

export const INCOMING_PAGE = '/can-bo/van-ban-den';
export const BOARD_PAGE = '/can-bo/theo-doi';

/** One incoming document's page. */
export const incomingUrl = (id) => '/can-bo/van-ban-den/xem?id=' + encodeURIComponent(String(id));

// The incoming statuses (the exchange's codes 01-06) with the pill's colour of app.css.
export const STATUSES = {
  arrived: ['new', 'Mới đến'],
  refused: ['stop', 'Đã trả lại nơi gửi'],
  registered: ['new', 'Đã vào sổ, chờ phân công'],
  assigned: ['work', 'Đã giao xử lý'],
  handling: ['work', 'Đang xử lý'],
  completed: ['done', 'Đã hoàn thành'],
};

/** The incoming status as a coloured pill. */
export function statusPill(status, id) {
  const [cls, text] = STATUSES[status] || ['draft', status];
  return el('span', { class: 'status status-' + cls, id: id || null, dataset: { status } }, text);
}

// The lists (the API's boxes), who sees each (data/roles.json: document.receive for the
// clerk, document.assign for the leader, document.handle for the specialist, document.read
// for the overdue ones), and what an empty list says. Only to decide what to offer: the
// server scopes every list.
export const BOXES = {
  arrived: { label: 'Mới đến, chờ vào sổ', roles: ['clerk', 'province_admin'], empty: 'Không có văn bản mới đến chờ vào sổ.' },
  registered: { label: 'Đã vào sổ', roles: ['clerk', 'province_admin'], empty: 'Chưa có văn bản nào được vào sổ.' },
  to_assign: { label: 'Chờ phân công', roles: ['leader', 'province_admin'], empty: 'Không có văn bản nào chờ phân công xử lý.' },
  to_handle: { label: 'Cần xử lý', roles: ['specialist', 'province_admin'], empty: 'Không có văn bản nào cần bạn xử lý.' },
  overdue: { label: 'Quá hạn xử lý', roles: ['reception', 'specialist', 'leader', 'clerk', 'province_admin'], empty: 'Không có văn bản nào quá hạn xử lý.' },
};
export const RECEIVE_ROLES = new Set(['clerk', 'province_admin']);
export const ASSIGN_ROLES = new Set(['leader', 'province_admin']);
export const HANDLE_ROLES = new Set(['specialist', 'province_admin']);

// The board's states (document/followup.h) in the order of its columns.
export const BOARD_STATES = {
  assigned: 'Đã giao, chưa xử lý',
  handling: 'Đang xử lý',
  overdue: 'Quá hạn',
  on_time: 'Hoàn thành đúng hạn',
  late: 'Hoàn thành quá hạn',
};

/** Vietnam's today, or a day shifted by `days`, as YYYY-MM-DD. */
export function vnDay(days = 0) {
  return new Date(Date.now() + 7 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}
