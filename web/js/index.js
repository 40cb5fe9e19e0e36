// Home page: procedure search and list, dossier lookup box.

import * as api from './api.js';
import { $, el, render, initLayout, pageUrl, param, formatFee, processingText, levelBadges, HANDLING_LEVEL, loading, alertBox, showFieldErrors, clearErrors } from './ui.js';

const PAGE = 20;
let query = '';
let offset = 0;
let total = 0;
let seq = 0;

function item(p) {
  return el('li', { class: 'proc-item' },
    el('h3', {}, el('a', { href: pageUrl('thu-tuc', { ma: p.code }) }, p.name)),
    el('div', { class: 'proc-meta' }, levelBadges(p)),
    el('div', { class: 'proc-meta' },
      el('span', {}, 'Mã: ', el('span', { class: 'mono' }, p.code)),
      p.field ? el('span', { class: 'sep' }, 'Lĩnh vực: ', p.field) : null,
      p.handling_level ? el('span', { class: 'sep' }, HANDLING_LEVEL[p.handling_level] || p.handling_level) : null),
    el('div', { class: 'proc-meta' },
      el('span', {}, 'Thời hạn: ', processingText(p)),
      el('span', { class: 'sep' }, 'Phí, lệ phí: ', formatFee(p.fee))));
}

async function load(append) {
  const my = ++seq;
  const list = $('#list');
  const summary = $('#list-summary');
  if (!append) { offset = 0; render(list, loading('Đang tìm thủ tục…')); }
  let data;
  try {
    data = await api.get('/procedures', { q: query, limit: PAGE, offset });
  } catch (err) {
    if (my !== seq) return;
    render(list, alertBox('error', 'Không tải được danh sách thủ tục', el('p', {}, err.message)));
    return;
  }
  if (my !== seq) return; // a newer search is under way
  total = data.total ?? data.items.length;
  const items = data.items || [];
  if (!append) {
    render(list, items.length ? el('ul', { class: 'proc-list', id: 'proc-list' }) : el('p', { class: 'empty' },
      query ? `Không tìm thấy thủ tục nào phù hợp với “${query}”. Hãy thử từ khóa ngắn hơn.` : 'Chưa có thủ tục nào.'));
  }
  const ul = $('#proc-list');
  if (ul) ul.append(...items.map(item));
  offset += items.length;
  summary.textContent = query ? `Tìm thấy ${total} thủ tục phù hợp với “${query}”.` : `Có ${total} thủ tục hành chính được cung cấp trực tuyến.`;
  $('#more-wrap').hidden = offset >= total || items.length === 0;
  if (!query && !append) render($('#hero-stats'), el('span', {}, el('strong', {}, String(total)), ' thủ tục hành chính'), el('span', {}, 'Nộp hồ sơ 24/7'), el('span', {}, 'Tra cứu bằng mã hồ sơ hoặc mã QR'));
}

function init() {
  const who = initLayout(location.hash === '#thu-tuc' ? 'index#thu-tuc' : 'index');
  const q = $('#q');
  query = (param('q') || '').trim();
  q.value = query;
  let timer = null;
  q.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      query = q.value.trim();
      const u = new URL(location.href);
      if (query) u.searchParams.set('q', query); else u.searchParams.delete('q');
      history.replaceState(null, '', u);
      load(false);
    }, 250);
  });
  $('#search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(timer);
    query = q.value.trim();
    const u = new URL(location.href);
    if (query) u.searchParams.set('q', query); else u.searchParams.delete('q');
    history.replaceState(null, '', u);
    load(false).then(() => $('#thu-tuc').scrollIntoView({ behavior: 'smooth', block: 'start' }));
  });
  $('#more').addEventListener('click', () => load(true));

  const lf = $('#lookup-form');
  lf.addEventListener('submit', (e) => {
    e.preventDefault();
    const code = $('#ma').value.trim();
    if (!code) { showFieldErrors(lf, [{ field: 'ma', message: 'Vui lòng nhập mã hồ sơ' }]); return; }
    clearErrors(lf);
    location.href = pageUrl('tra-cuu', { ma: code });
  });

  who.then((a) => {
    render($('#account-cta'), a
      ? el('a', { href: pageUrl('ho-so-cua-toi') }, 'Xem các hồ sơ bạn đã nộp →')
      : ['Để nộp hồ sơ, bạn cần ', el('a', { href: pageUrl('dang-ky') }, 'đăng ký tài khoản'), ' hoặc ', el('a', { href: pageUrl('dang-nhap') }, 'đăng nhập'), '.']);
  });
  load(false);
}

init();
