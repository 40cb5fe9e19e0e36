// Incoming official documents (docs/documents.md "The incoming flow"): Phường Hạc Thành
// issues công văn to Phường Quảng Phú and Sở Tài chính; Quảng Phú's clerk sees them
// arrived, checks the signatures (valid, trusted), registers them (số đến 1, then 2), the
// leader assigns a lead officer with a deadline, the specialist handles and completes it, and
// the sender reads the statuses 01 → 06 on its outgoing document. A third is refused back
// with a reason: the sender sees 02. Refusals leave the database exactly as it was: another
// unit's document (404), registering twice (409), assigning without a lead (400), completing
// before the assignment (409).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMMUNE, COMMUNE2, Client, DEMO_OFFICERS, startServer, samplePdf, sqlValue, totp,
  expectRefused, motcua, officerSession as officer, addStaff,
} from './lib/server.mjs';

const FINANCE = '000.00.04.H56'; // Sở Tài chính

/** Today and a day shifted by `days`, in Vietnam (UTC+7), YYYY-MM-DD. */
const day = (days = 0) => new Date(Date.now() + 7 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);

test('incoming documents: arrived, checked, registered, assigned, handled, completed; the sender follows; refusals change nothing', async (t) => {
  const srv = await startServer(t);
  const id = (q) => Number(sqlValue(srv.dataDir, q));
  const unit = id(`SELECT id FROM units WHERE code = '${COMMUNE}'`);
  const unit2 = id(`SELECT id FROM units WHERE code = '${COMMUNE2}'`);
  const finance = id(`SELECT id FROM units WHERE code = '${FINANCE}'`);
  const leaderId = id(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`);

  // Quảng Phú's officers: a clerk, a leader, a specialist.
  const staff = {};
  for (const [role, login, name] of [['clerk', 'vt.quangphu', 'Lê Thị Văn'], ['leader', 'ld.quangphu', 'Trịnh Văn Lãnh'],
    ['specialist', 'cv.quangphu', 'Phạm Thị Chuyên']]) {
    staff[role] = await addStaff(srv, { login, name, role, unit: COMMUNE2 });
  }
  const specialist = await officer(srv.url, DEMO_OFFICERS.specialist);
  const leader = await officer(srv.url, DEMO_OFFICERS.leader);
  const clerk = await officer(srv.url, DEMO_OFFICERS.clerk);

  /** A công văn of Hạc Thành through its outgoing flow, issued to the given units. */
  async function issueCongVan(summary, recipients) {
    let r = await specialist.post('/api/v1/documents', {
      unit_id: unit, type: 'cong_van', department: 'VP', summary, signer_id: leaderId, signer_title: 'CHỦ TỊCH',
      recipients_internal: recipients,
    });
    assert.equal(r.status, 201, r.text);
    const doc = r.json.document;
    r = await specialist.req('PUT', `/api/v1/documents/${doc.id}/body/cong-van.pdf`, { body: samplePdf(summary.slice(0, 20)), type: 'application/pdf' });
    assert.equal(r.status, 200, r.text);
    assert.equal((await specialist.post(`/api/v1/documents/${doc.id}/submit`, {})).status, 200);
    assert.equal((await leader.post(`/api/v1/documents/${doc.id}/review`, { decision: 'approve' })).status, 200);
    r = await leader.post(`/api/v1/documents/${doc.id}/sign`, {});
    assert.equal(r.status, 200, r.text);
    r = await clerk.post(`/api/v1/documents/${doc.id}/issue`, {});
    assert.equal(r.status, 200, r.text);
    return r.json.document;
  }
  const cv1 = await issueCongVan('V/v phối hợp rà soát hộ nghèo năm 2026', [unit2, finance]);
  const cv2 = await issueCongVan('V/v đề nghị cung cấp số liệu dân cư', [unit2]);
  const cv3 = await issueCongVan('V/v gửi nhầm nơi nhận', [unit2]);
  const copyOf = (src, u) => id(`SELECT id FROM documents WHERE source_id = ${src} AND unit_id = ${u}`);
  const in1 = copyOf(cv1.id, unit2), in1f = copyOf(cv1.id, finance), in2 = copyOf(cv2.id, unit2), in3 = copyOf(cv3.id, unit2);

  // The sender sees its deliveries, each "01 arrived".
  let r = await clerk.get(`/api/v1/documents/${cv1.id}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.document.deliveries.map((x) => [x.unit.code, x.code, x.status, x.number]),
    [[COMMUNE2, '01', 'arrived', null], [FINANCE, '01', 'arrived', null]]);

  // Quảng Phú's clerk: three arrived, newest first; nothing registered yet.
  const qClerk = staff.clerk.c;
  r = await qClerk.get('/api/v1/incoming?box=arrived');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((x) => [x.id, x.code, x.notation]),
    [[in3, '01', cv3.notation], [in2, '01', cv2.notation], [in1, '01', cv1.notation]]);
  assert.equal(r.json.total, 3);
  assert.equal(r.json.items[2].sender, 'Phường Hạc Thành');
  r = await qClerk.get('/api/v1/incoming?box=arrived&limit=1&offset=1');
  assert.deepEqual(r.json.items.map((x) => x.id), [in2]);
  assert.equal(r.json.total, 3);
  r = await qClerk.get('/api/v1/incoming?box=registered');
  assert.deepEqual(r.json.items, []);

  // The signature check: the leader's signature and the seal, valid and trusted.
  r = await qClerk.get(`/api/v1/incoming/${in1}/verification`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.verification.verdict, 'valid', r.text);
  assert.equal(r.json.verification.valid, true);
  assert.equal(r.json.verification.signatures.length, 2);

  // Another unit's officers: 404 on the document and on the unit's lists; nothing changes.
  for (const send of [
    () => clerk.post(`/api/v1/incoming/${in1}/register`, {}),
    () => clerk.get(`/api/v1/incoming/${in1}`),
    () => clerk.get(`/api/v1/incoming/${in1}/verification`),
    () => qClerk.post(`/api/v1/incoming/${in1f}/register`, {}),
    () => qClerk.post(`/api/v1/incoming/${cv1.id}/register`, {}), // the outgoing one is not incoming
  ]) await expectRefused(srv, send, { status: 404, code: 'document_not_found' });
  await expectRefused(srv, () => clerk.get(`/api/v1/incoming?box=arrived&unit_id=${unit2}`), { status: 404, code: 'unit_not_found' });
  // Refusing back needs a reason; the leader may not register.
  await expectRefused(srv, () => qClerk.post(`/api/v1/incoming/${in3}/refuse`, {}), { status: 422, code: 'required', field: 'reason' });
  await expectRefused(srv, () => staff.leader.c.post(`/api/v1/incoming/${in1}/register`, {}), { status: 403, code: 'forbidden' });

  // Registered: số đến 1, then 2, in the unit's incoming register of the year.
  r = await qClerk.post(`/api/v1/incoming/${in1}/register`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.document.incoming.number, 1);
  assert.equal(r.json.document.incoming.code, '03');
  await expectRefused(srv, () => qClerk.post(`/api/v1/incoming/${in1}/register`, {}), { status: 409, code: 'already_registered' });
  r = await qClerk.post(`/api/v1/incoming/${in2}/register`, {});
  assert.equal(r.json.document.incoming.number, 2, r.text);
  const year = Number(day().slice(0, 4));
  r = await qClerk.get(`/api/v1/documents/registers?unit_id=${unit2}&year=${year}&direction=in&series=den`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((e) => [e.number, e.document_id, e.notation, e.recipients]),
    [[1, in1, cv1.notation, 'Phường Hạc Thành'], [2, in2, cv2.notation, 'Phường Hạc Thành']]);

  // The third is refused back with its reason; the sender sees 02 and the reason.
  r = await qClerk.post(`/api/v1/incoming/${in3}/refuse`, { reason: 'Gửi nhầm đơn vị nhận.' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.document.incoming.code, '02');
  await expectRefused(srv, () => qClerk.post(`/api/v1/incoming/${in3}/register`, {}), { status: 409, code: 'wrong_state' });
  r = await clerk.get(`/api/v1/documents/${cv3.id}`);
  assert.deepEqual(r.json.document.deliveries.map((x) => [x.code, x.reason, x.history.map((h) => h.code)]),
    [['02', 'Gửi nhầm đơn vị nhận.', ['01', '02']]]);

  // The leader's list; refusals: no lead (400), a lead outside the unit, completing before
  // the assignment (409).
  const qLeader = staff.leader.c, qSpec = staff.specialist.c;
  r = await qLeader.get('/api/v1/incoming?box=to_assign');
  assert.deepEqual(r.json.items.map((x) => x.id).sort(), [in1, in2].sort());
  await expectRefused(srv, () => qLeader.post(`/api/v1/incoming/${in1}/assign`, { instruction: 'Xử lý', deadline: day(5) }),
    { status: 400, code: 'lead_required' });
  await expectRefused(srv, () => qLeader.post(`/api/v1/incoming/${in1}/assign`, { lead_account_id: leaderId, deadline: day(5) }),
    { status: 422, code: 'lead_invalid' });
  await expectRefused(srv, () => qLeader.post(`/api/v1/incoming/${in1}/assign`, { lead_account_id: staff.specialist.id, deadline: '2026-02-30' }),
    { status: 422, code: 'invalid_deadline' });
  await expectRefused(srv, () => qSpec.post(`/api/v1/incoming/${in1}/complete`, { note: 'Xong' }), { status: 409, code: 'wrong_state' });
  await expectRefused(srv, () => qSpec.post(`/api/v1/incoming/${in1}/assign`, { lead_account_id: staff.specialist.id, deadline: day(5) }),
    { status: 403, code: 'forbidden' });

  // Assigned: the specialist leads, the clerk supports, with an instruction and a deadline.
  r = await qLeader.post(`/api/v1/incoming/${in1}/assign`, {
    lead_account_id: staff.specialist.id, support_account_ids: [staff.clerk.id], support_unit_ids: [unit2],
    instruction: 'Giao chuyên viên chủ trì rà soát, báo cáo trước hạn.', deadline: day(5),
  });
  assert.equal(r.status, 200, r.text);
  let inc = r.json.document.incoming;
  assert.equal(inc.code, '04');
  assert.deepEqual([inc.lead.id, inc.support_accounts.map((a) => a.id), inc.support_units.map((u) => u.id), inc.deadline],
    [staff.specialist.id, [staff.clerk.id], [unit2], day(5)]);
  assert.equal(inc.instruction, 'Giao chuyên viên chủ trì rà soát, báo cáo trước hạn.');
  // The second, with a deadline already passed: overdue.
  r = await qLeader.post(`/api/v1/incoming/${in2}/assign`, { lead_account_id: staff.specialist.id, deadline: day(-1) });
  assert.equal(r.status, 200, r.text);
  r = await qSpec.get('/api/v1/incoming?box=to_handle');
  assert.deepEqual(r.json.items.map((x) => x.id).sort(), [in1, in2].sort());
  r = await qClerk.get('/api/v1/incoming?box=to_handle');
  assert.deepEqual(r.json.items, [], 'the clerk holds no document.handle');
  r = await qLeader.get('/api/v1/incoming?box=overdue');
  assert.deepEqual(r.json.items.map((x) => [x.id, x.deadline]), [[in2, day(-1)]]);
  r = await clerk.get('/api/v1/incoming?box=overdue');
  assert.deepEqual(r.json.items, [], 'Hạc Thành sees none of Quảng Phú');

  // Only the lead handles: the leader may not; then being handled, then completed.
  await expectRefused(srv, () => qLeader.post(`/api/v1/incoming/${in1}/start`, {}), { status: 403, code: 'forbidden' });
  r = await qSpec.post(`/api/v1/incoming/${in1}/start`, { note: 'Đang rà soát danh sách.' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.document.incoming.code, '05');
  r = await qSpec.post(`/api/v1/incoming/${in1}/complete`, { note: 'Đã gửi báo cáo kết quả rà soát.' });
  assert.equal(r.status, 200, r.text);
  inc = r.json.document.incoming;
  assert.equal(inc.code, '06');
  assert.equal(inc.note, 'Đã gửi báo cáo kết quả rà soát.');
  assert.deepEqual(inc.history.map((h) => [h.code, h.by && h.by.name]), [
    ['01', null], ['03', 'Lê Thị Văn'], ['04', 'Trịnh Văn Lãnh'], ['05', 'Phạm Thị Chuyên'], ['06', 'Phạm Thị Chuyên'],
  ]);
  await expectRefused(srv, () => qSpec.post(`/api/v1/incoming/${in1}/complete`, {}), { status: 409, code: 'wrong_state' });

  // The sender: Quảng Phú's copy went 01 → 06, Sở Tài chính's is still 01.
  r = await specialist.get(`/api/v1/documents/${cv1.id}`);
  assert.deepEqual(r.json.document.deliveries.map((x) => [x.unit.code, x.code, x.history.map((h) => h.code)]), [
    [COMMUNE2, '06', ['01', '03', '04', '05', '06']],
    [FINANCE, '01', ['01']],
  ]);
  // Every step is in the audit log.
  assert.equal(id(`SELECT count(*) FROM audit_log WHERE object_type = 'document' AND object_id = ${in1}
    AND action IN ('document.register', 'document.assign', 'document.handle', 'document.complete')`), 4);
});
