// Paper documents (docs/documents.md "Paper documents"): a công văn of the provincial police
// arrives at Phường Quảng Phú on paper. Its clerk enters what the paper says (type, notation,
// date, sender, summary), uploads the scan, and registers it (số đến 1); the incoming register
// prints the police as its author; search finds it without diacritics; the leader assigns it
// like any incoming document. Refused, with the database unchanged: registering before the
// scan, a date in the future, no sender, an unknown type, a "mật" paper where the unit does
// not allow it, a unit outside one's own, a leader entering one, a scan that is not a PDF, a
// new scan once registered, another commune's clerk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMMUNE, COMMUNE2, Client, DEMO_OFFICERS, startServer, samplePdf, sqlValue, totp, motcua, expectRefused, addStaff,
} from './lib/server.mjs';

/** A day shifted by `days` from today in Vietnam (UTC+7): [YYYY-MM-DD, DD/MM/YYYY]. */
function day(days = 0) {
  const iso = new Date(Date.now() + 7 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
  return [iso, iso.split('-').reverse().join('/')];
}

test('a paper công văn entered, scanned, registered, found and assigned; refusals change nothing', async (t) => {
  const srv = await startServer(t);
  const id = (q) => Number(sqlValue(srv.dataDir, q));
  const unit2 = id(`SELECT id FROM units WHERE code = '${COMMUNE2}'`);
  const unit = id(`SELECT id FROM units WHERE code = '${COMMUNE}'`);
  const q = {};
  for (const [role, login, name] of [['clerk', 'vt.quangphu', 'Lê Thị Văn'], ['leader', 'ld.quangphu', 'Trịnh Văn Lãnh'],
    ['specialist', 'cv.quangphu', 'Phạm Thị Chuyên']]) {
    q[role] = (await addStaff(srv, { login, name, role, unit: COMMUNE2 })).c;
  }
  const hacThanhClerk = new Client(srv.url);
  let r = await hacThanhClerk.post('/api/v1/auth/login', { login: DEMO_OFFICERS.clerk.login, password: DEMO_OFFICERS.clerk.password, totp: totp(DEMO_OFFICERS.clerk.secret) });
  assert.equal(r.status, 200, r.text);

  const [yesterday, yesterdayVn] = day(-1);
  const paper = {
    unit_id: unit2, type: 'cong_van', notation: '125/CAT-PV01', issued_on: yesterday, sender: 'Công an tỉnh Thanh Hóa',
    summary: 'V/v phối hợp kiểm tra an toàn phòng cháy chữa cháy cuối năm', priority: 'khan',
  };
  const enter = (c, body) => c.post('/api/v1/incoming/paper', body);
  for (const [body, expect] of [
    [{ ...paper, issued_on: day(1)[0] }, { status: 422, code: 'invalid_issued_on', field: 'issued_on' }],
    [{ ...paper, issued_on: '2026-02-30' }, { status: 422, code: 'invalid_issued_on', field: 'issued_on' }],
    [{ ...paper, sender: undefined }, { status: 422, code: 'required', field: 'sender' }],
    [{ ...paper, type: 'khong_co' }, { status: 422, code: 'invalid_type', field: 'type' }],
    [{ ...paper, confidentiality: 'mat' }, { status: 403, code: 'secret_not_allowed', field: 'confidentiality' }],
    [{ ...paper, notation: 'x'.repeat(65) }, { status: 422, code: 'bad_length', field: 'notation' }],
    [{ ...paper, unit_id: unit }, { status: 404, code: 'unit_not_found', field: 'unit_id' }],
  ]) await expectRefused(srv, () => enter(q.clerk, body), expect);
  // The leader does not register documents: to them the unit's intake is not theirs.
  await expectRefused(srv, () => enter(q.leader, paper), { status: 404, code: 'unit_not_found', field: 'unit_id' });

  r = await enter(q.clerk, paper);
  assert.equal(r.status, 201, r.text);
  const doc = r.json.document;
  assert.deepEqual([doc.direction, doc.notation, doc.issued_on, doc.priority, doc.sha256], ['in', '125/CAT-PV01', yesterday, 'khan', null]);
  assert.deepEqual(doc.incoming.sender, { document_id: null, unit: null, name: 'Công an tỉnh Thanh Hóa' });
  assert.equal(doc.incoming.code, '01');
  r = await q.clerk.get('/api/v1/incoming?box=arrived');
  assert.deepEqual(r.json.items.map((x) => [x.id, x.sender, x.notation]), [[doc.id, 'Công an tỉnh Thanh Hóa', '125/CAT-PV01']]);

  // No number before the scan; the scan must be a PDF; another commune's clerk sees nothing.
  await expectRefused(srv, () => q.clerk.post(`/api/v1/incoming/${doc.id}/register`, {}), { status: 409, code: 'scan_required' });
  const scan = (c, name, body, type) => c.req('PUT', `/api/v1/incoming/${doc.id}/scan/${name}`, { body, type });
  await expectRefused(srv, () => scan(q.clerk, 'ban-quet.png', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 'image/png'),
    { status: 415, code: 'pdf_required', field: 'name' });
  await expectRefused(srv, () => scan(q.leader, 'ban-quet.pdf', samplePdf('x'), 'application/pdf'), { status: 403, code: 'forbidden' });
  await expectRefused(srv, () => scan(hacThanhClerk, 'ban-quet.pdf', samplePdf('x'), 'application/pdf'), { status: 404, code: 'document_not_found' });
  await expectRefused(srv, () => hacThanhClerk.get(`/api/v1/incoming/${doc.id}`), { status: 404, code: 'document_not_found' });

  r = await scan(q.clerk, 'ban-quet.pdf', samplePdf('Cong van phoi hop kiem tra phong chay chua chay'), 'application/pdf');
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.document.sha256, /^[0-9a-f]{64}$/);

  // Registered: số đến 1; the register prints the police as the author.
  r = await q.clerk.post(`/api/v1/incoming/${doc.id}/register`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.document.incoming.number, 1);
  await expectRefused(srv, () => scan(q.clerk, 'ban-quet-2.pdf', samplePdf('y'), 'application/pdf'), { status: 409, code: 'wrong_state' });
  const year = day()[0].slice(0, 4);
  const print = motcua(['document', 'register', '--data', srv.dataDir, '--unit', COMMUNE2, '--year', year, '--direction', 'in', '--format', 'csv']);
  assert.equal(print.status, 0, print.stderr);
  const line = print.stdout.replace(/^\uFEFF/, '').trim().split('\r\n')[1].split(',');
  assert.deepEqual(line.slice(1, 5), ['1', 'Công an tỉnh Thanh Hóa', '125/CAT-PV01', yesterdayVn]);

  // Found without diacritics, by its summary and by the scan's text.
  r = await q.clerk.get('/api/v1/documents/search?q=phong%20chay%20chua%20chay');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((x) => x.id), [doc.id]);
  r = await hacThanhClerk.get('/api/v1/documents/search?q=phong%20chay%20chua%20chay');
  assert.deepEqual(r.json.items, [], 'not in another commune\'s search');

  // Then it goes on like any incoming document: the leader assigns it.
  const specId = id("SELECT id FROM accounts WHERE login = 'cv.quangphu'");
  r = await q.leader.post(`/api/v1/incoming/${doc.id}/assign`, { lead_account_id: specId, instruction: 'Chủ trì phối hợp.', deadline: day(3)[0] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.document.incoming.code, '04');
});
