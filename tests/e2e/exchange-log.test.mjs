// Browser test of documents between nodes on the officers' pages (docs/exchange.md "The
// message log"), two nodes on loopback (tests/api/lib/nodes.mjs): on node A the specialist of
// Phường Hạc Thành drafts a công văn and picks Phường Quảng Phú (hosted by node B) among the
// exchange recipients by typing part of its name without diacritics; the draft's page lists
// it. Signed and issued through the API, the document reaches B and status 01 comes back: the
// clerk sees on the document's page where it is at the recipient ("01 – Đã đến"), opens
// "Nhật ký liên thông" from the menu, finds the row, and its detail shows the timestamp and
// the two downloads; the envelope downloaded has the row's SHA-256. Then a công văn issued to
// no other node is sent afterwards to Quảng Phú from its page (the clerk's "Gửi thêm" form):
// it reaches B and 01 comes back. axe-core checks each page.
//
// Screenshots go to test-results/e2e-exchange-log/.
// Run: node --test tests/e2e/exchange-log.test.mjs

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ROOT, COMMUNE2, DEMO_OFFICERS, officerSession, samplePdf, sql, sqlValue, totp } from '../api/lib/server.mjs';
import { twoNodes } from '../api/lib/nodes.mjs';
import { axe, browserTest } from './lib/browser.mjs';
import path from 'node:path';

const S = DEMO_OFFICERS.specialist;
const C = DEMO_OFFICERS.clerk;
const SUMMARY = 'V/v phối hợp kiểm tra nhật ký liên thông';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let nodes = null;
let sessions = null; // the first test's API sessions (a second login within the half minute would reuse its code)
// twoNodes and startServer register their cleanups (servers stopped, folders removed) here.
const cleanups = [];
after(async () => { for (const fn of cleanups.reverse()) await fn(); });
const e2e = browserTest({
  shots: path.join(ROOT, 'test-results', 'e2e-exchange-log'),
  start: async () => {
    nodes = await twoNodes({ after: (fn) => cleanups.push(fn) });
    await nodes.b.start();
    return nodes.a.start();
  },
});
const { step } = e2e;

