// Browser test of the registers page (/can-bo/van-ban/so, docs/documents.md "Printing the
// registers"): Phường Hạc Thành issues a Quyết định and a Công văn through the API; its clerk
// (văn thư) opens "Sổ văn bản" from the outgoing documents' list and sees the year's outgoing
// register, 01/QĐ-UBND then 02/UBND-VP; the PDF link downloads the printout (pdftotext finds
// the cover and both notations), the CSV link the same lines; the incoming register of the
// ward is empty. The choice survives a reload (it is in the URL). axe-core checks the page.
//
// Screenshots go to test-results/e2e-registers/.
// Run: node --test tests/e2e/registers.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, COMMUNE, DEMO_OFFICERS, Client, samplePdf, sqlValue, startServer, totp } from '../api/lib/server.mjs';
import { axe, browserTest, localDay } from './lib/browser.mjs';

const e2e = browserTest({
  shots: path.join(ROOT, 'test-results', 'e2e-registers'),
  start: () => startServer(null),
});
const { step } = e2e;

/** An officer's API session with the one-time code of the given step. */
async function session(who, codeStep = 0) {
  const c = new Client(e2e.srv.url);
  const r = await c.post('/api/v1/auth/login', { login: who.login, password: who.password, totp: totp(who.secret, Date.now(), codeStep) });
  assert.equal(r.status, 200, r.text);
  return c;
}

test('the clerk reads the outgoing register of the year and downloads its printouts', { timeout: 180000 }, async () => {
  const { srv } = e2e;
  const unit = Number(sqlValue(srv.dataDir, `SELECT id FROM units WHERE code = '${COMMUNE}'`));
  const leaderId = Number(sqlValue(srv.dataDir, `SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`));
  const specialist = await session(DEMO_OFFICERS.specialist);
  const leader = await session(DEMO_OFFICERS.leader);
  const clerk = await session(DEMO_OFFICERS.clerk);
  const notations = [];
  for (const d of [
    { type: 'quyet_dinh', summary: 'Về việc ban hành Quy chế làm việc của Ủy ban nhân dân phường' },
    { type: 'cong_van', department: 'VP', summary: 'V/v rà soát hồ sơ trễ hạn quý IV' },
  ]) {
    let r = await specialist.post('/api/v1/documents', { unit_id: unit, priority: 'thuong', signer_id: leaderId, signer_title: 'CHỦ TỊCH', ...d });
    assert.equal(r.status, 201, r.text);
    const id = r.json.document.id;
    r = await specialist.req('PUT', `/api/v1/documents/${id}/body/du-thao.pdf`, { body: samplePdf('Van ban'), type: 'application/pdf' });
    assert.equal(r.status, 200, r.text);
    assert.equal((await specialist.post(`/api/v1/documents/${id}/submit`, {})).status, 200);
    assert.equal((await leader.post(`/api/v1/documents/${id}/review`, { decision: 'approve' })).status, 200);
    assert.equal((await leader.post(`/api/v1/documents/${id}/sign`, {})).status, 200);
    r = await clerk.post(`/api/v1/documents/${id}/issue`, {});
    assert.equal(r.status, 200, r.text);
    notations.push(r.json.document.notation);
  }
  assert.deepEqual(notations, ['01/QĐ-UBND', '02/UBND-VP']);
  const year = localDay().iso.slice(0, 4);

  await step('so-van-ban-di', 'clerk', async (page) => {
    // The clerk's API session used this half minute's code: the browser takes the next one.
    await e2e.officerLogin(page, DEMO_OFFICERS.clerk, { code: (o) => totp(o.secret, Date.now(), 1) });
    await page.goto(srv.url + '/can-bo/van-ban');
    await page.locator('#registers').click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban/so');
    const table = page.locator('#register');
    await table.waitFor();
    assert.equal(await page.locator('#title').innerText(), `Sổ đăng ký văn bản đi năm ${year}`);
    assert.equal(await page.getByLabel('Đơn vị').locator('option:checked').innerText(), 'Phường Hạc Thành');
    const firstCells = await table.locator('tbody tr td:first-child').allInnerTexts();
    assert.deepEqual(firstCells, ['01/QĐ-UBND', '02/UBND-VP']);
    assert.match(await table.locator('tbody tr').first().innerText(), /Quy chế làm việc/);
    assert.equal(await page.locator('#total').innerText(), '2 văn bản, từ số 01 đến số 02');
    await axe(page, 'the outgoing register');
  });

  await step('tai-ban-in', 'clerk', async (page) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#print-pdf').click()]);
    assert.equal(download.suggestedFilename(), `so-van-ban-di-${year}.pdf`);
    const file = await download.path();
    const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /SỔ ĐĂNG KÝ VĂN BẢN ĐI/);
    assert.match(text.stdout, /PHƯỜNG HẠC THÀNH/);
    assert.ok(text.stdout.indexOf('01/QĐ-UBND') > 0 && text.stdout.indexOf('01/QĐ-UBND') < text.stdout.indexOf('02/UBND-VP'), text.stdout);
    const csv = await page.request.get(await page.locator('#print-csv').evaluate((a) => a.href));
    assert.equal(csv.status(), 200);
    const lines = (await csv.text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.equal(lines.length, 3, 'the header and two lines');
    assert.match(lines[1], /^01\/QĐ-UBND,/);
    assert.match(lines[2], /^02\/UBND-VP,/);
  });

  await step('so-van-ban-den', 'clerk', async (page) => {
    await page.getByRole('radio', { name: 'Văn bản đến' }).check();
    await page.locator('#register-empty').waitFor();
    assert.equal(await page.locator('#title').innerText(), `Sổ đăng ký văn bản đến năm ${year}`);
    assert.equal(new URL(page.url()).searchParams.get('so'), 'den');
    // Reloaded, the page keeps the choice.
    await page.reload();
    await page.locator('#register-empty').waitFor();
    assert.ok(await page.getByRole('radio', { name: 'Văn bản đến' }).isChecked());
    await axe(page, 'the empty incoming register');
  });
});
