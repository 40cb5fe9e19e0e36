// Browser test of a signed result, from the leader's click to a stranger's check
// (docs/signatures.md): a citizen's birth registration reaches the leader of Phường Hạc
// Thành (accepted, assigned and proposed through the API by the province administrator); the leader logs in, opens it and
// clicks "Phê duyệt kết quả" on the page; the card "Văn bản đã ký số" says the result is
// signed. The result is returned (API). The demo citizen logs in, sees the card "Văn bản điện
// tử đã ký số" on the dossier's page and downloads the result: pdfsig, trusting only the
// demo root read from trust_anchors, finds the leader's signature and the ward's seal valid
// and trusted; the QR code on the first page (pdftoppm, zbarimg) is the address of the
// verification page; a visitor without an account opens that address and reads "Hợp lệ",
// the leader's and the ward's names, and the dossier's code. axe-core checks the citizen's
// page and the verification page.
//
// Screenshots of every step go to test-results/e2e-signed-result/.
// Run: node --test tests/e2e/signed-result.test.mjs

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, COMMUNE, DEMO_CITIZEN, DEMO_OFFICERS, Client, readyBirthDraft, sqlValue, startServer } from '../api/lib/server.mjs';
import { nssTrusting, pdfsig } from '../api/lib/pdf.mjs';
import { axe, browserTest, ok } from './lib/browser.mjs';

const L = DEMO_OFFICERS.leader;
const WARD = 'Phường Hạc Thành';
const APPROVE = 'Phê duyệt kết quả';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-e2e-signed-'));
const f = (name) => path.join(scratch, name);
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60000 });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const e2e = browserTest({
  shots: path.join(ROOT, 'test-results', 'e2e-signed-result'),
  start: () => startServer(null),
});
const { step } = e2e;

test('the leader signs the result on the page; the citizen downloads it; pdfsig trusts it; its QR code opens "Hợp lệ"', { timeout: 300000 }, async () => {
  const { srv } = e2e;
  fs.writeFileSync(f('root.pem'), sqlValue(srv.dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
  nssTrusting(f('nss'), f('root.pem')); // pdfsig trusts the demo root and nothing else

  // The citizen's dossier, up to the leader's approval, through the API.
  const citizen = new Client(srv.url);
  ok(await citizen.post('/api/v1/auth/login', { login: DEMO_CITIZEN.login, password: DEMO_CITIZEN.password }));
  const draft = await readyBirthDraft(citizen, COMMUNE);
  const { code } = ok(await citizen.post(`/api/v1/dossiers/${draft.id}/submit`, {}));
  const id = draft.id;
  // The province administrator moves it on (the leader's one-time code is kept for the page).
  const admin = await e2e.apiLogin(DEMO_OFFICERS.province_admin);
  const act = (action, body = {}) => admin.post(`/api/v1/staff/dossiers/${id}/actions/${action}`, body).then((r) => ok(r));
  await act('accept');
  await act('assign', { assignee: DEMO_OFFICERS.specialist.login });
  await act('propose');

  await step('lanh-dao-phe-duyet-ky-so', 'leader', async (page) => {
    await e2e.officerLogin(page, L);
    await page.goto(`${srv.url}/can-bo/ho-so?id=${id}`);
    await page.locator('#dossier-code', { hasText: code }).waitFor();
    await page.locator('#actions').getByRole('button', { name: APPROVE, exact: true }).click();
    const dlg = page.locator('#action-dialog[open]');
    await dlg.waitFor();
    await dlg.getByRole('button', { name: APPROVE, exact: true }).click();
    await page.locator('#action-ok').waitFor();
    assert.match((await page.locator('#state').innerText()).trim(), /Đã xử lý xong/);
    // The card of signed documents: the result (for a birth, the extract), signed now and
    // timestamped by the demo's authority.
    const staffView = ok(await admin.get(`/api/v1/staff/dossiers/${id}`));
    const rows = staffView.issued.filter((x) => x.kind === 'result');
    assert.equal(rows.length, 1, JSON.stringify(staffView.issued));
    assert.equal(rows[0].state, 'signed');
    const result = page.locator(`#issued-list li[data-public-id="${rows[0].public_id}"]`);
    await result.waitFor();
    assert.match(await result.innerText(), new RegExp(`^${rows[0].title} Đã ký số$`));
    assert.equal(await result.getAttribute('data-state'), 'signed');
  });

  await act('return_result');

  let href = null;
  let publicId = null;
  await step('cong-dan-tai-ket-qua', 'citizen', async (page) => {
    await e2e.citizenLogin(page, DEMO_CITIZEN.login, DEMO_CITIZEN.password);
    await page.goto(`${srv.url}/ho-so?id=${id}`);
    await page.locator('#result-ready').waitFor();
    const row = page.locator('#signed-list li[data-kind="result"]');
    await row.waitFor();
    publicId = await row.getAttribute('data-public-id');
    href = await row.getByRole('link', { name: /Kiểm tra chữ ký số/ }).getAttribute('href');
    assert.equal(href, `/xac-thuc/${publicId}`);
    await axe(page, 'the citizen\'s dossier page');
    const res = await page.request.get(new URL(await page.locator('#result-top').getAttribute('href'), srv.url).href);
    assert.equal(res.status(), 200);
    fs.writeFileSync(f('ket-qua.pdf'), await res.body());
  });

  // Outside the browser: pdfsig trusts the two signatures, in Decree 30's order.
  const p = pdfsig(f('ket-qua.pdf'), f('nss'));
  assert.equal(p.sigs.length, 2, p.out);
  assert.ok(p.sigs.every((x) => x.valid && x.trusted), p.out);
  assert.deepEqual(p.sigs.map((x) => x.name), [L.name, WARD], p.out);
  // The QR code of the first page is the verification page of this document.
  run('pdftoppm', ['-r', '200', '-f', '1', '-l', '1', '-png', f('ket-qua.pdf'), f('page')]);
  const png = fs.readdirSync(scratch).find((n) => /^page.*\.png$/.test(n));
  const qr = run('zbarimg', ['-q', '--raw', f(png)]).trim();
  assert.equal(new URL(qr).pathname, href, `the QR code: ${qr}`);

  await step('xac-thuc-hop-le', 'visitor', async (page) => {
    await page.goto(srv.url + new URL(qr).pathname);
    const verdict = page.locator('#verdict .verdict-label');
    await verdict.waitFor();
    assert.equal((await verdict.innerText()).trim(), 'Hợp lệ');
    const text = await page.locator('main').innerText();
    for (const want of [L.name, WARD, code]) assert.ok(text.includes(want), `the page shows ${want}:\n${text}`);
    await axe(page, 'the verification page');
  });
});
