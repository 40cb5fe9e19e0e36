// The leader's signing queue (docs/documents.md, "Signing several at once"): POST
// /api/v1/documents/sign-batch signs each approved document the caller is the named signer
// of and answers per document, in the order of the ids. With the demo accounts of Phường Hạc
// Thành: the specialist drafts, the leader approves; then a batch of five (two the leader
// signs, one whose signer is the province's administrator, one still in review, one unknown)
// signs the two and refuses the three, each with its reason, and each refused document is
// exactly as before (its row, versions, search entry, audit entries). A batch that refuses
// everything changes nothing at all; a malformed batch (empty, repeated ids, not integers,
// more than 50) is refused as a whole. The two signed PDFs carry one valid, trusted
// signature each, the leader's, for pdfsig.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  COMMUNE, COMMUNE2, Client, DEMO_OFFICERS, assertUnchanged, expectRefused, motcua, samplePdf,
  snapshot, sql, sqlValue, startServer, totp, officerSession as officer,
} from './lib/server.mjs';
import { nssTrusting, pdfsig } from './lib/pdf.mjs';

/** What one document is in the database: the queries a refusal must leave unchanged. */
const docRows = (id) => [
  `SELECT * FROM documents WHERE id = ${id}`,
  `SELECT * FROM document_versions WHERE document_id = ${id} ORDER BY id`,
  `SELECT * FROM search_docs WHERE kind = 'document' AND ref_id = ${id}`,
  `SELECT t.* FROM search_text t JOIN search_docs d ON d.id = t.id WHERE d.kind = 'document' AND d.ref_id = ${id}`,
  `SELECT id, action, actor_id, object_id, detail FROM audit_log WHERE object_type = 'document' AND object_id = '${id}' ORDER BY id`,
];

