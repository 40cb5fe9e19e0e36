// Documents between nodes (docs/exchange.md "Sending and receiving"), two nodes on loopback
// (tests/api/lib/nodes.mjs): A hosts Phường Hạc Thành, B Phường Quảng Phú. A's clerk issues a
// công văn naming Quảng Phú among its exchange recipients: B gets exactly one incoming document
// with the very PDF A issued, and A sees status 01 (arrived) for that recipient; B's clerk
// registers it and A sees 03. The same envelope posted again to B counts once; one altered
// byte, a unit's seal that is not the sender's, a sender the directory does not list: refused,
// logged, nothing created. With B down while A issues two, they wait in A's outbox (the second
// behind the first) and reach B in order once B is back, once each; A killed after B took one
// but before A recorded it sends it again, and B counts it once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  COMMUNE, COMMUNE2, Client, sql, sqlValue, expectRefused, motcua, snapshot, assertUnchanged,
} from './lib/server.mjs';
import { twoNodes } from './lib/nodes.mjs';
import { count, hacThanhPeople, incomingOf, issueCongVan, postInbox, sleep, until } from './lib/exchange.mjs';

const DEPT = '000.00.04.H56'; // Sở Tài chính: a demo seal, in no node of the test directory

test('exchange: a công văn from node A reaches node B once, with its PDF; status 01 comes back; replays and forgeries change nothing', async (t) => {
  const { a, b, dir } = await twoNodes(t);
  // The node id: the directory must list it; a refusal keeps the one set.
  let m = motcua(['exchange', 'node', '--data', a.dataDir, '--id', 'khong-co']);
  assert.equal(m.status, 1);
  assert.match(m.stderr, /Danh bạ liên thông không có nút này\. \(unknown_node\)/);
  m = motcua(['exchange', 'node', '--data', a.dataDir]);
  assert.equal(m.status, 0, m.stderr);
  assert.equal(m.stdout, 'hac-thanh\n');
  await a.start();
  await b.start();
  const people = await hacThanhPeople(a);

  // Drafts naming a unit no node hosts, or a unit of A itself, are refused; nothing written.
  const draft = { unit_id: people.unit, type: 'cong_van', department: 'VP', summary: 'Thử nơi nhận',
    signer_id: people.leaderId };
  await expectRefused(a.srv, () => people.specialist.post('/api/v1/documents', { ...draft, recipients_exchange: [DEPT] }),
    { status: 422, code: 'recipient_unknown', field: 'recipients_exchange' });
  await expectRefused(a.srv, () => people.specialist.post('/api/v1/documents', { ...draft, recipients_exchange: [COMMUNE] }),
    { status: 422, code: 'recipient_unknown', field: 'recipients_exchange' });
  await expectRefused(a.srv, () => people.specialist.post('/api/v1/documents', { ...draft, recipients_exchange: '000.02.90.H56' }),
    { status: 422, code: 'recipient_unknown', field: 'recipients_exchange' });
  // A "mật" document never goes through the exchange (the unit allows secrets here).
  sql(a.dataDir, `INSERT INTO document_unit_settings(unit_id, allows_secret) VALUES (${people.unit}, 1)`);
  await expectRefused(a.srv, () => people.specialist.post('/api/v1/documents', { ...draft, confidentiality: 'mat', recipients_exchange: [COMMUNE2] }),
    { status: 422, code: 'secret_exchange', field: 'recipients_exchange' });

  const summary = 'V/v phối hợp rà soát hồ sơ trực tuyến';
  const cv = await issueCongVan(a, people, summary);
  assert.equal(cv.notation, '01/UBND-VP');
  const issuedSha = sqlValue(a.dataDir, `SELECT sha256 FROM documents WHERE id = ${cv.id}`);

  // B: exactly one incoming document for Quảng Phú, arrived, from Hạc Thành, the same PDF.
  await until(() => incomingOf(b).length > 0, 'the document on node B');
  let rows = incomingOf(b);
  assert.deepEqual(rows, [{ notation: '01/UBND-VP', state: 'arrived', sender_name: 'Phường Hạc Thành', sha256: issuedSha, summary }]);
  assert.deepEqual(fs.readFileSync(path.join(b.dataDir, 'files', issuedSha.slice(0, 2), issuedSha)),
    fs.readFileSync(path.join(a.dataDir, 'files', issuedSha.slice(0, 2), issuedSha)));

  // A: the recipient's status 01 (arrived), delivered.
  const viewOf = async () => (await people.clerk.get(`/api/v1/documents/${cv.id}`)).json.document.deliveries_exchange;
  await until(async () => (await viewOf())[0]?.status_code === '01', 'status 01 on node A');
  const view = await viewOf();
  assert.equal(view.length, 1);
  assert.equal(view[0].organ, COMMUNE2);
  assert.equal(view[0].node, 'quang-phu');
  assert.equal(view[0].state, 'delivered');
  assert.equal(view[0].document_id, `${COMMUNE},${cv.issued_on.replace(/-/g, '/')},01/UBND-VP`);

  // The logs on both sides: the document and its status, each once, signature valid.
  assert.deepEqual(sql(b.dataDir, "SELECT direction, kind, from_organ, to_organ, status_code, state, verdict FROM exchange_messages ORDER BY id"), [
    { direction: 'in', kind: 'document', from_organ: COMMUNE, to_organ: COMMUNE2, status_code: '', state: 'received', verdict: 'valid' },
    { direction: 'out', kind: 'status', from_organ: COMMUNE2, to_organ: COMMUNE, status_code: '01', state: 'delivered', verdict: 'signed' },
  ]);

  // B's clerk registers it (status 03): A sees the recipient's new status.
  m = motcua(['user', 'add', '--data', b.dataDir, '--kind', 'staff', '--login', 'vt.quangphu', '--name', 'Lê Thị Văn',
    '--password', 'mat-khau-can-bo', '--role', 'clerk', '--unit', COMMUNE2, '--no-totp']);
  assert.equal(m.status, 0, m.stderr);
  const qClerk = new Client(b.url);
  await qClerk.login('vt.quangphu', 'mat-khau-can-bo');
  const inId = count(b.dataDir, "SELECT document_id FROM exchange_messages WHERE direction = 'in' AND kind = 'document'");
  let r = await qClerk.post(`/api/v1/incoming/${inId}/register`, {});
  assert.equal(r.status, 200, r.text);
  await until(async () => (await viewOf())[0]?.status_code === '03', 'status 03 on node A');
  // (B marks its status message delivered once A has answered: a moment after A's view changed.)
  await until(() => count(b.dataDir, "SELECT count(*) FROM exchange_messages WHERE direction = 'out' AND kind = 'status' AND state = 'delivered'") === 2,
    'both status messages delivered by B');

  // The envelope A sent, posted again to B: answered 200, counted once.
  const envSha = sqlValue(a.dataDir, `SELECT envelope_sha256 FROM exchange_messages WHERE direction = 'out' AND document_id = ${cv.id}`);
  const envelope = fs.readFileSync(path.join(a.dataDir, 'files', envSha.slice(0, 2), envSha));
  const before = count(b.dataDir, 'SELECT count(*) FROM documents');
  r = await postInbox(b, envelope);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { result: 'duplicate', created: 0, duplicates: 1 });
  assert.equal(count(b.dataDir, 'SELECT count(*) FROM documents'), before);
  assert.equal(incomingOf(b).length, 1);

  // Refusals: logged as refused, no document, no status queued.
  const refused = async (body, status, code) => {
    const docs = count(b.dataDir, 'SELECT count(*) FROM documents');
    const msgs = count(b.dataDir, "SELECT count(*) FROM exchange_messages WHERE state <> 'refused'");
    const res = await postInbox(b, body);
    assert.equal(res.status, status, res.text);
    assert.equal(res.json.error.code, code, res.text);
    assert.equal(count(b.dataDir, 'SELECT count(*) FROM documents'), docs);
    assert.equal(count(b.dataDir, "SELECT count(*) FROM exchange_messages WHERE state <> 'refused'"), msgs);
    assert.equal(sqlValue(b.dataDir, "SELECT verdict FROM exchange_messages WHERE state = 'refused' ORDER BY id DESC LIMIT 1"), code);
  };
  // one byte of the subject changed
  const text = envelope.toString('utf8');
  assert.ok(text.includes('phối hợp'));
  await refused(Buffer.from(text.replace('phối hợp', 'phối hớp')), 422, 'digest_mismatch');
  // signed again with another unit's seal (Sở Tài chính, trusted, but not the sender)
  const other = path.join(dir, 'other.edxml');
  fs.writeFileSync(path.join(dir, 'in.edxml'), envelope);
  m = motcua(['edxml', 'sign', '--data', a.dataDir, '--unit', DEPT, path.join(dir, 'in.edxml'), other]);
  assert.equal(m.status, 0, m.stderr);
  await refused(fs.readFileSync(other), 403, 'wrong_signer');
  // From a unit the directory does not list, signed with that unit's own seal
  const fromDept = text.replace(`${COMMUNE}</edXML:OrganId>`, `${DEPT}</edXML:OrganId>`);
  assert.notEqual(fromDept, text);
  fs.writeFileSync(path.join(dir, 'dept.edxml'), fromDept);
  m = motcua(['edxml', 'sign', '--data', a.dataDir, '--unit', DEPT, path.join(dir, 'dept.edxml'), other]);
  assert.equal(m.status, 0, m.stderr);
  await refused(fs.readFileSync(other), 403, 'unknown_sender');
  // not an envelope at all
  await refused(Buffer.from('<html>không phải edXML</html>'), 422, 'not_edxml');
  assert.equal(incomingOf(b).length, 1);
});

