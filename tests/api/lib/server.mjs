// Test harness for the API tests: starts the real motcua binary on a free port with a
// temporary data directory, a cookie-keeping HTTP client, direct database reads through
// the sqlite3 CLI, and sample data (citizen IDs, files, the birth registration form).
//
// Binary: MOTCUA_BIN (default build/motcua, relative to the repository root); each test
// process runs a private copy of it, so a rebuild during the run does not disturb it.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The binary under test, as named by MOTCUA_BIN (default build/motcua). */
export const BIN_SOURCE = path.resolve(ROOT, process.env.MOTCUA_BIN || 'build/motcua');

/**
 * Each test process runs its own copy of the binary: other people may relink
 * build/motcua in the shared tree while the suite runs. The copy is checked by running
 * `motcua version` (a copy taken mid-link would not run); bounded retries.
 */
function privateCopy(src) {
  const dst = path.join(os.tmpdir(), `motcua-api-${process.pid}-${path.basename(src)}`);
  let why = '';
  for (let i = 0; i < 40; i++) {
    try {
      fs.copyFileSync(src, dst);
      fs.chmodSync(dst, 0o755);
      const r = spawnSync(dst, ['version'], { encoding: 'utf8', timeout: 20000 });
      if (r.status === 0) {
        process.on('exit', () => fs.rmSync(dst, { force: true }));
        return dst;
      }
      why = `exit ${r.status} ${r.error || ''} ${r.stderr}`;
    } catch (e) {
      why = String(e);
    }
    spawnSync('sleep', ['0.5']);
  }
  throw new Error(`cannot use the motcua binary ${src}: ${why}`);
}
export const BIN = privateCopy(BIN_SOURCE);

