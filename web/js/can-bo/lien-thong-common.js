// can-bo/lien-thong-common.js: what the pages about documents between nodes share
// (docs/exchange.md "Sending and receiving", "The message log"): the names of the exchange's
// status codes, of a message's states, and the link to the message log.

import { el } from '../ui.js';

export const LOG_PAGE = '/can-bo/lien-thong';

/** One message of the log. */
export const messageUrl = (id) => LOG_PAGE + '?id=' + encodeURIComponent(String(id));

// The status codes a receiving unit sends back (edXML StatusCode; docs/documents.md "The
// incoming flow": 01-06; 13, 15, 16: taking a document back or updating it, docs/exchange.md
// "Revoke, update and replace").
export const STATUS_CODES = {
  '01': 'Đã đến',
  '02': 'Từ chối tiếp nhận',
  '03': 'Đã tiếp nhận, vào sổ',
  '04': 'Đã phân công xử lý',
  '05': 'Đang xử lý',
  '06': 'Đã hoàn thành',
  '13': 'Đã nhận đề nghị thu hồi',
  '15': 'Đồng ý thu hồi / cập nhật',
  '16': 'Từ chối thu hồi / cập nhật',
};

/** "03 – Đã tiếp nhận, vào sổ". */
export const statusText = (code) => (code ? `${code} – ${STATUS_CODES[code] || 'Mã trạng thái khác'}` : '—');

// A message's state (exchange_messages.state) with the pill's colour of app.css.
export const MESSAGE_STATES = {
  pending: ['new', 'Chờ gửi'],
  sending: ['work', 'Đang gửi'],
  delivered: ['done', 'Đã chuyển đến nơi nhận'],
  failed: ['stop', 'Nơi nhận từ chối gói tin'],
  received: ['done', 'Đã nhận'],
  refused: ['stop', 'Đã từ chối (không hợp lệ)'],
};

/** The message's state as a coloured pill. */
export function messageStatePill(state, id) {
  const [cls, text] = MESSAGE_STATES[state] || ['draft', state];
  return el('span', { class: 'status status-' + cls, id: id || null, dataset: { state } }, text);
}
