// `motcua render register`: the registers of outgoing and incoming documents in the layout
// of Decree 30/2020, Appendix IV, printed from a CSV of rows as PDF, XLSX and CSV. The PDF
// is read back with pdftotext and pdfinfo (poppler-utils), the workbook with `unzip -p`,
// the CSV with a parser of this file's own. Bad input is refused with a clear message and
// leaves no output file behind (and an existing one untouched).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { motcua } from './lib/server.mjs';

const OUT_KEYS = ['number', 'date', 'summary', 'signer', 'recipients', 'file_copy_to', 'copies', 'sent_on', 'sign', 'note'];
const IN_KEYS = ['arrival_date', 'arrival_number', 'author', 'number', 'date', 'summary', 'handler', 'sign', 'note'];
// The column titles of the appendix, written out here rather than read from the code.
const OUT_TITLES = ['Số, ký hiệu văn bản', 'Ngày tháng văn bản', 'Tên loại và trích yếu nội dung văn bản',
  'Người ký', 'Nơi nhận văn bản', 'Đơn vị, người nhận bản lưu', 'Số lượng bản', 'Ngày chuyển', 'Ký nhận', 'Ghi chú'];
const IN_TITLES = ['Ngày đến', 'Số đến', 'Tác giả', 'Số, ký hiệu', 'Ngày tháng văn bản',
  'Tên loại và trích yếu nội dung', 'Đơn vị hoặc người nhận', 'Ký nhận', 'Ghi chú'];
const MARKS = ['ắằẳẵặ', 'ấầẩẫậ', 'ếềểễệ', 'ốồổỗộ', 'ớờởỡợ', 'ứừửữự', 'ỳỷỹỵ', 'ĐđƯưƠơ'];

function tmpdir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-register-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** One CSV field as RFC 4180 writes it. */
function field(s) {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function toCsv(keys, rows) {
  return [keys.join(','), ...rows.map((r) => keys.map((k) => field(r[k] ?? '')).join(','))].join('\r\n') + '\r\n';
}

/** RFC 4180 records of text (CRLF between records); throws on a syntax error. */
function parseCsv(text) {
  const recs = [];
  let i = 0;
  while (i < text.length) {
    const rec = [];
    for (;;) {
      let f = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) throw new Error('unterminated quote');
          if (text[i] === '"' && text[i + 1] === '"') { f += '"'; i += 2; } else if (text[i] === '"') { i++; break; } else f += text[i++];
        }
      } else {
        while (i < text.length && !',\r\n'.includes(text[i])) f += text[i++];
      }
      rec.push(f);
      if (text[i] === ',') { i++; continue; }
      if (text[i] === '\r' && text[i + 1] === '\n') { i += 2; break; }
      if (i >= text.length) break;
      throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
    }
    recs.push(rec);
  }
  return recs;
}

/** 250 outgoing documents; summaries of 1 to 4 paragraphs, with quotes, commas, line breaks. */
function outgoingRows(n = 250) {
  const rows = [];
  for (let i = 1; i <= n; i++) {
    const reps = 1 + (i % 4);
    const paras = [];
    for (let k = 0; k < reps; k++) {
      paras.push(`Quyết định số ${i} về việc phê duyệt kế hoạch "chuyển đổi số", cải cách hành chính năm 2026 `
        + 'của Ủy ban nhân dân phường Hạc Thành; giao Phòng Văn hóa – Xã hội tổ chức thực hiện.\n'
        + `Dấu: ${MARKS.join(' ')}`);
    }
    const day = String(1 + ((i - 1) % 28)).padStart(2, '0');
    const month = String(1 + Math.floor(((i - 1) * 12) / n)).padStart(2, '0');
    rows.push({
      number: `${String(i).padStart(3, '0')}/QĐ-UBND`,
      date: `${day}/${month}/2026`,
      summary: paras.join('\n'),
      signer: 'Lê Thị Ngà',
      recipients: 'Như Điều 3;\nLưu: VT, VP.',
      file_copy_to: 'Văn phòng',
      copies: String(2 + (i % 5)),
      sent_on: `${day}/${month}/2026`,
      sign: '',
      note: i % 7 === 0 ? `Ghi chú, dòng ${i}` : '',
    });
  }
  return rows;
}

