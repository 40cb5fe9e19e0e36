// PDF signatures through the CLI (`motcua pdf sign|verify`), checked by tools no one here
// wrote: pdfsig (poppler, with an NSS database that trusts the test root), `openssl cms
// -verify` over the bytes each /ByteRange names, and `qpdf --check`. The test CA (root ->
// intermediate -> an official's RSA key and an organisation's ECDSA seal key) and the
// PKCS#12 files are made here with the openssl CLI; the PDF is a real receipt as motcua
// renders it (cairo: the first revision of the served receipt, before the unit's seal), and
// the same receipt rewritten by qpdf with object and cross-reference streams.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, newCitizen, readyBirthDraft, motcua as motcuaRun, BIN, COMMUNE } from './lib/server.mjs';
import { byteRanges, derLength, firstRevision, nssTrusting, pdfsig as pdfsigIn } from './lib/pdf.mjs';

const pdfsig = (file) => pdfsigIn(file, f('nss'));

const OFFICIAL = 'Trịnh Văn Long';
const UNIT = 'UBND phường Hạc Thành';
const PASSWORD = 'mật-khẩu thử';

let dir; // the test's files
let receipt; // path of the unsigned receipt

/** A sanitizer build reports with exit 1, which some refusals share: so no run may
 * print a report at all. */
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

