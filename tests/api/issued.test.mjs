// Documents issued signed (docs/signatures.md), checked from outside with tools that owe
// nothing to motcua: the leader's approval signs the result document and the officers'
// PDF result files (the leader, then the unit's seal, each timestamped): pdfsig (with an NSS
// database trusting the demo root read from trust_anchors), `openssl cms -verify` over the
// /ByteRange bytes and `openssl ts -verify` of each signature's timestamp token accept them,
// and refuse them after one flipped byte; the QR code (pdftoppm + zbarimg) is the
// verification page of the issued_documents row. Receipts and apology letters carry the
// seal. A revoked or missing personal key refuses the approval and changes nothing. With the
// timestamp authority unreachable the approval still goes through, the result is "awaiting
// timestamp" and valid without one; a restart with a timestamp source completes it in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  COMMUNE, Client, DEMO_OFFICERS, startServer, newCitizen, readyBirthDraft, samplePdf, samplePng,
  sql, sqlValue, totp, expectRefused, freePort, motcua, settleIssuing, officerSession as officer,
} from './lib/server.mjs';
import { byteRanges, nssTrusting, pdfsig as pdfsigIn } from './lib/pdf.mjs';

const pdfsig = (file) => pdfsigIn(file, f('nss'));

let dir; // scratch: the NSS database, files to check
const f = (name) => path.join(dir, name);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) throw r.error;
  return r;
}

function ok(cmd, args, opts) {
  const r = run(cmd, args, opts);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** A scratch directory with an NSS database that trusts the data directory's demo root. */
function trustDemoRoot(t, dataDir) {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-issued-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const pem = sqlValue(dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1');
  assert.match(pem, /BEGIN CERTIFICATE/);
  fs.writeFileSync(f('root.pem'), pem);
  nssTrusting(f('nss'), f('root.pem'));
}


// --- a small DER reader, to take the timestamp token out of a CMS SignedData -------------

/** The TLV at buf[at]: {tag, start (of the value), end}. */
function tlv(buf, at) {
  const tag = buf[at];
  let len = buf[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[at + 2 + i];
    start += n;
  }
  return { tag, at, start, end: start + len };
}

/** The TLVs inside constructed TLV t. */
function children(buf, t) {
  const out = [];
  for (let p = t.start; p < t.end;) {
    const c = tlv(buf, p);
    out.push(c);
    p = c.end;
  }
  return out;
}

/** The CMS signature i of the file, its signature value and its timestamp token (or null). */
function cmsOf(buf, i) {
  const [, b, c] = byteRanges(buf)[i];
  const hex = Buffer.from(buf.subarray(b + 1, c - 1).toString('latin1'), 'hex');
  const ci = tlv(hex, 0);
  const der = hex.subarray(0, ci.end);
  const [, explicit] = children(der, ci); // OID, [0] SignedData
  const sd = children(der, children(der, explicit)[0]);
  const signerInfos = sd[sd.length - 1];
  const si = children(der, children(der, signerInfos)[0]);
  const sigValue = si.find((x) => x.tag === 0x04); // the signature OCTET STRING
  const unsigned = si.find((x) => x.tag === 0xa1);
  let token = null;
  for (const attr of unsigned ? children(der, unsigned) : []) {
    const [oid, values] = children(der, attr);
    // 1.2.840.113549.1.9.16.2.14 id-aa-signatureTimeStampToken
    if (der.subarray(oid.start, oid.end).toString('hex') === '2a864886f70d010910020e') {
      const v = children(der, values)[0];
      token = der.subarray(v.at, v.end);
    }
  }
  return { der, value: der.subarray(sigValue.start, sigValue.end), token };
}

/** `openssl cms -verify` of signature i over the bytes its /ByteRange names. */
function opensslVerify(file, i) {
  const buf = fs.readFileSync(file);
  const [a, b, c, d] = byteRanges(buf)[i];
  assert.equal(a, 0);
  fs.writeFileSync(f('sig.der'), cmsOf(buf, i).der);
  fs.writeFileSync(f('content.bin'), Buffer.concat([buf.subarray(0, b), buf.subarray(c, c + d)]));
  return run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', f('sig.der'), '-content',
    f('content.bin'), '-CAfile', f('root.pem'), '-purpose', 'any', '-out', '/dev/null']);
}

