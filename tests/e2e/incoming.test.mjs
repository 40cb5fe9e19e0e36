// Browser test of the incoming documents' pages and the leaders' follow-up board
// (docs/documents.md "Pages of incoming documents"). Setup through the API: Phường Hạc Thành
// issues a công văn to Phường Quảng Phú, whose clerk, leader and specialist are added without
// a one-time code. Then in the browser: the clerk finds it under "Văn bản đến", sees its
// signatures checked (valid), registers it (số đến 1) and refuses a second one back with a
// reason (first without one: the dialog's error); the leader, whose board is still
// empty, assigns it to the specialist with an instruction and a deadline, and the board shows
// it assigned; the specialist finds it under "Cần xử lý", marks it being handled and
// completes it; the leader's board moves it to "Hoàn thành đúng hạn" and the figure drills
// down to the document. axe-core checks every page shown; the board is also checked at a
// tablet's width.
//
// Screenshots of every step go to test-results/e2e-incoming/.
// Run: node --test tests/e2e/incoming.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, COMMUNE, COMMUNE2, DEMO_OFFICERS, motcua, samplePdf, sqlValue, startServer } from '../api/lib/server.mjs';
import { axe, browserTest, ok, overflowX } from './lib/browser.mjs';

const SUMMARY = 'V/v phối hợp rà soát hộ nghèo năm 2026';
const INSTRUCTION = 'Giao chuyên viên chủ trì rà soát, báo cáo trước hạn.';
const WARD2 = 'Phường Quảng Phú';
const PASSWORD = 'mat-khau-can-bo';
const QP = {
  clerk: { login: 'vt.quangphu', password: PASSWORD, name: 'Lê Thị Văn', role: 'clerk' },
  leader: { login: 'ld.quangphu', password: PASSWORD, name: 'Trịnh Văn Lãnh', role: 'leader' },
  specialist: { login: 'cv.quangphu', password: PASSWORD, name: 'Phạm Thị Chuyên', role: 'specialist' },
};

