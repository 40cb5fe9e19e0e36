// Browser test of the leader's signing queue and the documents' search (docs/documents.md,
// "Signing several at once", "Search page"), with the demo accounts of Phường Hạc Thành.
// Set up through the API: the specialist drafts three Quyết định, the leader approves them;
// an officer of Phường Quảng Phú drafts a Quyết định of theirs; twenty more drafts of the
// ward make a second page of results.
// On the pages: the leader opens "Văn bản chờ ký" from the list, ticks two, confirms once in
// the dialog, and the page shows both signed; pdfsig, trusting only the demo root, finds
// one valid signature on each, the leader's. The third, chosen and then signed elsewhere
// before the confirmation, is answered "not signed" with its reason, and gains no second
// signature. The clerk issues one (API); the leader searches
// "quyet dinh" without diacritics: the issued Quyết định is found with the matching words
// marked, the other ward's is not; the state, register and signer filters and the pages of
// 20 narrow and move as they should. axe-core checks every page and the dialog.
//
// Screenshots go to test-results/e2e-document-sign-search/.
// Run: node --test tests/e2e/document-sign-search.test.mjs

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COMMUNE, COMMUNE2, Client, DEMO_OFFICERS, ROOT, motcua, samplePdf, sqlValue, startServer, totp } from '../api/lib/server.mjs';
import { nssTrusting, pdfsig } from '../api/lib/pdf.mjs';
import { axe, browserTest, ok } from './lib/browser.mjs';

const S = DEMO_OFFICERS.specialist;
const L = DEMO_OFFICERS.leader;
const C = DEMO_OFFICERS.clerk;
const SUM_A = 'Về việc thành lập Tổ kiểm tra liên ngành về an toàn thực phẩm';
const SUM_B = 'Về việc phê duyệt kế hoạch chuyển đổi số năm 2027';
const SUM_C = 'Về việc điều chỉnh lịch tiếp công dân quý I';
const SUM_OTHER = 'Về việc thành lập Ban chỉ đạo phòng chống thiên tai phường Quảng Phú';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-e2e-sign-search-'));
const f = (name) => path.join(scratch, name);
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

async function apiOfficer(url, who, step = 0) {
  const c = new Client(url);
  ok(await c.post('/api/v1/auth/login', { login: who.login, password: who.password, totp: totp(who.secret, Date.now(), step) }));
  return c;
}

/** How far the page's main content (not the shared header) is wider than the window. */
const mainOverflowX = (page) => page.evaluate(() => {
  const m = document.querySelector('#main');
  return Math.max(0, Math.ceil(Math.max(...[...m.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right))) - window.innerWidth);
});

const ids = {};
let api = {};

