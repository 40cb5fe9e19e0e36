// ui.js: shared page furniture (header with login state, footer), DOM helpers,
// Vietnamese formatting of dates, money and levels, form error display and the
// searchable select used to choose a handling unit.

import * as api from './api.js';

/* ---------------- DOM helpers ---------------- */

/** el('a', {href, class}, child...) builds an element; strings become text nodes (never HTML). */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    // Through the CSSOM: the Content-Security-Policy refuses style attributes.
    else if (k === 'style') node.style.cssText = v;
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, '');
    else node.setAttribute(k, String(v));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replace the children of node. */
export function render(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/** Query-string parameter of the current page. */
export const param = (name) => new URLSearchParams(location.search).get(name);

/** Page links: the server serves /name for web/name.html. */
export function pageUrl(name, query) {
  const q = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '')).toString() : '';
  return '/' + (name === 'index' ? '' : name) + (q ? '?' + q : '');
}

/* ---------------- text and formatting ---------------- */

/** Lower case, without Vietnamese diacritics: for search matching. */
export function fold(s) {
  return String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'd').toLowerCase().trim();
}

const pad = (n) => String(n).padStart(2, '0');

/** Parts of a time in Vietnam (UTC+7), whatever the browser's time zone. */
function vnParts(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const v = new Date(d.getTime() + 7 * 3600 * 1000);
  return { y: v.getUTCFullYear(), mo: v.getUTCMonth() + 1, d: v.getUTCDate(), h: v.getUTCHours(), mi: v.getUTCMinutes() };
}

/** "2026-11-27T14:30:00+07:00" -> "14:30 ngày 27/11/2026". */
export function formatDateTime(iso) {
  const p = vnParts(iso);
  return p ? `${pad(p.h)}:${pad(p.mi)} ngày ${pad(p.d)}/${pad(p.mo)}/${p.y}` : '—';
}

/** "2026-11-27..." or "2026-11-27" -> "27/11/2026". */
export function formatDate(iso) {
  if (typeof iso === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(iso)) {
    const [y, m, d] = iso.split('-');
    return `${d}/${m}/${y}`;
  }
  const p = vnParts(iso);
  return p ? `${pad(p.d)}/${pad(p.mo)}/${p.y}` : '—';
}

/** Local times written by the server into notes ("2026-12-01T16:00") as "16:00 ngày 01/12/2026". */
export function readableTimes(text) {
  return String(text || '').replace(/\b(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2})?(?:[+-]\d{2}:\d{2})?/g,
    (_, y, mo, d, h, mi) => `${h}:${mi} ngày ${d}/${mo}/${y}`);
}

/** 8000 -> "8.000 đồng"; 0 -> "Miễn phí". */
export function formatFee(fee) {
  if (fee && typeof fee === 'object') fee = fee.vnd;
  if (fee === null || fee === undefined) return 'Không quy định';
  if (Number(fee) === 0) return 'Miễn phí';
  return Number(fee).toLocaleString('vi-VN') + ' đồng';
}

export function formatSize(bytes) {
  if (bytes < 1024) return bytes + ' B';
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(0) + ' KB';
  return (bytes / 1024 / 1024).toFixed(1).replace('.', ',') + ' MB';
}

/** The fee note, whether the API sends fee_note or fee:{vnd,note}. */
export const feeNote = (p) => p.fee_note || (p.fee && typeof p.fee === 'object' ? p.fee.note : '') || '';

export function processingText(p) {
  if (p.processing_time_text) return p.processing_time_text;
  const t = p.processing_time;
  if (!t) return '—';
  return `${t.amount} ${t.unit === 'hour' ? 'giờ' : 'ngày'} làm việc`;
}

export const LEVEL_D42 = { toan_trinh: 'Toàn trình', mot_phan: 'Một phần' };

/** Badge for the Decree 42 online level, with the old 3/4 level beside it. */
export function levelBadges(p) {
  const full = p.level_d42 === 'toan_trinh';
  return [
    el('span', { class: 'badge ' + (full ? 'badge-full' : 'badge-part'), title: 'Mức độ dịch vụ công trực tuyến theo Nghị định 42/2022/NĐ-CP' },
      'DVC trực tuyến ' + (LEVEL_D42[p.level_d42] || p.level_d42 || '').toLowerCase()),
    p.level_old ? el('span', { class: 'badge badge-neutral', title: 'Mức độ theo cách phân loại cũ (Nghị định 43/2011/NĐ-CP)' }, 'Mức độ ' + p.level_old) : null,
  ];
}