async function until(pred, what, ms = 30000) {
  for (let waited = 0; waited < ms; waited += 100) {
    if (await pred()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('the draft form picks a unit of another node; the document\'s page and the exchange log show where it is, with its proof', { timeout: 300000 }, async () => {
  const { a } = nodes;
  // The specialist's API session first (this half minute's code), the browser's with the next.
  const specialistApi = await officerSession(a.url, S);
  const leaderId = Number(sqlValue(a.dataDir, `SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`));
  let id = null;

  await step('du-thao-lien-thong', 'specialist', async (page) => {
    await e2e.officerLogin(page, S, { code: (o) => totp(o.secret, Date.now(), 1) });
    await page.goto(`${a.url}/can-bo/van-ban/soan`);
    const form = page.locator('#draft-form');
    await form.waitFor();
    await form.getByLabel('Loại văn bản').selectOption('cong_van');
    await form.getByLabel('Trích yếu nội dung').fill(SUMMARY);
    await form.getByLabel('Phòng, bộ phận soạn thảo (viết tắt)').fill('VP');
    await form.getByLabel('Người ký').selectOption(String(leaderId));
    const combo = page.locator('#recipient-exchange');
    await combo.fill('quang phu');
    const option = page.locator('#recipient-exchange-list [role="option"]', { hasText: 'Phường Quảng Phú' });
    await option.waitFor();
    await option.click();
    await page.locator('#recipients-exchange li[data-code="000.02.90.H56"]', { hasText: 'Phường Quảng Phú' }).waitFor();
    await axe(page, 'the draft form with an exchange recipient');
    await page.locator('#save-draft').click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban/xem');
    id = Number(new URL(page.url()).searchParams.get('id'));
    await page.locator('#doc-exchange', { hasText: COMMUNE2 }).waitFor();
    assert.equal(sqlValue(a.dataDir, `SELECT recipients_exchange FROM documents WHERE id = ${id}`), JSON.stringify([COMMUNE2]));
    await axe(page, 'the draft\'s page with its exchange recipient');
  });

  // Body, review, signature, issue through the API.
  let r = await specialistApi.req('PUT', `/api/v1/documents/${id}/body/cong-van.pdf`, { body: samplePdf(SUMMARY), type: 'application/pdf' });
  assert.equal(r.status, 200, r.text);
  assert.equal((await specialistApi.post(`/api/v1/documents/${id}/submit`, {})).status, 200);
  const leader = await officerSession(a.url, DEMO_OFFICERS.leader);
  assert.equal((await leader.post(`/api/v1/documents/${id}/review`, { decision: 'approve' })).status, 200);
  assert.equal((await leader.post(`/api/v1/documents/${id}/sign`, {})).status, 200);
  const clerkApi = await officerSession(a.url, C);
  r = await clerkApi.post(`/api/v1/documents/${id}/issue`, {});
  assert.equal(r.status, 200, r.text);
  sessions = { specialist: specialistApi, leader, clerk: clerkApi };
  await until(() => sqlValue(a.dataDir, `SELECT last_status FROM exchange_messages WHERE direction = 'out' AND document_id = ${id}`) === '01', 'status 01 on node A');
  await until(() => Number(sqlValue(a.dataDir, 'SELECT count(*) FROM exchange_messages WHERE tsa_token IS NULL')) === 0, 'A\'s rows timestamped');
  const out = sql(a.dataDir, `SELECT id, envelope_sha256 FROM exchange_messages WHERE direction = 'out' AND document_id = ${id}`)[0];

  await step('noi-nhan-lien-thong', 'clerk', async (page) => {
    await e2e.officerLogin(page, C, { code: (o) => totp(o.secret, Date.now(), 1) });
    await page.goto(`${a.url}/can-bo/van-ban/xem?id=${id}`);
    const rowOf = page.locator(`#exchange-deliveries tr[data-organ="${COMMUNE2}"]`);
    await rowOf.locator('.exchange-status', { hasText: '01 – Đã đến' }).waitFor();
    await rowOf.getByText('Đã chuyển đến nơi nhận').waitFor();
    await axe(page, 'the issued document\'s page with its exchange deliveries');
  });

  await step('nhat-ky-lien-thong', 'clerk', async (page) => {
    await page.locator('#staff-nav').getByRole('link', { name: 'Nhật ký liên thông' }).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/lien-thong');
    const row = page.locator(`#messages tr[data-id="${out.id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Gửi đi/);
    assert.match(await row.innerText(), /Phường Quảng Phú/);
    assert.match(await row.innerText(), /01\/UBND-VP/);
    await axe(page, 'the exchange log');
    // Filtered to incoming: only the status 01 that came back.
    await page.locator('#direction').selectOption('in');
    await page.locator('#log-submit').click();
    await page.waitForURL((u) => u.searchParams.get('direction') === 'in');
    await page.locator('#messages tr[data-kind="status"]').first().waitFor();
    assert.equal(await page.locator(`#messages tr[data-id="${out.id}"]`).count(), 0);
    await page.goBack();
    await row.waitFor();
    await row.locator('a.msg-open').click();
    await page.waitForURL((u) => u.searchParams.get('id') === String(out.id));
    await page.locator('#message-state', { hasText: 'Đã chuyển đến nơi nhận' }).waitFor();
    assert.equal((await page.locator('#message-sha').innerText()).trim(), out.envelope_sha256);
    assert.match(await page.locator('#message-tsa').innerText(), /\S/);
    assert.doesNotMatch(await page.locator('#message-timestamp').innerText(), /Chưa có/);
    await axe(page, 'one message of the exchange log');
    const href = await page.locator('#download-envelope').getAttribute('href');
    const bytes = await page.evaluate(async (u) => Array.from(new Uint8Array(await (await fetch(u)).arrayBuffer())), href);
    assert.equal(crypto.createHash('sha256').update(Buffer.from(bytes)).digest('hex'), out.envelope_sha256);
    assert.equal(await page.locator('#download-timestamp').getAttribute('href'), `/api/v1/exchange/messages/${out.id}/timestamp`);
  });
});

test('the clerk sends an issued document to one more unit on another node from its page', { timeout: 300000 }, async () => {
  const { a, b } = nodes;
  const summary = 'V/v gửi bổ sung nơi nhận qua liên thông';
  assert.ok(sessions, 'the first test ran');
  const { specialist: specialistApi, leader, clerk: clerkApi } = sessions;
  const leaderId = Number(sqlValue(a.dataDir, `SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`));
  const unit = Number(sqlValue(a.dataDir, "SELECT id FROM units WHERE code = '000.01.90.H56'"));
  let r = await specialistApi.post('/api/v1/documents', { unit_id: unit, type: 'cong_van', department: 'VP', summary, signer_id: leaderId });
  assert.equal(r.status, 201, r.text);
  const id = r.json.document.id;
  r = await specialistApi.req('PUT', `/api/v1/documents/${id}/body/cong-van.pdf`, { body: samplePdf(summary), type: 'application/pdf' });
  assert.equal(r.status, 200, r.text);
  assert.equal((await specialistApi.post(`/api/v1/documents/${id}/submit`, {})).status, 200);
  assert.equal((await leader.post(`/api/v1/documents/${id}/review`, { decision: 'approve' })).status, 200);
  assert.equal((await leader.post(`/api/v1/documents/${id}/sign`, {})).status, 200);
  r = await clerkApi.post(`/api/v1/documents/${id}/issue`, {});
  assert.equal(r.status, 200, r.text);
  const notation = r.json.document.notation;
  const atB = () => Number(sqlValue(b.dataDir, `SELECT count(*) FROM documents WHERE direction = 'in' AND notation = '${notation}'`));
  assert.equal(atB(), 0);

  await step('gui-them-lien-thong', 'clerk', async (page) => {
    await page.goto(`${a.url}/can-bo/van-ban/xem?id=${id}`);
    const form = page.locator('#send-more');
    await form.waitFor();
    // Nothing picked: the form says so, and nothing is sent.
    await page.locator('#send-more-go').click();
    await page.locator('#send-more-error', { hasText: 'chọn ít nhất một đơn vị' }).waitFor();
    await page.locator('#send-more-unit').fill('quang phu');
    const option = page.locator('#send-more-unit-list [role="option"]', { hasText: 'Phường Quảng Phú' });
    await option.waitFor();
    await option.click();
    await page.locator('#send-more-list li', { hasText: 'Phường Quảng Phú' }).waitFor();
    await axe(page, 'the issued document\'s page with the form to send to more units');
    await page.locator('#send-more-go').click();
    await page.locator('#action-ok', { hasText: 'Đã gửi thêm nơi nhận' }).waitFor();
    await page.locator(`#exchange-deliveries tr[data-organ="${COMMUNE2}"]`).waitFor();
  });
  assert.equal(sqlValue(a.dataDir, `SELECT recipients_exchange FROM documents WHERE id = ${id}`), JSON.stringify([COMMUNE2]));
  await until(() => atB() === 1, 'the document on node B');
  await until(() => sqlValue(a.dataDir, `SELECT last_status FROM exchange_messages WHERE direction = 'out' AND document_id = ${id}`) === '01',
    'status 01 on node A');
  await step('gui-them-da-den', 'clerk', async (page) => {
    await page.reload();
    await page.locator(`#exchange-deliveries tr[data-organ="${COMMUNE2}"] .exchange-status`, { hasText: '01 – Đã đến' }).waitFor();
  });
});