export const BIRTH = '1.001193.000.00.00.H56'; // Đăng ký khai sinh (commune, cut-off 15:00)
export const MARRIAGE = '1.000894.000.00.00.H56'; // Đăng ký kết hôn (commune)
export const ENTERPRISE = '9.000001.000.00.00.H56'; // handled by 000.00.04.H56 only
export const COMMUNE = '000.01.90.H56'; // Phường Hạc Thành
export const COMMUNE2 = '000.02.90.H56';
export const PROVINCE = '000.00.00.H56';
export const DEMO_CITIZEN = { login: '038095001234', password: 'motcua-demo', name: 'Nguyễn Văn An' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Safety net: servers still running when this test process exits are killed with it.
const live = new Set();
process.on('exit', () => { for (const p of live) { try { p.kill('SIGKILL'); } catch { /* gone */ } } });

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** An error code the contract does not name: any snake_case code. */
export const ANY_CODE = /^[a-z][a-z0-9_]*$/;

/** Runs the motcua CLI synchronously: {status, stdout, stderr}. */
export function motcua(args, { timeout = 60000 } = {}) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', timeout });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** With a SAN=1 build: fails if the server printed an ASan/UBSan/LSan report. */
function assertNoSanitizerReport(log) {
  const m = /(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|WARNING: ThreadSanitizer)[\s\S]{0,4000}/.exec(log);
  if (m) throw new Error(`the server reported a sanitizer error:\n${m[0]}`);
}

/** Creates a data directory with `motcua init --data DIR --demo`. */
export function initDataDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-api-'));
  let r;
  try {
    r = motcua(['init', '--data', dir, '--demo']);
  } finally {
    if (!r || r.status !== 0) fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(r.status, 0, `motcua init failed: ${r.stderr}`);
  return dir;
}

/** How long stop() waits for the server to exit after SIGTERM before it kills it and fails. */
const STOP_WAIT_MS = 60000;

/**
 * Starts `motcua serve` on a free port. opts.dataDir reuses a data directory (no init);
 * otherwise a fresh one is created (and removed by stop() unless opts.keep).
 * opts.port: the port to listen on (a node another node's directory names; a free one
 * otherwise, also when that one is taken). opts.args: more `serve` options; opts.env:
 * environment variables to set (undefined
 * removes one). When `t` (a node:test context) is given, the server is stopped in t.after,
 * so a failure of stop() fails that test.
 *
 * stop() always ends the server with SIGTERM, as an operator would, so that a sanitizer
 * build runs its leak check at exit; it fails (throws) when the server printed a sanitizer
 * report, did not exit within STOP_WAIT_MS (it is then killed), exited with a status other
 * than 0, or had already died by itself (anything but a SIGKILL, which only tests send,
 * through kill9() or on purpose).
 */
export async function startServer(t, opts = {}) {
  const fresh = !opts.dataDir;
  const dataDir = opts.dataDir || initDataDir();
  let lastErr = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = opts.port && attempt === 0 ? opts.port : await freePort();
    const url = `http://127.0.0.1:${port}`;
    const args = ['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`, '--quiet'];
    if (opts.loops) args.push('--loops', String(opts.loops));
    args.push(...(opts.args || []));
    const env = { ...process.env };
    for (const [k, v] of Object.entries(opts.env || {})) {
      if (v === undefined) delete env[k]; else env[k] = v;
    }
    const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let log = '';
    proc.stdout.on('data', (d) => { log += d; if (log.length > 200000) log = log.slice(-100000); });
    proc.stderr.on('data', (d) => { log += d; if (log.length > 200000) log = log.slice(-100000); });
    live.add(proc);
    const exited = new Promise((resolve) => proc.once('exit', (code, sig) => { live.delete(proc); resolve({ code, sig }); }));
    let exitInfo = null;
    exited.then((e) => { exitInfo = e; });
    let stopping = false; // stop() sent SIGTERM (a second stop() has nothing more to say)
    const srv = {
      url,
      port,
      dataDir,
      proc,
      log: () => log,
      get exited() { return exitInfo; },
      /**
       * Stops the server with SIGTERM and waits (bounded) for it to exit; removes a fresh
       * data directory unless keep. Resolves with the exit status {code, sig}; throws as
       * described above.
       */
      async stop({ keep = opts.keep } = {}) {
        let result = exitInfo;
        let problem = null;
        if (result) {
          if (!stopping && result.sig !== 'SIGKILL') problem = `the server had exited by itself before the end of the test: ${JSON.stringify(result)}`;
        } else {
          stopping = true;
          try { proc.kill('SIGTERM'); } catch { /* gone */ }
          let timer;
          const late = new Promise((resolve) => { timer = setTimeout(resolve, STOP_WAIT_MS, null); });
          result = await Promise.race([exited, late]);
          clearTimeout(timer);
          if (!result) {
            try { proc.kill('SIGKILL'); } catch { /* gone */ }
            result = await exited;
            problem = `the server did not exit within ${STOP_WAIT_MS / 1000} s of SIGTERM (killed)`;
          } else if (result.code !== 0 || result.sig !== null) {
            problem = `the server exited with ${JSON.stringify(result)} after SIGTERM, not 0`;
          }
        }
        if (fresh && !keep) fs.rmSync(dataDir, { recursive: true, force: true });
        assertNoSanitizerReport(log);
        if (problem) throw new Error(`${problem}; its log ends:\n${log.slice(-3000)}`);
        return result;
      },
      /** SIGKILL: the process dies at once, mid-request; the data directory stays. */
      async kill9() {
        if (!exitInfo) {
          try { proc.kill('SIGKILL'); } catch { /* gone */ }
          await exited;
        }
        assertNoSanitizerReport(log);
      },
    };
    // Wait (bounded) for /healthz.
    let healthy = false;
    for (let i = 0; i < 200 && !exitInfo; i++) {
      try {
        const r = await fetch(url + '/healthz');
        if (r.status === 200 && (await r.json()).status === 'ok') { healthy = true; break; }
      } catch { /* not listening yet */ }
      await sleep(50);
    }
    if (healthy) {
      if (t) t.after(() => srv.stop());
      return srv;
    }
    lastErr = new Error(`motcua serve on port ${port} did not become healthy (exit ${JSON.stringify(exitInfo)}):\n${log}`);
    await srv.kill9();
    // Another process may have taken the port between freePort() and bind: retry.
    if (!/cannot listen/i.test(log)) break;
  }
  if (fresh && !opts.keep) fs.rmSync(dataDir, { recursive: true, force: true });
  throw lastErr;
}

// --- database ---------------------------------------------------------------------

/** Runs SQL through the sqlite3 CLI on DATA/motcua.db; returns the rows as objects. */
export function sql(dataDir, query) {
  const db = path.join(dataDir, 'motcua.db');
  const r = spawnSync('sqlite3', ['-json', '-cmd', '.timeout 5000', db, query], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`sqlite3 failed (${r.status}) on ${query}: ${r.stderr}`);
  const out = r.stdout.trim();
  return out ? JSON.parse(out) : [];
}

/** One value: the first column of the first row (undefined if no row). */
export function sqlValue(dataDir, query) {
  const rows = sql(dataDir, query);
  if (!rows.length) return undefined;
  return Object.values(rows[0])[0];
}

/**
 * Runs several queries in one sqlite3 process; returns one array of rows per query.
 * (Each result set is preceded by a marker row so that empty results keep their place.)
 */
export function sqlMany(dataDir, queries) {
  const db = path.join(dataDir, 'motcua.db');
  const script = queries.map((q, i) => `SELECT 'motcua-test-${i}' AS __marker;\n${q.trim().replace(/;\s*$/, '')};\n`).join('');
  const r = spawnSync('sqlite3', ['-json', '-cmd', '.timeout 5000', db], { input: script, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0 || r.stderr) throw new Error(`sqlite3 failed (${r.status}): ${r.stderr}`);
  const parts = r.stdout.split(/^\[\{"__marker":"motcua-test-(\d+)"\}\]\n?/m);
  // parts: [before, idx0, body0, idx1, body1, ...]
  const out = queries.map(() => []);
  for (let k = 1; k < parts.length; k += 2) {
    const body = parts[k + 1].trim();
    out[Number(parts[k])] = body ? JSON.parse(body) : [];
  }
  assert.equal((parts.length - 1) / 2, queries.length, 'sqlite3 answered every query');
  return out;
}

const tableCache = new Map();
function tablesOf(dataDir) {
  if (!tableCache.has(dataDir)) {
    // Full-text indexes (virtual tables) and their shadow tables are left out: they are
    // derived from ordinary tables (search_text), which are compared.
    const all = sql(dataDir, "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    const virtual = all.filter((r) => /^CREATE VIRTUAL TABLE/i.test(r.sql)).map((r) => r.name);
    // audit_checkpoints is written by the server's checkpoint worker on its own schedule
    // (every 1000 audit entries or 10 minutes), not by a request; the entries it certifies
    // (audit_log) are compared.
    const tables = all.map((r) => r.name).filter((n) => n !== 'audit_checkpoints' && !virtual.some((v) => n === v || n.startsWith(`${v}_`)));
    assert.ok(tables.length >= 10, `expected the schema's tables, got ${tables.join(', ')}`);
    tableCache.set(dataDir, tables);
  }
  return tableCache.get(dataDir);
}

function countsQuery(dataDir) {
  return tablesOf(dataDir).map((t) => `SELECT '${t}' AS t, count(*) AS n FROM "${t}"`).join(' UNION ALL ');
}

function countsOf(rows) {
  const counts = {};
  for (const r of rows) counts[r.t] = r.n;
  return counts;
}

/**
 * Waits until the server's issuing worker has signed the documents that are due (the
 * receipts of dossiers just submitted, apology letters: docs/signatures.md), so that a
 * snapshot is not taken while the worker is about to change a row. Bounded: 20 s, then the
 * snapshot is taken as it is (and a test comparing two of them will say what changed).
 */
export function settleIssuing(dataDir) {
  const due = "SELECT count(*) FROM issued_documents WHERE state = 'pending' AND next_attempt_at <= strftime('%s', 'now')";
  for (let i = 0; i < 400 && Number(sqlValue(dataDir, due)) > 0; i++) spawnSync('sleep', ['0.05']);
}

/**
 * Waits until the exchange log's stamping worker (docs/exchange.md "The message log") has
 * stamped, or tried, every kept envelope: it writes each row's token a moment after the row,
 * and a snapshot must not be taken in between. Bounded as settleIssuing.
 */
export function settleStamping(dataDir) {
  const due = "SELECT count(*) FROM exchange_messages WHERE envelope_sha256 IS NOT NULL AND tsa_token IS NULL AND tsa_tried_at IS NULL AND state <> 'refused'";
  for (let i = 0; i < 400 && Number(sqlValue(dataDir, due)) > 0; i++) spawnSync('sleep', ['0.05']);
}

/** Row counts of every table of the database, {table: n}. */
export function rowCounts(dataDir) {
  return countsOf(sql(dataDir, countsQuery(dataDir)));
}

/**
 * The state a refused request must leave untouched: the row counts of every table and the
 * full contents of every table (so a new table is covered without a change here), plus the
 * rows of `extra` queries. One sqlite3 process reads it all.
 */
export function snapshot(dataDir, extra = []) {
  settleIssuing(dataDir);
  settleStamping(dataDir);
  const tables = tablesOf(dataDir);
  const qs = [countsQuery(dataDir), ...tables.map((t) => `SELECT * FROM "${t}" ORDER BY rowid`), ...extra];
  const res = sqlMany(dataDir, qs);
  const s = { counts: countsOf(res[0]) };
  tables.forEach((t, i) => { s[`table:${t}`] = res[1 + i]; });
  extra.forEach((q, i) => { s[`extra${i}:${q}`] = res[1 + tables.length + i]; });
  return s;
}

/** Asserts that the database is exactly as in `before` (a snapshot with the same extras). */
export function assertUnchanged(dataDir, before, extra = [], what = '') {
  const after = snapshot(dataDir, extra);
  assert.deepEqual(after.counts, before.counts, `row counts changed after a refused request ${what}`);
  assert.deepEqual(after, before, `database content changed after a refused request ${what}`);
}

// --- HTTP -------------------------------------------------------------------------

/** A response, read in full: status, headers, raw bytes, text and parsed JSON (if any). */
async function readResponse(res, method) {
  const buf = Buffer.from(await res.arrayBuffer());
  const ctype = res.headers.get('content-type') || '';
  let json;
  if (ctype.startsWith('application/json') && method !== 'HEAD') {
    json = JSON.parse(buf.toString('utf8')); // a JSON content type must carry valid JSON
  }
  return { status: res.status, headers: res.headers, buf, text: buf.toString('utf8'), json };
}

/** A client that keeps the session cookie and sends the CSRF token on writes. */
export class Client {
  constructor(url) {
    this.url = url;
    this.cookie = null; // "motcua_session=..."
    this.csrf = null;
    this.account = null;
  }

  /**
   * req(method, path, {json, body, type, headers, csrf, cookie}):
   * json: an object sent as application/json; body: raw string/Buffer with Content-Type `type`;
   * csrf: false to leave the X-CSRF-Token header out, or a string to send instead of ours;
   * cookie: false to send no cookie, or a string to send instead of ours; signal: an AbortSignal.
   */
  async req(method, p, o = {}) {
    const headers = { ...(o.headers || {}) };
    let body;
    if (o.json !== undefined) {
      body = typeof o.json === 'string' ? o.json : JSON.stringify(o.json);
      headers['content-type'] = o.type !== undefined ? o.type : 'application/json';
    } else if (o.body !== undefined) {
      body = o.body;
      if (o.type !== undefined) headers['content-type'] = o.type;
    }
    if (o.type === null) delete headers['content-type'];
    const cookie = o.cookie === undefined ? this.cookie : o.cookie;
    if (cookie) headers.cookie = cookie;
    const write = !['GET', 'HEAD'].includes(method);
    if (!write) { body = undefined; delete headers['content-type']; } // fetch sends no body with GET/HEAD
    const csrf = o.csrf === undefined ? this.csrf : o.csrf;
    if (write && csrf) headers['x-csrf-token'] = csrf;
    const res = await fetch(this.url + p, { method, headers, body, redirect: 'manual', signal: o.signal });
    for (const c of res.headers.getSetCookie()) {
      const m = /^motcua_session=([^;]*)/.exec(c);
      if (m && o.cookie === undefined) this.cookie = m[1] && !/Max-Age=0/i.test(c) ? `motcua_session=${m[1]}` : null;
    }
    const r = await readResponse(res, method);
    if (r.json && r.json.csrf_token && o.keepCsrf !== false) this.csrf = r.json.csrf_token;
    if (r.json && r.json.account && r.status < 300) this.account = r.json.account;
    return r;
  }

  get(p, o) { return this.req('GET', p, o); }
  post(p, json, o = {}) { return this.req('POST', p, { json, ...o }); }
  put(p, json, o = {}) { return this.req('PUT', p, { json, ...o }); }
  del(p, o) { return this.req('DELETE', p, o); }

  /** Registers a citizen (and so logs in); asserts 201; returns the csrf_token. */
  async register(person) {
    const r = await this.post('/api/v1/auth/register', person);
    assert.equal(r.status, 201, `register ${person.citizen_id}: ${r.status} ${r.text}`);
    assert.match(r.json.csrf_token, /^\S{16,}$/);
    return r.json.csrf_token;
  }

  /** Logs in; asserts 200; returns the csrf_token. */
  async login(login, password) {
    const r = await this.post('/api/v1/auth/login', { login, password });
    assert.equal(r.status, 200, `login ${login}: ${r.status} ${r.text}`);
    return r.json.csrf_token;
  }
}

/**
 * Asserts the error shape {"error":{code,message[,field]}} with a status and code (a string,
 * or a RegExp where the contract names no code).
 */
export function assertError(r, status, code, field) {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${r.text}`);
  assert.match(r.headers.get('content-type') || '', /^application\/json/, `error body must be JSON: ${r.text}`);
  assert.ok(r.json && r.json.error, `no error object: ${r.text}`);
  if (code instanceof RegExp) assert.match(r.json.error.code, code, `error code: ${r.text}`);
  else assert.equal(r.json.error.code, code, `error code: ${r.text}`);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 0, 'error message is empty');
  if (field !== undefined) assert.equal(r.json.error.field, field, `error field: ${r.text}`);
  return r.json.error;
}

/**
 * Sends a request that must be refused and checks the database is exactly as before.
 * expect: {status, code, field, what (a label for failures)}; extra: additional SQL whose rows must not change.
 */
export async function expectRefused(srv, send, expect, extra = []) {
  const before = snapshot(srv.dataDir, extra);
  const r = await send();
  try {
    assertError(r, expect.status, expect.code, expect.field);
  } catch (e) {
    if (expect.what) e.message = `${expect.what}: ${e.message}`;
    throw e;
  }
  assertUnchanged(srv.dataDir, before, extra, `(${expect.status} ${expect.code})`);
  return r;
}

/**
 * A refusal the audit log records (a failed login): every table but audit_log must be as
 * before, and audit_log must have gained exactly entries with these actions, in order, the
 * old entries untouched. Returns the response.
 */
export async function expectRefusedAudited(srv, send, expect, actions) {
  const before = snapshot(srv.dataDir);
  const r = await send();
  try {
    assertError(r, expect.status, expect.code, expect.field);
  } catch (e) {
    if (expect.what) e.message = `${expect.what}: ${e.message}`;
    throw e;
  }
  const after = snapshot(srv.dataDir);
  const oldLog = before['table:audit_log'];
  const newLog = after['table:audit_log'];
  assert.deepEqual(newLog.slice(0, oldLog.length), oldLog, 'earlier audit entries unchanged');
  assert.deepEqual(newLog.slice(oldLog.length).map((e) => e.action), actions, `audit entries added by the refusal (${expect.status} ${expect.code})`);
  for (const k of Object.keys(before)) {
    if (k === 'table:audit_log' || k === 'counts') continue;
    assert.deepEqual(after[k], before[k], `${k} changed after a refused request (${expect.status} ${expect.code})`);
  }
  assert.deepEqual({ ...after.counts, audit_log: 0 }, { ...before.counts, audit_log: 0 }, 'row counts changed');
  return r;
}

// --- sample data ------------------------------------------------------------------

let serial = 0;
const PROVINCES = ['038', '001', '079', '031', '048'];
/** A fresh, valid 12-digit citizen ID: province, century/sex, year, 6 digits. */
export function citizenId() {
  serial++;
  const prov = PROVINCES[serial % PROVINCES.length];
  const cs = ['0', '1', '2', '3'][serial % 4];
  const yy = cs < '2' ? String(60 + (serial % 40)).padStart(2, '0') : String(serial % 6).padStart(2, '0');
  const tail = String((process.pid * 1000 + serial) % 1000000).padStart(6, '0');
  return prov + cs + yy + tail;
}

/** A registration body for a new citizen. */
export function person(over = {}) {
  const id = over.citizen_id || citizenId();
  return {
    citizen_id: id,
    full_name: 'Trần Thị Hồng Nhung',
    phone: '0912' + id.slice(-6),
    email: `nhung.${id}@example.vn`,
    password: 'mat-khau-an-toan-123',
    ...over,
  };
}

/** Registers a new citizen; returns the client (logged in). */
export async function newCitizen(url, over = {}) {
  const c = new Client(url);
  c.person = person(over);
  await c.register(c.person);
  return c;
}

/** A complete, valid birth registration declaration (Circular 04/2020/TT-BTP). */
export function birthForm(over = {}) {
  return {
    requester_name: 'Lê Văn Hùng',
    requester_residence: 'Số 12 phố Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa',
    requester_id_number: '038090012345',
    requester_relationship: 'Cha',
    requester_phone: '0903123456',
    requester_email: 'hung.le@example.vn',
    child_name: 'Lê Minh Khôi',
    child_dob: '2026-01-15',
    child_dob_words: 'Ngày mười lăm, tháng một, năm hai nghìn không trăm hai mươi sáu',
    child_sex: 'nam',
    child_ethnicity: 'Kinh',
    child_nationality: 'Việt Nam',
    child_birth_place: 'Bệnh viện Đa khoa tỉnh Thanh Hóa',
    child_home_town: 'Xã Hoằng Hóa, tỉnh Thanh Hóa',
    mother_name: 'Nguyễn Thị Mai',
    mother_birth_year: 1995,
    mother_ethnicity: 'Kinh',
    mother_nationality: 'Việt Nam',
    mother_residence: 'Số 12 phố Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa',
    father_name: 'Lê Văn Hùng',
    father_birth_year: 1990,
    father_ethnicity: 'Kinh',
    father_nationality: 'Việt Nam',
    father_residence: 'Số 12 phố Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa',
    copies_requested: 2,
    commitment: true,
    ...over,
  };
}

/** A small valid one-page PDF (correct xref offsets). */
export function samplePdf(text = 'Giay chung sinh - ban quet thu nghiem') {
  const stream = `BT /F1 18 Tf 72 760 Td (${text}) Tj ET`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offs = [];
  objs.forEach((o, i) => { offs.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offs) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A 1x1 PNG. */
export function samplePng() {
  return Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
}

/** The start of a JPEG (SOI + APP0 JFIF): enough for content sniffing. */
export function sampleJpeg() {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1'), Buffer.from([0xff, 0xd9])]);
}

/**
 * Creates a birth registration draft for the client at `unit`, fills the form, uploads
 * the birth certificate; returns the draft dossier JSON (after upload).
 */
export async function readyBirthDraft(c, unit = COMMUNE, formOver = {}) {
  let r = await c.post('/api/v1/dossiers', { procedure_code: BIRTH, unit_code: unit });
  assert.equal(r.status, 201, r.text);
  const id = r.json.id;
  r = await c.put(`/api/v1/dossiers/${id}/form`, birthForm(formOver));
  assert.equal(r.status, 200, r.text);
  r = await c.req('PUT', `/api/v1/dossiers/${id}/files/giay-chung-sinh.pdf?document=giay_chung_sinh`, { body: samplePdf(), type: 'application/pdf' });
  assert.equal(r.status, 201, r.text);
  r = await c.get(`/api/v1/dossiers/${id}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

// --- dates (Vietnam local time, UTC+7) --------------------------------------------

/** yyMMdd of Unix ms t in Vietnam. */
export function localYymmdd(ms) {
  const d = new Date(ms + 7 * 3600e3);
  return String(d.getUTCFullYear() % 100).padStart(2, '0') + String(d.getUTCMonth() + 1).padStart(2, '0') + String(d.getUTCDate()).padStart(2, '0');
}

/** Parses "YYYY-MM-DDTHH:MM:SS+07:00" strictly; returns Unix ms. */
export function parseLocalIso(s) {
  assert.match(s, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/, `not a local time with offset: ${s}`);
  const ms = Date.parse(s);
  assert.ok(Number.isFinite(ms), `unparsable time ${s}`);
  return ms;
}

/** Formats Unix ms as "YYYY-MM-DDTHH:MM:SS+07:00". */
export function formatLocalIso(ms) {
  const d = new Date(ms + 7 * 3600e3);
  return d.toISOString().slice(0, 19) + '+07:00';
}

/**
 * Sends one raw HTTP/1.1 request line as written (fetch would normalise "/../" away);
 * returns {status, headers (lower-case names), body}. Bounded by a 10 s timeout.
 */
export function rawGet(url, target) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    const chunks = [];
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`raw GET ${target}: no answer`)); }, 10000);
    sock.on('connect', () => sock.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`));
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('end', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks).toString('utf8');
      const sep = all.indexOf('\r\n\r\n');
      const head = sep >= 0 ? all.slice(0, sep) : all;
      const lines = head.split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] || '');
      if (!m) { reject(new Error(`raw GET ${target}: bad answer ${JSON.stringify(all.slice(0, 200))}`)); return; }
      const headers = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(m[1]), headers, body: sep >= 0 ? all.slice(sep + 4) : '' });
    });
  });
}

// --- officers -----------------------------------------------------------------------

/** The demo officers from data/demo-accounts.csv, by role: {login, name, password, secret, unit}. */
export const DEMO_OFFICERS = Object.fromEntries(fs.readFileSync(path.join(ROOT, 'data/demo-accounts.csv'), 'utf8')
  .trim().split('\n').slice(1).map((l) => l.split(','))
  .filter((f) => f[0] === 'staff')
  .map((f) => [f[6], { login: f[1], name: f[2], password: f[5], secret: f[8], unit: f[7] }]));

function base32(s) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of s.replace(/=+$/, '').toUpperCase()) bits += abc.indexOf(ch).toString(2).padStart(5, '0');
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}

/**
 * An officer added to data directory of srv with `motcua user add` (no one-time code), logged
 * in: {c (the session), id, login, name}.
 */
export async function addStaff(srv, { login, name, role, unit, password = 'mat-khau-can-bo' }) {
  const add = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', login, '--name', name,
    '--password', password, '--role', role, '--unit', unit, '--no-totp']);
  assert.equal(add.status, 0, add.stderr);
  const c = new Client(srv.url);
  await c.login(login, password);
  return { c, id: Number(sqlValue(srv.dataDir, `SELECT id FROM accounts WHERE login = '${login}'`)), login, name };
}

/**
 * An officer's API session: password and the one-time code. step: which half minute's code
 * (a code is good for one login of an account: a second session of the same officer within
 * the same half minute needs the next one, step 1). Asserts 200.
 */
export async function officerSession(url, who, step = 0) {
  const c = new Client(url);
  const r = await c.post('/api/v1/auth/login', { login: who.login, password: who.password, totp: totp(who.secret, Date.now(), step) });
  assert.equal(r.status, 200, `${who.login}: ${r.text}`);
  return c;
}

/**
 * A TOTP code (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits) written here from the RFC,
 * independent of the server's liboath; step shifts it by whole steps.
 */
export function totp(secret, ms = Date.now(), step = 0) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(ms / 1000 / 30) + step));
  const h = crypto.createHmac('sha1', base32(secret)).update(msg).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0');
}

// RFC 6238 appendix B, SHA-1, T = 59 s.
assert.equal(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59000), '287082');
