// API tests: attachments of a draft dossier: upload (raw body with the file's
// Content-Type, checked against the content), replace, download, delete, and the limits.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  startServer, Client, newCitizen, samplePdf, samplePng, sampleJpeg, sql, sqlValue,
  expectRefused, assertError, parseLocalIso, BIRTH, COMMUNE,
} from './lib/server.mjs';

let srv;
before(async () => { srv = await startServer(null); });
after(() => srv && srv.stop());

const D = '/api/v1/dossiers';
const MiB = 1024 * 1024;
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

/** Every file under DATA/files, as "xx/sha..." paths, sorted. */
function storedFiles(dataDir) {
  const root = path.join(dataDir, 'files');
  if (!fs.existsSync(root)) return [];
  const out = [];
  for (const d of fs.readdirSync(root)) {
    const p = path.join(root, d);
    if (fs.statSync(p).isDirectory()) for (const f of fs.readdirSync(p)) out.push(`${d}/${f}`);
    else out.push(d);
  }
  return out.sort();
}

async function draft(c) {
  const r = await c.post(D, { procedure_code: BIRTH, unit_code: COMMUNE });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

const put = (c, id, name, body, type, doc) =>
  c.req('PUT', `${D}/${id}/files/${name}${doc ? `?document=${doc}` : ''}`, { body, type });

/** A refused upload: the database and the file store are exactly as before. */
async function refusedUpload(id, send, expect) {
  const files = storedFiles(srv.dataDir);
  const r = await expectRefused(srv, send, expect, [`SELECT * FROM dossier_files WHERE dossier_id = ${id} ORDER BY id`, `SELECT * FROM dossiers WHERE id = ${id}`]);
  assert.deepEqual(storedFiles(srv.dataDir), files, 'a refused upload leaves no file behind');
  return r;
}

test('upload PDF, PNG and JPEG: 201 with the file record, stored by SHA-256, downloadable', async () => {
  const c = await newCitizen(srv.url);
  const id = await draft(c);
  const samples = [
    ['giay-chung-sinh.pdf', samplePdf(), 'application/pdf', 'giay_chung_sinh'],
    ['ket_hon.PNG', samplePng(), 'image/png', 'giay_chung_nhan_ket_hon'],
    ['uy-quyen.v2.jpg', sampleJpeg(), 'image/jpeg', 'van_ban_uy_quyen'],
    ['khac.PDF', samplePdf('tai lieu khac'), 'application/pdf', undefined],
    ['anh-chup.JPEG', Buffer.concat([sampleJpeg(), Buffer.from('x')]), 'image/jpeg', undefined],
  ];
  for (const [name, body, type, doc] of samples) {
    const r = await put(c, id, name, body, type, doc);
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json, { file: { name, document: doc || '', size: body.length, content_type: type, sha256: sha(body) } });
    const [row] = sql(srv.dataDir, `SELECT * FROM dossier_files WHERE dossier_id = ${id} AND name = '${name}'`);
    assert.equal(row.sha256, sha(body));
    assert.equal(row.size, body.length);
    assert.equal(row.content_type, type);
    assert.equal(row.document_key, doc || '');
    const onDisk = path.join(srv.dataDir, 'files', sha(body).slice(0, 2), sha(body));
    assert.ok(fs.readFileSync(onDisk).equals(body), 'the stored file has the uploaded bytes');

    const g = await c.get(`${D}/${id}/files/${name}`);
    assert.equal(g.status, 200);
    assert.equal(g.headers.get('content-type'), type);
    assert.ok(g.buf.equals(body), 'download returns the same bytes');
    assert.match(g.headers.get('content-disposition') || '', new RegExp(`^attachment; filename="${name.replace(/\./g, '\\.')}"$`));
    assert.equal(g.headers.get('x-content-type-options'), 'nosniff');
  }
  const d = (await c.get(`${D}/${id}`)).json;
  assert.deepEqual(d.files.map((f) => [f.name, f.document, f.size, f.content_type, f.sha256]),
    samples.map(([name, body, type, doc]) => [name, doc || '', body.length, type, sha(body)]));
  for (const f of d.files) parseLocalIso(f.uploaded_at);
  assert.equal(sqlValue(srv.dataDir, `SELECT count(*) FROM audit_log WHERE action = 'dossier.file.add' AND object_id = '${id}'`), samples.length);
  // Not logged in: no download.
  assertError(await new Client(srv.url).get(`${D}/${id}/files/khac.PDF`), 401, 'unauthenticated');
});

