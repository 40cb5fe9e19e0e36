// PDF signatures with the data directory's key store (`motcua pdf sign --data DIR --unit CODE
// [--login LOGIN]`), on a demo data directory (`motcua init --demo`): the leader of Phường Hạc
// Thành signs a receipt with his personal key, then the ward seals it, each signature
// timestamped by the directory's own TSA key. Judged by tools no one here wrote: pdfsig (with an
// NSS database that trusts the demo root read from the trust_anchors table), `openssl asn1parse`
// to find the timestamp token in each signature, and `openssl ts -verify` to check it. Then the
// refusals: a revoked key, an official without a key, a TSA that cannot be reached, usage
// errors; and `motcua serve` refusing to start without a usable master key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  BIN, COMMUNE, DEMO_OFFICERS, initDataDir, motcua as motcuaRun, newCitizen, readyBirthDraft,
  snapshot, assertUnchanged, sql, sqlValue, startServer, freePort,
} from './lib/server.mjs';
import { derLength, firstRevision, nssTrusting, pdfsig as pdfsigIn } from './lib/pdf.mjs';
import { startReferenceTsa } from './lib/tsa-server.mjs';

const pdfsig = (file) => pdfsigIn(file, f('nss'));

const LEADER = DEMO_OFFICERS.leader; // lanhdao.hacthanh, Trịnh Văn Long
const RECEPTION = DEMO_OFFICERS.reception; // an officer without a personal key
const WARD = 'Phường Hạc Thành';
const TSA_OID_NAME = 'id-smime-aa-timeStampToken'; // 1.2.840.113549.1.9.16.2.14

let dir; // the test's files
let data; // the demo data directory
let receipt; // a receipt as motcua renders it, before its seal

/** A sanitizer build reports with exit 1, which refusals share: no run may print a report. */
function noSanitizerReport(r, what) {
  assert.doesNotMatch(r.stderr || '', /ERROR: (Address|Leak)Sanitizer|runtime error:/, what);
  return r;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120000, ...opts });
  if (r.error) throw r.error;
  return noSanitizerReport(r, `${cmd} ${args.join(' ')}`);
}

function motcua(args) {
  return noSanitizerReport(motcuaRun(args), `motcua ${args.join(' ')}`);
}

/**
 * motcua without blocking the event loop: the reference TSA answers from this process.
 * {status, stdout, stderr}.
 */
async function motcuaAsync(args, env = {}) {
  try {
    const r = await promisify(execFile)(BIN, args, { encoding: 'utf8', timeout: 60000, env: { ...process.env, ...env } });
    return noSanitizerReport({ status: 0, stdout: r.stdout, stderr: r.stderr }, args.join(' '));
  } catch (e) {
    if (typeof e.code !== 'number') throw e;
    return noSanitizerReport({ status: e.code, stdout: e.stdout || '', stderr: e.stderr || '' }, args.join(' '));
  }
}

function ok(cmd, args, opts) {
  const r = run(cmd, args, opts);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

const f = (name) => path.join(dir, name);

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-pdfsign-keys-'));
  data = initDataDir();
  // The demo root, and the chain of the TSA's certificate up to it (the issuing CA).
  fs.writeFileSync(f('root.pem'), sqlValue(data, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
  fs.writeFileSync(f('tsa-chain.pem'), sqlValue(data, "SELECT chain_pem FROM signing_keys WHERE kind = 'tsa'"));
  nssTrusting(f('nss'), f('root.pem'));

  // A receipt served by motcua on this very directory (the server starts: its keys are usable).
  const srv = await startServer(null, { dataDir: data });
  try {
    const citizen = await newCitizen(srv.url);
    const draft = await readyBirthDraft(citizen, COMMUNE);
    let r = await citizen.post(`/api/v1/dossiers/${draft.id}/submit`, {});
    assert.equal(r.status, 200, r.text);
    r = await citizen.get(`/api/v1/dossiers/${draft.id}/receipt.pdf`);
    assert.equal(r.status, 200, r.text);
    // The served receipt carries the ward's seal already; the test signs it as rendered.
    const unsigned = firstRevision(r.buf);
    assert.ok(r.buf.length > unsigned.length, 'the served receipt has a signed update');
    receipt = f('receipt.pdf');
    fs.writeFileSync(receipt, unsigned);
  } finally {
    await srv.stop();
  }
});

after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  if (data) fs.rmSync(data, { recursive: true, force: true });
});

