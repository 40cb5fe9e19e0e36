// Corrections and recall of issued documents (docs/documents.md "Corrections and recall",
// Decree 30/2020 Art. 17): Phường Hạc Thành issues a Quyết định, a Công văn and a second Công
// văn to Phường Quảng Phú; a new Quyết định replaces the first (content), a correcting công văn
// corrects the second (form), the leader recalls the third with a reason. Each original keeps
// its number and register line and is marked, with Quảng Phú's copies; the recalled copy
// refuses every further step of the incoming flow. Refusals leave the database exactly as it
// was: replacing a draft (409) or another unit's document (404), a correction that is not a
// công văn, recalling twice (409), recalling without a reason (400), a specialist recalling
// (403).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMMUNE, COMMUNE2, Client, DEMO_OFFICERS, startServer, samplePdf, sqlValue, sql, totp,
  expectRefused, motcua, officerSession as officer, addStaff,
} from './lib/server.mjs';

/** Today in Vietnam (UTC+7), YYYY-MM-DD, and as the register prints it. */
const today = () => new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
const printed = (d) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;

test('corrections and recall: replaced, corrected, recalled; the originals keep their numbers; refusals change nothing', async (t) => {
  const srv = await startServer(t);
  const id = (q) => Number(sqlValue(srv.dataDir, q));
  const unit = id(`SELECT id FROM units WHERE code = '${COMMUNE}'`);
  const unit2 = id(`SELECT id FROM units WHERE code = '${COMMUNE2}'`);
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

  const draft = (over = {}) => ({
    unit_id: unit, type: 'quyet_dinh', summary: 'Về việc thành lập Tổ kiểm tra hộ kinh doanh', signer_id: leaderId,
    signer_title: 'CHỦ TỊCH', recipients_internal: [unit2], ...over,
  });
  /** A draft through the outgoing flow to its issue; returns the issued document. */
  async function issue(over) {
    let r = await specialist.post('/api/v1/documents', draft(over));
    assert.equal(r.status, 201, r.text);
    const doc = r.json.document;
    r = await specialist.req('PUT', `/api/v1/documents/${doc.id}/body/van-ban.pdf`, { body: samplePdf(`Van ban ${doc.id}`), type: 'application/pdf' });
    assert.equal(r.status, 200, r.text);
    assert.equal((await specialist.post(`/api/v1/documents/${doc.id}/submit`, {})).status, 200);
    assert.equal((await leader.post(`/api/v1/documents/${doc.id}/review`, { decision: 'approve' })).status, 200);
    r = await leader.post(`/api/v1/documents/${doc.id}/sign`, {});
    assert.equal(r.status, 200, r.text);
    r = await clerk.post(`/api/v1/documents/${doc.id}/issue`, {});
    assert.equal(r.status, 200, r.text);
    return r.json.document;
  }
  const copyOf = (src) => id(`SELECT id FROM documents WHERE source_id = ${src} AND unit_id = ${unit2}`);

  const qd = await issue({});
  const cv = await issue({ type: 'cong_van', department: 'VP', summary: 'V/v tổ chức hội nghị sơ kết quý IV' });
  const cv2 = await issue({ type: 'cong_van', department: 'VP', summary: 'V/v gửi nhầm nơi nhận' });
  assert.deepEqual([qd.notation, cv.notation, cv2.notation], ['01/QĐ-UBND', '02/UBND-VP', '03/UBND-VP']);
  assert.deepEqual(qd.marks, []);
  assert.equal(qd.replaces, null);

  // Refused drafts, nothing written: a document not issued, one of another unit (404 for
  // who cannot see it), one that does not exist, a correction that is not a công văn, both at once.
  let r = await specialist.post('/api/v1/documents', draft());
  assert.equal(r.status, 201, r.text);
  const pending = r.json.document;
  await expectRefused(srv, () => specialist.post('/api/v1/documents', draft({ replaces: pending.id })),
    { status: 409, code: 'not_issued', field: 'replaces' });
  await expectRefused(srv, () => staff.specialist.c.post('/api/v1/documents', draft({ unit_id: unit2, signer_id: staff.leader.id, recipients_internal: [], replaces: qd.id })),
    { status: 404, code: 'document_not_found', field: 'replaces' });
  await expectRefused(srv, () => specialist.post('/api/v1/documents', draft({ replaces: copyOf(qd.id) })),
    { status: 404, code: 'document_not_found', field: 'replaces' });
  await expectRefused(srv, () => specialist.post('/api/v1/documents', draft({ replaces: 999999 })),
    { status: 404, code: 'document_not_found', field: 'replaces' });
  await expectRefused(srv, () => specialist.post('/api/v1/documents', draft({ corrects: cv.id })),
    { status: 422, code: 'correction_type', field: 'type' });
  await expectRefused(srv, () => specialist.post('/api/v1/documents', draft({ replaces: qd.id, corrects: cv.id })),
    { status: 422, code: 'invalid_correction', field: 'corrects' });
  await expectRefused(srv, () => specialist.post('/api/v1/documents', draft({ replaces: 'một' })),
    { status: 422, code: 'invalid', field: 'replaces' });

  // The replacing Quyết định: a draft naming the original, through the normal flow.
  const qd2 = await issue({ replaces: qd.id, summary: 'Về việc thành lập Tổ kiểm tra hộ kinh doanh (thay thế)' });
  assert.equal(qd2.notation, '04/QĐ-UBND');
  assert.deepEqual(qd2.replaces, { id: qd.id, notation: '01/QĐ-UBND' });
  assert.equal(qd2.corrects, null);
  assert.deepEqual(qd2.marks, []);
  // The original keeps its number and notation, and is marked replaced by 04/QĐ-UBND.
  r = await clerk.get(`/api/v1/documents/${qd.id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.document.state, 'issued');
  assert.equal(r.json.document.number, 1);
  assert.equal(r.json.document.notation, '01/QĐ-UBND');
  assert.deepEqual(r.json.document.marks.map((m) => [m.kind, m.by, m.reason, m.account && m.account.id, m.on]),
    [['replaced', { id: qd2.id, notation: '04/QĐ-UBND' }, '', id(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.clerk.login}'`), today()]]);
  // Quảng Phú's copy is marked too, pointing to its own copy of the replacing document.
  r = await staff.clerk.c.get(`/api/v1/incoming/${copyOf(qd.id)}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.document.marks.map((m) => [m.kind, m.by]), [['replaced', { id: copyOf(qd2.id), notation: '04/QĐ-UBND' }]]);
  // Replaced once only.
  await expectRefused(srv, () => specialist.post('/api/v1/documents', draft({ replaces: qd.id })),
    { status: 409, code: 'already_replaced', field: 'replaces' });

  // The correcting công văn: the original is marked corrected, and may be corrected again.
  const fix = await issue({ type: 'cong_van', department: 'VP', corrects: cv.id, summary: 'V/v đính chính Công văn số 02/UBND-VP' });
  assert.equal(fix.notation, '05/UBND-VP');
  assert.deepEqual(fix.corrects, { id: cv.id, notation: '02/UBND-VP' });
  r = await clerk.get(`/api/v1/documents/${cv.id}`);
  assert.deepEqual(r.json.document.marks.map((m) => [m.kind, m.by]), [['corrected', { id: fix.id, notation: '05/UBND-VP' }]]);
  assert.equal(r.json.document.notation, '02/UBND-VP');

  // Quảng Phú registers the third công văn before it is recalled.
  const in2 = copyOf(cv2.id);
  r = await staff.clerk.c.post(`/api/v1/incoming/${in2}/register`, {});
  assert.equal(r.status, 200, r.text);

  // Recall: only the leader (document.sign); a reason; an issued document; 404 outside one's units.
  await expectRefused(srv, () => specialist.post(`/api/v1/documents/${cv2.id}/recall`, { reason: 'Gửi nhầm nơi nhận' }),
    { status: 403, code: 'forbidden' });
  await expectRefused(srv, () => leader.post(`/api/v1/documents/${cv2.id}/recall`, {}),
    { status: 400, code: 'reason_required', field: 'reason' });
  await expectRefused(srv, () => leader.post(`/api/v1/documents/${cv2.id}/recall`, { reason: '   ' }),
    { status: 400, code: 'reason_required', field: 'reason' });
  await expectRefused(srv, () => leader.post(`/api/v1/documents/${pending.id}/recall`, { reason: 'Chưa phát hành' }),
    { status: 409, code: 'not_issued' });
  await expectRefused(srv, () => staff.leader.c.post(`/api/v1/documents/${cv2.id}/recall`, { reason: 'Không phải của đơn vị' }),
    { status: 404, code: 'document_not_found' });
  r = await leader.post(`/api/v1/documents/${cv2.id}/recall`, { reason: 'Gửi nhầm nơi nhận, đề nghị trả lại' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.document.state, 'issued');
  assert.equal(r.json.document.notation, '03/UBND-VP');
  assert.deepEqual(r.json.document.marks.map((m) => [m.kind, m.by, m.reason, m.account, m.on]),
    [['recalled', null, 'Gửi nhầm nơi nhận, đề nghị trả lại', { id: leaderId, name: DEMO_OFFICERS.leader.name }, today()]]);
  assert.equal(typeof r.json.document.marks[0].at, 'number');
  // Twice: 409, nothing written.
  await expectRefused(srv, () => leader.post(`/api/v1/documents/${cv2.id}/recall`, { reason: 'Lần nữa' }),
    { status: 409, code: 'already_recalled' });
  // A recalled document cannot be replaced nor corrected.
  await expectRefused(srv, () => specialist.post('/api/v1/documents', draft({ type: 'cong_van', department: 'VP', corrects: cv2.id })),
    { status: 409, code: 'document_recalled', field: 'corrects' });

  // Quảng Phú sees the copy recalled, in its list and on the document, and can do nothing more with it.
  r = await staff.leader.c.get('/api/v1/incoming?box=to_assign');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((x) => [x.id, x.recalled]), [[in2, true]]);
  r = await staff.clerk.c.get(`/api/v1/incoming/${in2}`);
  assert.deepEqual(r.json.document.marks.map((m) => [m.kind, m.reason]), [['recalled', 'Gửi nhầm nơi nhận, đề nghị trả lại']]);
  await expectRefused(srv, () => staff.leader.c.post(`/api/v1/incoming/${in2}/assign`, { lead_account_id: staff.specialist.id, deadline: today() }),
    { status: 409, code: 'document_recalled' });
  // The copies of the other documents are not recalled.
  r = await staff.clerk.c.get('/api/v1/incoming?box=arrived');
  assert.ok(r.json.items.every((x) => x.recalled === false), r.text);

  // The registers keep every number, with a note on the marked ones (the API and the printout).
  const year = today().slice(0, 4);
  r = await clerk.get(`/api/v1/documents/registers?unit_id=${unit}&year=${year}`);
  assert.deepEqual(r.json.items.map((e) => [e.number, e.notation, e.note]), [
    [1, '01/QĐ-UBND', 'Bị thay thế bởi văn bản số 04/QĐ-UBND'],
    [2, '02/UBND-VP', 'Được đính chính bởi công văn số 05/UBND-VP'],
    [3, '03/UBND-VP', `Thu hồi ngày ${printed(today())}: Gửi nhầm nơi nhận, đề nghị trả lại`],
    [4, '04/QĐ-UBND', ''],
    [5, '05/UBND-VP', ''],
  ]);
  const out = motcua(['document', 'register', '--data', srv.dataDir, '--unit', COMMUNE, '--year', year, '--direction', 'out', '--format', 'csv']);
  assert.equal(out.status, 0, out.stderr);
  const lines = out.stdout.split(/\r?\n/);
  assert.match(lines.find((l) => l.startsWith('01/QĐ-UBND,')), /,Bị thay thế bởi văn bản số 04\/QĐ-UBND$/);
  assert.match(lines.find((l) => l.startsWith('03/UBND-VP,')), /,"Thu hồi ngày \d\d\/\d\d\/\d{4}: Gửi nhầm nơi nhận, đề nghị trả lại"$/);
  assert.match(lines.find((l) => l.startsWith('04/QĐ-UBND,')), /,$/);
  // Quảng Phú's incoming register notes the recall on its line, in the API and the printout
  // (the incoming register's one series, by default).
  r = await staff.clerk.c.get(`/api/v1/documents/registers?unit_id=${unit2}&year=${year}&direction=in&series=den`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((e) => [e.number, e.notation, e.note]),
    [[1, '03/UBND-VP', `Thu hồi ngày ${printed(today())}: Gửi nhầm nơi nhận, đề nghị trả lại`]]);
  for (const series of [[], ['--series', 'den']]) {
    const inReg = motcua(['document', 'register', '--data', srv.dataDir, '--unit', COMMUNE2, '--year', year, '--direction', 'in', ...series, '--format', 'csv']);
    assert.equal(inReg.status, 0, inReg.stderr);
    const row = inReg.stdout.split(/\r?\n/).slice(1).filter((l) => l);
    assert.equal(row.length, 1, inReg.stdout);
    assert.match(row[0], /^\d\d\/\d\d\/\d{4},1,.*,03\/UBND-VP,.*,"Thu hồi ngày \d\d\/\d\d\/\d{4}: Gửi nhầm nơi nhận, đề nghị trả lại"$/);
  }
  const wrong = motcua(['document', 'register', '--data', srv.dataDir, '--unit', COMMUNE2, '--year', year, '--direction', 'in', '--series', 'quyet_dinh_qppl', '--format', 'csv']);
  assert.equal(wrong.status, 1, wrong.stderr);

  // What the database holds: one mark per document and copy, every number still in the register.
  assert.deepEqual(sql(srv.dataDir, 'SELECT document_id, kind FROM document_marks ORDER BY id').map((m) => [m.document_id, m.kind]), [
    [qd.id, 'replaced'], [copyOf(qd.id), 'replaced'], [cv.id, 'corrected'], [copyOf(cv.id), 'corrected'],
    [cv2.id, 'recalled'], [in2, 'recalled'],
  ]);
  assert.equal(id(`SELECT count(*) FROM document_register_entries e JOIN document_registers g ON g.id = e.register_id WHERE g.unit_id = ${unit} AND g.direction = 'out'`), 5);
});