const count = (hay, needle) => hay.split(needle).length - 1;

function render(dir, { direction = 'out', format, rows, out, extra = [] }) {
  return motcua(['render', 'register', '--direction', direction, '--year', '2026',
    '--unit-name', 'Ủy ban nhân dân phường Hạc Thành', '--parent-name', 'UBND tỉnh Thanh Hóa',
    ...extra, '--format', format, '--rows', rows, out], { timeout: 120000 });
}

/** The names in dir: nothing but what the test put there may remain after a refusal. */
const listing = (dir) => fs.readdirSync(dir).sort();

test('the outgoing register as a PDF: A4 landscape, the cover, the numbered header on every page, every row once', (t) => {
  const dir = tmpdir(t);
  const rows = outgoingRows();
  const rowsPath = path.join(dir, 'rows.csv');
  fs.writeFileSync(rowsPath, toCsv(OUT_KEYS, rows));
  const out = path.join(dir, 'so-di.pdf');
  const r = render(dir, { format: 'pdf', rows: rowsPath, out, extra: ['--series', 'Quyết định'] });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(listing(dir), ['rows.csv', 'so-di.pdf']);

  const info = run('pdfinfo', [out]);
  const size = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info);
  assert.ok(size, info);
  // A4 turned: 297 x 210 mm.
  assert.equal(Math.round(Number(size[1]) / 72 * 25.4), 297);
  assert.equal(Math.round(Number(size[2]) / 72 * 25.4), 210);
  const pages = Number(/Pages:\s+(\d+)/.exec(info)[1]);
  assert.ok(pages > 20, `${pages} pages for 250 rows of up to four paragraphs`);

  const raw = run('pdftotext', ['-enc', 'UTF-8', out, '-']).split('\f').filter((p) => p.trim() !== '');
  assert.equal(raw.length, pages);
  const cover = raw[0].replace(/\s+/g, ' ');
  for (const want of ['UBND TỈNH THANH HÓA', 'ỦY BAN NHÂN DÂN PHƯỜNG HẠC THÀNH', 'SỔ ĐĂNG KÝ VĂN BẢN ĐI', 'Quyết định',
    'Năm 2026', 'Từ ngày 01/01/2026 đến ngày 26/12/2026', 'Từ số 001 đến số 250', 'Quyển số:']) {
    assert.ok(cover.includes(want), `the cover lacks "${want}": ${cover}`);
  }
  for (let p = 1; p < raw.length; p++) {
    const page = raw[p].replace(/\s+/g, ' ').trim();
    assert.ok(page.startsWith(`${p + 1} `), `page ${p + 1} is numbered at the top: ${page.slice(0, 80)}`);
    for (const title of OUT_TITLES) assert.ok(page.includes(title), `page ${p + 1} lacks the header "${title}"`);
    assert.ok(page.includes('(1) (2) (3) (4) (5) (6) (7) (8) (9) (10)'), `page ${p + 1} lacks the column numbers`);
  }

  const layout = run('pdftotext', ['-layout', '-enc', 'UTF-8', out, '-']).replace(/ +/g, ' ');
  for (const row of rows) {
    assert.equal(count(layout, row.number), 1, `${row.number} once`);
    const n = Number(row.number.slice(0, 3));
    assert.equal(count(layout, `Quyết định số ${n} về`), 1 + (n % 4), `the paragraphs of row ${n}`);
  }
  const paragraphs = rows.reduce((s, r) => s + count(r.summary, 'Dấu:'), 0);
  for (const m of MARKS) assert.equal(count(layout, m), paragraphs, `the marks ${m} survive`);
  assert.equal(count(layout, 'Lê Thị Ngà'), rows.length);
});

