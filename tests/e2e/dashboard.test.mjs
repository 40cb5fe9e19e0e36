// Browser test of the leaders' dashboard (/can-bo/bao-cao): dossiers in known states are
// built through the API (online, at the desk and by post; waiting, refused, in processing,
// approved and returned, rated; one in another commune); the leader of Phường Hạc Thành opens
// the dashboard, and every headline figure, the channel split and the table's totals equal
// GET /api/v1/reports/summary for the same unit and period (and the counts made here); the
// charts are drawn; a number's drill-down opens the queue with exactly those dossiers. A
// leader of another commune sees only that commune: neither its report, nor its queue.
//
// Starts the real server on a free port with a fresh data directory (binary from MOTCUA_BIN,
// default build/motcua; the other commune's leader is added with `motcua user add` before
// the start) and drives Debian's chromium with playwright-core (lib/browser.mjs); one context
// per person. Setup goes through the API as the province admin (each officer's one-time code
// is good for one login, so the leader in the browser does not log in through the API too).
// Screenshots: /tmp/dash-NN-*.png (/tmp/dash-failure-*.png when a step fails).
// Run: node --test tests/e2e/

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, initDataDir, motcua, newCitizen, birthForm, samplePdf, BIRTH, COMMUNE, COMMUNE2, DEMO_OFFICERS,
} from '../api/lib/server.mjs';
import { browserTest, failedResource, submitDossier as online, ok, COPY } from './lib/browser.mjs';
import { giveOfficialKey } from '../api/lib/keys.mjs';

const O = DEMO_OFFICERS;
const OTHER = { login: 'lanhdao.xa2', name: 'Hà Văn Phúc', password: 'mat-khau-lanh-dao-2' }; // leader of COMMUNE2, no TOTP
const nf = new Intl.NumberFormat('vi-VN');
const pf = new Intl.NumberFormat('vi-VN', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const num = (n) => nf.format(n || 0);
const pct = (x) => (x === null || x === undefined ? '–' : pf.format(x));

/* ---------------- harness; data through the API as the province admin ---------------- */

let dataDir = null;
let admin = null;

const e2e = browserTest({
  shots: '/tmp',
  prefix: 'dash-',
  start() {
    dataDir = initDataDir();
    const r = motcua(['user', 'add', '--data', dataDir, '--kind', 'staff', '--login', OTHER.login, '--name', OTHER.name,
      '--password', OTHER.password, '--role', 'leader', '--unit', COMMUNE2, '--no-totp']);
    assert.equal(r.status, 0, r.stderr);
    // The administrator approves a result here, and approving signs it (docs/signatures.md).
    giveOfficialKey(dataDir, O.province_admin.login, COMMUNE, O.province_admin.name);
    return startServer(null, { dataDir });
  },
  async setup() { admin = await e2e.apiLogin(O.province_admin); },
});
const { step } = e2e;
after(() => { if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true }); });

const act = (d, action, body = {}) => admin.post(`/api/v1/staff/dossiers/${d.id}/actions/${action}`, body).then((r) => ok(r));

/** A walk-in (desk) or postal birth registration registered by the admin: received at once. */
async function atDesk(channel) {
  const d = ok(await admin.post('/api/v1/staff/dossiers', {
    procedure_code: BIRTH, unit_code: COMMUNE, channel,
    applicant: { name: 'Hoàng Thị Thu', phone: '0903123456', address: 'Phường Hạc Thành' },
  }), 201);
  ok(await admin.put(`/api/v1/staff/dossiers/${d.id}/form`, birthForm({ requester_name: 'Hoàng Thị Thu' })));
  ok(await admin.req('PUT', `/api/v1/staff/dossiers/${d.id}/files/ban-quet.pdf?document=giay_chung_sinh`, { body: samplePdf(), type: 'application/pdf' }), 201);
  return ok(await admin.post(`/api/v1/staff/dossiers/${d.id}/submit`, {}));
}

/** The value and the sub-line of a headline figure, found by its exact label. */
async function kpi(page, label) {
  const box = page.locator('.kpi').filter({ has: page.locator('.k-label', { hasText: new RegExp(`^${label}$`) }) });
  assert.equal(await box.count(), 1, `one figure "${label}"`);
  return { value: (await box.locator('.k-value').innerText()).trim(), sub: (await box.locator('.k-sub').innerText()).trim(), box };
}

/** The dossier codes the queue shows (waits for the table or its empty state). */
async function queueCodes(page) {
  await page.locator('#queue, #queue-empty').first().waitFor();
  return (await page.locator('#queue tbody tr[data-code]').evaluateAll((rs) => rs.map((r) => r.dataset.code))).sort();
}

