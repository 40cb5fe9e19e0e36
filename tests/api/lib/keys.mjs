// Signing keys for officers the tests create: a test CA made with the openssl CLI (trusted
// by nobody; enough for the server to sign with) issues a personal certificate, which
// `motcua key import` stores for the officer and unit. Since results are signed when a
// leader approves (docs/signatures.md), an officer the test makes needs one to approve.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-officer-key-'));
  try {
    const ca = path.join(dir, 'ca.pem'), caKey = path.join(dir, 'ca.key');
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', caKey, '-out', ca, '-days', '3650', '-subj', '/C=VN/O=Test CA/CN=Test Officers CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    const key = path.join(dir, 'leaf.key'), csr = path.join(dir, 'leaf.csr'), crt = path.join(dir, 'leaf.pem');
    const ext = path.join(dir, 'leaf.ext'), p12 = path.join(dir, 'leaf.p12');
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr,
      '-utf8', '-subj', `/C=VN/O=Test/CN=${name}`]);
    fs.writeFileSync(ext, 'keyUsage=critical,digitalSignature,nonRepudiation\n');
    openssl(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', crt,
      '-days', '30', '-extfile', ext]);
    openssl(['pkcs12', '-export', '-inkey', key, '-in', crt, '-certfile', ca, '-out', p12, '-passout', 'pass:pw']);
    const r = spawnSync(BIN, ['key', 'import', '--data', dataDir, '--unit', unitCode, '--login', login, p12],
      { encoding: 'utf8', input: 'pw\n', timeout: 60000 });
    assert.equal(r.status, 0, `key import for ${login}: ${r.stderr}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