test('exchange: node B down while A issues; the messages wait in A\'s outbox and reach B in order, once, when B is back; A killed before recording it: sent again, counted once', async (t) => {
  const { a, b } = await twoNodes(t);
  await a.start();
  const people = await hacThanhPeople(a);
  const cv = await issueCongVan(a, people, 'V/v gửi khi nút nhận đang dừng');
  const cv2 = await issueCongVan(a, people, 'V/v gửi tiếp khi nút nhận đang dừng');
  const row = `SELECT state, attempts FROM exchange_messages WHERE direction = 'out' AND document_id = ${cv.id}`;
  // At least two attempts failed (backoff of a second in tests), the message still pending;
  // the second document waits behind the first (in order per recipient): never tried.
  await until(() => { const x = sql(a.dataDir, row)[0]; return x && Number(x.attempts) >= 2; }, 'two failed attempts');
  assert.deepEqual(sql(a.dataDir, `SELECT state, attempts FROM exchange_messages WHERE direction = 'out' AND document_id = ${cv2.id}`),
    [{ state: 'pending', attempts: 0 }]);
  let x = sql(a.dataDir, `SELECT state, last_error FROM exchange_messages WHERE direction = 'out' AND document_id = ${cv.id}`)[0];
  assert.match(x.state, /^(pending|sending)$/);
  assert.match(x.last_error, /quang-phu unreachable/);
  assert.equal(incomingOf(b).length, 0);

  await b.start();
  await until(() => incomingOf(b).length === 2, 'the two documents on node B after its restart');
  await until(() => sql(a.dataDir, `SELECT last_status FROM exchange_messages WHERE direction = 'out' AND document_id = ${cv.id}`)[0].last_status === '01',
    'status 01 on node A');
  assert.equal(sqlValue(a.dataDir, `SELECT state FROM exchange_messages WHERE direction = 'out' AND document_id = ${cv.id}`), 'delivered');
  // A little later still exactly one.
  await sleep(1500);
  assert.deepEqual(incomingOf(b).map((d) => [d.notation, d.sender_name]),
    [['01/UBND-VP', 'Phường Hạc Thành'], ['02/UBND-VP', 'Phường Hạc Thành']]);

  // A dies between B's answer and its own 'delivered' (the row left 'sending', as a kill -9
  // mid-transfer leaves it): started again, A sends the same envelope again, B answers it is a
  // duplicate, A marks it delivered; B still has one document and one log row for it.
  await a.srv.kill9();
  const attempts = count(a.dataDir, `SELECT attempts FROM exchange_messages WHERE direction = 'out' AND document_id = ${cv.id}`);
  sql(a.dataDir, `UPDATE exchange_messages SET state = 'sending', claim = 'a-run-that-died' WHERE direction = 'out' AND document_id = ${cv.id}`);
  await a.start();
  await until(() => count(a.dataDir, `SELECT attempts FROM exchange_messages WHERE direction = 'out' AND document_id = ${cv.id} AND state = 'delivered'`) === attempts + 1,
    'the envelope sent again and delivered');
  assert.equal(incomingOf(b).length, 2);
  assert.equal(count(b.dataDir, "SELECT count(*) FROM exchange_messages WHERE direction = 'in' AND kind = 'document'"), 2);
});

test('exchange inbox: an address whose envelopes were refused too often gets 429, unread and unlogged', async (t) => {
  const { b } = await twoNodes(t, { args: ['--exchange-refusals', '3'] });
  await b.start();
  const refusedRows = () => count(b.dataDir, "SELECT count(*) FROM exchange_messages WHERE state = 'refused'");
  // Three refusals, each answered with its reason and logged.
  for (let i = 1; i <= 3; i++) {
    const r = await postInbox(b, `<not-an-envelope n="${i}"/>`);
    assert.equal(r.status, 422, r.text);
    assert.equal(refusedRows(), i);
  }
  // The fourth: 429, and neither read nor logged.
  const before = snapshot(b.dataDir);
  const r = await postInbox(b, '<not-an-envelope n="4"/>');
  assert.equal(r.status, 429, r.text);
  assert.equal(r.json.error.code, 'too_many_refusals');
  assertUnchanged(b.dataDir, before, [], '(too_many_refusals)');
});
