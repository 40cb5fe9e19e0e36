// The public verification of issued documents (/api/v1/verify, the page /xac-thuc/{id}):
// no login; the document, who signed it and whether the signatures hold; the original; an
// uploaded PDF compared with it. Documents are issued here as an operator could until the
// platform issues them itself (tests/api/lib/issued.mjs: a CA made with openssl, its root
// trusted with `motcua key trust`, PDFs sealed with `motcua pdf sign`, the file put in the
// file store and the row inserted with sqlite3). Every refusal leaves the database and the
// file store (temporary uploads included) as they were.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  startServer, initDataDir, newCitizen, readyBirthDraft, samplePdf, samplePng, sql, snapshot, assertUnchanged,
  assertError, expectRefused, formatLocalIso, birthForm, settleIssuing, BIRTH, COMMUNE,
} from './lib/server.mjs';
import { makeTestCA, trustRoot, signPdf, issueDocument, storedFiles, newPublicId, SEAL, STRANGER } from './lib/issued.mjs';

const MiB = 1024 * 1024;
const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');

let caDir; // the CA's files
let dataDir; // the server's data directory (removed at the end)
let srv;
let ca;
let signed; // a sealed PDF
let valid; // the issued document of a dossier, sealed by the trusted seal
let code; // its dossier's code

before(async () => {
  caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-verify-ca-'));
  ca = makeTestCA(caDir);
  dataDir = initDataDir();
  trustRoot(dataDir, ca);
  signed = signPdf(ca, ca.p12.seal, samplePdf('Quyet dinh cap ban sao - thu nghiem'));
  // Uploads from this test all come from 127.0.0.1: a generous allowance here, the
  // limit itself is tested on its own server at the end.
  srv = await startServer(null, { dataDir, args: ['--verify-rate', '1000'] });
  // A dossier submitted by a citizen, whose result the unit has issued signed.
  const citizen = await newCitizen(srv.url);
  const draft = await readyBirthDraft(citizen, COMMUNE);
  const r = await citizen.post(`/api/v1/dossiers/${draft.id}/submit`, {});
  assert.equal(r.status, 200, r.text);
  code = r.json.code;
  valid = issueDocument(dataDir, signed, { kind: 'result', dossierId: draft.id, title: 'Kết quả đăng ký khai sinh' });
  settleIssuing(dataDir); // the dossier's receipt, sealed by the server, is in the file store before any test
});

after(async () => {
  if (srv) await srv.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  if (caDir) fs.rmSync(caDir, { recursive: true, force: true });
});

const get = (p, headers = {}) => fetch(srv.url + p, { headers }).then(read);
const post = (p, body, type = 'application/pdf', headers = {}) =>
  fetch(srv.url + p, { method: 'POST', headers: { ...(type ? { 'content-type': type } : {}), ...headers }, body }).then(read);

async function read(res) {
  const buf = Buffer.from(await res.arrayBuffer());
  const ctype = res.headers.get('content-type') || '';
  return { status: res.status, headers: res.headers, buf, text: buf.toString('utf8'), json: ctype.startsWith('application/json') ? JSON.parse(buf.toString('utf8')) : undefined };
}

/** A refused request: the error, and the database and the file store exactly as before. */
async function refused(send, expect) {
  const files = storedFiles(dataDir);
  const r = await expectRefused(srv, send, expect);
  assert.deepEqual(storedFiles(dataDir), files, `${expect.what || expect.code}: the file store changed (a temporary upload left behind?)`);
  return r;
}

/** An upload that is answered: nothing is stored either. */
async function answered(send) {
  const before = snapshot(dataDir);
  const files = storedFiles(dataDir);
  const r = await send();
  assert.equal(r.status, 200, r.text);
  assertUnchanged(dataDir, before, [], '(a verification)');
  assert.deepEqual(storedFiles(dataDir), files, 'an upload for verification is not stored');
  return r.json;
}

