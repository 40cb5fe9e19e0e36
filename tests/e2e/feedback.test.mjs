// Browser test of complaints and suggestions (phản ánh, kiến nghị): the demo citizen
// (038095001234) has a birth registration at Phường Hạc Thành; on a phone-sized screen she
// opens the dossier and follows "Gửi phản ánh về hồ sơ này", which preselects the dossier and
// the commune. Sent without content, the API's error shows at the field and nothing is
// created; sent with two lines of content, it appears in her list with its due date. The
// commune's leader (password + TOTP) assigns it to the specialist in /can-bo/phan-anh; the
// specialist answers it; the citizen sees the answer and rates it, once. An item made late
// (its due date moved into the past) is marked overdue in the officers' list and counts.
// The officers' side views show the API's counts, which follow the kind filter and the
// search (typed without diacritics); a long list pages 25 at a time. Both pages say the
// answer's limit in working days as the API gives it.
//
// Starts the real server on a free port with a fresh data directory (binary from MOTCUA_BIN,
// default build/motcua) and drives Debian's chromium with playwright-core (lib/browser.mjs),
// one context per person. Screenshots of every step go to /tmp/fb-NN-*.png
// (/tmp/fb-failure-*.png when a step fails), outside the repository.
// Run: node --test tests/e2e/feedback.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, readyBirthDraft, sql, Client, COMMUNE, DEMO_CITIZEN, DEMO_OFFICERS,
} from '../api/lib/server.mjs';
import { browserTest, failedResource, DESKTOP, PHONE } from './lib/browser.mjs';

const OFFICERS = DEMO_OFFICERS; // the demo officers of Phường Hạc Thành, from data/demo-accounts.csv

const e2e = browserTest({ shots: '/tmp', prefix: 'fb-', start: () => startServer(null) });
const { step, snap, snapPart } = e2e;

/** From any officers' page, the complaints page through the header's link. */
async function openFeedbackPage(page) {
  await page.locator('#staff-nav a', { hasText: 'Phản ánh, kiến nghị' }).click();
  await page.waitForURL((u) => u.pathname === '/can-bo/phan-anh');
  await page.locator('#fb-table, #fb-empty').first().waitFor();
}

const fbRow = (page, id) => page.locator(`#fb-table tr[data-id="${id}"]`);
const rowIds = (page) => page.locator('#fb-table tbody tr').evaluateAll((trs) => trs.map((t) => Number(t.dataset.id)));

/** The side views' counts as shown: {view: "n"}. */
const sideCounts = (page) => page.locator('#views a[data-view]').evaluateAll((as) =>
  Object.fromEntries(as.map((a) => [a.dataset.view, a.querySelector('.count').textContent])));

/** The officers' list answer the page asked for next (after `act`), with its query. */
async function listAnswer(page, act) {
  const res = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/staff/feedback' && r.request().method() === 'GET');
  await act();
  const r = await res;
  assert.equal(r.status(), 200);
  return { query: new URL(r.url()).searchParams, json: await r.json() };
}

