// A reference Time-Stamping Authority for the tests: a small HTTP server whose answers are
// made by the openssl CLI itself (`openssl ts -reply`), with a key, a certificate and a
// configuration made here, so the motcua client is checked against a TSA no one here wrote.
// Modes make it misbehave on purpose:
//   ok            a granted token for the request
//   hang          reads the request and never answers (the client's timeout must end it)
//   garbage       200 with an HTML page instead of a TimeStampResp
//   http-error    500
//   other-imprint a token with the request's nonce but another message imprint
//   other-nonce   a token over the same imprint for another request (another nonce)
//   reject        answered by a TSA section that accepts SHA-512 only: status rejection, badAlg
//   huge          200 with 100 KiB (Content-Length given); huge-chunked: the same, chunked
//   auth          like ok, but only with HTTP basic authentication as AUTH (401 otherwise)
// Every child process and every wait is bounded.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs openssl with args (async: the test process also serves HTTP). Throws on failure. */
export async function openssl(args, opts = {}) {
  return run('openssl', args, { timeout: 30000, maxBuffer: 4 << 20, encoding: 'utf8', ...opts });
}

/** Like openssl() but never throws: {code, stdout, stderr}. */
export async function opensslStatus(args, opts = {}) {
  try {
    const r = await openssl(args, opts);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    if (typeof e.code !== 'number') throw e; // not an exit status: openssl did not run
    return { code: e.code, stdout: e.stdout || '', stderr: e.stderr || '' };
  }
}

// File names without spaces: `openssl ts -verify -untrusted` splits its argument on them.
const slug = (name) => name.replace(/[^A-Za-z0-9]+/g, '-');

/**
 * A P-256 key and a certificate for a TSA in dir, made by the openssl CLI: self-signed, or
 * issued by `ca` ({key, cert}) when given. extendedKeyUsage timeStamping, critical (RFC 3161
 * section 2.3). Returns {key, cert} (file paths).
 */
export async function makeTsaIdentity(dir, name, ca = null) {
  const key = path.join(dir, `${slug(name)}.key`);
  const cert = path.join(dir, `${slug(name)}.pem`);
  const ext = ['extendedKeyUsage=critical,timeStamping', 'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature'];
  if (!ca) {
    await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
      '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${name}/O=motcua tests`,
      ...ext.flatMap((e) => ['-addext', e])]);
    return { key, cert };
  }
  const csr = path.join(dir, `${slug(name)}.csr`);
  const extFile = path.join(dir, `${slug(name)}.ext`);
  fs.writeFileSync(extFile, ext.join('\n') + '\n');
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', csr, '-subj', `/CN=${name}/O=motcua tests`]);
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', '2',
    '-days', '30', '-extfile', extFile, '-out', cert]);
  return { key, cert };
}

