// API tests: a citizen's dossiers: create a draft, fill the form, submit, withdraw, the
// receipt, and the 404 wall around other citizens' dossiers. The appointment date is
// checked against the tests' own hand-written calendar (lib/workcal.mjs).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startServer, Client, newCitizen, birthForm, readyBirthDraft, samplePdf, samplePng, sql, sqlValue,
  expectRefused, assertError, localYymmdd, parseLocalIso, formatLocalIso, ANY_CODE,
  BIRTH, MARRIAGE, ENTERPRISE, COMMUNE, COMMUNE2, PROVINCE,
} from './lib/server.mjs';
import { dueOn } from './lib/workcal.mjs';

let srv;
before(async () => { srv = await startServer(null); });
after(() => srv && srv.stop());

const D = '/api/v1/dossiers';
const STATUS_1 = { code: 1, name: 'Mới đăng ký' };
const STATUS_7 = { code: 7, name: 'Công dân yêu cầu rút hồ sơ' };
const dossierRow = (id) => `SELECT * FROM dossiers WHERE id = ${Number(id)}`;
const relatedRows = (id) => [dossierRow(id), `SELECT * FROM dossier_files WHERE dossier_id = ${Number(id)} ORDER BY id`,
  `SELECT * FROM dossier_events WHERE dossier_id = ${Number(id)} ORDER BY id`];

// --- the appointment, by the tests' own calendar (lib/workcal.mjs) ------------------------

/**
 * Checks a dossier's due_at against the tests' hand-written calendar (lib/workcal.mjs:
 * sessions, weekends, the holidays and official swaps of 2025-2027 written out by hand),
 * never against motcua's calendar code.
 */
function assertDue(d, workingDays, cutoff) {
  const received = parseLocalIso(d.submitted_at);
  const [ch, cm] = cutoff ? cutoff.split(':').map(Number) : [];
  const want = dueOn(received, workingDays * 8 * 60, cutoff ? ch * 60 + cm : null);
  assert.equal(d.due_at, formatLocalIso(want), `appointment for ${d.submitted_at} (${workingDays} working day(s), cut-off ${cutoff})`);
}

test('the tests\' calculator gives the appointments of docs/calendar.md and of weeks worked out by hand', () => {
  const at = (s) => parseLocalIso(s + ':00+07:00');
  const cases = [
    // received, working days (or [hours]), cut-off, expected (docs/calendar.md's table first)
    ['2025-03-03T08:00', 1, null, '2025-03-04T08:00'],
    ['2025-03-03T07:00', 1, null, '2025-03-03T17:00'],
    ['2025-03-03T12:15', [1], null, '2025-03-03T14:30'],
    ['2025-03-03T18:00', [1], null, '2025-03-04T08:00'],
    ['2025-03-03T15:30', 1, '15:00', '2025-03-04T17:00'],
    ['2025-03-08T10:00', 1, null, '2025-03-10T17:00'],
    ['2025-04-26T09:00', 1, null, '2025-04-28T09:00'], // a make-up Saturday
    ['2025-01-24T10:00', 2, null, '2025-02-04T10:00'], // across Tết Ất Tỵ (25/1 - 2/2)
    // by hand, ordinary weeks
    ['2025-03-03T15:00', 1, '15:00', '2025-03-04T15:00'], // at the cut-off itself: that day
    ['2025-03-03T12:15', 1, null, '2025-03-04T11:30'], // ends exactly at the end of a session
    ['2025-03-03T06:00', 3, null, '2025-03-05T17:00'],
    ['2025-03-07T16:00', 1, null, '2025-03-10T16:00'],
    ['2025-03-07T16:00', 1, '15:00', '2025-03-10T17:00'],
    ['2026-11-27T16:54', 1, '15:00', '2026-11-30T17:00'],
    ['2026-11-25T10:10', 3, null, '2026-11-30T10:10'],
    ['2026-10-14T11:29', 1, '15:00', '2026-10-15T11:29'],
    // by hand, across holidays (the reasoning is in lib/workcal.mjs and calendar.test.mjs)
    ['2026-04-29T16:00', 1, null, '2026-05-04T16:00'], // 30/4, 1/5, the weekend
    ['2026-02-13T10:00', 1, '15:00', '2026-02-23T10:00'], // Tết Bính Ngọ 14/2 - 22/2
    ['2027-02-04T10:00', 1, '15:00', '2027-02-12T10:00'], // Tết Đinh Mùi 5/2 - 11/2
  ];
  for (const [from, amount, cutoff, expected] of cases) {
    const cmin = cutoff ? Number(cutoff.slice(0, 2)) * 60 + Number(cutoff.slice(3)) : null;
    const minutes = Array.isArray(amount) ? amount[0] * 60 : amount * 480;
    assert.equal(formatLocalIso(dueOn(at(from), minutes, cmin)).slice(0, 16), expected, `calculator: ${from} + ${amount}`);
  }
  // Outside the years written out, the calculator refuses rather than guesses.
  assert.throws(() => dueOn(at('2027-12-31T16:00'), 480), /add the year/);
});

// --- create, list, get ---------------------------------------------------------------------

