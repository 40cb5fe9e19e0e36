// The search's register and signer filters (docs/documents.md, "Search"): with the demo
// accounts of Phường Hạc Thành, a Quyết định signed by the ward's leader and one signed by the
// province's administrator, both drafts (register "đi"). register=out finds both, register=in
// neither; signer "trinh van long" (typed without diacritics) finds the leader's only, and
// "Trịnh Văn Long" the same; a register other than out or in is refused (422, field
// register) and changes nothing, as is a signer longer than the index's field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMUNE, Client, DEMO_OFFICERS, expectRefused, sqlValue, startServer, totp } from './lib/server.mjs';

test('search filters by register and by signer', async (t) => {
  const srv = await startServer(t);
  const num = (q) => Number(sqlValue(srv.dataDir, q));
  const unit = num(`SELECT id FROM units WHERE code = '${COMMUNE}'`);
  const leaderId = num(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`);
  const adminId = num(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.province_admin.login}'`);
  const s = new Client(srv.url);
  const who = DEMO_OFFICERS.specialist;
  let r = await s.post('/api/v1/auth/login', { login: who.login, password: who.password, totp: totp(who.secret) });
  assert.equal(r.status, 200, r.text);
  const draft = async (summary, signer) => {
    const x = await s.post('/api/v1/documents', { unit_id: unit, type: 'quyet_dinh', summary, signer_id: signer, signer_title: 'CHỦ TỊCH' });
    assert.equal(x.status, 201, x.text);
    return x.json.document.id;
  };
  const mine = await draft('Về việc kiện toàn Ban chỉ huy quân sự phường', leaderId);
  const other = await draft('Về việc kiện toàn Hội đồng thi đua khen thưởng', adminId);
  const ids = async (query) => {
    const x = await s.get(`/api/v1/documents/search?${new URLSearchParams(query)}`);
    assert.equal(x.status, 200, x.text);
    return x.json.items.map((i) => i.id).sort((a, b) => a - b);
  };

  assert.deepEqual(await ids({ q: 'kien toan', register: 'out' }), [mine, other].sort((a, b) => a - b));
  assert.deepEqual(await ids({ q: 'kien toan', register: 'in' }), []);
  assert.deepEqual(await ids({ q: 'kien toan', signer: 'trinh van long' }), [mine]);
  assert.deepEqual(await ids({ q: 'kien toan', signer: DEMO_OFFICERS.leader.name }), [mine]);
  assert.deepEqual(await ids({ signer: DEMO_OFFICERS.province_admin.name.toUpperCase() }), [other]);
  assert.deepEqual(await ids({ q: 'kien toan', signer: 'trinh van' }), [], 'the whole name, not a prefix');

  await expectRefused(srv, () => s.get('/api/v1/documents/search?q=kien&register=di'), { status: 422, code: 'invalid', field: 'register' });
  await expectRefused(srv, () => s.get(`/api/v1/documents/search?signer=${'a'.repeat(200)}`), { status: 422, code: 'filter_invalid' });
});