test('the leaders\' dashboard shows the report\'s figures, its charts and its drill-down', { timeout: 300000 }, async () => {
  const { srv } = e2e;
  const c1 = await newCitizen(srv.url);
  const c2 = await newCitizen(srv.url);
  // Phường Hạc Thành, today: 4 online, 1 at the desk, 1 by post.
  const waiting = await online(c1, BIRTH); // 1. Mới đăng ký
  const refused = await online(c1, BIRTH);
  await act(refused, 'refuse', { note: 'Hồ sơ không thuộc thẩm quyền giải quyết' });
  const returned = await online(c2, BIRTH);
  await act(returned, 'accept');
  await act(returned, 'assign', { assignee: O.specialist.login });
  await act(returned, 'propose');
  await act(returned, 'approve'); // done: early if before the appointment's day, else on time
  await act(returned, 'return_result');
  // Early means done before the local day of the appointment (docs/reports.md). Submitted
  // between local midnight and 07:00, a one-day procedure is due the same day: on time.
  const seen = ok(await admin.get(`/api/v1/staff/dossiers/${returned.id}`));
  const vnDay = (iso) => new Date(Date.parse(iso) + 7 * 3600e3).toISOString().slice(0, 10);
  const doneAt = seen.history.find((h) => h.status && h.status.code === 9).at;
  const early = vnDay(doneAt) < vnDay(seen.due_at) ? 1 : 0;
  ok(await c2.post(`/api/v1/dossiers/${returned.id}/rating`, { level: 'rat_hai_long' }), 201);
  const processing = await online(c2, COPY);
  await act(processing, 'accept');
  await act(processing, 'assign', { assignee: O.specialist.login });
  const desk = await atDesk('desk');
  const post = await atDesk('post');
  // Another commune.
  const elsewhere = await online(c1, BIRTH, COMMUNE2);
  const ours = [waiting, refused, returned, processing, desk, post];
  const codes = (list) => list.map((d) => d.code).sort();

  let rep = null;
  await step('bao-cao', 'leader', async (page) => {
    await e2e.officerLogin(page, O.leader);
    await page.click('#nav-report');
    await page.waitForURL(/\/can-bo\/bao-cao\?/);
    await page.locator('.kpis').waitFor();
    const q = new URL(page.url()).searchParams;
    assert.equal(q.get('unit'), COMMUNE);
    rep = ok(await admin.get(`/api/v1/reports/summary?unit=${COMMUNE}&from=${q.get('from')}&to=${q.get('to')}`));
    const t = rep.totals;
    // What was built here, independently of the server's arithmetic.
    assert.deepEqual([t.received, t.online, t.desk, t.post], [6, 4, 1, 1]);
    assert.deepEqual([t.handled, t.early, t.on_time, t.late, t.refused, t.returned], [1, early, 1 - early, 0, 1, 1]);
    assert.deepEqual([t.pending, t.overdue, t.ratings, t.rat_hai_long], [4, 0, 1, 1]);
    // The page shows the same figures.
    let k = await kpi(page, 'Hồ sơ tiếp nhận');
    assert.equal(k.value, num(t.received));
    assert.equal(k.sub, `${num(t.online)} trực tuyến · ${num(t.desk)} trực tiếp · ${num(t.post)} bưu chính`);
    k = await kpi(page, 'Tỷ lệ tiếp nhận trực tuyến');
    assert.equal(k.value, pct(t.online_share));
    assert.equal(k.value, '66,7%');
    assert.equal(k.sub, `${num(t.online)} / ${num(t.received)} hồ sơ`);
    k = await kpi(page, 'Giải quyết đúng hạn');
    assert.equal(k.value, pct(t.on_time_rate));
    assert.equal(k.sub, `${num(t.early)} trước hạn · ${num(t.on_time)} đúng hạn · ${num(t.late)} quá hạn`);
    assert.equal((await kpi(page, 'Đang giải quyết')).value, num(t.pending));
    assert.equal((await kpi(page, 'Đang quá hạn')).value, num(t.overdue));
    k = await kpi(page, 'Hài lòng');
    assert.equal(k.value, pct(t.satisfaction_rate));
    assert.equal(k.sub, `${num(t.ratings)} lượt đánh giá`);
    // The table's total row.
    const foot = await page.locator('#unit-table tfoot td').allInnerTexts();
    assert.deepEqual(foot.map((s) => s.trim()), ['Tổng cộng', num(t.received), pct(t.online_share), num(t.handled), pct(t.on_time_rate),
      num(t.late), num(t.pending), num(t.overdue), pct(t.satisfaction_rate)]);
    assert.match(await page.locator('#meta').innerText(), new RegExp(COMMUNE.replace(/\./g, '\\.')));
  });

  await step('bieu-do', 'leader', async (page) => {
    // The series: one stacked bar per day; today's bars (online, desk, post) have a height.
    const series = page.locator('svg.chart[aria-label^="Biểu đồ hồ sơ tiếp nhận"]');
    const box = await series.boundingBox();
    assert.ok(box && box.width > 400 && box.height > 100, `the series chart is drawn (${JSON.stringify(box)})`);
    const tall = await series.locator('rect').evaluateAll((rs) => rs.filter((r) => Number(r.getAttribute('height')) > 1).length);
    assert.ok(tall >= 3, `bars for online, desk and post today (${tall})`);
    const today = series.locator('a').last();
    assert.match(await today.getAttribute('aria-label'), /tiếp nhận 6 \(trực tuyến 4, trực tiếp 1, bưu chính 1\); đã giải quyết 1/);
    assert.equal(await series.locator('path').count() >= 1, true, 'the line of dossiers handled');
    // The results split (the one dossier handled, early or on time) and the satisfaction split.
    assert.match(await page.locator('svg.chart[aria-label="Tỷ lệ trước hạn, đúng hạn, quá hạn"] title').first().textContent(),
      early ? /Trước hạn: 1 \(100,0%\)/ : /Đúng hạn: 1 \(100,0%\)/);
    assert.match(await page.locator('svg.chart[aria-label="Mức độ hài lòng"] title').first().textContent(), /Rất hài lòng: 1/);
    // The units: this commune's own dossiers, one bar.
    const units = page.locator('svg.chart[aria-label="Các đơn vị tiếp nhận nhiều hồ sơ nhất"]');
    assert.equal(await units.locator('a').count(), 1);
    assert.match(await units.locator('a').getAttribute('aria-label'), /Phường Hạc Thành.*tiếp nhận 6, trực tuyến 4 \(66,7%\)/);
    await series.scrollIntoViewIfNeeded();
  });

  await step('xem-ho-so-tiep-nhan', 'leader', async (page) => {
    await (await kpi(page, 'Hồ sơ tiếp nhận')).box.locator('a.k-value').click();
    await page.waitForURL((u) => u.pathname === '/can-bo/');
    const q = new URL(page.url()).searchParams;
    assert.equal(q.get('unit'), COMMUNE);
    assert.equal(q.get('from'), rep.period.from);
    assert.equal(q.get('to'), rep.period.to);
    assert.deepEqual(await queueCodes(page), codes(ours));
    assert.ok(!(await queueCodes(page)).includes(elsewhere.code));
    const api = ok(await admin.get(`/api/v1/staff/dossiers?view=all&unit=${COMMUNE}&from=${rep.period.from}&to=${rep.period.to}&limit=200`));
    assert.deepEqual(api.items.map((x) => x.code).sort(), codes(ours));
  });

  await step('xem-ho-so-truc-tuyen', 'leader', async (page) => {
    await page.goBack();
    await page.locator('.kpis').waitFor();
    await (await kpi(page, 'Hồ sơ tiếp nhận')).box.locator('.k-sub a', { hasText: 'trực tuyến' }).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/' && u.searchParams.get('channel') === 'online');
    assert.deepEqual(await queueCodes(page), codes([waiting, refused, returned, processing]));
  });

  await step('xem-ho-so-truoc-han', 'leader', async (page) => {
    await page.goBack();
    await page.locator('.kpis').waitFor();
    const kind = early ? 'early' : 'on_time';
    await (await kpi(page, 'Giải quyết đúng hạn')).box.locator('.k-sub a', { hasText: early ? 'trước hạn' : 'đúng hạn' }).click();
    await page.waitForURL((u) => u.pathname === '/can-bo/' && u.searchParams.get('result') === kind);
    assert.deepEqual(await queueCodes(page), codes([returned]));
  });

  await step('xa-khac-bao-cao', 'other', async (page) => {
    await e2e.officerLogin(page, OTHER);
    await page.click('#nav-report');
    await page.waitForURL(/\/can-bo\/bao-cao\?/);
    await page.locator('.kpis').waitFor();
    assert.equal(new URL(page.url()).searchParams.get('unit'), COMMUNE2);
    assert.equal(await page.locator('#unit-pick').isHidden(), true, 'one unit: no unit list');
    assert.deepEqual(await page.locator('#unit option').evaluateAll((os) => os.map((o) => o.value)), [COMMUNE2]);
    assert.equal((await kpi(page, 'Hồ sơ tiếp nhận')).value, '1');
    assert.ok(!(await page.locator('#report').innerText()).includes('Hạc Thành'));
  });

  await step('xa-khac-khong-thay', 'other', async (page) => {
    const q = `unit=${COMMUNE}&from=${rep.period.from}&to=${rep.period.to}`;
    e2e.expectConsoleError(failedResource(404), /\/api\/v1\/reports\/summary\?/); // the refusal asked for
    await page.goto(`${srv.url}/can-bo/bao-cao?${q}`);
    await page.locator('#alert .alert-error').waitFor();
    assert.match(await page.locator('#alert').innerText(), /Không tải được báo cáo[\s\S]*Không tìm thấy đơn vị/);
    assert.equal(await page.locator('.kpis').count(), 0, 'no figures of the other commune');
    const res = await page.request.get(`${srv.url}/api/v1/reports/summary?${q}`);
    assert.equal(res.status(), 404);
    // Its drill-down shows none of them either.
    await page.goto(`${srv.url}/can-bo/?view=all&${q}`);
    assert.deepEqual(await queueCodes(page), []);
  });

});
