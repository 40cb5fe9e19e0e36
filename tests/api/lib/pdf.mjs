// PDF helpers for the signing tests: a served file's first revision, pdfsig with its own
// trust store, the /ByteRange arrays. Not a test file.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

// The first revision of a PDF: the bytes up to and including the first %%EOF and its
// end of line. A receipt or result as motcua serves it is signed by incremental updates
// (docs/signatures.md); its first revision is the file as rendered, before any signature.
export function firstRevision(buf) {
  const eof = buf.indexOf('%%EOF');
  if (eof < 0) throw new Error('no %%EOF in the PDF');
  let end = eof + 5;
  if (buf[end] === 0x0d) end++;
  if (buf[end] === 0x0a) end++;
  return buf.subarray(0, end);
}

/** An NSS database in nssDir (created) that trusts the root certificate in rootPem, for pdfsig. */
export function nssTrusting(nssDir, rootPem) {
  fs.mkdirSync(nssDir, { recursive: true });
  for (const args of [['-N', '-d', `sql:${nssDir}`, '--empty-password'],
    ['-A', '-d', `sql:${nssDir}`, '-n', 'motcua test root', '-t', 'CT,C,C', '-i', rootPem]]) {
    const r = spawnSync('certutil', args, { encoding: 'utf8', timeout: 60000 });
    if (r.error) throw r.error;
    assert.equal(r.status, 0, `certutil ${args.join(' ')}: ${r.stderr}`);
  }
}

/** What pdfsig (poppler) says of each signature of file, trusting nssDir's roots:
 * {out, sigs: [{valid, trusted, total, name}]}. */
export function pdfsig(file, nssDir) {
  const r = spawnSync('pdfsig', ['-nssdir', nssDir, file], { encoding: 'utf8', timeout: 60000 });
  if (r.error) throw r.error;
  const sigs = r.stdout.split(/^Signature #\d+:$/m).slice(1);
  return {
    out: r.stdout + r.stderr,
    sigs: sigs.map((s) => ({
      valid: s.includes('Signature Validation: Signature is Valid.'),
      trusted: s.includes('Certificate Validation: Certificate is Trusted.'),
      total: /^\s*- Total document signed$/m.test(s),
      name: (/Signer Certificate Common Name: (.*)$/m.exec(s) || [])[1],
    })),
  };
}

/** The /ByteRange arrays of a signed PDF, in file order. */
export function byteRanges(buf) {
  const text = buf.toString('latin1');
  return [...text.matchAll(/\/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]/g)].map((m) => m.slice(1, 5).map(Number));
}

/** The DER's length from its outer SEQUENCE header (the placeholder is zero-padded). */
export function derLength(der) {
  assert.equal(der[0], 0x30, 'the signature is not a DER SEQUENCE');
  if (der[1] < 0x80) return 2 + der[1];
  const n = der[1] & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[2 + i];
  return 2 + n + len;
}