/**
 * A dossier read again equals the answer given earlier, but for what the issuing worker
 * signed in between: the receipt appears under `issued` once sealed (docs/signatures.md).
 */
function assertSameDossier(now, earlier) {
  assert.deepEqual({ ...now, issued: null }, { ...earlier, issued: null });
  for (const doc of now.issued) {
    assert.equal(doc.kind, 'receipt', JSON.stringify(now.issued));
    assert.ok(['signed', 'awaiting_timestamp'].includes(doc.state), JSON.stringify(doc));
    assert.match(doc.public_id, /^[a-z2-7]{20}$/);
    assert.ok(!('error' in doc), 'no officers\' reason for the applicant');
  }
}

function assertDraft(d, { procedure = BIRTH, unit = COMMUNE } = {}) {
  assert.deepEqual(Object.keys(d).sort(), ['apologies', 'channel', 'code', 'created_at', 'due_at', 'files', 'first_due_at', 'form', 'history', 'id', 'issued', 'procedure', 'state', 'status', 'submitted_at', 'unit'].sort());
  assert.deepEqual(d.issued, [], 'a draft has nothing issued');
  assert.ok(Number.isInteger(d.id) && d.id > 0);
  assert.equal(d.code, null);
  assert.equal(d.state, 'draft');
  assert.equal(d.status, null);
  assert.equal(d.procedure.code, procedure);
  assert.equal(d.unit.code, unit);
  assert.equal(d.channel, 'online');
  parseLocalIso(d.created_at);
  assert.equal(d.submitted_at, null);
  assert.equal(d.due_at, null);
  assert.deepEqual(d.history, []);
}

test('POST /dossiers creates a draft; GET by id; GET list', async () => {
  const c = await newCitizen(srv.url);
  const t0 = Date.now();
  const r = await c.post(D, { procedure_code: BIRTH, unit_code: COMMUNE });
  assert.equal(r.status, 201, r.text);
  const d = r.json;
  assertDraft(d);
  assert.deepEqual(d.procedure, { code: BIRTH, name: 'Đăng ký khai sinh' });
  assert.deepEqual(d.unit, { code: COMMUNE, name: 'Phường Hạc Thành' });
  assert.deepEqual(d.form, {});
  assert.deepEqual(d.files, []);
  assert.ok(Math.abs(parseLocalIso(d.created_at) - t0) < 120e3, 'created_at is now');

  const [row] = sql(srv.dataDir, dossierRow(d.id));
  assert.equal(row.state, 'draft');
  assert.equal(row.code, null);
  assert.equal(row.status_code, null);
  assert.equal(row.owner_id, c.account.id);
  assert.equal(row.channel, 'online');
  assert.equal(sqlValue(srv.dataDir, `SELECT count(*) FROM audit_log WHERE action = 'dossier.create' AND object_id = '${d.id}'`), 1);

  const g = await c.get(`${D}/${d.id}`);
  assert.equal(g.status, 200);
  assert.deepEqual(g.json, d);

  const d2 = (await c.post(D, { procedure_code: MARRIAGE, unit_code: COMMUNE2 })).json;
  const e = (await c.post(D, { procedure_code: ENTERPRISE, unit_code: '000.00.04.H56' }));
  assert.equal(e.status, 201, e.text);
  assertDraft(e.json, { procedure: ENTERPRISE, unit: '000.00.04.H56' });
  const l = await c.get(D);
  assert.equal(l.status, 200);
  assert.deepEqual(Object.keys(l.json), ['items']);
  assert.deepEqual(l.json.items.map((x) => x.id), [e.json.id, d2.id, d.id], 'newest first');
  for (const item of l.json.items) {
    assert.ok(!('form' in item) && !('history' in item), 'the list leaves out form and history');
    assert.equal(item.state, 'draft');
  }
  assert.deepEqual((await c.get(`${D}?limit=1`)).json.items.map((x) => x.id), [e.json.id]);
  assert.deepEqual((await c.get(`${D}?limit=1&offset=2`)).json.items.map((x) => x.id), [d.id]);
  assertError(await c.get(`${D}?limit=0`), 400, 'bad_parameter', 'limit');
  assertError(await c.get(`${D}?offset=-1`), 400, 'bad_parameter', 'offset');
  // A new citizen has none.
  const other = await newCitizen(srv.url);
  assert.deepEqual((await other.get(D)).json, { items: [] });
});

