// Browser test of the officers' pages (/can-bo/): a citizen submits a birth registration
// through the API; then, in the browser, the reception officer logs in (password + TOTP),
// finds it under "Mới tiếp nhận" and asks for a supplement with a note; the citizen sees the
// request on their dossier page, sends a clearer scan for the birth certificate (added beside
// the first, never replacing it) and answers "Đã bổ sung"; the officer accepts; the leader
// assigns the specialist; the specialist tries to attach result documents that are not PDF,
// JPEG or PNG (refused, nothing kept), attaches a scan and removes it again after confirming,
// then proposes; the leader approves; the reception officer returns the result; the public
// lookup page shows "Đã trả kết quả".
//
// Starts the real server on a free port with a fresh data directory (binary from MOTCUA_BIN,
// default build/motcua) and drives Debian's chromium with playwright-core (lib/browser.mjs):
// one browser, one context (own cookies) per person.
// Screenshots of every step go to test-results/e2e-officer/ (failure-*.png when a step fails).
// Run: node --test tests/e2e/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, startServer, newCitizen, readyBirthDraft, COMMUNE, DEMO_OFFICERS, samplePdf, samplePng,
} from '../api/lib/server.mjs';
import { browserTest, failedResource, DESKTOP, queueRow as row, stateText, overflowX } from './lib/browser.mjs';

// The demo officers of Phường Hạc Thành, with their TOTP secrets, from the seed file.
const OFFICERS = DEMO_OFFICERS;

const e2e = browserTest({ shots: path.join(ROOT, 'test-results', 'e2e-officer'), start: () => startServer(null) });
const { step } = e2e;

/** From the queue, open the dossier; wait until its page shows it. */
async function openDossier(page, code) {
  await row(page, code).locator('a.q-code').click();
  await page.waitForURL(/\/can-bo\/ho-so\?id=/);
  await page.locator('#dossier-code', { hasText: code }).waitFor();
}

/** Take an action through its dialog; fill(form) fills the fields; waits for the reloaded page. */
async function act(page, action, fill) {
  await page.click(`#actions [data-action="${action}"]`);
  const dlg = page.locator('#action-dialog[open]');
  await dlg.waitFor();
  if (fill) await fill(dlg);
  await dlg.locator('#action-confirm').click();
  await page.locator('#action-ok').waitFor();
  assert.equal(await page.locator('#action-dialog[open]').count(), 0, 'the dialog closed');
}