/** The CMS of signature i (file order), as DER. */
function signatureDer(file, i) {
  const buf = fs.readFileSync(file);
  const ranges = [...buf.toString('latin1').matchAll(/\/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]/g)];
  assert.ok(ranges[i], `no signature ${i + 1} in ${file}`);
  const [, b, c] = ranges[i].slice(1, 5).map(Number);
  const der = Buffer.from(buf.subarray(b + 1, c - 1).toString('latin1'), 'hex');
  return der.subarray(0, derLength(der));
}

/**
 * What openssl asn1parse finds in a signature: the signature value (the OCTET STRING just
 * before the SignerInfo's unsigned attributes) and the timestamp token (the SEQUENCE inside
 * the SET after the id-smime-aa-timeStampToken OID), as DER; token null when it has none.
 */
function signatureParts(der, name) {
  const file = f(`${name}.der`);
  fs.writeFileSync(file, der);
  const lines = ok('openssl', ['asn1parse', '-inform', 'DER', '-in', file]).stdout.split('\n');
  const parse = (l) => {
    const m = /^\s*(\d+):d=(\d+)\s+hl=(\d+) l=\s*(\d+) (prim|cons):\s*(.*)$/.exec(l);
    return m && { off: +m[1], depth: +m[2], hl: +m[3], len: +m[4], what: m[6].trim() };
  };
  const cut = (e) => der.subarray(e.off, e.off + e.hl + e.len);
  const at = lines.findIndex((l) => l.includes(`:${TSA_OID_NAME}`));
  if (at < 0) return { token: null };
  let k = at;
  while (k > 0 && !/cont \[ 1 \]/.test(lines[k])) k--;
  const unsignedAttrs = parse(lines[k]);
  const sigValue = parse(lines[k - 1]);
  assert.ok(unsignedAttrs && sigValue && /^OCTET STRING/.test(sigValue.what), `the signature value before ${lines[k]}`);
  assert.equal(sigValue.depth, unsignedAttrs.depth, 'the signature value is a field of the SignerInfo');
  const set = parse(lines[at + 1]);
  const token = parse(lines[at + 2]);
  assert.ok(/^SET/.test(set.what) && /^SEQUENCE/.test(token.what), lines.slice(at, at + 3).join('\n'));
  return { value: der.subarray(sigValue.off + sigValue.hl, sigValue.off + sigValue.hl + sigValue.len), token: cut(token) };
}

/** `openssl ts -verify` of token over data, trusting ca (with the untrusted chain). */
function tsVerify(name, value, token, ca = f('root.pem'), chain = f('tsa-chain.pem')) {
  fs.writeFileSync(f(`${name}.value`), value);
  fs.writeFileSync(f(`${name}.tst`), token);
  return run('openssl', ['ts', '-verify', '-data', f(`${name}.value`), '-in', f(`${name}.tst`), '-token_in',
    '-CAfile', ca, ...(chain ? ['-untrusted', chain] : [])]);
}

function signArgs(extra, input, output) {
  return ['pdf', 'sign', '--data', data, '--unit', COMMUNE, ...extra, input, output];
}

function verifyJson(file, extra = ['--data', data]) {
  const r = motcua(['pdf', 'verify', ...extra, '--json', file]);
  return { status: r.status, report: JSON.parse(r.stdout), stderr: r.stderr };
}

