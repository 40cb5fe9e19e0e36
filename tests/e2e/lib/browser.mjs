// What the browser tests share: Debian's chromium driven by playwright-core with one
// context (own cookies) per person, steps that end with a screenshot (and a screenshot of
// every page when one fails), logins through the pages, the payment test gateway's server,
// and small page and API helpers. The server, the TOTP codes, the demo accounts and the
// sample data come from tests/api/lib/server.mjs.
//
// Not a test file: node --test runs *.test.mjs only.

import { before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { BIRTH, COMMUNE, Client, readyBirthDraft, startServer, totp } from '../../api/lib/server.mjs';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const TIMEOUT = 15000;
export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };
export const COPY = '2.000635.000.00.00.H56'; // Cấp bản sao Trích lục hộ tịch: 8.000 đồng, a form and no file

const pad2 = (n) => String(n).padStart(2, '0');

/* ---------------- the harness ---------------- */

// Console errors that are not errors of the page: every page asks the server who is logged
// in (GET /api/v1/auth/me), and for a visitor who is not the answer is 401, which Chromium
// logs as a failed resource. Nothing else is allowed without expectConsoleError.
const ALWAYS_ALLOWED = [
  { text: /^Failed to load resource: the server responded with a status of 401 \(Unauthorized\)$/, url: /\/api\/v1\/auth\/me$/ },
];

/** Chromium's console line for a request answered with a status (for expectConsoleError). */
export const failedResource = (status) => new RegExp(`^Failed to load resource: the server responded with a status of ${status} `);
const STATUS_401 = failedResource(401);

/**
 * Sets up one test file. Before its tests: the old screenshots are removed, start() starts
 * the server (what it resolves to, {url, log(), stop()}, is harness.srv), chromium is
 * launched and setup(), if given, does the rest (API sessions, data). After them: the
 * browser closes, the server stops, and its log's tail is printed if anything failed (a
 * step, the setup, or a script error on a page).
 *
 * Every page of every person is watched: an uncaught exception on the page (pageerror) or
 * a console error fails the test during which it happened (an afterEach hook of the file),
 * or the file if it happens outside a test. A test that provokes an error on purpose (a
 * request the server refuses, which the browser logs as a console error) declares it first
 * with expectConsoleError(pattern): that message is then allowed, once, in that test.
 *
 * Screenshots go to shots (a folder) as prefix + "NN-step.png", and on a failure
 * prefix + "failure-step-person.png" for every page open. With a prefix the folder is shared
 * (/tmp) and only the files of that prefix are removed; without, the folder is the test's own
 * and is emptied. viewport: the people's screen unless person() names another.
 *
 * The harness: srv, failed (true once anything failed), person, step, snap, snapPart, watch,
 * expectConsoleError, officerLogin, citizenLogin, apiLogin.
 */
