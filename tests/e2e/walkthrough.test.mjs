// Browser test that follows docs/walkthrough.md step by step, through the pages only: the
// demo citizen (038095001234) finds "Cấp bản sao Trích lục hộ tịch" (8.000 đồng), submits it
// to Phường Hạc Thành and downloads the receipt; reception asks for a supplement, the citizen
// answers it with a scan and a note, reception sees the file and accepts; the leader assigns
// the specialist; the specialist asks for the fee; the citizen pays online through the local
// test gateway; the specialist attaches the signed result document and proposes, the leader
// approves, reception finds the dossier under "Chờ trả kết quả" and returns the result; the
// citizen downloads the result and the attached document (the bytes uploaded, then the
// signatures the approval added) and rates the
// service; a visitor follows the dossier on the public lookup; the citizen complains about
// the dossier, the leader assigns the complaint, the specialist answers, the citizen rates the
// answer; the leader reads the dashboard, drills down to the dossier and opens the payment
// reconciliation; the province administrator sees the province's figures; the report command
// of the document runs.
//
// The button and link texts the document quotes are found by their text (DOC below), so a
// renamed button breaks this test and the document has to follow. The API and the database
// are read only to check results; officers' one-time codes come from the command the
// document names (`motcua user totp-code`).
//
// Starts the real server as `make run` does (`motcua serve --test-gateway`, binary from
// MOTCUA_BIN, default build/motcua) on a free port with a fresh `init --demo` data directory
// and drives Debian's chromium with playwright-core (lib/browser.mjs), one context (own
// cookies) per person.
// Screenshots: /tmp/walk-NN-*.png (/tmp/walk-failure-*.png when a step fails).
// Run: node --test tests/e2e/walkthrough.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { BIN, COMMUNE, PROVINCE, DEMO_CITIZEN, DEMO_OFFICERS, sql, samplePdf } from '../api/lib/server.mjs';
import { browserTest, startGatewayServer, queueRow, stateText, pdfText } from './lib/browser.mjs';

const C = DEMO_CITIZEN;
const R = DEMO_OFFICERS.reception;
const L = DEMO_OFFICERS.leader;
const S = DEMO_OFFICERS.specialist;
const A = DEMO_OFFICERS.province_admin;

// The words of docs/walkthrough.md, as the pages must show them.
const DOC = {
  procedure: 'Cấp bản sao Trích lục hộ tịch',
  fee: '8.000 đồng',
  unit: 'Phường Hạc Thành',
  login: 'Đăng nhập',
  apply: 'Nộp hồ sơ trực tuyến',
  receipt: 'Tải Giấy tiếp nhận (PDF)',
  viewNew: 'Mới tiếp nhận',
  sideViews: ['Đến hạn hôm nay', 'Sắp đến hạn', 'Quá hạn', 'Chờ bổ sung'],
  supplement: 'Yêu cầu bổ sung',
  paused: 'Tạm dừng',
  myDossiers: 'Hồ sơ của tôi',
  supplyFiles: 'Tệp bổ sung',
  supplyFile: 'Chọn tệp bổ sung',
  supplyFor: 'Bổ sung cho giấy tờ',
  otherDocument: 'Giấy tờ khác',
  otherFiles: 'Tệp khác',
  supplied: 'Đã bổ sung',
  supplyAtDesk: 'Nhận bổ sung tại quầy',
  accept: 'Tiếp nhận hồ sơ',
  assign: 'Phân công xử lý',
  viewToAssign: 'Chờ phân công',
  requestFee: 'Yêu cầu nộp phí, lệ phí',
  pay: 'Nộp phí, lệ phí',
  payOnline: 'Thanh toán trực tuyến',
  propose: 'Trình lãnh đạo',
  approve: 'Phê duyệt kết quả',
  results: 'Kết quả giải quyết',
  resultFile: 'Chọn tệp kết quả',
  attached: 'Văn bản kết quả đính kèm',
  download: 'Tải về',
  viewApproval: 'Chờ phê duyệt',
  viewToReturn: 'Chờ trả kết quả',
  returnResult: 'Trả kết quả',
  viewResult: 'Xem kết quả',
  result: 'Tải kết quả (PDF)',
  ratings: ['Rất hài lòng', 'Hài lòng', 'Không hài lòng'],
  lookup: 'Tra cứu',
  complain: 'Gửi phản ánh về hồ sơ này',
  complaintsMenu: 'Phản ánh, kiến nghị',
  excel: 'Tải Excel',
  csv: 'Tải CSV',
};

/* ---------------- the server, as `make run` starts it; the browser ---------------- */

const e2e = browserTest({ shots: '/tmp', prefix: 'walk-', start: () => startGatewayServer() });
const { step } = e2e;

const button = (scope, name) => scope.getByRole('button', { name, exact: true });
const link = (scope, name) => scope.getByRole('link', { name, exact: true });