export const HANDLING_LEVEL = { commune: 'Cấp xã', province: 'Cấp tỉnh' };

/** Status pill for a dossier status {code,name}; null status = draft. */
export function statusBadge(status, state) {
  if (!status) {
    const txt = state === 'withdrawn' ? 'Đã rút' : 'Đang soạn (chưa nộp)';
    return el('span', { class: 'status status-draft' }, txt);
  }
  const cls = { 1: 'new', 2: 'new', 3: 'stop', 4: 'work', 5: 'work', 6: 'work', 7: 'stop', 8: 'stop', 9: 'done', 10: 'done' }[status.code] || 'new';
  return el('span', { class: 'status status-' + cls, dataset: { status: String(status.code) } }, status.name);
}

/* ---------------- messages ---------------- */

/** Show an alert box in container: kind = error | success | info | warn. */
export function alertBox(kind, title, ...body) {
  return el('div', { class: 'alert alert-' + kind, role: kind === 'error' ? 'alert' : 'status', tabindex: '-1' },
    title ? el('strong', { class: 'alert-title' }, title) : null,
    body.length ? el('div', {}, ...body) : null);
}

export function showAlert(container, kind, title, ...body) {
  const box = alertBox(kind, title, ...body);
  render(container, box);
  container.hidden = false;
  return box;
}

export function loading(text = 'Đang tải…') {
  return el('div', { class: 'loading', role: 'status' }, text);
}

/** Big error in place of a page's content (not found, no network...). */
export function pageError(container, err, extra) {
  render(container, alertBox('error', err.status === 404 ? 'Không tìm thấy' : 'Có lỗi xảy ra', el('p', {}, err.message), extra || null));
}

/** Busy state on a button: disables it and shows a spinner; returns the restore function. */
export function busy(button, text) {
  const old = Array.from(button.childNodes);
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  render(button, el('span', { class: 'spinner', 'aria-hidden': 'true' }), text || button.textContent);
  return () => { button.disabled = false; button.removeAttribute('aria-busy'); render(button, ...old); };
}

/* ---------------- form errors ---------------- */

/** Remove every error shown in form (and its summary box). */
export function clearErrors(form) {
  for (const f of $$('.field.has-error', form)) f.classList.remove('has-error');
  for (const e of $$('.field-error', form)) e.textContent = '';
  for (const i of $$('[aria-invalid]', form)) i.removeAttribute('aria-invalid');
  const summary = form.querySelector('.form-errors');
  if (summary) { summary.replaceChildren(); summary.hidden = true; }
}

/**
 * Show errors [{field, message}] next to their inputs (found by name), plus a summary
 * at the top of the form whose links move focus to the fields. Errors for unknown
 * fields appear in the summary only. Focuses the summary.
 */
export function showFieldErrors(form, errors, summaryTitle = 'Vui lòng kiểm tra lại các thông tin sau') {
  clearErrors(form);
  const items = [];
  for (const e of errors) {
    const input = e.field ? form.querySelector(`[name="${CSS.escape(e.field)}"]`) : null;
    const field = input ? input.closest('.field') : null;
    if (field) {
      field.classList.add('has-error');
      const slot = field.querySelector('.field-error');
      if (slot && !slot.textContent) slot.textContent = e.message;
      input.setAttribute('aria-invalid', 'true');
    }
    // Name the field in the summary unless the message already does ("Mật khẩu phải...").
    const label = field ? labelText(field) : '';
    const lead = fold(label).replace(/[^a-z0-9 ]/g, ' ').split(/\s+/).filter(Boolean).slice(0, 2).join(' ');
    const text = label && lead && !fold(e.message).includes(lead) ? `${label}: ${e.message}` : e.message;
    items.push(el('li', {}, input
      ? el('a', { href: '#' + input.id, onclick: (ev) => { ev.preventDefault(); input.focus(); } }, text)
      : e.message));
  }
  const slot = form.querySelector('.form-errors');
  const single = errors.length === 1 && form.querySelector('[aria-invalid="true"]');
  if (slot && !single) {
    const box = showAlert(slot, 'error', summaryTitle, el('ul', {}, items));
    box.focus();
  } else {
    form.querySelector('[aria-invalid="true"]')?.focus();
  }
}

