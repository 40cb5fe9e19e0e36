// The bodies of official documents (docs/documents.md "Word bodies"): a Word file (DOCX) is
// made into a PDF by LibreOffice on the server; the PDF is the version's body (the one signed),
// and the DOCX is kept as it came, its hash on the version. The DOCX is written here by hand (a
// ZIP of three XML parts), with Vietnamese text whose diacritics must come through to the PDF
// (pdftotext). Refused, with the database unchanged: a file named .docx that is no ZIP, a
// damaged DOCX, an old .doc, a PDF with a password (and one with only an owner password: it
// cannot be signed either), a file over the 10 MB limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import {
  COMMUNE, COMMUNE2, Client, DEMO_OFFICERS, startServer, samplePdf, sqlValue, totp, expectRefused, officerSession as officer,
} from './lib/server.mjs';

/** A ZIP archive of files [{name, data}], stored (no compression), names in UTF-8. */
function zip(files) {
  const locals = [], centrals = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const crc = zlib.crc32(f.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(0, 8); local.writeUInt16LE(0, 10); local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14); local.writeUInt32LE(f.data.length, 18); local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26); local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8); central.writeUInt16LE(0, 10); central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14); central.writeUInt32LE(crc, 16); central.writeUInt32LE(f.data.length, 20);
    central.writeUInt32LE(f.data.length, 24); central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, f.data);
    centrals.push(central, name);
    offset += local.length + name.length + f.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(files.length, 8); end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A minimal DOCX (WordprocessingML): one paragraph per line. */
