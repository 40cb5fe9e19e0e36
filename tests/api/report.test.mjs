// Reports: a quarter of dossiers built through the API with known proportions (online and
// desk/post, two online levels, two communes, early / on time / late / late with an apology,
// refused, withdrawn, stopped, pending and overdue, supplements, ratings), then every figure
// of the report checked against counts made here, independently, from the raw rows. The
// server runs under a fake clock (lib/fakeclock.mjs: an LD_PRELOAD shim for time()),
// so the quarter's weeks pass in seconds and every step happens at the time it names.
// Also: the scope (report.read on the unit or above, 404 otherwise), CSV and XLSX, the
// drill-down filters of the queue, the citizen's rating, and the counters against a
// rebuild and a full scan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  ROOT, COMMUNE, COMMUNE2, PROVINCE, Client, startServer, samplePdf, motcua, sql,
  expectRefused, assertError, formatLocalIso, person, totp, DEMO_OFFICERS,
} from './lib/server.mjs';
import { giveOfficialKey, giveSealKey } from './lib/keys.mjs';
import { FakeClock } from './lib/fakeclock.mjs';

const COPY = '2.000815.000.00.00.H56'; // chứng thực bản sao: một phần, mức độ 3, a file
const EXTRACT = '2.000635.000.00.00.H56'; // trích lục hộ tịch: toàn trình, mức độ 4, form only
const DAY = 86400e3;
const VN = 7 * 3600e3;

// --- the fake clock (lib/fakeclock.mjs) -------------------------------------------------

let fake = null;
/** The server's "now", Unix ms. */
const fakeNow = () => fake.now();
/** Local (UTC+7) wall time as Unix ms. */
const local = (y, mo, d, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h, mi) - VN;
const localDay = (ms) => Math.floor((ms + VN) / DAY);
const ymd = (ms) => new Date(ms + VN).toISOString().slice(0, 10);
/** "YYYY-MM-DDTHH:MM" local, as the apology route takes it. */
const localMinute = (ms) => formatLocalIso(ms).slice(0, 16);

function startFakeServer(t, startAt) {
  fake = new FakeClock(startAt);
  return startServer(t, { env: fake.env() });
}
/** Sets the clock (in place: the shim reads the same file on every call). */
function clock(t) { fake.set(t); }

// --- officers and citizens ------------------------------------------------------------

const DEMO = DEMO_OFFICERS;


/** A client that logs in again when its session (12 h of fake time) may have ended. */
class Session {
  constructor(url, login, password, secret) {
    Object.assign(this, { url, login, password, secret, at: -Infinity, c: null, lastStep: -1 });
  }
  async client() {
    if (fakeNow() - this.at < 6 * 3600e3) return this.c;
    if (this.secret) { // one code per 30 s step, never twice
      while (Math.floor(fakeNow() / 30000) <= this.lastStep) clock(fakeNow() + 30000);
    }
    const c = new Client(this.url);
    const body = { login: this.login, password: this.password };
    if (this.secret) { body.totp = totp(this.secret, fakeNow()); this.lastStep = Math.floor(fakeNow() / 30000); }
    const r = await c.post('/api/v1/auth/login', body);
    assert.equal(r.status, 200, `login ${this.login}: ${r.text}`);
    this.c = c;
    this.at = fakeNow();
    return c;
  }
}

const ok = (r, status = 200) => { assert.equal(r.status, status, r.text); return r.json; };

function form(proc) {
  if (proc === COPY) {
    return { requester_name: 'Lê Văn Hùng', requester_id_number: '038090012345', requester_phone: '0903123456', document_name: 'Bằng tốt nghiệp', pages: 2, copies_requested: 1 };
  }
  return {
    requester_name: 'Nguyễn Thị Mai', requester_residence: 'Phường Hạc Thành', requester_id_number: '038090012345',
    requester_relationship: 'Bản thân', record_type: 'khai_sinh', subject_name: 'Nguyễn Thị Mai',
    record_office: 'UBND phường Hạc Thành', copies_requested: 1, commitment: true,
  };
}

// --- the plan ------------------------------------------------------------------------------

// Working days of the quarter on which dossiers arrive (Mondays to Thursdays).
const DAYS = [[10, 6], [10, 14], [10, 22], [10, 30], [11, 5], [11, 13], [11, 20], [11, 26], [12, 3], [12, 10], [12, 16], [12, 22]];
const OUTCOMES = ['early', 'early', 'on_time', 'on_time', 'late', 'apology', 'refused', 'pending', 'closed'];

