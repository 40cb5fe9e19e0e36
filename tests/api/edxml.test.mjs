// edXML envelopes (QCVN 102:2016) from the command line: `motcua edxml parse` reads the real
// envelopes of tests/data/edxml; `motcua edxml sign` signs with a demo unit's seal and
// `xmlsec1 --verify`, a tool no one here wrote, accepts the result against the demo root;
// `motcua edxml verify` agrees; one byte changed makes both refuse; the real envelopes (whose
// signatures cannot verify) are refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { motcua, initDataDir, sqlValue, snapshot, assertUnchanged } from './lib/server.mjs';

const DATA = path.resolve('tests/data/edxml');
const PROVINCE = '000.00.00.H56'; // Ủy ban nhân dân tỉnh Thanh Hóa, with a demo seal

function tmpDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-edxml-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function xmlsec1Verify(root, file) {
  const r = spawnSync('xmlsec1', ['--verify', '--trusted-pem', root, file], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return r;
}

/** SHA-256 of the base64 text of the file's ContentTransferEncoded, decoded here. */
function attachmentSha256(file) {
  const m = /<edXML:ContentTransferEncoded[^>]*>([^<]*)</.exec(fs.readFileSync(file, 'utf8'));
  assert.ok(m, `no attachment in ${file}`);
  return crypto.createHash('sha256').update(Buffer.from(m[1], 'base64')).digest('hex');
}

test('parse: the three real envelopes, Vietnamese intact, both date spellings, the attachment', () => {
  let r = motcua(['edxml', 'parse', path.join(DATA, 'new-document.edxml')]);
  assert.equal(r.status, 0, r.stderr);
  let j = JSON.parse(r.stdout);
  assert.equal(j.kind, 'document');
  assert.equal(j.from.organ_id, '000.00.11.H53');
  assert.equal(j.from.organization_in_charge, 'Tỉnh Tây Ninh');
  assert.deepEqual(j.to.map((o) => o.organ_id), ['000.00.01.A53']);
  assert.equal(j.to[0].organ_name, 'Văn phòng tỉnh ủy');
  assert.equal(j.subject, 'Báo cáo tài chính tỉnh');
  assert.equal(j.promulgation.date, '2020-10-30'); // 30/10/2020 in the file
  assert.deepEqual(j.code, { code_number: '2491', code_notation: 'STC-BCTC' });
  assert.equal(j.business.type, 0);
  assert.equal(j.attachments.length, 1);
  assert.equal(j.attachments[0].attachment_name, '1896_QD-TTg_m_294779.doc');
  assert.equal(j.attachments[0].size, 270823);
  assert.equal(j.attachments[0].sha256, attachmentSha256(path.join(DATA, 'new-document.edxml')));

  r = motcua(['edxml', 'parse', path.join(DATA, 'update-document.edxml')]);
  assert.equal(r.status, 0, r.stderr);
  j = JSON.parse(r.stdout);
  assert.deepEqual(j.to.map((o) => o.organ_id), ['000.00.00.H53', '000.00.12.H53', '000.00.00.G17']);
  assert.equal(j.to[1].organ_name, 'UBND Tỉnh Cao Bằng');
  assert.equal(j.promulgation.date, '2018-09-28'); // 2018/09/28 in the file
  assert.equal(j.document_id, '000.00.00.G22,2015/09/30,7816/VPCP-TTĐT');
  assert.equal(j.business.type, 2);
  assert.deepEqual(j.business.receivers, [
    { organ_id: '000.00.00.H41', receiver_type: 0 },
    { organ_id: '000.00.00.H14', receiver_type: 1 },
  ]);
  assert.equal(j.attachments[0].sha256, attachmentSha256(path.join(DATA, 'update-document.edxml')));

  r = motcua(['edxml', 'parse', path.join(DATA, 'status-05.edxml')]);
  assert.equal(r.status, 0, r.stderr);
  j = JSON.parse(r.stdout);
  assert.equal(j.kind, 'status');
  assert.equal(j.status_code, '05');
  assert.equal(j.description, 'Đang xử lý văn bản đến');
  assert.equal(j.response_for.document_id, '000.00.00.G22,2015/09/30,7816/VPCP-TTĐT');
  assert.equal(j.timestamp, '2015-09-20T11:08:36');
});

test('parse: a hostile envelope is refused with its reason', (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, 'laughs.edxml');
  fs.writeFileSync(file, '<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY a "aaaaaaaaaa">' +
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>' +
    '<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&c;</edXML>');
  let r = motcua(['edxml', 'parse', file]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /DOCTYPE.*\(doctype_refused\)/);
  fs.writeFileSync(file, '<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope>' +
    '<edXMLHeader><MessageHeader><From><OrganId>1</OrganId></From></MessageHeader></edXMLHeader>' +
    '</edXMLEnvelope></edXML>');
  r = motcua(['edxml', 'parse', file]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /thiếu phần tử bắt buộc To\. \(missing_field\)/);
});

