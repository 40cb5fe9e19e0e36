// can-bo/shell.js: what the officers' pages share: the compact back-office
// header (who is signed in, with which role and unit), the staff-only guard,
// links between the officers' pages, and compact Vietnamese time formats.

import * as api from '../api.js';
import { $, el, render, busy, alertBox, goLogin } from '../ui.js';

/* ---------------- links ---------------- */

/** The desk's queue, optionally with its view/search/page state. */
export function queueUrl(query) {
  const q = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '')).toString() : '';
  return '/can-bo/' + (q ? '?' + q : '');
}

/** One dossier on the officers' side. */
export const dossierUrl = (id) => '/can-bo/ho-so?id=' + encodeURIComponent(String(id));

/** The desk's walk-in registration (a draft already started when id is given). */
export const walkinUrl = (id) => '/can-bo/tiep-nhan' + (id ? '?id=' + encodeURIComponent(String(id)) : '');

// Which roles may do what is data on the server (data/roles.json); /auth/me names the roles
// but not their permissions, so the pages use these sets only to decide which buttons and
// links to offer. The server checks every request and its refusal is shown as it comes.
/** Roles that register walk-in and postal dossiers (permission dossier.walkin). */
export const WALKIN_ROLES = new Set(['reception', 'province_admin']);
/** Roles holding a document permission (document.read and more): the outgoing documents. */
export const DOCUMENT_ROLES = new Set(['reception', 'specialist', 'leader', 'clerk', 'province_admin']);
/** Roles that keep work records (record.manage or record.approve_list): hồ sơ công việc. */
export const RECORD_ROLES = new Set(['specialist', 'leader', 'clerk', 'province_admin']);
/** Roles that may send an apology letter with a new appointment (dossier.apologize). */
export const APOLOGY_ROLES = new Set(['reception', 'leader', 'province_admin']);

const LAST_QUEUE = 'motcua.canbo.queue';

/** Remember the queue URL the officer came from, so the dossier page can link back to it. */
export function rememberQueue(url) {
  try { sessionStorage.setItem(LAST_QUEUE, url); } catch { /* private mode: no memory */ }
}

export function lastQueue() {
  try {
    const u = sessionStorage.getItem(LAST_QUEUE);
    if (u && u.startsWith('/can-bo/')) return u;
  } catch { /* ignore */ }
  return queueUrl();
}

/* ---------------- time ---------------- */

const pad = (n) => String(n).padStart(2, '0');
const VN = 7 * 3600 * 1000;

/** Local (UTC+7) parts of an ISO time, or null. */
export function vn(iso) {
  if (!iso) return null;
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return null;
  const v = new Date(t + VN);
  return { t, y: v.getUTCFullYear(), mo: v.getUTCMonth() + 1, d: v.getUTCDate(), h: v.getUTCHours(), mi: v.getUTCMinutes() };
}

/** "27/11/2026 14:30" (table cells). */
export function shortDateTime(iso) {
  const p = vn(iso);
  return p ? `${pad(p.d)}/${pad(p.mo)}/${p.y} ${pad(p.h)}:${pad(p.mi)}` : '—';
}

/** "14:30" */
export function hhmm(ms = Date.now()) {
  const v = new Date(ms + VN);
  return `${pad(v.getUTCHours())}:${pad(v.getUTCMinutes())}`;
}

/** Is the ISO time on today's local date? */
export function isToday(iso, now = Date.now()) {
  const p = vn(iso);
  if (!p) return false;
  const v = new Date(now + VN);
  return p.y === v.getUTCFullYear() && p.mo === v.getUTCMonth() + 1 && p.d === v.getUTCDate();
}

/** A wall-clock span: "3 ngày", "5 giờ", "20 phút". */
export function span(ms) {
  const m = Math.max(0, Math.round(ms / 60000));
  if (m >= 1440) return `${Math.floor(m / 1440)} ngày`;
  if (m >= 60) return `${Math.floor(m / 60)} giờ`;
  return `${m} phút`;
}

/** Working minutes (8-hour days) as "1 ngày 2 giờ 30 phút làm việc". */
export function workingTime(minutes) {
  const m = Math.max(0, Math.round(Number(minutes) || 0));
  if (!m) return 'hết thời gian';
  const d = Math.floor(m / 480);
  const h = Math.floor((m % 480) / 60);
  const mi = m % 60;
  return [d ? `${d} ngày` : '', h ? `${h} giờ` : '', mi ? `${mi} phút` : ''].filter(Boolean).join(' ') + ' làm việc';
}

/* ---------------- header ---------------- */

function roleLine(roles) {
  if (!roles || !roles.length) return '';
  const r = roles[0];
  return `${r.title} · ${r.unit.name}`;
}

