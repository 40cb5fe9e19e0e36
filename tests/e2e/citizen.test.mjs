// Browser test of the citizen portal: a citizen registers, finds "Đăng ký khai sinh",
// fills the birth registration declaration, uploads a PDF, submits, gets the code,
// the appointment and the receipt PDF, then follows the dossier on the public lookup page.
//
// Starts the real server on a free port with a fresh data directory (binary from
// MOTCUA_BIN, default build/motcua) and drives Debian's chromium with playwright-core
// (tests/e2e/lib/browser.mjs). Screenshots of every step go to test-results/e2e/
// (failure-*.png when a step fails).
// Run: node --test tests/e2e/   (MOTCUA_E2E_URL=http://host:port uses a running server instead)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, startServer, samplePdf } from '../api/lib/server.mjs';
import { browserTest, localDay } from './lib/browser.mjs';

const SHOTS = path.join(ROOT, 'test-results', 'e2e');
const CITIZEN_ID = '038095007788'; // 038095001234 is a demo account made by init --demo

const e2e = browserTest({
  shots: SHOTS,
  viewport: { width: 1280, height: 900 },
  start: () => (process.env.MOTCUA_E2E_URL
    ? { url: process.env.MOTCUA_E2E_URL, log: () => '', stop: async () => {} }
    : startServer(null)),
});

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
    case 'date': return localDay(-7).iso;
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

test('citizen registers, submits a birth registration online and follows it', { timeout: 180000 }, async () => {
  const base = e2e.srv.url;
  let code = null;
  let dossierUrl = null;

  await e2e.step('dang-ky', 'citizen', async (page) => {
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

  await e2e.step('tim-kiem-khong-dau', 'citizen', async (page) => {
    await page.goto(base + '/');
    await page.fill('#q', 'dang ky khai sinh');
    await page.locator('#proc-list a', { hasText: 'Đăng ký khai sinh' }).first().waitFor();
  });

  await e2e.step('tim-kiem', 'citizen', async (page) => {
    await page.fill('#q', 'khai sinh');
    await page.locator('#list-summary', { hasText: 'khai sinh' }).waitFor();
    await page.locator('#proc-list a', { hasText: 'Đăng ký khai sinh' }).first().waitFor();
  });

  await e2e.step('thu-tuc', 'citizen', async (page) => {
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

  await e2e.step('huong-dan', 'citizen', async (page) => {
    await page.click('#start');
    await page.waitForURL(/\/nop-ho-so\?id=/);
    await page.locator('[data-step="1"]:not([hidden])').waitFor();
  });

  await e2e.step('to-khai', 'citizen', async (page) => {
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

  await e2e.step('giay-to', 'citizen', async (page) => {
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

  await e2e.step('xem-lai', 'citizen', async (page) => {
    await page.click('#next');
    await page.locator('[data-step="4"]:not([hidden])').waitFor();
    await page.locator('[data-step="4"] .review-block').first().waitFor();
    const text = await page.locator('[data-step="4"]').innerText();
    assert.match(text, /Đăng ký khai sinh/);
    assert.match(text, /\.pdf/);
  });

  await e2e.step('nop-ho-so', 'citizen', async (page) => {
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

  await e2e.step('giay-tiep-nhan', 'citizen', async (page) => {
    const href = await page.locator('#receipt').getAttribute('href');
    assert.match(href, /\/receipt\.pdf$/);
    const res = await page.request.get(new URL(href, dossierUrl).href);
    assert.equal(res.status(), 200, 'receipt status');
    assert.match(res.headers()['content-type'] || '', /^application\/pdf/);
    const body = await res.body();
    assert.equal(body.subarray(0, 5).toString('latin1'), '%PDF-', 'receipt is a PDF');
    fs.writeFileSync(path.join(SHOTS, 'receipt.pdf'), body);
  });

  await e2e.step('tra-cuu', 'citizen', async (page) => {
    await page.goto(`${base}/tra-cuu?ma=${encodeURIComponent(code)}`);
    await page.locator('#lookup-result').waitFor();
    assert.match(await page.locator('#status').innerText(), /Mới đăng ký/);
    assert.notEqual((await page.locator('#unit').innerText()).trim(), '—');
    assert.match(await page.locator('#lookup-result').innerText(), new RegExp(code.replace(/[.]/g, '\\.')));
  });
});
