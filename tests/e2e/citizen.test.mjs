// Browser test of the citizen portal: a citizen registers, finds "Đăng ký khai sinh",
// fills the birth registration declaration, uploads a PDF, submits, gets the code,
// the appointment and the receipt PDF, then follows the dossier on the public lookup page.
//
// Starts the real server on a free port with a fresh data directory (binary from
// MOTCUA_BIN, default build/motcua) and drives Debian's chromium with playwright-core.
// Screenshots of every step go to test-results/e2e/ (and failure.png when a step fails).
// Run: node --test tests/e2e/   (MOTCUA_E2E_URL=http://host:port uses a running server instead)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.resolve(ROOT, process.env.MOTCUA_BIN || 'build/motcua');
const SHOTS = path.join(ROOT, 'test-results', 'e2e');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CITIZEN_ID = '038095007788'; // 038095001234 is a demo account made by init --demo
const TIMEOUT = 15000;

let base = process.env.MOTCUA_E2E_URL || '';
let server = null;
let serverLog = '';
let dataDir = null;
let profileDir = null;
let browser = null;
let page = null;
let shot = 0;
let failed = false;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (server && server.exitCode !== null) throw new Error(`motcua serve exited with ${server.exitCode}\n${serverLog}`);
    try {
      const r = await fetch(url + '/healthz');
      if (r.ok && (await r.json()).status === 'ok') return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`motcua did not answer /healthz within ${ms} ms\n${serverLog}`);
}

function stopServer() {
  if (!server || server.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => { try { server.kill('SIGKILL'); } catch { /* gone */ } }, 5000);
    server.once('exit', () => { clearTimeout(kill); resolve(); });
    server.kill('SIGTERM');
  });
}

