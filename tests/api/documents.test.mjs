// Official documents, the outgoing flow (docs/documents.md), with the demo accounts of
// Phường Hạc Thành: the specialist drafts a Quyết định and a Công văn (metadata, then the
// body as a PDF), the leader returns one with a comment and approves, signs with their
// personal key, the clerk (văn thư) issues: the register gives 1 and 2 (01/QĐ-UBND,
// 02/UBND-VP), the issued PDF carries two valid signatures for pdfsig (the leader's under
// the number stamped on page one, then the seal), and the other commune named as recipient
// gets an incoming copy. Refusals leave the database exactly as it was: no signer, a
// "mật" document where the unit does not allow it, a damaged Word body, a document outside one's
// units (404), issuing twice, or two clerks at once (409, one number), a signed body that
// no longer verifies (409, no number taken).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  COMMUNE, COMMUNE2, Client, DEMO_OFFICERS, startServer, samplePdf, sqlValue, sql, totp,
  expectRefused, motcua, officerSession as officer,
} from './lib/server.mjs';
import { nssTrusting, pdfsig } from './lib/pdf.mjs';

/** Today in Vietnam (UTC+7), YYYY-MM-DD. */
const today = () => new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);

test('the outgoing flow: draft, review, sign, issue; the register, the signatures, the deliveries, and the refusals', async (t) => {
  const srv = await startServer(t);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-documents-'));
  t.after(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const id = (q) => Number(sqlValue(srv.dataDir, q));
  const unit = id(`SELECT id FROM units WHERE code = '${COMMUNE}'`);
  const unit2 = id(`SELECT id FROM units WHERE code = '${COMMUNE2}'`);
  const leaderId = id(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`);
  assert.ok(DEMO_OFFICERS.clerk, 'a clerk among the demo accounts');
  const specialist = await officer(srv.url, DEMO_OFFICERS.specialist);
  const leader = await officer(srv.url, DEMO_OFFICERS.leader);
  const clerk = await officer(srv.url, DEMO_OFFICERS.clerk);

  const draft = (over = {}) => ({
    unit_id: unit, type: 'quyet_dinh', summary: 'Về việc kiện toàn Tổ công tác chuyển đổi số phường',
    priority: 'khan', signer_id: leaderId, signer_title: 'CHỦ TỊCH',
    recipients_internal: [COMMUNE2], recipients_external: 'Như Điều 3;\nLưu: VT, VP.', ...over,
  });
  const body = (c, docId, name, buf, type = 'application/pdf') =>
    c.req('PUT', `/api/v1/documents/${docId}/body/${name}`, { body: buf, type });

  // The types the form offers: 29 administrative, two legal normative; công văn without abbreviation.
  let r = await specialist.get('/api/v1/documents/types');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.types.filter((x) => x.kind === 'administrative').length, 29);
  assert.equal(r.json.types.find((x) => x.code === 'cong_van').abbreviation, '');
  assert.equal(r.json.types.find((x) => x.code === 'quyet_dinh').abbreviation, 'QĐ');
  assert.deepEqual(r.json.priorities.map((p) => p.name), ['Thường', 'Khẩn', 'Thượng khẩn', 'Hỏa tốc', 'Hỏa tốc hẹn giờ']);

  // What the draft form offers the specialist: the ward, and its leader as the signer (the
  // demo accounts: data/demo-accounts.csv); the leader drafts for nobody.
  r = await specialist.get('/api/v1/documents/drafting');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.units.map((u) => [u.id, u.code, u.name, u.abbreviation]), [[unit, COMMUNE, 'Phường Hạc Thành', 'UBND']]);
  // Who holds document.sign on the ward or above: its leader, and the province's
  // administrator (data/roles.json), by name.
  const adminId = id(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.province_admin.login}'`);
  assert.deepEqual(r.json.units[0].signers.map((x) => [x.id, x.name]),
    [[adminId, DEMO_OFFICERS.province_admin.name], [leaderId, DEMO_OFFICERS.leader.name]]);
  assert.equal(r.json.units[0].signers[1].title, 'Lãnh đạo');
  r = await leader.get('/api/v1/documents/drafting');
  assert.deepEqual(r.json, { units: [] });
  // Recipients by unit code, as the units' search gives them to the form; an unknown code is refused.
  await expectRefused(srv, () => specialist.post('/api/v1/documents', draft({ recipients_internal: ['000.99.99.H56'] })),
    { status: 422, code: 'invalid_recipients', field: 'recipients_internal' });

  // Refused drafts: no signer, a signer who may not sign, "mật" where not allowed, a
  // công văn without its department; none writes anything.
  await expectRefused(srv, () => specialist.post('/api/v1/documents', draft({ signer_id: undefined })),
    { status: 422, code: 'signer_invalid', field: 'signer_id' });
  const specialistId = id(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.specialist.login}'`);
  await expectRefused(srv, () => specialist.post('/api/v1/documents', draft({ signer_id: specialistId })),
    { status: 422, code: 'signer_invalid', field: 'signer_id' });
  await expectRefused(srv, () => specialist.post('/api/v1/documents', draft({ confidentiality: 'mat' })),
    { status: 403, code: 'secret_not_allowed', field: 'confidentiality' });
  await expectRefused(srv, () => specialist.post('/api/v1/documents', draft({ type: 'cong_van' })),
    { status: 422, code: 'department_required', field: 'department' });
  // The leader may not draft; a unit where the specialist has no role is not found.
  await expectRefused(srv, () => leader.post('/api/v1/documents', draft()), { status: 404, code: 'unit_not_found' });
  await expectRefused(srv, () => specialist.post('/api/v1/documents', draft({ unit_id: unit2 })), { status: 404, code: 'unit_not_found' });

  // The Quyết định: drafted without body, then the body; a damaged Word file is refused clearly.
  r = await specialist.post('/api/v1/documents', draft());
  assert.equal(r.status, 201, r.text);
  const qd = r.json.document;
  assert.equal(qd.state, 'draft');
  assert.equal(qd.number, null);
  assert.equal(qd.signer.id, leaderId);
  assert.deepEqual(qd.recipients_internal, [unit2]);
  await expectRefused(srv, () => specialist.post(`/api/v1/documents/${qd.id}/submit`, {}), { status: 409, code: 'body_required' });
  await expectRefused(srv, () => body(specialist, qd.id, 'du-thao.docx', Buffer.from('PK\x03\x04 word'),
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document'), { status: 422, code: 'convert_failed' });
  r = await body(specialist, qd.id, 'du-thao-1.pdf', samplePdf('Du thao quyet dinh lan 1'));
  assert.equal(r.status, 200, r.text);
  r = await specialist.post(`/api/v1/documents/${qd.id}/submit`, {});
  assert.equal(r.json.document.state, 'in_review', r.text);

  // Returned with a comment (required), a second body, approved: both versions kept.
  await expectRefused(srv, () => leader.post(`/api/v1/documents/${qd.id}/review`, { decision: 'return' }), { status: 422, code: 'comment_required' });
  r = await leader.post(`/api/v1/documents/${qd.id}/review`, { decision: 'return', comment: 'Bổ sung căn cứ Nghị định 30/2020/NĐ-CP.' });
  assert.equal(r.json.document.state, 'returned', r.text);
  r = await body(specialist, qd.id, 'du-thao-2.pdf', samplePdf('Du thao quyet dinh lan 2'));
  assert.equal(r.status, 200, r.text);
  r = await specialist.post(`/api/v1/documents/${qd.id}/submit`, {});
  assert.equal(r.status, 200, r.text);
  // The clerk may not issue before the signature, nor the specialist approve.
  await expectRefused(srv, () => clerk.post(`/api/v1/documents/${qd.id}/issue`, {}), { status: 409, code: 'wrong_state' });
  await expectRefused(srv, () => specialist.post(`/api/v1/documents/${qd.id}/review`, { decision: 'approve' }), { status: 403, code: 'forbidden' });
  r = await leader.post(`/api/v1/documents/${qd.id}/review`, { decision: 'approve' });
  assert.equal(r.json.document.state, 'approved', r.text);
  const versions = r.json.document.versions;
  assert.equal(versions.length, 2);
  assert.equal(versions[0].comment, 'Bổ sung căn cứ Nghị định 30/2020/NĐ-CP.');
  assert.equal(versions[1].by, DEMO_OFFICERS.specialist.name);

  // Someone outside Phường Hạc Thành: every route answers 404 and nothing changes.
  const add = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', 'vb.quangphu',
    '--name', 'Hà Văn Phú', '--password', 'mat-khau-can-bo', '--role', 'clerk', '--unit', COMMUNE2, '--no-totp']);
  assert.equal(add.status, 0, add.stderr);
  const stranger = new Client(srv.url);
  await stranger.login('vb.quangphu', 'mat-khau-can-bo');
  for (const send of [
    () => stranger.get(`/api/v1/documents/${qd.id}`),
    () => stranger.get(`/api/v1/documents/${qd.id}/file`),
    () => stranger.post(`/api/v1/documents/${qd.id}/review`, { decision: 'approve' }),
    () => stranger.post(`/api/v1/documents/${qd.id}/sign`, {}),
    () => stranger.post(`/api/v1/documents/${qd.id}/issue`, {}),
    () => stranger.get(`/api/v1/documents/${qd.id + 1000}`),
  ]) await expectRefused(srv, send, { status: 404, code: 'document_not_found' });
  await expectRefused(srv, () => stranger.get(`/api/v1/documents/registers?unit_id=${unit}&year=2026`), { status: 404, code: 'unit_not_found' });

  // Only the named leader signs.
  await expectRefused(srv, () => clerk.post(`/api/v1/documents/${qd.id}/sign`, {}), { status: 403, code: 'forbidden' });
  r = await leader.post(`/api/v1/documents/${qd.id}/sign`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.document.state, 'signed');
  assert.equal(r.json.document.number, null, 'no number before issuing');

  // Issued: number 1 of the year, its notation and today's date.
  r = await clerk.post(`/api/v1/documents/${qd.id}/issue`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.document.state, 'issued');
  assert.equal(r.json.document.number, 1);
  assert.equal(r.json.document.notation, '01/QĐ-UBND');
  assert.equal(r.json.document.issued_on, today());
  // Again (a double click): 409 and no second number.
  await expectRefused(srv, () => clerk.post(`/api/v1/documents/${qd.id}/issue`, {}), { status: 409, code: 'already_issued' });

  // The Công văn, with its drafting department: number 2, {number}/{unit}-{department}.
  r = await specialist.post('/api/v1/documents', draft({ type: 'cong_van', department: 'VP', summary: 'V/v báo cáo tình hình tiếp nhận hồ sơ trực tuyến', recipients_internal: [] }));
  assert.equal(r.status, 201, r.text);
  const cv = r.json.document;
  assert.equal((await body(specialist, cv.id, 'cong-van.pdf', samplePdf('Cong van'))).status, 200);
  assert.equal((await specialist.post(`/api/v1/documents/${cv.id}/submit`, {})).status, 200);
  assert.equal((await leader.post(`/api/v1/documents/${cv.id}/review`, { decision: 'approve' })).status, 200);
  assert.equal((await leader.post(`/api/v1/documents/${cv.id}/sign`, {})).status, 200);
  r = await clerk.post(`/api/v1/documents/${cv.id}/issue`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.document.notation, '02/UBND-VP');

  // The register: 1 and 2, in order, with their notations, date and summaries.
  const year = Number(today().slice(0, 4));
  r = await clerk.get(`/api/v1/documents/registers?unit_id=${unit}&year=${year}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((e) => [e.number, e.notation, e.date, e.summary, e.signer]), [
    [1, '01/QĐ-UBND', today(), 'Về việc kiện toàn Tổ công tác chuyển đổi số phường', DEMO_OFFICERS.leader.name],
    [2, '02/UBND-VP', today(), 'V/v báo cáo tình hình tiếp nhận hồ sơ trực tuyến', DEMO_OFFICERS.leader.name],
  ]);

  // The other commune received the Quyết định: one incoming row, "arrived", same file.
  const incoming = sql(srv.dataDir, `SELECT unit_id, direction, state, notation, sha256 FROM documents WHERE source_id = ${qd.id}`);
  const issuedSha = sqlValue(srv.dataDir, `SELECT sha256 FROM documents WHERE id = ${qd.id}`);
  assert.deepEqual(incoming, [{ unit_id: unit2, direction: 'in', state: 'arrived', notation: '01/QĐ-UBND', sha256: issuedSha }]);
  assert.equal(Number(sqlValue(srv.dataDir, `SELECT count(*) FROM documents WHERE source_id = ${cv.id}`)), 0);

  // The issued PDF: the leader's signature, then the seal, both valid and trusted for
  // pdfsig; the seal covers the whole file. The number and date are in a revision between.
  r = await clerk.get(`/api/v1/documents/${qd.id}/file`);
  assert.equal(r.status, 200);
  const pdf = path.join(scratch, 'issued.pdf');
  fs.writeFileSync(pdf, r.buf);
  const text = r.buf.toString('latin1');
  assert.equal((text.match(/\/Subtype \/Stamp/g) || []).length, 2, 'the number and the date are stamped');
  const pem = sqlValue(srv.dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1');
  fs.writeFileSync(path.join(scratch, 'root.pem'), pem);
  nssTrusting(path.join(scratch, 'nss'), path.join(scratch, 'root.pem'));
  const ps = pdfsig(pdf, path.join(scratch, 'nss'));
  assert.equal(ps.sigs.length, 2, ps.out);
  for (const s of ps.sigs) {
    assert.ok(s.valid, `every signature valid: ${ps.out}`);
    assert.ok(s.trusted, `every certificate trusted: ${ps.out}`);
  }
  assert.equal(ps.sigs[0].name, DEMO_OFFICERS.leader.name, ps.out);
  assert.ok(!ps.sigs[0].total, 'the leader signed the body before the number');
  assert.ok(ps.sigs[1].total, ps.out);

  // Two clerks at once on a new signed document: one number, one 409.
  r = await specialist.post('/api/v1/documents', draft({ type: 'thong_bao', recipients_internal: [] }));
  const tb = r.json.document;
  assert.equal((await body(specialist, tb.id, 'thong-bao.pdf', samplePdf('Thong bao'))).status, 200);
  assert.equal((await specialist.post(`/api/v1/documents/${tb.id}/submit`, {})).status, 200);
  assert.equal((await leader.post(`/api/v1/documents/${tb.id}/review`, { decision: 'approve' })).status, 200);
  assert.equal((await leader.post(`/api/v1/documents/${tb.id}/sign`, {})).status, 200);
  const clerk2 = await officer(srv.url, DEMO_OFFICERS.clerk, 1);
  const both = await Promise.all([clerk.post(`/api/v1/documents/${tb.id}/issue`, {}), clerk2.post(`/api/v1/documents/${tb.id}/issue`, {})]);
  assert.deepEqual(both.map((x) => x.status).sort(), [200, 409], both.map((x) => x.text).join('\n'));
  const loser = both.find((x) => x.status === 409);
  assert.match(loser.json.error.code, /^(already_issued|document_changed)$/);
  r = await clerk.get(`/api/v1/documents/registers?unit_id=${unit}&year=${year}`);
  assert.deepEqual(r.json.items.map((e) => [e.number, e.notation]), [[1, '01/QĐ-UBND'], [2, '02/UBND-VP'], [3, '03/TB-UBND']]);

  // A signed body altered in the file store no longer verifies: the issue is refused with
  // nothing written (no number taken); put back as signed, it is issued as number 4.
  r = await specialist.post('/api/v1/documents', draft({ type: 'thong_bao', recipients_internal: [] }));
  const tb2 = r.json.document;
  assert.equal((await body(specialist, tb2.id, 'thong-bao-2.pdf', samplePdf('Thong bao lan hai'))).status, 200);
  assert.equal((await specialist.post(`/api/v1/documents/${tb2.id}/submit`, {})).status, 200);
  assert.equal((await leader.post(`/api/v1/documents/${tb2.id}/review`, { decision: 'approve' })).status, 200);
  assert.equal((await leader.post(`/api/v1/documents/${tb2.id}/sign`, {})).status, 200);
  const signedSha = sqlValue(srv.dataDir, `SELECT sha256 FROM documents WHERE id = ${tb2.id}`);
  const stored = path.join(srv.dataDir, 'files', signedSha.slice(0, 2), signedSha);
  const original = fs.readFileSync(stored);
  const at = original.indexOf('Thong bao lan hai');
  assert.ok(at > 0, 'the body text is in the stored file');
  const altered = Buffer.from(original);
  altered.write('Thong bao lan ba ', at, 'latin1');
  fs.writeFileSync(stored, altered);
  await expectRefused(srv, () => clerk.post(`/api/v1/documents/${tb2.id}/issue`, {}), { status: 409, code: 'signature_invalid' });
  fs.writeFileSync(stored, original);
  r = await clerk.post(`/api/v1/documents/${tb2.id}/issue`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.document.notation, '04/TB-UBND');

  // Where the unit enables it, a "mật" draft is accepted.
  sql(srv.dataDir, `INSERT INTO document_unit_settings(unit_id, allows_secret) VALUES (${unit}, 1)`);
  r = await specialist.post('/api/v1/documents', draft({ confidentiality: 'mat' }));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.document.confidentiality, 'mat');

  // The documents list shows the officer's units' documents only.
  r = await stranger.get('/api/v1/documents');
  assert.deepEqual(r.json.items.map((x) => [x.direction, x.notation]), [['in', '01/QĐ-UBND']]);
  r = await clerk.get('/api/v1/documents');
  assert.ok(r.json.items.every((x) => x.unit_id === unit), 'only Hạc Thành documents');
});
