// Browser test of the public verification page (/xac-thuc/{public_id}, the QR code's target
// on every signed PDF): a visitor, not logged in, opens it and sees "Hợp lệ", who signed and
// for which dossier; downloads the original; checks the same file through "Kiểm tra một tệp
// PDF" and is told it is the same and intact; checks a copy with one byte changed and is
// told it was changed after signing; an unknown id says "not found"; a document still being
// signed says so. axe-core checks each state of the page (WCAG 2.1 A and AA), on a desktop
// and a phone. Documents are issued as an operator could (tests/api/lib/issued.mjs).
//
// Screenshots of every step go to test-results/e2e-verify/.
// Run: node --test tests/e2e/verify.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startServer, initDataDir, newCitizen, readyBirthDraft, samplePdf, COMMUNE } from '../api/lib/server.mjs';
import { makeTestCA, trustRoot, signPdf, issueDocument, newPublicId, SEAL } from '../api/lib/issued.mjs';
import { axe, browserTest, failedResource, PHONE, overflowX } from './lib/browser.mjs';

let caDir;
let signed; // the sealed PDF of the issued result
let doc; // its issued_documents row, as issueDocument returned it
let pending;
let code;

const e2e = browserTest({
  shots: path.join(ROOT, 'test-results', 'e2e-verify'),
  start: async () => {
    caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-e2e-verify-'));
    const ca = makeTestCA(caDir);
    const dataDir = initDataDir();
    trustRoot(dataDir, ca);
    signed = signPdf(ca, ca.p12.seal, samplePdf('Ket qua dang ky khai sinh - ban thu nghiem'));
    const srv = await startServer(null, { dataDir });
    const stop = srv.stop;
    srv.stop = async () => {
      try { await stop(); } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
        fs.rmSync(caDir, { recursive: true, force: true });
      }
    };
    return srv;
  },
  setup: async () => {
    const citizen = await newCitizen(e2e.srv.url);
    const draft = await readyBirthDraft(citizen, COMMUNE);
    const r = await citizen.post(`/api/v1/dossiers/${draft.id}/submit`, {});
    assert.equal(r.status, 200, r.text);
    code = r.json.code;
    doc = issueDocument(e2e.srv.dataDir, signed, { kind: 'result', dossierId: draft.id, title: 'Kết quả đăng ký khai sinh' });
    // The dossier's own receipt is signed by the server's issuing worker; a letter that is
    // never due (no next attempt) stays "being signed".
    pending = issueDocument(e2e.srv.dataDir, null, { kind: 'apology', ref: '2', state: 'pending', dossierId: draft.id, title: 'Thư xin lỗi và hẹn lại ngày trả kết quả' });
  },
});
const { step } = e2e;