test('sign-batch: per document, signed or refused with the reason; a refused document keeps everything it had', async (t) => {
  const srv = await startServer(t);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-sign-batch-'));
  t.after(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const num = (q) => Number(sqlValue(srv.dataDir, q));
  const unit = num(`SELECT id FROM units WHERE code = '${COMMUNE}'`);
  const leaderId = num(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`);
  const adminId = num(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.province_admin.login}'`);
  const specialist = await officer(srv.url, DEMO_OFFICERS.specialist);
  const leader = await officer(srv.url, DEMO_OFFICERS.leader);
  const clerk = await officer(srv.url, DEMO_OFFICERS.clerk);

  /** A document taken through drafting to `until` ('in_review' or 'approved'); its id. */
  async function documentUpTo(until, summary, over = {}) {
    let r = await specialist.post('/api/v1/documents', {
      unit_id: unit, type: 'quyet_dinh', summary, signer_id: leaderId, signer_title: 'CHỦ TỊCH', ...over,
    });
    assert.equal(r.status, 201, r.text);
    const id = r.json.document.id;
    r = await specialist.req('PUT', `/api/v1/documents/${id}/body/du-thao.pdf`, { body: samplePdf(summary), type: 'application/pdf' });
    assert.equal(r.status, 200, r.text);
    r = await specialist.post(`/api/v1/documents/${id}/submit`, {});
    assert.equal(r.status, 200, r.text);
    if (until === 'approved') {
      r = await leader.post(`/api/v1/documents/${id}/review`, { decision: 'approve' });
      assert.equal(r.json.document.state, 'approved', r.text);
    }
    return id;
  }
  const a = await documentUpTo('approved', 'Về việc thành lập Tổ kiểm tra liên ngành');
  const b = await documentUpTo('approved', 'Về việc phê duyệt kế hoạch chuyển đổi số năm 2027');
  const notMine = await documentUpTo('approved', 'Về việc giao chỉ tiêu thu ngân sách', { signer_id: adminId, signer_title: 'CHỦ TỊCH' });
  const inReview = await documentUpTo('in_review', 'Về việc điều chỉnh lịch tiếp công dân');
  const unknown = num('SELECT coalesce(max(id), 0) FROM documents') + 1000;

  const batch = (c, ids) => c.post('/api/v1/documents/sign-batch', { ids });

  // Malformed batches are refused whole: nothing is signed, nothing changes.
  await expectRefused(srv, () => batch(leader, []), { status: 422, code: 'invalid', field: 'ids' });
  await expectRefused(srv, () => leader.post('/api/v1/documents/sign-batch', {}), { status: 422, code: 'invalid', field: 'ids' });
  await expectRefused(srv, () => batch(leader, [a, a]), { status: 422, code: 'invalid', field: 'ids' });
  await expectRefused(srv, () => batch(leader, [a, String(b)]), { status: 422, code: 'invalid', field: 'ids' });
  await expectRefused(srv, () => batch(leader, [a, 0]), { status: 422, code: 'invalid', field: 'ids' });
  const many = Array.from({ length: 51 }, (_, i) => a + i);
  await expectRefused(srv, () => batch(leader, many), { status: 422, code: 'too_many', field: 'ids' });
  // Without the CSRF token: 403, as every write.
  await expectRefused(srv, () => leader.post('/api/v1/documents/sign-batch', { ids: [a] }, { csrf: false }), { status: 403, code: 'csrf' });

  // A batch where every document is refused: 200 with the reasons, and the database exactly
  // as before (not the signer, not approved, unknown).
  let before = snapshot(srv.dataDir);
  let r = await batch(leader, [notMine, inReview, unknown]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.results.map((x) => [x.id, x.result, x.error.status, x.error.code]), [
    [notMine, 'refused', 403, 'forbidden'],
    [inReview, 'refused', 409, 'wrong_state'],
    [unknown, 'refused', 404, 'document_not_found'],
  ]);
  assert.ok(r.json.results.every((x) => x.error.message.length > 0), r.text);
  assert.deepEqual([r.json.signed, r.json.refused], [0, 3]);
  assertUnchanged(srv.dataDir, before, [], '(a batch where every document is refused)');

  // The clerk is no signer: every document refused, nothing changes.
  before = snapshot(srv.dataDir);
  r = await batch(clerk, [a, b]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.results.map((x) => [x.id, x.result, x.error && x.error.code]), [[a, 'refused', 'forbidden'], [b, 'refused', 'forbidden']]);
  assertUnchanged(srv.dataDir, before, [], '(the clerk signing)');

  // An officer of another ward does not see them: not found, nothing changes.
  const add = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', 'ld.quangphu',
    '--name', 'Lê Văn Phú', '--password', 'mat-khau-can-bo', '--role', 'leader', '--unit', COMMUNE2, '--no-totp']);
  assert.equal(add.status, 0, add.stderr);
  const stranger = new Client(srv.url);
  await stranger.login('ld.quangphu', 'mat-khau-can-bo');
  before = snapshot(srv.dataDir);
  r = await batch(stranger, [a]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.results.map((x) => [x.id, x.result, x.error && x.error.code]), [[a, 'refused', 'document_not_found']]);
  assertUnchanged(srv.dataDir, before, [], '(another ward\'s leader)');

  // The mixed batch: a and b signed, the three others refused, in the order sent.
  const kept = [notMine, inReview, unknown].map((id) => ({ id, rows: snapshot(srv.dataDir, docRows(id)) }));
  const auditBefore = num('SELECT count(*) FROM audit_log');
  r = await batch(leader, [a, notMine, b, inReview, unknown]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.results.map((x) => [x.id, x.result, x.state || null, x.error ? x.error.code : null]), [
    [a, 'signed', 'signed', null],
    [notMine, 'refused', null, 'forbidden'],
    [b, 'signed', 'signed', null],
    [inReview, 'refused', null, 'wrong_state'],
    [unknown, 'refused', null, 'document_not_found'],
  ]);
  assert.deepEqual([r.json.signed, r.json.refused], [2, 3]);
  // Each refused document is exactly as it was (only its own rows: the others changed).
  for (const k of kept) {
    const now = snapshot(srv.dataDir, docRows(k.id));
    docRows(k.id).forEach((q, i) => assert.deepEqual(now[`extra${i}:${q}`], k.rows[`extra${i}:${q}`], `document ${k.id}: ${q}`));
  }
  // The signed ones: state signed, a third version "signed" by the leader, one audit entry
  // each (the only two entries the batch wrote), the search index says signed.
  for (const id of [a, b]) {
    assert.equal(sqlValue(srv.dataDir, `SELECT state FROM documents WHERE id = ${id}`), 'signed');
    assert.deepEqual(sql(srv.dataDir, `SELECT kind, account_id FROM document_versions WHERE document_id = ${id} ORDER BY version`),
      [{ kind: 'draft', account_id: num(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.specialist.login}'`) }, { kind: 'signed', account_id: leaderId }]);
    assert.equal(sqlValue(srv.dataDir, `SELECT status FROM search_docs WHERE kind = 'document' AND ref_id = ${id}`), 'signed');
  }
  assert.deepEqual(sql(srv.dataDir, `SELECT action, actor_id, object_id FROM audit_log WHERE id > ${auditBefore} ORDER BY id`),
    [{ action: 'document.sign', actor_id: leaderId, object_id: String(a) }, { action: 'document.sign', actor_id: leaderId, object_id: String(b) }]);

  // Again: both are signed already, refused, nothing changes.
  before = snapshot(srv.dataDir);
  r = await batch(leader, [a, b]);
  assert.deepEqual(r.json.results.map((x) => [x.id, x.result, x.error && x.error.code]), [[a, 'refused', 'wrong_state'], [b, 'refused', 'wrong_state']]);
  assertUnchanged(srv.dataDir, before, [], '(signing twice)');

  // pdfsig, trusting the demo root only: one valid, trusted signature on each, the leader's.
  fs.writeFileSync(path.join(scratch, 'root.pem'), sqlValue(srv.dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
  nssTrusting(path.join(scratch, 'nss'), path.join(scratch, 'root.pem'));
  for (const id of [a, b]) {
    r = await leader.get(`/api/v1/documents/${id}/file`);
    assert.equal(r.status, 200);
    const file = path.join(scratch, `signed-${id}.pdf`);
    fs.writeFileSync(file, r.buf);
    const p = pdfsig(file, path.join(scratch, 'nss'));
    assert.equal(p.sigs.length, 1, p.out);
    assert.ok(p.sigs[0].valid && p.sigs[0].trusted, p.out);
    assert.equal(p.sigs[0].name, DEMO_OFFICERS.leader.name, p.out);
  }
});
