// `motcua document register` (docs/documents.md, "Printing the registers"): Phường Hạc
// Thành issues a Quyết định and a Công văn through the API, then the register of outgoing
// documents of the year is printed from the database as CSV (read back by the test's own
// RFC 4180 reader: both notations, dates, summaries and the signer, in number order), XLSX
// (the shared strings hold them) and PDF (pdftotext shows the cover and both rows). The
// incoming register of the year, with nothing registered, prints its cover alone; an
// unknown unit, a bad year, XLSX without --out are refused and write no file. Phường Quảng
// Phú, which received the Quyết định, registers and assigns it: its incoming register
// prints số đến 1 with the sender as author and the lead officer as receiver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  COMMUNE, COMMUNE2, Client, DEMO_OFFICERS, startServer, samplePdf, sqlValue, totp, motcua, expectRefused, officerSession as officer, addStaff,
} from './lib/server.mjs';

/** Today in Vietnam (UTC+7), YYYY-MM-DD. */
const today = () => new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);

/** RFC 4180 records of text (quoted fields, doubled quotes, CRLF), without a BOM. */
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', i = 0, quoted = false;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
    else field += ch;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

/** Drafts, reviews, signs and issues one document; returns its notation. */
async function issue(who, draft, pdfText) {
  let r = await who.specialist.post('/api/v1/documents', draft);
  assert.equal(r.status, 201, r.text);
  const id = r.json.document.id;
  r = await who.specialist.req('PUT', `/api/v1/documents/${id}/body/du-thao.pdf`, { body: samplePdf(pdfText), type: 'application/pdf' });
  assert.equal(r.status, 200, r.text);
  assert.equal((await who.specialist.post(`/api/v1/documents/${id}/submit`, {})).status, 200);
  assert.equal((await who.leader.post(`/api/v1/documents/${id}/review`, { decision: 'approve' })).status, 200);
  assert.equal((await who.leader.post(`/api/v1/documents/${id}/sign`, {})).status, 200);
  r = await who.clerk.post(`/api/v1/documents/${id}/issue`, {});
  assert.equal(r.status, 200, r.text);
  return r.json.document.notation;
}