function header(active) {
  const link = (href, key, text) => el('a', { href, 'aria-current': active === key ? 'page' : null }, text);
  return el('div', { class: 'staff-bar' },
    el('a', { class: 'staff-brand', href: queueUrl() },
      el('img', { src: '/img/logo.svg', alt: '', width: '34', height: '34' }),
      el('span', {},
        el('span', { class: 'staff-brand-title' }, 'Một cửa điện tử'),
        el('span', { class: 'staff-brand-sub' }, 'Tỉnh Thanh Hóa'))),
    el('nav', { class: 'staff-nav', id: 'staff-nav', 'aria-label': 'Điều hướng cán bộ' },
      link(queueUrl(), 'queue', 'Hồ sơ'),
      link('/can-bo/phan-anh', 'feedback', 'Phản ánh, kiến nghị'),
      el('a', { href: '/can-bo/van-ban', id: 'nav-documents', hidden: true, 'aria-current': active === 'documents' ? 'page' : null }, 'Văn bản đi'),
      el('a', { href: '/can-bo/van-ban-den', id: 'nav-incoming', hidden: true, 'aria-current': active === 'incoming' ? 'page' : null }, 'Văn bản đến'),
      el('a', { href: '/can-bo/theo-doi', id: 'nav-board', hidden: true, 'aria-current': active === 'board' ? 'page' : null, title: 'Theo dõi chỉ đạo xử lý văn bản đến' }, 'Theo dõi chỉ đạo'),
      el('a', { href: '/can-bo/lien-thong', id: 'nav-exchange-log', hidden: true, 'aria-current': active === 'exchange-log' ? 'page' : null, title: 'Gói tin văn bản gửi, nhận qua trục liên thông và bằng chứng của chúng' }, 'Nhật ký liên thông'),
      el('a', { href: '/can-bo/ho-so-cong-viec', id: 'nav-records', hidden: true, 'aria-current': active === 'records' ? 'page' : null }, 'Hồ sơ công việc'),
      el('a', { href: walkinUrl(), id: 'nav-walkin', hidden: true, 'aria-current': active === 'walkin' ? 'page' : null, title: 'Tiếp nhận hồ sơ nộp trực tiếp tại quầy hoặc qua bưu chính' }, 'Tiếp nhận tại quầy'),
      el('a', { href: '/can-bo/bao-cao', id: 'nav-report', hidden: true, 'aria-current': active === 'report' ? 'page' : null }, 'Báo cáo'),
      link('/tra-cuu', 'lookup', 'Tra cứu')),
    el('div', { class: 'staff-user', id: 'staff-user' }));
}

/**
 * Draw the officers' header and check the session. Resolves to
 * {account, roles} for an officer; sends a visitor to the login page;
 * shows a notice (and resolves null) for a citizen account.
 */
export async function initStaff(active) {
  document.body.classList.add('staff');
  const h = $('#site-header');
  if (h) render(h, header(active));
  let me;
  try {
    me = await api.get('/auth/me');
  } catch (err) {
    if (err.status === 401) { goLogin(); return null; }
    render($('#main'), el('div', { class: 'staff-wrap' }, alertBox('error', 'Không tải được thông tin tài khoản', el('p', {}, err.message))));
    return null;
  }
  const account = me && me.account;
  if (!account) { goLogin(); return null; }
  const box = $('#staff-user');
  const out = el('button', { class: 'btn btn-ghost btn-small', type: 'button', id: 'logout' }, 'Đăng xuất');
  out.addEventListener('click', async () => {
    busy(out, 'Đăng xuất');
    try { await api.logout(); } catch { /* the session is gone either way */ }
    location.href = '/dang-nhap';
  });
  const roles = me.roles || [];
  const all = roles.map((r) => `${r.title} – ${r.unit.name}`).join('\n');
  render(box,
    el('span', { class: 'who', title: all || null },
      el('strong', { 'data-testid': 'account-name' }, account.full_name || account.username || ''),
      el('span', { class: 'role' }, roleLine(roles), roles.length > 1 ? ` (+${roles.length - 1})` : '')),
    out);
  const walkin = $('#nav-walkin');
  if (walkin && roles.some((r) => WALKIN_ROLES.has(r.role))) walkin.hidden = false;
  const docs = $('#nav-documents');
  if (docs && roles.some((r) => DOCUMENT_ROLES.has(r.role))) docs.hidden = false;
  for (const [sel, set] of [['#nav-incoming', DOCUMENT_ROLES], ['#nav-exchange-log', DOCUMENT_ROLES], ['#nav-board', new Set(['leader', 'province_admin'])]]) // incoming, the exchange log: document.read; the board: the leaders'
    if ($(sel) && roles.some((r) => set.has(r.role))) $(sel).hidden = false;
  const records = $('#nav-records');
  if (records && roles.some((r) => RECORD_ROLES.has(r.role))) records.hidden = false;
  const report = $('#nav-report'); // the dashboard, for roles with report.read (data/roles.json)
  if (report && roles.some((r) => ['leader', 'unit_admin', 'province_admin'].includes(r.role))) report.hidden = false;
  if (report && !report.hidden) report.after(el('a', { href: '/can-bo/doi-soat', id: 'nav-recon', 'aria-current': active === 'reconciliation' ? 'page' : null }, 'Đối soát thanh toán')); // payment reconciliation: report.read too
  if (account.kind !== 'staff') {
    render($('#main'), el('div', { class: 'staff-wrap' }, alertBox('warn', 'Trang dành cho cán bộ',
      el('p', {}, 'Tài khoản bạn đang dùng là tài khoản công dân. Vui lòng đăng xuất rồi đăng nhập bằng tài khoản cán bộ được cấp.'),
      el('p', {}, el('a', { href: '/ho-so-cua-toi' }, 'Về trang Hồ sơ của tôi')))));
    return null;
  }
  return { account, roles };
}

/** Roles' names the officer holds ("reception", "leader"...). */
export const roleNames = (who) => new Set((who.roles || []).map((r) => r.role));
