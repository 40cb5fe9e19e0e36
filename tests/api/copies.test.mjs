// Certified copies from originals (chứng thực bản sao từ bản chính, docs/certified-copies.md):
// the desk registers a dossier of the certification procedure with the scan of the original,
// the leader (who holds copy.certify and a personal key in the demo data) issues the copy.
// Checked by tools no one here wrote: pdfsig (poppler) with an NSS database that trusts the
// demo root read from trust_anchors says both signatures (the official's, then the seal) are
// valid and trusted; pdftotext finds the statement with the register number; the QR code,
// rendered by pdftoppm and read by zbarimg, is the verification page of the issued document.
// The register numbers run 1, 2, 3 with no gap and no duplicate, also when copies are issued
// at the same moment. Reuse by code: the holder attaches their copy to a later dossier; anyone
// else's code, an unknown one and a malformed one are refused alike with nothing changed.
// Refusals (an officer of another unit, a role without the permission, an officer without a
// personal key, damaged, tiny and huge scans, a file that is not a scan) change nothing, and
// use no number.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  COMMUNE, COMMUNE2, Client, startServer, newCitizen, readyBirthDraft, expectRefused, assertError,
  sql, sqlValue, motcua, totp, DEMO_OFFICERS, samplePdf, officerSession as officer,
} from './lib/server.mjs';
import { nssTrusting } from './lib/pdf.mjs';

const CERTIFY = '2.000815.000.00.00.H56'; // Chứng thực bản sao từ bản chính
const FEE = 2000; // data/procedures.json: 2.000 đồng (the procedure's fee, flat)
const DEMO = DEMO_OFFICERS;
const YEAR = new Date(Date.now() + 7 * 3600e3).getUTCFullYear(); // Vietnam's year
const BOOK = `01/${YEAR}-SCT/BS`;
const STATEMENT = 'Chứng thực bản sao này đúng với bản chính.';

let dir; // NSS database, downloads

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120000, ...opts });
  if (r.error) throw r.error;
  return r;
}

function ok(cmd, args, opts) {
  const r = run(cmd, args, opts);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-copies-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// --- images, written here ----------------------------------------------------------------

const CRC = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** An RGB PNG of w x h: white paper with dark "lines of text"; header only when huge. */
function png(w, h, { headerOnly = false, truncate = false } = {}) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (!headerOnly) {
    const raw = Buffer.alloc((w * 3 + 1) * h, 0xff);
    for (let y = 0; y < h; y++) {
      raw[y * (w * 3 + 1)] = 0;
      if (y % 40 < 6 && y > 60 && y < h - 60) {
        for (let x = 60; x < w - 60; x++) raw.fill(0x30, y * (w * 3 + 1) + 1 + x * 3, y * (w * 3 + 1) + 4 + x * 3);
      }
    }
    let z = zlib.deflateSync(raw);
    if (truncate) z = z.subarray(0, Math.floor(z.length / 2));
    parts.push(chunk('IDAT', z));
  }
  parts.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

// --- people and dossiers -------------------------------------------------------------------

/** An officer added with the CLI (no TOTP), logged in. */
async function addOfficer(srv, login, role, unit) {
  const r = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', login, '--name', `Cán bộ ${login}`,
    '--password', 'mat-khau-can-bo', '--role', role, '--unit', unit, '--no-totp']);
  assert.equal(r.status, 0, r.stderr);
  const c = new Client(srv.url);
  await c.login(login, 'mat-khau-can-bo');
  return c;
}

function certifyForm(over = {}) {
  return {
    requester_name: 'Lê Văn Hùng',
    requester_id_number: '038090012345',
    requester_phone: '0903123456',
    document_name: 'Bằng tốt nghiệp trung học phổ thông',
    pages: 1,
    copies_requested: 1,
    ...over,
  };
}