test('a signed document: its unit, dossier and procedure, the seal valid now; no personal data', async () => {
  const r = await get(`/api/v1/verify/${valid.publicId}`);
  assert.equal(r.status, 200, r.text);
  const d = r.json;
  const [unit] = sql(dataDir, `SELECT code, name FROM units WHERE code = '${COMMUNE}'`);
  const [proc] = sql(dataDir, `SELECT code, name FROM procedures WHERE code = '${BIRTH}'`);
  assert.equal(d.public_id, valid.publicId);
  assert.equal(d.kind, 'result');
  assert.equal(d.kind_name, 'Kết quả giải quyết thủ tục hành chính');
  assert.equal(d.title, 'Kết quả đăng ký khai sinh');
  assert.deepEqual(d.unit, unit);
  assert.deepEqual(d.dossier, { code, procedure: proc });
  assert.equal(d.state, 'signed');
  assert.equal(d.state_label, 'Đã ký số');
  const at = formatLocalIso(valid.at * 1000);
  assert.deepEqual([d.issued_at, d.signed_at, d.timestamped_at], [at, at, at]);
  assert.equal(d.sha256, sha256(signed));
  assert.equal(d.size, signed.length);
  assert.equal(d.file_url, `/api/v1/verify/${valid.publicId}/file`);

  const v = d.verification;
  assert.equal(v.verdict, 'valid');
  assert.equal(v.valid, true);
  assert.equal(v.label, 'Hợp lệ');
  assert.equal(v.file_size, signed.length);
  assert.equal(v.signatures.length, 1);
  const s = v.signatures[0];
  assert.equal(s.signer, SEAL);
  assert.equal(s.organisation, SEAL);
  assert.equal(s.status, 'valid');
  assert.equal(s.label, 'Hợp lệ');
  assert.equal(s.whole_file, true);
  assert.equal(s.reason, 'Phát hành văn bản');
  assert.equal(s.location, 'Thanh Hóa');
  assert.match(s.signing_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$/);
  // Sealed without a timestamp authority: said so.
  assert.equal(s.timestamp, null);
  assert.equal(s.timestamp_label, 'Chưa có dấu thời gian');
  assert.equal(v.timestamped, false);

  // Nothing of the applicant's form, nor the applicant.
  const form = birthForm();
  for (const k of ['requester_name', 'requester_id_number', 'child_name', 'mother_name', 'requester_phone', 'requester_email', 'requester_residence']) {
    assert.ok(!r.text.includes(form[k]), `the answer shows ${k}`);
  }
  // No login, no cookie needed; the id in upper case (a QR code in alphanumeric mode) is the same.
  const up = await get(`/api/v1/verify/${valid.publicId.toUpperCase()}`);
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.public_id, valid.publicId);
});