test('the leader signs with his own key, then the ward seals: pdfsig trusts both, and each timestamp passes openssl ts -verify', () => {
  const one = f('leader.pdf');
  const two = f('sealed.pdf');
  let r = motcua(signArgs(['--login', LEADER.login, '--title', 'CHỦ TỊCH', '--reason', 'Phê duyệt kết quả'], receipt, one));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `signed ${receipt} as ${LEADER.name}, ${WARD}, timestamped -> ${one}\n`);
  r = motcua(signArgs([], one, two));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `signed ${one} as ${WARD}, timestamped -> ${two}\n`);

  // Incremental updates: each file starts with the one before.
  const orig = fs.readFileSync(receipt);
  const b1 = fs.readFileSync(one);
  const b2 = fs.readFileSync(two);
  assert.ok(b1.subarray(0, orig.length).equals(orig));
  assert.ok(b2.subarray(0, b1.length).equals(b1));

  const p = pdfsig(two);
  assert.equal(p.sigs.length, 2, p.out);
  assert.deepEqual(p.sigs[0], { valid: true, trusted: true, total: false, name: LEADER.name }, p.out);
  assert.deepEqual(p.sigs[1], { valid: true, trusted: true, total: true, name: WARD }, p.out);

  // Each signature carries a timestamp token over its own signature value, from the demo TSA.
  const values = [];
  for (const i of [0, 1]) {
    const { value, token } = signatureParts(signatureDer(two, i), `sig${i}`);
    assert.ok(token, `signature ${i + 1} has a signature timestamp`);
    values.push(value);
    r = tsVerify(`sig${i}`, value, token);
    assert.equal(r.status, 0, `openssl ts -verify of signature ${i + 1}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /Verification: OK/);
    const shown = ok('openssl', ['ts', '-reply', '-in', f(`sig${i}.tst`), '-token_in', '-text']).stdout;
    assert.match(shown, /TSA: .*CN ?= ?motcua DEMO TSA/, shown);
    // The same token for other bytes (the other signature's value) is refused.
    r = tsVerify(`other${i}`, i === 0 ? Buffer.from('another signature value') : values[0], token);
    assert.notEqual(r.status, 0, `a token for other data is refused (signature ${i + 1})`);
  }

  // motcua's own report, trusting the data directory's anchors: the stored keys signed.
  const { status, report } = verifyJson(two);
  assert.equal(status, 0, JSON.stringify(report, null, 2));
  assert.equal(report.verdict, 'valid');
  const serial = (q) => sqlValue(data, q).replace(/^0+/, '');
  const leaderKey = serial(`SELECT serial FROM signing_keys WHERE kind = 'official' AND account_id = (SELECT id FROM accounts WHERE login = '${LEADER.login}')`);
  const sealKey = serial(`SELECT serial FROM signing_keys WHERE kind = 'seal' AND unit_id = (SELECT id FROM units WHERE code = '${COMMUNE}')`);
  assert.deepEqual(report.signatures.map((s) => [s.signer, s.serial.replace(/^0+/, ''), s.status, s.time_source]),
    [[LEADER.name, leaderKey, 'valid', 'timestamp'], [WARD, sealKey, 'valid', 'timestamp']]);
  for (const s of report.signatures) assert.equal(s.timestamp.tsa.includes('motcua DEMO TSA'), true, s.timestamp.tsa);
  r = motcua(['pdf', 'verify', '--data', data, two]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /timestamp: +\S+ by .*motcua DEMO TSA/);
  // Without the directory's anchors nothing says the demo root is trusted.
  r = motcua(['pdf', 'verify', two]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /INTACT BUT NOT TRUSTED/);
});

test('--no-timestamp signs PAdES B-B; --tsa-url and MOTCUA_TSA_URL ask that TSA instead of the directory\'s', async (t) => {
  const bb = f('bb.pdf');
  let r = motcua(signArgs(['--no-timestamp'], receipt, bb));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `signed ${receipt} as ${WARD} -> ${bb}\n`);
  assert.equal(signatureParts(signatureDer(bb, 0), 'bb').token, null, 'no timestamp token');
  let v = verifyJson(bb);
  assert.equal(v.status, 0);
  assert.equal(v.report.signatures[0].timestamp, null);
  assert.notEqual(v.report.signatures[0].time_source, 'timestamp');

  const ref = await startReferenceTsa();
  t.after(() => ref.close());
  const viaUrl = f('ref-url.pdf');
  r = await motcuaAsync(signArgs(['--login', LEADER.login, '--tsa-url', ref.url, '--tsa-trust', ref.cert], receipt, viaUrl));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(ref.requests, 1, 'one request to the TSA named');
  let parts = signatureParts(signatureDer(viaUrl, 0), 'ref0');
  r = tsVerify('ref0', parts.value, parts.token, ref.cert, null);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // motcua verifies it with the reference TSA's certificate trusted as well.
  v = verifyJson(viaUrl, ['--data', data, '--trust', ref.cert]);
  assert.equal(v.status, 0, JSON.stringify(v.report, null, 2));
  assert.match(v.report.signatures[0].timestamp.tsa, /Reference TSA/);

  const viaEnv = f('ref-env.pdf');
  r = await motcuaAsync(signArgs([], receipt, viaEnv), { MOTCUA_TSA_URL: ref.url });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(ref.requests, 2, 'MOTCUA_TSA_URL names the TSA');
  parts = signatureParts(signatureDer(viaEnv, 0), 'ref1');
  assert.equal(tsVerify('ref1', parts.value, parts.token, ref.cert, null).status, 0);

  // A TSA that answers garbage, or none at all: exit 1, the reason named, nothing written.
  const out = f('never.pdf');
  const files = fs.readdirSync(dir).sort();
  ref.mode = 'garbage';
  r = await motcuaAsync(signArgs(['--tsa-url', ref.url], receipt, out));
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^motcua pdf sign: cannot sign .*: the timestamp authority gave no token: .*not a timestamp response/m);
  const closed = await freePort();
  r = await motcuaAsync(signArgs(['--tsa-url', `http://127.0.0.1:${closed}/tsa`], receipt, out));
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`cannot reach the TSA at http://127\\.0\\.0\\.1:${closed}`));
  assert.ok(!fs.existsSync(out), 'nothing written');
  assert.deepEqual(fs.readdirSync(dir).sort(), files, 'no stray files');
});

