// Browser test of the outgoing documents' pages (docs/documents.md, "Pages"), with the demo
// accounts of Phường Hạc Thành, each logging in once in the browser: the specialist fills the
// draft form of a Quyết định ("Soạn văn bản": type, summary, priority, signer, a recipient
// unit found by typing), then on the document's page the specialist
// uploads the PDF body and submits it; the leader sees it under "Chờ duyệt" in the list and
// returns it (first without a comment: the dialog's error), the specialist sees the comment,
// uploads a second body and submits again; the leader approves it and signs it; the clerk (văn thư) issues it and the page shows "01/QĐ-UBND"
// and the link to the signed PDF. The PDF downloaded from that link has two signatures that
// pdfsig, trusting only the demo root read from trust_anchors, finds valid and trusted: the
// leader's, then the ward's seal. axe-core checks every page shown.
//
// Screenshots of every step go to test-results/e2e-documents/.
// Run: node --test tests/e2e/documents.test.mjs

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, COMMUNE, DEMO_OFFICERS, samplePdf, sqlValue, startServer } from '../api/lib/server.mjs';
import { nssTrusting, pdfsig } from '../api/lib/pdf.mjs';
import { axe, browserTest, overflowX } from './lib/browser.mjs';

const S = DEMO_OFFICERS.specialist;
const L = DEMO_OFFICERS.leader;
const C = DEMO_OFFICERS.clerk;
const WARD = 'Phường Hạc Thành';
const SUMMARY = 'Về việc kiện toàn Tổ công tác chuyển đổi số phường';
const COMMENT = 'Bổ sung căn cứ Nghị định 30/2020/NĐ-CP.';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-e2e-documents-'));
const f = (name) => path.join(scratch, name);
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const e2e = browserTest({
  shots: path.join(ROOT, 'test-results', 'e2e-documents'),
  start: () => startServer(null),
});
const { step } = e2e;

/** Confirms the action `name` on the document's page: its button, then the dialog's. */
async function act(page, name) {
  await page.locator('#actions').getByRole('button', { name, exact: true }).click();
  const dlg = page.locator('#action-dialog[open]');
  await dlg.waitFor();
  await dlg.getByRole('button', { name, exact: true }).click();
  await page.locator('#action-ok', { hasText: `Đã thực hiện: ${name}` }).waitFor();
  await page.locator('#action-dialog').waitFor({ state: 'hidden' });
}

const state = async (page) => (await page.locator('#doc-state').innerText()).trim();

