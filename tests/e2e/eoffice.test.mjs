// The e-office as one unit uses it (issue 9, "Done when"), on the pages, with the demo
// officers of Phường Hạc Thành: the specialist has drafted a Quyết định and a Công văn and the
// leader has approved them (set up through the API, with the unit's list of work records);
// then, in the browser, the leader signs both at once from the signing queue, the clerk
// (văn thư) issues them (01/QĐ-UBND, 02/UBND-VP) and registers a công văn that Phường Quảng
// Phú sent (số đến 1), the leader assigns it to the specialist, the specialist opens the
// year's work record and files the Quyết định and the incoming công văn into it (after
// drafting a decision of the ward's council in its own number series), and finds
// all three by typing without diacritics. pdfsig, trusting only the demo root, finds the
// issued Quyết định's two signatures (the leader's, then the ward's seal) valid and trusted.
// axe-core checks the pages on the way.
//
// Screenshots go to test-results/e2e-eoffice/.
// Run: node --test tests/e2e/eoffice.test.mjs

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, COMMUNE, COMMUNE2, DEMO_OFFICERS, Client, motcua, samplePdf, sqlValue, startServer, totp } from '../api/lib/server.mjs';
import { giveOfficialKey } from '../api/lib/keys.mjs';
import { nssTrusting, pdfsig } from '../api/lib/pdf.mjs';
import { axe, browserTest, localDay, ok } from './lib/browser.mjs';

const S = DEMO_OFFICERS.specialist;
const L = DEMO_OFFICERS.leader;
const C = DEMO_OFFICERS.clerk;
const QD = 'Về việc thành lập Ban tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2026';
const CV = 'V/v đề nghị các khu phố chuẩn bị Ngày hội Đại đoàn kết toàn dân tộc';
const IN = 'V/v phối hợp tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2026';
const RECORD = 'Hồ sơ tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2026';
const BOARD = 'Hội đồng Thi đua - Khen thưởng phường Hạc Thành';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-e2e-eoffice-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const e2e = browserTest({
  shots: path.join(ROOT, 'test-results', 'e2e-eoffice'),
  start: () => startServer(null),
});
const { step } = e2e;

/** An API session; codeStep: which half minute's one-time code (each is good for one login). */
async function session(who, codeStep = 0) {
  const c = new Client(e2e.srv.url);
  if (!who.secret) {
    await c.login(who.login, who.password);
    return c;
  }
  ok(await c.post('/api/v1/auth/login', { login: who.login, password: who.password, totp: totp(who.secret, Date.now(), codeStep) }));
  return c;
}

/** Confirms the action `name` on a document's page: its button, then the dialog's. */
async function act(page, name, done = `Đã thực hiện: ${name}`) {
  await page.locator('#actions').getByRole('button', { name, exact: true }).click();
  const dlg = page.locator('#action-dialog[open]');
  await dlg.waitFor();
  await dlg.getByRole('button', { name, exact: true }).click();
  await page.locator('#action-ok', { hasText: done }).waitFor();
  await page.locator('#action-dialog').waitFor({ state: 'hidden' });
}

/** Drafts a document with its body and submits it; returns its id. */
async function drafted(specialist, draft, text) {
  const id = ok(await specialist.post('/api/v1/documents', draft), 201).document.id;
  ok(await specialist.req('PUT', `/api/v1/documents/${id}/body/du-thao.pdf`, { body: samplePdf(text), type: 'application/pdf' }));
  ok(await specialist.post(`/api/v1/documents/${id}/submit`, {}));
  return id;
}