test('a visitor verifies an issued document and checks a file against it', { timeout: 180000 }, async () => {
  const base = e2e.srv.url;

  await step('van-ban-hop-le', 'visitor', async (page) => {
    await page.goto(`${base}/xac-thuc/${doc.publicId}`);
    const verdict = page.locator('#verdict');
    await verdict.waitFor();
    assert.equal(await verdict.getAttribute('data-verdict'), 'valid');
    assert.equal((await verdict.locator('.verdict-label').innerText()).trim(), 'Hợp lệ');
    await page.locator('#doc-title', { hasText: 'Kết quả đăng ký khai sinh' }).waitFor();
    const facts = await page.locator('#doc .facts').first().innerText();
    assert.match(facts, /Phường Hạc Thành/);
    assert.match(facts, new RegExp(code.replace(/\./g, '\\.')));
    assert.match(facts, /Đăng ký khai sinh/);
    assert.match(facts, new RegExp(doc.sha256));
    const sig = page.locator('.sig').first();
    assert.equal((await sig.locator('.sig-who').innerText()).trim(), `1. ${SEAL}`);
    assert.match(await sig.innerText(), /Toàn bộ tệp/);
    assert.match(await sig.innerText(), /Chưa có dấu thời gian/);
    // The file has no timestamp, whatever the record says: the page goes by the file.
    assert.match(facts, /Gắn dấu thời gian\s+Chưa có dấu thời gian/);
    assert.match(await page.title(), /^Kết quả đăng ký khai sinh – Xác thực văn bản điện tử/);
    // The original, as the link gives it.
    const href = await page.locator('#download').getAttribute('href');
    const res = await page.request.get(new URL(href, page.url()).href);
    assert.equal(res.status(), 200);
    assert.ok((await res.body()).equals(signed), 'the original is the issued file');
    await axe(page, 'a valid document');
  });

  await step('kiem-tra-cung-tep', 'visitor', async (page) => {
    await page.locator('label[for="file"]', { hasText: 'Kiểm tra một tệp PDF' }).waitFor();
    await page.setInputFiles('#file', { name: 'ket-qua.pdf', mimeType: 'application/pdf', buffer: signed });
    await page.click('#check-submit');
    const out = page.locator('#check-outcome');
    await out.waitFor();
    assert.equal(await out.getAttribute('data-same'), 'true');
    assert.match(await out.innerText(), /Tệp trùng khớp với bản gốc và còn nguyên vẹn/);
    assert.equal((await page.locator('#check-verdict .verdict-label').innerText()).trim(), 'Hợp lệ');
    await out.scrollIntoViewIfNeeded();
    await axe(page, 'the same file checked');
  });

  await step('kiem-tra-tep-bi-sua', 'visitor', async (page) => {
    const bad = Buffer.from(signed);
    bad[bad.indexOf('Ket qua')] ^= 0x01;
    await page.setInputFiles('#file', { name: 'ban-sua.pdf', mimeType: 'application/pdf', buffer: bad });
    await page.click('#check-submit');
    const out = page.locator('#check-outcome[data-same="false"]');
    await out.waitFor();
    assert.match(await out.innerText(), /Không phải bản gốc/);
    assert.equal((await page.locator('#check-verdict .verdict-label').innerText()).trim(), 'Tệp đã bị sửa sau khi ký');
    await out.scrollIntoViewIfNeeded();
    await axe(page, 'a changed file checked');
  });

  await step('khong-co-tep', 'visitor', async (page) => {
    await page.setInputFiles('#file', []);
    await page.click('#check-submit');
    await page.locator('#file-error', { hasText: 'Vui lòng chọn một tệp PDF' }).waitFor();
  });

  await e2e.person('phone', { viewport: PHONE, touch: true });
  await step('dien-thoai', 'phone', async (page) => {
    await page.goto(`${base}/xac-thuc/${doc.publicId.toUpperCase()}`);
    await page.locator('#verdict .verdict-label', { hasText: 'Hợp lệ' }).waitFor();
    assert.ok(await overflowX(page) <= 0, 'the page fits a phone');
    await axe(page, 'a valid document on a phone');
  });
});

test('an unknown id, a malformed one, a document being signed, and the page without an id', { timeout: 120000 }, async () => {
  const base = e2e.srv.url;

  await step('khong-tim-thay', 'visitor', async (page) => {
    e2e.expectConsoleError(failedResource(404), /\/api\/v1\/verify\//);
    await page.goto(`${base}/xac-thuc/${newPublicId()}`);
    await page.locator('#document .alert', { hasText: 'Không tìm thấy văn bản' }).waitFor();
    await axe(page, 'an unknown id');
  });

  await step('ma-sai', 'visitor', async (page) => {
    // The server answers 404 with the page, which Chromium logs for the document itself.
    e2e.expectConsoleError(failedResource(404));
    const res = await page.goto(`${base}/xac-thuc/khong-phai-ma`);
    assert.equal(res.status(), 404);
    await page.locator('#document .alert', { hasText: 'Mã xác thực không hợp lệ' }).waitFor();
    await axe(page, 'a malformed id');
  });

  await step('dang-ky-so', 'visitor', async (page) => {
    await page.goto(`${base}/xac-thuc/${pending.publicId}`);
    await page.locator('#doc[data-state="pending"] .alert', { hasText: 'Đang ký số' }).waitFor();
    assert.equal(await page.locator('#verdict').count(), 0, 'no verdict before it is signed');
    assert.equal(await page.locator('#download').count(), 0, 'no original yet');
    await axe(page, 'a document being signed');
  });

  await step('trang-xac-thuc', 'visitor', async (page) => {
    await page.goto(`${base}/xac-thuc`);
    await page.locator('#lookup-card').waitFor();
    // Any PDF: which issued document it is.
    await page.setInputFiles('#file', { name: 'tep.pdf', mimeType: 'application/pdf', buffer: signed });
    await page.click('#check-submit');
    const out = page.locator('#check-outcome[data-same="true"]');
    await out.waitFor();
    assert.match(await out.innerText(), /Kết quả đăng ký khai sinh/);
    await axe(page, 'the page without an id');
    // The id typed in goes to its page.
    await page.fill('#ma', doc.publicId.toUpperCase());
    await page.click('#lookup-form button[type="submit"]');
    await page.waitForURL((u) => u.pathname === `/xac-thuc/${doc.publicId}`);
    await page.locator('#verdict .verdict-label', { hasText: 'Hợp lệ' }).waitFor();
  });
});