test('a Quyết định from the specialist\'s draft to the clerk\'s issue on the pages; the issued PDF has two trusted signatures', { timeout: 300000 }, async () => {
  const { srv } = e2e;
  fs.writeFileSync(f('root.pem'), sqlValue(srv.dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
  nssTrusting(f('nss'), f('root.pem'));
  fs.writeFileSync(f('du-thao.pdf'), samplePdf('Du thao quyet dinh kien toan to cong tac'));
  fs.writeFileSync(f('du-thao-2.pdf'), samplePdf('Du thao quyet dinh kien toan to cong tac, lan 2'));
  const unit = Number(sqlValue(srv.dataDir, `SELECT id FROM units WHERE code = '${COMMUNE}'`));
  const leaderId = Number(sqlValue(srv.dataDir, `SELECT id FROM accounts WHERE login = '${L.login}'`));
  let id = null;
  const docUrl = () => `${srv.url}/can-bo/van-ban/xem?id=${id}`;

  await step('chuyen-vien-du-thao', 'specialist', async (page) => {
    await e2e.officerLogin(page, S);
    const nav = page.locator('#staff-nav').getByRole('link', { name: 'Văn bản đi' });
    await nav.click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban');
    await page.locator('#documents-empty').waitFor();
    // The draft form: saved first without its summary (the error summary), then whole, with
    // Phường Quảng Phú found by typing as an internal recipient.
    await page.locator('#new-draft').click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban/soan');
    const form = page.locator('#draft-form');
    await form.waitFor();
    assert.equal(await form.getByLabel('Đơn vị ban hành').inputValue(), String(unit));
    await form.getByLabel('Loại văn bản').selectOption('quyet_dinh');
    await form.getByLabel('Người ký').selectOption(String(leaderId));
    await page.locator('#save-draft').click();
    await form.locator('#summary-error', { hasText: 'trích yếu' }).waitFor();
    await axe(page, 'the draft form with its error');
    await form.getByLabel('Trích yếu nội dung').fill(SUMMARY);
    await form.getByLabel('Độ khẩn').selectOption('khan');
    await form.getByLabel('Chức danh ghi trên chữ ký').fill('CHỦ TỊCH');
    await page.locator('#recipient').fill('Quảng Phú');
    await page.getByRole('option', { name: /Phường Quảng Phú/ }).click();
    await page.locator('#recipients li[data-code="000.02.90.H56"]').waitFor();
    await form.getByLabel('Nơi nhận khác').fill('Như Điều 3;\nLưu: VT, VP.');
    await e2e.snap(page, 'chuyen-vien-bieu-mau');
    await page.locator('#save-draft').click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban/xem');
    id = Number(new URL(page.url()).searchParams.get('id'));
    assert.ok(id > 0);
    // What was saved, read back from the database: the form's choices.
    assert.equal(sqlValue(srv.dataDir, `SELECT summary FROM documents WHERE id = ${id}`), SUMMARY);
    assert.equal(Number(sqlValue(srv.dataDir, `SELECT signer_id FROM documents WHERE id = ${id}`)), leaderId);
    const ward2 = Number(sqlValue(srv.dataDir, "SELECT id FROM units WHERE code = '000.02.90.H56'"));
    assert.deepEqual(JSON.parse(sqlValue(srv.dataDir, `SELECT recipients_internal FROM documents WHERE id = ${id}`)), [ward2]);
    await page.goto(docUrl());
    assert.equal(await state(page), 'Dự thảo');
    await page.locator('#body-file').setInputFiles(f('du-thao.pdf'));
    await page.locator('#body-upload').click();
    await page.locator('#action-ok', { hasText: 'Đã tải lên bản dự thảo' }).waitFor();
    await page.locator('#current-pdf').waitFor();
    await axe(page, 'the draft\'s page');
    await act(page, 'Trình duyệt');
    assert.equal(await state(page), 'Chờ duyệt');
    assert.equal(await page.locator('#actions').count(), 0, 'nothing more for the drafter');
  });

  await step('lanh-dao-mo-van-ban', 'leader', async (page) => {
    await e2e.officerLogin(page, L);
    await page.locator('#staff-nav').getByRole('link', { name: 'Văn bản đi' }).click();
    await page.locator('#views a[data-filter="in_review"]').click();
    await page.waitForURL((u) => u.search === '?trang-thai=in_review');
    const row = page.locator(`#documents tr[data-id="${id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(`Quyết định[\\s\\S]*${SUMMARY}[\\s\\S]*Chờ duyệt`));
    await axe(page, 'the list of outgoing documents');
    await e2e.snap(page, 'lanh-dao-danh-sach-cho-duyet');
    await row.getByRole('link', { name: SUMMARY }).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban/xem');
    await page.locator('#doc-state').waitFor();
  });

  await step('lanh-dao-tra-lai', 'leader', async (page) => {
    // Returned without a comment: the dialog's error summary, nothing sent.
    await page.locator('#actions').getByRole('button', { name: 'Trả lại', exact: true }).click();
    const dlg = page.locator('#action-dialog[open]');
    await dlg.waitFor();
    await dlg.getByRole('button', { name: 'Trả lại', exact: true }).click();
    const err = page.locator('#comment-error');
    await err.waitFor();
    assert.equal((await err.innerText()).trim(), 'Vui lòng ghi nội dung cần sửa');
    assert.equal(await page.locator('#comment').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'comment');
    await axe(page, 'the return dialog with its error');
    await e2e.snap(page, 'lanh-dao-tra-lai-thieu-y-kien');
    await page.fill('#comment', COMMENT);
    await dlg.getByRole('button', { name: 'Trả lại', exact: true }).click();
    await page.locator('#action-ok', { hasText: 'Đã thực hiện: Trả lại' }).waitFor();
    assert.equal(await state(page), 'Trả lại');
  });

  await step('chuyen-vien-sua-trinh-lai', 'specialist', async (page) => {
    await page.reload();
    await page.locator('#doc-state').waitFor();
    assert.equal(await state(page), 'Trả lại');
    assert.match(await page.locator('#versions li[data-version="1"] .vb-comment').innerText(), new RegExp(COMMENT.replace(/[.]/g, '\\.')));
    await page.locator('#body-file').setInputFiles(f('du-thao-2.pdf'));
    await page.locator('#body-upload').click();
    await page.locator('#action-ok', { hasText: 'Đã tải lên bản dự thảo' }).waitFor();
    assert.equal(await page.locator('#versions li').count(), 2);
    await act(page, 'Trình duyệt');
    assert.equal(await state(page), 'Chờ duyệt');
  });

  await step('lanh-dao-duyet-ky', 'leader', async (page) => {
    await page.reload();
    await page.locator('#doc-state').waitFor();
    await act(page, 'Duyệt dự thảo');
    assert.equal(await state(page), 'Chờ ký');
    await act(page, 'Ký số');
    assert.equal(await state(page), 'Chờ phát hành');
    const versions = page.locator('#versions li');
    assert.deepEqual(await versions.evaluateAll((ls) => ls.map((l) => l.dataset.kind)), ['draft', 'draft', 'signed']);
    await axe(page, 'the signed document\'s page');
  });

  let href = null;
  await step('van-thu-phat-hanh', 'clerk', async (page) => {
    await e2e.officerLogin(page, C);
    await page.goto(docUrl());
    await page.locator('#doc-state').waitFor();
    await act(page, 'Phát hành');
    assert.equal(await state(page), 'Đã phát hành');
    assert.equal((await page.locator('#issued-notation').innerText()).trim(), '01/QĐ-UBND');
    assert.equal((await page.locator('#doc-notation').innerText()).trim(), '01/QĐ-UBND');
    href = await page.locator('#issued-pdf').getAttribute('href');
    assert.equal(href, `/api/v1/documents/${id}/file`);
    await axe(page, 'the issued document\'s page');
    const res = await page.request.get(srv.url + href);
    assert.equal(res.status(), 200);
    assert.equal(res.headers()['content-type'], 'application/pdf');
    fs.writeFileSync(f('van-ban.pdf'), await res.body());
  });

  await step('may-tinh-bang', 'clerk', async (page) => {
    // A tablet held upright: the list and the document's page fit the width.
    await page.setViewportSize({ width: 820, height: 1180 });
    assert.equal(await overflowX(page), 0, 'the document\'s page fits a tablet');
    await page.goto(`${srv.url}/can-bo/van-ban?trang-thai=issued`);
    const row = page.locator(`#documents tr[data-id="${id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /1\/QĐ-UBND[\s\S]*Đã phát hành/);
    assert.equal(await overflowX(page), 0, 'the list fits a tablet');
  });

  const p = pdfsig(f('van-ban.pdf'), f('nss'));
  assert.equal(p.sigs.length, 2, p.out);
  assert.ok(p.sigs.every((x) => x.valid && x.trusted), p.out);
  assert.deepEqual(p.sigs.map((x) => x.name), [L.name, WARD], p.out);
});
