// can-bo/listing.js: what the officers' list pages share (the queue, complaints): the side
// views with the API's counts, the search, paging, the state kept in the URL, and a quiet
// refresh every minute that keeps the officer's typing and keyboard focus. The page draws
// its own head and table; the ids are the pages' own: #views, #search, #q, #clear,
// #refresh, #updated, #table-wrap, #pager.

import { $, el, render, alertBox, goLogin } from '../ui.js';
import { hhmm } from './shell.js';

export const PAGE_SIZES = [25, 50, 100];
const DEFAULT_SIZE = 50;
const REFRESH_MS = 60000;

/** The page number and the page size from the URL's trang and so, into state. */
export function readPaging(params, state) {
  state.page = Math.max(1, parseInt(params.get('trang') || '1', 10) || 1);
  const size = parseInt(params.get('so') || '', 10);
  state.size = PAGE_SIZES.includes(size) ? size : DEFAULT_SIZE;
}

/** The URL parameters of the page and size, null when they are the defaults. */
export function pagingQuery(state) {
  return { trang: state.page > 1 ? state.page : null, so: state.size !== DEFAULT_SIZE ? state.size : null };
}

/**
 * The list machinery of one page. cfg:
 *   state: the page's state, changed in place ({view, q, page, size} and the page's own);
 *   views ({key: {label, empty, tone}}) and groups ([[title, keys]]): the side views;
 *   noun: what the list counts, in the page's words ('hồ sơ', 'mục');
 *   urlOf(state): the page's URL of a state; reset: what choosing a view also sets;
 *   clip(text): a search cut as the API takes it;
 *   fetch(state): the API's answer for that state's list ({items, total, counts});
 *   alert (a selector), loading, failed: where errors go, what is said while the first
 *   answer comes and above an error;
 *   note(): the words above the views (null hides them);
 *   drawHead(data), drawItems(data): the page's head and table (data null before an answer);
 *   onData(data): an answer arrived (optional); onUrl(url): the URL changed (optional);
 *   show(): draws the page after go() (default: load the list);
 *   paused(): true while the list is not on screen (no refresh, no "/" shortcut).
 * Returns {go(change, {push}), load({quiet}), wire()}.
 */