test('POST /dossiers: unknown procedure or unit -> 404, unit not handling it -> 422, bad bodies', async () => {
  const c = await newCitizen(srv.url);
  const bad = [
    [{ procedure_code: '9.999999.000.00.00.H56', unit_code: COMMUNE }, 404, 'unknown_procedure', 'procedure_code'],
    [{ procedure_code: BIRTH, unit_code: '000.99.99.H56' }, 404, 'unknown_unit', 'unit_code'],
    [{ procedure_code: BIRTH, unit_code: PROVINCE }, 422, 'unit_not_handling', 'unit_code'],
    [{ procedure_code: BIRTH, unit_code: '000.00.04.H56' }, 422, 'unit_not_handling', 'unit_code'],
    [{ procedure_code: ENTERPRISE, unit_code: COMMUNE }, 422, 'unit_not_handling', 'unit_code'],
    [{ procedure_code: ENTERPRISE, unit_code: '000.00.03.H56' }, 422, 'unit_not_handling', 'unit_code'],
    [{ unit_code: COMMUNE }, 422, 'required', 'procedure_code'],
    [{ procedure_code: BIRTH }, 422, 'required', 'unit_code'],
    [{ procedure_code: '', unit_code: COMMUNE }, 422, 'required', 'procedure_code'],
    [{ procedure_code: 1001193, unit_code: COMMUNE }, 422, 'bad_type', 'procedure_code'],
    [{ procedure_code: BIRTH, unit_code: [COMMUNE] }, 422, 'bad_type', 'unit_code'],
    [{ procedure_code: BIRTH, unit_code: null }, 422, 'required', 'unit_code'],
    [{ procedure_code: 'x'.repeat(61), unit_code: COMMUNE }, 422, 'bad_length', 'procedure_code'],
  ];
  for (const [body, status, code, field] of bad) {
    await expectRefused(srv, () => c.post(D, body), { status, code, field });
  }
  await expectRefused(srv, () => c.post(D, '{"procedure_code":'), { status: 400, code: 'malformed_json' });
  await expectRefused(srv, () => c.post(D, '[]'), { status: 400, code: 'malformed_json' });
  await expectRefused(srv, () => c.post(D, { procedure_code: BIRTH, unit_code: COMMUNE }, { type: 'text/plain' }), { status: 415, code: 'unsupported_media_type' });
  await expectRefused(srv, () => c.post(D, { procedure_code: BIRTH, unit_code: COMMUNE, pad: 'x'.repeat(65 * 1024) }), { status: 413, code: 'body_too_large' });
  await expectRefused(srv, () => c.post(D, { procedure_code: BIRTH, unit_code: COMMUNE }, { csrf: false }), { status: 403, code: 'csrf' });
  await expectRefused(srv, () => new Client(srv.url).post(D, { procedure_code: BIRTH, unit_code: COMMUNE }), { status: 401, code: 'unauthenticated' });
  assertError(await new Client(srv.url).get(D), 401, 'unauthenticated');
});

// --- form --------------------------------------------------------------------------------

test('PUT form: saves a draft (partial is fine), replaces the whole form, answers the dossier', async () => {
  const c = await newCitizen(srv.url);
  const d = (await c.post(D, { procedure_code: BIRTH, unit_code: COMMUNE })).json;
  const partial = { child_name: 'Lê Minh Khôi', child_dob: '2026-01-15' };
  let r = await c.put(`${D}/${d.id}/form`, partial);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.form, partial);
  assert.equal(r.json.state, 'draft');
  assert.deepEqual(JSON.parse(sql(srv.dataDir, dossierRow(d.id))[0].form), partial);
  r = await c.put(`${D}/${d.id}/form`, birthForm());
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.form, birthForm());
  // Saving replaces, it does not merge.
  r = await c.put(`${D}/${d.id}/form`, { mother_name: 'Nguyễn Thị Mai' });
  assert.deepEqual(r.json.form, { mother_name: 'Nguyễn Thị Mai' });
  r = await c.put(`${D}/${d.id}/form`, {});
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.form, {});
  // By code is for submitted dossiers; by id works for drafts.
  assert.deepEqual((await c.get(`${D}/${d.id}`)).json.form, {});
});