function ok(cmd, args, opts) {
  const r = run(cmd, args, opts);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

const f = (name) => path.join(dir, name);

/** A key and a certificate signed by the CA (issuer null: self-signed). */
function makeCert(name, subj, { ec = false, ca = false, issuer = null } = {}) {
  const keyArgs = ec ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  const ext = ca ? 'ca' : 'leaf';
  if (!issuer) {
    ok('openssl', ['req', '-x509', ...keyArgs, '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`),
      '-days', '3650', '-subj', subj, '-utf8', '-config', f('ca.cnf'), '-extensions', ext]);
    return;
  }
  ok('openssl', ['req', ...keyArgs, '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', subj,
    '-utf8', '-config', f('ca.cnf')]);
  ok('openssl', ['x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${issuer}.pem`), '-CAkey', f(`${issuer}.key`),
    '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '1000', '-extfile', f('ca.cnf'), '-extensions', ext]);
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-pdfsign-'));
  fs.writeFileSync(f('ca.cnf'), [
    '[req]', 'distinguished_name = dn', '[dn]',
    '[ca]', 'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier = hash',
    '[leaf]', 'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,nonRepudiation',
    'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid', '',
  ].join('\n'));
  makeCert('root', '/CN=motcua test root/O=motcua test', { ca: true });
  makeCert('int', '/CN=motcua test intermediate/O=motcua test', { ca: true, issuer: 'root' });
  makeCert('official', `/CN=${OFFICIAL}/O=${UNIT}`, { issuer: 'int' });
  makeCert('seal', `/CN=${UNIT}/O=${UNIT}`, { ec: true, issuer: 'int' });
  makeCert('stranger', '/CN=another root/O=elsewhere', { ca: true });
  ok('openssl', ['pkcs12', '-export', '-inkey', f('official.key'), '-in', f('official.pem'), '-certfile', f('int.pem'),
    '-out', f('official.p12'), '-passout', `pass:${PASSWORD}`]);
  ok('openssl', ['pkcs12', '-export', '-inkey', f('seal.key'), '-in', f('seal.pem'), '-certfile', f('int.pem'),
    '-out', f('seal.p12'), '-passout', 'pass:']);
  // pdfsig checks chains against an NSS database: one that trusts the test root only.
  nssTrusting(f('nss'), f('root.pem'));

  // A receipt as motcua serves it.
  const srv = await startServer(null);
  try {
    const citizen = await newCitizen(srv.url);
    const draft = await readyBirthDraft(citizen, COMMUNE);
    let r = await citizen.post(`/api/v1/dossiers/${draft.id}/submit`, {});
    assert.equal(r.status, 200, r.text);
    r = await citizen.get(`/api/v1/dossiers/${draft.id}/receipt.pdf`);
    assert.equal(r.status, 200, r.text);
    // The served receipt is sealed (docs/signatures.md): its first revision, up to the
    // first %%EOF, is the file as rendered, without signatures.
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
});

/** The official signs: PKCS#12 password on standard input. */
function signOfficial(input, output, extra = []) {
  return run(BIN, ['pdf', 'sign', '--p12', f('official.p12'), '--password-stdin', '--reason', 'Phê duyệt kết quả',
    '--location', 'Thanh Hóa', '--title', 'CHỦ TỊCH', ...extra, input, output], { input: `${PASSWORD}\n` });
}

/** The organisation seals (its PKCS#12 has an empty password). */
function signSeal(input, output) {
  return motcua(['pdf', 'sign', '--p12', f('seal.p12'), '--seal', input, output]);
}


/** `openssl cms -verify` of signature i over the bytes its /ByteRange names. */
function opensslVerify(file, i, ca = 'root.pem') {
  const buf = fs.readFileSync(file);
  const [a, b, c, d] = byteRanges(buf)[i];
  assert.equal(a, 0);
  assert.equal(buf[b], 0x3c); // '<'
  assert.equal(buf[c - 1], 0x3e); // '>'
  const der = Buffer.from(buf.subarray(b + 1, c - 1).toString('latin1'), 'hex');
  fs.writeFileSync(f('sig.der'), der.subarray(0, derLength(der)));
  fs.writeFileSync(f('content.bin'), Buffer.concat([buf.subarray(0, b), buf.subarray(c, c + d)]));
  return run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', f('sig.der'), '-content', f('content.bin'),
    '-CAfile', f(ca), '-out', '/dev/null']);
}

function verify(file, trust = ['root.pem'], json = false) {
  const args = ['pdf', 'verify'];
  for (const t of trust) args.push('--trust', f(t));
  if (json) args.push('--json');
  args.push(file);
  return motcua(args);
}

test('an official signs a receipt, then the organisation seals it: pdfsig, openssl and qpdf agree', () => {
  const one = f('receipt-1.pdf');
  const two = f('receipt-2.pdf');
  let r = signOfficial(receipt, one);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`signed .* as ${OFFICIAL}, ${UNIT}`));
  r = signSeal(one, two);
  assert.equal(r.status, 0, r.stderr);

  // The original bytes stay; each signature is an update after them.
  const orig = fs.readFileSync(receipt);
  const b1 = fs.readFileSync(one);
  const b2 = fs.readFileSync(two);
  assert.ok(b1.subarray(0, orig.length).equals(orig));
  assert.ok(b2.subarray(0, b1.length).equals(b1));

  let p = pdfsig(one);
  assert.equal(p.sigs.length, 1, p.out);
  assert.deepEqual(p.sigs[0], { valid: true, trusted: true, total: true, name: OFFICIAL }, p.out);
  p = pdfsig(two);
  assert.equal(p.sigs.length, 2, p.out);
  assert.deepEqual(p.sigs[0], { valid: true, trusted: true, total: false, name: OFFICIAL }, p.out);
  assert.deepEqual(p.sigs[1], { valid: true, trusted: true, total: true, name: UNIT }, p.out);
  assert.match(p.out, /Signature Type: ETSI\.CAdES\.detached/);

  for (const i of [0, 1]) {
    r = opensslVerify(two, i);
    assert.equal(r.status, 0, `openssl cms -verify of signature ${i + 1}: ${r.stderr}`);
  }
  // The first signature covers exactly the file as it was after it.
  const [, , c, d] = byteRanges(b2)[0];
  assert.equal(c + d, b1.length);
  r = opensslVerify(two, 0, 'stranger.pem');
  assert.notEqual(r.status, 0, 'openssl must not trust another root');

  r = run('qpdf', ['--check', two]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /No syntax or stream encoding errors found/);

  r = verify(two);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /2 signatures/);
  assert.match(r.stdout, new RegExp(`Signature 1 .*: VALID\\n[\\s\\S]*signer: +${OFFICIAL}, ${UNIT}`));
  assert.match(r.stdout, /reason: +Phê duyệt kết quả/);
  assert.match(r.stdout, /location: +Thanh Hóa/);
  assert.match(r.stdout, /timestamp: +none/);
  assert.match(r.stdout, /this signature does not cover the whole file/); // the first one
  assert.match(r.stdout, /covers: +the whole file/); // the last one
  assert.match(r.stdout, /Verdict: Every signature is valid and the last covers the whole file\./);

  r = verify(two, ['root.pem'], true);
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.verdict, 'valid');
  assert.equal(rep.file_size, b2.length);
  assert.deepEqual(rep.signatures.map((s) => [s.signer, s.status, s.whole_file]),
    [[OFFICIAL, 'valid', false], [UNIT, 'valid', true]]);
  assert.match(rep.signatures[0].signing_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$/);

  // Without the root, the signatures are intact but not trusted: exit 1.
  r = verify(two, ['stranger.pem']);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /INTACT BUT NOT TRUSTED/);
  r = verify(two, []);
  assert.equal(r.status, 1, r.stdout);
});

