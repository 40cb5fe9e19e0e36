// Trusted timestamps (RFC 3161), judged by the openssl CLI rather than by motcua's own code:
//  - the demo TSA (`motcua serve --demo-tsa`, POST /tsa) answers requests made by
//    `openssl ts -query`, and `openssl ts -reply -text` and `openssl ts -verify` accept its
//    answers (and refuse them for other data); malformed and oversized requests get a
//    rejection or 413 and change nothing; without --demo-tsa the route does not exist;
//  - the client (`motcua tsa stamp`, sign/tsa.c) obtains and checks tokens from a reference
//    TSA whose answers `openssl ts -reply` makes (lib/tsa-server.mjs), and refuses an
//    unreachable TSA, one that hangs (within its timeout), garbage, an HTTP error, a
//    rejection, and tokens for another imprint or another nonce, each with its own message.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BIN, startServer, snapshot, assertUnchanged, assertError, freePort, sqlValue } from './lib/server.mjs';
import { connect, waitFor, responses } from './lib/raw.mjs';
import {
  openssl, opensslStatus, makeTsaIdentity, makeCa, startReferenceTsa, REFERENCE_POLICY, AUTH,
} from './lib/tsa-server.mjs';

const run = promisify(execFile);

/** Runs the motcua CLI without blocking this process (it may talk to a server in it). */
async function motcuaAsync(args, env = {}) {
  try {
    const r = await run(BIN, args, { timeout: 120000, encoding: 'utf8', env: { ...process.env, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    if (typeof e.code !== 'number') throw new Error(`motcua ${args.join(' ')} did not exit by itself: ${e.signal || e.message}`);
    return { code: e.code, stdout: e.stdout || '', stderr: e.stderr || '' };
  }
}

function tmpDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-tsa-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Two files with different content in dir: {file, other}. */
function sampleFiles(dir) {
  const file = path.join(dir, 'quyet-dinh.pdf');
  const other = path.join(dir, 'other.pdf');
  fs.writeFileSync(file, '%PDF-1.7\nQuyết định cấp giấy khai sinh số 123/2025\n');
  fs.writeFileSync(other, '%PDF-1.7\nQuyết định cấp giấy khai sinh số 124/2025\n');
  return { file, other };
}

/** POSTs the bytes of a file (or a Buffer) to url with the timestamp-query type. */
async function postQuery(url, body, type = 'application/timestamp-query') {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': type }, body });
  const buf = Buffer.from(await res.arrayBuffer());
  let json;
  if ((res.headers.get('content-type') || '').startsWith('application/json')) json = JSON.parse(buf.toString('utf8'));
  return { status: res.status, headers: res.headers, buf, json };
}

/** `openssl ts -query -data file -sha256 [-cert]` into out. */
async function makeQuery(file, out, { cert = true } = {}) {
  await openssl(['ts', '-query', '-data', file, '-sha256', ...(cert ? ['-cert'] : []), '-out', out]);
  return fs.readFileSync(out);
}

/** openssl's reading of a TimeStampResp file (-text): {code, text}. */
async function replyText(respFile) {
  const r = await opensslStatus(['ts', '-reply', '-in', respFile, '-text']);
  return { code: r.code, text: r.stdout };
}

// --- the demo TSA, with a key and certificate made by openssl -----------------------------

describe('the demo TSA with its certificate from files', () => {
  let srv;
  let dir;
  let id;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-tsa-demo-'));
    id = await makeTsaIdentity(dir, 'motcua test TSA');
    srv = await startServer(null, { args: ['--demo-tsa', '--demo-tsa-key', id.key, '--demo-tsa-cert', id.cert] });
  });
  after(async () => {
    if (srv) await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a request made by openssl gets a token that openssl reads and verifies; other data is refused', async (t) => {
    const d = tmpDir(t);
    const { file, other } = sampleFiles(d);
    const query = await makeQuery(file, path.join(d, 'req.tsq'));
    const before = snapshot(srv.dataDir);
    const r = await postQuery(`${srv.url}/tsa`, query);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/timestamp-reply');
    const resp = path.join(d, 'resp.tsr');
    fs.writeFileSync(resp, r.buf);

    const shown = await replyText(resp);
    assert.equal(shown.code, 0, 'openssl ts -reply -text reads the answer');
    assert.match(shown.text, /^Status: Granted\.$/m);
    assert.match(shown.text, /^Version: 1$/m);
    assert.match(shown.text, /^Policy OID: 2\.999\.3161\.1$/m);
    assert.match(shown.text, /^Hash Algorithm: sha256$/m);
    assert.match(shown.text, /^Accuracy: 0x01 seconds, unspecified millis, unspecified micros$/m);
    assert.match(shown.text, /^Ordering: no$/m);
    assert.match(shown.text, /^TSA: DirName:\/CN=motcua test TSA\/O=motcua tests$/m);
    // A random 128-bit serial: at most 32 hex digits, and more than 16 but by bad luck.
    const serial = /^Serial number: 0x([0-9A-F]+)$/m.exec(shown.text);
    assert.ok(serial && serial[1].length > 16 && serial[1].length <= 32, `serial ${serial && serial[1]}`);

    // A self-signed TSA certificate is its own CA file; the token carries it (-cert asked).
    const ok = await opensslStatus(['ts', '-verify', '-data', file, '-in', resp, '-CAfile', id.cert]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Verification: OK/);
    const bad = await opensslStatus(['ts', '-verify', '-data', other, '-in', resp, '-CAfile', id.cert]);
    assert.notEqual(bad.code, 0, 'a token for one file must not verify for another');
    assert.match(bad.stdout + bad.stderr, /Verification: FAILED/);
    assert.match(bad.stderr, /message imprint mismatch/);
    // A stamp is not stored anywhere.
    assertUnchanged(srv.dataDir, before, [], '(a stamp)');
  });

  test('two stamps of the same request have different serials', async (t) => {
    const d = tmpDir(t);
    const { file } = sampleFiles(d);
    const query = await makeQuery(file, path.join(d, 'req.tsq'));
    const serials = [];
    for (let i = 0; i < 2; i++) {
      const r = await postQuery(`${srv.url}/tsa`, query);
      assert.equal(r.status, 200);
      fs.writeFileSync(path.join(d, `r${i}.tsr`), r.buf);
      serials.push(/^Serial number: (0x[0-9A-F]+)$/m.exec((await replyText(path.join(d, `r${i}.tsr`))).text)[1]);
    }
    assert.notEqual(serials[0], serials[1]);
  });

  test('without -cert the token has no certificate: openssl then needs it as -untrusted', async (t) => {
    const d = tmpDir(t);
    const { file } = sampleFiles(d);
    const query = await makeQuery(file, path.join(d, 'req.tsq'), { cert: false });
    const r = await postQuery(`${srv.url}/tsa`, query);
    assert.equal(r.status, 200);
    const resp = path.join(d, 'resp.tsr');
    fs.writeFileSync(resp, r.buf);
    const withCert = await opensslStatus(['ts', '-verify', '-data', file, '-in', resp, '-CAfile', id.cert, '-untrusted', id.cert]);
    assert.equal(withCert.code, 0, withCert.stderr);
    const without = await opensslStatus(['ts', '-verify', '-data', file, '-in', resp, '-CAfile', id.cert]);
    assert.notEqual(without.code, 0, 'the token must not carry the certificate when certReq is false');
  });

  test('motcua tsa stamp against the demo TSA writes a token that openssl verifies with -token_in', async (t) => {
    const d = tmpDir(t);
    const { file, other } = sampleFiles(d);
    const r = await motcuaAsync(['tsa', 'stamp', '--url', `${srv.url}/tsa`, '--trust', id.cert, file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    assert.match(r.stdout, /^tsa: .*CN=motcua test TSA/m);
    assert.match(r.stdout, /^policy: 2\.999\.3161\.1$/m);
    assert.match(r.stdout, /^signature: verified$/m);
    const token = `${file}.tsr`;
    assert.match(r.stdout, new RegExp(`^token: ${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    const ok = await opensslStatus(['ts', '-verify', '-data', file, '-in', token, '-token_in', '-CAfile', id.cert]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Verification: OK/);
    const bad = await opensslStatus(['ts', '-verify', '-data', other, '-in', token, '-token_in', '-CAfile', id.cert]);
    assert.notEqual(bad.code, 0);
    // The imprint motcua printed is the file's SHA-256 as openssl computes it.
    const dgst = await openssl(['dgst', '-sha256', '-r', file]);
    assert.match(r.stdout, new RegExp(`^imprint: SHA256 ${dgst.stdout.split(' ')[0]}$`, 'm'));
  });

  test('malformed requests get an RFC 3161 rejection (badDataFormat) and change nothing', async (t) => {
    const d = tmpDir(t);
    const { file } = sampleFiles(d);
    const good = await makeQuery(file, path.join(d, 'req.tsq'));
    const cases = {
      'not DER': Buffer.from('this is not a timestamp request'),
      empty: Buffer.alloc(0),
      'cut short': good.subarray(0, good.length - 3),
      'a byte after the request': Buffer.concat([good, Buffer.from([0])]),
    };
    for (const [what, body] of Object.entries(cases)) {
      const before = snapshot(srv.dataDir);
      const r = await postQuery(`${srv.url}/tsa`, body);
      assert.equal(r.status, 200, what);
      assert.equal(r.headers.get('content-type'), 'application/timestamp-reply', what);
      const resp = path.join(d, 'bad.tsr');
      fs.writeFileSync(resp, r.buf);
      const shown = await replyText(resp);
      assert.equal(shown.code, 0, `${what}: openssl reads the rejection`);
      assert.match(shown.text, /^Status: Rejected\.$/m, what);
      assert.match(shown.text, /^Failure info: the data submitted has the wrong format$/m, what);
      assert.match(shown.text, /^TST info:\nNot included\.$/m, what);
      assertUnchanged(srv.dataDir, before, [], `(${what})`);
    }
  });

  test('a request for a SHA-1 imprint is rejected with badAlg', async (t) => {
    const d = tmpDir(t);
    const { file } = sampleFiles(d);
    await openssl(['ts', '-query', '-data', file, '-sha1', '-cert', '-out', path.join(d, 'sha1.tsq')]);
    const r = await postQuery(`${srv.url}/tsa`, fs.readFileSync(path.join(d, 'sha1.tsq')));
    assert.equal(r.status, 200);
    fs.writeFileSync(path.join(d, 'sha1.tsr'), r.buf);
    const shown = await replyText(path.join(d, 'sha1.tsr'));
    assert.match(shown.text, /^Status: Rejected\.$/m);
    assert.match(shown.text, /^Failure info: unrecognized or unsupported algorithm identifier$/m);
  });

  test('a request over 4 KiB is refused with 413, from its length or as chunks arrive, and changes nothing', async () => {
    const big = Buffer.alloc(4097, 0x30);
    let before = snapshot(srv.dataDir);
    const r = await postQuery(`${srv.url}/tsa`, big);
    assertError(r, 413, 'body_too_large');
    assertUnchanged(srv.dataDir, before, [], '(4097 bytes)');

    before = snapshot(srv.dataDir);
    const conn = await connect(srv.port);
    await conn.write('POST /tsa HTTP/1.1\r\nHost: x\r\nContent-Type: application/timestamp-query\r\n' +
      'Transfer-Encoding: chunked\r\n\r\n');
    await conn.write(`800\r\n${'0'.repeat(0x800)}\r\n`);
    await conn.write(`800\r\n${'0'.repeat(0x800)}\r\n`);
    await conn.write(`10\r\n${'0'.repeat(0x10)}\r\n0\r\n\r\n`);
    assert.ok(await waitFor(conn, (c) => responses(c.data).length > 0), 'an answer to the chunked body');
    const [resp] = responses(conn.data);
    conn.destroy();
    assert.equal(resp.status, 413);
    assertUnchanged(srv.dataDir, before, [], '(chunked, 4112 bytes)');
  });

  test('another content type is refused with 415', async (t) => {
    const d = tmpDir(t);
    const { file } = sampleFiles(d);
    const query = await makeQuery(file, path.join(d, 'req.tsq'));
    const before = snapshot(srv.dataDir);
    const r = await postQuery(`${srv.url}/tsa`, query, 'application/octet-stream');
    assertError(r, 415, 'unsupported_media_type');
    assertUnchanged(srv.dataDir, before);
  });
});

test('without --demo-tsa, POST /tsa answers 404 and changes nothing', async (t) => {
  const srv = await startServer(t);
  const d = tmpDir(t);
  const { file } = sampleFiles(d);
  const query = await makeQuery(file, path.join(d, 'req.tsq'));
  const before = snapshot(srv.dataDir);
  const r = await postQuery(`${srv.url}/tsa`, query);
  assertError(r, 404, 'not_found');
  assertUnchanged(srv.dataDir, before);
});

test('--demo-tsa without files nor a TSA key in the data directory makes a self-signed certificate, names its fingerprint in the log, and openssl verifies with it', async (t) => {
  // A data directory made without --demo has no key store entries.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-tsa-plain-'));
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const init = await motcuaAsync(['init', '--data', dataDir]);
  assert.equal(init.code, 0, init.stderr);
  const srv = await startServer(t, { dataDir, args: ['--demo-tsa'] });
  const d = tmpDir(t);
  const { file } = sampleFiles(d);
  const logged = /demo TSA at POST \/tsa with a self-signed certificate.*SHA-256 ([0-9A-F:]{95})/.exec(srv.log());
  assert.ok(logged, `the log says the certificate was made, with its fingerprint:\n${srv.log()}`);
  const query = await makeQuery(file, path.join(d, 'req.tsq'));
  const r = await postQuery(`${srv.url}/tsa`, query);
  assert.equal(r.status, 200);
  const resp = path.join(d, 'resp.tsr');
  fs.writeFileSync(resp, r.buf);
  // The certificate comes out of the token; it is trusted only because its fingerprint is
  // the one the server logged.
  await openssl(['ts', '-reply', '-in', resp, '-token_out', '-out', path.join(d, 'token.der')]);
  await openssl(['pkcs7', '-inform', 'DER', '-in', path.join(d, 'token.der'), '-print_certs', '-out', path.join(d, 'demo.pem')]);
  const fp = await openssl(['x509', '-in', path.join(d, 'demo.pem'), '-noout', '-fingerprint', '-sha256']);
  assert.equal(fp.stdout.trim(), `sha256 Fingerprint=${logged[1]}`);
  const text = await openssl(['x509', '-in', path.join(d, 'demo.pem'), '-noout', '-text']);
  assert.match(text.stdout, /X509v3 Extended Key Usage: critical\n\s+Time Stamping\n/);
  const ok = await opensslStatus(['ts', '-verify', '-data', file, '-in', resp, '-CAfile', path.join(d, 'demo.pem')]);
  assert.equal(ok.code, 0, ok.stderr);
});

test('--demo-tsa on a demo data directory signs with its TSA key: openssl verifies with the demo root', async (t) => {
  const srv = await startServer(t, { args: ['--demo-tsa'] });
  assert.doesNotMatch(srv.log(), /self-signed certificate made now/);
  const d = tmpDir(t);
  const { file } = sampleFiles(d);
  const r = await postQuery(`${srv.url}/tsa`, await makeQuery(file, path.join(d, 'req.tsq')));
  assert.equal(r.status, 200);
  fs.writeFileSync(path.join(d, 'resp.tsr'), r.buf);
  const root = path.join(d, 'root.pem');
  fs.writeFileSync(root, sqlValue(srv.dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
  // The TSA certificate is issued under the demo root through the province CA; the token
  // carries the chain below the root.
  const ok = await opensslStatus(['ts', '-verify', '-data', file, '-in', path.join(d, 'resp.tsr'), '-CAfile', root]);
  assert.equal(ok.code, 0, ok.stderr);
  const other = await makeCa(d, 'another root');
  const refused = await opensslStatus(['ts', '-verify', '-data', file, '-in', path.join(d, 'resp.tsr'), '-CAfile', other.cert]);
  assert.notEqual(refused.code, 0);
});

test('a demo TSA certificate issued by a CA: openssl verifies with the CA as -CAfile', async (t) => {
  const d = tmpDir(t);
  const ca = await makeCa(d, 'motcua test CA');
  const id = await makeTsaIdentity(d, 'issued TSA', ca);
  const srv = await startServer(t, { args: ['--demo-tsa', '--demo-tsa-key', id.key, '--demo-tsa-cert', id.cert] });
  const { file } = sampleFiles(d);
  const r = await postQuery(`${srv.url}/tsa`, await makeQuery(file, path.join(d, 'req.tsq')));
  assert.equal(r.status, 200);
  fs.writeFileSync(path.join(d, 'resp.tsr'), r.buf);
  const ok = await opensslStatus(['ts', '-verify', '-data', file, '-in', path.join(d, 'resp.tsr'), '-CAfile', ca.cert]);
  assert.equal(ok.code, 0, ok.stderr);
  // The TSA's own certificate is not a trust anchor for openssl (it is not self-signed).
  const leaf = await opensslStatus(['ts', '-verify', '-data', file, '-in', path.join(d, 'resp.tsr'), '-CAfile', id.cert]);
  assert.notEqual(leaf.code, 0);
  // motcua's client verifies the same way.
  const stamp = await motcuaAsync(['tsa', 'stamp', '--url', `${srv.url}/tsa`, '--trust', ca.cert, file]);
  assert.equal(stamp.code, 0, stamp.stderr);
});

test('serve refuses a demo TSA certificate not for time stamping, a TSA URL not http(s), and half the demo options', async (t) => {
  const d = tmpDir(t);
  // A CA certificate: no extendedKeyUsage timeStamping.
  const ca = await makeCa(d, 'not a TSA');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-tsa-data-'));
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  assert.equal((await motcuaAsync(['init', '--data', dataDir])).code, 0);
  const port = await freePort();
  const r = await motcuaAsync(['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`, '--quiet',
    '--demo-tsa', '--demo-tsa-key', ca.key, '--demo-tsa-cert', ca.cert]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /demo TSA: the TSA's certificate is not for time stamping/);
  const ftp = await motcuaAsync(['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`, '--quiet',
    '--tsa-url', 'ftp://tsa.example/']);
  assert.equal(ftp.code, 2);
  assert.match(ftp.stderr, /--tsa-url: the TSA address must be an http:\/\/ or https:\/\/ URL/);
  const half = await motcuaAsync(['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`, '--quiet',
    '--demo-tsa-key', ca.key]);
  assert.equal(half.code, 2);
  assert.match(half.stderr, /--demo-tsa-key and --demo-tsa-cert go with --demo-tsa/);
});

// --- the client against a reference TSA made of `openssl ts -reply` ------------------------

describe('motcua tsa stamp against a reference TSA (openssl ts -reply)', () => {
  let ref;
  before(async () => { ref = await startReferenceTsa(); });
  after(async () => { if (ref) await ref.close(); });

  const stamp = (file, extra = [], env = {}) =>
    motcuaAsync(['tsa', 'stamp', '--url', ref.url, '--trust', ref.cert, ...extra, file], env);

  test('obtains a token, checks it, and writes it for openssl -token_in', async (t) => {
    ref.mode = 'ok';
    const d = tmpDir(t);
    const { file, other } = sampleFiles(d);
    const r = await stamp(file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^tsa: .*CN=Reference TSA/m);
    assert.match(r.stdout, new RegExp(`^policy: ${REFERENCE_POLICY.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(r.stdout, /^signature: verified$/m);
    const ok = await opensslStatus(['ts', '-verify', '-data', file, '-in', `${file}.tsr`, '-token_in', '-CAfile', ref.cert]);
    assert.equal(ok.code, 0, ok.stderr);
    // motcua tsa verify agrees with openssl both ways.
    const v = await motcuaAsync(['tsa', 'verify', '--trust', ref.cert, file]);
    assert.equal(v.code, 0, v.stderr);
    const vo = await motcuaAsync(['tsa', 'verify', '--trust', ref.cert, '--token', `${file}.tsr`, other]);
    assert.equal(vo.code, 1);
    assert.match(vo.stderr, /the timestamp token is for other data \(its imprint differs\)/);
  });

  test('a token signed by a TSA not trusted is refused', async (t) => {
    ref.mode = 'ok';
    const d = tmpDir(t);
    const { file } = sampleFiles(d);
    const stranger = await makeTsaIdentity(d, 'stranger TSA');
    const r = await motcuaAsync(['tsa', 'stamp', '--url', ref.url, '--trust', stranger.cert, file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the timestamp token's signature does not verify/);
    assert.ok(!fs.existsSync(`${file}.tsr`), 'no token is written');
  });

  test('an unreachable TSA is refused', async (t) => {
    const d = tmpDir(t);
    const { file } = sampleFiles(d);
    const port = await freePort(); // nothing listens there
    const r = await motcuaAsync(['tsa', 'stamp', '--url', `http://127.0.0.1:${port}/tsr`, file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`cannot reach the TSA at http://127\\.0\\.0\\.1:${port}`));
    assert.ok(!fs.existsSync(`${file}.tsr`));
  });

  test('a TSA that never answers is given up after the timeout', async (t) => {
    ref.mode = 'hang';
    const d = tmpDir(t);
    const { file } = sampleFiles(d);
    const seen = ref.requests;
    const r = await stamp(file, ['--timeout', '2']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no answer from the TSA at http:\/\/127\.0\.0\.1:\d+ within 2 s/);
    assert.equal(ref.requests, seen + 1, 'the request reached the TSA');
    assert.ok(!fs.existsSync(`${file}.tsr`));
  });

  test('garbage is refused', async (t) => {
    ref.mode = 'garbage';
    const d = tmpDir(t);
    const { file } = sampleFiles(d);
    const r = await stamp(file);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the TSA's answer is not a timestamp response \(RFC 3161\)/);
    assert.ok(!fs.existsSync(`${file}.tsr`));
  });

  test('an HTTP error is refused', async (t) => {
    ref.mode = 'http-error';
    const d = tmpDir(t);
    const { file } = sampleFiles(d);
    const r = await stamp(file);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the TSA at http:\/\/127\.0\.0\.1:\d+ answered HTTP 500/);
  });

  test('an answer over 64 KiB is refused, with or without its length announced', async (t) => {
    const d = tmpDir(t);
    const { file } = sampleFiles(d);
    for (const mode of ['huge', 'huge-chunked']) {
      ref.mode = mode;
      const r = await stamp(file);
      assert.equal(r.code, 1, mode);
      assert.match(r.stderr, /the TSA at http:\/\/127\.0\.0\.1:\d+ answered more than 65536 bytes/, mode);
      assert.ok(!fs.existsSync(`${file}.tsr`), mode);
    }
  });

  test('HTTP basic authentication comes from MOTCUA_TSA_AUTH', async (t) => {
    ref.mode = 'auth';
    const d = tmpDir(t);
    const { file } = sampleFiles(d);
    const without = await stamp(file, [], { MOTCUA_TSA_AUTH: '' });
    assert.equal(without.code, 1);
    assert.match(without.stderr, /answered HTTP 401/);
    const wrong = await stamp(file, [], { MOTCUA_TSA_AUTH: 'tsa-user:wrong' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /answered HTTP 401/);
    assert.doesNotMatch(wrong.stderr, /wrong/, 'the password is never printed');
    const ok = await stamp(file, [], { MOTCUA_TSA_AUTH: AUTH });
    assert.equal(ok.code, 0, ok.stderr);
  });

  test('a rejection is reported with its status and failure info', async (t) => {
    ref.mode = 'reject';
    const d = tmpDir(t);
    const { file } = sampleFiles(d);
    const r = await stamp(file);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the TSA refused the request: rejection \(badAlg\)/);
  });

  test('a token for another imprint (same nonce) is refused', async (t) => {
    ref.mode = 'other-imprint';
    const d = tmpDir(t);
    const { file } = sampleFiles(d);
    const r = await stamp(file);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the timestamp token is for other data \(its imprint differs\)/);
    assert.ok(!fs.existsSync(`${file}.tsr`));
  });

  test('a token for another request over the same data (another nonce) is refused', async (t) => {
    ref.mode = 'other-nonce';
    const d = tmpDir(t);
    const { file } = sampleFiles(d);
    const r = await stamp(file);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the timestamp token answers another request \(its nonce differs\)/);
    assert.ok(!fs.existsSync(`${file}.tsr`));
  });
});
