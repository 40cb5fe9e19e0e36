// Signing keys for officers the tests create (and seals for units without one): a test CA made with the openssl CLI (trusted
// by nobody; enough for the server to sign with) issues a personal certificate, which
// `motcua key import` stores for the officer and unit. Since results are signed when a
// leader approves (docs/signatures.md), an officer the test makes needs one to approve.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN } from './server.mjs';

function openssl(args) {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Gives officer `login` a personal signing key for unit `unitCode` in data directory `dataDir`. */
export function giveOfficialKey(dataDir, login, unitCode, name = login) {
  importKey(dataDir, unitCode, login, name);
}

/** Gives unit `unitCode` a seal (the demo CA makes them only for units with demo officers). */
export function giveSealKey(dataDir, unitCode) {
  importKey(dataDir, unitCode, null, `Đơn vị ${unitCode}`);
}

function importKey(dataDir, unitCode, login, name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-officer-key-'));
  try {
    const ca = path.join(dir, 'ca.pem'), caKey = path.join(dir, 'ca.key');
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', caKey, '-out', ca, '-days', '3650', '-subj', '/C=VN/O=Test CA/CN=Test Officers CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    const key = path.join(dir, 'leaf.key'), csr = path.join(dir, 'leaf.csr'), crt = path.join(dir, 'leaf.pem');
    const p12 = path.join(dir, 'leaf.p12');
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr,
      '-utf8', '-subj', `/C=VN/O=Test/CN=${name}`]);
    // Valid from two years ago (as the demo CA's keys are), so that tests whose fake clock is
    // in the past can sign, until 30 days from now: `openssl ca` sets both dates.
    const utc = (ms) => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
    fs.writeFileSync(path.join(dir, 'index.txt'), '');
    fs.writeFileSync(path.join(dir, 'ca.cnf'), [
      '[ca]', 'default_ca = test', '[test]', `dir = ${dir}`, 'database = $dir/index.txt', 'new_certs_dir = $dir',
      'serial = $dir/serial', 'default_md = sha256', 'policy = any', 'copy_extensions = none', 'x509_extensions = leaf',
      'unique_subject = no', '[any]', 'commonName = supplied', '[leaf]', 'keyUsage = critical,digitalSignature,nonRepudiation', ''].join('\n'));
    fs.writeFileSync(path.join(dir, 'serial'), `${crypto.randomBytes(8).toString('hex')}\n`);
    openssl(['ca', '-batch', '-config', path.join(dir, 'ca.cnf'), '-cert', ca, '-keyfile', caKey, '-in', csr, '-out', crt,
      '-utf8', '-notext', '-startdate', utc(Date.now() - 2 * 365 * 86400e3), '-enddate', utc(Date.now() + 30 * 86400e3)]);
    openssl(['pkcs12', '-export', '-inkey', key, '-in', crt, '-certfile', ca, '-out', p12, '-passout', 'pass:pw']);
    const who = login ? ['--login', login] : [];
    const r = spawnSync(BIN, ['key', 'import', '--data', dataDir, '--unit', unitCode, ...who, p12],
      { encoding: 'utf8', input: 'pw\n', timeout: 60000 });
    assert.equal(r.status, 0, `key import for ${login || unitCode}: ${r.stderr}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