/** `openssl ts -verify` of signature i's timestamp token against its signature value. */
function tsVerify(file, i) {
  const { value, token } = cmsOf(fs.readFileSync(file), i);
  assert.ok(token, `signature ${i + 1} has no timestamp token`);
  fs.writeFileSync(f('token.der'), token);
  const digest = crypto.createHash('sha256').update(value).digest('hex');
  return run('openssl', ['ts', '-verify', '-digest', digest, '-in', f('token.der'), '-token_in',
    '-CAfile', f('root.pem')]);
}

/** The QR code of the first page of a PDF, as text (pdftoppm, then zbarimg). */
function qrOf(file) {
  ok('pdftoppm', ['-r', '200', '-f', '1', '-l', '1', '-png', file, f('page')]);
  const png = fs.readdirSync(dir).find((n) => /^page.*\.png$/.test(n));
  const r = ok('zbarimg', ['-q', '--raw', f(png)]);
  fs.rmSync(f(png));
  return r.stdout.trim();
}

/** Saves a PDF answer to the scratch directory. */
function savePdf(r, name, what) {
  assert.equal(r.status, 200, `${what}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.equal(r.headers.get('content-type'), 'application/pdf', what);
  fs.writeFileSync(f(name), r.buf);
  return f(name);
}

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

const act = (c, id, action, body = {}) => c.post(`/api/v1/staff/dossiers/${id}/actions/${action}`, body);

/** A birth registration taken to "awaiting approval" with a PDF and a PNG result file. */
async function awaitingApproval(srv, o) {
  const citizen = await newCitizen(srv.url);
  const d = await readyBirthDraft(citizen);
  let r = await citizen.post(`/api/v1/dossiers/${d.id}/submit`, {});
  assert.equal(r.status, 200, r.text);
  const id = d.id;
  for (const [c, action, body] of [[o.reception, 'accept', {}], [o.leader, 'assign', { assignee: DEMO_OFFICERS.specialist.login }]]) {
    r = await act(c, id, action, body);
    assert.equal(r.status, 200, `${action}: ${r.text}`);
  }
  r = await o.specialist.req('PUT', `/api/v1/staff/dossiers/${id}/results/quyet-dinh.pdf`, { body: samplePdf('Quyet dinh'), type: 'application/pdf' });
  assert.equal(r.status, 201, r.text);
  r = await o.specialist.req('PUT', `/api/v1/staff/dossiers/${id}/results/ban-quet.png`, { body: samplePng(), type: 'image/png' });
  assert.equal(r.status, 201, r.text);
  r = await act(o.specialist, id, 'propose');
  assert.equal(r.status, 200, r.text);
  return { citizen, id };
}

async function demoOfficers(url) {
  return {
    reception: await officer(url, DEMO_OFFICERS.reception),
    specialist: await officer(url, DEMO_OFFICERS.specialist),
    leader: await officer(url, DEMO_OFFICERS.leader),
  };
}

const issuedRows = (dataDir, id) =>
  sql(dataDir, `SELECT public_id, kind, ref, state, sha256, size FROM issued_documents WHERE dossier_id = ${id} ORDER BY id`);

/** Waits (bounded) until the query's value is want. */
async function waitFor(dataDir, query, want, what) {
  let v;
  for (let i = 0; i < 300; i++) {
    v = sqlValue(dataDir, query);
    if (v === want) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(v, want, what);
}

test('the leader approves: the result and the PDF result file carry the leader\'s signature and the seal, timestamped; pdfsig, openssl cms and openssl ts agree; the QR is the verification page', async (t) => {
  const srv = await startServer(t);
  trustDemoRoot(t, srv.dataDir);
  const o = await demoOfficers(srv.url);
  const { citizen, id } = await awaitingApproval(srv, o);
  const png = sql(srv.dataDir, `SELECT sha256, size FROM dossier_results WHERE dossier_id = ${id} AND name = 'ban-quet.png'`)[0];
  const uploadedPdf = sqlValue(srv.dataDir, `SELECT sha256 FROM dossier_results WHERE dossier_id = ${id} AND name = 'quyet-dinh.pdf'`);

  let r = await act(o.leader, id, 'approve');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'done');
  const rows = issuedRows(srv.dataDir, id).filter((x) => x.kind === 'result');
  assert.deepEqual(rows.map((x) => [x.ref, x.state]), [['', 'signed'], ['quyet-dinh.pdf', 'signed']]);
  // The officers' page lists them.
  assert.deepEqual(r.json.issued.filter((x) => x.kind === 'result').map((x) => [x.public_id, x.state]),
    rows.map((x) => [x.public_id, 'signed']));
  // The PDF result file now is its signed version; the scan stays as it was.
  const signedFile = sqlValue(srv.dataDir, `SELECT sha256 FROM dossier_results WHERE dossier_id = ${id} AND name = 'quyet-dinh.pdf'`);
  assert.equal(signedFile, rows[1].sha256);
  assert.notEqual(signedFile, uploadedPdf);
  assert.deepEqual(sql(srv.dataDir, `SELECT sha256, size FROM dossier_results WHERE dossier_id = ${id} AND name = 'ban-quet.png'`)[0], png);

  const result = savePdf(await o.leader.get(`/api/v1/staff/dossiers/${id}/result.pdf`), 'result.pdf', 'result');
  assert.equal(sha256(fs.readFileSync(result)), rows[0].sha256, 'the download is the stored signed file');
  const file = savePdf(await o.leader.get(`/api/v1/staff/dossiers/${id}/results/quyet-dinh.pdf`), 'file.pdf', 'result file');
  assert.equal(sha256(fs.readFileSync(file)), rows[1].sha256);

  for (const [what, path_] of [['result', result], ['result file', file]]) {
    const p = pdfsig(path_);
    assert.equal(p.sigs.length, 2, `${what}: two signatures\n${p.out}`);
    assert.ok(p.sigs.every((s) => s.valid && s.trusted), `${what}: pdfsig:\n${p.out}`);
    assert.ok(p.sigs[1].total, `${what}: the seal covers the whole file\n${p.out}`);
    assert.equal(p.sigs[0].name, DEMO_OFFICERS.leader.name, `${what}: the leader signs first`);
    for (let i = 0; i < 2; i++) {
      let v = opensslVerify(path_, i);
      assert.equal(v.status, 0, `${what}: openssl cms -verify of signature ${i + 1}: ${v.stderr}`);
      v = tsVerify(path_, i);
      assert.equal(v.status, 0, `${what}: openssl ts -verify of signature ${i + 1}: ${v.stdout} ${v.stderr}`);
    }
  }

  // One flipped byte inside the range both signatures cover: all three refuse.
  const buf = fs.readFileSync(result);
  const [, b] = byteRanges(buf)[0];
  const bad = Buffer.from(buf);
  bad[Math.floor(b / 2)] ^= 0x01;
  fs.writeFileSync(f('bad.pdf'), bad);
  const p = pdfsig(f('bad.pdf'));
  assert.ok(!p.sigs.some((s) => s.valid), `pdfsig still says valid:\n${p.out}`);
  for (let i = 0; i < 2; i++) assert.notEqual(opensslVerify(f('bad.pdf'), i).status, 0, `openssl cms accepted signature ${i + 1}`);
  // The timestamp is over the signature value: change the value and the token no longer fits.
  const { value, token } = cmsOf(buf, 0);
  const flipped = Buffer.from(value);
  flipped[0] ^= 0x01;
  fs.writeFileSync(f('token.der'), token);
  const tsBad = run('openssl', ['ts', '-verify', '-digest', sha256(flipped), '-in', f('token.der'), '-token_in', '-CAfile', f('root.pem')]);
  assert.notEqual(tsBad.status, 0, 'openssl ts accepted a token for another signature value');

  // The QR code is the verification page of the row.
  assert.equal(qrOf(result), `${srv.url}/xac-thuc/${rows[0].public_id}`);

  // The citizen gets the same files once the result is returned.
  r = await act(o.reception, id, 'return_result');
  assert.equal(r.status, 200, r.text);
  r = await citizen.get(`/api/v1/dossiers/${id}/result.pdf`);
  assert.equal(r.status, 200, r.text);
  assert.equal(sha256(r.buf), rows[0].sha256);
  r = await citizen.get(`/api/v1/dossiers/${id}/results/quyet-dinh.pdf`);
  assert.equal(sha256(r.buf), rows[1].sha256);
});

test('the receipt and an apology letter carry the unit\'s seal, valid and timestamped, with the QR of their page', async (t) => {
  const srv = await startServer(t);
  trustDemoRoot(t, srv.dataDir);
  const reception = await officer(srv.url, DEMO_OFFICERS.reception);
  const citizen = await newCitizen(srv.url);
  const d = await readyBirthDraft(citizen);
  let r = await citizen.post(`/api/v1/dossiers/${d.id}/submit`, {});
  assert.equal(r.status, 200, r.text);
  const id = d.id;
  // The worker signs it from the outbox.
  await waitFor(srv.dataDir, `SELECT state FROM issued_documents WHERE dossier_id = ${id} AND kind = 'receipt'`, 'signed', 'the receipt is signed by the worker');
  const receiptRow = issuedRows(srv.dataDir, id).find((x) => x.kind === 'receipt');
  const receipt = savePdf(await citizen.get(`/api/v1/dossiers/${id}/receipt.pdf`), 'receipt.pdf', 'receipt');
  assert.equal(sha256(fs.readFileSync(receipt)), receiptRow.sha256);
  // The desk's copy is the same file.
  r = await reception.get(`/api/v1/staff/dossiers/${id}/receipt.pdf`);
  assert.equal(sha256(r.buf), receiptRow.sha256);

  sql(srv.dataDir, `UPDATE dossiers SET due_at = ${Math.floor(Date.now() / 1000) - 3600} WHERE id = ${id}`);
  const later = new Date(Date.now() + 7 * 3600e3 + 5 * 86400e3).toISOString().slice(0, 10) + 'T16:00';
  r = await reception.post(`/api/v1/staff/dossiers/${id}/apology`, { new_due_at: later, reason: 'Cần xác minh thêm thông tin' });
  assert.equal(r.status, 201, r.text);
  // Downloaded at once: issued now if the worker has not yet; either way one row, one file.
  const letter = savePdf(await citizen.get(`/api/v1/dossiers/${id}/apologies/1`), 'letter.pdf', 'apology letter');
  const letterRow = issuedRows(srv.dataDir, id).find((x) => x.kind === 'apology');
  assert.equal(letterRow.ref, '1');
  assert.equal(letterRow.state, 'signed');
  assert.equal(sha256(fs.readFileSync(letter)), letterRow.sha256);

  for (const [what, file, row] of [['receipt', receipt, receiptRow], ['apology letter', letter, letterRow]]) {
    const p = pdfsig(file);
    assert.equal(p.sigs.length, 1, `${what}: one signature\n${p.out}`);
    assert.ok(p.sigs[0].valid && p.sigs[0].trusted && p.sigs[0].total, `${what}: pdfsig:\n${p.out}`);
    assert.equal(p.sigs[0].name, 'Phường Hạc Thành', `${what}: the seal signs`);
    let v = opensslVerify(file, 0);
    assert.equal(v.status, 0, `${what}: openssl cms -verify: ${v.stderr}`);
    v = tsVerify(file, 0);
    assert.equal(v.status, 0, `${what}: openssl ts -verify: ${v.stdout} ${v.stderr}`);
    assert.equal(qrOf(file), `${srv.url}/xac-thuc/${row.public_id}`, `${what}: QR`);
  }
  // A letter that does not exist is not issued.
  r = await citizen.get(`/api/v1/dossiers/${id}/apologies/2`);
  assert.equal(r.status, 404, r.text);
  assert.equal(issuedRows(srv.dataDir, id).length, 2);
});

test('a leader whose key is revoked, or who has none, cannot approve: the reason in Vietnamese, nothing changed', async (t) => {
  const srv = await startServer(t);
  const o = await demoOfficers(srv.url);
  const { id } = await awaitingApproval(srv, o);
  const leaderId = sqlValue(srv.dataDir, `SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`);
  const keyId = sqlValue(srv.dataDir, `SELECT id FROM signing_keys WHERE account_id = ${leaderId} AND revoked_at IS NULL`);
  const rv = motcua(['key', 'revoke', '--data', srv.dataDir, '--reason', 'Lộ khóa bí mật', '--id', String(keyId)]);
  assert.equal(rv.status, 0, rv.stderr);
  // The files in the store (once the worker has signed the receipts that are due).
  const files = () => {
    settleIssuing(srv.dataDir);
    return fs.readdirSync(path.join(srv.dataDir, 'files'), { recursive: true }).sort();
  };
  let before = files();
  let r = await expectRefused(srv, () => act(o.leader, id, 'approve'), { status: 409, code: 'certificate_revoked' });
  assert.match(r.json.error.message, /đã bị thu hồi ngày \d\d\/\d\d\/\d{4} \(Lộ khóa bí mật\)/);
  assert.deepEqual(files(), before, 'no file was signed');

  // An officer allowed to approve but without a personal key.
  const add = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', 'kq.lanhdao2', '--name', 'Lê Văn Bình',
    '--password', 'mat-khau-can-bo', '--role', 'leader', '--unit', COMMUNE, '--no-totp']);
  assert.equal(add.status, 0, add.stderr);
  const other = new Client(srv.url);
  await other.login('kq.lanhdao2', 'mat-khau-can-bo');
  before = files();
  r = await expectRefused(srv, () => act(other, id, 'approve'), { status: 409, code: 'no_certificate' });
  assert.match(r.json.error.message, /chưa có chứng thư số/);
  assert.deepEqual(files(), before);
  // Someone who may not approve at all is told that, not about keys.
  await expectRefused(srv, () => act(o.specialist, id, 'approve'), { status: 403, code: 'forbidden' });
});

test('the timestamp authority unreachable: approved and signed, awaiting the timestamp; a restart with a timestamp source completes it in place', async (t) => {
  const closed = await freePort(); // nothing listens there
  let srv = await startServer(null, { args: ['--tsa-url', `http://127.0.0.1:${closed}/tsa`] });
  const dataDir = srv.dataDir;
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  trustDemoRoot(t, dataDir);
  const o = await demoOfficers(srv.url);
  const { id } = await awaitingApproval(srv, o);
  let r = await act(o.leader, id, 'approve');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'done');
  let rows = issuedRows(dataDir, id).filter((x) => x.kind === 'result');
  assert.deepEqual(rows.map((x) => x.state), ['awaiting_timestamp', 'awaiting_timestamp']);
  assert.deepEqual(r.json.issued.filter((x) => x.kind === 'result').map((x) => x.state), ['awaiting_timestamp', 'awaiting_timestamp']);
  const before = savePdf(await o.leader.get(`/api/v1/staff/dossiers/${id}/result.pdf`), 'before.pdf', 'result');
  let p = pdfsig(before);
  assert.equal(p.sigs.length, 2);
  assert.ok(p.sigs.every((s) => s.valid && s.trusted), `valid without a timestamp:\n${p.out}`);
  for (let i = 0; i < 2; i++) assert.equal(cmsOf(fs.readFileSync(before), i).token, null, 'no timestamp yet');
  await srv.stop({ keep: true });

  // The same data directory, its own timestamp key serving: the worker finishes at start.
  srv = await startServer(null, { dataDir });
  t.after(() => srv.stop());
  await waitFor(dataDir, `SELECT count(*) FROM issued_documents WHERE dossier_id = ${id} AND kind = 'result' AND state = 'signed'`, 2,
    'the worker timestamps both documents');
  rows = issuedRows(dataDir, id).filter((x) => x.kind === 'result');
  assert.equal(sqlValue(dataDir, `SELECT sha256 FROM dossier_results WHERE dossier_id = ${id} AND name = 'quyet-dinh.pdf'`), rows[1].sha256,
    'the result file points to the timestamped version');
  const leader = await officer(srv.url, DEMO_OFFICERS.leader, 1);
  const after = savePdf(await leader.get(`/api/v1/staff/dossiers/${id}/result.pdf`), 'after.pdf', 'result');
  assert.equal(sha256(fs.readFileSync(after)), rows[0].sha256);
  p = pdfsig(after);
  assert.equal(p.sigs.length, 2);
  assert.ok(p.sigs.every((s) => s.valid && s.trusted) && p.sigs[1].total, `pdfsig after the timestamps:\n${p.out}`);
  for (let i = 0; i < 2; i++) {
    const v = tsVerify(after, i);
    assert.equal(v.status, 0, `openssl ts -verify of signature ${i + 1}: ${v.stdout} ${v.stderr}`);
    assert.equal(opensslVerify(after, i).status, 0);
  }
  // The leader's signature is the one made at approval: only its timestamp was added.
  assert.deepEqual(cmsOf(fs.readFileSync(after), 0).value, cmsOf(fs.readFileSync(before), 0).value);
  const file = savePdf(await leader.get(`/api/v1/staff/dossiers/${id}/results/quyet-dinh.pdf`), 'file-after.pdf', 'result file');
  for (let i = 0; i < 2; i++) assert.equal(tsVerify(file, i).status, 0, `result file: signature ${i + 1} timestamped`);
});