const act = (c, id, action, body = {}) => c.post(`/api/v1/staff/dossiers/${id}/actions/${action}`, body);
const TYPES = { pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg' };

/**
 * A walk-in dossier of the certification procedure registered by the desk with the given
 * scans ({name: bytes}) and submitted: received at once. Returns its JSON.
 */
async function walkIn(desk, scans, applicantId = '038090012345') {
  let r = await desk.post('/api/v1/staff/dossiers', {
    procedure_code: CERTIFY, unit_code: COMMUNE, channel: 'desk',
    applicant: { citizen_id: applicantId, name: 'Lê Văn Hùng', phone: '0903123456', address: 'Số 12 phố Lê Lợi' },
  });
  assert.equal(r.status, 201, r.text);
  const id = r.json.id;
  r = await desk.put(`/api/v1/staff/dossiers/${id}/form`, certifyForm({ requester_id_number: applicantId }));
  assert.equal(r.status, 200, r.text);
  for (const [name, bytes] of Object.entries(scans)) {
    r = await desk.req('PUT', `/api/v1/staff/dossiers/${id}/files/${name}?document=ban_chinh`, { body: bytes, type: TYPES[name.split('.').pop()] });
    assert.equal(r.status, 201, r.text);
  }
  r = await desk.post(`/api/v1/staff/dossiers/${id}/submit`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status.code, 2);
  return r.json;
}

const issue = (c, id, files, over = {}) => c.post(`/api/v1/staff/dossiers/${id}/certified-copies`, {
  files, title: 'Bằng tốt nghiệp trung học phổ thông', original_checked: true, ...over,
});

// --- the checks by other tools -------------------------------------------------------------

/** An NSS database that trusts the demo root of the data directory (trust_anchors). */
function nssFor(dataDir) {
  const nss = path.join(dir, `nss-${path.basename(dataDir)}`);
  if (fs.existsSync(nss)) return nss;
  fs.mkdirSync(nss);
  const root = path.join(nss, 'root.pem');
  fs.writeFileSync(root, sqlValue(dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
  nssTrusting(nss, root);
  return nss;
}

function pdfsig(nss, file) {
  const r = run('pdfsig', ['-nssdir', nss, file]);
  return r.stdout.split(/^Signature #\d+:$/m).slice(1).map((s) => ({
    valid: s.includes('Signature Validation: Signature is Valid.'),
    trusted: s.includes('Certificate Validation: Certificate is Trusted.'),
    name: (/Signer Certificate Common Name: (.*)$/m.exec(s) || [])[1],
    text: s,
  }));
}

function qrOf(file, page) {
  const prefix = path.join(dir, `page-${path.basename(file)}`);
  ok('pdftoppm', ['-r', '200', '-f', String(page), '-l', String(page), '-png', file, prefix]);
  const img = fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(prefix))).map((f) => path.join(dir, f))[0];
  const z = run('zbarimg', ['--raw', '-q', img]);
  fs.rmSync(img);
  return z.stdout.trim();
}

async function download(c, url, name) {
  const r = await c.get(url);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  const file = path.join(dir, name);
  fs.writeFileSync(file, r.buf);
  return file;
}

// --- tests -----------------------------------------------------------------------------