function labelText(field) {
  const l = field.querySelector('label, legend, .label');
  if (!l) return '';
  const copy = l.cloneNode(true);
  for (const x of copy.querySelectorAll('.req, .muted, .hint, input')) x.remove();
  return copy.textContent.replace(/\s+/g, ' ').trim().replace(/[.:]+$/, '');
}

/** Errors of an ApiError as [{field, message}] (422 fields list or single field). */
export function apiFieldErrors(err) {
  if (err.fields && err.fields.length) return err.fields.map((f) => ({ field: f.field, message: f.message || 'Giá trị không hợp lệ' }));
  return [{ field: err.field, message: err.message }];
}

/** A labelled form field: {id, name, label, required, hint, input} -> .field div. */
export function fieldBox({ id, label, required, hint, input, optionalText = true }) {
  const hintId = hint ? id + '-hint' : null;
  const errId = id + '-error';
  input.id = id;
  input.setAttribute('aria-describedby', [hintId, errId].filter(Boolean).join(' '));
  if (required) input.setAttribute('aria-required', 'true');
  return el('div', { class: 'field' },
    el('label', { for: id }, label, required ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : (optionalText ? el('span', { class: 'muted small' }, ' (không bắt buộc)') : null)),
    hint ? el('span', { class: 'hint', id: hintId }, hint) : null,
    el('p', { class: 'field-error', id: errId, 'aria-live': 'polite' }),
    input);
}

/* ---------------- layout: header and footer ---------------- */

const NAV = [
  ['index', 'Trang chủ'],
  ['index#thu-tuc', 'Thủ tục hành chính'],
  ['tra-cuu', 'Tra cứu hồ sơ'],
  ['ho-so-cua-toi', 'Hồ sơ của tôi'],
  ['phan-anh', 'Phản ánh, kiến nghị'],
];

function todayText() {
  const days = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];
  const v = new Date(Date.now() + 7 * 3600 * 1000);
  return `${days[v.getUTCDay()]}, ngày ${pad(v.getUTCDate())}/${pad(v.getUTCMonth() + 1)}/${v.getUTCFullYear()}`;
}

function header(active) {
  const nav = el('nav', { class: 'mainnav', id: 'mainnav', 'aria-label': 'Điều hướng chính' },
    el('div', { class: 'container' },
      el('ul', {}, NAV.map(([page, text]) => {
        const [name, hash] = page.split('#');
        return el('li', {}, el('a', { href: pageUrl(name) + (hash ? '#' + hash : ''), 'aria-current': active === page ? 'page' : null }, text));
      }))));
  const toggle = el('button', { class: 'btn btn-ghost btn-small menu-toggle', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'mainnav', 'aria-label': 'Danh mục điều hướng' },
    el('span', { 'aria-hidden': 'true' }, '☰'), el('span', { class: 'menu-text' }, 'Danh mục'));
  toggle.addEventListener('click', () => {
    const open = nav.classList.toggle('open');
    toggle.setAttribute('aria-expanded', String(open));
  });
  return [
    el('div', { class: 'topbar' }, el('div', { class: 'container' },
      el('span', {}, 'Ủy ban nhân dân tỉnh Thanh Hóa'),
      el('span', { class: 'hide-sm' }, todayText()))),
    el('div', { class: 'brandbar' }, el('div', { class: 'container' },
      el('a', { class: 'brand', href: '/' },
        el('img', { src: '/img/logo.svg', alt: '', width: '60', height: '60' }),
        el('span', { class: 'brand-text' },
          el('span', { class: 'brand-kicker' }, 'Hệ thống thông tin giải quyết thủ tục hành chính'),
          el('span', { class: 'brand-title' }, 'Cổng dịch vụ công'),
          el('span', { class: 'brand-sub' }, 'Tỉnh Thanh Hóa'))),
      el('div', { class: 'account', id: 'account' }, toggle))),
    nav,
  ];
}