test('upload under an existing name replaces the file; the same content is stored once', async () => {
  const c = await newCitizen(srv.url);
  const id = await draft(c);
  const a = samplePdf('ban thu nhat');
  const b = samplePdf('ban thu hai, dai hon');
  assert.equal((await put(c, id, 'giay.pdf', a, 'application/pdf', 'giay_chung_sinh')).status, 201);
  const r = await put(c, id, 'giay.pdf', b, 'application/pdf', 'van_ban_uy_quyen');
  assert.equal(r.status, 201, r.text);
  const rows = sql(srv.dataDir, `SELECT name, document_key, content_type, size, sha256 FROM dossier_files WHERE dossier_id = ${id}`);
  assert.deepEqual(rows, [{ name: 'giay.pdf', document_key: 'van_ban_uy_quyen', content_type: 'application/pdf', size: b.length, sha256: sha(b) }]);
  assert.ok((await c.get(`${D}/${id}/files/giay.pdf`)).buf.equals(b));
  // Same bytes under a second name: one stored file.
  const before = storedFiles(srv.dataDir);
  assert.equal((await put(c, id, 'ban-sao.pdf', b, 'application/pdf')).status, 201);
  assert.deepEqual(storedFiles(srv.dataDir), before);
});

test('DELETE a file: 204, gone from the dossier; unknown name -> 404', async () => {
  const c = await newCitizen(srv.url);
  const id = await draft(c);
  await put(c, id, 'a.pdf', samplePdf(), 'application/pdf', 'giay_chung_sinh');
  await put(c, id, 'b.png', samplePng(), 'image/png');
  const r = await c.del(`${D}/${id}/files/a.pdf`);
  assert.equal(r.status, 204, r.text);
  assert.equal(r.buf.length, 0);
  assert.deepEqual(sql(srv.dataDir, `SELECT name FROM dossier_files WHERE dossier_id = ${id}`), [{ name: 'b.png' }]);
  assert.deepEqual((await c.get(`${D}/${id}`)).json.files.map((f) => f.name), ['b.png']);
  assertError(await c.get(`${D}/${id}/files/a.pdf`), 404, 'not_found');
  assert.equal(sqlValue(srv.dataDir, `SELECT count(*) FROM audit_log WHERE action = 'dossier.file.remove' AND object_id = '${id}'`), 1);
  await refusedUpload(id, () => c.del(`${D}/${id}/files/a.pdf`), { status: 404, code: 'not_found' });
  await refusedUpload(id, () => c.del(`${D}/${id}/files/never.pdf`), { status: 404, code: 'not_found' });
  await refusedUpload(id, () => c.del(`${D}/${id}/files/b.png`, { csrf: false }), { status: 403, code: 'csrf' });
  await refusedUpload(id, () => new Client(srv.url).del(`${D}/${id}/files/b.png`), { status: 401, code: 'unauthenticated' });
  assertError(await c.get(`${D}/${id}/files/never.pdf`), 404, 'not_found');
});

test('upload size: exactly 10 MiB is accepted, one byte more -> 413, nothing stored', async () => {
  const c = await newCitizen(srv.url);
  const id = await draft(c);
  const head = samplePdf();
  const exact = Buffer.concat([head, Buffer.alloc(10 * MiB - head.length, 0x20)]);
  assert.equal(exact.length, 10 * MiB);
  const ok = await put(c, id, 'lon.pdf', exact, 'application/pdf', 'giay_chung_sinh');
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.file.size, 10 * MiB);
  const over = Buffer.concat([exact, Buffer.from(' ')]);
  await refusedUpload(id, () => put(c, id, 'qua-lon.pdf', over, 'application/pdf'), { status: 413, code: 'file_too_large' });
  await refusedUpload(id, () => put(c, id, 'lon.pdf', Buffer.concat([over, Buffer.alloc(MiB)]), 'application/pdf'), { status: 413, code: 'file_too_large' });
  assert.equal(sqlValue(srv.dataDir, `SELECT size FROM dossier_files WHERE dossier_id = ${id} AND name = 'lon.pdf'`), 10 * MiB, 'the earlier file is untouched');
});