export function browserTest({ shots, prefix = '', start, setup, viewport = DESKTOP }) {
  const pages = {}; // person -> page
  let browser = null;
  let shot = 0;
  let problems = []; // script and console errors not yet reported
  let allowed = []; // expectConsoleError patterns of the current test, not yet seen

  /** Reports (throws) the page errors seen since the last check, and unused allowances. */
  function checkPages(when) {
    const list = problems.concat(allowed.map((a) => `an expected console error ${a.text} (${a.url}) did not happen`));
    problems = [];
    allowed = [];
    if (!list.length) return;
    h.failed = true;
    for (const x of list) console.error(x);
    throw new Error(`errors on the pages ${when}:\n${list.join('\n')}`);
  }

  const h = {
    srv: null,
    failed: false,

    /** Script errors and console errors on the page fail the current test (see above). */
    watch(page, label) {
      page.on('pageerror', (e) => { problems.push(`[${label}] uncaught on ${page.url()}: ${e.stack || e.message}`); });
      page.on('console', (m) => {
        if (m.type() !== 'error') return;
        const src = (m.location() && m.location().url) || '';
        const where = src ? ` (${src}:${m.location().lineNumber})` : '';
        const text = m.text();
        if (ALWAYS_ALLOWED.some((a) => a.text.test(text) && a.url.test(src))) return;
        const i = allowed.findIndex((a) => a.text.test(text) && a.url.test(src));
        if (i >= 0) { allowed.splice(i, 1); return; }
        problems.push(`[${label}] console error on ${page.url()}: ${text}${where}`);
      });
    },

    /**
     * Allows one console error of the current test whose text matches `text` (a RegExp) and,
     * if given, whose source URL matches `url`: for errors the test provokes on purpose. An
     * allowance left unused fails the test too.
     */
    expectConsoleError(text, url = /(?:)/) {
      allowed.push({ text, url });
    },

    /** The page of a person (a context of their own), made on first use: {viewport, touch}. */
    async person(name, { viewport: size = viewport, touch = false } = {}) {
      if (pages[name]) return pages[name];
      const ctx = await browser.newContext({ viewport: size, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', hasTouch: touch });
      ctx.setDefaultTimeout(TIMEOUT);
      const page = await ctx.newPage();
      h.watch(page, name);
      pages[name] = page;
      return page;
    },

    /** A full-page screenshot, numbered. */
    async snap(page, name) {
      await page.screenshot({ path: nextShot(name), fullPage: true });
    },

    /** A screenshot of one element only, numbered (a phone's full page is long). */
    async snapPart(locator, name) {
      await locator.screenshot({ path: nextShot(name) });
    },

    /** One step: fn(page) as who, then a screenshot of that page; on failure one of every page. */
    async step(name, who, fn) {
      const page = await h.person(who);
      try {
        await fn(page);
        await h.snap(page, name);
      } catch (err) {
        h.failed = true;
        for (const [p, pg] of Object.entries(pages)) {
          try { await pg.screenshot({ path: path.join(shots, `${prefix}failure-${name}-${p}.png`), fullPage: true }); } catch { /* page gone */ }
        }
        err.message = `step "${name}" (${who}) failed at ${page.url()}: ${err.message}`;
        throw err;
      }
    },

    /**
     * Officer login through the login page: password, then the one-time code the page asks
     * for when the account has a TOTP secret (a code is good for one login of an account: an
     * officer logs in once, in the browser or through the API). Waits for the queue with the
     * officer's name in the header. start: the page opened first (one other than /dang-nhap
     * must send a visitor there); code(who): the code (default: computed from who.secret);
     * submit(page): presses the login button (default #submit).
     */
    async officerLogin(page, who, { start: from = '/dang-nhap', code = (o) => totp(o.secret), submit = (p) => p.click('#submit') } = {}) {
      await page.goto(h.srv.url + from);
      if (from !== '/dang-nhap') await page.waitForURL((u) => u.pathname === '/dang-nhap');
      await page.fill('#login', who.login);
      await page.fill('#password', who.password);
      // With a one-time code, the password alone is answered 401 totp_required, which
      // makes the page ask for the code (and Chromium log the 401).
      if (who.secret) h.expectConsoleError(STATUS_401, /\/api\/v1\/auth\/login$/);
      await submit(page);
      if (who.secret) {
        await page.locator('#totp-field:not([hidden])').waitFor();
        await page.fill('#totp', code(who));
        await submit(page);
      }
      await page.waitForURL((u) => u.pathname === '/can-bo/');
      await page.locator('[data-testid="account-name"]', { hasText: who.name }).waitFor();
      await page.locator('#queue, #queue-empty').first().waitFor();
    },

    /** Citizen login through the login page; waits for "Hồ sơ của tôi". */
    async citizenLogin(page, login, password) {
      await page.goto(h.srv.url + '/dang-nhap');
      await page.fill('#login', login);
      await page.fill('#password', password);
      await page.click('#submit');
      await page.waitForURL((u) => u.pathname === '/ho-so-cua-toi');
    },

    /** An officer's API session (password and the one-time code); asserts 200. */
    async apiLogin(who) {
      const c = new Client(h.srv.url);
      const r = await c.post('/api/v1/auth/login', { login: who.login, password: who.password, totp: totp(who.secret) });
      assert.equal(r.status, 200, r.text);
      return c;
    },
  };

  function nextShot(name) {
    shot += 1;
    return path.join(shots, `${prefix}${pad2(shot)}-${name}.png`);
  }

  before(async () => {
    h.failed = true; // until the setup below has finished
    if (prefix) {
      for (const f of fs.readdirSync(shots)) if (f.startsWith(prefix) && f.endsWith('.png')) fs.rmSync(path.join(shots, f), { force: true });
    } else {
      fs.rmSync(shots, { recursive: true, force: true });
      fs.mkdirSync(shots, { recursive: true });
    }
    h.srv = await start();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    if (setup) await setup();
    h.failed = false;
  });

  afterEach(() => checkPages('during this test'));

  after(async () => {
    let pageErr = null;
    try { checkPages('after the last test'); } catch (e) { pageErr = e; }
    try { if (browser) await browser.close(); } catch { /* already closed */ }
    if (h.srv) {
      if (h.failed) console.error('--- motcua log (tail) ---\n' + h.srv.log().slice(-4000));
      await h.srv.stop();
    }
    if (pageErr) throw pageErr;
  });

  return h;
}

/* ---------------- the server with the payment test gateway ---------------- */

/**
 * `motcua serve --test-gateway` as `make run` starts it (two loops, MOTCUA_PAYMENT_SECRET
 * left out of its environment) on a free port with a fresh `init --demo` data directory;
 * secret, when given, is its --payment-secret. Resolves to startServer's server; its
 * stop() sends SIGTERM, waits, removes the data directory and fails on a sanitizer report.
 */
export function startGatewayServer({ secret } = {}) {
  return startServer(null, {
    loops: 2,
    args: ['--test-gateway', ...(secret ? ['--payment-secret', secret] : [])],
    env: { MOTCUA_PAYMENT_SECRET: undefined },
  });
}

/* ---------------- pages ---------------- */

/** A row of the officers' queue, by dossier code. */
export const queueRow = (page, code) => page.locator(`#queue tr[data-code="${code}"]`);

/** The officers' dossier page's state line, trimmed. */
export const stateText = async (page) => (await page.locator('#state').innerText()).trim();

/** How many pixels the page is wider than the window (0 or less: it fits). */
export const overflowX = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** GET a PDF through the page's session (href relative to the page); asserts a PDF; its text, white space folded. */
export async function pdfText(page, href) {
  const res = await page.request.get(new URL(href, page.url()).href);
  assert.equal(res.status(), 200, `${href}: ${res.status()}`);
  assert.equal(res.headers()['content-type'], 'application/pdf');
  const buf = await res.body();
  assert.equal(buf.subarray(0, 5).toString('latin1'), '%PDF-');
  const r = spawnSync('pdftotext', ['-layout', '-', '-'], { input: buf, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.replace(/\s+/g, ' ');
}

/** Local (UTC+7) date `days` from today: {iso: YYYY-MM-DD, vn: DD/MM/YYYY}. */
export function localDay(days = 0) {
  const v = new Date(Date.now() + 7 * 3600e3 + days * 86400e3);
  const [y, m, d] = [v.getUTCFullYear(), pad2(v.getUTCMonth() + 1), pad2(v.getUTCDate())];
  return { iso: `${y}-${m}-${d}`, vn: `${d}/${m}/${y}` };
}

/* ---------------- data through the API ---------------- */

/** Asserts the status (default 200); the answer's JSON. */
export const ok = (r, status = 200) => { assert.equal(r.status, status, r.text); return r.json; };

/** A complete declaration for COPY. */
export function copyForm() {
  return {
    requester_name: 'Lê Văn Hùng', requester_residence: 'Số 12 phố Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa',
    requester_id_number: '038090012345', requester_relationship: 'Bản thân', record_type: 'khai_sinh',
    subject_name: 'Lê Văn Hùng', record_office: 'UBND phường Hạc Thành', copies_requested: 1, commitment: true,
  };
}

/** The citizen (a Client) submits a dossier of BIRTH (form and scan) or COPY (form) at unit; the submit answer. */
export async function submitDossier(citizen, procedure, unit = COMMUNE) {
  let d;
  if (procedure === BIRTH) d = await readyBirthDraft(citizen, unit);
  else {
    d = ok(await citizen.post('/api/v1/dossiers', { procedure_code: procedure, unit_code: unit }), 201);
    ok(await citizen.put(`/api/v1/dossiers/${d.id}/form`, copyForm()));
  }
  return ok(await citizen.post(`/api/v1/dossiers/${d.id}/submit`, {}));
}

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core on the page as it is now: no violation of WCAG 2.1 A or AA. */
export async function axe(page, what) {
  // Through the debugging protocol, which the page's Content-Security-Policy does not govern.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  const res = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const found = res.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join('\n    ')}`);
  assert.deepEqual(found, [], `axe-core on ${what}:\n${found.join('\n')}`);
  assert.ok(res.passes.length > 10, `axe-core ran its rules on ${what}`);
}