/** The officer's current one-time code, from the command the document names. */
function totpCode(login) {
  const r = spawnSync(BIN, ['user', 'totp-code', '--data', e2e.srv.dataDir, '--login', login], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, `motcua user totp-code: ${r.stderr}`);
  const m = /\b(\d{6})\b/.exec(r.stdout);
  assert.ok(m, `a six-digit code: ${r.stdout}`);
  return m[1];
}

/** Officer login from the officers' page, which sends a visitor to the login page: the
 * password, then the one-time code the page asks for, with the buttons the document names. */
const officerLogin = (page, who) => e2e.officerLogin(page, who, {
  start: '/can-bo/', code: (o) => totpCode(o.login), submit: (p) => button(p, DOC.login).click(),
});

/** A side view of the officers' queue, by its label. */
async function openView(page, label) {
  await page.locator('#views').getByRole('link', { name: new RegExp(`^${label}(\\s|$)`) }).click();
  await page.locator('#view-title', { hasText: label }).waitFor();
  await page.locator('#queue, #queue-empty').first().waitFor();
}

/** From the queue, open the dossier by its code. */
async function openFromQueue(page, code) {
  await link(queueRow(page, code), code).click();
  await page.waitForURL(/\/can-bo\/ho-so\?id=/);
  await page.locator('#dossier-code', { hasText: code }).waitFor();
}

/** An action of the officers' dossier page: its button, its dialog, the dialog's button of the same name. */
async function act(page, title, fill) {
  await button(page.locator('#actions'), title).click();
  const dlg = page.locator('#action-dialog[open]');
  await dlg.waitFor();
  assert.equal((await dlg.locator('#action-title').innerText()).trim(), title);
  if (fill) await fill(dlg);
  await button(dlg, title).click();
  await page.locator('#action-ok').waitFor();
  assert.equal(await page.locator('#action-dialog[open]').count(), 0, 'the dialog closed');
}

const actionTitles = (page) => page.locator('#actions button[data-action]').allInnerTexts();
const nationalStatus = async (page) => (await page.locator('#national-status').innerText()).trim();

/** GET through the page's session (a check, not a step). */
async function apiGet(page, path) {
  const res = await page.request.get(e2e.srv.url + path);
  assert.equal(res.status(), 200, `${path}: ${res.status()} ${await res.text()}`);
  return res.json();
}

/** "HH:MM ngày DD/MM/YYYY" or "DD/MM/YYYY HH:MM": {weekday (0 Sunday), minutes of the day}. */
function localTime(text) {
  let m = /(\d{2}):(\d{2}) ngày (\d{2})\/(\d{2})\/(\d{4})/.exec(text);
  if (m) m = [m[3], m[4], m[5], m[1], m[2]];
  else {
    m = /(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})/.exec(text);
    assert.ok(m, `a date and time: ${text}`);
    m = m.slice(1);
  }
  const [d, mo, y, h, mi] = m.map(Number);
  return { weekday: new Date(Date.UTC(y, mo - 1, d)).getUTCDay(), minutes: h * 60 + mi, key: `${y}-${mo}-${d} ${h}:${mi}` };
}

/** An appointment falls in the default working sessions (07:00-11:30, 13:30-17:00, Monday to Friday). */
function assertWorkingTime(text) {
  const t = localTime(text);
  assert.ok(t.weekday >= 1 && t.weekday <= 5, `a weekday: ${text}`);
  assert.ok((t.minutes > 7 * 60 && t.minutes <= 11 * 60 + 30) || (t.minutes > 13 * 60 + 30 && t.minutes <= 17 * 60),
    `in working hours, not at lunch: ${text}`);
}