test('the incoming register as XLSX: one sheet, the title, the headers, the Vietnamese text, A4 landscape', (t) => {
  const dir = tmpdir(t);
  const rows = [];
  for (let i = 1; i <= 40; i++) {
    rows.push({
      arrival_date: `0${1 + (i % 9)}/02/2026`, arrival_number: String(i), author: 'Sở Nội vụ tỉnh Thanh Hóa',
      number: `${i}/SNV-VP`, date: '02/02/2026',
      summary: `Công văn ${i} về việc hướng dẫn "lập hồ sơ" & nộp lưu <điện tử>, năm 2026;\nđề nghị các đơn vị thực hiện.`,
      handler: 'Văn phòng HĐND và UBND', sign: '', note: i === 40 ? 'Khẩn' : '',
    });
  }
  const rowsPath = path.join(dir, 'den.csv');
  fs.writeFileSync(rowsPath, toCsv(IN_KEYS, rows));
  const out = path.join(dir, 'so-den.xlsx');
  const r = render(dir, { direction: 'in', format: 'xlsx', rows: rowsPath, out });
  assert.equal(r.status, 0, r.stderr);
  const files = run('unzip', ['-Z1', out]).split('\n').filter(Boolean);
  assert.deepEqual(files.filter((f) => f.startsWith('xl/worksheets/')), ['xl/worksheets/sheet1.xml']);
  const strings = run('unzip', ['-p', out, 'xl/sharedStrings.xml']);
  const sheet = run('unzip', ['-p', out, 'xl/worksheets/sheet1.xml']);
  const book = run('unzip', ['-p', out, 'xl/workbook.xml']);
  for (const want of ['<t>UBND TỈNH THANH HÓA</t>', '<t>ỦY BAN NHÂN DÂN PHƯỜNG HẠC THÀNH</t>',
    '<t>SỔ ĐĂNG KÝ VĂN BẢN ĐẾN NĂM 2026</t>', '<t>Từ ngày 02/02/2026 đến ngày 05/02/2026; từ số 1 đến số 40</t>',
    ...IN_TITLES.map((s) => `<t>${s}</t>`), '<t>(9)</t>', '<t>Sở Nội vụ tỉnh Thanh Hóa</t>', '<t>Khẩn</t>']) {
    assert.ok(strings.includes(want), `the shared strings lack ${want}`);
  }
  assert.ok(!strings.includes('<t>(10)</t>'), 'the incoming register has nine columns');
  for (const row of rows) {
    const xml = row.summary.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    assert.ok(strings.includes(xml), `the summary of ${row.number}`);
  }
  assert.match(sheet, /orientation="landscape"/);
  assert.match(sheet, /paperSize="9"/);
  assert.match(book, /name="Văn bản đến"/);
  assert.match(book, /_xlnm\.Print_Titles/);
});