function docx(lines) {
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const xml = (s) => Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${s}`, 'utf8');
  return zip([
    { name: '[Content_Types].xml', data: xml('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      + '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      + '<Default Extension="xml" ContentType="application/xml"/>'
      + '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
      + '</Types>') },
    { name: '_rels/.rels', data: xml('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
      + '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
      + '</Relationships>') },
    { name: 'word/document.xml', data: xml('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
      + lines.map((l) => `<w:p><w:r><w:t xml:space="preserve">${esc(l)}</w:t></w:r></w:p>`).join('')
      + '</w:body></w:document>') },
  ]);
}

const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

test('document bodies: a DOCX made into the signed PDF with its Vietnamese text, the original kept; encrypted, damaged, old Word and oversized files refused', async (t) => {
  const srv = await startServer(t);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-bodies-'));
  t.after(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const id = (q) => Number(sqlValue(srv.dataDir, q));
  const unit = id(`SELECT id FROM units WHERE code = '${COMMUNE}'`);
  const leaderId = id(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`);
  const specialist = await officer(srv.url, DEMO_OFFICERS.specialist);
  const leader = await officer(srv.url, DEMO_OFFICERS.leader);
  const body = (docId, name, buf, type) => specialist.req('PUT', `/api/v1/documents/${docId}/body/${name}`, { body: buf, type });

  let r = await specialist.post('/api/v1/documents', {
    unit_id: unit, type: 'quyet_dinh', summary: 'Về việc thành lập Tổ công tác chuyển đổi số', signer_id: leaderId,
    signer_title: 'CHỦ TỊCH', recipients_internal: [COMMUNE2],
  });
  assert.equal(r.status, 201, r.text);
  const doc = r.json.document;

  // The Word body: 200, a PDF body, the DOCX's hash on the version.
  const lines = ['QUYẾT ĐỊNH', 'Về việc thành lập Tổ công tác chuyển đổi số phường Hạc Thành',
    'Điều 1. Thành lập Tổ công tác gồm các ông, bà có tên sau đây.'];
  const word = docx(lines);
  r = await body(doc.id, 'du-thao-quyet-dinh.docx', word, DOCX_TYPE);
  assert.equal(r.status, 200, r.text);
  const v = r.json.document.versions;
  assert.equal(v.length, 1);
  assert.equal(v[0].source_sha256, sha256(word));
  assert.notEqual(v[0].sha256, sha256(word));
  assert.equal(r.json.document.sha256, v[0].sha256);
  // The original is in the file store as it came.
  const kept = path.join(srv.dataDir, 'files', sha256(word).slice(0, 2), sha256(word));
  assert.deepEqual(fs.readFileSync(kept), word);
  // The body is the PDF, with the text and its diacritics.
  r = await specialist.get(`/api/v1/documents/${doc.id}/file`);
  assert.equal(r.status, 200);
  assert.equal(r.buf.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.equal(sha256(r.buf), v[0].sha256);
  const pdfPath = path.join(scratch, 'body.pdf');
  fs.writeFileSync(pdfPath, r.buf);
  const text = spawnSync('pdftotext', ['-enc', 'UTF-8', pdfPath, '-'], { encoding: 'utf8' });
  assert.equal(text.status, 0, text.stderr);
  const flat = text.stdout.replace(/\s+/g, ' ');
  for (const l of lines) assert.ok(flat.includes(l), `"${l}" in the PDF's text: ${flat}`);
  // It signs like any PDF body.
  assert.equal((await specialist.post(`/api/v1/documents/${doc.id}/submit`, {})).status, 200);
  assert.equal((await leader.post(`/api/v1/documents/${doc.id}/review`, { decision: 'return', comment: 'Sửa Điều 1.' })).status, 200);

  // Refusals, nothing recorded: a .docx that is no ZIP, a damaged DOCX, an old .doc.
  await expectRefused(srv, () => body(doc.id, 'du-thao.docx', Buffer.from('Quyết định, không phải tệp Word'), DOCX_TYPE),
    { status: 415, code: 'docx_invalid', field: 'du-thao.docx' });
  await expectRefused(srv, () => body(doc.id, 'hong.docx', Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), crypto.randomBytes(2000)]), DOCX_TYPE),
    { status: 422, code: 'convert_failed' });
  await expectRefused(srv, () => body(doc.id, 'cu.doc', Buffer.from('\xd0\xcf\x11\xe0', 'latin1'), 'application/msword'),
    { status: 415, code: 'doc_not_supported', field: 'name' });
  await expectRefused(srv, () => body(doc.id, 'du-thao.pdf', word, DOCX_TYPE),
    { status: 422, code: 'extension_mismatch' });

  // A PDF with a password, and one with only an owner password (it opens, but cannot be
  // signed as it is): both refused by name.
  const plain = path.join(scratch, 'plain.pdf');
  fs.writeFileSync(plain, samplePdf('Du thao co mat khau'));
  for (const [user, file] of [['mat-khau', 'khoa.pdf'], ['', 'han-che.pdf']]) {
    const out = path.join(scratch, file);
    const q = spawnSync('qpdf', ['--encrypt', user, 'chu-so-huu', '256', '--', plain, out], { encoding: 'utf8' });
    assert.equal(q.status, 0, q.stderr);
    await expectRefused(srv, () => body(doc.id, file, fs.readFileSync(out), 'application/pdf'),
      { status: 422, code: 'pdf_encrypted', field: file });
  }

  // Over 10 MB: refused from its Content-Length, a PDF or a Word file.
  const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x20);
  big.write('%PDF-1.4\n', 0, 'latin1');
  await expectRefused(srv, () => body(doc.id, 'lon.pdf', big, 'application/pdf'), { status: 413, code: 'file_too_large' });
  big.write('PK\x03\x04', 0, 'latin1');
  await expectRefused(srv, () => body(doc.id, 'lon.docx', big, DOCX_TYPE), { status: 413, code: 'file_too_large' });

  // After the refusals the returned draft still takes a new Word body.
  r = await body(doc.id, 'du-thao-2.docx', docx([...lines, 'Điều 2. Tổ công tác tự giải thể sau khi hoàn thành nhiệm vụ.']), DOCX_TYPE);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.document.versions.length, 2);
});