/** A self-signed CA made by the openssl CLI: {key, cert}. */
export async function makeCa(dir, name) {
  const key = path.join(dir, `${slug(name)}.key`);
  const cert = path.join(dir, `${slug(name)}.pem`);
  await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${name}/O=motcua tests`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { key, cert };
}

/** The user and password the reference TSA wants in mode 'auth'. */
export const AUTH = 'tsa-user:tsa-secret';

/** The reference TSA's policy (an arbitrary test OID). */
export const REFERENCE_POLICY = '1.2.3.4.1';

function config(dir) {
  const section = (digests) => [
    `serial = ${path.join(dir, 'serial')}`,
    'crypto_device = builtin',
    'signer_digest = sha256',
    `default_policy = ${REFERENCE_POLICY}`,
    `digests = ${digests}`,
    'accuracy = secs:1',
    'ordering = no',
    'tsa_name = yes',
    'ess_cert_id_chain = no',
    'ess_cert_id_alg = sha256',
  ].join('\n');
  return `[ tsa ]\ndefault_tsa = tsa_ok\n\n[ tsa_ok ]\n${section('sha256, sha384, sha512')}\n\n` +
    `[ tsa_sha512 ]\n${section('sha512')}\n`;
}

// DER of the SHA-256 algorithm identifier's OID (2.16.840.1.101.3.4.2.1).
const SHA256_OID = Buffer.from('0609608648016503040201', 'hex');

/** Where the 32-byte digest of the SHA-256 message imprint starts in a DER TimeStampReq. */
function digestOffset(req) {
  const at = req.indexOf(SHA256_OID);
  if (at < 0) throw new Error('the request has no SHA-256 imprint');
  let i = at + SHA256_OID.length;
  if (req[i] === 0x05 && req[i + 1] === 0x00) i += 2; // NULL parameters
  if (req[i] !== 0x04 || req[i + 1] !== 0x20) throw new Error('unexpected imprint layout');
  return i + 2;
}

/**
 * Starts the reference TSA on 127.0.0.1 (a free port). Returns
 * {url, dir, key, cert, mode, requests, close()}; `mode` may be changed between requests,
 * `requests` counts the requests received. close() ends hanging requests too.
 */
export async function startReferenceTsa() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-ref-tsa-'));
  const { key, cert } = await makeTsaIdentity(dir, 'Reference TSA');
  const cnf = path.join(dir, 'tsa.cnf');
  fs.writeFileSync(cnf, config(dir));
  fs.writeFileSync(path.join(dir, 'serial'), '01\n');
  const sockets = new Set();
  let n = 0;

  const reply = async (queryFile, section) => {
    const out = path.join(dir, `resp-${n}.tsr`);
    await openssl(['ts', '-reply', '-queryfile', queryFile, '-inkey', key, '-signer', cert,
      '-config', cnf, '-section', section, '-out', out]);
    return fs.readFileSync(out);
  };

  const tsa = {
    url: '',
    dir,
    key,
    cert,
    mode: 'ok',
    requests: 0,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  const handle = async (req, res, body) => {
    n++;
    tsa.requests++;
    const mode = tsa.mode;
    if (mode === 'hang') return; // the socket stays open until close()
    if (mode === 'garbage') {
      res.writeHead(200, { 'Content-Type': 'application/timestamp-reply' });
      res.end('<html><body>Service temporarily unavailable</body></html>');
      return;
    }
    if (mode === 'huge' || mode === 'huge-chunked') {
      const big = Buffer.alloc(100 * 1024, 0x30);
      res.writeHead(200, { 'Content-Type': 'application/timestamp-reply',
        ...(mode === 'huge' ? { 'Content-Length': big.length } : {}) });
      res.end(big);
      return;
    }
    if (mode === 'auth' && req.headers.authorization !== `Basic ${Buffer.from(AUTH).toString('base64')}`) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="tsa"' });
      res.end();
      return;
    }
    if (mode === 'http-error') {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('internal error');
      return;
    }
    const query = path.join(dir, `req-${n}.tsq`);
    let q = Buffer.from(body);
    if (mode === 'other-imprint') {
      const at = digestOffset(q);
      for (let i = at; i < at + 32; i++) q[i] ^= 0xff; // same nonce, other data
    }
    if (mode === 'other-nonce') {
      const at = digestOffset(q);
      const hex = q.subarray(at, at + 32).toString('hex');
      await openssl(['ts', '-query', '-digest', hex, '-sha256', '-cert', '-out', query]);
      q = fs.readFileSync(query);
    }
    fs.writeFileSync(query, q);
    const der = await reply(query, mode === 'reject' ? 'tsa_sha512' : 'tsa_ok');
    res.writeHead(200, { 'Content-Type': 'application/timestamp-reply', 'Content-Length': der.length });
    res.end(der);
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => { size += c.length; if (size <= 65536) chunks.push(c); });
    req.on('end', () => {
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(400);
        res.end();
        return;
      }
      handle(req, res, Buffer.concat(chunks)).catch((e) => {
        // The test that set this mode sees the 500 as a refused stamp and the cause here.
        console.error(`reference TSA: ${e.stack || e}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  tsa.url = `http://127.0.0.1:${server.address().port}/tsr`;
  return tsa;
}
