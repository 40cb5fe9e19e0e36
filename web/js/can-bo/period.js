// can-bo/period.js: the unit and period picker the report pages share (bao-cao, doi-soat):
// local (Vietnam) dates, the preset periods, the controls form (#controls: #unit in
// #unit-pick, #preset, #from, #to), the unit and the period kept in the URL, and the units
// the officer may read reports of (GET /reports/units: report.read).

import * as api from '../api.js';
import { $, el, render, alertBox, goLogin } from '../ui.js';
import { initStaff } from './shell.js';

const VN = 7 * 3600e3;
const DAY = 86400e3;
const pad = (n) => String(n).padStart(2, '0');
const iso = (y, m, d) => `${y}-${pad(m)}-${pad(d)}`;

/** The number of days of a month (1-12) of year y. */
export const lastDay = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** "2026-11-27" of a time (Unix ms) in Vietnam. */
export const ymd = (ms) => new Date(ms + VN).toISOString().slice(0, 10);
/** Is v a date "YYYY-MM-DD" of the calendar? */
export const okDate = (v) => /^\d{4}-\d{2}-\d{2}$/.test(v || '') && !Number.isNaN(Date.parse(v + 'T00:00:00Z'));
/** "27/11/2026" of "2026-11-27". */
export const vnDate = (s) => (s ? s.split('-').reverse().join('/') : '');

/**
 * [from, to] of a preset, up to today where the period is still running: today, yesterday,
 * month, last_month, quarter, last_quarter, year, last_year.
 */
export function presetRange(p) {
  const now = Date.now();
  const today = ymd(now);
  const [y, m] = today.split('-').map(Number);
  const q0 = Math.floor((m - 1) / 3) * 3 + 1; // the quarter's first month
  switch (p) {
    case 'yesterday': return [ymd(now - DAY), ymd(now - DAY)];
    case 'month': return [iso(y, m, 1), today];
    case 'last_month': {
      const py = m === 1 ? y - 1 : y;
      const pm = m === 1 ? 12 : m - 1;
      return [iso(py, pm, 1), iso(py, pm, lastDay(py, pm))];
    }
    case 'quarter': return [iso(y, q0, 1), today];
    case 'last_quarter': {
      const py = q0 === 1 ? y - 1 : y;
      const pm = q0 === 1 ? 10 : q0 - 3;
      return [iso(py, pm, 1), iso(py, pm + 2, lastDay(py, pm + 2))];
    }
    case 'year': return [iso(y, 1, 1), today];
    case 'last_year': return [iso(y - 1, 1, 1), iso(y - 1, 12, 31)];
    default: return [today, today];
  }
}

/** The first of presets whose range is [from, to], else "custom". */
export function presetOf(from, to, presets) {
  for (const p of presets) {
    const [a, b] = presetRange(p);
    if (a === from && b === to) return p;
  }
  return 'custom';
}

/** The page at path for {unit, from, to}. */
export function periodUrl(path, s) {
  const q = new URLSearchParams();
  if (s.unit) q.set('unit', s.unit);
  if (s.from) q.set('from', s.from);
  if (s.to) q.set('to', s.to);
  return path + '?' + q.toString();
}

/**
 * Starts a report page: the officers' header (active), the units the officer reads reports
 * of in #unit, the state {unit, from, to} from the URL (a unit the list lacks is allowed: a
 * link to a unit below; the server checks it), the controls wired, then load().
 * cfg: path; presets (the #preset options but "custom", the first the default); what (the
 * period's name: "Kỳ báo cáo chưa hợp lệ"); maxDays (optional: the API's longest period);
 * noAccess() (what to show when the officer may read no report); load(state).
 * Resolves to {state, units, go(change), url(state)}, or null when the page stops there.
 */
export async function startPeriodPage(cfg) {
  const who = await initStaff(cfg.active);
  if (!who) return null;
  let units;
  try {
    units = (await api.get('/reports/units')).items || [];
  } catch (err) {
    if (err.status === 401) { goLogin(); return null; }
    render($('#alert'), alertBox('error', 'Không tải được danh sách đơn vị', el('p', {}, err.message)));
    return null;
  }
  if (!units.length) {
    $('#controls').hidden = true;
    cfg.noAccess();
    return null;
  }
  render($('#unit'), units.map((u) => el('option', { value: u.code }, u.name)));
  $('#unit-pick').hidden = units.length < 2;

  const state = { unit: '', from: '', to: '' };
  const url = (s) => periodUrl(cfg.path, s);
  const load = () => {
    $('#from').value = state.from;
    $('#to').value = state.to;
    $('#preset').value = presetOf(state.from, state.to, cfg.presets);
    $('#unit').value = state.unit;
    cfg.load(state);
  };
  const go = (change) => {
    Object.assign(state, change);
    history.pushState(null, '', url(state));
    load();
  };
  const readUrl = () => {
    const p = new URLSearchParams(location.search);
    const [df, dt] = presetRange(cfg.presets[0]);
    const unit = p.get('unit') || '';
    state.unit = /^[0-9A-Za-z.]{1,63}$/.test(unit) ? unit : units[0].code;
    state.from = okDate(p.get('from')) ? p.get('from') : df;
    state.to = okDate(p.get('to')) ? p.get('to') : dt;
  };
  /** A period the API takes: both dates, from ≤ to, at most maxDays apart; else a message. */
  const problem = (from, to) => {
    if (!okDate(from) || !okDate(to)) return 'Chọn đủ ngày bắt đầu và ngày kết thúc.';
    if (from > to) return 'Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.';
    if (cfg.maxDays && (Date.parse(to) - Date.parse(from)) / DAY > cfg.maxDays) return `${cfg.what} dài tối đa ${cfg.maxDays} ngày.`;
    return null;
  };

  $('#preset').addEventListener('change', () => {
    const p = $('#preset').value;
    if (p === 'custom') { $('#from').focus(); return; }
    const [from, to] = presetRange(p);
    go({ from, to });
  });
  $('#unit').addEventListener('change', () => go({ unit: $('#unit').value }));
  $('#controls').addEventListener('submit', (e) => {
    e.preventDefault();
    const from = $('#from').value, to = $('#to').value;
    const why = problem(from, to);
    if (why) { render($('#alert'), alertBox('warn', `${cfg.what} chưa hợp lệ`, el('p', {}, why))); return; }
    go({ from, to });
  });
  window.addEventListener('popstate', () => { readUrl(); load(); });

  readUrl();
  history.replaceState(null, '', url(state));
  load();
  return { state, units, go, url };
}