function footer() {
  return el('div', { class: 'container' },
    el('div', {},
      el('p', { class: 'footer-title' }, 'Cổng dịch vụ công tỉnh Thanh Hóa'),
      el('p', {}, 'Cơ quan chủ quản: ', el('strong', {}, 'Ủy ban nhân dân tỉnh Thanh Hóa')),
      el('p', {}, 'Tiếp nhận hồ sơ trực tuyến, theo dõi tiến độ giải quyết và nhận kết quả thủ tục hành chính của các cơ quan trong tỉnh.')),
    el('div', {},
      el('p', { class: 'footer-title' }, 'Dịch vụ'),
      el('ul', {},
        el('li', {}, el('a', { href: '/#thu-tuc' }, 'Danh mục thủ tục hành chính')),
        el('li', {}, el('a', { href: pageUrl('tra-cuu') }, 'Tra cứu hồ sơ')),
        el('li', {}, el('a', { href: pageUrl('ho-so-cua-toi') }, 'Hồ sơ của tôi')))),
    el('div', {},
      el('p', { class: 'footer-title' }, 'Tài khoản'),
      el('ul', {},
        el('li', {}, el('a', { href: pageUrl('dang-nhap') }, 'Đăng nhập')),
        el('li', {}, el('a', { href: pageUrl('dang-ky') }, 'Đăng ký tài khoản')))),
    el('p', { class: 'legal' }, 'Vận hành trên nền tảng mã nguồn mở motcua. Thông tin cá nhân của công dân được bảo vệ theo quy định của pháp luật.'));
}

function accountArea(account) {
  const box = $('#account');
  if (!box) return;
  const toggle = box.querySelector('.menu-toggle');
  const here = location.pathname + location.search;
  if (account) {
    const out = el('button', { class: 'btn btn-ghost btn-small', type: 'button' }, 'Đăng xuất');
    out.addEventListener('click', async () => {
      busy(out, 'Đăng xuất');
      try { await api.logout(); } catch { /* the session is gone either way */ }
      location.href = '/';
    });
    const staff = account.kind === 'staff';
    render(box,
      el('span', { class: 'who' }, 'Xin chào, ', el('strong', { 'data-testid': 'account-name' }, account.full_name || account.citizen_id || account.username || '')),
      staff
        ? el('a', { class: 'btn btn-small', id: 'staff-desk', href: STAFF_HOME }, 'Bàn làm việc')
        : el('a', { class: 'btn btn-secondary btn-small hide-sm', href: pageUrl('ho-so-cua-toi') }, 'Hồ sơ của tôi'),
      out, toggle);
  } else {
    const skip = /^\/(dang-nhap|dang-ky)/.test(location.pathname);
    render(box,
      el('a', { class: 'btn btn-small', href: pageUrl('dang-nhap', skip ? null : { next: here }) }, 'Đăng nhập'),
      el('a', { class: 'btn btn-secondary btn-small hide-sm', href: pageUrl('dang-ky', skip ? null : { next: here }) }, 'Đăng ký'),
      toggle);
  }
}

/**
 * Draw the header (with login state) and footer. active = nav key of this page.
 * Returns a promise of the logged-in account or null.
 */
export function initLayout(active) {
  const h = $('#site-header');
  const f = $('#site-footer');
  if (h) render(h, header(active));
  if (f) render(f, footer());
  const who = api.me();
  who.then(accountArea);
  return who;
}

/** The officers' desk (their dossier queue), where staff accounts start. */
export const STAFF_HOME = '/can-bo/';

/** Send the visitor to the login page, coming back here afterwards. */
export function goLogin() {
  location.href = pageUrl('dang-nhap', { next: location.pathname + location.search });
}

/** Only same-site paths are accepted as a "next" target. */
export function safeNext(next, fallback = '/') {
  return next && /^\/(?!\/)[^\s\\]*$/.test(next) ? next : fallback;
}

/* ---------------- searchable select (ARIA combobox) ---------------- */

/**
 * A text input that filters a list of {value,label,hint?} as one types, ignoring
 * diacritics. Keyboard: arrows move, Enter picks, Escape closes. With search(q) (a
 * Promise of options) the options come from the server as one types, for lists too long
 * to load whole (the units: some 1,400).
 * Returns {root, input, get value(), set(value), choose(option), onChange(fn)}.
 */
