// Browser test of the desk (Bộ phận một cửa): the reception officer registers a walk-in
// birth registration through /can-bo/tiep-nhan (procedure, applicant with the citizen's ID
// number, the declaration, a scanned PDF), registers it and prints the receipt (a PDF that
// names her); on another dossier, made late by moving its appointment into the past, she
// sends an apology letter with a new appointment, and the citizen sees the new date beside
// the first one and downloads the letter; once the walk-in is approved she opens the result
// and returns it, and the citizen, who claimed the walk-in online with the receipt's claim
// code, downloads the result PDF.
//
// Starts the real server on a free port with a fresh data directory (binary from MOTCUA_BIN,
// default build/motcua) and drives Debian's chromium with playwright-core (lib/browser.mjs);
// one context per person. Screenshots of every step at 1440 px go to test-results/e2e-desk/
// (failure-*.png when a step fails). PDFs are read with pdftotext (poppler-utils).
// Run: node --test tests/e2e/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, startServer, newCitizen, readyBirthDraft, birthForm, samplePdf, sql, COMMUNE, BIRTH, DEMO_OFFICERS,
} from '../api/lib/server.mjs';
import { browserTest, queueRow, stateText, overflowX, pdfText, localDay, failedResource } from './lib/browser.mjs';

// The demo officers of Phường Hạc Thành, with their TOTP secrets, from the seed file.
const OFFICERS = DEMO_OFFICERS;

const e2e = browserTest({ shots: path.join(ROOT, 'test-results', 'e2e-desk'), start: () => startServer(null) });
const { step } = e2e;