test('PUT form: invalid values -> 422 invalid_form with fields; the draft keeps its form', async () => {
  const c = await newCitizen(srv.url);
  const d = (await c.post(D, { procedure_code: BIRTH, unit_code: COMMUNE })).json;
  await c.put(`${D}/${d.id}/form`, { child_name: 'Giữ nguyên' });
  const P = `${D}/${d.id}/form`;
  const rows = relatedRows(d.id);
  const cases = [
    [{ child_name: 5 }, 'child_name', 'bad_type'],
    [{ child_name: 'A'.repeat(101) }, 'child_name', 'too_long'],
    [{ child_name: 'dòng\nhai' }, 'child_name', 'bad_chars'],
    [{ child_dob: '2026-02-30' }, 'child_dob', 'bad_date'],
    [{ child_dob: '15/01/2026' }, 'child_dob', 'bad_date'],
    [{ child_dob: '2999-01-01' }, 'child_dob', 'out_of_range'],
    [{ child_sex: 'khac' }, 'child_sex', 'bad_option'],
    [{ child_sex: 'Nam' }, 'child_sex', 'bad_option'],
    [{ mother_birth_year: '1995' }, 'mother_birth_year', 'bad_type'],
    [{ mother_birth_year: 1995.5 }, 'mother_birth_year', 'bad_type'],
    [{ mother_birth_year: 1899 }, 'mother_birth_year', 'out_of_range'],
    [{ mother_birth_year: 3000 }, 'mother_birth_year', 'out_of_range'],
    [{ copies_requested: 21 }, 'copies_requested', 'out_of_range'],
    [{ copies_requested: -1 }, 'copies_requested', 'out_of_range'],
    [{ commitment: 'yes' }, 'commitment', 'bad_type'],
    [{ requester_id_number: '097095001234' }, 'requester_id_number', 'bad_citizen_id'],
    [{ requester_id_number: '03809500123' }, 'requester_id_number', 'bad_citizen_id'],
    [{ requester_phone: '123' }, 'requester_phone', 'bad_phone'],
    [{ requester_email: 'khong-phai-email' }, 'requester_email', 'bad_email'],
    [{ no_such_field: 'x' }, 'no_such_field', 'unknown_field'],
  ];
  for (const [body, field, code] of cases) {
    const r = await expectRefused(srv, () => c.put(P, body), { status: 422, code: 'invalid_form', field }, rows);
    assert.ok(Array.isArray(r.json.error.fields), r.text);
    assert.deepEqual(r.json.error.fields.map((f) => [f.field, f.code]), [[field, code]], `${JSON.stringify(body)}: ${r.text}`);
    assert.ok(r.json.error.fields[0].message.length > 0);
  }
  // Several errors at once: all reported, in form order, unknown keys last.
  const r = await expectRefused(srv, () => c.put(P, { zzz: 1, child_sex: 'x', requester_name: 7 }), { status: 422, code: 'invalid_form', field: 'requester_name' }, rows);
  assert.deepEqual(r.json.error.fields.map((f) => f.field), ['requester_name', 'child_sex', 'zzz']);
  // Malformed bodies.
  await expectRefused(srv, () => c.put(P, '{"child_name": "a"'), { status: 400, code: 'malformed_json' }, rows);
  await expectRefused(srv, () => c.put(P, '["child_name"]'), { status: 400, code: 'malformed_json' }, rows);
  await expectRefused(srv, () => c.put(P, '{"child_name":"a","child_name":"b"}'), { status: 400, code: 'malformed_json' }, rows);
  await expectRefused(srv, () => c.put(P, { child_name: 'a' }, { type: 'text/plain' }), { status: 415, code: 'unsupported_media_type' }, rows);
  await expectRefused(srv, () => c.put(P, { child_name: 'a' }, { type: null }), { status: 415, code: 'unsupported_media_type' }, rows);
  await expectRefused(srv, () => c.put(P, { child_birth_place: 'x'.repeat(64 * 1024) }), { status: 413, code: 'body_too_large' }, rows);
  // The limit is 64 KiB exactly: a body of 65,536 bytes is read (and refused by the form
  // check), one byte more is not read at all.
  const sized = (n) => JSON.stringify({ child_birth_place: 'x'.repeat(n - '{"child_birth_place":""}'.length) });
  assert.equal(sized(65536).length, 65536);
  await expectRefused(srv, () => c.put(P, sized(65536)), { status: 422, code: 'invalid_form', field: 'child_birth_place' }, rows);
  await expectRefused(srv, () => c.put(P, sized(65537)), { status: 413, code: 'body_too_large' }, rows);
  await expectRefused(srv, () => c.put(P, { child_name: 'a' }, { csrf: false }), { status: 403, code: 'csrf' }, rows);
  await expectRefused(srv, () => new Client(srv.url).put(P, { child_name: 'a' }), { status: 401, code: 'unauthenticated' }, rows);
  assert.deepEqual((await c.get(`${D}/${d.id}`)).json.form, { child_name: 'Giữ nguyên' });
});

// --- submit ------------------------------------------------------------------------------------

test('submit: code {unit}-{yyMMdd}-0001 then 0002, status 1, history, appointment computed independently', async () => {
  const s = await startServer(null); // fresh counters
  try {
    const a = await newCitizen(s.url);
    const b = await newCitizen(s.url);
    const da = await readyBirthDraft(a, COMMUNE);
    const db = await readyBirthDraft(b, COMMUNE);
    const dc = await readyBirthDraft(a, COMMUNE2);
    const codes = [];
    for (const [cl, d, unit] of [[a, da, COMMUNE], [b, db, COMMUNE], [a, dc, COMMUNE2]]) {
      const t0 = Date.now();
      const r = await cl.post(`${D}/${d.id}/submit`);
      const t1 = Date.now();
      assert.equal(r.status, 200, r.text);
      const x = r.json;
      const m = /^(.+)-(\d{6})-(\d{4})$/.exec(x.code || '');
      assert.ok(m, `code format: ${x.code}`);
      assert.equal(m[1], unit);
      assert.ok([localYymmdd(t0), localYymmdd(t1)].includes(m[2]), `code date ${m[2]} is today in Vietnam`);
      assert.equal(m[2], localYymmdd(parseLocalIso(x.submitted_at)), 'code date is the submission date');
      const sameDay = codes.filter((c) => c.startsWith(`${unit}-${m[2]}-`)).length;
      assert.equal(m[3], String(sameDay + 1).padStart(4, '0'), `counter for ${unit}: ${x.code}`);
      codes.push(x.code);
      assert.equal(x.state, 'submitted');
      assert.deepEqual(x.status, STATUS_1);
      const sub = parseLocalIso(x.submitted_at);
      // The server reads time() (the kernel's coarse clock, up to a tick behind the precise one
      // node reads), so just after a second boundary it may still say the previous second.
      assert.ok(sub >= Math.floor(t0 / 1000) * 1000 - 1000 && sub <= t1, 'submitted_at is the moment of submission');
      assert.equal(x.history.length, 1);
      assert.deepEqual(x.history[0].status, STATUS_1);
      assert.equal(x.history[0].at, x.submitted_at);
      assert.equal(typeof x.history[0].note, 'string');
      assert.deepEqual(x.form, birthForm());
      assert.equal(x.files.length, 1);
      assertDue(x, 1, '15:00'); // birth registration: 1 working day, cut-off 15:00

      // The same by GET, by id and by code, and in the database.
      assert.deepEqual((await cl.get(`${D}/${d.id}`)).json, x);
      assert.deepEqual((await cl.get(`${D}/${encodeURIComponent(x.code)}`)).json, x);
      const [row] = sql(s.dataDir, dossierRow(d.id));
      assert.equal(row.code, x.code);
      assert.equal(row.state, 'submitted');
      assert.equal(row.status_code, 1);
      assert.equal(row.submitted_at * 1000, sub);
      assert.equal(row.due_at * 1000, parseLocalIso(x.due_at));
      assert.equal(row.applicant_name, 'Lê Văn Hùng', 'the applicant is the requester named in the form');
      assert.equal(row.applicant_phone, '0903123456');
      assert.equal(sqlValue(s.dataDir, `SELECT count(*) FROM audit_log WHERE action = 'dossier.submit' AND object_id = '${d.id}'`), 1);
    }
    const counters = sql(s.dataDir, 'SELECT u.code, c.day, c.last FROM dossier_counters c JOIN units u ON u.id = c.unit_id ORDER BY u.code');
    const day = codes[0].split('-')[1];
    if (codes.every((x) => x.split('-')[1] === day)) {
      assert.deepEqual(counters, [{ code: COMMUNE, day, last: 2 }, { code: COMMUNE2, day, last: 1 }]);
    }
    assert.equal(new Set(codes).size, codes.length);
  } finally {
    await s.stop();
  }
});