export function combobox({ id, name, options, placeholder, label, search }) {
  const listId = id + '-list';
  const input = el('input', {
    type: 'text', role: 'combobox', name, autocomplete: 'off', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
    'aria-controls': listId, placeholder: placeholder || 'Gõ để tìm…', spellcheck: 'false',
  });
  const list = el('ul', { role: 'listbox', id: listId, hidden: true, 'aria-label': label || 'Danh sách lựa chọn' });
  const count = el('div', { class: 'combo-count', 'aria-live': 'polite' });
  const root = el('div', { class: 'combo' }, input, list);
  let selected = null;
  let shown = [];
  let active = -1;
  const listeners = [];
  let folded = [];
  const setOptions = (list) => { options = list; folded = options.map((o) => fold(o.label + ' ' + (o.hint || ''))); };
  setOptions(options || []);
  // With search (q -> Promise of options), the options are what the server found for the
  // words typed (a page of them), fetched 150 ms after the last key; the list shows the last
  // answer meanwhile, and an answer to older words is dropped.
  let timer = null;
  let seq = 0;
  function fetchOptions() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++seq;
      let list;
      try {
        list = await search(input.value.trim());
      } catch {
        list = [];
      }
      if (mine !== seq) return;
      setOptions(list);
      show();
    }, 150);
  }

  function open() { list.hidden = false; input.setAttribute('aria-expanded', 'true'); }
  function close() { list.hidden = true; input.setAttribute('aria-expanded', 'false'); input.removeAttribute('aria-activedescendant'); active = -1; }
  function setActive(i) {
    const items = $$('[role="option"]', list);
    items.forEach((n, k) => n.classList.toggle('active', k === i));
    active = i;
    if (i >= 0 && items[i]) {
      input.setAttribute('aria-activedescendant', items[i].id);
      items[i].scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  }
  function filter() {
    if (search) fetchOptions();
    show();
  }
  function show() {
    const q = fold(input.value);
    const words = q.split(/\s+/).filter(Boolean);
    // Matches where every typed word starts a word of the name come first ("hac" → Hạc Thành before Thạch Bình).
    const starts = (i) => words.every((w) => (' ' + folded[i]).includes(' ' + w));
    const hits = [];
    options.forEach((o, i) => { if (!words.length || words.every((w) => folded[i].includes(w))) hits.push([starts(i) ? 0 : 1, i]); });
    hits.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    shown = hits.map(([, i]) => options[i]);
    render(list, shown.length
      ? shown.slice(0, 200).map((o, k) => el('li', {
        role: 'option', id: `${id}-opt-${k}`, 'aria-selected': selected && selected.value === o.value ? 'true' : 'false', dataset: { value: o.value },
        onmousedown: (e) => e.preventDefault(), onclick: () => pick(o),
      }, o.label))
      : el('li', { class: 'combo-empty', role: 'presentation' }, 'Không có kết quả phù hợp'));
    count.textContent = words.length ? `${shown.length} kết quả` : '';
    setActive(-1);
  }
  function pick(o) {
    selected = o;
    input.value = o ? o.label : '';
    count.textContent = '';
    close();
    listeners.forEach((fn) => fn(o));
  }
  input.addEventListener('focus', () => { filter(); open(); input.select(); });
  input.addEventListener('click', () => { if (list.hidden) { filter(); open(); } });
  input.addEventListener('input', () => { if (selected && input.value !== selected.label) { selected = null; listeners.forEach((fn) => fn(null)); } filter(); open(); });
  input.addEventListener('keydown', (e) => {
    const n = Math.min(shown.length, 200);
    if (e.key === 'ArrowDown') { e.preventDefault(); if (list.hidden) { filter(); open(); } setActive(n ? (active + 1) % n : -1); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); if (list.hidden) { filter(); open(); } setActive(n ? (active - 1 + n) % n : -1); }
    else if (e.key === 'Enter') {
      if (!list.hidden) {
        e.preventDefault();
        if (active >= 0) pick(shown[active]);
        else if (n === 1) pick(shown[0]);
      }
    } else if (e.key === 'Escape') { if (!list.hidden) { e.preventDefault(); close(); } }
  });
  input.addEventListener('blur', () => {
    close();
    // Leaving the box with an exact (diacritic-insensitive) name picks it; otherwise restore.
    if (!selected) {
      const q = fold(input.value);
      const exact = q ? options.find((o) => fold(o.label) === q) : null;
      if (exact) pick(exact);
    } else if (input.value !== selected.label) input.value = selected.label;
  });
  return {
    root: el('div', {}, root, count),
    input,
    get value() { return selected ? selected.value : null; },
    set(value) { pick(options.find((o) => o.value === value) || null); },
    /** Picks an option the list may not hold (with search: one the page already knows). */
    choose(o) { if (o && !options.some((x) => x.value === o.value)) setOptions([o, ...options]); pick(o); },
    onChange(fn) { listeners.push(fn); },
  };
}