test('unknown and malformed ids: 404 not_found, nothing changes', async () => {
  const unknown = newPublicId();
  const ids = [unknown, 'short', 'abcdefghijklmnopqrs1', 'a'.repeat(21), "aaaaaaaaaaaaaaaaaa'-", 'abc%20defghijklmnopqrs'];
  for (const id of ids) {
    const what = `id ${id}`;
    let r = await refused(() => get(`/api/v1/verify/${id}`), { status: 404, code: 'not_found', what });
    assert.equal(r.json.error.message, 'Không tìm thấy văn bản có mã xác thực này');
    await refused(() => get(`/api/v1/verify/${id}/file`), { status: 404, code: 'not_found', what });
    r = await refused(() => post(`/api/v1/verify/${id}`, signed), { status: 404, code: 'not_found', what });
  }
  // The page: an id of the right form gets it (it then says "not found"), any other 404.
  let r = await get(`/xac-thuc/${unknown}`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.match(r.text, /<title>Xác thực văn bản điện tử/);
  r = await get('/xac-thuc/short');
  assert.equal(r.status, 404);
  assert.match(r.text, /<title>Xác thực văn bản điện tử/, 'the same page, which explains');
  r = await get('/xac-thuc/a/b');
  assert.equal(r.status, 404);
  r = await get('/xac-thuc');
  assert.equal(r.status, 200);
  assert.match(r.text, /id="check-form"/);
});

test('the original: the stored bytes, inline, as a PDF', async () => {
  const r = await get(`/api/v1/verify/${valid.publicId}/file`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  assert.equal(r.headers.get('content-disposition'), `inline; filename="${valid.publicId}.pdf"`);
  assert.ok(r.buf.equals(fs.readFileSync(path.join(dataDir, 'files', valid.sha256.slice(0, 2), valid.sha256))));
  assert.ok(r.buf.equals(signed));
  const head = await fetch(`${srv.url}/api/v1/verify/${valid.publicId}/file`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(signed.length));
});

test('the same file uploaded: same_file, valid; found without the id too; nothing stored', async () => {
  let c = await answered(() => post(`/api/v1/verify/${valid.publicId}`, signed));
  assert.equal(c.same_file, true);
  assert.equal(c.relation, 'same');
  assert.equal(c.message, 'Tệp trùng khớp hoàn toàn với văn bản đã phát hành (cùng mã băm SHA-256).');
  assert.equal(c.upload.sha256, sha256(signed));
  assert.equal(c.upload.size, signed.length);
  assert.equal(c.upload.verification.verdict, 'valid');
  assert.equal(c.upload.verification.label, 'Hợp lệ');
  assert.equal(c.upload.verification.signatures[0].signer, SEAL);
  assert.equal(c.document.public_id, valid.publicId);
  assert.equal(c.document.verification, undefined, 'the document is not verified twice');

  c = await answered(() => post('/api/v1/verify', signed));
  assert.equal(c.same_file, true);
  assert.equal(c.document.public_id, valid.publicId);
  assert.equal(c.document.dossier.code, code);

  // Sent chunked (no Content-Length), with a charset-like parameter: the same.
  c = await answered(() => fetch(`${srv.url}/api/v1/verify/${valid.publicId}`, {
    method: 'POST', headers: { 'content-type': 'application/pdf; name=x.pdf' }, duplex: 'half',
    body: new ReadableStream({ start(ctl) { ctl.enqueue(signed.subarray(0, 1000)); ctl.enqueue(signed.subarray(1000)); ctl.close(); } }),
  }).then(read));
  assert.equal(c.same_file, true);
});

test('one byte flipped: another file, and changed after signing', async () => {
  const bad = Buffer.from(signed);
  const at = bad.indexOf('Quyet dinh');
  assert.ok(at > 0);
  bad[at] ^= 0x01;
  let c = await answered(() => post(`/api/v1/verify/${valid.publicId}`, bad));
  assert.equal(c.same_file, false);
  assert.equal(c.relation, 'different');
  assert.equal(c.upload.sha256, sha256(bad));
  assert.equal(c.upload.verification.verdict, 'invalid');
  assert.equal(c.upload.verification.valid, false);
  assert.equal(c.upload.verification.label, 'Tệp đã bị sửa sau khi ký');
  assert.equal(c.upload.verification.signatures[0].status, 'invalid');
  assert.equal(c.upload.verification.signatures[0].label, 'Tệp đã bị sửa sau khi ký');
  // Without the id: it is no issued document.
  c = await answered(() => post('/api/v1/verify', bad));
  assert.equal(c.relation, 'unknown');
  assert.equal(c.document, null);
  assert.equal(c.message, 'Tệp không trùng với văn bản nào do hệ thống phát hành.');
});

test('bytes appended: modified, the signature does not cover the whole file; the document is still found', async () => {
  const more = Buffer.concat([signed, Buffer.from('% added later\n')]);
  for (const p of [`/api/v1/verify/${valid.publicId}`, '/api/v1/verify']) {
    const c = await answered(() => post(p, more));
    assert.equal(c.same_file, false, p);
    assert.equal(c.relation, 'extended', p);
    assert.equal(c.upload.verification.verdict, 'modified', p);
    assert.equal(c.upload.verification.label, 'Tệp đã bị sửa sau khi ký', p);
    assert.match(c.upload.verification.summary, /\(14 byte\)/, p);
    assert.equal(c.upload.verification.signatures[0].whole_file, false, p);
    assert.equal(c.document.public_id, valid.publicId, p);
  }
});

test('not a PDF, empty, damaged, oversized: clear refusals, nothing stored', async () => {
  const id = valid.publicId;
  for (const p of [`/api/v1/verify/${id}`, '/api/v1/verify']) {
    await refused(() => post(p, samplePng(), 'image/png'), { status: 415, code: 'unsupported_file_type', what: `${p} png` });
    await refused(() => post(p, signed, null), { status: 415, code: 'unsupported_file_type', what: `${p} no type` });
    await refused(() => post(p, signed, 'application/json'), { status: 415, code: 'unsupported_file_type', what: `${p} json` });
    let r = await refused(() => post(p, samplePng()), { status: 415, code: 'not_pdf', what: `${p} png as pdf` });
    assert.equal(r.json.error.message, 'Tệp gửi lên không phải là tệp PDF');
    await refused(() => post(p, Buffer.from('<html>not a pdf</html>')), { status: 415, code: 'not_pdf', what: `${p} html` });
    await refused(() => post(p, Buffer.alloc(0)), { status: 422, code: 'empty_file', what: `${p} empty` });
    r = await refused(() => post(p, signed.subarray(0, signed.length >> 1)), { status: 422, code: 'unreadable_pdf', what: `${p} half` });
    assert.match(r.json.error.message, /Không đọc được tệp/);
    // Over 20 MiB, declared: refused from the head.
    const over = Buffer.concat([signed, Buffer.alloc(20 * MiB + 1 - signed.length, 0x20)]);
    r = await refused(() => post(p, over), { status: 413, code: 'file_too_large', what: `${p} 20 MiB + 1` });
    assert.equal(r.json.error.message, 'Tệp quá lớn: chỉ kiểm tra được tệp PDF đến 20 MB');
  }
  // Over 20 MiB, chunked (no length announced): cut off once it passes, the partial file removed.
  const files = storedFiles(dataDir);
  const before = snapshot(dataDir);
  const r = await chunkedUpload(`/api/v1/verify/${id}`, 21 * MiB);
  assert.equal(r.status, 413, r.body);
  assert.equal(JSON.parse(r.body).error.code, 'body_too_large');
  assertUnchanged(dataDir, before, [], '(chunked 21 MiB)');
  // The temporary file goes when the request ends, just after the answer.
  let left = storedFiles(dataDir);
  for (let i = 0; i < 50 && left.length !== files.length; i++) {
    await new Promise((res) => setTimeout(res, 100));
    left = storedFiles(dataDir);
  }
  assert.deepEqual(left, files, 'the partial upload is removed');
  // Exactly 20 MiB is accepted: an unsigned PDF of that size, which is no issued document.
  let k = 20 * MiB - 1000;
  let exact = samplePdf('x'.repeat(k));
  for (let i = 0; i < 5 && exact.length !== 20 * MiB; i++) exact = samplePdf('x'.repeat(k += 20 * MiB - exact.length));
  assert.equal(exact.length, 20 * MiB);
  const c = await answered(() => post('/api/v1/verify', exact));
  assert.equal(c.upload.size, 20 * MiB);
  assert.equal(c.relation, 'unknown');
  assert.equal(c.upload.verification.verdict, 'unsigned');
  assert.equal(c.upload.verification.label, 'Chưa được ký số');
});

/** POSTs total bytes of a PDF, chunked, through a raw socket until the server answers. */
function chunkedUpload(p, total) {
  const { hostname, port } = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    const chunks = [];
    let sent = 0;
    let answered = false;
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('no answer to the chunked upload')); }, 60000);
    const piece = Buffer.concat([signed.subarray(0, 16), Buffer.alloc(256 * 1024 - 16, 0x20)]);
    const pump = () => {
      while (!answered && sent < total) {
        const body = sent === 0 ? piece : Buffer.alloc(piece.length, 0x20);
        sent += body.length;
        sock.write(`${body.length.toString(16)}\r\n`);
        sock.write(body);
        if (!sock.write('\r\n')) {
          sock.once('drain', pump);
          return;
        }
      }
      if (!answered && sent >= total) sock.write('0\r\n\r\n');
    };
    sock.on('connect', () => {
      sock.write(`POST ${p} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/pdf\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`);
      pump();
    });
    sock.on('data', (d) => { answered = true; chunks.push(d); });
    sock.on('error', () => { /* the server closes after its answer; the answer is what counts */ });
    sock.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks).toString('utf8');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(all);
      if (!m) { reject(new Error(`no HTTP answer: ${JSON.stringify(all.slice(0, 200))}`)); return; }
      resolve({ status: Number(m[1]), body: all.slice(all.indexOf('\r\n\r\n') + 4) });
    });
  });
}

