// Issued documents made as an operator could, for the tests of the public verification
// (tests/api/verify.test.mjs, tests/e2e/verify.test.mjs), independently of the platform's
// own signing (tests/api/issued.test.mjs checks that): a test CA made with the openssl CLI,
// its root trusted by the data directory (`motcua key trust`), PDFs signed with `motcua pdf sign --p12`, the file put into the file
// store (DATA/files/<first two hex>/<sha256>) and the issued_documents row inserted with the
// sqlite3 CLI. Not a test file.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, sql } from './server.mjs';

export const SEAL = 'UBND phường Hạc Thành'; // who the trusted seal names (CN and O)
export const STRANGER = 'Đơn vị lạ'; // a seal from a root the data directory does not trust

function ok(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120000, ...opts });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr || '', /ERROR: (Address|Leak)Sanitizer|runtime error:/, `${cmd} ${args.join(' ')}`);
  return r;
}

/**
 * A test CA in dir: root -> the seal of SEAL (trusted once trustRoot() has run), and a
 * stranger's root -> the seal of STRANGER. Returns {dir, p12: {seal, stranger}, root}.
 */
export function makeTestCA(dir) {
  const f = (n) => path.join(dir, n);
  fs.writeFileSync(f('ca.cnf'), [
    '[req]', 'distinguished_name = dn', '[dn]',
    '[ca]', 'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier = hash',
    '[leaf]', 'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,nonRepudiation',
    'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid', '',
  ].join('\n'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  const root = (name, subj) => ok('openssl', ['req', '-x509', ...ec, '-nodes', '-keyout', f(`${name}.key`),
    '-out', f(`${name}.pem`), '-days', '3650', '-subj', subj, '-utf8', '-config', f('ca.cnf'), '-extensions', 'ca']);
  const leaf = (name, subj, issuer) => {
    ok('openssl', ['req', ...ec, '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', subj,
      '-utf8', '-config', f('ca.cnf')]);
    ok('openssl', ['x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${issuer}.pem`), '-CAkey', f(`${issuer}.key`),
      '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '1000', '-extfile', f('ca.cnf'), '-extensions', 'leaf']);
    ok('openssl', ['pkcs12', '-export', '-inkey', f(`${name}.key`), '-in', f(`${name}.pem`), '-out', f(`${name}.p12`),
      '-passout', 'pass:']);
  };
  root('root', '/CN=motcua verify test root/O=motcua test');
  leaf('seal', `/CN=${SEAL}/O=${SEAL}`, 'root');
  root('other', '/CN=another root/O=elsewhere');
  leaf('stranger', `/CN=${STRANGER}/O=${STRANGER}`, 'other');
  return { dir, root: f('root.pem'), p12: { seal: f('seal.p12'), stranger: f('stranger.p12') } };
}

/** `motcua key trust --data DIR root.pem`, as an operator trusts a root. */
export function trustRoot(dataDir, ca) {
  ok(BIN, ['key', 'trust', '--data', dataDir, ca.root]);
}

/** input (a Buffer) sealed with the PKCS#12 at p12 by `motcua pdf sign --seal`: the signed bytes. */
export function signPdf(ca, p12, input) {
  const name = crypto.randomBytes(6).toString('hex');
  const inPath = path.join(ca.dir, `in-${name}.pdf`);
  const outPath = path.join(ca.dir, `out-${name}.pdf`);
  fs.writeFileSync(inPath, input);
  ok(BIN, ['pdf', 'sign', '--p12', p12, '--seal', '--reason', 'Phát hành văn bản', '--location', 'Thanh Hóa', inPath, outPath]);
  return fs.readFileSync(outPath);
}

/** A public id: 20 characters of [a-z2-7], drawn here. */
export function newPublicId() {
  const abc = 'abcdefghijklmnopqrstuvwxyz234567';
  return [...crypto.randomBytes(20)].map((b) => abc[b & 31]).join('');
}

const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');
const q = (s) => (s === null || s === undefined ? 'NULL' : `'${String(s).replace(/'/g, "''")}'`);

/**
 * Issues a document as the platform would record it: pdf (a Buffer, or null for a pending
 * one) goes into the file store, and a row into issued_documents. o: {kind ('result',
 * 'receipt', 'apology', 'certified_copy'), state ('signed', 'awaiting_timestamp',
 * 'pending'), unitCode, dossierId (or null), title, ref, at (Unix seconds)}. Returns
 * {publicId, sha256, size, path (the stored file), at}.
 */
export function issueDocument(dataDir, pdf, o = {}) {
  const kind = o.kind || 'certified_copy';
  const state = o.state || (pdf ? 'signed' : 'pending');
  const at = o.at || Math.floor(Date.now() / 1000);
  const publicId = o.publicId || newPublicId();
  let sha = null;
  let stored = null;
  if (pdf) {
    sha = sha256(pdf);
    const sub = path.join(dataDir, 'files', sha.slice(0, 2));
    fs.mkdirSync(sub, { recursive: true });
    stored = path.join(sub, sha);
    fs.writeFileSync(stored, pdf);
  }
  const [unit] = sql(dataDir, `SELECT id FROM units WHERE code = ${q(o.unitCode || '000.01.90.H56')}`);
  assert.ok(unit, 'the unit exists');
  const signed = state === 'signed' || state === 'awaiting_timestamp';
  sql(dataDir, `INSERT INTO issued_documents (public_id, kind, unit_id, dossier_id, ref, title, state, sha256, size,
    signers, created_at, signed_at, timestamped_at) VALUES (${q(publicId)}, ${q(kind)}, ${unit.id},
    ${o.dossierId || 'NULL'}, ${q(o.ref || '')}, ${q(o.title || 'Bản sao điện tử có chứng thực')}, ${q(state)},
    ${q(sha)}, ${pdf ? pdf.length : 'NULL'}, '[]', ${at}, ${signed ? at : 'NULL'},
    ${state === 'signed' ? at : 'NULL'})`);
  return { publicId, sha256: sha, size: pdf ? pdf.length : null, path: stored, at };
}

/** Every file under DATA/files (temporary uploads included), as relative paths, sorted. */
export function storedFiles(dataDir) {
  const root = path.join(dataDir, 'files');
  const out = [];
  const walk = (d) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}