test('the register as CSV: a BOM, the Vietnamese header, the rows back as they went in; it reads back as rows', (t) => {
  const dir = tmpdir(t);
  const rows = outgoingRows(60);
  const rowsPath = path.join(dir, 'rows.csv');
  fs.writeFileSync(rowsPath, toCsv(OUT_KEYS, rows));
  const out = path.join(dir, 'so-di.csv');
  let r = render(dir, { format: 'csv', rows: rowsPath, out });
  assert.equal(r.status, 0, r.stderr);
  const buf = fs.readFileSync(out);
  assert.deepEqual([...buf.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const recs = parseCsv(buf.subarray(3).toString('utf8'));
  assert.deepEqual(recs[0], OUT_TITLES);
  assert.deepEqual(recs.slice(1), rows.map((row) => OUT_KEYS.map((k) => row[k])));

  // The printed CSV (Vietnamese header) is accepted as rows and prints the same CSV.
  const again = path.join(dir, 'again.csv');
  r = render(dir, { format: 'csv', rows: out, out: again });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(fs.readFileSync(again), buf);
});

test('bad input is refused plainly and leaves no output file behind', (t) => {
  const dir = tmpdir(t);
  const good = path.join(dir, 'good.csv');
  fs.writeFileSync(good, toCsv(OUT_KEYS, outgoingRows(3)));
  const out = path.join(dir, 'out.pdf');

  // An unknown direction or format: a usage error.
  let r = render(dir, { direction: 'sideways', format: 'pdf', rows: good, out });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--direction is out .* or in/);
  r = render(dir, { format: 'docx', rows: good, out });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--format is pdf, xlsx or csv/);
  r = motcua(['render', 'register', '--direction', 'out', '--year', '1999', '--unit-name', 'X', '--format', 'pdf', '--rows', good, out]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--year/);
  r = motcua(['render', 'register', '--direction', 'out', '--year', '2026', '--format', 'pdf', '--rows', good, out]);
  assert.equal(r.status, 2, 'no --unit-name');
  r = render(dir, { format: 'csv', rows: good, out: good });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /OUT is the rows file/);
  assert.equal(fs.readFileSync(good, 'utf8'), toCsv(OUT_KEYS, outgoingRows(3)), 'the rows are kept');
  r = motcua(['render', 'receipt']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown document 'receipt'/);
  assert.deepEqual(listing(dir), ['good.csv']);

  // A header that is not the register's: the column is named.
  const cases = [
    ['wrong-header.csv', 'number,date,summary,signer,recipients,file_copy_to,copies,sent_on,sign,remarks\r\n1,,,,,,,,,\r\n', /"remarks" không có trong sổ đăng ký văn bản đi/],
    ['missing.csv', 'number,date,summary\r\n1,2,3\r\n', /thiếu cột "signer"/],
    ['incoming-header.csv', `${IN_KEYS.join(',')}\r\n`, /"arrival_date" không có/],
    ['short-row.csv', `${OUT_KEYS.join(',')}\r\n1,2,3\r\n`, /Dòng 2 có 3 cột, cần 10 cột/],
    ['open-quote.csv', `${OUT_KEYS.join(',')}\r\n1,2,"chưa đóng,4,5,6,7,8,9,10\r\n`, /Dòng 2: thiếu dấu " đóng trường/],
    ['latin1.csv', Buffer.concat([Buffer.from(`${OUT_KEYS.join(',')}\r\n1,2,`), Buffer.from([0x48, 0xe0, 0x20, 0x4e, 0xe9]), Buffer.from(',4,5,6,7,8,9,10\r\n')]), /UTF-8/],
  ];
  for (const [name, body, message] of cases) {
    const p = path.join(dir, name);
    fs.writeFileSync(p, body);
    r = render(dir, { format: 'pdf', rows: p, out });
    assert.equal(r.status, 1, `${name}: ${r.stderr}`);
    assert.match(r.stderr, message, name);
    assert.ok(!fs.existsSync(out), `${name}: no output`);
  }

  // Over 100,000 rows, and over 64 MiB (a sparse file: refused by its size, unread).
  const many = path.join(dir, 'many.csv');
  fs.writeFileSync(many, `${OUT_KEYS.join(',')}\n${'1,,,,,,,,,\n'.repeat(100001)}`);
  r = render(dir, { format: 'csv', rows: many, out });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /hơn 100000 dòng/);
  const huge = path.join(dir, 'huge.csv');
  fs.writeFileSync(huge, `${OUT_KEYS.join(',')}\n`);
  fs.truncateSync(huge, 64 * 1024 * 1024 + 1);
  r = render(dir, { format: 'pdf', rows: huge, out });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /larger than 64 MiB/);
  r = render(dir, { format: 'pdf', rows: path.join(dir, 'absent.csv'), out });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot open .*absent\.csv/);
  assert.deepEqual(listing(dir), [...cases.map((c) => c[0]), 'good.csv', 'huge.csv', 'many.csv'].sort(), 'no output, no temporary file');

  // An existing output file stays as it was when the rows are refused.
  fs.writeFileSync(out, 'the previous printout');
  r = render(dir, { format: 'pdf', rows: path.join(dir, 'short-row.csv'), out });
  assert.equal(r.status, 1);
  assert.equal(fs.readFileSync(out, 'utf8'), 'the previous printout');
  // ... and is replaced whole when they are good.
  r = render(dir, { format: 'pdf', rows: good, out });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(fs.readFileSync(out).subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(!listing(dir).some((f) => f.includes('.tmp-')), 'no temporary file left');
});