test('submit with a missing required form field -> 422 invalid_form; missing document -> 422 missing_documents', async () => {
  const c = await newCitizen(srv.url);
  const d = (await c.post(D, { procedure_code: BIRTH, unit_code: COMMUNE })).json;
  const S = `${D}/${d.id}/submit`;
  const rows = [...relatedRows(d.id), 'SELECT * FROM dossier_counters'];
  // Empty form: every required field is listed.
  let r = await expectRefused(srv, () => c.post(S), { status: 422, code: 'invalid_form', field: 'requester_name' }, rows);
  assert.ok(r.json.error.fields.length >= 10, r.text);
  assert.ok(r.json.error.fields.every((f) => f.code === 'required'), r.text);
  // One required field left out, one blank, the commitment unticked.
  for (const [over, field] of [[{ mother_name: undefined }, 'mother_name'], [{ child_home_town: '   ' }, 'child_home_town'], [{ commitment: false }, 'commitment']]) {
    const form = birthForm(over);
    for (const k of Object.keys(over)) if (over[k] === undefined) delete form[k];
    assert.equal((await c.put(`${D}/${d.id}/form`, form)).status, 200);
    r = await expectRefused(srv, () => c.post(S), { status: 422, code: 'invalid_form', field }, rows);
    assert.deepEqual(r.json.error.fields.map((f) => [f.field, f.code]), [[field, 'required']]);
  }
  // Optional fields (the father's) may stay empty.
  const noFather = birthForm();
  for (const k of Object.keys(noFather)) if (k.startsWith('father_')) delete noFather[k];
  assert.equal((await c.put(`${D}/${d.id}/form`, noFather)).status, 200);
  // Form complete, no birth certificate (giay_chung_sinh); the declaration itself (to_khai) is the online form.
  r = await expectRefused(srv, () => c.post(S), { status: 422, code: 'missing_documents', field: 'giay_chung_sinh' }, rows);
  // A file attached under another document does not count.
  assert.equal((await c.req('PUT', `${D}/${d.id}/files/ket-hon.png?document=giay_chung_nhan_ket_hon`, { body: samplePng(), type: 'image/png' })).status, 201);
  assert.equal((await c.req('PUT', `${D}/${d.id}/files/khac.pdf`, { body: samplePdf(), type: 'application/pdf' })).status, 201);
  await expectRefused(srv, () => c.post(S), { status: 422, code: 'missing_documents', field: 'giay_chung_sinh' }, rows);
  // Attach it: now it goes through.
  assert.equal((await c.req('PUT', `${D}/${d.id}/files/chung-sinh.pdf?document=giay_chung_sinh`, { body: samplePdf(), type: 'application/pdf' })).status, 201);
  r = await c.post(S);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.status, STATUS_1);
  assert.equal(r.json.files.length, 3);
});