const e2e = browserTest({
  shots: path.join(ROOT, 'test-results', 'e2e-document-sign-search'),
  start: () => startServer(null),
  setup: async () => {
    const { srv } = e2e;
    const num = (q) => Number(sqlValue(srv.dataDir, q));
    const unit = num(`SELECT id FROM units WHERE code = '${COMMUNE}'`);
    const unit2 = num(`SELECT id FROM units WHERE code = '${COMMUNE2}'`);
    const leaderId = num(`SELECT id FROM accounts WHERE login = '${L.login}'`);
    const adminId = num(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.province_admin.login}'`);
    api = { specialist: await apiOfficer(srv.url, S), leader: await apiOfficer(srv.url, L), clerk: await apiOfficer(srv.url, C) };
    const draft = async (c, u, summary, signer) => ok(await c.post('/api/v1/documents', { unit_id: u, type: 'quyet_dinh', summary, signer_id: signer, signer_title: 'CHỦ TỊCH' }), 201).document.id;
    const toApproved = async (c, id, text) => {
      ok(await c.req('PUT', `/api/v1/documents/${id}/body/du-thao.pdf`, { body: samplePdf(text), type: 'application/pdf' }));
      ok(await c.post(`/api/v1/documents/${id}/submit`, {}));
      assert.equal(ok(await api.leader.post(`/api/v1/documents/${id}/review`, { decision: 'approve' })).document.state, 'approved');
    };
    ids.a = await draft(api.specialist, unit, SUM_A, leaderId);
    await toApproved(api.specialist, ids.a, 'Quyet dinh thanh lap to kiem tra lien nganh');
    ids.b = await draft(api.specialist, unit, SUM_B, leaderId);
    await toApproved(api.specialist, ids.b, 'Quyet dinh phe duyet ke hoach chuyen doi so');
    ids.c = await draft(api.specialist, unit, SUM_C, leaderId);
    await toApproved(api.specialist, ids.c, 'Quyet dinh dieu chinh lich tiep cong dan');
    // Another ward's Quyết định, by an officer of theirs (signer: the province's administrator).
    const add = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', 'cv.quangphu',
      '--name', 'Đỗ Thị Hà', '--password', 'mat-khau-can-bo', '--role', 'specialist', '--unit', COMMUNE2, '--no-totp']);
    assert.equal(add.status, 0, add.stderr);
    const other = new Client(srv.url);
    await other.login('cv.quangphu', 'mat-khau-can-bo');
    ids.other = await draft(other, unit2, SUM_OTHER, adminId);
    // Twenty more drafts of the ward: the search without words has a second page.
    for (let i = 1; i <= 20; i++) await draft(api.specialist, unit, `Về việc giao nhiệm vụ số ${i} cho tổ dân phố`, leaderId);
  },
});
const { step } = e2e;