test('a revoked key, an official without a key, an unknown unit or login: exit 1 with the reason, nothing written or changed', (t) => {
  const own = initDataDir();
  t.after(() => fs.rmSync(own, { recursive: true, force: true }));
  const out = f('refused.pdf');
  const files = fs.readdirSync(dir).sort();
  const sign = (extra) => motcua(['pdf', 'sign', '--data', own, '--unit', COMMUNE, ...extra, receipt, out]);
  const refused = (extra, message, what) => {
    const before = snapshot(own);
    const r = sign(extra);
    assert.equal(r.status, 1, `${what}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stderr, `motcua pdf sign: ${message}\n`, what);
    assert.equal(r.stdout, '', what);
    assert.ok(!fs.existsSync(out), `${what}: nothing written`);
    assert.deepEqual(fs.readdirSync(dir).sort(), files, `${what}: no stray files`);
    assertUnchanged(own, before, [], what);
  };

  refused(['--login', RECEPTION.login], `${RECEPTION.name} chưa có chứng thư số cá nhân để ký cho ${WARD}.`,
    'an officer without a personal key');
  refused(['--login', 'khong.co.ai'], 'no officer with login khong.co.ai', 'an unknown login');
  const r0 = motcua(['pdf', 'sign', '--data', own, '--unit', '000.99.99.H56', receipt, out]);
  assert.equal(r0.status, 1);
  assert.equal(r0.stderr, 'motcua pdf sign: unknown unit 000.99.99.H56\n');

  // The leader's key revoked (the key store says when, in Vietnam's date, and why).
  const keyId = sqlValue(own, `SELECT id FROM signing_keys WHERE kind = 'official' AND account_id = (SELECT id FROM accounts WHERE login = '${LEADER.login}')`);
  let r = motcua(['key', 'revoke', '--data', own, '--id', String(keyId), '--reason', 'Lộ khóa bí mật']);
  assert.equal(r.status, 0, r.stderr);
  const at = Number(sqlValue(own, `SELECT revoked_at FROM signing_keys WHERE id = ${keyId}`));
  const vn = new Date((at + 7 * 3600) * 1000);
  const day = `${String(vn.getUTCDate()).padStart(2, '0')}/${String(vn.getUTCMonth() + 1).padStart(2, '0')}/${vn.getUTCFullYear()}`;
  refused(['--login', LEADER.login], `Chứng thư số của ${LEADER.name} đã bị thu hồi ngày ${day} (Lộ khóa bí mật).`,
    'a revoked personal key');
  // The seal still signs.
  r = sign(['--no-timestamp']);
  assert.equal(r.status, 0, r.stderr);
  fs.rmSync(out);

  // Without the master key nothing stored can be decrypted.
  const master = path.join(own, 'keys', 'master.key');
  fs.renameSync(master, `${master}.away`);
  refused([], 'Máy chủ thiếu khóa chủ của kho khóa ký số (keys/master.key); không ký được cho đến khi quản trị viên khôi phục tệp này.',
    'the master key missing');
  fs.renameSync(`${master}.away`, master);
});

test('usage errors (2) and an unreadable data directory (3) write nothing', () => {
  const out = f('usage.pdf');
  const cases = [
    [['--p12', f('x.p12'), '--data', data, '--unit', COMMUNE], /--p12 and --data are two ways to name the signer/],
    [['--data', data], /--data needs --unit CODE/],
    [['--unit', COMMUNE, '--p12', f('x.p12')], /--unit and --login go with --data/],
    [[], /--p12 FILE or --data DIR --unit CODE is required/],
    [['--data', data, '--unit', COMMUNE, '--login', LEADER.login, '--seal'], /--login signs as the official: not with --seal/],
    [['--data', data, '--unit', COMMUNE, '--official'], /--official needs --login/],
    [['--data', data, '--unit', COMMUNE, '--password-stdin'], /--password-stdin goes with --p12/],
    [['--data', data, '--unit', COMMUNE, '--tsa-trust', f('root.pem')], /--tsa-trust goes with --tsa-url/],
    [['--data', data, '--unit', COMMUNE, '--tsa-url', 'http://127.0.0.1:9/', '--no-timestamp'], /--no-timestamp and --tsa-url contradict/],
    [['--data', data, '--unit', COMMUNE, '--tsa-url', 'ftp://127.0.0.1/'], /--tsa-url: the TSA address must be an http/],
  ];
  const before = snapshot(data);
  for (const [args, why] of cases) {
    const r = motcua(['pdf', 'sign', ...args, receipt, out]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, why, args.join(' '));
    assert.ok(!fs.existsSync(out), `${args.join(' ')}: nothing written`);
  }
  assertUnchanged(data, before, [], 'usage errors');
  let r = motcua(['pdf', 'sign', '--data', f('no-such-dir'), '--unit', COMMUNE, receipt, out]);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /no database at/);
  r = motcua(['pdf', 'verify', '--data', f('no-such-dir'), receipt]);
  assert.equal(r.status, 3, r.stderr);
  assert.ok(!fs.existsSync(out));
});

test('serve refuses to start when its keys need a master key that is missing or readable by others', async (t) => {
  const own = initDataDir();
  t.after(() => fs.rmSync(own, { recursive: true, force: true }));
  const master = path.join(own, 'keys', 'master.key');
  const serve = async () => {
    const port = await freePort();
    return run(BIN, ['serve', '--data', own, '--listen', `127.0.0.1:${port}`, '--quiet'], { timeout: 30000 });
  };
  const before = snapshot(own);

  fs.renameSync(master, `${master}.away`);
  let r = await serve();
  assert.equal(r.status, 1, `no master key: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, new RegExp(`^motcua serve: cannot start: the master key ${master.replace(/[.]/g, '\\.')} is missing`));
  assertUnchanged(own, before, [], 'serve without a master key');

  fs.renameSync(`${master}.away`, master);
  fs.chmodSync(master, 0o644);
  r = await serve();
  assert.equal(r.status, 1, `master key mode 0644: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, new RegExp(`^motcua serve: cannot start: the master key ${master.replace(/[.]/g, '\\.')} may be read or written by other users \\(mode 0644\\)`));
  assertUnchanged(own, before, [], 'serve with an exposed master key');

  // Mode 0600 again: it starts.
  fs.chmodSync(master, 0o600);
  const srv = await startServer(null, { dataDir: own, keep: true });
  await srv.stop();

  // A directory whose keys are all revoked needs no master key.
  for (const { id } of sql(own, 'SELECT id FROM signing_keys WHERE revoked_at IS NULL')) {
    assert.equal(motcua(['key', 'revoke', '--data', own, '--id', String(id), '--reason', 'thử']).status, 0);
  }
  fs.rmSync(master);
  const bare = await startServer(null, { dataDir: own, keep: true });
  await bare.stop();
});
