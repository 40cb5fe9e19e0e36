// Receipts and apology letters come out as PDFs for any text the forms accept: long CJK,
// emoji sequences (ZWJ families, flags, skin tones), U+FDFD, right-to-left scripts. They
// used to answer 500: the server cut the stored text in the middle of a UTF-8 sequence and
// the renderer refused the invalid text, and a name of very wide glyphs made the signature
// block taller than a page. Each PDF is read back with pdftotext (poppler-utils).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  startServer, newCitizen, readyBirthDraft, Client, sql, totp, DEMO_OFFICERS, COMMUNE, BIRTH,
  birthForm, samplePdf, officerSession as officer,
} from './lib/server.mjs';

/** `n` code points taken from repeating `unit` (whole code points, never half a pair). */
function cps(unit, n) {
  const one = [...unit];
  const out = [];
  for (let i = 0; i < n; i++) out.push(one[i % one.length]);
  return out.join('');
}

const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}'; // 7 code points
const FLAG_VN = '\u{1F1FB}\u{1F1F3}';
const THUMB_SKIN = '\u{1F44D}\u{1F3FD}';
const EMOJI = cps(FAMILY + FLAG_VN + THUMB_SKIN + FAMILY + '\u{1F469}\u{1F3FF}\u200D\u2695\uFE0F', 100);

// Each case fills the name (at most 100 characters) and the residence (at most 300), the
// longest the birth registration form accepts, and the apology reason (at most 500).
const CASES = [
  { what: '300 CJK characters', name: cps('漢字越南語', 100), address: cps('北京市海淀区中关村大街', 300), reason: cps('由于需要核实信息', 500) },
  { what: 'emoji sequences', name: EMOJI, address: cps(FAMILY + FLAG_VN + THUMB_SKIN, 300), reason: cps(FAMILY + THUMB_SKIN + FLAG_VN, 500) },
  { what: '100 x U+FDFD', name: '\uFDFD'.repeat(100), address: '\uFDFD'.repeat(300), reason: '\uFDFD'.repeat(500) },
  { what: 'Arabic', name: cps('محمدعبداللهالعربي', 100), address: cps('شارعالملكفهدالرياض', 300), reason: cps('نحتاجإلىالتحققمنالمعلومات', 500) },
  { what: 'Hebrew', name: cps('שלוםעולםישראל', 100), address: cps('רחובהרצלתלאביב', 300), reason: cps('צריךלבדוקאתהמידע', 500) },
];

function pdfText(buf) {
  const r = spawnSync('pdftotext', ['-layout', '-', '-'], { input: buf, encoding: 'utf8' });
  assert.equal(r.status, 0, `pdftotext failed: ${r.stderr}`);
  return r.stdout.replace(/\s+/g, ' ');
}

function assertPdf(r, what) {
  assert.equal(r.status, 200, `${what}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.equal(r.headers.get('content-type'), 'application/pdf', what);
  assert.equal(r.buf.subarray(0, 5).toString('latin1'), '%PDF-', what);
  return pdfText(r.buf);
}

test('receipts and apology letters render for CJK, emoji, U+FDFD and right-to-left text; Vietnamese stays correct', async (t) => {
  const srv = await startServer(t);
  const reception = await officer(srv.url, DEMO_OFFICERS.reception);
  for (const c of CASES) {
    for (const [k, v] of Object.entries({ name: c.name, address: c.address, reason: c.reason })) {
      assert.equal([...v].length, { name: 100, address: 300, reason: 500 }[k], `${c.what} ${k}`);
    }
    const citizen = await newCitizen(srv.url);
    const draft = await readyBirthDraft(citizen, COMMUNE, { requester_name: c.name, requester_residence: c.address });
    let r = await citizen.post(`/api/v1/dossiers/${draft.id}/submit`, {});
    assert.equal(r.status, 200, `${c.what}: ${r.text}`);
    const { id, code } = r.json;
    // The applicant's name and address are kept whole, as valid UTF-8.
    const row = sql(srv.dataDir, `SELECT applicant_name, applicant_address FROM dossiers WHERE id = ${id}`)[0];
    assert.equal(row.applicant_name, c.name, `${c.what}: stored name`);
    assert.equal(row.applicant_address, c.address, `${c.what}: stored address`);

    let text = assertPdf(await citizen.get(`/api/v1/dossiers/${id}/receipt.pdf`), `${c.what}: receipt`);
    for (const want of ['GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ', `Mã hồ sơ: ${code}`, 'Tiếp nhận hồ sơ của:',
      'Nội dung yêu cầu giải quyết: Đăng ký khai sinh', 'NGƯỜI NỘP HỒ SƠ', 'Quét mã để xác thực giấy tiếp nhận', 'Tra cứu tình trạng hồ sơ:']) {
      assert.ok(text.includes(want), `${c.what}: receipt lacks "${want}":\n${text}`);
    }

    // Late: the desk apologises with a long reason in the same script.
    sql(srv.dataDir, `UPDATE dossiers SET due_at = ${Math.floor(Date.now() / 1000) - 3600} WHERE id = ${id}`);
    const later = new Date(Date.now() + 7 * 3600e3 + 5 * 86400e3).toISOString().slice(0, 10) + 'T16:00';
    r = await reception.post(`/api/v1/staff/dossiers/${id}/apology`, { new_due_at: later, reason: c.reason });
    assert.equal(r.status, 201, `${c.what}: ${r.text}`);
    assert.equal(sql(srv.dataDir, `SELECT reason FROM dossier_apologies WHERE dossier_id = ${id}`)[0].reason, c.reason);
    text = assertPdf(await citizen.get(`/api/v1/dossiers/${id}/apologies/1`), `${c.what}: apology letter`);
    for (const want of ['PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ', code, 'Kính gửi:', 'Mong nhận được sự thông cảm của Ông/Bà.', 'Phạm Thu Hà']) {
      assert.ok(text.includes(want), `${c.what}: apology letter lacks "${want}":\n${text}`);
    }
  }
});

test('a walk-in with an emoji name and a CJK address gets its receipt, naming the officer', async (t) => {
  const srv = await startServer(t);
  const reception = await officer(srv.url, DEMO_OFFICERS.reception);
  const applicant = { name: EMOJI, address: cps('北京市海淀区中关村大街', 300) };
  let r = await reception.post('/api/v1/staff/dossiers', { procedure_code: BIRTH, unit_code: COMMUNE, channel: 'desk', applicant });
  assert.equal(r.status, 201, r.text);
  const id = r.json.id;
  r = await reception.put(`/api/v1/staff/dossiers/${id}/form`, birthForm({ requester_name: EMOJI, requester_residence: applicant.address }));
  assert.equal(r.status, 200, r.text);
  r = await reception.req('PUT', `/api/v1/staff/dossiers/${id}/files/ban-quet.pdf?document=giay_chung_sinh`, { body: samplePdf(), type: 'application/pdf' });
  assert.equal(r.status, 201, r.text);
  r = await reception.post(`/api/v1/staff/dossiers/${id}/submit`, {});
  assert.equal(r.status, 200, r.text);
  const text = assertPdf(await reception.get(`/api/v1/staff/dossiers/${id}/receipt.pdf`), 'walk-in receipt');
  for (const want of ['GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ', r.json.code, 'Trực tiếp', 'Phạm Thu Hà', 'NGƯỜI TIẾP NHẬN HỒ SƠ']) {
    assert.ok(text.includes(want), `walk-in receipt lacks "${want}":\n${text}`);
  }
});