test('a ward drafts, signs, issues, receives, assigns, files and finds its documents on the pages', { timeout: 400000 }, async () => {
  const { srv } = e2e;
  const id = (q) => Number(sqlValue(srv.dataDir, q));
  const unit = id(`SELECT id FROM units WHERE code = '${COMMUNE}'`);
  const ward2 = id(`SELECT id FROM units WHERE code = '${COMMUNE2}'`);
  const leaderId = id(`SELECT id FROM accounts WHERE login = '${L.login}'`);
  const year = Number(localDay().iso.slice(0, 4));

  // Phường Quảng Phú sends Hạc Thành a công văn through the platform.
  const QP = {
    specialist: { login: 'cv.quangphu', name: 'Phạm Thị Chuyên', password: 'mat-khau-can-bo', role: 'specialist' },
    leader: { login: 'ld.quangphu', name: 'Trịnh Văn Lãnh', password: 'mat-khau-can-bo', role: 'leader' },
    clerk: { login: 'vt.quangphu', name: 'Lê Thị Văn', password: 'mat-khau-can-bo', role: 'clerk' },
  };
  for (const o of Object.values(QP)) {
    const add = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', o.login, '--name', o.name,
      '--password', o.password, '--role', o.role, '--unit', COMMUNE2, '--no-totp']);
    assert.equal(add.status, 0, add.stderr);
  }
  giveOfficialKey(srv.dataDir, QP.leader.login, COMMUNE2, QP.leader.name);
  const qp = { specialist: await session(QP.specialist), leader: await session(QP.leader), clerk: await session(QP.clerk) };
  const sent = await drafted(qp.specialist, {
    unit_id: ward2, type: 'cong_van', department: 'VP', summary: IN, priority: 'khan',
    signer_id: id(`SELECT id FROM accounts WHERE login = '${QP.leader.login}'`), signer_title: 'CHỦ TỊCH', recipients_internal: [unit],
  }, 'Cong van phoi hop to chuc Ngay hoi Dai doan ket');
  ok(await qp.leader.post(`/api/v1/documents/${sent}/review`, { decision: 'approve' }));
  ok(await qp.leader.post(`/api/v1/documents/${sent}/sign`, {}));
  const sentNotation = ok(await qp.clerk.post(`/api/v1/documents/${sent}/issue`, {})).document.notation;
  const inId = id(`SELECT id FROM documents WHERE source_id = ${sent} AND unit_id = ${unit}`);

  // Hạc Thành: the year's list of work records, approved; a Quyết định and a Công văn
  // drafted and approved.
  const specialist = await session(S);
  const leader = await session(L);
  ok(await specialist.post('/api/v1/records/lists/entries', { unit_id: unit, year, code: '01.VP', title: RECORD, retention: 10 }), 201);
  ok(await leader.post('/api/v1/records/lists/approve', { unit_id: unit, year }));
  const base = { unit_id: unit, priority: 'thuong', signer_id: leaderId, signer_title: 'CHỦ TỊCH' };
  const qd = await drafted(specialist, { ...base, type: 'quyet_dinh', summary: QD, recipients_external: 'Như Điều 3;\nLưu: VT.' },
    'Quyet dinh thanh lap Ban to chuc Ngay hoi Dai doan ket toan dan toc');
  const cv = await drafted(specialist, { ...base, type: 'cong_van', department: 'VP', summary: CV },
    'Cong van de nghi cac khu pho chuan bi Ngay hoi');
  for (const d of [qd, cv]) ok(await leader.post(`/api/v1/documents/${d}/review`, { decision: 'approve' }));
  // The ward's Emulation and Commendation Council numbers its decisions apart.
  ok(await leader.post('/api/v1/documents/series', { unit_id: unit, code: 'hdtdkt', name: BOARD, abbreviation: 'HĐTĐKT' }), 201);

  await step('lanh-dao-ky-hai-van-ban', 'leader', async (page) => {
    // The API session used this half minute's code: the browser takes the next one.
    await e2e.officerLogin(page, L, { code: (o) => totp(o.secret, Date.now(), 1) });
    await page.goto(`${srv.url}/can-bo/van-ban`);
    await page.locator('#sign-queue:not([hidden])').click();
    await page.getByLabel(`Chọn văn bản: ${QD}`).check();
    await page.getByLabel(`Chọn văn bản: ${CV}`).check();
    await page.locator('#sign-selected').click();
    const dlg = page.locator('#sign-dialog[open]');
    await dlg.waitFor();
    await axe(page, 'the signing confirmation');
    await dlg.getByRole('button', { name: 'Ký 2 văn bản', exact: true }).click();
    await page.locator('#sign-outcome', { hasText: 'Đã ký 2 văn bản' }).waitFor();
    assert.deepEqual((await page.locator('#sign-results li').evaluateAll((ls) => ls.map((l) => [Number(l.dataset.id), l.dataset.result]))).sort(),
      [[qd, 'signed'], [cv, 'signed']].sort());
  });

  await step('van-thu-phat-hanh', 'clerk', async (page) => {
    await e2e.officerLogin(page, C);
    for (const [doc, notation] of [[qd, '01/QĐ-UBND'], [cv, '02/UBND-VP']]) {
      await page.goto(`${srv.url}/can-bo/van-ban/xem?id=${doc}`);
      await act(page, 'Phát hành');
      assert.equal((await page.locator('#doc-notation').innerText()).trim(), notation);
    }
    await axe(page, 'an issued document');
  });

  await step('van-thu-vao-so-van-ban-den', 'clerk', async (page) => {
    await page.locator('#staff-nav').getByRole('link', { name: 'Văn bản đến' }).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban-den');
    await page.locator(`#incoming tr[data-id="${inId}"] a.doc-open`).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban-den/xem');
    await page.locator('#signature-result').waitFor();
    await act(page, 'Vào sổ văn bản đến');
    assert.equal((await page.locator('#in-number').innerText()).trim(), '1');
    await axe(page, 'the registered incoming document');
  });

  await step('lanh-dao-phan-cong', 'leader', async (page) => {
    await page.goto(`${srv.url}/can-bo/van-ban-den/xem?id=${inId}`);
    const form = page.locator('#assign-form');
    await form.waitFor();
    await form.getByLabel('Cán bộ chủ trì').selectOption({ label: S.name });
    await form.getByLabel('Ý kiến chỉ đạo').fill('Giao chuyên viên chủ trì, tham mưu kế hoạch phối hợp.');
    await form.getByLabel('Hạn xử lý').fill(localDay(5).iso);
    await form.getByRole('button', { name: 'Giao xử lý' }).click();
    await page.locator('#action-ok', { hasText: 'Đã giao xử lý' }).waitFor();
    assert.equal((await page.locator('#in-lead').innerText()).trim(), S.name);
  });

  await step('chuyen-vien-du-thao-hoi-dong', 'specialist', async (page) => {
    await e2e.officerLogin(page, S, { code: (o) => totp(o.secret, Date.now(), 1) });
    await page.goto(`${srv.url}/can-bo/van-ban/soan`);
    const form = page.locator('#draft-form');
    await form.waitFor();
    await form.getByLabel('Hệ thống số').selectOption('hdtdkt');
    await form.getByLabel('Loại văn bản').selectOption('quyet_dinh');
    await form.getByLabel('Trích yếu nội dung').fill('Về việc khen thưởng các khu phố tổ chức tốt Ngày hội');
    await form.getByLabel('Người ký').selectOption(String(leaderId));
    await axe(page, 'the draft form with a board\'s series');
    await page.locator('#save-draft').click();
    await page.waitForURL((u) => u.pathname === '/can-bo/van-ban/xem');
    const draftId = Number(new URL(page.url()).searchParams.get('id'));
    assert.equal((await page.locator('#doc-issuer').innerText()).trim(), `${BOARD} (Phường Hạc Thành)`);
    const res = await page.request.get(`${srv.url}/api/v1/documents/${draftId}`);
    const doc = (await res.json()).document;
    assert.deepEqual([doc.type, doc.series && doc.series.abbreviation], ['quyet_dinh', 'HĐTĐKT']);
  });

  await step('chuyen-vien-lap-ho-so', 'specialist', async (page) => {
    await page.locator('#staff-nav').getByRole('link', { name: 'Hồ sơ công việc' }).click();
    await page.getByRole('button', { name: 'Lập hồ sơ 01.VP' }).click();
    const dlg = page.locator('#action-dialog[open]');
    await dlg.waitFor();
    await dlg.getByRole('button', { name: 'Lập hồ sơ theo danh mục', exact: true }).click();
    await page.locator('#record-title', { hasText: RECORD }).waitFor();
    const form = page.locator('#attach-form');
    for (const notation of ['01/QĐ-UBND', sentNotation]) {
      await form.getByLabel('Số, ký hiệu hoặc mã hồ sơ').fill(notation);
      await page.locator('#attach').click();
      await page.locator('#action-ok', { hasText: 'Đã đưa vào hồ sơ' }).waitFor();
    }
    const rows = page.locator('#items tbody tr');
    await rows.nth(1).waitFor();
    assert.match(await rows.nth(0).innerText(), /Văn bản đi[\s\S]*01\/QĐ-UBND/);
    assert.match(await rows.nth(1).innerText(), /Văn bản đến/);
    await axe(page, 'the work record with its documents');
  });

  await step('chuyen-vien-tim-khong-dau', 'specialist', async (page) => {
    await page.goto(`${srv.url}/can-bo/van-ban/tim-kiem`);
    await page.getByLabel('Từ khóa').fill('ngay hoi dai doan ket');
    await page.locator('#search-submit').click();
    await page.locator(`#result-list li[data-id="${inId}"]`).waitFor();
    const found = await page.locator('#result-list li').evaluateAll((ls) => ls.map((l) => Number(l.dataset.id)));
    assert.deepEqual([...found].sort((a, b) => a - b), [qd, cv, inId].sort((a, b) => a - b), 'the ward\'s three documents, and not Quảng Phú\'s own');
    await axe(page, 'the search results');
  });

  // The issued Quyết định, downloaded by the clerk: the leader's signature and the ward's
  // seal, valid and trusted.
  await step('van-thu-tai-quyet-dinh', 'clerk', async (page) => {
    const res = await page.request.get(`${srv.url}/api/v1/documents/${qd}/file`);
    assert.equal(res.status(), 200);
    fs.writeFileSync(path.join(scratch, 'quyet-dinh.pdf'), await res.body());
    fs.writeFileSync(path.join(scratch, 'root.pem'), sqlValue(srv.dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
    nssTrusting(path.join(scratch, 'nss'), path.join(scratch, 'root.pem'));
    const ps = pdfsig(path.join(scratch, 'quyet-dinh.pdf'), path.join(scratch, 'nss'));
    assert.equal(ps.sigs.length, 2, ps.out);
    assert.ok(ps.sigs.every((s) => s.valid && s.trusted), ps.out);
    assert.equal(ps.sigs[0].name, L.name, ps.out);
  });
});