test('submit needs CSRF and login; submit twice -> 409; editing after submission -> 409; nothing changes', async () => {
  const c = await newCitizen(srv.url);
  const d = await readyBirthDraft(c);
  const pre = [...relatedRows(d.id), 'SELECT * FROM dossier_counters'];
  await expectRefused(srv, () => c.post(`${D}/${d.id}/submit`, undefined, { csrf: false }), { status: 403, code: 'csrf' }, pre);
  await expectRefused(srv, () => c.post(`${D}/${d.id}/submit`, undefined, { csrf: c.csrf.slice(1) }), { status: 403, code: 'csrf' }, pre);
  await expectRefused(srv, () => new Client(srv.url).post(`${D}/${d.id}/submit`), { status: 401, code: 'unauthenticated' }, pre);
  const x = (await c.post(`${D}/${d.id}/submit`)).json;
  assert.deepEqual(x.status, STATUS_1);
  const rows = [...relatedRows(d.id), 'SELECT * FROM dossier_counters'];
  await expectRefused(srv, () => c.post(`${D}/${d.id}/submit`), { status: 409, code: 'not_a_draft' }, rows);
  await expectRefused(srv, () => c.post(`${D}/${encodeURIComponent(x.code)}/submit`), { status: 409, code: 'not_a_draft' }, rows);
  await expectRefused(srv, () => c.put(`${D}/${d.id}/form`, birthForm({ child_name: 'Đổi Tên' })), { status: 409, code: 'not_a_draft' }, rows);
  await expectRefused(srv, () => c.put(`${D}/${d.id}/form`, '{bad json'), { status: 409, code: 'not_a_draft' }, rows);
  await expectRefused(srv, () => c.req('PUT', `${D}/${d.id}/files/moi.pdf?document=giay_chung_sinh`, { body: samplePdf(), type: 'application/pdf' }),
    { status: 409, code: 'not_a_draft' }, rows);
  await expectRefused(srv, () => c.req('PUT', `${D}/${d.id}/files/giay-chung-sinh.pdf?document=giay_chung_sinh`, { body: samplePdf('thay the'), type: 'application/pdf' }),
    { status: 409, code: 'not_a_draft' }, rows);
  await expectRefused(srv, () => c.del(`${D}/${d.id}/files/giay-chung-sinh.pdf`), { status: 409, code: 'not_a_draft' }, rows);
  assertSameDossier((await c.get(`${D}/${d.id}`)).json, x);
});

test('concurrent submits of one draft: one 200, the others 409, one code, one counter step', async () => {
  const c = await newCitizen(srv.url);
  const d = await readyBirthDraft(c, COMMUNE2);
  const before = sql(srv.dataDir, 'SELECT * FROM dossier_counters ORDER BY rowid');
  const rs = await Promise.all(Array.from({ length: 5 }, () => c.post(`${D}/${d.id}/submit`)));
  assert.deepEqual(rs.map((r) => r.status).sort(), [200, 409, 409, 409, 409], rs.map((r) => r.text.slice(0, 200)).join('\n'));
  for (const r of rs.filter((x) => x.status === 409)) assertError(r, 409, 'not_a_draft');
  const ok = rs.find((r) => r.status === 200).json;
  assert.equal(sql(srv.dataDir, dossierRow(d.id))[0].code, ok.code);
  assert.equal(sqlValue(srv.dataDir, `SELECT count(*) FROM dossier_events WHERE dossier_id = ${d.id}`), 1);
  assert.equal(sqlValue(srv.dataDir, `SELECT count(*) FROM audit_log WHERE action = 'dossier.submit' AND object_id = '${d.id}'`), 1);
  const after = sql(srv.dataDir, 'SELECT * FROM dossier_counters ORDER BY rowid');
  const day = ok.code.split('-')[1];
  const unitId = sql(srv.dataDir, dossierRow(d.id))[0].unit_id;
  const prev = before.find((k) => k.unit_id === unitId && k.day === day);
  const now = after.find((k) => k.unit_id === unitId && k.day === day);
  assert.equal(now.last, (prev ? prev.last : 0) + 1, 'the counter moved by one');
  assert.equal(ok.code.slice(-4), String(now.last).padStart(4, '0'));
});

// --- withdraw ----------------------------------------------------------------------------------

