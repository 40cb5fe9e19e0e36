// Browser test of the work records' page (docs/records.md, "Page"), with the demo accounts of
// Phường Hạc Thành. Before: a công văn issued through the API, a draft, and a birth dossier
// refused at the desk (its handling ended). On the page: the specialist opens "Hồ sơ công
// việc" from the navigation, adds an entry to the year's list (first without its title: the
// field's error); the leader approves the list in the dialog; the specialist opens the record
// from the entry, files the công văn by its số, ký hiệu and the dossier by its code (an
// unknown number is refused with the server's words), closes it with the retention made
// permanent: the draft filed meanwhile is taken out and named; the record is then in the
// list due for handover, which the clerk (văn thư) hands over. axe-core checks every page.
//
// Screenshots of every step go to test-results/e2e-records/.
// Run: node --test tests/e2e/records.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, BIRTH, COMMUNE, DEMO_OFFICERS, newCitizen, samplePdf, sqlValue, startServer, totp } from '../api/lib/server.mjs';
import { DESKTOP, axe, browserTest, failedResource, ok, overflowX, submitDossier } from './lib/browser.mjs';

const S = DEMO_OFFICERS.specialist;
const L = DEMO_OFFICERS.leader;
const C = DEMO_OFFICERS.clerk;
const R = DEMO_OFFICERS.reception;
const TITLE = 'Hồ sơ rà soát hộ nghèo năm 2026';
// The officers log in through the API first: the browser's login takes the next code.
const nextCode = (o) => totp(o.secret, Date.now(), 1);

const e2e = browserTest({
  shots: path.join(ROOT, 'test-results', 'e2e-records'),
  start: () => startServer(null),
});
const { step } = e2e;