test('the leader signs two documents with one confirmation; search without diacritics finds the issued Quyết định and not another ward\'s', { timeout: 300000 }, async () => {
  const { srv } = e2e;

  await step('hang-doi-ky', 'leader', async (page) => {
    await e2e.officerLogin(page, L, { code: (o) => totp(o.secret, Date.now(), 1) });
    await page.goto(`${srv.url}/can-bo/van-ban`);
    await page.locator('#sign-queue:not([hidden])').click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban/ky');
    const rows = page.locator('#sign-queue tbody tr');
    await rows.first().waitFor();
    assert.deepEqual((await rows.evaluateAll((rs) => rs.map((r) => Number(r.dataset.id)))).sort((x, y) => x - y), [ids.a, ids.b, ids.c].sort((x, y) => x - y));
    assert.ok(await page.locator('#sign-selected').isDisabled(), 'nothing chosen, nothing to sign');
    await axe(page, 'the signing queue');
    // On a tablet held upright the queue fits the width. (The officers' header alone is wider
    // for a leader, whose navigation has more links: that is the shell's, measured apart.)
    await page.setViewportSize({ width: 820, height: 1180 });
    assert.equal(await mainOverflowX(page), 0, 'the signing queue fits a tablet');
    await e2e.snap(page, 'hang-doi-ky-may-tinh-bang');
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  await step('chon-va-xac-nhan', 'leader', async (page) => {
    // The two chosen one by one (not C).
    await page.getByLabel(`Chọn văn bản: ${SUM_A}`).check();
    await page.getByLabel(`Chọn văn bản: ${SUM_B}`).check();
    assert.equal((await page.locator('#sign-selected').innerText()).trim(), 'Ký các văn bản đã chọn (2)');
    await page.locator('#sign-selected').click();
    const dlg = page.locator('#sign-dialog[open]');
    await dlg.waitFor();
    assert.equal((await page.locator('#sign-title').innerText()).trim(), 'Ký số 2 văn bản');
    assert.equal(await page.locator('#sign-list li').count(), 2);
    await axe(page, 'the signing dialog');
    await e2e.snap(page, 'hop-thoai-ky');
    // The one confirmation.
    await dlg.getByRole('button', { name: 'Ký 2 văn bản', exact: true }).click();
    await page.locator('#sign-outcome', { hasText: 'Đã ký 2 văn bản' }).waitFor();
    await page.locator('#sign-dialog').waitFor({ state: 'hidden' });
    // In the order of the queue (newest first), each signed.
    assert.deepEqual(await page.locator('#sign-results li').evaluateAll((ls) => ls.map((l) => [Number(l.dataset.id), l.dataset.result])),
      [[ids.b, 'signed'], [ids.a, 'signed']]);
    await page.locator('#sign-queue tbody tr').first().waitFor();
    // C, not chosen, waits still.
    assert.deepEqual(await page.locator('#sign-queue tbody tr').evaluateAll((rs) => rs.map((r) => Number(r.dataset.id))), [ids.c]);
    for (const id of [ids.a, ids.b]) assert.equal(sqlValue(srv.dataDir, `SELECT state FROM documents WHERE id = ${id}`), 'signed');
    assert.equal(sqlValue(srv.dataDir, `SELECT state FROM documents WHERE id = ${ids.c}`), 'approved');
    await axe(page, 'the signing queue after signing');
  });

  await step('ky-that-bai', 'leader', async (page) => {
    // C chosen, then signed elsewhere (its own page, here the API) before the confirmation:
    // the answer says it was not signed, and why.
    await page.getByLabel(`Chọn văn bản: ${SUM_C}`).check();
    await page.locator('#sign-selected').click();
    const dlg = page.locator('#sign-dialog[open]');
    await dlg.waitFor();
    assert.equal(ok(await api.leader.post(`/api/v1/documents/${ids.c}/sign`, {})).document.state, 'signed');
    const versions = Number(sqlValue(srv.dataDir, `SELECT count(*) FROM document_versions WHERE document_id = ${ids.c}`));
    await dlg.getByRole('button', { name: 'Ký 1 văn bản', exact: true }).click();
    const outcome = page.locator('#sign-outcome', { hasText: 'Không ký được văn bản nào đã chọn' });
    await outcome.waitFor();
    assert.equal(await outcome.getAttribute('role'), 'alert');
    const li = page.locator(`#sign-results li[data-id="${ids.c}"]`);
    assert.equal(await li.getAttribute('data-result'), 'refused');
    assert.match(await li.innerText(), new RegExp(`Không ký được: ${SUM_C} – Văn bản không ở bước chờ ký`));
    assert.equal(Number(sqlValue(srv.dataDir, `SELECT count(*) FROM document_versions WHERE document_id = ${ids.c}`)), versions, 'no second signed version');
    await page.locator('#queue-empty').waitFor();
    await axe(page, 'the signing queue with a refusal');
  });

  // pdfsig on each signed body: one signature, valid and trusted, the leader's.
  fs.writeFileSync(f('root.pem'), sqlValue(srv.dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
  nssTrusting(f('nss'), f('root.pem'));
  for (const id of [ids.a, ids.b]) {
    const r = await api.leader.get(`/api/v1/documents/${id}/file`);
    assert.equal(r.status, 200);
    fs.writeFileSync(f(`${id}.pdf`), r.buf);
    const p = pdfsig(f(`${id}.pdf`), f('nss'));
    assert.equal(p.sigs.length, 1, p.out);
    assert.ok(p.sigs[0].valid && p.sigs[0].trusted, p.out);
    assert.equal(p.sigs[0].name, L.name, p.out);
  }
  // The clerk issues A: 01/QĐ-UBND.
  assert.equal(ok(await api.clerk.post(`/api/v1/documents/${ids.a}/issue`, {})).document.notation, '01/QĐ-UBND');

  const found = (page) => page.locator('#result-list li').evaluateAll((ls) => ls.map((l) => Number(l.dataset.id)));

  await step('tim-khong-dau', 'leader', async (page) => {
    await page.goto(`${srv.url}/can-bo/van-ban`);
    await page.locator('#search-link').click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban/tim-kiem');
    await page.locator('#result-list, #results-empty').first().waitFor();
    await page.getByLabel('Từ khóa').fill('quyet dinh thanh lap');
    await page.locator('#search-submit').click();
    await page.waitForURL((u) => u.searchParams.get('q') === 'quyet dinh thanh lap');
    await page.locator(`#result-list li[data-id="${ids.a}"]`).waitFor();
    const got = await found(page);
    assert.ok(got.includes(ids.a), `the issued Quyết định is found: ${got}`);
    assert.ok(!got.includes(ids.other), 'another ward\'s Quyết định is not');
    const hit = page.locator(`#result-list li[data-id="${ids.a}"]`);
    assert.match(await hit.innerText(), /1\/QĐ-UBND[\s\S]*Sổ văn bản đi[\s\S]*Đã phát hành/);
    // The matching words are marked, as written (with their diacritics).
    const marks = await hit.locator('mark').allInnerTexts();
    for (const w of ['Quyết', 'định', 'thành', 'lập']) assert.ok(marks.includes(w), `"${w}" marked: ${marks}`);
    await axe(page, 'the search results');
  });

  await step('loc-ket-qua', 'leader', async (page) => {
    // "quyet dinh" and issued: A only (B is signed, the drafts are drafts).
    await page.getByLabel('Từ khóa').fill('quyet dinh');
    await page.locator('#search-submit').click();
    await page.locator('#result-list li').first().waitFor();
    assert.ok(!(await found(page)).includes(ids.other));
    await page.getByLabel('Trạng thái').selectOption('issued');
    await page.waitForURL((u) => u.searchParams.get('trang-thai') === 'issued');
    await page.locator(`#result-list li[data-id="${ids.a}"]`).waitFor();
    assert.deepEqual(await found(page), [ids.a]);
    // The incoming register has none of them.
    await page.getByLabel('Sổ văn bản').selectOption('in');
    await page.locator('#results-empty').waitFor();
    await page.getByLabel('Sổ văn bản').selectOption('out');
    await page.locator(`#result-list li[data-id="${ids.a}"]`).waitFor();
    // The signer typed without diacritics, state "Chờ phát hành": B and C.
    await page.getByLabel('Trạng thái').selectOption('signed');
    await page.locator(`#result-list li[data-id="${ids.b}"]`).waitFor();
    await page.getByLabel('Người ký').fill('trinh van long');
    await page.locator('#search-submit').click();
    await page.waitForURL((u) => u.searchParams.get('nguoi-ky') === 'trinh van long');
    await page.locator(`#result-list li[data-id="${ids.b}"]`).waitFor();
    assert.deepEqual((await found(page)).sort((x, y) => x - y), [ids.b, ids.c]);
    // Someone else as signer: nothing.
    await page.getByLabel('Người ký').fill('nguyen van khac');
    await page.locator('#search-submit').click();
    await page.locator('#results-empty').waitFor();
    await axe(page, 'the search with filters and no result');
  });

  await step('phan-trang', 'leader', async (page) => {
    // No words, no filter: the ward's 23 documents (and not the other ward's), 20 a page.
    await page.locator('#reset').click();
    await page.waitForURL((u) => u.search === '');
    await page.locator('#next-page').waitFor();
    assert.equal((await found(page)).length, 20);
    const first = await found(page);
    await page.locator('#next-page').click();
    await page.waitForURL((u) => u.searchParams.get('trang') === '2');
    await page.locator('#pager-page', { hasText: 'Trang 2' }).waitFor();
    const second = await found(page);
    assert.equal(second.length, 3, `page 2: ${second}`);
    assert.ok(await page.locator('#next-page').isDisabled());
    const all = first.concat(second);
    assert.equal(new Set(all).size, 23);
    assert.ok(all.includes(ids.a) && all.includes(ids.b) && !all.includes(ids.other));
    await axe(page, 'the second page of results');
    await page.goBack();
    await page.locator('#pager-page', { hasText: 'Trang 1' }).waitFor();
  });

  await step('may-tinh-bang', 'leader', async (page) => {
    // A tablet held upright: the search fits the width.
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.goto(`${srv.url}/can-bo/van-ban/tim-kiem?q=to+kiem+tra`);
    await page.locator(`#result-list li[data-id="${ids.a}"]`).waitFor();
    assert.equal(await mainOverflowX(page), 0, 'the search fits a tablet');
  });
});