/** A small valid one-page PDF (correct xref offsets), standing in for a scanned birth certificate. */
function samplePdf() {
  const stream = 'BT /F1 18 Tf 72 760 Td (Giay chung sinh - ban quet thu nghiem) Tj ET';
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => { offsets.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += String(off).padStart(10, '0') + ' 00000 n \n';
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** ISO date (YYYY-MM-DD) n days before today, in Vietnam time. */
function daysAgo(n) {
  return new Date(Date.now() + 7 * 3600e3 - n * 86400e3).toISOString().slice(0, 10);
}

function clamp(v, f) {
  if (f.min != null && v < f.min) v = f.min;
  if (f.max != null && v > f.max) v = f.max;
  return v;
}

/** A plausible value for an e-form field, chosen by its type and name. */
function sampleValue(f) {
  const parts = f.name.toLowerCase().split(/[^a-z0-9]+/);
  const fit = (s) => (f.max_length ? s.slice(0, f.max_length) : s);
  switch (f.type) {
    case 'citizen_id': return CITIZEN_ID;
    case 'phone': return '0912345678';
    case 'email': return 'nguyen.van.binh@example.vn';
    case 'date': return daysAgo(7);
    case 'year': return String(clamp(1995, f));
    case 'integer': return String(clamp(1, f));
    case 'checkbox': return true;
    case 'select': return (f.options || [])[0]?.value;
    case 'textarea': return fit('Bệnh viện Đa khoa tỉnh Thanh Hóa, phường Hạc Thành, tỉnh Thanh Hóa');
    default: {
      const has = (...words) => words.some((w) => parts.includes(w));
      if (has('words', 'chu')) return fit('Ngày hai mươi, tháng mười một, năm hai nghìn không trăm hai mươi sáu');
      if (has('name', 'ten') && has('child', 'con', 'tre')) return fit('Nguyễn Minh An');
      if (has('name', 'ten') && has('mother', 'me')) return fit('Lê Thị Hoa');
      if (has('name', 'ten')) return fit('Nguyễn Văn Bình');
      if (has('ethnicity', 'ethnic', 'dan', 'toc')) return fit('Kinh');
      if (has('nationality', 'quoc', 'tich')) return fit('Việt Nam');
      if (has('relationship', 'relation', 'quan', 'he')) return fit('Cha');
      if (has('document', 'doc', 'giay', 'paper')) return fit('Căn cước số ' + CITIZEN_ID);
      return fit('Phường Hạc Thành, tỉnh Thanh Hóa');
    }
  }
}

async function snap(name) {
  shot += 1;
  const file = path.join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

async function step(name, fn) {
  try {
    await fn();
    await snap(name);
  } catch (err) {
    failed = true;
    try { await page.screenshot({ path: path.join(SHOTS, `failure-${name}.png`), fullPage: true }); } catch { /* page gone */ }
    err.message = `step "${name}" failed at ${page ? page.url() : '?'}: ${err.message}`;
    throw err;
  }
}

before(async () => {
  failed = true; // until the setup below has finished
  fs.rmSync(SHOTS, { recursive: true, force: true });
  fs.mkdirSync(SHOTS, { recursive: true });
  if (!base) {
    assert.ok(fs.existsSync(BIN), `server binary not found: ${BIN} (run make, or set MOTCUA_BIN)`);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-e2e-data-'));
    execFileSync(BIN, ['init', '--data', dataDir, '--demo'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(BIN, ['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b) => { serverLog = (serverLog + b.toString()).slice(-20000); };
    server.stdout.on('data', keep);
    server.stderr.on('data', keep);
    await waitHealthy(base, 30000);
  }
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-e2e-chromium-'));
  // launchPersistentContext passes profileDir to chromium as its fresh --user-data-dir.
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
  });
  browser.setDefaultTimeout(TIMEOUT);
  page = browser.pages()[0] || await browser.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  failed = false;
});

after(async () => {
  try { if (browser) await browser.close(); } catch { /* already closed */ }
  await stopServer();
  if (server && failed && serverLog) console.error('--- motcua log (tail) ---\n' + serverLog.slice(-4000));
  for (const d of [profileDir, dataDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

test('citizen registers, submits a birth registration online and follows it', { timeout: 180000 }, async () => {
  let code = null;
  let dossierUrl = null;

  await step('dang-ky', async () => {
    await page.goto(base + '/dang-ky');
    await page.fill('#citizen_id', CITIZEN_ID);
    await page.fill('#full_name', 'Nguyễn Văn Bình');
    await page.fill('#phone', '0912345678');
    await page.fill('#email', 'nguyen.van.binh@example.vn');
    await page.fill('#password', 'Mat-khau-2026!');
    await page.fill('#password2', 'Mat-khau-2026!');
    await page.click('#submit');
    await page.waitForURL((u) => !u.pathname.startsWith('/dang-ky'));
    await page.locator('[data-testid="account-name"]').filter({ hasText: 'Nguyễn Văn Bình' }).waitFor();
  });

  await step('tim-kiem-khong-dau', async () => {
    await page.goto(base + '/');
    await page.fill('#q', 'dang ky khai sinh');
    await page.locator('#proc-list a', { hasText: 'Đăng ký khai sinh' }).first().waitFor();
  });

  await step('tim-kiem', async () => {
    await page.fill('#q', 'khai sinh');
    await page.locator('#list-summary', { hasText: 'khai sinh' }).waitFor();
    await page.locator('#proc-list a', { hasText: 'Đăng ký khai sinh' }).first().waitFor();
  });

  await step('thu-tuc', async () => {
    await page.locator('#proc-list a', { hasText: 'Đăng ký khai sinh' }).first().click();
    await page.waitForURL(/\/thu-tuc\?ma=/);
    await page.locator('h1', { hasText: 'Đăng ký khai sinh' }).waitFor();
    await page.locator('.doc-table tbody tr').first().waitFor();
    const combo = page.locator('#unit');
    await combo.click();
    await combo.fill('hac thanh');
    let option = page.locator('#unit-list [role="option"]').first();
    if (!(await option.count())) { // demo data without Hạc Thành: take any commune
      await combo.fill('');
      option = page.locator('#unit-list [role="option"]').first();
    }
    await option.click();
    assert.notEqual(await combo.inputValue(), '');
  });

  await step('huong-dan', async () => {
    await page.click('#start');
    await page.waitForURL(/\/nop-ho-so\?id=/);
    await page.locator('[data-step="1"]:not([hidden])').waitFor();
  });

  await step('to-khai', async () => {
    await page.click('#next');
    await page.locator('[data-step="2"]:not([hidden])').waitFor();
    const id = new URL(page.url()).searchParams.get('id');
    const schema = await page.evaluate(async (dossierId) => {
      const d = await (await fetch(`/api/v1/dossiers/${encodeURIComponent(dossierId)}`)).json();
      const p = await (await fetch(`/api/v1/procedures/${encodeURIComponent(d.procedure.code)}`)).json();
      return p.form || { sections: [] };
    }, id);
    for (const f of (schema.sections || []).flatMap((s) => s.fields || [])) {
      const v = sampleValue(f);
      const input = page.locator(`#eform [name="${f.name}"]`);
      if (v === undefined || v === null) continue;
      if (f.type === 'checkbox') await input.check();
      else if (f.type === 'select') await input.selectOption(String(v));
      else await input.fill(String(v));
    }
  });

  await step('giay-to', async () => {
    await page.click('#next');
    await page.locator('[data-step="3"]:not([hidden])').waitFor();
    const boxes = page.locator('.doc-upload[data-required="1"]');
    const n = await boxes.count();
    for (let i = 0; i < n; i++) {
      const box = boxes.nth(i);
      const key = await box.getAttribute('data-doc');
      await box.locator('input[type="file"]').setInputFiles({ name: `${key.replace(/_/g, '-')}.pdf`, mimeType: 'application/pdf', buffer: samplePdf() });
      await box.locator('.file-row .ok-mark').first().waitFor();
    }
  });

  await step('xem-lai', async () => {
    await page.click('#next');
    await page.locator('[data-step="4"]:not([hidden])').waitFor();
    await page.locator('[data-step="4"] .review-block').first().waitFor();
    const text = await page.locator('[data-step="4"]').innerText();
    assert.match(text, /Đăng ký khai sinh/);
    assert.match(text, /\.pdf/);
  });

  await step('nop-ho-so', async () => {
    await page.click('#next');
    await page.locator('[data-step="5"]:not([hidden])').waitFor();
    await page.click('#submit');
    await page.waitForURL(/\/ho-so\?id=/);
    await page.locator('#submitted-ok').waitFor();
    code = (await page.locator('#dossier-code').innerText()).trim();
    assert.match(code, /^[0-9A-Z.]+-\d{6}-\d{4}$/, 'dossier code');
    assert.match((await page.locator('#due-at').innerText()).trim(), /^\d{2}:\d{2} ngày \d{2}\/\d{2}\/\d{4}$/, 'appointment');
    assert.match(await page.locator('#status').innerText(), /Mới đăng ký/);
    dossierUrl = page.url();
  });

  await step('giay-tiep-nhan', async () => {
    const href = await page.locator('#receipt').getAttribute('href');
    assert.match(href, /\/receipt\.pdf$/);
    const res = await page.request.get(new URL(href, dossierUrl).href);
    assert.equal(res.status(), 200, 'receipt status');
    assert.match(res.headers()['content-type'] || '', /^application\/pdf/);
    const body = await res.body();
    assert.equal(body.subarray(0, 5).toString('latin1'), '%PDF-', 'receipt is a PDF');
    fs.writeFileSync(path.join(SHOTS, 'receipt.pdf'), body);
  });

  await step('tra-cuu', async () => {
    await page.goto(`${base}/tra-cuu?ma=${encodeURIComponent(code)}`);
    await page.locator('#lookup-result').waitFor();
    assert.match(await page.locator('#status').innerText(), /Mới đăng ký/);
    assert.notEqual((await page.locator('#unit').innerText()).trim(), '—');
    assert.match(await page.locator('#lookup-result').innerText(), new RegExp(code.replace(/[.]/g, '\\.')));
  });
});