test('withdraw: status 7 with the reason in the history; twice -> 409; a draft cannot be withdrawn', async () => {
  const c = await newCitizen(srv.url);
  const d = await readyBirthDraft(c);
  const W = `${D}/${d.id}/withdraw`;
  // A draft is the owner's (GET answers it): withdrawing it is a wrong state, 409.
  await expectRefused(srv, () => c.post(W, { reason: 'Nộp nhầm' }), { status: 409, code: ANY_CODE, what: 'withdraw a draft' }, relatedRows(d.id));
  const x = (await c.post(`${D}/${d.id}/submit`)).json;
  const rows = relatedRows(d.id);
  // Bad bodies first.
  for (const [body, code, field] of [[{}, 'required', 'reason'], [{ reason: '' }, 'required', 'reason'], [{ reason: 5 }, 'bad_type', 'reason'],
    [{ reason: 'x'.repeat(501) }, 'bad_length', 'reason'], [{ reason: 'a\u0002b' }, 'bad_text', 'reason']]) {
    await expectRefused(srv, () => c.post(W, body), { status: 422, code, field }, rows);
  }
  await expectRefused(srv, () => c.post(W, '{"reason":'), { status: 400, code: 'malformed_json' }, rows);
  await expectRefused(srv, () => c.post(W, { reason: 'x' }, { type: 'text/plain' }), { status: 415, code: 'unsupported_media_type' }, rows);
  await expectRefused(srv, () => c.post(W, { reason: 'x'.repeat(70 * 1024) }), { status: 413, code: 'body_too_large' }, rows);
  await expectRefused(srv, () => c.post(W, { reason: 'x' }, { csrf: false }), { status: 403, code: 'csrf' }, rows);
  await expectRefused(srv, () => new Client(srv.url).post(W, { reason: 'x' }), { status: 401, code: 'unauthenticated' }, rows);

  const auditBefore = sqlValue(srv.dataDir, `SELECT count(*) FROM audit_log WHERE object_type = 'dossier' AND object_id = '${d.id}'`);
  const reason = 'Tôi nộp nhầm đơn vị, xin rút hồ sơ';
  const r = await c.post(`${D}/${encodeURIComponent(x.code)}/withdraw`, { reason });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'withdrawn');
  assert.deepEqual(r.json.status, STATUS_7);
  assert.equal(r.json.code, x.code, 'the code stays');
  assert.equal(r.json.submitted_at, x.submitted_at);
  assert.equal(r.json.due_at, x.due_at);
  assert.equal(r.json.history.length, 2);
  assert.deepEqual(r.json.history[0], x.history[0]);
  assert.deepEqual(r.json.history[1].status, STATUS_7);
  assert.equal(r.json.history[1].note, reason);
  parseLocalIso(r.json.history[1].at);
  const [row] = sql(srv.dataDir, dossierRow(d.id));
  assert.equal(row.state, 'withdrawn');
  assert.equal(row.status_code, 7);
  const auditAfter = sql(srv.dataDir, `SELECT action, detail FROM audit_log WHERE object_type = 'dossier' AND object_id = '${d.id}' ORDER BY id`);
  assert.equal(auditAfter.length, auditBefore + 1, 'the withdrawal wrote one audit entry');
  assert.match(JSON.stringify(auditAfter.at(-1)), /withdraw/, 'the audit entry names the withdrawal');

  const rows2 = relatedRows(d.id);
  await expectRefused(srv, () => c.post(W, { reason: 'lần hai' }), { status: 409, code: ANY_CODE, what: 'withdraw twice' }, rows2);
  await expectRefused(srv, () => c.post(`${D}/${d.id}/actions/withdraw`, { reason: 'lần ba' }), { status: 409, code: ANY_CODE, what: 'withdraw action twice' }, rows2);
  await expectRefused(srv, () => c.post(`${D}/${d.id}/submit`), { status: 409, code: 'not_a_draft' }, rows2);
  await expectRefused(srv, () => c.put(`${D}/${d.id}/form`, birthForm()), { status: 409, code: 'not_a_draft' }, rows2);
  assert.deepEqual((await c.get(`${D}/${d.id}`)).json, r.json);
  // The list shows the status.
  const item = (await c.get(D)).json.items.find((i) => i.id === d.id);
  assert.deepEqual(item.status, STATUS_7);
});