test('upload content that is not PDF/PNG/JPEG, or does not match its Content-Type -> 415', async () => {
  const c = await newCitizen(srv.url);
  const id = await draft(c);
  const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');
  const zip = Buffer.from('PK\x03\x04\x14\x00\x00\x00', 'latin1');
  const html = Buffer.from('<!doctype html><script>alert(1)</script>');
  const cases = [
    [samplePng(), 'application/pdf'],
    [samplePdf(), 'image/png'],
    [sampleJpeg(), 'image/png'],
    [samplePng(), 'image/jpeg'],
    [html, 'text/html'],
    [html, 'application/pdf'],
    [gif, 'image/gif'],
    [gif, 'image/png'],
    [zip, 'application/zip'],
    [Buffer.from('hello'), 'text/plain'],
    [samplePdf(), 'application/octet-stream'],
    [samplePdf(), 'application/x-pdf'],
    [samplePdf(), 'application/pdfx'],
    [samplePng(), 'image/pngx'],
    [samplePdf(), 'application/json'],
    [samplePdf(), null], // no Content-Type at all
    [Buffer.from('%PDF'), 'application/pdf'], // too short to be a PDF header
    [Buffer.concat([Buffer.from(' '), samplePdf()]), 'application/pdf'], // the magic must come first
  ];
  for (const [body, type] of cases) {
    const what = `${body.subarray(0, 8).toString('latin1').replace(/[^\x20-\x7e]/g, '.')} as ${type}`;
    const r = await refusedUpload(id, () => put(c, id, 'tep.pdf', body, type, 'giay_chung_sinh'), { status: 415, code: 'unsupported_file_type', what });
    assert.ok(r.json.error.message.length > 0, `${type}: ${r.text}`);
  }
  // A charset-like parameter on the right type is fine.
  const ok = await put(c, id, 'ok.pdf', samplePdf(), 'application/pdf; name=ok.pdf', 'giay_chung_sinh');
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.file.content_type, 'application/pdf');
});

test('upload: bad file names -> 422 bad_file_name (or no route), nothing stored', async () => {
  const c = await newCitizen(srv.url);
  const id = await draft(c);
  const names = ['.hidden', '...pdf', 'a%20b.pdf', '%C3%A1.pdf', 'a'.repeat(101), 'a%5Cb.pdf', 'a%3Bb.pdf', 'a%22b.pdf',
    'a%3Cb%3E.pdf', 'a:b.pdf', 'a%2Bb.pdf', 'a%25b.pdf', 'a*b.pdf', 'a%09b.pdf', 'a%0Ab.pdf'];
  for (const name of names) {
    await refusedUpload(id, () => put(c, id, name, samplePdf(), 'application/pdf'), { status: 422, code: 'bad_file_name', field: 'name' });
  }
  // A slash (even encoded) is a path separator: no such route.
  for (const name of ['a%2Fb.pdf', '..%2F..%2Fetc%2Fpasswd', '%2E%2E%2Fx.pdf']) {
    await refusedUpload(id, () => put(c, id, name, samplePdf(), 'application/pdf'), { status: 404, code: 'not_found' });
  }
  await refusedUpload(id, () => put(c, id, 'a%00b.pdf', samplePdf(), 'application/pdf'), { status: 400, code: 'bad_path' });
  // 100 characters of the allowed set are fine.
  const longest = 'Aa0._-'.repeat(16) + '.pdf';
  assert.equal(longest.length, 100);
  const r = await put(c, id, longest, samplePdf(), 'application/pdf');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.file.name, longest);
});

// Regression (issue 7): a PDF named x.exe or scan.png was accepted, and would be downloaded
// under that name.
test("upload: the name's extension must be the content's -> 422 extension_mismatch, nothing stored", async () => {
  const c = await newCitizen(srv.url);
  const id = await draft(c);
  const cases = [
    ['x.exe', samplePdf(), 'application/pdf', /PDF.*\.pdf/],
    ['scan.png', samplePdf(), 'application/pdf', /PDF.*\.pdf/],
    ['giay', samplePdf(), 'application/pdf', /PDF.*\.pdf/], // no extension
    ['giay.pdf.exe', samplePdf(), 'application/pdf', /PDF.*\.pdf/],
    ['giay.p', samplePdf(), 'application/pdf', /PDF.*\.pdf/],
    ['anh.pdf', samplePng(), 'image/png', /PNG.*\.png/],
    ['anh.jpg', samplePng(), 'image/png', /PNG.*\.png/],
    ['anh.png', sampleJpeg(), 'image/jpeg', /JPEG.*\.jpg.*\.jpeg/],
    ['anh.jpe', sampleJpeg(), 'image/jpeg', /JPEG.*\.jpg.*\.jpeg/],
    ['anh.html', sampleJpeg(), 'image/jpeg', /JPEG/],
  ];
  for (const [name, body, type, message] of cases) {
    const r = await refusedUpload(id, () => put(c, id, name, body, type, 'giay_chung_sinh'), { status: 422, code: 'extension_mismatch', field: name, what: name });
    assert.match(r.json.error.message, message, name);
  }
  // Any case of the right extension is fine, and .jpeg as well as .jpg.
  for (const [name, body, type] of [['GIAY.Pdf', samplePdf(), 'application/pdf'], ['anh.JPG', sampleJpeg(), 'image/jpeg'],
    ['anh.jpeg', sampleJpeg(), 'image/jpeg'], ['anh.pNg', samplePng(), 'image/png']]) {
    const r = await put(c, id, name, body, type);
    assert.equal(r.status, 201, `${name}: ${r.text}`);
  }
  // Content that is not a PDF, JPEG or PNG stays 415, whatever the name.
  await refusedUpload(id, () => put(c, id, 'x.exe', Buffer.from('MZ\x90\x00', 'latin1'), 'application/octet-stream'), { status: 415, code: 'unsupported_file_type' });
});