test('one flipped byte in the signed range: pdfsig, openssl and motcua each refuse', () => {
  const signed = f('flip-src.pdf');
  assert.equal(signOfficial(receipt, signed).status, 0);
  const good = fs.readFileSync(signed);
  const [, b, c] = byteRanges(good)[0];
  const text = good.toString('latin1');
  // A byte of the original (the producer's name), one of the signature dictionary (a
  // digit of /M, before /Contents) and one after /Contents (the update's trailer: /Prev
  // becomes /Qrev; the form and the signature are in the update, so it still reads).
  const spots = [
    { what: 'the original', at: text.indexOf('cairo') },
    { what: 'the signing time', at: text.indexOf('/M (D:', b) + 8 },
    { what: 'the trailer', at: text.indexOf('/Prev', c) + 1 },
  ];
  for (const { what, at } of spots) {
    assert.ok(at > 0 && (at < b || at >= c), `${what}: a byte inside the signed range`);
    const bad = Buffer.from(good);
    bad[at] ^= 0x01;
    const file = f('flipped.pdf');
    fs.writeFileSync(file, bad);
    const p = pdfsig(file);
    assert.ok(!p.sigs.some((s) => s.valid), `${what}: pdfsig still says valid:\n${p.out}`);
    assert.notEqual(opensslVerify(file, 0).status, 0, `${what}: openssl cms -verify accepted it`);
    const r = verify(file);
    assert.equal(r.status, 1, `${what}: motcua pdf verify\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /INVALID[\s\S]*does not match the signed bytes/, what);
  }
});

test('bytes added after the last signature: it does not cover the whole file', () => {
  const signed = f('append-src.pdf');
  assert.equal(signOfficial(receipt, signed).status, 0);
  const file = f('appended.pdf');
  fs.writeFileSync(file, Buffer.concat([fs.readFileSync(signed), Buffer.from('% added later\n')]));
  const r = verify(file);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /Signature 1 .*: VALID/);
  assert.match(r.stdout, /this signature does not cover the whole file: 14 bytes were added after it/);
  assert.match(r.stdout, /Verdict: The file was changed after the last signature/);
  const p = pdfsig(file);
  assert.equal(p.sigs[0].total, false, p.out);
});

test('a file with object and cross-reference streams (qpdf) signs twice and stays sound', () => {
  const streams = f('receipt-streams.pdf');
  ok('qpdf', ['--object-streams=generate', receipt, streams]);
  assert.match(fs.readFileSync(streams).toString('latin1'), /\/Type \/XRef/);
  const one = f('streams-1.pdf');
  const two = f('streams-2.pdf');
  assert.equal(signOfficial(streams, one, ['--page', '1']).status, 0);
  assert.equal(signSeal(one, two).status, 0);
  const b1 = fs.readFileSync(one);
  const orig = fs.readFileSync(streams);
  // The update's own cross-reference section is a stream too.
  assert.match(b1.subarray(orig.length).toString('latin1'), /\/Type \/XRef/);
  const p = pdfsig(two);
  assert.deepEqual(p.sigs.map((s) => [s.valid, s.trusted, s.total]), [[true, true, false], [true, true, true]], p.out);
  const r = run('qpdf', ['--check', two]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(verify(two).status, 0);
  for (const i of [0, 1]) assert.equal(opensslVerify(two, i).status, 0);
});

/** Page one as pdftoppm shows it (it follows /Rotate), at 72 dpi: a pixel a point. */
function render(file) {
  const base = f('render');
  ok('pdftoppm', ['-r', '72', '-f', '1', '-l', '1', '-singlefile', file, base]);
  const buf = fs.readFileSync(`${base}.ppm`);
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(buf.subarray(0, 40).toString('latin1'));
  assert.ok(m, 'pdftoppm wrote a PPM');
  return { w: Number(m[1]), h: Number(m[2]), px: buf.subarray(m[0].length) };
}

const isBlue = (r, g, b) => b > 110 && b > r + 60 && b > g + 40;
const isRed = (r, g, b) => r > 150 && r > g + 80 && r > b + 80;

/** The bounds, in displayed points from the lower left, of the pixels of a colour that the
 * signing changed; with how many there are. */
function changed(before, after, is) {
  const box = { n: 0, x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  for (let y = 0; y < after.h; y++) {
    for (let x = 0; x < after.w; x++) {
      const i = (y * after.w + x) * 3;
      const [r, g, b] = [after.px[i], after.px[i + 1], after.px[i + 2]];
      if (!is(r, g, b) || (r === before.px[i] && g === before.px[i + 1] && b === before.px[i + 2])) continue;
      const py = after.h - 1 - y;
      box.n++;
      box.x0 = Math.min(box.x0, x);
      box.x1 = Math.max(box.x1, x + 1);
      box.y0 = Math.min(box.y0, py);
      box.y1 = Math.max(box.y1, py + 1);
    }
  }
  return box;
}

/** box lies within [x0 y0 x1 y1], give or take 3 points (a render's rounding). */
function inside(box, [x0, y0, x1, y1], what) {
  const t = 3;
  assert.ok(box.x0 >= x0 - t && box.y0 >= y0 - t && box.x1 <= x1 + t && box.y1 <= y1 + t,
    `${what}: ${JSON.stringify(box)} is not within ${[x0, y0, x1, y1].map((v) => v.toFixed(1))}`);
}

test('a page turned by /Rotate: the marks sit at the bottom right as displayed, upright and valid', () => {
  const turned = f('receipt-90.pdf');
  ok('qpdf', ['--rotate=+90', receipt, turned]);
  const one = f('turned-1.pdf');
  const two = f('turned-2.pdf');
  assert.equal(signOfficial(turned, one).status, 0);
  assert.equal(signSeal(one, two).status, 0);
  const p = pdfsig(two);
  assert.deepEqual(p.sigs.map((s) => [s.valid, s.trusted, s.name]), [[true, true, OFFICIAL], [true, true, UNIT]], p.out);
  assert.equal(verify(two).status, 0);
  assert.equal(run('qpdf', ['--check', two]).status, 0);

  const before = render(turned);
  const after = render(two);
  assert.ok(after.w > after.h, 'an A4 portrait page turned 90 degrees is shown landscape');
  // docs/signatures.md: the official 180 x 80 pt, 15 mm from the right, 20 mm from the
  // bottom; the seal (102 pt, a 20 pt band under it) over the official's left third.
  const mm = 72 / 25.4;
  const off = [after.w - 15 * mm - 180, 20 * mm, after.w - 15 * mm, 20 * mm + 80];
  const cy = (off[1] + off[3]) / 2;
  const seal = [off[0] + 60 - 102, cy - 51 - 20, off[0] + 60, cy + 51];
  const blue = changed(before, after, isBlue);
  const red = changed(before, after, isRed);
  assert.ok(blue.n > 300 && red.n > 1500, `blue ${blue.n}, red ${red.n}`);
  inside(blue, off, 'the signature');
  inside(red, seal, 'the seal');
  // Upright: the seal is taller than wide (its band under it), as on an unturned page.
  assert.ok(red.y1 - red.y0 > red.x1 - red.x0 + 10, JSON.stringify(red));

  // --rect is read on the page as displayed.
  const placed = f('turned-rect.pdf');
  assert.equal(signOfficial(turned, placed, ['--rect', '40,50,220,130']).status, 0);
  const atRect = changed(before, render(placed), isBlue);
  assert.ok(atRect.n > 300, `blue ${atRect.n}`);
  inside(atRect, [40, 50, 220, 130], 'the signature at --rect');
  assert.ok(atRect.x1 - atRect.x0 > 2 * (atRect.y1 - atRect.y0), `written across: ${JSON.stringify(atRect)}`);
});

test('refusals: usage 2, unreadable 3, unsignable 1, and nothing is written', () => {
  const out = f('never.pdf');
  let r = motcua(['pdf', 'sign', '--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /usage: motcua pdf sign/);
  r = motcua(['pdf', 'verify', '--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Exit status: 0 every signature is valid/);
  r = motcua(['pdf']);
  assert.equal(r.status, 2);
  r = motcua(['pdf', 'sign', '--p12', f('seal.p12'), receipt]);
  assert.equal(r.status, 2, 'OUT.pdf missing');
  r = motcua(['pdf', 'sign', '--p12', f('seal.p12'), '--seal', '--official', receipt, out]);
  assert.equal(r.status, 2, '--seal with --official');
  r = motcua(['pdf', 'sign', '--p12', f('seal.p12'), '--page', 'zero', receipt, out]);
  assert.equal(r.status, 2);
  r = motcua(['pdf', 'sign', '--p12', f('seal.p12'), receipt, receipt]);
  assert.equal(r.status, 2, 'IN.pdf must not be overwritten');
  assert.match(r.stderr, /must not be IN\.pdf/);
  r = motcua(['pdf', 'verify', '--trust']);
  assert.equal(r.status, 2);

  r = motcua(['pdf', 'sign', '--p12', f('seal.p12'), f('missing.pdf'), out]);
  assert.equal(r.status, 3);
  r = motcua(['pdf', 'verify', f('missing.pdf')]);
  assert.equal(r.status, 3);
  fs.writeFileSync(f('not.pdf'), '<html>not a pdf</html>');
  r = motcua(['pdf', 'verify', f('not.pdf')]);
  assert.equal(r.status, 3);
  assert.match(r.stderr, /not a PDF/);
  r = motcua(['pdf', 'verify', '--trust', f('not.pdf'), receipt]);
  assert.equal(r.status, 3, 'an unreadable trust file');

  // The PDF cannot be signed: exit 1, no output, no temporary file left.
  const before = fs.readdirSync(dir).sort();
  r = motcua(['pdf', 'sign', '--p12', f('seal.p12'), f('not.pdf'), out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not a PDF/);
  const half = f('half.pdf');
  fs.writeFileSync(half, fs.readFileSync(receipt).subarray(0, 2000));
  r = motcua(['pdf', 'sign', '--p12', f('seal.p12'), half, out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /truncated/);
  r = signOfficial(receipt, out, ['--page', '9']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no page 9/);
  r = run(BIN, ['pdf', 'sign', '--p12', f('official.p12'), '--password-stdin', receipt, out], { input: 'wrong\n' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /wrong password/);
  assert.ok(!fs.existsSync(out), 'nothing written');
  assert.deepEqual(fs.readdirSync(dir).sort(), [...before, 'half.pdf'].sort(), 'no stray files');
  r = verify(receipt);
  assert.equal(r.status, 1, 'an unsigned file does not verify');
  assert.match(r.stdout, /The file has no signature/);
});