test('officers take a birth registration from submission to the returned result', { timeout: 240000 }, async () => {
  const { srv } = e2e;
  // The citizen submits through the API, as the API tests do.
  const citizen = await newCitizen(srv.url);
  const draft = await readyBirthDraft(citizen, COMMUNE);
  const sub = await citizen.post(`/api/v1/dossiers/${draft.id}/submit`, {});
  assert.equal(sub.status, 200, sub.text);
  const { code, id } = sub.json;
  const applicant = draft.form.requester_name;
  const NOTE = 'Bản chụp giấy chứng sinh bị mờ, đề nghị nộp lại bản rõ nét';
  const SUPPLIED = 'Đã tải lại bản chụp rõ nét của giấy chứng sinh';
  const R = OFFICERS.reception;
  const L = OFFICERS.leader;
  const S = OFFICERS.specialist;

  await step('tiep-nhan-dang-nhap', 'reception', async (page) => {
    await e2e.officerLogin(page, R);
    assert.match(await page.locator('.staff-user .role').innerText(), /tiếp nhận/i);
  });

  await step('moi-tiep-nhan', 'reception', async (page) => {
    await page.click('#view-new');
    await page.locator('#view-new[aria-current="page"]').waitFor();
    await row(page, code).waitFor();
    assert.match(await page.locator('#view-title').innerText(), /Mới tiếp nhận/);
    assert.ok(Number(await page.locator('#view-new .count').innerText()) >= 1, 'the count of new dossiers');
    const cells = await row(page, code).innerText();
    assert.match(cells, /Đăng ký khai sinh/);
    assert.ok(cells.includes(applicant), 'the applicant is in the row');
    assert.match(cells, /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/, 'appointment with its time');
    assert.match(cells, /Phường Hạc Thành/);
    assert.match(page.url(), /view=new/);
  });

  await step('ho-so-moi', 'reception', async (page) => {
    await openDossier(page, code);
    assert.match(await stateText(page), /Mới đăng ký/);
    assert.equal(await page.locator('#clock').getAttribute('data-clock'), 'running');
    assert.ok((await page.locator('#applicant').innerText()).includes(applicant));
    // Labels from the procedure's e-form, not field names.
    await page.locator('#declaration dt', { hasText: 'Họ, chữ đệm, tên người yêu cầu' }).first().waitFor();
    // The attachment opens through the officers' file route.
    const href = await page.locator('#documents a.file-link').first().getAttribute('href');
    assert.match(href, new RegExp(`^/api/v1/staff/dossiers/${id}/files/`));
    const res = await page.request.get(srv.url + href);
    assert.equal(res.status(), 200);
    assert.equal((await res.body()).subarray(0, 5).toString('latin1'), '%PDF-');
    const actions = await page.locator('#actions [data-action]').evaluateAll((bs) => bs.map((b) => b.dataset.action).sort());
    assert.deepEqual(actions, ['accept', 'refuse', 'request_supplement']);
  });

  await step('yeu-cau-bo-sung-thieu-ly-do', 'reception', async (page) => {
    await page.click('#actions [data-action="request_supplement"]');
    const dlg = page.locator('#action-dialog[open]');
    await dlg.waitFor();
    await dlg.locator('#action-confirm').click(); // no reason given: refused on the page
    await dlg.locator('.field.has-error #note').waitFor();
    assert.match(await dlg.locator('#note-error').innerText(), /lý do/i);
    await dlg.locator('#note').fill(NOTE);
  });

  await step('yeu-cau-bo-sung', 'reception', async (page) => {
    await page.locator('#action-dialog #action-confirm').click();
    await page.locator('#action-ok').waitFor();
    assert.match(await stateText(page), /Chờ bổ sung/);
    assert.equal(await page.locator('#clock').getAttribute('data-clock'), 'paused');
    assert.match(await page.locator('#clock').innerText(), /Tạm dừng[\s\S]*Còn .*làm việc/);
    assert.ok((await page.locator('#history-list').innerText()).includes(NOTE), 'the note is in the history');
    assert.deepEqual(await page.locator('#actions [data-action]').evaluateAll((bs) => bs.map((b) => b.dataset.action)), ['supply_at_desk']);
  });

  await step('cong-dan-thay-yeu-cau', 'citizen', async (page) => {
    await e2e.citizenLogin(page, citizen.person.citizen_id, citizen.person.password);
    await page.goto(`${srv.url}/ho-so?id=${id}`);
    await page.locator('#supplement-request').waitFor();
    assert.ok((await page.locator('#supplement-note').innerText()).includes(NOTE), 'the citizen sees the request');
  });

  await step('cong-dan-gui-tep-bo-sung', 'citizen', async (page) => {
    // A clearer scan, for the birth certificate: the name the first scan has is kept by it.
    const before = (await citizen.get(`/api/v1/dossiers/${id}`)).json.files;
    const clearer = samplePdf('Giay chung sinh - ban ro net');
    await page.locator('#supply-doc').selectOption('giay_chung_sinh');
    await page.getByLabel('Chọn tệp bổ sung').setInputFiles({ name: 'Giấy chứng sinh.pdf', mimeType: 'application/pdf', buffer: clearer });
    await page.locator('#supply-list .file-row[data-file="giay-chung-sinh-2.pdf"]').waitFor();
    assert.match(await page.locator('#supply-list').innerText(), /Giấy chứng sinh/, 'listed with its document');
    const after = (await citizen.get(`/api/v1/dossiers/${id}`)).json.files;
    assert.deepEqual(after.slice(0, before.length), before, 'what was handed in is unchanged');
    const added = after.slice(before.length);
    assert.deepEqual(added.map((f) => [f.name, f.document, f.size]), [['giay-chung-sinh-2.pdf', 'giay_chung_sinh', clearer.length]]);
    assert.deepEqual(added.map((f) => f.with_supplement), [true]);
    const r = await citizen.get(`/api/v1/dossiers/${id}/files/giay-chung-sinh-2.pdf`);
    assert.ok(r.buf.equals(clearer), 'the bytes sent');
    // A file sent by mistake is taken back with "Gỡ"; only the files of this supplement have it.
    await page.getByLabel('Chọn tệp bổ sung').setInputFiles({ name: 'nham.pdf', mimeType: 'application/pdf', buffer: samplePdf('Gui nham') });
    const wrong = page.locator('#supply-list .file-row[data-file="nham.pdf"]');
    await wrong.waitFor();
    assert.equal((await citizen.get(`/api/v1/dossiers/${id}`)).json.files.length, after.length + 1);
    await wrong.getByRole('button', { name: 'Gỡ tệp nham.pdf' }).click();
    await wrong.waitFor({ state: 'detached' });
    assert.deepEqual((await citizen.get(`/api/v1/dossiers/${id}`)).json.files, after, 'back to what was sent before');
    assert.equal(await page.locator('#supply-list .file-row').count(), 1);
  });

  await step('cong-dan-da-bo-sung', 'citizen', async (page) => {
    await page.fill('#supply-note', SUPPLIED);
    await page.click('#supply');
    await page.locator('#supplied-ok').waitFor();
    assert.match(await page.locator('#status').innerText(), /Mới đăng ký/);
    assert.equal(await page.locator('#supplement-request').count(), 0);
  });

  await step('tiep-nhan-ho-so', 'reception', async (page) => {
    await page.reload();
    await page.locator('#dossier-code').waitFor();
    assert.ok((await page.locator('#history-list').innerText()).includes(SUPPLIED), 'the citizen\'s note is in the history');
    await act(page, 'accept');
    assert.match(await stateText(page), /Đã tiếp nhận/);
    assert.equal(await page.locator('#clock').getAttribute('data-clock'), 'running');
  });

  await step('lanh-dao-dang-nhap', 'leader', async (page) => {
    await e2e.officerLogin(page, L);
    await page.fill('#q', code);
    await page.press('#q', 'Enter');
    await row(page, code).waitFor();
    assert.match(page.url(), /q=/);
    assert.equal(await page.locator('#queue tbody tr').count(), 1, 'the search finds this dossier only');
  });

  await step('phan-cong', 'leader', async (page) => {
    await openDossier(page, code);
    await act(page, 'assign', async (dlg) => {
      await dlg.locator(`#assignee option[value="${S.login}"]`).waitFor({ state: 'attached' });
      await dlg.locator('#assignee').selectOption(S.login);
    });
    assert.match(await stateText(page), /Đang xử lý/);
    assert.equal((await page.locator('#assigned-officer').innerText()).trim(), S.name);
  });

  const results = async (page) => (await (await page.request.get(`${srv.url}/api/v1/staff/dossiers/${id}`)).json()).results;

  await step('chuyen-vien-ket-qua-sai-dinh-dang', 'specialist', async (page) => {
    await e2e.officerLogin(page, S);
    assert.match(page.url(), /view=mine/, 'a specialist starts on their own dossiers');
    await row(page, code).waitFor();
    assert.match(await row(page, code).innerText(), /Của tôi/);
    await openDossier(page, code);
    const card = page.locator('#results');
    await card.locator('#results-empty').waitFor();
    // A text file is refused before it is sent; one that only calls itself a PDF, by the API.
    e2e.expectConsoleError(failedResource(415), /\/results\/quyet-dinh\.pdf$/); // the refusal asked for
    await card.getByLabel('Chọn tệp kết quả').setInputFiles([
      { name: 'Ghi chú.txt', mimeType: 'text/plain', buffer: Buffer.from('chỉ là chữ') },
      { name: 'Quyết định.pdf', mimeType: 'application/pdf', buffer: Buffer.from('chỉ là chữ, không phải PDF') },
    ]);
    const notice = card.locator('#results-notice.alert-error');
    await notice.waitFor();
    const text = await notice.innerText();
    assert.match(text, /“Ghi chú\.txt” không đúng định dạng/);
    assert.match(text, /Không tải lên được “Quyết định\.pdf”: Chỉ nhận tệp PDF, JPEG hoặc PNG, đúng với nội dung tệp/, 'the API\'s message');
    assert.equal(await card.locator('#result-list .file-row').count(), 0, 'nothing listed');
    assert.deepEqual(await results(page), [], 'nothing attached');
  });

  await step('chuyen-vien-go-ket-qua', 'specialist', async (page) => {
    const card = page.locator('#results');
    await card.getByLabel('Chọn tệp kết quả').setInputFiles({ name: 'Bản quét.png', mimeType: 'image/png', buffer: samplePng() });
    await card.locator('#result-list .file-row[data-result="ban-quet.png"]').waitFor();
    assert.deepEqual((await results(page)).map((r) => r.name), ['ban-quet.png']);
    // Removing asks first; "Không xóa" keeps it.
    await card.getByRole('button', { name: 'Xóa tệp ban-quet.png' }).click();
    const dlg = page.locator('#result-remove-dialog[open]');
    await dlg.waitFor();
    assert.match(await dlg.innerText(), /ban-quet\.png/);
    await dlg.getByRole('button', { name: 'Không xóa' }).click();
    assert.equal(await page.locator('#result-remove-dialog[open]').count(), 0);
    assert.deepEqual((await results(page)).map((r) => r.name), ['ban-quet.png'], 'still there');
    await card.getByRole('button', { name: 'Xóa tệp ban-quet.png' }).click();
    await dlg.getByRole('button', { name: 'Xóa tệp' }).click();
    await page.locator('#results-notice.alert-success', { hasText: 'Đã xóa tệp ban-quet.png' }).waitFor();
    assert.equal(await page.locator('#result-list .file-row').count(), 0);
    assert.deepEqual(await results(page), [], 'removed');
  });

  await step('chuyen-vien-trinh', 'specialist', async (page) => {
    await act(page, 'propose');
    assert.match(await stateText(page), /Chờ lãnh đạo phê duyệt/);
  });

  await step('lanh-dao-phe-duyet', 'leader', async (page) => {
    await page.goto(srv.url + '/can-bo/?view=approval');
    await row(page, code).waitFor();
    await openDossier(page, code);
    await act(page, 'approve');
    assert.match(await stateText(page), /Đã xử lý xong/);
  });

  await step('tra-ket-qua', 'reception', async (page) => {
    await page.goto(srv.url + '/can-bo/?view=all');
    await row(page, code).waitFor();
    await openDossier(page, code);
    await act(page, 'return_result');
    assert.match(await stateText(page), /Đã trả kết quả/);
    assert.equal(await page.locator('#clock').getAttribute('data-clock'), 'stopped');
    await page.locator('#no-actions').waitFor();
  });

  await step('tra-cuu-cong-khai', 'citizen', async (page) => {
    await page.goto(`${srv.url}/tra-cuu?ma=${encodeURIComponent(code)}`);
    await page.locator('#lookup-result').waitFor();
    assert.match(await page.locator('#status').innerText(), /Đã trả kết quả/);
    assert.ok(!(await page.locator('#lookup-result').innerText()).includes(NOTE), 'no internal note on the public page');
  });

  await step('cong-thong-tin', 'reception', async (page) => {
    // On the citizen pages, an officer's header links back to the desk.
    await page.goto(srv.url + '/');
    await page.locator('#staff-desk').waitFor();
    assert.equal(await page.locator('#account a[href="/ho-so-cua-toi"]').count(), 0, 'no "my dossiers" for an officer');
  });

  await step('ban-lam-viec', 'reception', async (page) => {
    await page.locator('#staff-desk').click();
    await page.waitForURL((u) => u.pathname === '/can-bo/');
    await page.locator('#queue, #queue-empty').first().waitFor();
  });

  await step('dien-thoai', 'reception', async (page) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(srv.url + '/can-bo/?view=all');
    await row(page, code).waitFor();
    const overflow = await overflowX(page);
    assert.ok(overflow <= 0, `the queue fits a phone's width (overflow ${overflow}px)`);
    await openDossier(page, code);
    const overflow2 = await overflowX(page);
    assert.ok(overflow2 <= 0, `the dossier fits a phone's width (overflow ${overflow2}px)`);
  });

  await step('tu-cap-nhat', 'reception', async (page) => {
    // The queue refreshes itself every minute: a dossier submitted meanwhile appears.
    await page.setViewportSize(DESKTOP);
    await page.clock.install();
    await page.goto(srv.url + '/can-bo/?view=new');
    await page.locator('#queue-empty').waitFor();
    const before = await page.locator('#updated').innerText();
    const other = await newCitizen(srv.url);
    const d2 = await readyBirthDraft(other, COMMUNE, { requester_name: 'Hoàng Thị Thu' });
    const r2 = await other.post(`/api/v1/dossiers/${d2.id}/submit`, {});
    assert.equal(r2.status, 200, r2.text);
    await page.clock.fastForward('01:05');
    await row(page, r2.json.code).waitFor();
    assert.equal(await page.locator('#view-new .count').innerText(), '1');
    assert.notEqual(await page.locator('#updated').innerText(), before);
  });

});