export function createListing(cfg) {
  const { state, views, noun } = cfg;
  const reset = cfg.reset || {};
  const paused = cfg.paused || (() => false);
  const Noun = noun.charAt(0).toUpperCase() + noun.slice(1);
  let data = null;
  let loadedAt = 0;
  let inFlight = null;

  function go(change, { push = true } = {}) {
    Object.assign(state, change);
    const url = cfg.urlOf(state);
    if (push) history.pushState(null, '', url);
    else history.replaceState(null, '', url);
    if (cfg.onUrl) cfg.onUrl(url);
    if (cfg.show) cfg.show(); else load();
  }

  function drawViews() {
    const nav = $('#views');
    if (!nav.firstChild) { // built once; later calls update it in place, so keyboard focus stays
      render(nav,
        el('p', { class: 'side-note', id: 'side-note', hidden: true }),
        cfg.groups.map(([title, keys]) => el('div', { class: 'side-group' },
          el('h2', { class: 'side-title' }, title),
          el('ul', {}, keys.map((k) => el('li', {}, el('a', { href: '#', id: 'view-' + k, dataset: { view: k } },
            el('span', {}, views[k].label), el('span', { class: 'count' }, '·'))))))));
    }
    const note = $('#side-note');
    const said = cfg.note();
    note.hidden = !said;
    render(note, said);
    const counts = (data && data.counts) || {};
    for (const k of Object.keys(views)) {
      const a = $('#view-' + k);
      const n = counts[k] === null ? undefined : counts[k]; // a view may not be counted
      a.href = cfg.urlOf({ ...state, view: k, page: 1, ...reset });
      if (state.view === k) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
      const c = a.querySelector('.count');
      c.className = 'count' + (n > 0 && views[k].tone ? ' count-' + views[k].tone : '');
      c.textContent = n === undefined ? '·' : String(n);
      if (n === undefined) c.removeAttribute('aria-label'); else c.setAttribute('aria-label', `${n} ${noun}`);
    }
  }

  function drawPager() {
    const total = data.total || 0;
    if (!total) { render($('#pager')); return; }
    const pages = Math.max(1, Math.ceil(total / state.size));
    const from = (state.page - 1) * state.size + 1;
    const to = Math.min(total, state.page * state.size);
    const size = el('select', { id: 'page-size', 'aria-label': `Số ${noun} mỗi trang` },
      PAGE_SIZES.map((n) => el('option', { value: String(n), selected: n === state.size }, `${n} / trang`)));
    size.addEventListener('change', () => go({ size: Number(size.value), page: 1 }));
    const prev = el('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'prev', disabled: state.page <= 1 }, '‹ Trước');
    const next = el('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'next', disabled: state.page >= pages }, 'Sau ›');
    prev.addEventListener('click', () => go({ page: state.page - 1 }));
    next.addEventListener('click', () => go({ page: state.page + 1 }));
    render($('#pager'),
      el('span', { class: 'muted', id: 'pager-range' }, `${Noun} ${from}–${to} trong ${total}`),
      el('span', { class: 'pager-ctl' }, size, prev, el('span', { class: 'muted num', id: 'pager-page' }, `Trang ${state.page}/${pages}`), next));
  }

  /** Loads the list for the state; quiet (the minute's refresh): no loading state, a failure only warns. */
  async function load({ quiet = false } = {}) {
    const alertSlot = $(cfg.alert);
    const wrap = $('#table-wrap');
    cfg.drawHead(data);
    drawViews();
    if (!quiet) {
      render(alertSlot);
      wrap.setAttribute('aria-busy', 'true');
      if (!data) render(wrap, el('div', { class: 'loading', role: 'status' }, cfg.loading));
    }
    const req = cfg.fetch({ ...state });
    inFlight = req;
    let res;
    try {
      res = await req;
    } catch (err) {
      if (inFlight !== req) return;
      inFlight = null;
      wrap.removeAttribute('aria-busy');
      if (err.status === 401) { goLogin(); return; }
      render(alertSlot, alertBox(quiet ? 'warn' : 'error', quiet ? `Không cập nhật được lúc ${hhmm()}` : cfg.failed, el('p', {}, err.message)));
      if (!data) render(wrap);
      return;
    }
    if (inFlight !== req) return; // a newer request superseded this one
    inFlight = null;
    data = res;
    if (cfg.onData) cfg.onData(res);
    loadedAt = Date.now();
    // The last page may have emptied since (items moved on): step back.
    const pages = Math.max(1, Math.ceil((data.total || 0) / state.size));
    if (state.page > pages) { go({ page: pages }, { push: false }); return; }
    if (quiet) render(alertSlot);
    wrap.removeAttribute('aria-busy');
    cfg.drawHead(data);
    drawViews();
    cfg.drawItems(data);
    drawPager();
    $('#updated').textContent = `Cập nhật lúc ${hhmm(loadedAt)}`;
  }

  /** A quiet refresh when the list is on screen and a minute old. */
  function refreshIfDue() {
    if (document.hidden || inFlight || paused()) return;
    if (Date.now() - loadedAt >= REFRESH_MS - 1000) load({ quiet: true });
  }

  /** The views, the search, "Làm mới", the "/" shortcut and the minute's refresh. */
  function wire() {
    $('#views').addEventListener('click', (e) => {
      const a = e.target.closest('a[data-view]');
      if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button) return;
      e.preventDefault();
      go({ view: a.dataset.view, page: 1, ...reset });
    });
    $('#search').addEventListener('submit', (e) => {
      e.preventDefault();
      go({ q: cfg.clip($('#q').value.trim()), page: 1 });
    });
    $('#clear').addEventListener('click', () => { $('#q').value = ''; go({ q: '', page: 1 }); $('#q').focus(); });
    $('#refresh').addEventListener('click', () => load());
    document.addEventListener('keydown', (e) => {
      if (e.key === '/' && !paused() && !e.ctrlKey && !e.metaKey && !e.altKey && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) {
        e.preventDefault();
        $('#q').focus();
        $('#q').select();
      }
    });
    setInterval(refreshIfDue, 5000);
  }

  return { go, load, wire, refreshIfDue };
}