test('the desk registers a walk-in, prints the receipt, apologizes for a late dossier; the citizen follows', { timeout: 300000 }, async () => {
  const { srv } = e2e;
  const R = OFFICERS.reception;
  const L = OFFICERS.leader;
  const S = OFFICERS.specialist;
  // The applicant has an account on the portal. The walk-in is not linked to it by the ID
  // number (typed in at registration, it proves nothing): the receipt's claim code does it.
  const citizen = await newCitizen(srv.url, { full_name: 'Lê Văn Hùng' });
  const A = { citizen_id: citizen.person.citizen_id, name: 'Lê Văn Hùng', phone: '0903123456', address: 'Số 12 phố Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa' };
  const form = birthForm({ requester_id_number: A.citizen_id, child_name: 'Lê Minh Khôi' });
  let walkId = null;
  let walkCode = null;
  let claimCode = null;

  await step('dang-nhap', 'reception', async (page) => {
    await e2e.officerLogin(page, R);
    await page.locator('#nav-walkin:visible').waitFor();
  });

  await step('chon-thu-tuc', 'reception', async (page) => {
    await page.click('#nav-walkin');
    await page.waitForURL((u) => u.pathname === '/can-bo/tiep-nhan');
    assert.equal(await page.locator('#nav-walkin').getAttribute('aria-current'), 'page');
    await page.locator('#proc-results .proc-option').first().waitFor();
    // Moving on without a procedure is refused on the page.
    await page.click('#next');
    await page.locator('#proc-field.has-error').waitFor();
    await page.fill('#proc-q', 'khai sinh'); // without diacritics is fine too; the catalogue search folds them
    await page.locator(`#proc-results .proc-option[data-code="${BIRTH}"]`).click();
    await page.locator('#proc-chosen', { hasText: 'Đăng ký khai sinh' }).waitFor();
    assert.match(await page.locator('#unit-fixed').innerText(), /Phường Hạc Thành/);
    assert.ok(await page.locator('#channel-desk').isChecked(), 'at the desk by default');
    assert.match(await page.locator('#walkin-summary').innerText(), /Đăng ký khai sinh[\s\S]*Phường Hạc Thành[\s\S]*Trực tiếp/);
  });

  await step('nguoi-nop', 'reception', async (page) => {
    await page.click('#next');
    await page.locator('#applicant-form').waitFor();
    assert.match(await page.locator('#ap-citizen_id-hint').innerText(), /tài khoản/);
    await page.fill('#ap-citizen_id', '12345'); // a wrong ID number is caught before anything is created
    await page.fill('#ap-name', A.name);
    await page.click('#next');
    await page.locator('.field.has-error #ap-citizen_id').waitFor();
    assert.equal(new URL(page.url()).searchParams.get('id'), null, 'no draft yet');
    await page.fill('#ap-citizen_id', A.citizen_id);
    await page.fill('#ap-phone', A.phone);
    await page.fill('#ap-address', A.address);
  });

  await step('to-khai', 'reception', async (page) => {
    await page.click('#next');
    await page.waitForURL(/\/can-bo\/tiep-nhan\?id=\d+/);
    walkId = Number(new URL(page.url()).searchParams.get('id'));
    await page.locator('#eform').waitFor();
    // The requester's fields come from the applicant step.
    assert.equal(await page.inputValue('#eform [name="requester_name"]'), A.name);
    assert.equal(await page.inputValue('#eform [name="requester_id_number"]'), A.citizen_id);
    assert.equal(await page.inputValue('#eform [name="requester_phone"]'), A.phone);
    await page.locator('#prefill-note').waitFor();
    for (const [name, value] of Object.entries(form)) {
      const input = page.locator(`#eform [name="${name}"]`);
      const tag = await input.evaluate((n) => n.tagName + (n.type === 'checkbox' ? ':checkbox' : ''));
      if (tag === 'SELECT') await input.selectOption(String(value));
      else if (tag === 'INPUT:checkbox') { if (value) await input.check(); }
      else await input.fill(String(value));
    }
  });

  await step('giay-to', 'reception', async (page) => {
    await page.click('#next');
    const box = page.locator('[data-doc="giay_chung_sinh"]');
    await box.waitFor();
    // The declaration typed in stands for the paper form: no scan required.
    assert.match(await page.locator('[data-doc="to_khai"] .doc-state').innerText(), /Đã nhập tờ khai/);
    await page.click('#next'); // the birth certificate is missing: refused on the page
    await page.locator('[data-doc="giay_chung_sinh"].has-error').waitFor();
    await box.locator('input[type=file]').setInputFiles({ name: 'Giấy chứng sinh.pdf', mimeType: 'application/pdf', buffer: samplePdf() });
    await box.locator('.file-row[data-file="giay-chung-sinh.pdf"]').waitFor();
    assert.match(await box.locator('.doc-state').innerText(), /Đã quét 1 tệp/);
    assert.match(await page.locator('#walkin-summary').innerText(), /1\/1 đã quét/);
  });

  await step('xem-lai', 'reception', async (page) => {
    await page.click('#next');
    await page.locator('#register').waitFor();
    const text = await page.locator('section[data-step="5"]').innerText();
    for (const want of [A.name, A.citizen_id, 'Trực tiếp', form.child_name, 'giay-chung-sinh.pdf']) assert.ok(text.includes(want), `the review shows ${want}`);
  });

  await step('da-tiep-nhan', 'reception', async (page) => {
    await page.click('#register');
    await page.waitForURL(/\/can-bo\/ho-so\?id=\d+$/);
    await page.locator('#registered').waitFor();
    walkCode = (await page.locator('#dossier-code').innerText()).trim();
    assert.match(walkCode, /^000\.01\.90\.H56-\d{6}-\d{4}$/);
    claimCode = (await page.locator('#registered-claim').innerText()).trim();
    assert.match(claimCode, /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    assert.match(await stateText(page), /tiếp nhận/i);
    assert.match(await page.locator('#national-status').innerText(), /2 – Được tiếp nhận/);
    const hist = await page.locator('#history-list').innerText();
    assert.ok(hist.includes(R.name), 'the history names the officer');
    assert.match(hist, /Tiếp nhận hồ sơ/);
    // The big button prints the receipt: a PDF naming the officer who received it.
    const href = await page.locator('#print-receipt-big').getAttribute('href');
    assert.equal(href, `/api/v1/staff/dossiers/${walkId}/receipt.pdf`);
    assert.equal(await page.locator('#print-receipt-big').getAttribute('target'), '_blank');
    const text = await pdfText(page, href);
    for (const want of ['GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ', R.name, A.name, walkCode, 'Trực tiếp', claimCode]) {
      assert.ok(text.includes(want), `the receipt shows "${want}":\n${text}`);
    }
    assert.equal(await page.locator('#papers #print-receipt').getAttribute('href'), href);
  });

  // A second dossier, submitted online by the same citizen, becomes late.
  const draft = await readyBirthDraft(citizen, COMMUNE, { child_name: 'Lê Minh Anh' });
  const sub = await citizen.post(`/api/v1/dossiers/${draft.id}/submit`, {});
  assert.equal(sub.status, 200, sub.text);
  const late = sub.json;
  // As time would: its (first) appointment passed two hours ago.
  const passed = Math.floor(Date.now() / 1000) - 2 * 3600;
  sql(srv.dataDir, `UPDATE dossiers SET due_at = ${passed}, first_due_at = ${passed} WHERE id = ${late.id}`);
  const newDay = localDay(4);
  const REASON = 'Chờ xác minh thông tin nơi sinh với bệnh viện';

  await step('qua-han', 'reception', async (page) => {
    await page.goto(`${srv.url}/can-bo/?view=overdue`);
    await queueRow(page, late.code).waitFor();
    await queueRow(page, late.code).locator('a.q-code').click();
    await page.locator('#dossier-code', { hasText: late.code }).waitFor();
    assert.match(await page.locator('#apology-cta').innerText(), /quá hạn/);
    assert.equal(await page.locator('#first-due').count(), 0, 'one appointment so far');
  });

  await step('xin-loi-hop-thoai', 'reception', async (page) => {
    await page.click('#apologize');
    const dlg = page.locator('#apology-dialog[open]');
    await dlg.waitFor();
    await dlg.locator('#apology-confirm').click(); // no reason: refused on the page
    await dlg.locator('.field.has-error #apology-reason').waitFor();
    await dlg.locator('#new-date').fill(newDay.iso);
    await dlg.locator('#new-time').fill('16:00');
    await dlg.locator('#apology-reason').fill(REASON);
  });

  await step('xin-loi-da-lap', 'reception', async (page) => {
    await page.locator('#apology-dialog #apology-confirm').click();
    await page.locator('#action-ok').waitFor();
    assert.equal(await page.locator('#apology-dialog[open]').count(), 0, 'the dialog closed');
    assert.ok((await page.locator('#due-at').innerText()).includes(`${newDay.vn} 16:00`), 'the new appointment');
    await page.locator('#first-due').waitFor();
    assert.equal(await page.locator('#apology-list li').count(), 1);
    assert.ok((await page.locator('#apology-list').innerText()).includes(REASON));
    const href = await page.locator('#apology-list a.apology-link').getAttribute('href');
    assert.equal(href, `/api/v1/staff/dossiers/${late.id}/apologies/1`);
    assert.match(await pdfText(page, href), /PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ/);
    assert.equal(await page.locator('#apology-cta').count(), 0, 'no longer due within a day');
  });

  await step('cong-dan-thu-xin-loi', 'citizen', async (page) => {
    await e2e.citizenLogin(page, citizen.person.citizen_id, citizen.person.password);
    await page.goto(`${srv.url}/ho-so?id=${late.id}`);
    await page.locator('#apologies').waitFor();
    assert.ok((await page.locator('#due-at').innerText()).includes(`16:00 ngày ${newDay.vn}`), 'the citizen sees the new date');
    assert.match(await page.locator('#first-due').innerText(), /Hẹn lần đầu/);
    assert.ok((await page.locator('#apology-list').innerText()).includes(REASON));
    const href = await page.locator('#apology-list a').getAttribute('href');
    assert.equal(href, `/api/v1/dossiers/${late.id}/apologies/1`);
    const text = await pdfText(page, href);
    for (const want of ['PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ', late.code, REASON]) assert.ok(text.includes(want), `the letter shows "${want}":\n${text}`);
  });

  await step('cong-dan-nhan-ho-so', 'citizen', async (page) => {
    // Not among the citizen's dossiers until claimed with the receipt's codes.
    await page.goto(`${srv.url}/ho-so-cua-toi`);
    await page.locator('#claim-form').waitFor();
    assert.ok(!(await page.locator('#content').innerText()).includes(walkCode), 'not linked by the ID number');
    await page.fill('#claim-dossier', walkCode);
    await page.fill('#claim-code', 'ABCD-EFGH'); // a wrong code is refused on the page
    e2e.expectConsoleError(failedResource(404), /\/api\/v1\/dossiers\/claim$/); // the refusal asked for
    await page.click('#claim-submit');
    await page.locator('.field.has-error #claim-code').waitFor();
    await page.fill('#claim-code', claimCode.toLowerCase());
    await page.click('#claim-submit');
    await page.waitForURL((u) => u.pathname === '/ho-so' && u.searchParams.get('id') === String(walkId));
  });

  await step('cong-dan-ho-so-truc-tiep', 'citizen', async (page) => {
    // The walk-in is now among the citizen's dossiers, received at the desk.
    await page.goto(`${srv.url}/ho-so?id=${walkId}`);
    await page.locator('#dossier-code', { hasText: walkCode }).waitFor();
    assert.match(await page.locator('#channel').innerText(), /Trực tiếp/);
    assert.equal(await page.locator('#result').count(), 0, 'no result yet');
  });

  // The leader assigns, the specialist proposes, the leader approves (through the API).
  const leader = await e2e.apiLogin(L);
  const specialist = await e2e.apiLogin(S);
  const act = async (c, action, body = {}) => {
    const r = await c.post(`/api/v1/staff/dossiers/${walkId}/actions/${action}`, body);
    assert.equal(r.status, 200, `${action}: ${r.text}`);
  };
  await act(leader, 'assign', { assignee: S.login });
  await act(specialist, 'propose');
  await act(leader, 'approve');

  await step('xem-ket-qua', 'reception', async (page) => {
    await page.goto(`${srv.url}/can-bo/ho-so?id=${walkId}`);
    await page.locator('#dossier-code', { hasText: walkCode }).waitFor();
    assert.match(await stateText(page), /Đã xử lý xong/);
    const text = await pdfText(page, await page.locator('#view-result').getAttribute('href'));
    assert.ok(text.includes(form.child_name), 'the result names the child');
  });

  await step('tra-ket-qua', 'reception', async (page) => {
    await page.click('#actions [data-action="return_result"]');
    const dlg = page.locator('#action-dialog[open]');
    await dlg.waitFor();
    await dlg.locator('#action-confirm').click();
    await page.locator('#action-ok').waitFor();
    assert.match(await stateText(page), /Đã trả kết quả/);
    await page.locator('#view-result').waitFor();
  });

  await step('cong-dan-tai-ket-qua', 'citizen', async (page) => {
    await page.goto(`${srv.url}/ho-so?id=${walkId}`);
    await page.locator('#result-ready').waitFor();
    const href = await page.locator('#result').getAttribute('href');
    assert.equal(href, `/api/v1/dossiers/${walkId}/result.pdf`);
    const text = await pdfText(page, href);
    for (const want of ['TRÍCH LỤC KHAI SINH', form.child_name, `Số: ${walkCode}`]) assert.ok(text.includes(want), `the result shows "${want}":\n${text}`);
  });

  await step('cong-dan-danh-gia', 'citizen', async (page) => {
    // With the result in hand, the citizen rates the service.
    await page.locator('#rating-form').waitFor();
    await page.locator('#rate').click();
    await page.locator('#level-error').filter({ hasText: /.+/ }).waitFor();
    await page.locator('input[name="level"][value="rat_hai_long"]').check();
    await page.fill('#rating-comment', 'Cán bộ hướng dẫn tận tình');
    await page.locator('#rate').click();
    await page.locator('#rating-done').waitFor();
    const r = await page.evaluate(async (id) => (await fetch(`/api/v1/dossiers/${id}/rating`)).json(), walkId);
    assert.equal(r.rating.level, 'rat_hai_long');
    assert.equal(r.rating.comment, 'Cán bộ hướng dẫn tận tình');
  });

  await step('dang-nhap-do', 'reception', async (page) => {
    // A walk-in left half-way is found again on the registration page.
    await page.goto(srv.url + '/can-bo/tiep-nhan');
    await page.fill('#proc-q', 'khai sinh');
    await page.locator(`#proc-results .proc-option[data-code="${BIRTH}"]`).click();
    await page.click('#channel-post');
    await page.click('#next');
    await page.fill('#ap-name', 'Hoàng Thị Lan');
    await page.click('#next');
    await page.waitForURL(/\/can-bo\/tiep-nhan\?id=\d+/);
    await page.locator('#eform').waitFor();
    await page.goto(srv.url + '/can-bo/tiep-nhan');
    await page.locator('#drafts li', { hasText: 'Hoàng Thị Lan' }).waitFor();
  });

  await step('dien-thoai', 'reception', async (page) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(srv.url + '/can-bo/tiep-nhan');
    await page.locator('#proc-results .proc-option').first().waitFor();
    const overflow = await overflowX(page);
    assert.ok(overflow <= 0, `the registration page fits a phone's width (overflow ${overflow}px)`);
    await page.goto(`${srv.url}/can-bo/ho-so?id=${late.id}`);
    await page.locator('#apology-list').waitFor();
    const overflow2 = await overflowX(page);
    assert.ok(overflow2 <= 0, `the dossier fits a phone's width (overflow ${overflow2}px)`);
  });

  await step('tinh-chon-xa', 'admin', async (page) => {
    // The province's administrator registers walk-ins for any unit below the province: for a
    // commune procedure, the page asks which of its units are under the province (a page of
    // GET /units?procedure=&under=) and never reads the whole tree of some 1,400 units.
    await e2e.officerLogin(page, OFFICERS.province_admin);
    const unitReads = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/v1/units') unitReads.push(new URL(r.url()).searchParams); });
    await page.goto(srv.url + '/can-bo/tiep-nhan');
    await page.fill('#proc-q', 'khai sinh');
    await page.locator(`#proc-results .proc-option[data-code="${BIRTH}"]`).click();
    const communes = sql(srv.dataDir, "SELECT count(*) AS n FROM units WHERE level = 'commune'")[0].n;
    await page.locator('#unit-box [role="combobox"]').click();
    await page.locator('#unit-box [role="combobox"]').fill('hac thanh');
    await page.locator('#unit-box [role="option"]', { hasText: 'Phường Hạc Thành' }).first().waitFor();
    assert.ok(unitReads.length >= 1, 'the units were asked of the server');
    for (const q of unitReads) assert.deepEqual([q.get('procedure'), q.get('under')], [BIRTH, '000.00.00.H56'], String(q));
    assert.ok(unitReads.length <= Math.ceil(communes / 200), `${unitReads.length} pages for ${communes} communes`);
  });

});
