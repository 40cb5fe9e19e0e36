// My certified copies (GET /api/v1/copies): each with its code for reuse, the register number,
// the unit, where it was used since, and its signed PDF.

import * as api from './api.js';
import { $, el, render, initLayout, formatDateTime, formatSize, loading, pageError, goLogin } from './ui.js';

function item(c) {
  return el('li', { class: 'dossier-item' },
    el('div', { class: 'top' },
      el('strong', {}, c.title),
      el('span', { class: 'badge badge-full' }, 'Đã ký số')),
    el('dl', { class: 'copy-facts' },
      el('dt', {}, 'Mã bản sao'), el('dd', {}, el('code', { class: 'code' }, c.code)),
      el('dt', {}, 'Số chứng thực'), el('dd', {}, `${c.number}, quyển số ${c.book}`),
      el('dt', {}, 'Nơi chứng thực'), el('dd', {}, c.unit.name),
      el('dt', {}, 'Thời gian'), el('dd', {}, formatDateTime(c.created_at)),
      el('dt', {}, 'Hồ sơ'), el('dd', {}, c.dossier_code),
      el('dt', {}, 'Đã dùng cho'), el('dd', {}, c.uses.length ? c.uses.map((u) => u.dossier_code || 'hồ sơ đang khai').join(', ') : 'Chưa dùng')),
    el('div', { class: 'btn-row' },
      el('a', { class: 'btn btn-small btn-secondary', href: `/api/v1/copies/${api.seg(c.code)}/file` },
        'Tải bản sao (PDF, ', formatSize(c.size), ')')));
}

async function main() {
  const who = await initLayout('ho-so-cua-toi');
  const box = $('#content');
  if (!who) { goLogin(); return; }
  render(box, loading());
  try {
    const r = await api.get('/copies');
    render(box, r.items.length
      ? el('ul', { class: 'dossier-list' }, r.items.map(item))
      : el('p', { class: 'empty card' }, 'Bạn chưa có bản sao chứng thực nào. Bản sao hiện ở đây khi hồ sơ chứng thực bản sao từ bản chính của bạn đã trả kết quả.'));
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    pageError(box, err);
  }
}

main();
