// Long-term validation data (PAdES B-LT) through the CLI, against tools no one here wrote: a
// test CA made with the openssl CLI whose signers name an OCSP responder and a CRL
// distribution point on this machine; the responder is `openssl ocsp -index ... -port`, the
// CRL is made by `openssl ca -gencrl` and served by a small node HTTP server. `motcua pdf
// sign` then embeds the answers (/DSS); pdfsig still says the signature is valid, qpdf
// --check passes, qpdf's JSON shows the /DSS, and `openssl ocsp -respin` reads the embedded
// answer ("good", or "revoked" for a revoked signer, which `motcua pdf verify` then refuses).
// With the responder and the CRL server gone the file is signed all the same, without /DSS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { motcua as motcuaRun, BIN } from './lib/server.mjs';

let dir;
let ocspPort;
let crlServer;
let crlPort;
let crlUp = true;
let responder = null;

const f = (name) => path.join(dir, name);

function noSanitizerReport(r, what) {
  assert.doesNotMatch(r.stderr || '', /ERROR: (Address|Leak)Sanitizer|runtime error:/, what);
  return r;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120000, ...opts });
  if (r.error) throw r.error;
  return noSanitizerReport(r, `${cmd} ${args.join(' ')}`);
}

function ok(cmd, args, opts) {
  const r = run(cmd, args, opts);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

function motcua(args) {
  return noSanitizerReport(motcuaRun(args), `motcua ${args.join(' ')}`);
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** `openssl ocsp` answering from the CA's index, signing with the CA's key. Ready when it
 * says it waits for clients (a probe connection that sends nothing would hang it: it serves
 * one connection at a time). */
async function startResponder() {
  responder = spawn('openssl', ['ocsp', '-index', f('index.txt'), '-port', String(ocspPort),
    '-rsigner', f('root.pem'), '-rkey', f('root.key'), '-CA', f('root.pem'), '-ignore_err'],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let said = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`openssl ocsp did not start: ${said}`)), 20000);
    responder.stderr.on('data', (d) => {
      said += d;
      if (/waiting for OCSP client connections/.test(said)) {
        clearTimeout(timer);
        resolve();
      }
    });
    responder.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`openssl ocsp exited (${code}): ${said}`));
    });
  });
}

function stopResponder() {
  return new Promise((resolve) => {
    if (!responder || responder.exitCode !== null) { responder = null; resolve(); return; }
    responder.once('exit', () => { responder = null; resolve(); });
    responder.kill('SIGTERM');
  });
}