function plan() {
  const list = [];
  for (let i = 0; i < 36; i++) {
    const [mo, d] = DAYS[Math.floor(i / 3)];
    const channel = i % 4 !== 3 ? 'online' : i % 8 === 3 ? 'desk' : 'post';
    let outcome = OUTCOMES[i % 9];
    if (outcome === 'refused' && channel !== 'online') outcome = 'early'; // the desk checked it already
    list.push({
      i, unit: i % 3 === 2 ? COMMUNE2 : COMMUNE, proc: i % 6 < 3 ? COPY : EXTRACT, channel, outcome,
      at: local(2025, mo, d, 8, 5 + i), // before the 15:00 cut-off
      supplement: i % 5 === 1 && outcome !== 'refused',
      returned: ['early', 'on_time', 'late', 'apology'].includes(outcome) && i % 4 !== 1,
      rating: ['rat_hai_long', 'hai_long', 'khong_hai_long', 'rat_hai_long', null][i % 5],
      // A fee asked during processing, paid at the desk or by bank transfer (online).
      fee: ['early', 'on_time', 'late'].includes(outcome) && i % 2 === 0 ? (i % 4 === 0 ? 'bank_transfer' : 'desk') : null,
    });
  }
  // Around the quarter's edges, in local time: received before it, finished in it; received
  // in its first and last minutes; received after it.
  list.push({ i: 100, unit: COMMUNE, proc: COPY, channel: 'online', outcome: 'on_time', at: local(2025, 9, 30, 14, 0), finishAt: local(2025, 10, 1, 9, 0) });
  list.push({ i: 101, unit: COMMUNE2, proc: EXTRACT, channel: 'online', outcome: 'on_time', at: local(2025, 10, 1, 0, 10), finishAt: local(2025, 10, 1, 9, 0) });
  list.push({ i: 102, unit: COMMUNE, proc: EXTRACT, channel: 'online', outcome: 'open', at: local(2025, 12, 31, 23, 30) });
  list.push({ i: 103, unit: COMMUNE, proc: COPY, channel: 'online', outcome: 'open', at: local(2026, 1, 1, 0, 5) });
  return list;
}

// --- independent counts from the raw rows -------------------------------------------------

/** The report's figures for the units under `prefix` (units.path), counted here. */
function countRaw(dataDir, unitCode, from, to, now) {
  const t0 = local(...from.split('-').map(Number)) / 1000;
  const t1 = (local(...to.split('-').map(Number)) + DAY) / 1000;
  const q = (s) => sql(dataDir, s);
  const [{ path: prefix }] = q(`SELECT path FROM units WHERE code = '${unitCode}'`);
  const under = `(SELECT id FROM units WHERE substr(path, 1, ${prefix.length}) = '${prefix}')`;
  const rows = q(`SELECT d.id, d.channel, d.status_code, d.state, d.submitted_at, d.finished_at, d.due_at,
      p.level_d42, p.level_old, u.code AS unit,
      (SELECT count(*) FROM dossier_files f WHERE f.dossier_id = d.id AND f.uploaded_at <= d.submitted_at) AS files,
      (SELECT count(*) FROM dossier_apologies a WHERE a.dossier_id = d.id) AS apologies
    FROM dossiers d JOIN procedures p ON p.id = d.procedure_id JOIN units u ON u.id = d.unit_id
    WHERE d.code IS NOT NULL AND d.unit_id IN ${under}`);
  const events = q(`SELECT e.dossier_id, e.at, e.status_code FROM dossier_events e
    WHERE e.dossier_id IN (SELECT id FROM dossiers WHERE unit_id IN ${under}) ORDER BY e.dossier_id, e.id`);
  const ratings = q(`SELECT r.dossier_id, r.level, r.rated_at FROM dossier_ratings r
    WHERE r.dossier_id IN (SELECT id FROM dossiers WHERE unit_id IN ${under})`);
  const payments = q(`SELECT q.dossier_id, q.method, q.paid_at FROM payments q
    WHERE q.status = 'paid' AND q.dossier_id IN (SELECT id FROM dossiers WHERE unit_id IN ${under})`);
  const inP = (t) => t !== null && t >= t0 && t < t1;
  const c = {
    received: 0, online: 0, desk: 0, post: 0, with_files: 0, early: 0, on_time: 0, late: 0, late_apology: 0,
    refused: 0, withdrawn: 0, stopped: 0, returned: 0, supplements: 0, pending: 0, overdue: 0,
    rat_hai_long: 0, hai_long: 0, khong_hai_long: 0, fees_paid: 0, fees_paid_online: 0,
    level: { toan_trinh: { total: 0, online: 0 }, mot_phan: { total: 0, online: 0 }, 3: { total: 0, online: 0 }, 4: { total: 0, online: 0 } },
    byDay: {}, byUnit: {},
  };
  const unitOf = Object.fromEntries(rows.map((r) => [r.id, r.unit]));
  const bump = (unit, k, n = 1) => { (c.byUnit[unit] ||= {})[k] = (c.byUnit[unit][k] || 0) + n; c[k] += n; };
  for (const r of rows) {
    if (inP(r.submitted_at)) {
      bump(r.unit, 'received');
      bump(r.unit, r.channel);
      if (r.files > 0) bump(r.unit, 'with_files');
      for (const lv of [r.level_d42, r.level_old]) {
        c.level[lv].total++;
        if (r.channel === 'online') c.level[lv].online++;
      }
      const day = ymd(r.submitted_at * 1000);
      c.byDay[day] = (c.byDay[day] || 0) + 1;
    }
    if (inP(r.finished_at)) {
      if ([9, 10].includes(r.status_code)) {
        // Late after the appointment or with an apology; early before the appointment's day.
        const kind = r.finished_at > r.due_at || r.apologies > 0 ? 'late'
          : localDay(r.finished_at * 1000) < localDay(r.due_at * 1000) ? 'early' : 'on_time';
        bump(r.unit, kind);
        if (kind === 'late' && r.apologies > 0) bump(r.unit, 'late_apology');
      }
      if (r.status_code === 3) bump(r.unit, 'refused');
      if (r.status_code === 7) bump(r.unit, 'withdrawn');
      if (r.status_code === 8) bump(r.unit, 'stopped');
    }
    if ([1, 2, 4, 5, 6].includes(r.status_code)) {
      bump(r.unit, 'pending');
      const running = ![5, 6].includes(r.status_code);
      if (running && r.due_at * 1000 < now) bump(r.unit, 'overdue');
    }
  }
  let prev = null;
  let prevStatus = 0;
  for (const e of events) {
    if (e.dossier_id !== prev) { prev = e.dossier_id; prevStatus = 0; }
    if (inP(e.at) && e.status_code !== prevStatus) {
      if (e.status_code === 10) bump(unitOf[e.dossier_id], 'returned');
      if (e.status_code === 5) bump(unitOf[e.dossier_id], 'supplements');
    }
    prevStatus = e.status_code;
  }
  for (const r of ratings) if (inP(r.rated_at)) bump(unitOf[r.dossier_id], r.level);
  for (const p of payments) {
    if (!inP(p.paid_at)) continue;
    bump(unitOf[p.dossier_id], 'fees_paid');
    if (p.method !== 'desk') bump(unitOf[p.dossier_id], 'fees_paid_online');
  }
  return c;
}