test('docs/walkthrough.md, step by step, through the pages', { timeout: 420000 }, async () => {
  const { srv } = e2e;
  const FORM = {
    requester_name: 'Nguyễn Văn An',
    requester_residence: 'Số 25 phố Phan Chu Trinh, phường Hạc Thành, tỉnh Thanh Hóa',
    requester_id_number: C.login,
    requester_relationship: 'Cha',
    requester_phone: '0912345678',
    subject_name: 'Nguyễn Minh Khang',
    record_office: 'UBND phường Hạc Thành',
    copies_requested: '1',
  };
  const NOTE = 'Đề nghị gửi bản chụp giấy khai sinh của cháu Nguyễn Minh Khang để đối chiếu số, quyển số đăng ký';
  const SUPPLIED = 'Đã gửi kèm bản chụp giấy khai sinh: số 125, quyển số 01/2020';
  // The scan sent with the supplement and the signed result the specialist attaches: the
  // pages give them names the API takes (no diacritics, no spaces), their bytes unchanged.
  const SCAN = { file: 'Giấy khai sinh Nguyễn Minh Khang.pdf', name: 'giay-khai-sinh-nguyen-minh-khang.pdf', bytes: samplePdf('Giay khai sinh - ban chup') };
  const SIGNED = { file: 'Trích lục khai sinh (bản sao) - đã ký.pdf', name: 'trich-luc-khai-sinh-ban-sao-da-ky.pdf', bytes: samplePdf('Trich luc khai sinh - ban sao da ky so') };
  const FEE_NOTE = 'Phí cấp 01 bản sao trích lục khai sinh';
  const COMMENT = 'Nộp và nhận kết quả hoàn toàn trực tuyến, rất thuận tiện';
  const SUBJECT = 'Đề nghị gửi kèm bản giấy khi trả kết quả';
  const CONTENT = 'Tôi đã nhận bản điện tử của trích lục.\nĐề nghị phường cho biết có thể nhận thêm bản giấy tại Bộ phận một cửa không.';
  const ANSWER = 'Ông có thể nhận bản giấy tại Bộ phận một cửa phường Hạc Thành trong giờ hành chính, mang theo thẻ căn cước.';
  let id = null;
  let code = null;
  let dueBefore = null;

  /* ---------- 1. The citizen submits ---------- */

  await step('cong-dan-dang-nhap', 'citizen', async (page) => {
    await page.goto(srv.url + '/');
    await link(page.locator('#account'), DOC.login).click();
    await page.waitForURL((u) => u.pathname === '/dang-nhap');
    await page.fill('#login', C.login);
    await page.fill('#password', C.password);
    await button(page, DOC.login).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.locator('[data-testid="account-name"]', { hasText: C.name }).waitFor();
  });

  await step('tim-thu-tuc', 'citizen', async (page) => {
    await page.getByLabel('Tìm thủ tục hành chính').fill('trich luc'); // without diacritics
    await button(page, 'Tìm kiếm').click();
    await page.locator('#list-summary', { hasText: 'trich luc' }).waitFor();
    await link(page.locator('#proc-list'), DOC.procedure).click();
    await page.waitForURL(/\/thu-tuc\?ma=/);
    await page.locator('#proc-name', { hasText: DOC.procedure }).waitFor();
    await page.locator('#apply').waitFor();
    const facts = await page.locator('dl.facts').first().innerText();
    assert.match(facts, new RegExp(`Phí, lệ phí\\s+${DOC.fee.replace('.', '\\.')}`), 'the fee');
    assert.match(facts, /Thời hạn giải quyết\s+\S+/, 'the time limit');
    const docs = await page.locator('.doc-table tbody tr').allInnerTexts();
    assert.ok(docs.some((t) => /Tờ khai cấp bản sao trích lục hộ tịch/.test(t)), `the documents: ${docs}`);
  });

  await step('chon-co-quan', 'citizen', async (page) => {
    const combo = page.getByRole('combobox', { name: 'Cơ quan giải quyết' });
    await combo.click();
    await combo.fill('Hạc Thành');
    await page.locator('#unit-list').getByRole('option', { name: DOC.unit }).first().click();
    assert.equal(await combo.inputValue(), DOC.unit);
  });

  await step('to-khai', 'citizen', async (page) => {
    await button(page.locator('#apply'), DOC.apply).click();
    await page.waitForURL(/\/nop-ho-so\?id=/);
    await button(page, 'Bắt đầu khai').click();
    await page.locator('[data-step="2"]:not([hidden])').waitFor();
    for (const [name, value] of Object.entries(FORM)) await page.locator(`#eform [name="${name}"]`).fill(value);
    await page.locator('#eform [name="record_type"]').selectOption('khai_sinh');
    await page.locator('#eform [name="commitment"]').check();
  });

  await step('giay-to', 'citizen', async (page) => {
    await button(page, 'Tiếp tục →').click();
    await page.locator('[data-step="3"]:not([hidden])').waitFor();
    // The declaration is the form just filled; the power of attorney is optional: no file to add.
    assert.equal(await page.locator('.doc-upload[data-required="1"]').count(), 0, 'no file is required');
  });

  await step('xem-lai', 'citizen', async (page) => {
    await button(page, 'Tiếp tục →').click();
    await page.locator('[data-step="4"]:not([hidden]) .review-block').first().waitFor();
    const text = await page.locator('[data-step="4"]').innerText();
    for (const want of [DOC.procedure, DOC.unit, FORM.requester_name, FORM.subject_name]) assert.ok(text.includes(want), `the review shows ${want}`);
  });

  await step('nop-ho-so', 'citizen', async (page) => {
    await button(page, 'Tiếp tục →').click();
    await page.locator('[data-step="5"]:not([hidden])').waitFor();
    await button(page, 'Nộp hồ sơ').click();
    await page.waitForURL(/\/ho-so\?id=/);
    await page.locator('#submitted-ok').waitFor();
    id = Number(new URL(page.url()).searchParams.get('id'));
    code = (await page.locator('#dossier-code').innerText()).trim();
    assert.match(code, /^000\.01\.90\.H56-\d{6}-\d{4}$/, 'the dossier code');
    const due = (await page.locator('#due-at').innerText()).trim();
    assert.match(due, /^\d{2}:\d{2} ngày \d{2}\/\d{2}\/\d{4}$/, 'the appointment: an hour and a date');
    assertWorkingTime(due);
    assert.match(await page.locator('#status').innerText(), /Mới đăng ký/);
    const href = await link(page, DOC.receipt).getAttribute('href');
    const text = await pdfText(page, href);
    // The receipt, signed: the QR code to its verification page, and the public lookup's
    // address in words (pdftotext may break the line inside it).
    for (const want of ['GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ', code, DOC.procedure, 'Quét mã để xác thực giấy tiếp nhận', '/xac-thuc/', 'Tra cứu tình trạng hồ sơ:']) {
      assert.ok(text.includes(want), `the receipt shows "${want}":\n${text}`);
    }
    assert.match(text, new RegExp(`/tra-cuu\\?\\s*ma=${code.replace(/\./g, '\\.')}`), 'the lookup address');
  });

  /* ---------- 2. The desk receives it ---------- */

  await step('tiep-nhan-hang-doi', 'reception', async (page) => {
    await officerLogin(page, R);
    assert.equal(await page.locator('#view-new').getAttribute('aria-current'), 'page', 'reception starts on the new dossiers');
    assert.match(await page.locator('#view-title').innerText(), new RegExp(DOC.viewNew));
    await queueRow(page, code).waitFor();
    for (const label of DOC.sideViews) {
      const v = page.locator('#views').getByRole('link', { name: new RegExp(`^${label}(\\s|$)`) });
      assert.equal(await v.count(), 1, `the side view "${label}"`);
      assert.match(await v.locator('.count').innerText(), /^\d+$/, `"${label}" is counted`);
    }
  });

  await step('tiep-nhan-mo-ho-so', 'reception', async (page) => {
    await openFromQueue(page, code);
    assert.ok((await page.locator('#declaration').innerText()).includes(FORM.subject_name), 'the form data');
    await page.locator('#documents').waitFor();
    assert.match(await page.locator('#history-list').innerText(), /Mới đăng ký/);
    const titles = await actionTitles(page);
    for (const t of [DOC.accept, DOC.supplement]) assert.ok(titles.includes(t), `"${t}" offered: ${titles}`);
  });

  await step('yeu-cau-bo-sung', 'reception', async (page) => {
    await act(page, DOC.supplement, (dlg) => dlg.getByLabel('Lý do, nội dung').fill(NOTE));
    assert.match(await stateText(page), /Chờ bổ sung/);
    assert.equal(await page.locator('#clock').getAttribute('data-clock'), 'paused');
    assert.match(await page.locator('#clock').innerText(), new RegExp(`${DOC.paused}[\\s\\S]*Còn .*làm việc`));
    assert.deepEqual(await actionTitles(page), [DOC.supplyAtDesk], 'a paper brought to the desk is recorded there');
    const d = await apiGet(page, `/api/v1/staff/dossiers/${id}`);
    dueBefore = d.due_at;
    // The citizen is told: the message waits in the outbox (no mail relay in the demo).
    const out = sql(srv.dataDir, `SELECT channel, recipient, subject, body, status FROM notify_outbox WHERE dossier_id = ${id} ORDER BY id`);
    const told = out.find((m) => m.body.includes(NOTE));
    assert.ok(told, `a message with the note: ${JSON.stringify(out)}`);
    assert.equal(told.channel, 'email');
    assert.ok(told.subject.includes(code));
    assert.equal(told.status, 'pending');
  });

  await step('cong-dan-bo-sung', 'citizen', async (page) => {
    await link(page.locator('#mainnav'), DOC.myDossiers).click();
    await page.waitForURL((u) => u.pathname === '/ho-so-cua-toi');
    await link(page.locator('.dossier-list'), code).click();
    await page.waitForURL((u) => u.pathname === '/ho-so');
    await page.locator('#supplement-request').waitFor();
    assert.ok((await page.locator('#supplement-note').innerText()).includes(NOTE), 'the citizen reads the request');
    const box = page.getByRole('group', { name: DOC.supplyFiles });
    const docSelect = box.getByLabel(DOC.supplyFor);
    assert.equal(await docSelect.locator('option:checked').innerText(), DOC.otherDocument, 'none of the procedure\'s documents');
    await box.getByLabel(DOC.supplyFile).setInputFiles({ name: SCAN.file, mimeType: 'application/pdf', buffer: SCAN.bytes });
    await box.locator(`#supply-list .file-row[data-file="${SCAN.name}"] .ok-mark`).waitFor(); // sent at once, listed
    assert.equal(await box.locator('.file-row[aria-busy]').count(), 0, 'no upload left running');
    assert.equal(await page.locator(`#files-body .file-row[data-file="${SCAN.name}"]`).count(), 1, 'among the documents handed in');
    await page.getByLabel('Nội dung đã bổ sung').fill(SUPPLIED);
    await button(page, DOC.supplied).click();
    await page.locator('#supplied-ok').waitFor();
    assert.match(await page.locator('#status').innerText(), /Mới đăng ký/);
    const d = await apiGet(page, `/api/v1/dossiers/${id}`);
    assert.deepEqual(d.files.map((f) => f.name), [SCAN.name], 'the one file, with no document of the procedure chosen');
    assert.equal(d.files[0].document, '');
  });

  await step('tiep-nhan-ho-so', 'reception', async (page) => {
    await page.reload();
    await page.locator('#dossier-code', { hasText: code }).waitFor();
    assert.equal(await page.locator('#clock').getAttribute('data-clock'), 'running', 'the clock runs again');
    assert.ok((await page.locator('#history-list').innerText()).includes(SUPPLIED));
    // The scan is among the files, as the citizen sent it.
    assert.match(await page.locator('#documents').innerText(), new RegExp(`${DOC.otherFiles}\\s+${SCAN.name.replace(/\./g, '\\.')}`));
    const href = await link(page.locator('#documents'), SCAN.name).getAttribute('href');
    const res = await page.request.get(srv.url + href);
    assert.equal(res.status(), 200);
    assert.ok((await res.body()).equals(SCAN.bytes), 'the bytes the citizen sent');
    const d = await apiGet(page, `/api/v1/staff/dossiers/${id}`);
    assert.ok(Date.parse(d.due_at) >= Date.parse(dueBefore), `no working time lost: ${dueBefore} -> ${d.due_at}`);
    await act(page, DOC.accept);
    assert.match(await stateText(page), /Đã tiếp nhận/);
    assert.match(await nationalStatus(page), /: 2 – /);
  });

  /* ---------- 3. The unit handles it ---------- */

  await step('lanh-dao-phan-cong', 'leader', async (page) => {
    await officerLogin(page, L);
    await openView(page, DOC.viewToAssign);
    await openFromQueue(page, code);
    await act(page, DOC.assign, async (dlg) => {
      await dlg.locator(`#assignee option[value="${S.login}"]`).waitFor({ state: 'attached' });
      await dlg.getByLabel('Cán bộ xử lý').selectOption({ label: `${S.name} (${S.login})` });
    });
    assert.match(await stateText(page), /Đang xử lý/);
    assert.equal((await page.locator('#assigned-officer').innerText()).trim(), S.name);
  });

  await step('chuyen-vien-yeu-cau-phi', 'specialist', async (page) => {
    await officerLogin(page, S);
    await queueRow(page, code).waitFor(); // a specialist starts on their own dossiers
    await openFromQueue(page, code);
    await page.locator('#payment').waitFor();
    assert.match(await page.locator('#fee-amount').innerText(), new RegExp(DOC.fee.replace('.', '\\.')));
    await button(page.locator('#actions'), DOC.requestFee).click();
    const dlg = page.locator('#fee-dialog[open]');
    await dlg.waitFor();
    assert.equal(await dlg.getByLabel('Số tiền phải nộp (đồng)').inputValue(), '8000', 'the amount is the procedure\'s fee');
    await dlg.getByLabel('Khoản phải nộp, ghi chú').fill(FEE_NOTE);
    await button(dlg, 'Gửi yêu cầu nộp phí').click();
    await page.locator('#action-ok').waitFor();
    assert.match(await stateText(page), /Chờ thực hiện nghĩa vụ tài chính/);
    assert.match(await nationalStatus(page), /: 6 – /);
    assert.equal(await page.locator('#clock').getAttribute('data-clock'), 'paused');
  });

  await step('cong-dan-trang-thanh-toan', 'citizen', async (page) => {
    await page.reload();
    await page.locator('#payment-request').waitFor();
    await link(page.locator('#payment-request'), DOC.pay).click();
    await page.waitForURL((u) => u.pathname === '/thanh-toan');
    assert.equal((await page.locator('#amount').innerText()).trim(), DOC.fee);
    assert.ok((await page.locator('#payment-note').innerText()).includes(FEE_NOTE));
    await page.locator('#vietqr').waitFor();
    assert.ok(await page.locator('#vietqr').evaluate((img) => img.complete && img.naturalWidth > 0), 'the VietQR code is drawn');
  });

  await step('cong-thanh-toan-thu-nghiem', 'citizen', async (page) => {
    await button(page, DOC.payOnline).click();
    await page.waitForURL((u) => u.pathname.startsWith('/test-gateway/'));
    await page.locator('h1', { hasText: 'Cổng thanh toán thử nghiệm' }).waitFor();
    assert.match(await page.locator('#amount').innerText(), /^8\.000 ₫$/);
  });

  await step('cong-dan-da-thanh-toan', 'citizen', async (page) => {
    await button(page, 'Đồng ý thanh toán').click();
    await page.waitForURL((u) => u.pathname === '/ho-so' && u.searchParams.get('thanh-toan') === 'thanh-cong');
    await page.locator('.alert-success', { hasText: 'Thanh toán thành công' }).waitFor();
    assert.match(await page.locator('#status').innerText(), /Đang xử lý/);
    const p = await apiGet(page, `/api/v1/dossiers/${id}/payment`);
    assert.equal(p.payment.status, 'paid');
    assert.equal(p.payment.method, 'gateway');
    assert.equal(p.payment.amount, 8000);
  });

  await step('chuyen-vien-dinh-kem-ket-qua', 'specialist', async (page) => {
    await page.reload();
    await page.locator('#dossier-code', { hasText: code }).waitFor();
    assert.equal(await page.locator('#clock').getAttribute('data-clock'), 'running', 'the clock runs again');
    assert.equal(await page.locator('#pay-status').getAttribute('data-status'), 'paid');
    const card = page.getByRole('region', { name: DOC.results });
    await card.getByLabel(DOC.resultFile).setInputFiles({ name: SIGNED.file, mimeType: 'application/pdf', buffer: SIGNED.bytes });
    await card.locator('#results-notice.alert-success').waitFor();
    await link(card, SIGNED.name).waitFor();
    assert.match(await card.innerText(), new RegExp(`${DOC.attached}\\s+${SIGNED.name.replace(/\./g, '\\.')}`), 'listed');
    const d = await apiGet(page, `/api/v1/staff/dossiers/${id}`);
    assert.deepEqual(d.results.map((r) => [r.name, r.content_type, r.size]), [[SIGNED.name, 'application/pdf', SIGNED.bytes.length]]);
    const res = await page.request.get(new URL(await link(card, SIGNED.name).getAttribute('href'), srv.url).href);
    assert.equal(res.status(), 200);
    assert.ok((await res.body()).equals(SIGNED.bytes), 'the bytes the specialist sent');
  });

  await step('chuyen-vien-trinh', 'specialist', async (page) => {
    await act(page, DOC.propose);
    assert.match(await stateText(page), /Chờ lãnh đạo phê duyệt/);
  });

  await step('lanh-dao-phe-duyet', 'leader', async (page) => {
    await link(page.locator('#staff-nav'), 'Hồ sơ').click();
    await page.waitForURL((u) => u.pathname === '/can-bo/');
    await openView(page, DOC.viewApproval);
    await openFromQueue(page, code);
    await act(page, DOC.approve);
    assert.match(await stateText(page), /Đã xử lý xong/);
    assert.match(await nationalStatus(page), /: 9 – /);
  });

  await step('tiep-nhan-tra-ket-qua', 'reception', async (page) => {
    // Done and waiting to be handed back: the desk's view "Chờ trả kết quả".
    await link(page.locator('#staff-nav'), 'Hồ sơ').click();
    await page.waitForURL((u) => u.pathname === '/can-bo/');
    await openView(page, DOC.viewToReturn);
    await queueRow(page, code).waitFor();
    await openFromQueue(page, code);
    const card = page.getByRole('region', { name: DOC.results });
    await link(card, SIGNED.name).waitFor(); // the signed document the specialist attached
    await act(page, DOC.returnResult);
    assert.match(await stateText(page), /Đã trả kết quả/);
    assert.match(await nationalStatus(page), /: 10 – /);
    // The result document, printed from the page: a notice of the result signed with the
    // approving leader's name (this procedure has no template of its own; a birth
    // registration prints the extract drawn from its form).
    const text = await pdfText(page, await link(page, DOC.viewResult).getAttribute('href'));
    for (const want of ['KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH', DOC.procedure, code, L.name]) assert.ok(text.includes(want), `the result shows "${want}":\n${text}`);
  });

  /* ---------- 4. The citizen gets the result and rates it ---------- */

  await step('cong-dan-ket-qua', 'citizen', async (page) => {
    await page.goto(`${srv.url}/ho-so?id=${id}`);
    await page.locator('#result-ready').waitFor();
    const href = await link(page.locator('#result-ready'), DOC.result).getAttribute('href');
    assert.ok((await pdfText(page, href)).includes(code));
    // The document the specialist attached, beside it, downloaded by its name: the bytes sent,
    // then the signatures the leader's approval added to it by incremental update
    // (docs/signatures.md), so the bytes sent are its first part.
    await page.locator('#result-ready').getByRole('link', { name: `${DOC.download} ${SIGNED.name}` }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link(page.locator('#result-ready'), SIGNED.name).click()]);
    assert.equal(download.suggestedFilename(), SIGNED.name);
    const got = fs.readFileSync(await download.path());
    assert.ok(got.length > SIGNED.bytes.length && got.subarray(0, SIGNED.bytes.length).equals(SIGNED.bytes), 'the file attached, then its signatures');
    assert.equal((got.toString('latin1').match(/\/ByteRange/g) || []).length, 2, 'the leader\'s signature and the seal');
    const res = await page.request.get(new URL(await link(page.locator('#result-ready'), SIGNED.name).getAttribute('href'), srv.url).href);
    assert.equal(res.status(), 200);
    assert.ok((await res.body()).equals(got), 'and so is the API\'s copy');
    await page.locator('#rating-form').waitFor();
    for (const label of DOC.ratings) assert.equal(await page.locator('#rating-form').getByLabel(label, { exact: true }).count(), 1, label);
    await page.locator('#rating-form').getByLabel(DOC.ratings[0], { exact: true }).check();
    await page.getByLabel('Góp ý').fill(COMMENT);
    await button(page, 'Gửi đánh giá').click();
    await page.locator('#rating-done', { hasText: DOC.ratings[0] }).waitFor();
    assert.ok((await page.locator('#rating-done').innerText()).includes(COMMENT));
  });

  await step('tra-cuu-cong-khai', 'visitor', async (page) => {
    await page.goto(srv.url + '/');
    await page.getByLabel('Mã hồ sơ').fill(code);
    await button(page, DOC.lookup).click();
    await page.waitForURL((u) => u.pathname === '/tra-cuu');
    await page.locator('#lookup-result').waitFor();
    assert.match(await page.locator('#status').innerText(), /Đã trả kết quả/);
    const text = await page.locator('#lookup-result').innerText();
    assert.match(text, /Mới đăng ký[\s\S]*\d{2}\/\d{2}\/\d{4}/, 'statuses and dates');
    for (const secret of [C.name, C.login, FORM.subject_name, FORM.requester_residence, NOTE, SUPPLIED]) {
      assert.ok(!text.includes(secret), `no personal data on the public page: ${secret}`);
    }
  });

  let fbId = null;
  await step('cong-dan-phan-anh', 'citizen', async (page) => {
    assert.equal(await link(page.locator('#mainnav'), DOC.complaintsMenu).count(), 1, 'the menu has the complaints page');
    await link(page, DOC.complain).click();
    await page.waitForURL((u) => u.pathname === '/phan-anh' && u.searchParams.get('ho-so') === String(id));
    await page.locator('#fb-form').waitFor();
    assert.equal(await page.inputValue('#dossier'), code, 'the dossier is chosen');
    assert.equal(await page.inputValue('#unit'), DOC.unit, 'its unit too');
    await page.locator('#fb-form label.choice-card', { hasText: 'Phản ánh' }).click();
    await page.getByLabel('Tiêu đề').fill(SUBJECT);
    await page.locator('#fb-form').getByLabel('Nội dung').fill(CONTENT);
    await button(page, 'Gửi phản ánh, kiến nghị').click();
    await page.locator('#sent-ok').waitFor();
    const mine = (await apiGet(page, '/api/v1/feedback')).items;
    assert.equal(mine.length, 1);
    fbId = mine[0].id;
    assert.equal(mine[0].dossier_code, code);
    // Answered within 10 working days: two calendar weeks at least.
    assert.ok(Date.parse(mine[0].due_at) - Date.parse(mine[0].received_at) >= 12 * 86400e3, `due ${mine[0].due_at}`);
  });

  await step('lanh-dao-giao-phan-anh', 'leader', async (page) => {
    await link(page.locator('#staff-nav'), DOC.complaintsMenu).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/phan-anh');
    await page.locator(`#fb-table tr[data-id="${fbId}"] a.fb-open`).click();
    await page.locator('#fb-subject', { hasText: SUBJECT }).waitFor();
    await page.locator(`#assignee option[value="${S.login}"]`).waitFor({ state: 'attached' });
    await page.getByLabel('Giao cho cán bộ').selectOption(S.login);
    await button(page, 'Giao xử lý').click();
    await page.locator('#fb-ok', { hasText: S.name }).waitFor();
  });

  await step('chuyen-vien-tra-loi', 'specialist', async (page) => {
    await link(page.locator('#staff-nav'), DOC.complaintsMenu).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/phan-anh');
    await page.locator(`#fb-table tr[data-id="${fbId}"] a.fb-open`).click();
    await page.locator('#fb-subject', { hasText: SUBJECT }).waitFor();
    await page.getByLabel('Nội dung trả lời').fill(ANSWER);
    await button(page, 'Gửi trả lời').click();
    await page.locator('#fb-ok').waitFor();
    assert.equal(await page.locator('#fb-answer').innerText(), ANSWER);
  });

  await step('cong-dan-danh-gia-tra-loi', 'citizen', async (page) => {
    await page.reload();
    const item = page.locator(`#fb-${fbId}`);
    await item.locator('[data-testid="answer"]', { hasText: ANSWER }).waitFor();
    await item.locator('label', { hasText: /^Hài lòng$/ }).click();
    await button(item, 'Gửi đánh giá').click();
    await item.locator('.fb-rated', { hasText: 'Hài lòng' }).waitFor();
  });

  /* ---------- 5. The figures ---------- */

  let period = null;
  await step('lanh-dao-bao-cao', 'leader', async (page) => {
    await link(page.locator('#staff-nav'), 'Báo cáo').click();
    await page.waitForURL((u) => u.pathname === '/can-bo/bao-cao' && u.searchParams.get('unit') === COMMUNE);
    await page.locator('.kpis').waitFor();
    const q = new URL(page.url()).searchParams;
    period = { from: q.get('from'), to: q.get('to') };
    const rep = await apiGet(page, `/api/v1/reports/summary?unit=${COMMUNE}&from=${period.from}&to=${period.to}`);
    const t = rep.totals;
    assert.ok(t.received >= 1 && t.online >= 1 && t.handled >= 1 && t.ratings >= 1, JSON.stringify(t));
    const kpi = (label) => page.locator('.kpi').filter({ has: page.locator('.k-label', { hasText: new RegExp(`^${label}$`) }) });
    const nf = new Intl.NumberFormat('vi-VN');
    assert.equal((await kpi('Hồ sơ tiếp nhận').locator('.k-value').innerText()).trim(), nf.format(t.received));
    assert.match(await kpi('Hồ sơ tiếp nhận').locator('.k-sub').innerText(), /trực tuyến · .* trực tiếp · .* bưu chính/);
    assert.match(await kpi('Giải quyết đúng hạn').locator('.k-sub').innerText(), /trước hạn · .* đúng hạn · .* quá hạn/);
    for (const label of ['Đang giải quyết', 'Đang quá hạn', 'Hài lòng']) assert.equal(await kpi(label).count(), 1, label);
    assert.equal(await page.locator('.qd-group').count(), 5, 'the five groups of QĐ 766');
    await page.locator('svg.chart[aria-label^="Biểu đồ hồ sơ tiếp nhận"]').waitFor();
    await page.locator('svg.chart[aria-label="Các đơn vị tiếp nhận nhiều hồ sơ nhất"]').waitFor();
    // The same figures as files.
    const xlsx = await page.request.get(new URL(await link(page, DOC.excel).getAttribute('href'), srv.url).href);
    assert.equal(xlsx.status(), 200);
    assert.equal((await xlsx.body()).subarray(0, 2).toString('latin1'), 'PK', 'an xlsx file');
    const csv = await page.request.get(new URL(await link(page, DOC.csv).getAttribute('href'), srv.url).href);
    assert.equal(csv.status(), 200);
    assert.ok((await csv.text()).includes(COMMUNE), 'the csv names the unit');
  });

  await step('lanh-dao-xem-ho-so', 'leader', async (page) => {
    // The number opens the queue with the dossiers behind it.
    await page.locator('.kpi', { hasText: 'Hồ sơ tiếp nhận' }).locator('a.k-value').click();
    await page.waitForURL((u) => u.pathname === '/can-bo/' && u.searchParams.get('from') === period.from);
    await queueRow(page, code).waitFor();
  });

  await step('lanh-dao-doi-soat', 'leader', async (page) => {
    await link(page.locator('#staff-nav'), 'Đối soát thanh toán').click();
    await page.waitForURL((u) => u.pathname === '/can-bo/doi-soat');
    await page.locator('#by-method').waitFor();
    assert.match(await page.locator('#by-method tr[data-method="gateway"]').innerText(), /1\s+8\.000 đồng/);
    await page.locator('#list-matched', { hasText: code }).waitFor();
  });

  await step('quan-tri-tinh-bao-cao', 'admin', async (page) => {
    await officerLogin(page, A);
    await link(page.locator('#staff-nav'), 'Báo cáo').click();
    await page.waitForURL((u) => u.pathname === '/can-bo/bao-cao' && u.searchParams.get('unit') === PROVINCE);
    await page.locator('.kpis').waitFor();
    const n = Number((await page.locator('.kpi .k-value').first().innerText()).replace(/\./g, ''));
    assert.ok(n >= 1, `the province counts the dossier (${n})`);
  });

  // From the command line, as the document writes it (with this test's data directory).
  const year = period.from.slice(0, 4);
  const r = spawnSync(BIN, ['report', '--data', srv.dataDir, '--unit', PROVINCE, '--from', `${year}-01-01`, '--to', `${year}-12-31`,
    '--format', 'xlsx'], { timeout: 60000 });
  assert.equal(r.status, 0, String(r.stderr));
  assert.equal(r.stdout.subarray(0, 2).toString('latin1'), 'PK', 'an xlsx file on stdout');

});