test('work records on the page: the list added to and approved, a record opened, filed, closed and handed over', { timeout: 300000 }, async () => {
  const { srv } = e2e;
  const unit = Number(sqlValue(srv.dataDir, `SELECT id FROM units WHERE code = '${COMMUNE}'`));
  const leaderId = Number(sqlValue(srv.dataDir, `SELECT id FROM accounts WHERE login = '${L.login}'`));
  const year = Number(new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 4));
  const spec = await e2e.apiLogin(S);
  const lead = await e2e.apiLogin(L);
  const clerk = await e2e.apiLogin(C);
  const desk = await e2e.apiLogin(R);

  // A công văn through the outgoing flow, and a draft.
  const draft = async (summary) => ok(await spec.post('/api/v1/documents', {
    unit_id: unit, type: 'cong_van', department: 'VP', summary, signer_id: leaderId, signer_title: 'CHỦ TỊCH',
  }), 201).document;
  const cv = await draft('V/v rà soát hộ nghèo năm 2026');
  ok(await spec.req('PUT', `/api/v1/documents/${cv.id}/body/cong-van.pdf`, { body: samplePdf('Cong van ra soat ho ngheo'), type: 'application/pdf' }));
  ok(await spec.post(`/api/v1/documents/${cv.id}/submit`, {}));
  ok(await lead.post(`/api/v1/documents/${cv.id}/review`, { decision: 'approve' }));
  ok(await lead.post(`/api/v1/documents/${cv.id}/sign`, {}));
  const notation = ok(await clerk.post(`/api/v1/documents/${cv.id}/issue`, {})).document.notation;
  const dr = await draft('V/v dự thảo kế hoạch chưa ban hành');
  // A birth dossier refused at the desk.
  const citizen = await newCitizen(srv.url);
  const dossier = await submitDossier(citizen, BIRTH);
  ok(await desk.post(`/api/v1/staff/dossiers/${dossier.id}/actions/refuse`, { note: 'Hồ sơ không thuộc thẩm quyền' }));

  let recordId = null;

  await step('chuyen-vien-danh-muc', 'specialist', async (page) => {
    await e2e.officerLogin(page, S, { code: nextCode });
    await page.locator('#staff-nav').getByRole('link', { name: 'Hồ sơ công việc' }).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/ho-so-cong-viec');
    await page.locator('#list-state', { hasText: 'chưa lập danh mục' }).waitFor();
    await page.locator('#records-empty').waitFor();
    assert.equal(await page.locator('#approve-list').count(), 0, 'the specialist does not approve');
    // Without a title: the field's error, nothing sent.
    const form = page.locator('#entry-form');
    await form.getByLabel('Số và ký hiệu hồ sơ').fill('01.VP');
    await page.locator('#entry-add').click();
    await page.locator('#entry-title-error', { hasText: 'tiêu đề' }).waitFor();
    await axe(page, 'the list form with its error');
    await form.getByLabel('Tiêu đề hồ sơ').fill(TITLE);
    await form.getByLabel('Thời hạn bảo quản').selectOption('10');
    await page.locator('#entry-add').click();
    await page.locator('#action-ok', { hasText: 'Đã thêm hồ sơ vào danh mục' }).waitFor();
    const row = page.locator('#entries tbody tr');
    assert.equal(await row.count(), 1);
    assert.match(await row.innerText(), /01\.VP[\s\S]*rà soát hộ nghèo[\s\S]*10 năm[\s\S]*Đỗ Minh Tuấn[\s\S]*Chưa lập/);
    assert.match(await page.locator('#list-state').innerText(), /Dự thảo, chờ lãnh đạo phê duyệt/);
    await axe(page, 'the draft list');
    await e2e.snap(page, 'danh-muc-du-thao');
  });

  await step('lanh-dao-phe-duyet', 'leader', async (page) => {
    await e2e.officerLogin(page, L, { code: nextCode });
    await page.locator('#staff-nav').getByRole('link', { name: 'Hồ sơ công việc' }).click();
    await page.locator('#approve-list').click();
    const dlg = page.locator('#action-dialog[open]');
    await dlg.waitFor();
    assert.match(await dlg.innerText(), /Phê duyệt danh mục gồm 1 hồ sơ/);
    await axe(page, 'the approval dialog');
    await dlg.getByRole('button', { name: 'Phê duyệt danh mục hồ sơ', exact: true }).click();
    await page.locator('#action-ok', { hasText: 'Đã phê duyệt danh mục hồ sơ' }).waitFor();
    assert.match(await page.locator('#list-state').innerText(), /Đã phê duyệt bởi Trịnh Văn Long/);
    assert.equal(sqlValue(srv.dataDir, `SELECT state FROM record_lists WHERE unit_id = ${unit} AND year = ${year}`), 'approved');
    await e2e.snap(page, 'danh-muc-da-duyet');
    // The leader has the most links in the header: it fits from a desktop down to a tablet.
    for (const width of [1440, 1366, 1280, 1200, 1100, 1024, 820]) {
      await page.setViewportSize({ width, height: 900 });
      assert.equal(await overflowX(page), 0, `the leader's page fits ${width} px`);
      if (width === 820) await e2e.snap(page, 'lanh-dao-may-tinh-bang');
    }
    await page.setViewportSize(DESKTOP);
  });

  await step('chuyen-vien-lap-ho-so', 'specialist', async (page) => {
    await page.reload();
    await page.getByRole('button', { name: 'Lập hồ sơ 01.VP' }).click();
    const dlg = page.locator('#action-dialog[open]');
    await dlg.waitFor();
    await dlg.getByRole('button', { name: 'Lập hồ sơ theo danh mục', exact: true }).click();
    await page.locator('#record-title', { hasText: TITLE }).waitFor();
    recordId = Number(new URL(page.url()).searchParams.get('ho-so'));
    assert.ok(recordId > 0);
    await page.locator('#items-empty').waitFor();
    // An unknown number: the server's refusal next to the field.
    const form = page.locator('#attach-form');
    await form.getByLabel('Số, ký hiệu hoặc mã hồ sơ').fill('999/UBND-VP');
    e2e.expectConsoleError(failedResource(404), /\/api\/v1\/records\/\d+\/items$/); // the refusal asked for
    await page.locator('#attach').click();
    await page.locator('#attach-value-error', { hasText: 'Không tìm thấy văn bản' }).waitFor();
    await axe(page, 'the record with the filing error');
    // The công văn by its notation, the dossier by its code.
    await form.getByLabel('Số, ký hiệu hoặc mã hồ sơ').fill(notation);
    await page.locator('#attach').click();
    await page.locator('#action-ok', { hasText: 'Đã đưa vào hồ sơ' }).waitFor();
    await page.locator('#attach-form').getByLabel('Loại').selectOption('dossier_code');
    await page.locator('#attach-form').getByLabel('Số, ký hiệu hoặc mã hồ sơ').fill(dossier.code);
    await page.locator('#attach').click();
    await page.locator(`#items tr[data-kind="dossier"]`).waitFor();
    const rows = page.locator('#items tbody tr');
    assert.equal(await rows.count(), 2);
    assert.match(await rows.nth(0).innerText(), new RegExp(`Văn bản đi[\\s\\S]*${notation.replace('/', '\\/')}[\\s\\S]*Đã phát hành`));
    assert.match(await rows.nth(1).innerText(), new RegExp(`Hồ sơ một cửa[\\s\\S]*${dossier.code}[\\s\\S]*Không được tiếp nhận`));
    // A draft filed meanwhile (through the API).
    ok(await spec.post(`/api/v1/records/${recordId}/items`, { document_id: dr.id }), 201);
    await page.reload();
    await page.locator('#items tbody tr').nth(2).waitFor();
    assert.match(await page.locator('#items tbody tr').nth(2).innerText(), /Chưa có số[\s\S]*Dự thảo/);
    await axe(page, 'the open record');
    await e2e.snap(page, 'ho-so-dang-lap');
  });

  await step('chuyen-vien-ket-thuc', 'specialist', async (page) => {
    await page.locator('#close-record').click();
    const dlg = page.locator('#action-dialog[open]');
    await dlg.waitFor();
    await dlg.getByLabel(/Thời hạn bảo quản/).selectOption('vinh_vien');
    await axe(page, 'the closing dialog');
    await dlg.getByRole('button', { name: 'Kết thúc hồ sơ', exact: true }).click();
    const done = page.locator('#action-ok', { hasText: 'Đã kết thúc hồ sơ' });
    await done.waitFor();
    assert.match(await done.innerText(), /Đã bỏ ra 1 dự thảo: V\/v dự thảo kế hoạch chưa ban hành/);
    // (The record is drawn again after the message: wait for it rather than read it at once.)
    await page.locator('#record', { hasText: /Vĩnh viễn \(trước khi kết thúc: 10 năm\)/ }).waitFor();
    assert.equal(await page.locator('#items tbody tr').count(), 2);
    await page.locator('#removed', { hasText: 'V/v dự thảo kế hoạch chưa ban hành' }).waitFor();
    await page.locator(`#due-table tr[data-record="${recordId}"][data-overdue="false"]`).waitFor();
    assert.equal(await page.locator('#attach-form').count(), 0, 'a closed record takes nothing more');
    await axe(page, 'the closed record');
    await e2e.snap(page, 'ho-so-da-ket-thuc');
  });

  await step('van-thu-nop-luu', 'clerk', async (page) => {
    await e2e.officerLogin(page, C, { code: nextCode });
    await page.locator('#staff-nav').getByRole('link', { name: 'Hồ sơ công việc' }).click();
    const due = page.locator(`#due-table tr[data-record="${recordId}"]`);
    await due.waitFor();
    await due.getByRole('button', { name: 'Nộp lưu hồ sơ 01.VP' }).click();
    const dlg = page.locator('#action-dialog[open]');
    await dlg.waitFor();
    await dlg.getByRole('button', { name: 'Nộp lưu hồ sơ', exact: true }).click();
    await page.locator('#action-ok', { hasText: 'Đã nộp lưu hồ sơ' }).waitFor();
    await page.locator('#due-empty').waitFor();
    assert.match(await page.locator(`#record-table tr[data-record="${recordId}"]`).innerText(), /Đã nộp lưu/);
    assert.equal(sqlValue(srv.dataDir, `SELECT state FROM work_records WHERE id = ${recordId}`), 'handed_over');
    await axe(page, 'the list after the handover');
    await e2e.snap(page, 'nop-luu');
  });

  await step('may-tinh-bang', 'clerk', async (page) => {
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.goto(`${srv.url}/can-bo/ho-so-cong-viec?don-vi=${unit}&nam=${year}&ho-so=${recordId}`);
    await page.locator('#record-title').waitFor();
    assert.equal(await overflowX(page), 0, 'the page fits a tablet');
    await e2e.snap(page, 'may-tinh-bang');
  });
});