const rate = (a, b) => (b > 0 ? a / b : null);
function assertRate(actual, expected, what) {
  if (expected === null) assert.equal(actual, null, what);
  else assert.ok(Math.abs(actual - expected) < 1e-5, `${what}: ${actual} vs ${expected}`);
}

/** Every flat figure of a report row against the independent counts. */
function assertFigures(got, c, what) {
  const handled = c.early + c.on_time + c.late;
  const ratings = c.rat_hai_long + c.hai_long + c.khong_hai_long;
  for (const k of ['received', 'online', 'desk', 'post', 'with_files', 'early', 'on_time', 'late', 'late_apology',
    'refused', 'withdrawn', 'stopped', 'returned', 'supplements', 'pending', 'overdue', 'rat_hai_long', 'hai_long', 'khong_hai_long',
    'fees_paid', 'fees_paid_online']) {
    assert.equal(got[k], c[k] || 0, `${what}: ${k}`);
  }
  assert.equal(got.handled, handled, `${what}: handled`);
  assert.equal(got.ratings, ratings, `${what}: ratings`);
  assertRate(got.online_share, rate(c.online, c.received), `${what}: online_share`);
  assertRate(got.on_time_rate, rate(c.early + c.on_time, handled), `${what}: on_time_rate`);
  assertRate(got.late_rate, rate(c.late, handled), `${what}: late_rate`);
  assertRate(got.satisfaction_rate, rate(c.rat_hai_long + c.hai_long, ratings), `${what}: satisfaction_rate`);
  assertRate(got.fees_paid_online_share, rate(c.fees_paid_online, c.fees_paid), `${what}: fees_paid_online_share`);
}

// --- a tiny ZIP reader for the workbook -------------------------------------------------------

function unzip(buf) {
  const files = {};
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'no end of central directory');
  let p = buf.readUInt32LE(eocd + 16);
  const n = buf.readUInt16LE(eocd + 10);
  for (let k = 0; k < n; k++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    const off = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString();
    const lnLen = buf.readUInt16LE(off + 26) + buf.readUInt16LE(off + 28);
    const data = buf.subarray(off + 30 + lnLen, off + 30 + lnLen + size);
    files[name] = method === 8 ? zlib.inflateRawSync(data).toString('utf8') : data.toString('utf8');
    p += 46 + nameLen + extra + comment;
  }
  return files;
}

// --- the test ---------------------------------------------------------------------------------

