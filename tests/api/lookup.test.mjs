// API tests: the public lookup of a dossier by its code: no login, the status, history,
// appointment and unit, and never any of the applicant's personal data.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, Client, newCitizen, readyBirthDraft, birthForm, snapshot, assertUnchanged,
  expectRefused, assertError, parseLocalIso, BIRTH, COMMUNE,
} from './lib/server.mjs';

let srv;
before(async () => { srv = await startServer(null); });
after(() => srv && srv.stop());

const D = '/api/v1/dossiers';
const L = '/api/v1/lookup/';

/** Every personal value the applicant gave: account details and the form's values. */
function personalValues(c) {
  const vals = [c.person.full_name, c.person.citizen_id, c.person.phone, c.person.email];
  for (const v of Object.values(birthForm())) {
    if (typeof v === 'string' && v.length >= 4) vals.push(v);
    if (typeof v === 'number' && v >= 1000) vals.push(String(v));
  }
  // Parts of them too: a surname and given name, the digits of the ID.
  vals.push('Lê Văn Hùng', 'Nguyễn Thị Mai', 'Lê Minh Khôi', '038090012345', '0903123456', 'hung.le@example.vn', 'Lê Lợi');
  return vals;
}

function assertNoPersonalData(text, c, extra = []) {
  const folded = text.normalize('NFC');
  for (const v of [...personalValues(c), ...extra]) {
    assert.ok(!folded.includes(v), `the public lookup shows personal data ${JSON.stringify(v)}: ${text}`);
    assert.ok(!folded.includes(JSON.stringify(v).slice(1, -1)), `the public lookup shows personal data (escaped) ${JSON.stringify(v)}`);
  }
  // Digits of the citizen ID must not appear even inside something else.
  assert.ok(!text.includes(c.person.citizen_id.slice(3)), 'no fragment of the citizen ID');
}

test('lookup by code without login: status, history, appointment, unit, procedure', async () => {
  const c = await newCitizen(srv.url);
  const d = await readyBirthDraft(c);
  const x = (await c.post(`${D}/${d.id}/submit`)).json;
  const anon = new Client(srv.url);
  const before = snapshot(srv.dataDir);
  const r = await anon.get(L + encodeURIComponent(x.code));
  assert.equal(r.status, 200, r.text);
  assertUnchanged(srv.dataDir, before, [], '(a lookup writes nothing)');
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(Object.keys(r.json).sort(), ['code', 'due_at', 'history', 'procedure', 'status', 'submitted_at', 'unit']);
  assert.equal(r.json.code, x.code);
  assert.deepEqual(r.json.procedure, { code: BIRTH, name: 'Đăng ký khai sinh' });
  assert.deepEqual(r.json.unit, { code: COMMUNE, name: 'Phường Hạc Thành' });
  assert.deepEqual(r.json.status, { code: 1, name: 'Mới đăng ký' });
  assert.equal(r.json.submitted_at, x.submitted_at);
  assert.equal(r.json.due_at, x.due_at);
  parseLocalIso(r.json.due_at);
  assert.equal(r.json.history.length, 1);
  assert.deepEqual(r.json.history[0], { at: x.submitted_at, status: { code: 1, name: 'Mới đăng ký' } });
  assertNoPersonalData(r.text, c);
  // Logged in as someone else, or as the owner: the same public answer.
  const other = await newCitizen(srv.url);
  assert.equal((await other.get(L + encodeURIComponent(x.code))).text, r.text);
  assert.equal((await c.get(L + encodeURIComponent(x.code))).text, r.text);
});

test('lookup after withdrawal: at once status 7 in the history, without the reason (which may be personal)', async () => {
  const c = await newCitizen(srv.url);
  const d = await readyBirthDraft(c);
  const x = (await c.post(`${D}/${d.id}/submit`)).json;
  // Look it up first (an answer that may be cached), then withdraw: the lookup must not be stale.
  for (let i = 0; i < 3; i++) {
    const before = await new Client(srv.url).get(L + encodeURIComponent(x.code));
    assert.deepEqual(before.json.status, { code: 1, name: 'Mới đăng ký' });
  }
  const reason = 'Rút để nộp lại, liên hệ chị Hoa 0987654321';
  assert.equal((await c.post(`${D}/${d.id}/withdraw`, { reason })).status, 200);
  const r = await new Client(srv.url).get(L + encodeURIComponent(x.code));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.status, { code: 7, name: 'Công dân yêu cầu rút hồ sơ' });
  assert.deepEqual(r.json.history.map((h) => h.status.code), [1, 7]);
  for (const h of r.json.history) assert.deepEqual(Object.keys(h).sort(), ['at', 'status']);
  assertNoPersonalData(r.text, c, [reason, '0987654321', 'chị Hoa', 'Nộp hồ sơ trực tuyến']);
});

test('lookup: unknown codes, drafts and numeric ids -> 404', async () => {
  const c = await newCitizen(srv.url);
  const d = await readyBirthDraft(c);
  const sub = await readyBirthDraft(c);
  const x = (await c.post(`${D}/${sub.id}/submit`)).json;
  const anon = new Client(srv.url);
  const codes = [
    `${COMMUNE}-000101-0001`,
    x.code.replace(/\d{4}$/, '9999'),
    x.code.toLowerCase(),
    x.code + ' ',
    x.code + '0',
    String(sub.id), // the lookup is by code only: ids would let anyone walk all dossiers
    String(d.id),
    'null',
    `${x.code}' OR '1'='1`,
    '%',
    'x'.repeat(96),
    'x'.repeat(255),
  ];
  for (const code of codes) {
    const r = await anon.get(L + encodeURIComponent(code));
    assertError(r, 404, 'not_found');
    assert.ok(!r.text.includes('Lê Văn Hùng'));
  }
  assertError(await anon.get(L), 404, 'not_found');
  // Lookup is read-only.
  await expectRefused(srv, () => anon.post(L + encodeURIComponent(x.code), { status: 9 }), { status: 405, code: 'method_not_allowed' });
  await expectRefused(srv, () => c.req('DELETE', L + encodeURIComponent(x.code)), { status: 405, code: 'method_not_allowed' });
});