test('sign with a demo seal: xmlsec1 and motcua verify it; one byte of Subject changed, both refuse', (t) => {
  const dataDir = initDataDir();
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const dir = tmpDir(t);
  const root = path.join(dir, 'root.pem');
  fs.writeFileSync(root, sqlValue(dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
  const signed = path.join(dir, 'signed.edxml');
  const before = snapshot(dataDir);

  let r = motcua(['edxml', 'sign', '--data', dataDir, '--unit', PROVINCE,
    path.join(DATA, 'new-document.edxml'), signed]);
  assert.equal(r.status, 0, r.stderr);
  assertUnchanged(dataDir, before, [], 'signing changes nothing in the data directory');

  r = xmlsec1Verify(root, signed);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^OK$/m);

  r = motcua(['edxml', 'verify', '--data', dataDir, signed]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /VALID/);
  assert.match(r.stdout, /signer: CN=Ủy ban nhân dân tỉnh Thanh Hóa/);
  assert.match(r.stdout, /algorithm: (ecdsa|rsa)-sha256, digest sha256/);
  assert.doesNotMatch(r.stdout, /WEAK/);

  // the signed envelope still parses to the same document
  r = motcua(['edxml', 'parse', signed]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).subject, 'Báo cáo tài chính tỉnh');
  assert.equal(JSON.parse(r.stdout).has_signature, true);

  // without a data directory nothing is trusted
  r = motcua(['edxml', 'verify', signed]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\(untrusted\)/);

  // one byte of the Subject: "tỉnh" becomes "tỉnH"
  const bytes = fs.readFileSync(signed);
  const at = bytes.indexOf(Buffer.from('tỉnh</edXML:Subject>'));
  assert.ok(at > 0);
  const altered = Buffer.from(bytes);
  altered[at + Buffer.byteLength('tỉn')] = 'H'.charCodeAt(0);
  const alteredFile = path.join(dir, 'altered.edxml');
  fs.writeFileSync(alteredFile, altered);
  r = xmlsec1Verify(root, alteredFile);
  assert.notEqual(r.status, 0);
  r = motcua(['edxml', 'verify', '--data', dataDir, alteredFile]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /INVALID: .*\(digest_mismatch\)/);
  assertUnchanged(dataDir, before, [], 'verifying changes nothing');
});

test('sign: an unknown unit is refused and nothing is written', (t) => {
  const dataDir = initDataDir();
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const dir = tmpDir(t);
  const out = path.join(dir, 'out.edxml');
  const before = snapshot(dataDir);
  const r = motcua(['edxml', 'sign', '--data', dataDir, '--unit', '999.99.99.Z99',
    path.join(DATA, 'new-document.edxml'), out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown unit 999\.99\.99\.Z99/);
  assert.equal(fs.existsSync(out), false);
  assertUnchanged(dataDir, before);
});

test('verify: the real envelopes are refused with the reason, by motcua and by xmlsec1', (t) => {
  const dataDir = initDataDir();
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const dir = tmpDir(t);
  const root = path.join(dir, 'root.pem');
  fs.writeFileSync(root, sqlValue(dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
  for (const name of ['new-document.edxml', 'update-document.edxml']) {
    let r = motcua(['edxml', 'verify', '--data', dataDir, path.join(DATA, name)]);
    assert.equal(r.status, 1, name);
    assert.match(r.stderr, /INVALID: Phần tử Signature không thuộc không gian tên XMLDSig.*\(signature_not_xmldsig\)/);
    r = xmlsec1Verify(root, path.join(DATA, name));
    assert.notEqual(r.status, 0, name);
  }
  const r = motcua(['edxml', 'verify', '--data', dataDir, path.join(DATA, 'status-05.edxml')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\(no_signature\)/);
});