test('the outgoing register printed from the database as CSV, XLSX and PDF', async (t) => {
  const srv = await startServer(t);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-docreg-'));
  t.after(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const unit = Number(sqlValue(srv.dataDir, `SELECT id FROM units WHERE code = '${COMMUNE}'`));
  const unit2 = Number(sqlValue(srv.dataDir, `SELECT id FROM units WHERE code = '${COMMUNE2}'`));
  const leaderId = Number(sqlValue(srv.dataDir, `SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`));
  const who = {
    specialist: await officer(srv.url, DEMO_OFFICERS.specialist),
    leader: await officer(srv.url, DEMO_OFFICERS.leader),
    clerk: await officer(srv.url, DEMO_OFFICERS.clerk),
  };
  const base = { unit_id: unit, priority: 'thuong', signer_id: leaderId, signer_title: 'CHỦ TỊCH' };
  const n1 = await issue(who, { ...base, type: 'quyet_dinh', summary: 'Về việc thành lập Tổ công tác chuyển đổi số, năm 2026',
    recipients_internal: [unit2], recipients_external: 'Như Điều 3;\nLưu: VT.' }, 'Quyet dinh');
  const n2 = await issue(who, { ...base, type: 'cong_van', department: 'VP', summary: 'V/v báo cáo "tiếp nhận" hồ sơ trực tuyến',
    recipients_external: 'Sở Nội vụ' }, 'Cong van');
  assert.deepEqual([n1, n2], ['01/QĐ-UBND', '02/UBND-VP']);

  const year = today().slice(0, 4);
  const [y, m, d] = today().split('-');
  const date = `${d}/${m}/${y}`;
  const run = (args) => motcua(['document', 'register', '--data', srv.dataDir, '--unit', COMMUNE, '--year', year, ...args]);

  // CSV on standard output: the header, then 1 and 2 in order.
  let r = run(['--direction', 'out', '--format', 'csv']);
  assert.equal(r.status, 0, r.stderr);
  const rows = parseCsv(r.stdout);
  assert.equal(rows[0][0], 'Số, ký hiệu văn bản');
  assert.equal(rows.length, 3, r.stdout);
  assert.deepEqual(rows.slice(1).map((x) => x.slice(0, 5)), [
    ['01/QĐ-UBND', date, 'Quyết định về việc thành lập Tổ công tác chuyển đổi số, năm 2026', DEMO_OFFICERS.leader.name, 'Như Điều 3;\nLưu: VT.'],
    ['02/UBND-VP', date, 'Công văn V/v báo cáo "tiếp nhận" hồ sơ trực tuyến', DEMO_OFFICERS.leader.name, 'Sở Nội vụ'],
  ]);
  // Column (8), ngày chuyển: the Quyết định went to the other commune when issued.
  assert.equal(rows[1][7], date);
  assert.equal(rows[2][7], '');

  // XLSX: the shared strings hold the title, both notations and summaries.
  const xlsx = path.join(scratch, 'so-di.xlsx');
  r = run(['--direction', 'out', '--format', 'xlsx', '--out', xlsx]);
  assert.equal(r.status, 0, r.stderr);
  const strings = execFileSync('unzip', ['-p', xlsx, 'xl/sharedStrings.xml']).toString('utf8')
    .replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const s of [`SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM ${year}`, '01/QĐ-UBND', '02/UBND-VP', 'Quyết định về việc thành lập Tổ công tác chuyển đổi số, năm 2026',
    'Công văn V/v báo cáo "tiếp nhận" hồ sơ trực tuyến'])
    assert.ok(strings.includes(s), `${s} in the shared strings`);

  // PDF: the cover (unit, title, year, numbers 1 to 2), then both rows.
  const pdf = path.join(scratch, 'so-di.pdf');
  r = run(['--direction', 'out', '--format', 'pdf', '--out', pdf]);
  assert.equal(r.status, 0, r.stderr);
  const text = execFileSync('pdftotext', ['-layout', pdf, '-']).toString('utf8');
  const pages = text.split('\f');
  assert.match(pages[0], /SỔ ĐĂNG KÝ VĂN BẢN ĐI/);
  assert.match(pages[0], new RegExp(`Năm ${year}`));
  assert.match(pages[0], /PHƯỜNG HẠC THÀNH/);
  assert.match(pages[0], /Từ số 01 đến số 02/);
  const table = pages.slice(1).join('\n');
  assert.ok(table.indexOf('01/QĐ-UBND') >= 0 && table.indexOf('01/QĐ-UBND') < table.indexOf('02/UBND-VP'), table);
  assert.match(table, /thành lập Tổ/);
  assert.match(table, /công tác chuyển đổi số, năm/);
  assert.match(table, /tiếp nhận/);

  // Nothing registered (the incoming register of the year): the cover and an empty table.
  const empty = path.join(scratch, 'so-den.pdf');
  r = run(['--direction', 'in', '--format', 'pdf', '--out', empty]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /0 entries/);
  const etext = execFileSync('pdftotext', ['-layout', empty, '-']).toString('utf8');
  assert.match(etext, /SỔ ĐĂNG KÝ VĂN BẢN ĐẾN/);
  r = run(['--direction', 'in', '--format', 'csv']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(parseCsv(r.stdout).length, 1, 'the header only');

  // Refusals, none of which writes its file.
  const none = path.join(scratch, 'none.pdf');
  r = motcua(['document', 'register', '--data', srv.dataDir, '--unit', '000.99.99.H56', '--year', year, '--direction', 'out', '--format', 'pdf', '--out', none]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no unit with the code '000\.99\.99\.H56'/);
  r = motcua(['document', 'register', '--data', srv.dataDir, '--unit', COMMUNE, '--year', '1999', '--direction', 'out', '--format', 'pdf', '--out', none]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--year is a year from 2000 to 2199/);
  r = run(['--direction', 'sideways', '--format', 'csv']);
  assert.equal(r.status, 2);
  r = run(['--direction', 'out', '--format', 'xlsx']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /needs --out/);
  r = run(['--direction', 'out', '--format', 'csv', '--series', 'no_such_series']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /series 'no_such_series'/);
  assert.ok(!fs.existsSync(none), 'no file written');

  // The same register downloaded by the clerk from the server, in each format.
  const print = (c, u, dir, fmt) => c.get(`/api/v1/documents/registers/print?unit_id=${u}&year=${year}&direction=${dir}&format=${fmt}`);
  r = await print(who.clerk, unit, 'out', 'csv');
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  assert.equal(r.headers.get('content-disposition'), `attachment; filename="so-van-ban-di-${year}.csv"`);
  assert.deepEqual(parseCsv(r.text), rows);
  r = await print(who.clerk, unit, 'out', 'pdf');
  assert.equal(r.status, 200);
  assert.equal(r.buf.subarray(0, 5).toString(), '%PDF-');
  fs.writeFileSync(path.join(scratch, 'tai-ve.pdf'), r.buf);
  assert.match(execFileSync('pdftotext', ['-layout', path.join(scratch, 'tai-ve.pdf'), '-']).toString('utf8'), /Từ số 01 đến số 02/);
  r = await print(who.clerk, unit, 'out', 'xlsx');
  assert.equal(r.status, 200);
  assert.equal(r.buf.subarray(0, 2).toString(), 'PK', 'a zip: the workbook');
  // Refused: a unit outside one's own (404, like an unknown one), a bad direction or format.
  await expectRefused(srv, () => print(who.clerk, unit2, 'in', 'csv'), { status: 404, code: 'unit_not_found' });
  await expectRefused(srv, () => print(who.clerk, 999999, 'out', 'csv'), { status: 404, code: 'unit_not_found' });
  await expectRefused(srv, () => print(who.clerk, unit, 'sideways', 'csv'), { status: 400, code: 'invalid', field: 'direction' });
  await expectRefused(srv, () => print(who.clerk, unit, 'out', 'docx'), { status: 400, code: 'invalid', field: 'format' });

  // The receiving commune's incoming register: registered, then assigned to its specialist.
  const q = {};
  for (const [role, login, name] of [['clerk', 'vt.quangphu', 'Lê Thị Văn'], ['leader', 'ld.quangphu', 'Trịnh Văn Lãnh'],
    ['specialist', 'cv.quangphu', 'Phạm Thị Chuyên']]) {
    q[role] = (await addStaff(srv, { login, name, role, unit: COMMUNE2 })).c;
  }
  const copy = Number(sqlValue(srv.dataDir, `SELECT c.id FROM documents c JOIN documents s ON s.id = c.source_id
    WHERE s.notation = '01/QĐ-UBND' AND s.unit_id = ${unit} AND c.unit_id = ${unit2}`));
  const runIn = () => motcua(['document', 'register', '--data', srv.dataDir, '--unit', COMMUNE2, '--year', year,
    '--direction', 'in', '--format', 'csv']);
  r = await q.clerk.post(`/api/v1/incoming/${copy}/register`, {});
  assert.equal(r.status, 200, r.text);
  r = runIn();
  assert.equal(r.status, 0, r.stderr);
  let inRows = parseCsv(r.stdout);
  assert.deepEqual(inRows[0].slice(0, 7), ['Ngày đến', 'Số đến', 'Tác giả', 'Số, ký hiệu', 'Ngày tháng văn bản',
    'Tên loại và trích yếu nội dung', 'Đơn vị hoặc người nhận']);
  assert.deepEqual(inRows.slice(1).map((x) => x.slice(0, 7)), [[date, '1', 'Phường Hạc Thành', '01/QĐ-UBND', date,
    'Quyết định về việc thành lập Tổ công tác chuyển đổi số, năm 2026', '']]);
  const specId = Number(sqlValue(srv.dataDir, "SELECT id FROM accounts WHERE login = 'cv.quangphu'"));
  r = await q.leader.post(`/api/v1/incoming/${copy}/assign`, { lead_account_id: specId, instruction: 'Triển khai.', deadline: today() });
  assert.equal(r.status, 200, r.text);
  inRows = parseCsv(runIn().stdout);
  assert.equal(inRows.length, 2);
  assert.equal(inRows[1][6], 'Phạm Thị Chuyên');
  // Quảng Phú's clerk downloads it too, with the same lines.
  r = await print(q.clerk, unit2, 'in', 'csv');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-disposition'), `attachment; filename="so-van-ban-den-${year}.csv"`);
  assert.deepEqual(parseCsv(r.text), inRows);
});