test('owner actions: POST /dossiers/{id}/actions/withdraw works like /withdraw; supply only when asked; unknown action -> 404', async () => {
  const c = await newCitizen(srv.url);
  const d = await readyBirthDraft(c);
  const A = (a, id = d.id) => `${D}/${id}/actions/${a}`;
  await expectRefused(srv, () => c.post(A('withdraw'), { reason: 'x' }), { status: 409, code: ANY_CODE, what: 'withdraw action on a draft' }, relatedRows(d.id));
  await expectRefused(srv, () => c.post(A('supply'), { note: 'x' }), { status: 409, code: ANY_CODE, what: 'supply on a draft' }, relatedRows(d.id));
  const x = (await c.post(`${D}/${d.id}/submit`)).json;
  const rows = relatedRows(d.id);
  for (const a of ['approve', 'submit', 'delete', 'WITHDRAW', 'x'.repeat(300)]) {
    await expectRefused(srv, () => c.post(A(a), { reason: 'x', note: 'x' }), { status: 404, code: ANY_CODE, what: `action ${a.slice(0, 20)}` }, rows);
  }
  // Supplying documents when none were asked for: wrong state.
  await expectRefused(srv, () => c.post(A('supply'), { note: 'Bổ sung' }), { status: 409, code: 'action_not_allowed' }, rows);
  await expectRefused(srv, () => c.post(A('supply'), {}), { status: 409, code: 'action_not_allowed' }, rows);
  // Bodies, CSRF, login.
  await expectRefused(srv, () => c.post(A('withdraw'), {}), { status: 422, code: 'required', field: 'reason' }, rows);
  await expectRefused(srv, () => c.post(A('withdraw'), { reason: ['x'] }), { status: 422, code: 'bad_type', field: 'reason' }, rows);
  await expectRefused(srv, () => c.post(A('supply'), { note: 7 }), { status: 422, code: 'bad_type', field: 'note' }, rows);
  await expectRefused(srv, () => c.post(A('withdraw'), '{"reason"'), { status: 400, code: 'malformed_json' }, rows);
  await expectRefused(srv, () => c.post(A('withdraw'), { reason: 'x' }, { type: 'text/plain' }), { status: 415, code: 'unsupported_media_type' }, rows);
  await expectRefused(srv, () => c.post(A('withdraw'), { reason: 'x'.repeat(65 * 1024) }), { status: 413, code: 'body_too_large' }, rows);
  await expectRefused(srv, () => c.post(A('withdraw'), { reason: 'x' }, { csrf: false }), { status: 403, code: 'csrf' }, rows);
  await expectRefused(srv, () => new Client(srv.url).post(A('withdraw'), { reason: 'x' }), { status: 401, code: 'unauthenticated' }, rows);
  // Withdraw through the action.
  const r = await c.post(A('withdraw', encodeURIComponent(x.code)), { reason: 'Rút qua thao tác' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.status, STATUS_7);
  assert.equal(r.json.state, 'withdrawn');
  assert.equal(r.json.history.at(-1).note, 'Rút qua thao tác');
  assert.equal(sql(srv.dataDir, dossierRow(d.id))[0].status_code, 7);
});

// --- receipt -------------------------------------------------------------------------------------

function pdfText(buf) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-pdf-'));
  try {
    const f = path.join(dir, 'r.pdf');
    fs.writeFileSync(f, buf);
    const r = spawnSync('pdftotext', ['-layout', '-enc', 'UTF-8', f, '-'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `pdftotext: ${r.stderr}`);
    return r.stdout.normalize('NFC');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('receipt.pdf: a PDF with the code, the applicant and the title; a draft -> 409', async () => {
  const c = await newCitizen(srv.url);
  const d = await readyBirthDraft(c);
  const rows = relatedRows(d.id);
  await expectRefused(srv, () => c.get(`${D}/${d.id}/receipt.pdf`), { status: 409, code: 'not_submitted' }, rows);
  const x = (await c.post(`${D}/${d.id}/submit`)).json;
  for (const key of [d.id, encodeURIComponent(x.code)]) {
    const r = await c.get(`${D}/${key}/receipt.pdf`);
    assert.equal(r.status, 200, r.text.slice(0, 200));
    assert.equal(r.headers.get('content-type'), 'application/pdf');
    assert.equal(r.buf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.ok(r.buf.length > 1000);
    const text = pdfText(r.buf);
    const flat = text.replace(/\s+/g, ' ');
    assert.ok(flat.includes(x.code), `receipt text lacks the code ${x.code}:\n${text}`);
    assert.ok(flat.includes('Lê Văn Hùng'), `receipt text lacks the applicant's name:\n${text}`);
    assert.ok(flat.includes('GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ'), `receipt title missing:\n${text}`);
    assert.ok(flat.includes('Đăng ký khai sinh'), 'the procedure is named');
  }
  assertError(await new Client(srv.url).get(`${D}/${d.id}/receipt.pdf`), 401, 'unauthenticated');
});

// --- someone else's dossier ------------------------------------------------------------------------

test('another citizen\'s dossier answers 404 on every dossier route, like one that does not exist', async () => {
  const owner = await newCitizen(srv.url);
  const intruder = await newCitizen(srv.url);
  const draft = await readyBirthDraft(owner);
  const sub = await readyBirthDraft(owner);
  const x = (await owner.post(`${D}/${sub.id}/submit`)).json;
  const missing = 987654;
  const keys = [draft.id, sub.id, encodeURIComponent(x.code), missing, encodeURIComponent(`${COMMUNE}-000101-0001`), 0, '00' + draft.id, '-1', 'abc'];
  const rows = [...relatedRows(draft.id), ...relatedRows(sub.id)];
  for (const k of keys) {
    const P = `${D}/${k}`;
    const reqs = [
      () => intruder.get(P),
      () => intruder.get(`${P}/receipt.pdf`),
      () => intruder.get(`${P}/files/giay-chung-sinh.pdf`),
      () => intruder.put(`${P}/form`, birthForm({ child_name: 'Kẻ Xâm Nhập' })),
      () => intruder.req('PUT', `${P}/files/giay-chung-sinh.pdf?document=giay_chung_sinh`, { body: samplePdf('gia mao'), type: 'application/pdf' }),
      () => intruder.req('PUT', `${P}/files/moi.pdf`, { body: samplePdf('gia mao'), type: 'application/pdf' }),
      () => intruder.del(`${P}/files/giay-chung-sinh.pdf`),
      () => intruder.post(`${P}/submit`),
      () => intruder.post(`${P}/withdraw`, { reason: 'rút hộ' }),
      () => intruder.post(`${P}/actions/withdraw`, { reason: 'rút hộ' }),
      () => intruder.post(`${P}/actions/supply`, { note: 'bổ sung hộ' }),
    ];
    for (const send of reqs) {
      const r = await expectRefused(srv, send, { status: 404, code: 'not_found' }, rows);
      assert.ok(!r.text.includes('Lê Văn Hùng') && !r.text.includes(owner.person.full_name), 'no data leaks in the 404');
    }
  }
  // The same answer, byte for byte, as for a dossier that does not exist.
  const a = await intruder.get(`${D}/${draft.id}`);
  const b = await intruder.get(`${D}/${missing}`);
  assert.equal(a.text, b.text);
  // The intruder's list does not show it; the owner still sees both, unchanged.
  assert.deepEqual((await intruder.get(D)).json, { items: [] });
  assert.equal((await owner.get(`${D}/${draft.id}`)).json.form.child_name, 'Lê Minh Khôi');
  assert.equal((await owner.get(`${D}/${sub.id}`)).json.state, 'submitted');
});
