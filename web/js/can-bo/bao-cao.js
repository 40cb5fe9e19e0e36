// can-bo/bao-cao.js: the leaders' dashboard. The figures of a unit and every unit under
// it for a period (GET /api/v1/reports/summary): headline numbers, charts drawn here in
// SVG (no chart library), the table by unit, the received dossiers by online level, and
// the QĐ 766 indicators. Every number that stands for dossiers links to the queue filtered
// to exactly those dossiers; every unit links to its own report. The unit and the period
// live in the URL.

import * as api from '../api.js';
import { $, el, render, alertBox, goLogin } from '../ui.js';
import { queueUrl } from './shell.js';
import { startPeriodPage, periodUrl, vnDate, lastDay } from './period.js';

const VN = 7 * 3600e3;
const nf = new Intl.NumberFormat('vi-VN');
const pf = new Intl.NumberFormat('vi-VN', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const num = (n) => nf.format(n || 0);
const pct = (x) => (x === null || x === undefined ? '–' : pf.format(x));
const pad = (n) => String(n).padStart(2, '0');
const COLORS = {
  online: '#1a56a8', desk: '#d4a017', post: '#8a5a00',
  early: '#1d6b3a', on_time: '#6fae84', late: '#a31d1d',
  very: '#1d6b3a', ok: '#6fae84', not: '#a31d1d', handled: '#7f1414',
};
const CHANNEL = { online: 'Trực tuyến', desk: 'Trực tiếp', post: 'Bưu chính' };

const PATH = '/can-bo/bao-cao';
const PRESETS = ['quarter', 'last_quarter', 'month', 'last_month', 'year', 'last_year'];
let state = { unit: '', from: '', to: '' }; // the unit and the period (period.js keeps it)
let data = null;

/* ---------------- URLs ---------------- */

const pageUrl = (s) => periodUrl(PATH, s);

/** The queue, filtered to the dossiers behind a figure. */
function drill(filter) {
  return queueUrl({ view: 'all', unit: state.unit, ...filter });
}
const period = () => ({ from: state.from, to: state.to });

function exportUrl(format) {
  return `/api/v1/reports/summary?${new URLSearchParams({ unit: state.unit, from: state.from, to: state.to, format })}`;
}

/* ---------------- SVG ---------------- */

const NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'style') n.style.cssText = v; // the CSP refuses style attributes
    else n.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    n.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return n;
}