/** A one-page PDF with a correct cross-reference table. */
function minimalPdf() {
  const objs = [
    '<</Type /Catalog /Pages 2 0 R>>',
    '<</Type /Pages /Kids [3 0 R] /Count 1>>',
    '<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>>',
  ];
  let out = '%PDF-1.7\n';
  const offs = [];
  objs.forEach((o, i) => {
    offs.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offs) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<</Size ${objs.length + 1} /Root 1 0 R>>\nstartxref\n${xref}\n%%EOF\n`;
  return out;
}

function gencrl() {
  ok('openssl', ['ca', '-config', f('ca.cnf'), '-gencrl', '-out', f('ca.crl')]);
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-ltv-'));
  ocspPort = await freePort();
  crlServer = http.createServer((req, res) => {
    if (!crlUp || req.url !== '/ca.crl') {
      res.writeHead(404);
      res.end();
      return;
    }
    const crl = fs.readFileSync(f('ca.crl'));
    res.writeHead(200, { 'Content-Type': 'application/pkix-crl', 'Content-Length': crl.length });
    res.end(crl);
  });
  await new Promise((r) => crlServer.listen(0, '127.0.0.1', r));
  crlPort = crlServer.address().port;

  fs.writeFileSync(f('index.txt'), '');
  fs.writeFileSync(f('index.txt.attr'), 'unique_subject = no\n');
  fs.writeFileSync(f('crlnumber'), '01\n');
  fs.writeFileSync(f('ca.cnf'), [
    '[req]', 'distinguished_name = dn', '[dn]',
    '[ca]', 'default_ca = testca',
    '[testca]', `database = ${f('index.txt')}`, `certificate = ${f('root.pem')}`,
    `private_key = ${f('root.key')}`, `crlnumber = ${f('crlnumber')}`, 'default_md = sha256',
    'default_crl_days = 30',
    '[root]', 'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier = hash',
    '[leaf]', 'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,nonRepudiation',
    'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid',
    `authorityInfoAccess = OCSP;URI:http://127.0.0.1:${ocspPort}`,
    `crlDistributionPoints = URI:http://127.0.0.1:${crlPort}/ca.crl`, '',
  ].join('\n'));
  ok('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('root.key'), '-out', f('root.pem'),
    '-days', '3650', '-subj', '/CN=motcua LTV test root/O=motcua test', '-config', f('ca.cnf'),
    '-extensions', 'root']);
  for (const [name, serial] of [['good', '1001'], ['revoked', '1002']]) {
    ok('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout',
      f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=Signer ${name}/O=motcua test`, '-config', f('ca.cnf')]);
    ok('openssl', ['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('root.pem'), '-CAkey', f('root.key'),
      '-set_serial', `0x${serial}`, '-out', f(`${name}.pem`), '-days', '1000', '-extfile', f('ca.cnf'),
      '-extensions', 'leaf']);
    ok('openssl', ['pkcs12', '-export', '-inkey', f(`${name}.key`), '-in', f(`${name}.pem`), '-certfile',
      f('root.pem'), '-out', f(`${name}.p12`), '-passout', 'pass:']);
  }
  ok('openssl', ['ca', '-config', f('ca.cnf'), '-valid', f('good.pem')]);
  ok('openssl', ['ca', '-config', f('ca.cnf'), '-revoke', f('revoked.pem'), '-crl_reason', 'keyCompromise']);
  gencrl();
  fs.writeFileSync(f('doc.pdf'), minimalPdf());
  // pdfsig checks chains against an NSS database that trusts the test root.
  fs.mkdirSync(f('nss'));
  ok('certutil', ['-N', '-d', `sql:${f('nss')}`, '--empty-password']);
  ok('certutil', ['-A', '-d', `sql:${f('nss')}`, '-n', 'motcua LTV test root', '-t', 'CT,C,C', '-i', f('root.pem')]);
  await startResponder();
});

after(async () => {
  await stopResponder();
  if (crlServer) await new Promise((r) => crlServer.close(r));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Signs doc.pdf. Asynchronously: the CRL server lives in this process and must answer
 * while motcua waits for it. */
function sign(who, out, extra = []) {
  const args = ['pdf', 'sign', '--p12', f(`${who}.p12`), '--seal', '--name', 'Test', ...extra, f('doc.pdf'), f(out)];
  return new Promise((resolve, reject) => {
    execFile(BIN, args, { encoding: 'utf8', timeout: 60000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') { reject(err); return; }
      resolve(noSanitizerReport({ status: err ? err.code : 0, stdout, stderr }, `motcua ${args.join(' ')}`));
    });
  });
}

/** qpdf's JSON of the file, stream data inline (base64). */
function qpdfJson(file) {
  const r = ok('qpdf', ['--json=2', '--json-stream-data=inline', file]);
  return JSON.parse(r.stdout);
}

/** The catalog's /DSS as qpdf reads it, and a function giving an object by reference. */
function dssOf(file) {
  const j = qpdfJson(file);
  const objs = j.qpdf[1];
  const get = (ref) => objs[`obj:${ref}`];
  const root = objs.trailer.value['/Root'];
  const cat = get(root).value;
  const dssRef = cat['/DSS'];
  if (!dssRef) return { dss: null, get };
  const dss = typeof dssRef === 'string' ? get(dssRef).value : dssRef;
  return { dss, get };
}

/** The first embedded OCSP answer, written out as DER; its path. */
function embeddedOcsp(file, name) {
  const { dss, get } = dssOf(file);
  assert.ok(dss, 'the file has a /DSS');
  assert.ok(dss['/OCSPs'] && dss['/OCSPs'].length >= 1, 'the /DSS has an OCSP answer');
  const stream = get(dss['/OCSPs'][0]).stream;
  const der = Buffer.from(stream.data, 'base64');
  fs.writeFileSync(f(name), der);
  return f(name);
}

function pdfsigValid(file) {
  // -no-ocsp: pdfsig would ask the responder itself; the signature's bytes are what it checks here.
  const r = run('pdfsig', ['-nssdir', f('nss'), '-no-ocsp', file]);
  assert.match(r.stdout, /Signature Validation: Signature is Valid\./, r.stdout + r.stderr);
  return r;
}

function verifyJson(file) {
  const r = motcua(['pdf', 'verify', '--trust', f('root.pem'), '--json', file]);
  return { status: r.status, report: JSON.parse(r.stdout), r };
}

test('a signer whose CA answers OCSP: the answer is embedded, says good, and every tool agrees', async () => {
  const r = await sign('good', 'good.pdf');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /long-term validation data added: 1 OCSP answer, 0 CRLs/, r.stderr);
  const orig = fs.readFileSync(f('doc.pdf'));
  const signed = fs.readFileSync(f('good.pdf'));
  assert.ok(signed.subarray(0, orig.length).equals(orig), 'incremental: the original bytes stay');
  pdfsigValid(f('good.pdf'));
  ok('qpdf', ['--check', f('good.pdf')]);
  const { dss } = dssOf(f('good.pdf'));
  assert.equal(dss['/Certs'].length, 2, 'the signer and the root');
  assert.equal(dss['/OCSPs'].length, 1);
  assert.equal(dss['/CRLs'].length, 0);
  const keys = Object.keys(dss['/VRI']);
  assert.equal(keys.length, 1);
  assert.match(keys[0], /^\/[0-9A-F]{40}$/);
  const der = embeddedOcsp(f('good.pdf'), 'good-ocsp.der');
  const o = ok('openssl', ['ocsp', '-respin', der, '-issuer', f('root.pem'), '-cert', f('good.pem'),
    '-CAfile', f('root.pem')]);
  assert.match(o.stdout, /good\.pem: good/, o.stdout + o.stderr);
  assert.match(o.stderr + o.stdout, /Response verify OK/);
  const v = verifyJson(f('good.pdf'));
  assert.equal(v.status, 0, v.r.stdout);
  assert.equal(v.report.verdict, 'valid');
  assert.equal(v.report.signatures[0].ltv, true);
  // The plain report says so too.
  const t = motcua(['pdf', 'verify', '--trust', f('root.pem'), f('good.pdf')]);
  assert.equal(t.status, 0, t.stdout);
  assert.match(t.stdout, /revocation data embedded/);
});

test('--no-ltv signs without asking anyone', async () => {
  const r = await sign('good', 'good-nolv.pdf', ['--no-ltv']);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /long-term/);
  assert.equal(dssOf(f('good-nolv.pdf')).dss, null);
  const v = verifyJson(f('good-nolv.pdf'));
  assert.equal(v.status, 0);
  assert.equal(v.report.signatures[0].ltv, false);
});

test('a revoked signer: the embedded answer says revoked and motcua pdf verify refuses', async () => {
  const r = await sign('revoked', 'revoked.pdf');
  assert.equal(r.status, 0, r.stderr);
  pdfsigValid(f('revoked.pdf')); // pdfsig checks the signature's bytes, not the /DSS
  ok('qpdf', ['--check', f('revoked.pdf')]);
  const der = embeddedOcsp(f('revoked.pdf'), 'revoked-ocsp.der');
  const o = ok('openssl', ['ocsp', '-respin', der, '-issuer', f('root.pem'), '-cert', f('revoked.pem'),
    '-CAfile', f('root.pem')]);
  assert.match(o.stdout, /revoked\.pem: revoked/, o.stdout);
  const v = verifyJson(f('revoked.pdf'));
  assert.equal(v.status, 1);
  assert.equal(v.report.verdict, 'invalid');
  assert.match(v.report.signatures[0].problem, /revoked/);
  const t = motcua(['pdf', 'verify', '--trust', f('root.pem'), f('revoked.pdf')]);
  assert.equal(t.status, 1);
  assert.match(t.stdout, /revoked/);
});

test('the responder stopped: the CRL instead; the CRL server gone too: signed all the same, no /DSS', async () => {
  await stopResponder();
  try {
    let r = await sign('revoked', 'revoked-crl.pdf');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /long-term validation data added: 0 OCSP answers, 1 CRL/);
    const { dss, get } = dssOf(f('revoked-crl.pdf'));
    assert.equal(dss['/CRLs'].length, 1);
    const crl = Buffer.from(get(dss['/CRLs'][0]).stream.data, 'base64');
    fs.writeFileSync(f('embedded.crl'), crl);
    const c = ok('openssl', ['crl', '-inform', 'DER', '-in', f('embedded.crl'), '-noout', '-text',
      '-CAfile', f('root.pem')]);
    assert.match(c.stdout + c.stderr, /Serial Number: 1002/);
    assert.match(c.stdout + c.stderr, /verify OK/);
    let v = verifyJson(f('revoked-crl.pdf'));
    assert.equal(v.status, 1);
    assert.match(v.report.signatures[0].problem, /revoked/);

    crlUp = false;
    r = await sign('good', 'good-bt.pdf');
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /long-term validation data added/);
    assert.match(r.stderr, /revocation data not added/);
    assert.equal(dssOf(f('good-bt.pdf')).dss, null);
    pdfsigValid(f('good-bt.pdf'));
    v = verifyJson(f('good-bt.pdf'));
    assert.equal(v.status, 0, v.r.stdout);
    assert.equal(v.report.signatures[0].ltv, false);
  } finally {
    crlUp = true;
  }
});