test('copies from a PNG and from a PDF scan: statement, register numbers 1 and 2, two valid signatures, the QR, the fee', async (t) => {
  const srv = await startServer(t);
  const desk = await officer(srv.url, DEMO.reception);
  const leader = await officer(srv.url, DEMO.leader);
  const specialist = await officer(srv.url, DEMO.specialist);
  const d = await walkIn(desk, { 'ban-chinh.png': png(1240, 1754), 'ban-chinh.pdf': samplePdf('Bang tot nghiep - ban quet') });

  // The officer's list says who may certify.
  let r = await leader.get(`/api/v1/staff/dossiers/${d.id}/certified-copies`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { items: [], certification: true, may_certify: true });
  assert.deepEqual((await desk.get(`/api/v1/staff/dossiers/${d.id}/certified-copies`)).json, { items: [], certification: true, may_certify: false });

  // From the PNG.
  r = await issue(leader, d.id, ['ban-chinh.png'], { signer_title: 'PHÓ CHỦ TỊCH' });
  assert.equal(r.status, 201, r.text);
  const first = r.json.copy;
  assert.equal(first.number, 1);
  assert.equal(first.book, BOOK);
  assert.equal(first.year, YEAR);
  assert.equal(first.pages, 1);
  assert.equal(first.title, 'Bằng tốt nghiệp trung học phổ thông');
  assert.match(first.code, /^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$/);
  assert.match(first.public_id, /^[a-z2-7]{20}$/);
  assert.equal(first.state, 'signed', 'timestamped by the data directory\'s TSA');
  assert.deepEqual(r.json.copy.signers.map((s) => s.role), ['official', 'seal']);

  const nss = nssFor(srv.dataDir);
  const f1 = await download(leader, `/api/v1/staff/dossiers/${d.id}/certified-copies/${first.id}/file`, 'first.pdf');
  let sigs = pdfsig(nss, f1);
  assert.equal(sigs.length, 2, `two signatures:\n${sigs.map((s) => s.text).join('\n')}`);
  for (const s of sigs) {
    assert.ok(s.valid, `signature valid:\n${s.text}`);
    assert.ok(s.trusted, `certificate trusted:\n${s.text}`);
  }
  assert.equal(sigs[0].name, DEMO.leader.name);
  assert.equal(sigs[1].name, 'Phường Hạc Thành');
  const text = ok('pdftotext', ['-layout', f1, '-']).stdout;
  assert.ok(text.includes(STATEMENT), `the statement: ${text}`);
  assert.ok(text.includes(`Số chứng thực: 1, Quyển số: ${BOOK}`), `the register number: ${text}`);
  assert.match(text, /Phường Hạc Thành, ngày \d{2} tháng \d{2} năm \d{4}/);
  assert.equal(qrOf(f1, 1), `${srv.url}/xac-thuc/${first.public_id}`);

  // From the PDF: the scan's bytes are kept (signed by incremental update).
  r = await issue(leader, d.id, ['ban-chinh.pdf']);
  assert.equal(r.status, 201, r.text);
  const second = r.json.copy;
  assert.equal(second.number, 2);
  assert.equal(second.book, BOOK);
  const f2 = await download(leader, `/api/v1/staff/dossiers/${d.id}/certified-copies/${second.id}/file`, 'second.pdf');
  const scan = samplePdf('Bang tot nghiep - ban quet');
  assert.ok(fs.readFileSync(f2).subarray(0, scan.length).equals(scan), 'the scan is the first revision, unchanged');
  sigs = pdfsig(nss, f2);
  assert.equal(sigs.length, 2);
  for (const s of sigs) assert.ok(s.valid && s.trusted, s.text);
  assert.equal(qrOf(f2, 1), `${srv.url}/xac-thuc/${second.public_id}`, 'the QR drawn with the officer\'s signature');
  assert.ok(ok('pdftotext', [f2, '-']).stdout.includes('Bang tot nghiep - ban quet'), 'the scan\'s own text is still there');

  // The records: the register, the issued documents, the audit.
  const rows = sql(srv.dataDir, `SELECT c.number, c.book, c.year, c.pages, c.title, c.holder_id_number, c.officer_id,
      i.kind, i.ref, i.state, i.public_id, i.sha256, i.unit_id FROM certified_copies c JOIN issued_documents i ON i.id = c.issued_id
      WHERE c.dossier_id = ${d.id} ORDER BY c.number`);
  assert.deepEqual(rows.map((x) => [x.number, x.book, x.kind, x.ref, x.state]), [
    [1, BOOK, 'certified_copy', `Số chứng thực 1, quyển số ${BOOK}`, 'signed'],
    [2, BOOK, 'certified_copy', `Số chứng thực 2, quyển số ${BOOK}`, 'signed'],
  ]);
  assert.equal(rows[0].holder_id_number, '038090012345', 'the ID number shown at the desk');
  assert.equal(rows[0].public_id, first.public_id);
  assert.equal(rows[0].sha256, ok('sha256sum', [f1]).stdout.split(' ')[0]);
  assert.equal(sqlValue(srv.dataDir, "SELECT count(*) FROM audit_log WHERE action = 'copy.certify'"), 2);

  // The list.
  r = await leader.get(`/api/v1/staff/dossiers/${d.id}/certified-copies`);
  assert.deepEqual(r.json.items.map((x) => [x.number, x.officer, x.sources.map((s) => s.name)]),
    [[1, DEMO.leader.name, ['ban-chinh.png']], [2, DEMO.leader.name, ['ban-chinh.pdf']]]);

  // The fee is the procedure's, through the payment flow.
  r = await act(leader, d.id, 'assign', { assignee: DEMO.specialist.login });
  assert.equal(r.status, 200, r.text);
  r = await specialist.post(`/api/v1/staff/dossiers/${d.id}/payment-request`, { note: 'Lệ phí chứng thực bản sao' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.payment.amount, FEE);
  // While the dossier waits for its fee, no copy is issued.
  await expectRefused(srv, () => issue(leader, d.id, ['ban-chinh.png']), { status: 409, code: 'wrong_state' });
});

test('copies issued at the same moment get consecutive numbers, none twice', async (t) => {
  const srv = await startServer(t, { loops: 2 });
  const desk = await officer(srv.url, DEMO.reception);
  const leader = await officer(srv.url, DEMO.leader);
  const a = await walkIn(desk, { 'a.png': png(800, 1100) });
  const b = await walkIn(desk, { 'b.png': png(1100, 800) }, '038190054321');
  const n = 6;
  const rs = await Promise.all(Array.from({ length: n }, (_, i) => issue(leader, i % 2 ? b.id : a.id, [i % 2 ? 'b.png' : 'a.png'])));
  for (const r of rs) assert.equal(r.status, 201, r.text);
  const numbers = rs.map((r) => r.json.copy.number).sort((x, y) => x - y);
  assert.deepEqual(numbers, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(sql(srv.dataDir, 'SELECT number FROM certified_copies ORDER BY number').map((x) => x.number), [1, 2, 3, 4, 5, 6]);
  assert.equal(sqlValue(srv.dataDir, "SELECT count(*) FROM issued_documents WHERE kind = 'certified_copy'"), n);
  // A landscape scan makes a landscape page.
  const land = rs.find((r, i) => i % 2 === 1).json.copy;
  const f = await download(leader, `/api/v1/staff/dossiers/${b.id}/certified-copies/${land.id}/file`, 'land.pdf');
  assert.match(ok('pdfinfo', [f]).stdout, /Page size:\s+841\.89 x 595\.28 pts/);
});

test('refusals change nothing and use no number: another unit, no permission, no personal key, bad scans', async (t) => {
  const srv = await startServer(t);
  const desk = await officer(srv.url, DEMO.reception);
  const leader = await officer(srv.url, DEMO.leader);
  const specialist = await officer(srv.url, DEMO.specialist);
  const admin = await officer(srv.url, DEMO.province_admin);
  const other = await addOfficer(srv, 'lanhdao.khac', 'leader', COMMUNE2);
  const huge = png(20000, 20000, { headerOnly: true });
  const d = await walkIn(desk, {
    'scan.png': png(900, 1200),
    'hong.pdf': Buffer.from('%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <<>>\n%%EOF\n', 'latin1'),
    'hong.png': png(900, 1200, { truncate: true }),
    'nho.png': png(40, 40),
    'lon.png': huge,
    'a.pdf': samplePdf(),
  });
  const url = `/api/v1/staff/dossiers/${d.id}/certified-copies`;
  // Another commune's leader does not see the dossier; the specialist may not certify.
  await expectRefused(srv, () => issue(other, d.id, ['scan.png']), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => other.get(url), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => issue(specialist, d.id, ['scan.png']), { status: 403, code: 'forbidden' });
  await expectRefused(srv, () => issue(desk, d.id, ['scan.png']), { status: 403, code: 'forbidden' });
  // The province's admin may certify there but has no personal key: the key store's reason.
  let r = await expectRefused(srv, () => issue(admin, d.id, ['scan.png']), { status: 409, code: 'no_certificate' });
  assert.match(r.json.error.message, /chứng thư số/);
  // The request itself.
  await expectRefused(srv, () => issue(leader, d.id, ['scan.png'], { original_checked: false }), { status: 422, code: 'original_not_checked', field: 'original_checked' });
  await expectRefused(srv, () => issue(leader, d.id, []), { status: 422, code: 'invalid', field: 'files' });
  await expectRefused(srv, () => issue(leader, d.id, ['khong-co.png']), { status: 404, code: 'scan_not_found', field: 'files' });
  await expectRefused(srv, () => issue(leader, d.id, ['scan.png', 'a.pdf']), { status: 422, code: 'mixed_scans', field: 'files' });
  await expectRefused(srv, () => issue(leader, d.id, ['scan.png', 'scan.png']), { status: 422, code: 'duplicate_scan', field: 'files' });
  await expectRefused(srv, () => issue(leader, d.id, ['scan.png'], { title: '' }), { status: 422, code: /./, field: 'title' });
  // Bad scans.
  await expectRefused(srv, () => issue(leader, d.id, ['hong.pdf']), { status: 422, code: 'scan_unreadable', field: 'files' });
  await expectRefused(srv, () => issue(leader, d.id, ['hong.png']), { status: 422, code: 'scan_unreadable', field: 'files' });
  await expectRefused(srv, () => issue(leader, d.id, ['nho.png']), { status: 422, code: 'scan_too_small', field: 'files' });
  await expectRefused(srv, () => issue(leader, d.id, ['scan.png', 'lon.png']), { status: 413, code: 'scan_too_large', field: 'files' });
  // A file that is no scan never gets into the dossier (the upload's own check)...
  const draft = await desk.post('/api/v1/staff/dossiers', {
    procedure_code: CERTIFY, unit_code: COMMUNE, channel: 'desk', applicant: { name: 'Lê Văn Hùng', phone: '0903123456' },
  });
  assert.equal(draft.status, 201, draft.text);
  await expectRefused(srv, () => desk.req('PUT', `/api/v1/staff/dossiers/${draft.json.id}/files/ban-chinh.png?document=ban_chinh`,
    { body: Buffer.from('MZ\x90\x00 not an image at all', 'latin1'), type: 'image/png' }), { status: 415, code: 'unsupported_file_type' });
  await expectRefused(srv, () => desk.req('PUT', `/api/v1/staff/dossiers/${draft.json.id}/files/to.pdf?document=ban_chinh`,
    { body: Buffer.concat([samplePdf(), Buffer.alloc(10 * 1024 * 1024)]), type: 'application/pdf' }), { status: 413, code: 'file_too_large' });
  // ... and a dossier of another procedure makes no copy.
  const birth = await (async () => {
    const c = await newCitizen(srv.url);
    const dr = await readyBirthDraft(c);
    const s = await c.post(`/api/v1/dossiers/${dr.id}/submit`, {});
    assert.equal(s.status, 200, s.text);
    assert.equal((await act(desk, dr.id, 'accept')).status, 200);
    return dr;
  })();
  await expectRefused(srv, () => issue(leader, birth.id, ['giay-chung-sinh.pdf']), { status: 409, code: 'not_a_certification' });
  assert.deepEqual((await leader.get(`/api/v1/staff/dossiers/${birth.id}/certified-copies`)).json, { items: [], certification: false, may_certify: false });

  // No number was used: the next copy is the first.
  r = await issue(leader, d.id, ['scan.png']);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.copy.number, 1);

  // The seal revoked: the key store's reason, nothing recorded.
  const seal = sqlValue(srv.dataDir, `SELECT k.id FROM signing_keys k JOIN units u ON u.id = k.unit_id
    WHERE u.code = '${COMMUNE}' AND k.kind = 'seal' AND k.revoked_at IS NULL`);
  const rv = motcua(['key', 'revoke', '--data', srv.dataDir, '--id', String(seal), '--reason', 'Mất thiết bị']);
  assert.equal(rv.status, 0, rv.stderr);
  r = await expectRefused(srv, () => issue(leader, d.id, ['scan.png']), { status: 409, code: 'certificate_revoked' });
  assert.match(r.json.error.message, /thu hồi/);
});

test('reuse by code: the holder attaches the copy to a later dossier; other codes are refused alike; the desk for the person present', async (t) => {
  const srv = await startServer(t);
  const desk = await officer(srv.url, DEMO.reception);
  const leader = await officer(srv.url, DEMO.leader);
  const specialist = await officer(srv.url, DEMO.specialist);
  const holder = await newCitizen(srv.url);
  const stranger = await newCitizen(srv.url);

  // The holder asks online; the desk receives; the leader certifies; the result goes back.
  let r = await holder.post('/api/v1/dossiers', { procedure_code: CERTIFY, unit_code: COMMUNE });
  assert.equal(r.status, 201, r.text);
  const src = r.json.id;
  r = await holder.put(`/api/v1/dossiers/${src}/form`, certifyForm({ requester_id_number: holder.person.citizen_id }));
  assert.equal(r.status, 200, r.text);
  r = await holder.req('PUT', `/api/v1/dossiers/${src}/files/ban-quet.png?document=ban_chinh`, { body: png(1000, 1400), type: 'image/png' });
  assert.equal(r.status, 201, r.text);
  assert.equal((await holder.post(`/api/v1/dossiers/${src}/submit`, {})).status, 200);
  assert.equal((await act(desk, src, 'accept')).status, 200);
  r = await issue(leader, src, ['ban-quet.png']);
  assert.equal(r.status, 201, r.text);
  const copy = r.json.copy;

  // Not the holder's yet: the result has not been returned.
  assert.deepEqual((await holder.get('/api/v1/copies')).json.items, []);
  const target = await readyBirthDraft(holder);
  const attach = (c, id, code, document = 'giay_chung_sinh', staff = false) =>
    c.post(`/api/v1/${staff ? 'staff/' : ''}dossiers/${id}/copy-attachments`, { code, document });
  await expectRefused(srv, () => attach(holder, target.id, copy.code), { status: 404, code: 'copy_not_found', field: 'code' });

  for (const [c, action, body] of [[leader, 'assign', { assignee: DEMO.specialist.login }], [specialist, 'propose', {}],
    [leader, 'approve', {}], [desk, 'return_result', {}]]) {
    r = await act(c, src, action, body);
    assert.equal(r.status, 200, `${action}: ${r.text}`);
  }
  r = await holder.get('/api/v1/copies');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((x) => [x.code, x.number, x.book, x.title, x.unit.code, x.uses]),
    [[copy.code, 1, BOOK, 'Bằng tốt nghiệp trung học phổ thông', COMMUNE, []]]);
  const file = await holder.get(`/api/v1/copies/${copy.code.toLowerCase()}/file`);
  assert.equal(file.status, 200, file.text);
  const sha = sqlValue(srv.dataDir, `SELECT i.sha256 FROM issued_documents i WHERE i.public_id = '${copy.public_id}'`);
  assert.equal(ok('sha256sum', ['-'], { input: file.buf, encoding: 'buffer' }).stdout.toString().split(' ')[0], sha);

  // Someone else's code, an unknown one and a malformed one: the same answer, nothing changed.
  const other = await readyBirthDraft(stranger);
  const reader = await newCitizen(srv.url); // tries downloads (tries count per account and address)
  const refusals = [];
  for (const code of [copy.code, 'ABCDE-FGHJK', 'not a code!']) {
    refusals.push((await expectRefused(srv, () => attach(stranger, other.id, code), { status: 404, code: 'copy_not_found', field: 'code' })).json);
    await expectRefused(srv, () => reader.get(`/api/v1/copies/${encodeURIComponent(code)}/file`), { status: 404, code: 'copy_not_found' });
  }
  assert.deepEqual(refusals[0], refusals[1]);
  assert.deepEqual(refusals[0], refusals[2]);
  assert.deepEqual((await stranger.get('/api/v1/copies')).json.items, []);
  // The holder's code into the stranger's dossier: the dossier is not theirs.
  await expectRefused(srv, () => attach(holder, other.id, copy.code), { status: 404, code: 'not_found' });
  // A document the procedure does not have.
  await expectRefused(srv, () => attach(holder, target.id, copy.code, 'khong_co'), { status: 422, code: 'unknown_document', field: 'document' });

  // The holder attaches it: the copy's signed PDF by its hash, marked as used.
  r = await attach(holder, target.id, copy.code.replace('-', ' '));
  assert.equal(r.status, 201, r.text);
  const name = `ban-sao-chung-thuc-${copy.code.replace('-', '')}.pdf`;
  assert.deepEqual(r.json.file, { name, document_key: 'giay_chung_sinh', content_type: 'application/pdf', sha256: sha, size: file.buf.length });
  assert.deepEqual(sql(srv.dataDir, `SELECT name, document_key, sha256 FROM dossier_files WHERE dossier_id = ${target.id} AND name = '${name}'`),
    [{ name, document_key: 'giay_chung_sinh', sha256: sha }]);
  assert.equal(sqlValue(srv.dataDir, `SELECT count(*) FROM certified_copy_uses WHERE dossier_id = ${target.id}`), 1);
  r = await holder.get(`/api/v1/dossiers/${target.id}/files/${name}`);
  assert.equal(r.status, 200);
  assert.equal((await holder.get('/api/v1/copies')).json.items[0].uses.length, 1);

  // The desk, for the person in front of it: a walk-in with the holder's ID number.
  const walkin = async (idNumber) => {
    const w = await desk.post('/api/v1/staff/dossiers', {
      procedure_code: '1.001193.000.00.00.H56', unit_code: COMMUNE, channel: 'desk',
      applicant: { citizen_id: idNumber, name: 'Trần Thị Hồng Nhung', phone: '0903123456', address: 'Thôn 3' },
    });
    assert.equal(w.status, 201, w.text);
    return w.json.id;
  };
  const mine = await walkin(holder.person.citizen_id);
  const notMine = await walkin(stranger.person.citizen_id);
  await expectRefused(srv, () => attach(desk, notMine, copy.code, 'giay_chung_sinh', true), { status: 404, code: 'copy_not_found', field: 'code' });
  const otherDesk = await addOfficer(srv, 'tiepnhan.khac', 'reception', COMMUNE2);
  const w2 = await otherDesk.post('/api/v1/staff/dossiers', {
    procedure_code: '1.001193.000.00.00.H56', unit_code: COMMUNE2, channel: 'desk',
    applicant: { citizen_id: holder.person.citizen_id, name: 'Trần Thị Hồng Nhung', phone: '0903123456', address: 'Thôn 3' },
  });
  assert.equal(w2.status, 201, w2.text);
  await expectRefused(srv, () => attach(otherDesk, w2.json.id, copy.code, 'giay_chung_sinh', true), { status: 404, code: 'copy_not_found', field: 'code' });
  await expectRefused(srv, () => attach(otherDesk, mine, copy.code, 'giay_chung_sinh', true), { status: 404, code: 'not_found' });
  r = await attach(desk, mine, copy.code, 'giay_chung_sinh', true);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.file.sha256, sha);
  assert.equal(sqlValue(srv.dataDir, "SELECT count(*) FROM audit_log WHERE action = 'copy.reuse'"), 2);

  // Guessing is limited: after a few misses the stranger waits.
  let limited;
  for (let i = 0; i < 8 && !limited; i++) {
    r = await attach(stranger, other.id, `ZZZZZ-ZZZZ${'ABCDEFGH'[i]}`);
    if (r.status === 429) limited = r;
    else assertError(r, 404, 'copy_not_found');
  }
  assert.ok(limited, 'refused with 429 after repeated misses');
  assertError(limited, 429, 'too_many_attempts');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
});