test('a signer whose root is not trusted: intact but not trusted', async () => {
  const pdf = signPdf(ca, ca.p12.stranger, samplePdf('Ban sao cua don vi la'));
  const doc = issueDocument(dataDir, pdf, { kind: 'certified_copy', title: 'Bản sao không rõ nguồn' });
  const r = await get(`/api/v1/verify/${doc.publicId}`);
  assert.equal(r.status, 200, r.text);
  const v = r.json.verification;
  assert.equal(v.verdict, 'untrusted');
  assert.equal(v.valid, false);
  assert.equal(v.label, 'Chứng thư số không được tin cậy');
  assert.equal(v.signatures[0].signer, STRANGER);
  assert.equal(v.signatures[0].status, 'untrusted');
  assert.equal(v.signatures[0].label, 'Chứng thư số không được tin cậy');
  assert.equal(r.json.dossier, null);
  // Uploaded: the same file, and still not trusted.
  const c = await answered(() => post(`/api/v1/verify/${doc.publicId}`, pdf));
  assert.equal(c.same_file, true);
  assert.equal(c.upload.verification.verdict, 'untrusted');
});

test('a document being signed: said so; no original, no comparison yet', async () => {
  const doc = issueDocument(dataDir, null, { kind: 'receipt', state: 'pending', title: 'Giấy tiếp nhận hồ sơ' });
  const r = await get(`/api/v1/verify/${doc.publicId}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'pending');
  assert.equal(r.json.state_label, 'Đang ký số');
  assert.equal(r.json.message, 'Văn bản đang được ký số. Vui lòng quay lại sau ít phút.');
  assert.equal(r.json.sha256, null);
  assert.equal(r.json.file_url, null);
  assert.equal(r.json.verification, undefined);
  let e = await refused(() => get(`/api/v1/verify/${doc.publicId}/file`), { status: 409, code: 'not_issued' });
  assert.equal(e.json.error.message, 'Văn bản đang được ký số. Vui lòng quay lại sau ít phút.');
  e = await refused(() => post(`/api/v1/verify/${doc.publicId}`, signed), { status: 409, code: 'not_issued' });
  // A document awaiting its timestamp is issued: verified, and the missing timestamp said.
  const late = issueDocument(dataDir, signed.subarray(0), { kind: 'apology', state: 'awaiting_timestamp', dossierId: null, publicId: newPublicId(), title: 'Phiếu xin lỗi' });
  const a = await get(`/api/v1/verify/${late.publicId}`);
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.state_label, 'Đã ký số, chưa có dấu thời gian');
  assert.equal(a.json.timestamped_at, null);
  assert.equal(a.json.verification.verdict, 'valid');
  assert.equal(a.json.verification.timestamp_label, 'Chưa có dấu thời gian');
});

test('anonymous POSTs need no CSRF token; a session cookie changes nothing', async () => {
  const citizen = await newCitizen(srv.url);
  const r = await citizen.req('POST', `/api/v1/verify/${valid.publicId}`, { body: signed, type: 'application/pdf', csrf: false });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.same_file, true);
});

test('uploads per address are limited: 429 with Retry-After, nothing changes; lookups keep working', async () => {
  await srv.stop();
  srv = await startServer(null, { dataDir, args: ['--verify-rate', '1'] }); // 1 a minute, bursts of 2
  for (let i = 0; i < 2; i++) {
    const c = await answered(() => post(`/api/v1/verify/${valid.publicId}`, signed));
    assert.equal(c.same_file, true);
  }
  for (const p of [`/api/v1/verify/${valid.publicId}`, '/api/v1/verify']) {
    const r = await refused(() => post(p, signed), { status: 429, code: 'too_many_checks', what: p });
    assert.ok(Number(r.headers.get('retry-after')) >= 1, r.headers.get('retry-after'));
    assertError(r, 429, 'too_many_checks');
  }
  // Reading the document is a lookup, not an upload.
  const r = await get(`/api/v1/verify/${valid.publicId}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.verification.verdict, 'valid');
});