test('a citizen complains about a dossier, an officer answers it, the citizen rates the answer', { timeout: 300000 }, async () => {
  const { srv } = e2e;
  const L = OFFICERS.leader;
  const S = OFFICERS.specialist;
  // The demo citizen's dossier, submitted through the API as the API tests do.
  const api = new Client(srv.url);
  await api.login(DEMO_CITIZEN.login, DEMO_CITIZEN.password);
  const draft = await readyBirthDraft(api, COMMUNE);
  const sub = await api.post(`/api/v1/dossiers/${draft.id}/submit`, {});
  assert.equal(sub.status, 200, sub.text);
  const { id: dossierId, code } = sub.json;
  const mine = async () => {
    const r = await api.get('/api/v1/feedback');
    assert.equal(r.status, 200, r.text);
    return r.json.items;
  };
  const subject = 'Hồ sơ khai sinh chưa được tiếp nhận';
  const lines = ['Tôi nộp hồ sơ khai sinh cho con trực tuyến nhưng chưa thấy cán bộ tiếp nhận.', 'Đề nghị phường kiểm tra và trả lời giúp tôi.'];
  const answer = 'Phường Hạc Thành đã tiếp nhận hồ sơ của ông/bà; kết quả sẽ được trả đúng hẹn.';
  let fbId = null;
  await e2e.person('citizen', { viewport: PHONE, touch: true }); // the citizen on a phone, the officers at their desks

  await step('citizen-login', 'citizen', async (page) => {
    await page.goto(`${srv.url}/ho-so?id=${dossierId}`);
    await page.waitForURL((u) => u.pathname === '/dang-nhap');
    await page.fill('#login', DEMO_CITIZEN.login);
    await page.fill('#password', DEMO_CITIZEN.password);
    await page.click('#submit');
    await page.waitForURL((u) => u.pathname === '/ho-so');
    await page.locator('#dossier-code', { hasText: code }).waitFor();
  });

  await step('citizen-form-from-dossier', 'citizen', async (page) => {
    await page.click('#feedback-link');
    await page.waitForURL((u) => u.pathname === '/phan-anh' && u.searchParams.get('ho-so') === String(dossierId));
    await page.locator('#fb-form').waitFor();
    assert.equal(await page.inputValue('#dossier'), code, 'the dossier is preselected');
    assert.equal(await page.inputValue('#unit'), 'Phường Hạc Thành', 'its unit is preselected');
    assert.equal(await page.locator('#mainnav a[aria-current="page"]').innerText(), 'Phản ánh, kiến nghị');
    assert.match(await page.locator('#subject-count').innerText(), /0\/200 ký tự/);
    assert.match(await page.locator('#message-count').innerText(), /0\/4\.000 ký tự/);
    assert.equal(await page.locator('#fb-empty').count(), 1, 'nothing sent yet');
  });

  await step('citizen-empty-content', 'citizen', async (page) => {
    await page.check('#kind-complaint');
    await page.fill('#subject', subject);
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/feedback') && r.request().method() === 'POST');
    e2e.expectConsoleError(failedResource(422), /\/api\/v1\/feedback$/); // the refusal asked for
    await page.click('#send');
    const res = await refused;
    assert.equal(res.status(), 422);
    const body = await res.json();
    assert.equal(body.error.field, 'content');
    // The API's own message, at the field, and the field marked invalid and focused.
    await page.locator('#message-error', { hasText: body.error.message }).waitFor();
    assert.equal(await page.getAttribute('#message', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'message');
    assert.deepEqual(await mine(), [], 'nothing was created');
  });

  await step('citizen-sent', 'citizen', async (page) => {
    await page.fill('#message', lines.join('\n'));
    assert.match(await page.locator('#message-count').innerText(), new RegExp(`^${[...lines.join('\n')].length}/4\\.000`));
    await page.click('#send');
    await page.locator('#sent-ok').waitFor();
    await snapPart(page.locator('#fb-list'), 'citizen-list');
    const items = await mine();
    assert.equal(items.length, 1);
    const it = items[0];
    fbId = it.id;
    assert.deepEqual([it.kind, it.unit.code, it.dossier_code, it.subject, it.state], ['complaint', COMMUNE, code, subject, 'received']);
    assert.equal(it.content, lines.join('\n'), 'the line break is kept');
    const item = page.locator(`#fb-${fbId}`);
    await item.waitFor();
    assert.match(await item.locator('.status').innerText(), /Đã tiếp nhận/);
    assert.match(await item.locator('.fb-due').innerText(), /^\d{2}:\d{2} ngày \d{2}\/\d{2}\/\d{4}$/);
    assert.match(await page.locator('#sent-ok').innerText(), /trả lời trước/);
    // The limit, as the API gives it, in the page's header and under the form.
    assert.match(await page.locator('#fb-rule').innerText(), /trả lời trong 10 ngày làm việc/);
    assert.match(await page.locator('#fb-form-rule').innerText(), /trả lời trong 10 ngày làm việc/);
    assert.equal(await page.inputValue('#subject'), '', 'the form is cleared');
    assert.equal(await page.inputValue('#dossier'), '');
    assert.equal(new URL(page.url()).search, '', 'the dossier is no longer preselected');
  });

  // A second item, made late by moving its due date into the past: overdue on the officers' side.
  let r = await api.post('/api/v1/feedback', { kind: 'suggestion', unit_code: COMMUNE, subject: 'Niêm yết thêm hướng dẫn', content: 'Đề nghị niêm yết hướng dẫn nộp hồ sơ trực tuyến tại bộ phận một cửa.' });
  assert.equal(r.status, 201, r.text);
  const lateId = r.json.id;
  sql(srv.dataDir, `UPDATE feedback SET due_at = ${Math.floor(Date.now() / 1000) - 2 * 86400} WHERE id = ${lateId}`);

  await step('leader-list', 'leader', async (page) => {
    await e2e.officerLogin(page, L);
    await openFeedbackPage(page);
    assert.equal(await page.locator('#view-open[aria-current="page"]').count(), 1, 'open items first');
    assert.equal(await page.locator('#view-open .count').innerText(), '2');
    assert.equal(await page.locator('#view-overdue .count').innerText(), '1');
    assert.match(await page.locator('#view-overdue .count').getAttribute('class'), /count-danger/);
    assert.deepEqual(await sideCounts(page), { open: '2', to_assign: '2', mine: '0', overdue: '1', due_soon: '0', answered: '0', all: '2' });
    assert.equal(await page.locator('#side-note').isVisible(), false);
    // Sorted by due date: the late one first, marked overdue.
    const ids = await page.locator('#fb-table tbody tr').evaluateAll((trs) => trs.map((t) => t.dataset.id));
    assert.deepEqual(ids, [String(lateId), String(fbId)]);
    assert.match(await fbRow(page, lateId).getAttribute('class'), /is-overdue/);
    assert.match(await fbRow(page, lateId).locator('.due').innerText(), /Quá hạn 2 ngày/);
    assert.doesNotMatch(await fbRow(page, fbId).getAttribute('class'), /is-overdue/);
    assert.match(await fbRow(page, fbId).innerText(), new RegExp(code.replace(/\./g, '\\.')));
    await snap(page, 'leader-open-view');
    // The overdue view, then only complaints.
    await page.click('#view-overdue');
    await page.waitForURL((u) => u.searchParams.get('view') === 'overdue');
    await fbRow(page, lateId).waitFor();
    assert.equal(await fbRow(page, fbId).count(), 0);
    await page.click('#view-all');
    await fbRow(page, fbId).waitFor();
    // The kind goes to the API: the list and every count are of complaints only.
    let a = await listAnswer(page, () => page.selectOption('#kind', 'complaint'));
    assert.equal(a.query.get('kind'), 'complaint');
    await fbRow(page, lateId).waitFor({ state: 'detached' });
    assert.deepEqual(await rowIds(page), [fbId], 'the suggestion is filtered out');
    assert.match(page.url(), /loai=complaint/);
    assert.deepEqual(await sideCounts(page), { open: '1', to_assign: '1', mine: '0', overdue: '0', due_soon: '0', answered: '0', all: '1' });
    assert.equal(await page.locator('#total').innerText(), '1 phản ánh');
    assert.equal(await page.locator('#side-note').innerText(), 'Chỉ tính phản ánh');
    // A search typed without diacritics, sent to the API with the kind.
    await page.fill('#q', 'chua duoc tiep nhan');
    a = await listAnswer(page, () => page.press('#q', 'Enter'));
    assert.deepEqual([a.query.get('q'), a.query.get('kind'), a.json.total], ['chua duoc tiep nhan', 'complaint', 1]);
    await page.locator('#side-note', { hasText: 'chua duoc tiep nhan' }).waitFor();
    assert.deepEqual(await rowIds(page), [fbId]);
    assert.match(page.url(), /q=chua\+duoc\+tiep\+nhan/);
    await snap(page, 'leader-search');
    // The suggestion's words find nothing among complaints: said so, and counted so.
    await page.fill('#q', 'NIEM YET');
    await listAnswer(page, () => page.click('#search button[type="submit"]'));
    await page.locator('#fb-empty', { hasText: 'Không tìm thấy phản ánh nào khớp “NIEM YET”' }).waitFor();
    assert.deepEqual(await sideCounts(page), { open: '0', to_assign: '0', mine: '0', overdue: '0', due_soon: '0', answered: '0', all: '0' });
    assert.equal(await page.locator('#pager').innerText(), '');
    // Cleared: the complaints again, the search gone from the URL.
    await listAnswer(page, () => page.click('#clear'));
    await fbRow(page, fbId).waitFor();
    assert.doesNotMatch(page.url(), /[?&]q=/);
    assert.equal(await page.locator('#clear').isVisible(), false);
  });

  await step('leader-assigns', 'leader', async (page) => {
    await fbRow(page, fbId).locator('a.fb-open').click();
    await page.waitForURL((u) => u.searchParams.get('id') === String(fbId));
    await page.locator('#fb-subject', { hasText: subject }).waitFor();
    assert.equal(await page.locator('#fb-sender').innerText(), 'Nguyễn Văn An', 'the officer sees who sent it');
    assert.equal(await page.locator('#answer-form').count(), 0, 'a leader does not answer');
    assert.equal(await page.locator('#fb-readonly').count(), 1);
    await snap(page, 'leader-item');
    await page.locator('#assignee option[value="' + S.login + '"]').waitFor({ state: 'attached' });
    await page.selectOption('#assignee', S.login);
    await page.click('#assign-send');
    await page.locator('#fb-ok', { hasText: S.name }).waitFor();
    assert.equal(await page.locator('#fb-assignee').innerText(), S.name);
    assert.match(await page.locator('.head-status .status').innerText(), /Đang xử lý/);
    // Back to the list, where the filter and view were kept.
    await page.click('#back');
    await fbRow(page, fbId).waitFor();
    assert.match(page.url(), /view=all/);
    assert.match(await fbRow(page, fbId).innerText(), new RegExp(S.name));
  });

  await step('specialist-answers', 'specialist', async (page) => {
    await e2e.officerLogin(page, S);
    await openFeedbackPage(page);
    await fbRow(page, fbId).locator('td').nth(4).click(); // the whole row opens the item
    await page.locator('#fb-subject', { hasText: subject }).waitFor();
    assert.equal(await page.locator('#assign-card').count(), 0, 'a specialist does not assign');
    assert.equal(await page.locator('#fb-content br').count(), 1, 'the content keeps its line break');
    assert.match(await page.locator('#fb-content').innerText(), new RegExp(lines[1]));
    assert.match(await page.locator('#fb-due').innerText(), /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/);
    assert.equal(await page.locator('#fb-rule').innerText(), 'Chuyên viên trả lời trong 10 ngày làm việc kể từ khi nhận.');
    await page.fill('#answer', answer);
    await snap(page, 'specialist-item');
    await page.click('#answer-send');
    await page.locator('#fb-ok').waitFor();
    assert.match(await page.locator('.head-status .status').innerText(), /Đã trả lời/);
    assert.equal(await page.locator('#fb-answer').innerText(), answer);
    assert.match(await page.locator('#fb-rating').innerText(), /chưa đánh giá/);
    const it = (await mine()).find((x) => x.id === fbId);
    assert.deepEqual([it.state, it.answer, it.on_time], ['answered', answer, true]);
  });

  await step('citizen-sees-answer', 'citizen', async (page) => {
    await page.reload();
    const item = page.locator(`#fb-${fbId}`);
    await item.waitFor();
    assert.match(await item.locator('.status').innerText(), /Đã trả lời/);
    assert.equal(await item.locator('[data-testid="answer"]').innerText(), answer);
    await item.locator('form.fb-rate').waitFor();
    await snapPart(item, 'citizen-answer-item');
  });

  await step('citizen-rates', 'citizen', async (page) => {
    const item = page.locator(`#fb-${fbId}`);
    await item.locator('button[type="submit"]').click(); // no level chosen: said at once, nothing sent
    await item.locator('.field-error', { hasText: 'Vui lòng chọn mức độ hài lòng' }).waitFor();
    await snapPart(item, 'citizen-rating-error');
    await item.locator('label', { hasText: /^Hài lòng$/ }).click();
    await item.locator('button[type="submit"]').click();
    await item.locator('.fb-rated', { hasText: 'Hài lòng' }).waitFor();
    const it = (await mine()).find((x) => x.id === fbId);
    assert.equal(it.rating, 'hai_long');
    await page.reload();
    await page.locator(`#fb-${fbId} .fb-rated`).waitFor();
    assert.equal(await page.locator(`#fb-${fbId} form.fb-rate`).count(), 0, 'rated once: no form any more');
    // The API refuses a second rating anyway.
    const again = await api.post(`/api/v1/feedback/${fbId}/rating`, { level: 'rat_hai_long' });
    assert.equal(again.status, 409, again.text);
  });

  await step('citizen-desktop', 'citizen', async (page) => {
    await page.setViewportSize(DESKTOP);
    await page.goto(srv.url + '/phan-anh');
    await page.locator(`#fb-${fbId} .fb-rated`).waitFor();
    assert.equal(await page.locator('#jump-new').isVisible(), true, 'with items sent, the list comes first');
    assert.equal(await page.locator('#sent + #gui-moi').count(), 1);
  });

  await step('leader-sees-rating', 'leader', async (page) => {
    await page.goto(`${srv.url}/can-bo/phan-anh?view=all&id=${fbId}`);
    await page.locator('#fb-rating', { hasText: 'Hài lòng' }).waitFor();
    assert.equal(await page.locator('#assign-card').count(), 0, 'answered: nothing to assign');
    // The dossier it is about opens on the officers' dossier page.
    await page.click('#fb-dossier');
    await page.waitForURL((u) => u.pathname === '/can-bo/ho-so');
    await page.locator('#dossier-code', { hasText: code }).waitFor();
  });
});

test('the officers\' list pages 25 at a time; the kind and a search without diacritics go to the API', { timeout: 300000 }, async () => {
  const { srv } = e2e;
  const api = new Client(srv.url);
  await api.login(DEMO_CITIZEN.login, DEMO_CITIZEN.password);
  const sent = [];
  for (let i = 1; i <= 26; i++) {
    const r = await api.post('/api/v1/feedback', { kind: 'suggestion', unit_code: COMMUNE, subject: `Góp ý về trụ sở, lần ${i}`, content: 'Đề nghị bố trí thêm ghế chờ tại trụ sở.' });
    assert.equal(r.status, 201, r.text);
    sent.push(r.json.id);
  }
  // Counted here from the database: the commune's items, and its suggestions.
  const inCommune = `FROM feedback f JOIN units u ON u.id = f.unit_id JOIN units top ON top.code = '${COMMUNE}' WHERE substr(u.path, 1, length(top.path)) = top.path`;
  const total = Number(sql(srv.dataDir, `SELECT count(*) AS n ${inCommune}`)[0].n);
  const suggestions = Number(sql(srv.dataDir, `SELECT count(*) AS n ${inCommune} AND f.kind = 'suggestion'`)[0].n);
  assert.ok(total > 26 && suggestions >= 27, `${total} ${suggestions}`);

  await step('leader-pages', 'leader', async (page) => {
    await page.goto(`${srv.url}/can-bo/phan-anh?view=all&so=25`);
    await page.locator('#fb-table').waitFor();
    assert.equal(await page.locator('#view-all .count').innerText(), String(total));
    assert.equal((await rowIds(page)).length, 25);
    assert.equal(await page.locator('#pager-range').innerText(), `Mục 1–25 trong ${total}`);
    assert.equal(await page.locator('#prev').isDisabled(), true);
    const a = await listAnswer(page, () => page.click('#next'));
    assert.deepEqual([a.query.get('limit'), a.query.get('offset')], ['25', '25']);
    await page.locator('#pager-page', { hasText: `Trang 2/${Math.ceil(total / 25)}` }).waitFor();
    assert.equal((await rowIds(page)).length, Math.min(25, total - 25));
    assert.match(page.url(), /trang=2/);
    assert.equal(await page.locator('#next').isDisabled(), total <= 50);
    // Back: the first page again (history).
    await page.goBack();
    await page.locator('#pager-range', { hasText: 'Mục 1–25' }).waitFor();
  });

  await step('leader-kind-and-search', 'leader', async (page) => {
    let a = await listAnswer(page, () => page.selectOption('#kind', 'suggestion'));
    assert.equal(a.query.get('kind'), 'suggestion');
    assert.equal(a.query.get('offset'), '0', 'a new filter starts at the first page');
    await page.locator('#view-all .count', { hasText: String(suggestions) }).waitFor();
    assert.equal(await page.locator('#pager-range').innerText(), `Mục 1–25 trong ${suggestions}`);
    assert.equal(await page.locator('#total').innerText(), `${suggestions} kiến nghị`);
    // Without diacritics, and the API's count of what matched in every view.
    await page.fill('#q', 'tru so, lan 2');
    a = await listAnswer(page, () => page.press('#q', 'Enter'));
    const want = sent.filter((_, i) => /^2/.test(String(i + 1))).sort((x, y) => x - y); // lần 2, 20–26
    assert.equal(a.json.total, want.length);
    await page.locator('#view-all .count', { hasText: new RegExp(`^${want.length}$`) }).waitFor();
    assert.deepEqual((await rowIds(page)).sort((x, y) => x - y), want);
    assert.equal(await page.locator('#view-open .count').innerText(), String(want.length));
    assert.equal(await page.locator('#view-answered .count').innerText(), '0');
    assert.equal(await page.locator('#pager-range').innerText(), `Mục 1–${want.length} trong ${want.length}`);
    assert.equal(await page.locator('#side-note').innerText(), 'Số kiến nghị khớp “tru so, lan 2”');
    // Another view keeps the kind and the search.
    a = await listAnswer(page, () => page.click('#view-to_assign'));
    assert.deepEqual([a.query.get('view'), a.query.get('kind'), a.query.get('q')], ['to_assign', 'suggestion', 'tru so, lan 2']);
    await page.locator('#view-title', { hasText: 'chờ phân công' }).waitFor();
    assert.equal((await rowIds(page)).length, want.length);
  });
});