test('upload: unknown document key -> 422, empty file -> 422, CSRF and login required', async () => {
  const c = await newCitizen(srv.url);
  const id = await draft(c);
  for (const doc of ['khong_co', 'giay_bao_tu' /* another procedure's */, 'x'.repeat(65), 'GIAY_CHUNG_SINH']) {
    await refusedUpload(id, () => put(c, id, 'a.pdf', samplePdf(), 'application/pdf', doc), { status: 422, code: 'unknown_document', field: 'document' });
  }
  await refusedUpload(id, () => put(c, id, 'a.pdf', Buffer.alloc(0), 'application/pdf', 'giay_chung_sinh'), { status: 422, code: 'empty_file' });
  await refusedUpload(id, () => c.req('PUT', `${D}/${id}/files/a.pdf`, { body: samplePdf(), type: 'application/pdf', csrf: false }), { status: 403, code: 'csrf' });
  await refusedUpload(id, () => new Client(srv.url).req('PUT', `${D}/${id}/files/a.pdf`, { body: samplePdf(), type: 'application/pdf' }), { status: 401, code: 'unauthenticated' });
  await refusedUpload(id, () => put(c, 99999, 'a.pdf', samplePdf(), 'application/pdf'), { status: 404, code: 'not_found' });
});

test('a dossier holds at most 30 files; a replacement is still allowed at the limit', async () => {
  const c = await newCitizen(srv.url);
  const id = await draft(c);
  for (let i = 1; i <= 30; i++) {
    const r = await put(c, id, `tep-${i}.png`, samplePng(), 'image/png');
    assert.equal(r.status, 201, `file ${i}: ${r.text}`);
  }
  await expectRefused(srv, () => put(c, id, 'tep-31.png', samplePng(), 'image/png'), { status: 422, code: 'too_many_files' },
    [`SELECT * FROM dossier_files WHERE dossier_id = ${id} ORDER BY id`]);
  const again = await put(c, id, 'tep-30.png', Buffer.concat([samplePng(), Buffer.from('thay')]), 'image/png');
  assert.equal(again.status, 201, again.text);
  assert.equal(sqlValue(srv.dataDir, `SELECT count(*) FROM dossier_files WHERE dossier_id = ${id}`), 30);
});

test('a dossier holds at most 100 MiB of files in all -> 413 dossier_too_large', async () => {
  const c = await newCitizen(srv.url);
  const id = await draft(c);
  const head = samplePdf();
  const ten = Buffer.concat([head, Buffer.alloc(10 * MiB - head.length, 0x20)]);
  for (let i = 1; i <= 10; i++) {
    const r = await put(c, id, `lon-${i}.pdf`, ten, 'application/pdf');
    assert.equal(r.status, 201, `file ${i}: ${r.text}`);
  }
  await expectRefused(srv, () => put(c, id, 'them.png', samplePng(), 'image/png'), { status: 413, code: 'dossier_too_large' },
    [`SELECT * FROM dossier_files WHERE dossier_id = ${id} ORDER BY id`]);
  // Replacing one by a smaller file is fine.
  const r = await put(c, id, 'lon-10.pdf', samplePdf(), 'application/pdf');
  assert.equal(r.status, 201, r.text);
  assert.equal((await put(c, id, 'them.png', samplePng(), 'image/png')).status, 201);
});
