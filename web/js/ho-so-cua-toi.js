// My dossiers: drafts to continue and submitted dossiers, newest first.

import * as api from './api.js';
import { $, el, render, initLayout, pageUrl, formatDateTime, statusBadge, loading, pageError, goLogin, fieldBox, busy, clearErrors, showFieldErrors } from './ui.js';

function item(d) {
  const draft = d.state === 'draft';
  const href = draft ? pageUrl('nop-ho-so', { id: d.id }) : pageUrl('ho-so', { id: d.id });
  return el('li', { class: 'dossier-item', dataset: { id: String(d.id) } },
    el('div', { class: 'top' },
      draft ? el('span', { class: 'muted small' }, 'Tạo lúc ' + formatDateTime(d.created_at))
        : el('a', { class: 'code', href }, d.code),
      statusBadge(d.status, d.state)),
    el('div', { class: 'name' }, d.procedure.name),
    el('div', { class: 'muted small' }, d.unit.name),
    draft ? el('div', { class: 'btn-row' }, el('a', { class: 'btn btn-small', href }, 'Tiếp tục khai'))
      : el('div', { class: 'proc-meta' },
        el('span', {}, 'Nộp: ', formatDateTime(d.submitted_at)),
        d.due_at ? el('span', { class: 'sep' }, 'Hẹn trả: ', el('strong', {}, formatDateTime(d.due_at))) : null));
}

function tabs(groups) {
  const bar = el('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Nhóm hồ sơ' });
  const panels = [];
  const first = Math.max(0, groups.findIndex((g) => g.items.length)); // open the first non-empty group
  groups.forEach((g, i) => {
    const tab = el('button', { type: 'button', role: 'tab', id: 'tab-' + i, 'aria-controls': 'panel-' + i, 'aria-selected': i === first ? 'true' : 'false', tabindex: i === first ? '0' : '-1' },
      g.title, el('span', { class: 'count' }, String(g.items.length)));
    const panel = el('div', { role: 'tabpanel', id: 'panel-' + i, 'aria-labelledby': 'tab-' + i, hidden: i !== first },
      g.items.length ? el('ul', { class: 'dossier-list' }, g.items.map(item)) : el('p', { class: 'empty card' }, g.empty));
    bar.append(tab);
    panels.push(panel);
  });
  const select = (i) => {
    Array.from(bar.children).forEach((t, k) => { t.setAttribute('aria-selected', String(k === i)); t.tabIndex = k === i ? 0 : -1; });
    panels.forEach((x, k) => { x.hidden = k !== i; });
    bar.children[i].focus();
  };
  bar.addEventListener('click', (e) => { const t = e.target.closest('[role=tab]'); if (t) select(Array.from(bar.children).indexOf(t)); });
  bar.addEventListener('keydown', (e) => {
    const i = Array.from(bar.children).findIndex((t) => t.getAttribute('aria-selected') === 'true');
    if (e.key === 'ArrowRight') select((i + 1) % groups.length);
    else if (e.key === 'ArrowLeft') select((i - 1 + groups.length) % groups.length);
  });
  return [bar, ...panels];
}

/*
 * A dossier handed in at the desk or by post is not linked to any account: its receipt
 * carries a claim code (mã nhận hồ sơ) which, with the dossier code, lets the applicant
 * follow it here.
 */
function claimForm() {
  const button = el('button', { type: 'submit', class: 'btn', id: 'claim-submit' }, 'Nhận hồ sơ');
  const form = el('form', { class: 'card', id: 'claim-form', novalidate: true, 'aria-labelledby': 'claim-title' },
    el('h2', { id: 'claim-title' }, 'Nhận hồ sơ đã nộp tại quầy'),
    el('p', { class: 'muted small' }, 'Hồ sơ nộp trực tiếp tại Bộ phận một cửa hoặc qua bưu chính có mã nhận hồ sơ trên Giấy tiếp nhận. Nhập mã hồ sơ và mã nhận hồ sơ để theo dõi tiến độ và nhận kết quả trực tuyến.'),
    el('div', { class: 'form-errors', hidden: true }),
    fieldBox({ id: 'claim-dossier', label: 'Mã hồ sơ', required: true, input: el('input', { name: 'code', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'Ví dụ: 000.01.90.H56-261207-0001' }) }),
    fieldBox({ id: 'claim-code', label: 'Mã nhận hồ sơ', required: true, hint: 'Tám ký tự trên Giấy tiếp nhận, ví dụ ABCD-EFGH', input: el('input', { name: 'claim_code', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '20' }) }),
    el('div', { class: 'btn-row' }, button));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = form.code.value.trim();
    const claim = form.claim_code.value.trim();
    const missing = [];
    if (!code) missing.push({ field: 'code', message: 'Vui lòng nhập mã hồ sơ' });
    if (!claim) missing.push({ field: 'claim_code', message: 'Vui lòng nhập mã nhận hồ sơ' });
    if (missing.length) { showFieldErrors(form, missing); return; }
    clearErrors(form);
    const done = busy(button, 'Đang kiểm tra…');
    try {
      const d = await api.post('/dossiers/claim', { code, claim_code: claim });
      location.href = pageUrl('ho-so', { id: d.id });
      return;
    } catch (err) {
      if (err.status === 404) showFieldErrors(form, [{ field: 'claim_code', message: 'Mã hồ sơ hoặc mã nhận hồ sơ không đúng, hoặc hồ sơ đã được nhận' }]);
      else showFieldErrors(form, [{ message: err.message }]);
    }
    done();
  });
  return form;
}

async function init() {
  const who = await initLayout('ho-so-cua-toi');
  if (!who) { goLogin(); return; }
  $('#greeting').textContent = `Tài khoản: ${who.full_name || ''} – số định danh ${who.citizen_id || ''}`;
  const content = $('#content');
  render(content, loading('Đang tải danh sách hồ sơ…'));
  let items;
  try {
    items = (await api.get('/dossiers')).items || [];
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    pageError(content, err);
    return;
  }
  const drafts = items.filter((d) => d.state === 'draft');
  const sent = items.filter((d) => d.state !== 'draft');
  if (!items.length) {
    render(content, el('div', { class: 'card empty' },
      el('p', {}, 'Bạn chưa có hồ sơ nào.'),
      el('a', { class: 'btn', href: '/#thu-tuc' }, 'Tìm thủ tục và nộp hồ sơ')), claimForm());
    return;
  }
  render(content, ...tabs([
    { title: 'Đã nộp', items: sent, empty: 'Chưa có hồ sơ nào đã nộp.' },
    { title: 'Đang soạn', items: drafts, empty: 'Không có hồ sơ đang soạn.' },
  ]), claimForm());
}

init();