test('a quarter built through the API: every figure of the report equals counts made from the raw rows', async (t) => {
  const start = local(2025, 9, 29, 7, 30);
  const srv = await startFakeServer(t, start);
  const admin = new Session(srv.url, DEMO.province_admin.login, DEMO.province_admin.password, DEMO.province_admin.secret);
  // The admin approves, which signs the result: a personal key for each commune, and a seal
  // for the commune the demo data has none for.
  for (const unit of [COMMUNE, COMMUNE2]) giveOfficialKey(srv.dataDir, DEMO.province_admin.login, unit);
  giveSealKey(srv.dataDir, COMMUNE2);
  const citizens = [];
  for (let k = 0; k < 3; k++) {
    const c = new Client(srv.url);
    const p = person();
    ok(await c.post('/api/v1/auth/register', p), 201);
    citizens.push(new Session(srv.url, p.citizen_id, p.password, null));
    citizens[k].person = p;
  }
  const specs = plan();

  // Steps happen in time order: a queue of (time, action).
  const agenda = [];
  const at = (time, what, fn) => agenda.push({ time, what, fn, seq: agenda.length });
  const staffAct = async (s, action, body = {}) => ok(await (await admin.client()).post(`/api/v1/staff/dossiers/${s.id}/actions/${action}`, body));

  for (const s of specs) {
    s.citizen = citizens[s.i % 3];
    at(s.at, `submit ${s.i}`, async () => {
      if (s.channel === 'online') {
        const c = await s.citizen.client();
        const d = ok(await c.post('/api/v1/dossiers', { procedure_code: s.proc, unit_code: s.unit }), 201);
        s.id = d.id;
        ok(await c.put(`/api/v1/dossiers/${s.id}/form`, form(s.proc)));
        if (s.proc === COPY) ok(await c.req('PUT', `/api/v1/dossiers/${s.id}/files/ban-chinh.pdf?document=ban_chinh`, { body: samplePdf(), type: 'application/pdf' }), 201);
        s.d = ok(await c.post(`/api/v1/dossiers/${s.id}/submit`, {}));
      } else {
        const c = await admin.client();
        const withAccount = s.i % 2 === 1;
        const applicant = { name: 'Lê Văn Hùng', phone: '0903123456', ...(withAccount ? { citizen_id: s.citizen.person.citizen_id } : {}) };
        const d = ok(await c.post('/api/v1/staff/dossiers', { procedure_code: s.proc, unit_code: s.unit, channel: s.channel, applicant }), 201);
        s.id = d.id;
        s.owned = withAccount;
        ok(await c.put(`/api/v1/staff/dossiers/${s.id}/form`, form(s.proc)));
        if (s.proc === COPY || s.i % 3 === 0) ok(await c.req('PUT', `/api/v1/staff/dossiers/${s.id}/files/ban-quet.pdf?document=${s.proc === COPY ? 'ban_chinh' : 'van_ban_uy_quyen'}`, { body: samplePdf(), type: 'application/pdf' }), 201);
        s.d = ok(await c.post(`/api/v1/staff/dossiers/${s.id}/submit`, {}));
        // The applicant follows it online with the receipt's claim code (and so rates it later).
        if (withAccount) ok(await (await s.citizen.client()).post('/api/v1/dossiers/claim', { code: s.d.code, claim_code: s.d.claim_code }));
      }
      s.due = Date.parse(s.d.due_at);
      schedule(s);
    });
  }

  // What follows a submission, once its appointment is known.
  function schedule(s) {
    const online = s.channel === 'online';
    let t1 = s.at + 30 * 60e3;
    if (s.outcome === 'refused') { at(t1, `refuse ${s.i}`, () => staffAct(s, 'refuse', { note: 'Hồ sơ không thuộc thẩm quyền' })); return; }
    if (s.outcome === 'closed' && online) {
      at(t1, `withdraw ${s.i}`, async () => ok(await (await s.citizen.client()).post(`/api/v1/dossiers/${s.id}/withdraw`, { reason: 'Không còn nhu cầu' })));
      return;
    }
    if (online) at(t1, `accept ${s.i}`, () => staffAct(s, 'accept'));
    if (s.outcome === 'closed') { at(t1 + 60e3, `stop ${s.i}`, () => staffAct(s, 'stop', { note: 'Người nộp không bổ sung' })); return; }
    if (s.outcome === 'open') return;
    if (s.supplement) {
      at(t1 + 60e3, `supplement ${s.i}`, () => staffAct(s, 'request_supplement', { note: 'Cần bản chụp rõ hơn' }));
      t1 += 2 * 3600e3;
      at(t1, `supplied ${s.i}`, async () => {
        await staffAct(s, 'supply_at_desk');
        const again = ok(await (await admin.client()).get(`/api/v1/staff/dossiers/${s.id}`));
        s.due = Date.parse(again.due_at); // the clock was paused: a new appointment
        finish(s, t1);
      });
      return;
    }
    finish(s, t1);
  }

  function finish(s, t1) {
    at(t1 + 2 * 60e3, `assign ${s.i}`, () => staffAct(s, 'assign', { assignee: DEMO.province_admin.login }));
    if (s.outcome === 'pending') return;
    if (!s.fee) { decide(s, t1); return; }
    at(t1 + 150e3, `fee ${s.i}`, async () => {
      const c = await admin.client();
      ok(await c.post(`/api/v1/staff/dossiers/${s.id}/payment-request`, { note: 'Lệ phí', amount: 10000 }), 201);
      ok(await c.post(`/api/v1/staff/dossiers/${s.id}/payment/confirm-desk`, { method: s.fee, note: 'Biên lai' }));
      s.due = Date.parse(ok(await c.get(`/api/v1/staff/dossiers/${s.id}`)).due_at); // the clock paused
      decide(s, t1);
    });
  }

  function decide(s, t1) {
    at(t1 + 3 * 60e3, `propose ${s.i}`, () => staffAct(s, 'propose'));
    let fin;
    if (s.finishAt) fin = s.finishAt;
    else if (s.outcome === 'early') fin = t1 + 60 * 60e3; // the same day; the appointment is a working day later
    else if (s.outcome === 'on_time') fin = s.due - 5 * 60e3; // on the appointment's day, before its hour
    else if (s.outcome === 'late') fin = s.due + DAY;
    else { // apology: an hour before the appointment, a new one two days later; done after the first
      const sorry = s.due - 3600e3;
      at(sorry, `apology ${s.i}`, async () => ok(await (await admin.client()).post(`/api/v1/staff/dossiers/${s.id}/apology`, { new_due_at: localMinute(s.due + 2 * DAY), reason: 'Cần xác minh thêm với cơ quan khác' }), 201));
      fin = s.due + 3600e3;
    }
    at(fin, `approve ${s.i}`, () => staffAct(s, 'approve'));
    if (!s.returned) return;
    at(fin + 3 * 3600e3, `return ${s.i}`, () => staffAct(s, 'return_result'));
    if (s.rating && (s.channel === 'online' || s.owned)) {
      at(fin + DAY, `rate ${s.i}`, async () => ok(await (await s.citizen.client()).post(`/api/v1/dossiers/${s.id}/rating`, { level: s.rating, comment: 'Cán bộ hướng dẫn tận tình' }), 201));
    }
  }

  while (agenda.length) {
    agenda.sort((a, b) => a.time - b.time || a.seq - b.seq);
    const next = agenda.shift();
    if (next.time > fakeNow()) clock(next.time);
    await next.fn().catch((e) => { e.message = `${next.what} at ${formatLocalIso(next.time)}: ${e.message}`; throw e; });
  }

  // --- the report, as of New Year's morning ----------------------------------------------
  const now = local(2026, 1, 1, 9, 0);
  clock(now);
  const leader = new Session(srv.url, DEMO.leader.login, DEMO.leader.password, DEMO.leader.secret);
  const reception = new Session(srv.url, DEMO.reception.login, DEMO.reception.password, DEMO.reception.secret);
  const Q = 'from=2025-10-01&to=2025-12-31';
  const a = await admin.client();
  const rep = ok(await a.get(`/api/v1/reports/summary?unit=${PROVINCE}&${Q}`));
  const asOf = Date.parse(rep.as_of);
  assert.ok(Math.abs(asOf - now) < 120e3, `as_of ${rep.as_of}`);
  const raw = countRaw(srv.dataDir, PROVINCE, '2025-10-01', '2025-12-31', asOf);

  // The data set has the proportions it was built with.
  const inQ = specs.filter((s) => s.at >= local(2025, 10, 1) && s.at < local(2026, 1, 1));
  assert.equal(raw.received, inQ.length);
  assert.equal(raw.online, inQ.filter((s) => s.channel === 'online').length);
  assert.equal(raw.desk, inQ.filter((s) => s.channel === 'desk').length);
  assert.equal(raw.post, inQ.filter((s) => s.channel === 'post').length);
  assert.equal(raw.refused, specs.filter((s) => s.outcome === 'refused').length);
  assert.equal(raw.late_apology, specs.filter((s) => s.outcome === 'apology').length);
  assert.equal(raw.late, specs.filter((s) => ['late', 'apology'].includes(s.outcome)).length);
  assert.equal(raw.early, specs.filter((s) => s.outcome === 'early').length);
  assert.equal(raw.on_time, specs.filter((s) => s.outcome === 'on_time').length);
  assert.ok(raw.overdue >= 3 && raw.pending > raw.overdue, `pending ${raw.pending}, overdue ${raw.overdue}`);
  assert.ok(raw.rat_hai_long > 0 && raw.hai_long > 0 && raw.khong_hai_long > 0);
  assert.ok(raw.supplements > 0 && raw.withdrawn > 0 && raw.stopped > 0 && raw.returned > 0);
  assert.equal(raw.fees_paid, specs.filter((s) => s.fee).length);
  assert.equal(raw.fees_paid_online, specs.filter((s) => s.fee === 'bank_transfer').length);
  assert.ok(raw.fees_paid_online > 0 && raw.fees_paid > raw.fees_paid_online);

  // Every figure of the report equals the independent counts.
  assert.equal(rep.unit.code, PROVINCE);
  assert.deepEqual(rep.period, { from: '2025-10-01', to: '2025-12-31', days: 92 });
  assert.equal(rep.incomplete, false);
  assertFigures(rep.totals, raw, 'province');
  const lv = rep.received_by_level;
  assert.equal(lv.decree_42.toan_trinh.total, raw.level.toan_trinh.total);
  assert.equal(lv.decree_42.toan_trinh.online, raw.level.toan_trinh.online);
  assert.equal(lv.decree_42.mot_phan.total, raw.level.mot_phan.total);
  assert.equal(lv.decree_42.mot_phan.online, raw.level.mot_phan.online);
  assert.equal(lv.decree_43['4'].online, raw.level[4].online);
  assert.equal(lv.decree_43['3'].total, raw.level[3].total);
  assertRate(lv.decree_43['3'].online_share, rate(raw.level[3].online, raw.level[3].total), 'level 3 online share');
  assert.equal(lv.decree_43['2'].total, 0);
  // One row per direct child (and the province's own), each equal to its own counts.
  assert.equal(rep.units.length, 180);
  assert.equal(rep.units[0].own, true);
  for (const row of rep.units) {
    const c = raw.byUnit[row.code] || {};
    assertFigures(row, { ...Object.fromEntries(Object.keys(raw).filter((k) => typeof raw[k] === 'number').map((k) => [k, 0])), ...c }, `unit ${row.code}`);
  }
  // The series: one point per day of the quarter; received per local day as counted.
  assert.equal(rep.series.grain, 'day');
  assert.equal(rep.series.points.length, 92);
  for (const p of rep.series.points) assert.equal(p.received, raw.byDay[p.period] || 0, `received on ${p.period}`);
  for (const k of ['received', 'early', 'on_time', 'late', 'ratings']) {
    assert.equal(rep.series.points.reduce((n, p) => n + p[k], 0), rep.totals[k], `series sum of ${k}`);
  }
  // QĐ 766: what the data supports is computed, the rest is named as missing.
  const ind = Object.fromEntries(rep.qd766.groups.flatMap((g) => g.indicators.map((i) => [i.key, { ...i, group: g.group }])));
  assert.deepEqual(rep.qd766.groups.map((g) => g.title), ['Công khai, minh bạch', 'Tiến độ, kết quả giải quyết', 'Cung cấp dịch vụ trực tuyến', 'Số hóa hồ sơ', 'Mức độ hài lòng']);
  assertRate(ind.tiep_nhan_truc_tuyen.value, rate(raw.online, raw.received), 'QĐ 766 online');
  assertRate(ind.dung_han.value, rate(raw.early + raw.on_time, raw.early + raw.on_time + raw.late), 'QĐ 766 on time');
  assertRate(ind.xin_loi_tre_han.value, rate(raw.late_apology, raw.late), 'QĐ 766 apologies');
  assertRate(ind.hai_long.value, rate(raw.rat_hai_long + raw.hai_long, raw.rat_hai_long + raw.hai_long + raw.khong_hai_long), 'QĐ 766 satisfaction');
  assertRate(ind.truc_tuyen_toan_trinh.value, rate(raw.level.toan_trinh.online, raw.level.toan_trinh.total), 'QĐ 766 toàn trình');
  // Complaints and suggestions, counted straight from their table, over the quarter's
  // local days [1 October, 1 January).
  const fromTs = Date.parse('2025-10-01T00:00:00+07:00') / 1000;
  const toTs = Date.parse('2026-01-01T00:00:00+07:00') / 1000;
  const fb = sql(srv.dataDir, `SELECT coalesce(sum(answered_at >= ${fromTs} AND answered_at < ${toTs}), 0) AS answered,
    coalesce(sum(answered_at >= ${fromTs} AND answered_at < ${toTs} AND answered_at <= due_at), 0) AS on_time,
    coalesce(sum(rated_at >= ${fromTs} AND rated_at < ${toTs}), 0) AS rated,
    coalesce(sum(rated_at >= ${fromTs} AND rated_at < ${toTs} AND rating IN ('rat_hai_long', 'hai_long')), 0) AS satisfied FROM feedback`)[0];
  assert.equal(ind.pakn_dung_han.available, true);
  assertRate(ind.pakn_dung_han.value, rate(fb.on_time, fb.answered), 'QĐ 766 complaints on time');
  assertRate(ind.hai_long_pakn.value, rate(fb.satisfied, fb.rated), 'QĐ 766 complaints satisfaction');
  assert.equal(ind.thanh_toan_truc_tuyen.available, true);
  assertRate(ind.thanh_toan_truc_tuyen.value, rate(raw.fees_paid_online, raw.fees_paid), 'QĐ 766 fees paid online');
  for (const k of ['ket_qua_dien_tu']) {
    assert.equal(ind[k].available, false, k);
    assert.equal(ind[k].value, undefined, k);
    assert.match(ind[k].note, /^Chưa có dữ liệu/, k);
  }

  // A commune, and a single month (whole month: the monthly counters).
  const leaderC = await leader.client();
  const com = ok(await leaderC.get(`/api/v1/reports/summary?unit=${COMMUNE}&${Q}`));
  assertFigures(com.totals, countRaw(srv.dataDir, COMMUNE, '2025-10-01', '2025-12-31', Date.parse(com.as_of)), 'commune');
  const nov = ok(await a.get(`/api/v1/reports/summary?unit=${PROVINCE}&from=2025-11-01&to=2025-11-30`));
  assertFigures(nov.totals, countRaw(srv.dataDir, PROVINCE, '2025-11-01', '2025-11-30', Date.parse(nov.as_of)), 'November');
  const year = ok(await a.get(`/api/v1/reports/summary?unit=${PROVINCE}&from=2025-01-01&to=2025-12-31`));
  assert.equal(year.series.grain, 'month');
  assert.equal(year.series.points.length, 12);
  assertFigures(year.totals, countRaw(srv.dataDir, PROVINCE, '2025-01-01', '2025-12-31', Date.parse(year.as_of)), 'year');
  const edge = ok(await a.get(`/api/v1/reports/summary?unit=${PROVINCE}&from=2025-09-30&to=2025-10-01`));
  assertFigures(edge.totals, countRaw(srv.dataDir, PROVINCE, '2025-09-30', '2025-10-01', Date.parse(edge.as_of)), 'edge days');

  // Scope: report.read on the unit or above it; anything else is 404, as if it did not exist.
  assert.deepEqual(ok(await leaderC.get('/api/v1/reports/units')).items.map((u) => u.code), [COMMUNE]);
  assert.deepEqual(ok(await a.get('/api/v1/reports/units')).items.map((u) => u.code), [PROVINCE]);
  await expectRefused(srv, () => leaderC.get(`/api/v1/reports/summary?unit=${COMMUNE2}&${Q}`), { status: 404, code: 'not_found', field: 'unit' });
  await expectRefused(srv, () => leaderC.get(`/api/v1/reports/summary?unit=${PROVINCE}&${Q}`), { status: 404, code: 'not_found', field: 'unit' });
  await expectRefused(srv, () => leaderC.get(`/api/v1/reports/summary?unit=999.99.99.H56&${Q}`), { status: 404, code: 'not_found', field: 'unit' });
  const recC = await reception.client();
  await expectRefused(srv, () => recC.get(`/api/v1/reports/summary?unit=${COMMUNE}&${Q}`), { status: 404, code: 'not_found' });
  const citizenC = await citizens[0].client();
  await expectRefused(srv, () => citizenC.get(`/api/v1/reports/summary?unit=${COMMUNE}&${Q}`), { status: 404, code: 'not_found' });
  assertError(await new Client(srv.url).get(`/api/v1/reports/summary?unit=${COMMUNE}&${Q}`), 401, /./);
  await expectRefused(srv, () => a.get(`/api/v1/reports/summary?unit=${COMMUNE}&from=2025-10-01`), { status: 400, code: 'required', field: 'to' });
  await expectRefused(srv, () => a.get(`/api/v1/reports/summary?unit=${COMMUNE}&from=2025-02-30&to=2025-03-01`), { status: 400, code: 'bad_parameter', field: 'from' });
  await expectRefused(srv, () => a.get(`/api/v1/reports/summary?unit=${COMMUNE}&from=2025-10-02&to=2025-10-01`), { status: 400, code: 'bad_period' });
  await expectRefused(srv, () => a.get(`/api/v1/reports/summary?unit=${COMMUNE}&from=2020-01-01&to=2025-10-01`), { status: 400, code: 'bad_period' });
  await expectRefused(srv, () => a.get(`/api/v1/reports/summary?unit=${COMMUNE}&${Q}&format=pdf`), { status: 400, code: 'bad_parameter', field: 'format' });

  // CSV: a row per unit and the total, the same numbers.
  const csv = await a.get(`/api/v1/reports/summary?unit=${PROVINCE}&${Q}&format=csv`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  assert.match(csv.headers.get('content-disposition'), /attachment; filename="bao-cao-000\.00\.00\.H56-2025-10-01-2025-12-31\.csv"/);
  assert.equal(csv.text.charCodeAt(0), 0xfeff);
  const lines = csv.text.slice(1).trimEnd().split('\r\n');
  assert.equal(lines.length, 1 + 180 + 1);
  const header = lines[0].split(',');
  assert.equal(header[0], 'Mã đơn vị');
  const col = (name) => header.indexOf(name);
  const total = lines.at(-1).split(',');
  assert.equal(total[1], 'Tổng cộng');
  assert.equal(Number(total[col('Tiếp nhận')]), raw.received);
  assert.equal(Number(total[col('Tiếp nhận trực tuyến')]), raw.online);
  assert.equal(Number(total[col('Giải quyết quá hạn')]), raw.late);
  assert.equal(Number(total[col('Đang giải quyết quá hạn')]), raw.overdue);
  assert.equal(total[col('Tỷ lệ tiếp nhận trực tuyến (%)')], (100 * raw.online / raw.received).toFixed(2));
  assert.equal(Number(total[col('Khoản phí đã nộp')]), raw.fees_paid);
  assert.equal(Number(total[col('Nộp phí trực tuyến')]), raw.fees_paid_online);
  const communeLine = lines.find((l) => l.startsWith(COMMUNE + ','));
  assert.equal(Number(communeLine.split(',')[col('Tiếp nhận')]), raw.byUnit[COMMUNE].received);

  // XLSX: a workbook with the heading, the Vietnamese headers and the figures.
  const x = await a.get(`/api/v1/reports/summary?unit=${PROVINCE}&${Q}&format=xlsx`);
  assert.equal(x.status, 200);
  assert.equal(x.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.equal(x.buf.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
  const files = unzip(x.buf);
  const strings = files['xl/sharedStrings.xml'];
  for (const s of ['BÁO CÁO TÌNH HÌNH TIẾP NHẬN VÀ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH', 'Kỳ báo cáo: từ ngày 01/10/2025 đến ngày 31/12/2025',
    'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Phường Hạc Thành', 'Tỷ lệ trực tuyến', 'Chưa có dữ liệu', 'Tổng cộng']) {
    assert.ok(strings.includes(s), `the workbook says ${s}`);
  }
  assert.match(files['xl/workbook.xml'], /name="Tổng hợp"[\s\S]*name="Theo đơn vị"[\s\S]*name="Theo thời gian"[\s\S]*name="Chỉ số QĐ 766"/);
  assert.match(files['xl/styles.xml'], /formatCode="0\.00%"/);
  assert.ok(files['xl/worksheets/sheet2.xml'].includes(`<v>${raw.received}</v>`), 'the table by unit holds the total received');

  // Drill-down: the queue lists exactly the dossiers behind each figure.
  const list = async (q) => ok(await leaderC.get(`/api/v1/staff/dossiers?${q}`)).total;
  const rc = countRaw(srv.dataDir, COMMUNE, '2025-10-01', '2025-12-31', Date.parse(com.as_of));
  assert.equal(await list(`view=all&unit=${COMMUNE}&${Q}`), rc.received);
  assert.equal(await list(`view=all&unit=${COMMUNE}&${Q}&channel=online`), rc.online);
  for (const r of ['early', 'on_time', 'late']) assert.equal(await list(`view=all&unit=${COMMUNE}&${Q}&result=${r}`), rc[r], `result=${r}`);
  assert.equal(await list(`view=active&unit=${COMMUNE}`), rc.pending);
  assert.equal(await list(`view=overdue&unit=${COMMUNE}`), rc.overdue);
  await expectRefused(srv, () => leaderC.get('/api/v1/staff/dossiers?result=soon'), { status: 400, code: 'bad_parameter', field: 'result' });
  await expectRefused(srv, () => leaderC.get('/api/v1/staff/dossiers?unit=nowhere'), { status: 400, code: 'bad_parameter', field: 'unit' });
  await expectRefused(srv, () => leaderC.get('/api/v1/staff/dossiers?from=31-12-2025'), { status: 400, code: 'bad_parameter', field: 'from' });

  // The rating: the owner, once, only after the result was returned.
  const returned = specs.find((s) => s.returned && s.channel === 'online' && !s.rating);
  const notReturned = specs.find((s) => s.outcome === 'pending' && s.channel === 'online');
  const owner = await returned.citizen.client();
  let r = await owner.get(`/api/v1/dossiers/${returned.id}/rating`);
  assert.deepEqual(ok(r), { rating: null, can_rate: true });
  const ownerOfPending = await notReturned.citizen.client();
  await expectRefused(srv, () => ownerOfPending.post(`/api/v1/dossiers/${notReturned.id}/rating`, { level: 'hai_long' }), { status: 409, code: 'not_returned' });
  assert.equal(ok(await ownerOfPending.get(`/api/v1/dossiers/${notReturned.id}/rating`)).can_rate, false);
  const stranger = citizens.find((c) => c !== returned.citizen);
  await expectRefused(srv, async () => (await stranger.client()).post(`/api/v1/dossiers/${returned.id}/rating`, { level: 'hai_long' }), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => a.post(`/api/v1/dossiers/${returned.id}/rating`, { level: 'hai_long' }), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => owner.post(`/api/v1/dossiers/${returned.id}/rating`, { level: 'tam_duoc' }), { status: 422, code: 'invalid_level', field: 'level' });
  await expectRefused(srv, () => owner.post(`/api/v1/dossiers/${returned.id}/rating`, { level: 'hai_long', comment: 'x'.repeat(1001) }), { status: 422, field: 'comment', code: /./ });
  await expectRefused(srv, () => owner.post(`/api/v1/dossiers/${returned.id}/rating`, { level: 'hai_long' }, { csrf: false }), { status: 403, code: 'csrf' });
  r = await owner.post(`/api/v1/dossiers/${returned.id}/rating`, { level: 'rat_hai_long', comment: 'Nhanh, gọn' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.rating.level, 'rat_hai_long');
  assert.equal(r.json.rating.title, 'Rất hài lòng');
  assert.equal(r.json.can_rate, false);
  await expectRefused(srv, () => owner.post(`/api/v1/dossiers/${returned.id}/rating`, { level: 'khong_hai_long' }), { status: 409, code: 'already_rated' });
  // It counts today (1 January 2026), in the commune of the dossier.
  const jan = ok(await a.get(`/api/v1/reports/summary?unit=${returned.unit}&from=2026-01-01&to=2026-01-01`));
  assert.equal(jan.totals.rat_hai_long, 1);
  assert.equal(sql(srv.dataDir, `SELECT count(*) AS n FROM audit_log WHERE action = 'dossier.rate'`)[0].n, raw.rat_hai_long + raw.hai_long + raw.khong_hai_long + 1);

  // The counters agree with a full scan and with a rebuild from the history.
  await srv.stop({ keep: true });
  const before = motcua(['report', '--data', srv.dataDir, '--unit', PROVINCE, '--from', '2025-09-01', '--to', '2026-01-31']);
  assert.equal(before.status, 0, before.stderr);
  let chk = motcua(['report', 'check', '--data', srv.dataDir, '--unit', PROVINCE, '--from', '2025-09-01', '--to', '2026-01-31']);
  assert.equal(chk.status, 0, chk.stdout + chk.stderr);
  const rb = motcua(['report', 'rebuild', '--data', srv.dataDir]);
  assert.equal(rb.status, 0, rb.stderr);
  const after = motcua(['report', '--data', srv.dataDir, '--unit', PROVINCE, '--from', '2025-09-01', '--to', '2026-01-31']);
  const strip = (s) => { const j = JSON.parse(s); delete j.as_of; return j; };
  assert.deepEqual(strip(after.stdout), strip(before.stdout));
  chk = motcua(['report', 'check', '--data', srv.dataDir, '--unit', COMMUNE2, '--from', '2025-10-01', '--to', '2025-12-31']);
  assert.equal(chk.status, 0, chk.stdout + chk.stderr);
  fs.rmSync(srv.dataDir, { recursive: true, force: true });
});

test('the report CLI: formats, errors, and the rebuild mark of an upgraded database', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-report-cli-'));
  try {
    let r = motcua(['init', '--data', dir, '--demo']);
    assert.equal(r.status, 0, r.stderr);
    r = motcua(['report', '--data', dir, '--unit', COMMUNE, '--from', '2025-10-01', '--to', '2025-12-31']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.totals.received, 0);
    assert.equal(j.totals.online_share, null);
    // A row for the commune's own dossiers and one per unit directly under it (its schools,
    // health station, offices: counted in the database).
    const children = sql(dir, `SELECT count(*) AS n FROM units WHERE parent_id = (SELECT id FROM units WHERE code = '${COMMUNE}')`)[0].n;
    assert.ok(children > 0, 'the demo commune has units under it');
    assert.equal(j.units.length, 1 + children);
    r = motcua(['report', '--data', dir, '--unit', COMMUNE, '--from', '2025-10-01', '--to', '2025-12-31', '--format', 'csv']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trimEnd().split('\r\n').length, 1 + (1 + children) + 1, 'header, the rows, the total');
    const out = path.join(dir, 'r.xlsx');
    r = motcua(['report', '--data', dir, '--unit', PROVINCE, '--from', '2025-01-01', '--to', '2025-12-31', '--format', 'xlsx', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(out).subarray(0, 2).toString(), 'PK');
    for (const bad of [['--from', '2025-13-01', '--to', '2025-12-31'], ['--from', '2025-10-01', '--to', '2025-09-01'], ['--from', '2025-10-01']]) {
      r = motcua(['report', '--data', dir, '--unit', COMMUNE, ...bad]);
      assert.equal(r.status, 2, `${bad.join(' ')}: ${r.stdout}`);
    }
    r = motcua(['report', '--data', dir, '--unit', '999.99.99.H56', '--from', '2025-10-01', '--to', '2025-10-02']);
    assert.equal(r.status, 1);
    // A database that had dossiers before the counters existed says so until rebuilt.
    sql(dir, "INSERT INTO settings(key, value) VALUES ('report.rebuild_needed', '1')");
    r = motcua(['report', '--data', dir, '--unit', COMMUNE, '--from', '2025-10-01', '--to', '2025-10-02']);
    assert.equal(JSON.parse(r.stdout).incomplete, true);
    assert.match(r.stderr, /rebuild/);
    r = motcua(['report', 'rebuild', '--data', dir]);
    assert.equal(r.status, 0, r.stderr);
    r = motcua(['report', '--data', dir, '--unit', COMMUNE, '--from', '2025-10-01', '--to', '2025-10-02']);
    assert.equal(JSON.parse(r.stdout).incomplete, false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