/** Vietnam's day shifted by `days`, YYYY-MM-DD. */
const day = (days = 0) => new Date(Date.now() + 7 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
const dmy = (ymd) => ymd.split('-').reverse().join('/');

const e2e = browserTest({
  shots: path.join(ROOT, 'test-results', 'e2e-incoming'),
  start: () => startServer(null),
});
const { step } = e2e;

/** Confirms the step `name` on the document's page: its button, then the dialog's. */
async function act(page, name, text) {
  await page.locator('#actions').getByRole('button', { name, exact: true }).click();
  const dlg = page.locator('#action-dialog[open]');
  await dlg.waitFor();
  if (text) await dlg.locator('#step-text').fill(text);
  await dlg.getByRole('button', { name, exact: true }).click();
  await page.locator('#action-ok', { hasText: `Đã thực hiện: ${name}` }).waitFor();
  await page.locator('#action-dialog').waitFor({ state: 'hidden' });
}

/** The board's figures of a unit's row: {assigned, handling, overdue, on_time, late, total}. */
async function boardRow(page, unitId) {
  const row = page.locator(`#board tbody tr[data-unit="${unitId}"]`);
  await row.waitFor();
  const cells = (await row.locator('td').allInnerTexts()).slice(1); // after the unit's name
  const keys = ['assigned', 'handling', 'overdue', 'on_time', 'late', 'total'];
  return Object.fromEntries(keys.map((k, i) => [k, Number(cells[i].trim())]));
}

test('incoming: the clerk registers, the leader assigns, the specialist completes, the board follows and drills down', { timeout: 300000 }, async () => {
  const { srv } = e2e;
  const id = (q) => Number(sqlValue(srv.dataDir, q));
  const unit = id(`SELECT id FROM units WHERE code = '${COMMUNE}'`);
  const ward2 = id(`SELECT id FROM units WHERE code = '${COMMUNE2}'`);
  for (const o of Object.values(QP)) {
    const add = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', o.login, '--name', o.name,
      '--password', o.password, '--role', o.role, '--unit', COMMUNE2, '--no-totp']);
    assert.equal(add.status, 0, add.stderr);
  }

  // Hạc Thành's công văn to Quảng Phú, through its outgoing flow on the API.
  const specialist = await e2e.apiLogin(DEMO_OFFICERS.specialist);
  const leader = await e2e.apiLogin(DEMO_OFFICERS.leader);
  const clerk = await e2e.apiLogin(DEMO_OFFICERS.clerk);
  const leaderId = id(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`);
  const out = ok(await specialist.post('/api/v1/documents', {
    unit_id: unit, type: 'cong_van', department: 'VP', summary: SUMMARY, signer_id: leaderId, signer_title: 'CHỦ TỊCH',
    recipients_internal: [ward2],
  }), 201).document;
  ok(await specialist.req('PUT', `/api/v1/documents/${out.id}/body/cong-van.pdf`, { body: samplePdf('Cong van ra soat ho ngheo'), type: 'application/pdf' }));
  ok(await specialist.post(`/api/v1/documents/${out.id}/submit`, {}));
  ok(await leader.post(`/api/v1/documents/${out.id}/review`, { decision: 'approve' }));
  ok(await leader.post(`/api/v1/documents/${out.id}/sign`, {}));
  const issued = ok(await clerk.post(`/api/v1/documents/${out.id}/issue`, {})).document;
  const inId = id(`SELECT id FROM documents WHERE source_id = ${out.id} AND unit_id = ${ward2}`);
  // A second one, sent by mistake: the clerk refuses it back.
  const wrong = ok(await specialist.post('/api/v1/documents', {
    unit_id: unit, type: 'cong_van', department: 'VP', summary: 'V/v gửi nhầm nơi nhận', signer_id: leaderId, signer_title: 'CHỦ TỊCH',
    recipients_internal: [ward2],
  }), 201).document;
  ok(await specialist.req('PUT', `/api/v1/documents/${wrong.id}/body/cong-van.pdf`, { body: samplePdf('Cong van gui nham'), type: 'application/pdf' }));
  ok(await specialist.post(`/api/v1/documents/${wrong.id}/submit`, {}));
  ok(await leader.post(`/api/v1/documents/${wrong.id}/review`, { decision: 'approve' }));
  ok(await leader.post(`/api/v1/documents/${wrong.id}/sign`, {}));
  ok(await clerk.post(`/api/v1/documents/${wrong.id}/issue`, {}));
  const wrongId = id(`SELECT id FROM documents WHERE source_id = ${wrong.id} AND unit_id = ${ward2}`);
  const docUrl = `${srv.url}/can-bo/van-ban-den/xem?id=${inId}`;

  await step('van-thu-van-ban-den', 'clerk', async (page) => {
    await e2e.officerLogin(page, QP.clerk);
    await page.locator('#staff-nav').getByRole('link', { name: 'Văn bản đến' }).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban-den');
    const row = page.locator(`#incoming tr[data-id="${inId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(issued.notation.replace(/[/.-]/g, '\\$&')));
    assert.match(await row.innerText(), /Phường Hạc Thành/);
    assert.equal((await page.locator('#box-arrived .count').innerText()).trim(), '2');
    await axe(page, 'the clerk\'s incoming list');
  });

  await step('van-thu-vao-so', 'clerk', async (page) => {
    await page.locator(`#incoming tr[data-id="${inId}"] a.doc-open`).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban-den/xem');
    // The signatures checked against the trusted roots: the leader's and the ward's seal.
    const sig = page.locator('#signature-result');
    await sig.waitFor();
    assert.equal(await sig.getAttribute('data-verdict'), 'valid');
    assert.equal(await page.locator('#signatures li').count(), 2);
    await axe(page, 'an arrived document');
    await act(page, 'Vào sổ văn bản đến');
    assert.equal((await page.locator('#ok-number').innerText()).trim(), '1');
    assert.equal((await page.locator('#in-status').innerText()).trim(), 'Đã vào sổ, chờ phân công');
    assert.equal((await page.locator('#in-number').innerText()).trim(), '1');
    assert.equal(await page.locator('#actions').count(), 0, 'nothing more for the clerk');
    await axe(page, 'a registered document');
  });

  await step('van-thu-tra-lai', 'clerk', async (page) => {
    await page.goto(`${srv.url}/can-bo/van-ban-den/xem?id=${wrongId}`);
    await page.locator('#signature-result').waitFor();
    await page.locator('#actions').getByRole('button', { name: 'Trả lại nơi gửi', exact: true }).click();
    const dlg = page.locator('#action-dialog[open]');
    await dlg.waitFor();
    // Without a reason: the dialog says so and nothing is sent.
    await dlg.getByRole('button', { name: 'Trả lại nơi gửi', exact: true }).click();
    await dlg.locator('#step-text-error', { hasText: 'lý do trả lại' }).waitFor();
    await axe(page, 'the refusal dialog with its error');
    await dlg.locator('#step-text').fill('Gửi nhầm đơn vị nhận.');
    await dlg.getByRole('button', { name: 'Trả lại nơi gửi', exact: true }).click();
    await page.locator('#action-ok', { hasText: 'Đã thực hiện: Trả lại nơi gửi' }).waitFor();
    assert.equal((await page.locator('#in-status').innerText()).trim(), 'Đã trả lại nơi gửi');
    assert.equal((await page.locator('#in-reason').innerText()).trim(), 'Gửi nhầm đơn vị nhận.');
    // The sender sees 02 and the reason.
    const sent = ok(await clerk.get(`/api/v1/documents/${wrong.id}`)).document;
    assert.deepEqual(sent.deliveries.map((x) => [x.code, x.reason]), [['02', 'Gửi nhầm đơn vị nhận.']]);
  });

  await step('lanh-dao-bang-trong', 'leader', async (page) => {
    await e2e.officerLogin(page, QP.leader);
    await page.locator('#staff-nav').getByRole('link', { name: 'Theo dõi chỉ đạo' }).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/theo-doi');
    await page.locator('#board-empty').waitFor();
    await axe(page, 'the empty board');
  });

  await step('lanh-dao-phan-cong', 'leader', async (page) => {
    await page.locator('#staff-nav').getByRole('link', { name: 'Văn bản đến' }).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban-den');
    await page.locator(`#incoming tr[data-id="${inId}"] a.doc-open`).click();
    const form = page.locator('#assign-form');
    await form.waitFor();
    await axe(page, 'the assignment form');
    // Without a lead: the form says so, nothing is sent.
    await form.getByRole('button', { name: 'Giao xử lý' }).click();
    await form.locator('#lead_account_id-error', { hasText: 'cán bộ chủ trì' }).waitFor();
    await form.getByLabel('Cán bộ chủ trì').selectOption({ label: QP.specialist.name });
    await form.getByLabel('Ý kiến chỉ đạo').fill(INSTRUCTION);
    await form.getByLabel('Hạn xử lý').fill(day(3));
    await form.getByRole('button', { name: 'Giao xử lý' }).click();
    await page.locator('#action-ok', { hasText: 'Đã giao xử lý' }).waitFor();
    assert.equal((await page.locator('#in-status').innerText()).trim(), 'Đã giao xử lý');
    assert.equal((await page.locator('#in-lead').innerText()).trim(), QP.specialist.name);
    assert.equal((await page.locator('#in-instruction').innerText()).trim(), INSTRUCTION);
    assert.equal((await page.locator('#in-deadline').innerText()).trim(), dmy(day(3)));
    assert.equal(await page.locator('#reassign').getAttribute('open'), null, 'reassigning stays folded');
    await axe(page, 'an assigned document');
  });

  await step('lanh-dao-bang-da-giao', 'leader', async (page) => {
    await page.locator('#staff-nav').getByRole('link', { name: 'Theo dõi chỉ đạo' }).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/theo-doi');
    assert.deepEqual(await boardRow(page, ward2), { assigned: 1, handling: 0, overdue: 0, on_time: 0, late: 0, total: 1 });
    assert.equal(await page.locator(`#board tbody tr[data-unit="${ward2}"] td.proc`).innerText(), WARD2);
  });

  await step('chuyen-vien-xu-ly', 'specialist', async (page) => {
    await e2e.officerLogin(page, QP.specialist);
    await page.locator('#staff-nav').getByRole('link', { name: 'Văn bản đến' }).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban-den');
    // The specialist's first list is "Cần xử lý".
    assert.equal(await page.locator('#box-to_handle').getAttribute('aria-current'), 'page');
    await page.locator(`#incoming tr[data-id="${inId}"]`).waitFor();
    await axe(page, 'the specialist\'s list');
    await page.locator(`#incoming tr[data-id="${inId}"] a.doc-open`).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban-den/xem');
    await act(page, 'Bắt đầu xử lý');
    assert.equal((await page.locator('#in-status').innerText()).trim(), 'Đang xử lý');
    await act(page, 'Hoàn thành xử lý', 'Đã gửi báo cáo kết quả rà soát.');
    assert.equal((await page.locator('#in-status').innerText()).trim(), 'Đã hoàn thành');
    assert.deepEqual(await page.locator('#history li').evaluateAll((xs) => xs.map((x) => x.dataset.code)), ['01', '03', '04', '05', '06']);
    await axe(page, 'a completed document');
  });

  await step('lanh-dao-bang-hoan-thanh', 'leader', async (page) => {
    await page.reload();
    assert.deepEqual(await boardRow(page, ward2), { assigned: 0, handling: 0, overdue: 0, on_time: 1, late: 0, total: 1 });
    assert.equal((await page.locator('#board-totals td').allInnerTexts()).join(' '), '0 0 0 1 0 1');
    await axe(page, 'the board');
    // The drill-down: the figure opens the document behind it.
    await page.locator(`#board a[data-unit="${ward2}"][data-state="on_time"]`).click();
    const drill = page.locator(`#drill-table tr[data-id="${inId}"]`);
    await drill.waitFor();
    assert.match(await page.locator('#drill-title').innerText(), /Văn bản do Phường Quảng Phú chủ trì: hoàn thành đúng hạn/);
    assert.match(await drill.innerText(), new RegExp(SUMMARY));
    assert.match(page.url(), new RegExp(`don-vi=${ward2}&xem=on_time`));
    await axe(page, 'the board\'s drill-down');
    // A filter that leaves it out: deadlines up to yesterday.
    await page.locator('#to').fill(day(-1));
    await page.locator('#board-apply').click();
    await page.locator('#board-empty').waitFor();
    await page.locator('#board-clear').click();
    await boardRow(page, ward2);
    assert.equal(await page.locator('#to').inputValue(), '', 'the cleared filter is empty');
    // A tablet's width: no sideways scrolling.
    await page.setViewportSize({ width: 820, height: 1180 });
    assert.ok(await overflowX(page) <= 0, 'the board fits a tablet');
    await page.locator(`#board a[data-unit="${ward2}"][data-state="total"]`).click();
    await page.locator(`#drill-table tr[data-id="${inId}"]`).waitFor();
    assert.ok(await overflowX(page) <= 0, 'the drill-down fits a tablet');
  });

  await step('lanh-dao-van-ban', 'leader', async (page) => {
    await page.goto(docUrl);
    await page.locator('#history').waitFor();
    assert.equal(await page.locator('#assign-form').count(), 0, 'a completed document is not reassigned');
  });
});