/** A round axis maximum and its ticks for values up to max. */
function niceScale(max, ticks = 4) {
  if (max <= 0) return { top: ticks, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((v) => v >= raw && (v >= 1 || mag < 1)) || 10 * mag;
  const st = Math.max(1, Math.ceil(step));
  return { top: st * Math.ceil(max / st), step: st };
}

/** Stacked bars of received by channel over time, with a line of dossiers handled. */
function seriesChart(series) {
  const pts = series.points;
  const W = 900, H = 270, L = 44, R = 12, T = 12, B = 34;
  const iw = W - L - R, ih = H - T - B;
  const max = Math.max(1, ...pts.map((p) => Math.max(p.received, p.handled)));
  const { top, step } = niceScale(max);
  const y = (v) => T + ih - (v / top) * ih;
  const bw = iw / Math.max(1, pts.length);
  const g = [];
  for (let v = 0; v <= top; v += step) {
    g.push(s('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    g.push(s('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, num(v)));
  }
  const every = Math.ceil(pts.length / 14);
  pts.forEach((p, i) => {
    const x = L + i * bw;
    const label = series.grain === 'day' ? `${p.period.slice(8, 10)}/${p.period.slice(5, 7)}` : `${p.period.slice(5, 7)}/${p.period.slice(0, 4)}`;
    let acc = 0;
    const rects = ['online', 'desk', 'post'].map((k) => {
      const h = (p[k] / top) * ih;
      const r = s('rect', { x: x + bw * 0.12, width: Math.max(1, bw * 0.76), y: y(acc + p[k]), height: Math.max(0, h), fill: COLORS[k] });
      acc += p[k];
      return r;
    });
    const from = series.grain === 'day' ? p.period : `${p.period}-01`;
    const to = series.grain === 'day' ? p.period : `${p.period}-${pad(lastDay(+p.period.slice(0, 4), +p.period.slice(5, 7)))}`;
    const clip = (d) => (d < state.from ? state.from : d > state.to ? state.to : d);
    const tip = `${series.grain === 'day' ? vnDate(p.period) : 'Tháng ' + label}: tiếp nhận ${num(p.received)} (trực tuyến ${num(p.online)}, trực tiếp ${num(p.desk)}, bưu chính ${num(p.post)}); đã giải quyết ${num(p.handled)}`;
    g.push(p.received
      ? s('a', { href: drill({ from: clip(from), to: clip(to) }), 'aria-label': tip }, s('title', {}, tip), rects)
      : s('g', {}, s('title', {}, tip), rects));
    if (i % every === 0) g.push(s('text', { x: x + bw / 2, y: H - B + 16, 'text-anchor': 'middle' }, label));
  });
  const line = pts.map((p, i) => `${i ? 'L' : 'M'}${(L + i * bw + bw / 2).toFixed(1)},${y(p.handled).toFixed(1)}`).join(' ');
  g.push(s('path', { d: line, fill: 'none', stroke: COLORS.handled, 'stroke-width': 2, 'stroke-linejoin': 'round' }));
  if (pts.length <= 40) pts.forEach((p, i) => g.push(s('circle', { cx: L + i * bw + bw / 2, cy: y(p.handled), r: 2.5, fill: COLORS.handled })));
  g.push(s('line', { class: 'axis', x1: L, x2: W - R, y1: y(0), y2: y(0) }));
  return s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Biểu đồ hồ sơ tiếp nhận theo kênh và hồ sơ đã giải quyết theo thời gian' }, g);
}

/** A 100% bar split in parts [{key, label, n, color, href}]. */
function splitBar(parts, label) {
  const total = parts.reduce((a, p) => a + p.n, 0);
  const W = 400, H = 26;
  let x = 0;
  const g = total ? parts.filter((p) => p.n).map((p) => {
    const w = (p.n / total) * W;
    const r = s('rect', { x, y: 0, width: w, height: H, fill: p.color });
    const tip = `${p.label}: ${num(p.n)} (${pct(p.n / total)})`;
    x += w;
    return p.href ? s('a', { href: p.href, 'aria-label': tip }, s('title', {}, tip), r) : s('g', {}, s('title', {}, tip), r);
  }) : [s('rect', { x: 0, y: 0, width: W, height: H, fill: '#eceef1' })];
  return s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', style: 'height:26px', role: 'img', 'aria-label': label }, g);
}

function resultsList(parts) {
  const total = parts.reduce((a, p) => a + p.n, 0);
  return el('ul', { class: 'results-list' }, parts.map((p) => el('li', {},
    el('span', {}, el('i', { style: `background:${p.color}` }), p.label),
    el('span', { class: 'n' }, p.href && p.n ? el('a', { href: p.href }, num(p.n)) : num(p.n)),
    el('span', { class: 'p' }, total ? pct(p.n / total) : '–'))));
}

/** Horizontal bars of the units with most dossiers received, online part first. */
function unitChart(rows) {
  const top = rows.filter((r) => r.received > 0).sort((a, b) => b.received - a.received).slice(0, 10);
  if (!top.length) return el('p', { class: 'rp-empty' }, 'Chưa có hồ sơ tiếp nhận trong kỳ.');
  const W = 520, RH = 26, L = 190, R = 92;
  const H = top.length * RH + 6;
  const max = Math.max(...top.map((r) => r.received));
  const iw = W - L - R;
  const g = top.map((r, i) => {
    const y = i * RH + 3;
    const wOn = (r.online / max) * iw, wAll = (r.received / max) * iw;
    const name = r.own ? `${r.name} (tại đơn vị)` : r.name;
    const short = name.length > 30 ? name.slice(0, 29) + '…' : name;
    const tip = `${name}: tiếp nhận ${num(r.received)}, trực tuyến ${num(r.online)} (${pct(r.online_share)}), đúng hạn ${pct(r.on_time_rate)}`;
    return s('a', { href: r.own ? drill({ ...period() }) : pageUrl({ ...state, unit: r.code }), 'aria-label': tip },
      s('title', {}, tip),
      s('text', { x: L - 8, y: y + RH / 2 + 1, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, short),
      s('rect', { x: L, y: y + 4, width: Math.max(1, wAll), height: RH - 10, fill: '#c9d7ec' }),
      s('rect', { x: L, y: y + 4, width: wOn, height: RH - 10, fill: COLORS.online }),
      s('text', { x: L + wAll + 6, y: y + RH / 2 + 1, 'dominant-baseline': 'middle' }, `${num(r.received)} · ${pct(r.online_share)}`));
  });
  return s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Các đơn vị tiếp nhận nhiều hồ sơ nhất' }, g);
}

/* ---------------- page parts ---------------- */

function kpi(label, value, href, sub, color, bar) {
  return el('div', { class: 'kpi', style: `--kc:${color}` },
    el('div', { class: 'k-label' }, label),
    href ? el('a', { class: 'k-value', href }, value) : el('span', { class: 'k-value' }, value),
    sub ? el('div', { class: 'k-sub' }, sub) : null,
    bar ? el('div', { class: 'k-bar', 'aria-hidden': 'true' }, bar.map(([w, c]) => el('span', { style: `width:${(w * 100).toFixed(2)}%;background:${c}` }))) : null);
}

function kpis(t) {
  const pOf = (a, b) => (b ? a / b : 0);
  return el('section', { class: 'kpis', 'aria-label': 'Số liệu chính' },
    kpi('Hồ sơ tiếp nhận', num(t.received), drill(period()),
      [el('a', { href: drill({ ...period(), channel: 'online' }) }, `${num(t.online)} trực tuyến`), ` · ${num(t.desk)} trực tiếp · ${num(t.post)} bưu chính`],
      COLORS.online, [[pOf(t.online, t.received), COLORS.online], [pOf(t.desk, t.received), COLORS.desk], [pOf(t.post, t.received), COLORS.post]]),
    kpi('Tỷ lệ tiếp nhận trực tuyến', pct(t.online_share), drill({ ...period(), channel: 'online' }),
      `${num(t.online)} / ${num(t.received)} hồ sơ`, COLORS.online, [[t.online_share || 0, COLORS.online]]),
    kpi('Giải quyết đúng hạn', pct(t.on_time_rate), drill({ ...period(), result: 'on_time' }),
      [el('a', { href: drill({ ...period(), result: 'early' }) }, `${num(t.early)} trước hạn`), ' · ',
        el('a', { href: drill({ ...period(), result: 'on_time' }) }, `${num(t.on_time)} đúng hạn`), ' · ',
        el('a', { href: drill({ ...period(), result: 'late' }) }, `${num(t.late)} quá hạn`)],
      COLORS.early, [[pOf(t.early, t.handled), COLORS.early], [pOf(t.on_time, t.handled), COLORS.on_time], [pOf(t.late, t.handled), COLORS.late]]),
    kpi('Đang giải quyết', num(t.pending), queueUrl({ view: 'active', unit: state.unit }), 'tại thời điểm hiện tại', '#4a525c'),
    kpi('Đang quá hạn', num(t.overdue), queueUrl({ view: 'overdue', unit: state.unit }),
      t.pending ? `${pct(t.overdue / t.pending)} số đang giải quyết` : 'không có hồ sơ đang giải quyết', COLORS.late),
    kpi('Hài lòng', pct(t.satisfaction_rate), null, `${num(t.ratings)} lượt đánh giá`, COLORS.very,
      [[pOf(t.rat_hai_long, t.ratings), COLORS.very], [pOf(t.hai_long, t.ratings), COLORS.ok], [pOf(t.khong_hai_long, t.ratings), COLORS.not]]));
}

function panel(title, sub, ...body) {
  return el('section', { class: 'panel' }, el('h2', {}, title, sub ? el('span', { class: 'sub' }, sub) : null), ...body);
}

function legend(items) {
  return el('ul', { class: 'legend' }, items.map(([label, color, line]) => el('li', {}, el('i', { class: line ? 'line' : null, style: `background:${color}` }), label)));
}

function resultsPanel(t) {
  const parts = [
    { label: 'Trước hạn', n: t.early, color: COLORS.early, href: drill({ ...period(), result: 'early' }) },
    { label: 'Đúng hạn', n: t.on_time, color: COLORS.on_time, href: drill({ ...period(), result: 'on_time' }) },
    { label: 'Quá hạn', n: t.late, color: COLORS.late, href: drill({ ...period(), result: 'late' }) },
  ];
  const sat = [
    { label: 'Rất hài lòng', n: t.rat_hai_long, color: COLORS.very },
    { label: 'Hài lòng', n: t.hai_long, color: COLORS.ok },
    { label: 'Không hài lòng', n: t.khong_hai_long, color: COLORS.not },
  ];
  return panel('Kết quả giải quyết', `${num(t.handled)} hồ sơ đã giải quyết xong trong kỳ`,
    splitBar(parts, 'Tỷ lệ trước hạn, đúng hạn, quá hạn'), resultsList(parts),
    el('p', { class: 'muted small', style: 'margin:8px 0 0' },
      `Trong đó quá hạn có phiếu xin lỗi, hẹn lại: ${num(t.late_apology)}. Từ chối tiếp nhận: ${num(t.refused)} · rút hồ sơ: ${num(t.withdrawn)} · dừng xử lý: ${num(t.stopped)} · đã trả kết quả: ${num(t.returned)} · lượt yêu cầu bổ sung: ${num(t.supplements)}.`),
    el('h2', { style: 'margin-top:14px' }, 'Đánh giá của người dân', el('span', { class: 'sub' }, `${num(t.ratings)} lượt`)),
    splitBar(sat, 'Mức độ hài lòng'), resultsList(sat));
}

const COLS = [
  ['received', 'Tiếp nhận'], ['online_share', 'Trực tuyến'], ['handled', 'Đã giải quyết'],
  ['on_time_rate', 'Đúng hạn'], ['late', 'Quá hạn'], ['pending', 'Đang giải quyết'],
  ['overdue', 'Đang quá hạn'], ['satisfaction_rate', 'Hài lòng'],
];
const sort = { key: 'received', dir: -1 };

function unitTable(rows, totals) {
  const list = rows.filter((r) => !r.own || r.received || r.handled || r.pending || r.ratings);
  list.sort((a, b) => {
    const va = a[sort.key] ?? -1, vb = b[sort.key] ?? -1;
    return (va - vb) * sort.dir || a.code.localeCompare(b.code);
  });
  const cell = (r, k) => {
    const v = r[k];
    const z = !v ? 'zero' : null;
    const unitFilter = { unit: r.code };
    switch (k) {
      case 'received': return el('td', { class: z }, v ? el('a', { href: queueUrl({ view: 'all', ...unitFilter, ...period() }) }, num(v)) : '0');
      case 'late': return el('td', { class: v ? 'bad' : 'zero' }, v ? el('a', { href: queueUrl({ view: 'all', ...unitFilter, ...period(), result: 'late' }) }, num(v)) : '0');
      case 'pending': return el('td', { class: z }, v ? el('a', { href: queueUrl({ view: 'active', ...unitFilter }) }, num(v)) : '0');
      case 'overdue': return el('td', { class: v ? 'bad' : 'zero' }, v ? el('a', { href: queueUrl({ view: 'overdue', ...unitFilter }) }, num(v)) : '0');
      case 'online_share': case 'on_time_rate': case 'satisfaction_rate': return el('td', { class: v === null ? 'zero' : null }, pct(v));
      default: return el('td', { class: z }, num(v));
    }
  };
  const head = el('tr', {}, el('th', { scope: 'col' }, 'Đơn vị'), COLS.map(([k, label]) => {
    const b = el('button', { type: 'button' }, label);
    b.addEventListener('click', () => { sort.dir = sort.key === k ? -sort.dir : -1; sort.key = k; drawTable(); });
    return el('th', { scope: 'col', 'aria-sort': sort.key === k ? (sort.dir < 0 ? 'descending' : 'ascending') : null }, b);
  }));
  const body = list.map((r) => el('tr', {},
    el('td', {}, r.own ? el('span', {}, r.name, el('span', { class: 'muted' }, ' (tiếp nhận tại đơn vị)'))
      : el('a', { href: pageUrl({ ...state, unit: r.code }), title: `Báo cáo của ${r.name}` }, r.name)),
    COLS.map(([k]) => cell(r, k))));
  const foot = el('tr', {}, el('td', {}, 'Tổng cộng'), COLS.map(([k]) => el('td', {}, k.endsWith('_rate') || k === 'online_share' ? pct(totals[k]) : num(totals[k]))));
  return el('div', { class: 'table-scroll' }, el('table', { class: 'rp-table', id: 'unit-table' },
    el('caption', { class: 'visually-hidden' }, 'Số liệu theo đơn vị'),
    el('thead', {}, head), el('tbody', {}, body), el('tfoot', {}, foot)));
}

function drawTable() {
  const slot = $('#unit-table-slot');
  if (slot && data) render(slot, unitTable(data.units, data.totals));
}

function levelsTable(lv) {
  const row = (label, x) => el('tr', {}, el('td', {}, label), el('td', {}, num(x.total)), el('td', {}, num(x.online)), el('td', {}, num(x.desk)), el('td', {}, num(x.post)), el('td', {}, pct(x.online_share)));
  return el('table', { class: 'levels' },
    el('thead', {}, el('tr', {}, ['Mức độ', 'Tiếp nhận', 'Trực tuyến', 'Trực tiếp', 'Bưu chính', 'Tỷ lệ trực tuyến'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {},
      row('Toàn trình (NĐ 42/2022)', lv.decree_42.toan_trinh),
      row('Một phần (NĐ 42/2022)', lv.decree_42.mot_phan),
      row('Mức độ 4 (NĐ 43/2011)', lv.decree_43['4']),
      row('Mức độ 3 (NĐ 43/2011)', lv.decree_43['3']),
      row('Mức độ 2 (NĐ 43/2011)', lv.decree_43['2'])));
}

function qd766(q) {
  return el('div', {},
    el('p', { class: 'muted small', style: 'margin:0 0 8px' }, q.note),
    el('div', { class: 'qd-groups' }, q.groups.map((g) => el('div', { class: 'qd-group' },
      el('h3', {}, `${g.group}. ${g.title}`),
      el('ul', {}, g.indicators.map((i) => el('li', { class: i.available ? null : 'na' },
        el('div', { class: 'q-top' }, el('span', {}, i.title),
          el('span', { class: 'q-val' }, !i.available ? 'Chưa có dữ liệu' : i.kind === 'count' ? num(i.value) : pct(i.value))),
        i.available && i.kind === 'ratio' && i.value !== null ? el('div', { class: 'q-bar', 'aria-hidden': 'true' }, el('span', { style: `width:${(i.value * 100).toFixed(1)}%` })) : null,
        el('div', { class: 'q-note' }, i.available && i.kind === 'ratio' ? `${num(i.numerator)} / ${num(i.denominator)}. ${i.note}` : i.note))))))));
}

function crumbs(rep) {
  const parts = (rep.ancestors || []).map((a) => (a.readable ? el('a', { href: pageUrl({ ...state, unit: a.code }) }, a.name) : el('span', {}, a.name)));
  render($('#crumbs'), parts.map((p) => el('span', {}, p)), parts.length ? null : el('span', {}, 'Báo cáo, thống kê'));
}

function draw() {
  const rep = data;
  const t = rep.totals;
  crumbs(rep);
  $('#rp-unit').textContent = rep.unit.name;
  document.title = `Báo cáo ${rep.unit.name} – Một cửa điện tử tỉnh Thanh Hóa`;
  const asOf = rep.as_of ? new Date(Date.parse(rep.as_of) + VN).toISOString().slice(0, 16).replace('T', ' ') : '';
  render($('#meta'),
    'Kỳ báo cáo ', el('strong', {}, `${vnDate(rep.period.from)} – ${vnDate(rep.period.to)}`), ` (${num(rep.period.days)} ngày) · đơn vị `,
    el('strong', {}, rep.unit.code), ' và các đơn vị trực thuộc · số đang giải quyết tính đến ', el('strong', {}, asOf.split(' ').map((x, i) => (i ? x : vnDate(x))).join(' ')),
    rep.incomplete ? el('strong', { class: 'bad' }, ' · Số liệu chưa đầy đủ: cần chạy “motcua report rebuild”.') : null);
  const grain = rep.series.grain === 'day' ? 'theo ngày' : 'theo tháng';
  const children = rep.units.filter((r) => !r.own).length;
  render($('#report'),
    kpis(t),
    el('div', { class: 'rp-grid' },
      panel('Hồ sơ theo thời gian', grain,
        legend([['Trực tuyến', COLORS.online], ['Trực tiếp', COLORS.desk], ['Bưu chính', COLORS.post], ['Đã giải quyết', COLORS.handled, true]]),
        seriesChart(rep.series)),
      resultsPanel(t)),
    el('div', { class: 'rp-grid rp-even' },
      panel('Đơn vị tiếp nhận nhiều nhất', 'phần màu đậm: trực tuyến · bấm để xem báo cáo của đơn vị', unitChart(rep.units)),
      panel('Tiếp nhận theo mức độ dịch vụ trực tuyến', null, levelsTable(rep.received_by_level))),
    el('div', { class: 'rp-block' },
      panel('Theo đơn vị', children ? `${num(children)} đơn vị trực thuộc · bấm tên đơn vị để xem báo cáo của đơn vị đó, bấm số để xem danh sách hồ sơ` : 'đơn vị không có đơn vị trực thuộc',
        el('div', { id: 'unit-table-slot' }))),
    panel('Chỉ số chất lượng phục vụ (Quyết định 766/QĐ-TTg)', null, qd766(rep.qd766)));
  drawTable();
}

/* ---------------- loading ---------------- */

async function load() {
  $('#csv').href = exportUrl('csv');
  $('#xlsx').href = exportUrl('xlsx');
  render($('#alert'));
  $('#report').setAttribute('aria-busy', 'true');
  if (!data) render($('#report'), el('div', { class: 'loading', role: 'status' }, 'Đang tổng hợp số liệu…'));
  try {
    data = await api.get('/reports/summary', { unit: state.unit, from: state.from, to: state.to });
    draw();
  } catch (err) {
    if (err.status === 401) { goLogin(); return; }
    render($('#alert'), alertBox('error', 'Không tải được báo cáo', el('p', {}, err.message)));
    if (!data) render($('#report'));
  } finally {
    $('#report').removeAttribute('aria-busy');
  }
}

function init() {
  startPeriodPage({
    active: 'report',
    path: PATH,
    presets: PRESETS,
    what: 'Kỳ báo cáo',
    load: (s) => { state = s; load(); },
    noAccess: () => render($('#report'), alertBox('warn', 'Chưa được giao quyền xem báo cáo',
      el('p', {}, 'Tài khoản của bạn không có vai trò được xem báo cáo (lãnh đạo, quản trị). Vui lòng liên hệ quản trị đơn vị.'),
      el('p', {}, el('a', { href: queueUrl() }, 'Về danh sách hồ sơ')))),
  });
}

init();
