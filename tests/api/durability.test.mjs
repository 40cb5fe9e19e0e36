// Durability: "a 2xx answer means the row is durably committed". A flood of concurrent
// submissions, SIGKILL in the middle, restart on the same data directory: every
// acknowledged submission is there, codes are unique and dense, and the audit chain is
// intact. Also: tampering with one audit row is detected by `motcua audit verify`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startServer, Client, newCitizen, birthForm, samplePdf, sql, sqlValue, motcua, parseLocalIso,
  initDataDir, BIRTH, COMMUNE, COMMUNE2,
} from './lib/server.mjs';

const D = '/api/v1/dossiers';
const UNITS = [COMMUNE, COMMUNE2, '000.03.90.H56', '000.04.90.H56'];
const CITIZENS = 10;
const FLOWS = 200; // submissions (create draft, fill form, upload, submit)
const POOL = 80; // flows in flight at once
const KILL_AFTER = 60; // acknowledged submissions before SIGKILL

/** A client for the same session on another server address. */
function moved(c, url) {
  const n = new Client(url);
  n.cookie = c.cookie;
  n.csrf = c.csrf;
  n.account = c.account;
  n.person = c.person;
  return n;
}

function auditVerify(dataDir) {
  return motcua(['audit', 'verify', '--data', dataDir]);
}

test('~200 concurrent submissions, SIGKILL mid-flood, restart: every acknowledged one is there', async (t) => {
  const first = await startServer(null, { keep: true });
  let second = null;
  const dataDir = first.dataDir;
  t.after(async () => {
    await first.kill9();
    if (second) await second.stop({ keep: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const citizens = await Promise.all(Array.from({ length: CITIZENS }, () => newCitizen(first.url)));
  const pdf = samplePdf('ban quet giay chung sinh');
  const acked = []; // {citizen, id, code, unit}
  const outcome = { completed: 0, refused: 0, interrupted: 0 };
  let killed = null;
  let submitting = 0; // submit requests sent and not yet answered
  let submittingAtKill = 0;
  const controller = new AbortController();
  const guard = setTimeout(() => controller.abort(), 120000); // bound the flood
  const signal = controller.signal;

  async function flow(i) {
    const c = citizens[i % CITIZENS];
    const unit = UNITS[i % UNITS.length];
    try {
      let r = await c.post(D, { procedure_code: BIRTH, unit_code: unit }, { signal });
      if (r.status !== 201) { outcome.refused++; return; }
      const id = r.json.id;
      r = await c.put(`${D}/${id}/form`, birthForm({ child_name: `Trẻ Số ${i}` }), { signal });
      if (r.status !== 200) { outcome.refused++; return; }
      r = await c.req('PUT', `${D}/${id}/files/giay-chung-sinh-${i}.pdf?document=giay_chung_sinh`, { body: pdf, type: 'application/pdf', signal });
      if (r.status !== 201) { outcome.refused++; return; }
      submitting++;
      r = await c.post(`${D}/${id}/submit`, undefined, { signal }).finally(() => { submitting--; });
      if (r.status >= 200 && r.status < 300) {
        assert.equal(r.json.id, id);
        assert.match(r.json.code, /^.+-\d{6}-\d{4}$/);
        acked.push({ c, id, code: r.json.code, unit, due_at: r.json.due_at, submitted_at: r.json.submitted_at });
        outcome.completed++;
        if (acked.length >= KILL_AFTER && !killed) {
          submittingAtKill = submitting;
          killed = first.kill9();
        }
      } else {
        outcome.refused++;
      }
    } catch (e) {
      if (e.code === 'ERR_ASSERTION') throw e;
      outcome.interrupted++; // the connection died with the server
    }
  }

  // POOL flows in flight at any time, each at its own stage (the workers start on a ramp
  // so that they are not in lock-step), until FLOWS have run or the server is killed.
  let next = 0;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  async function worker(k) {
    await sleep(k * 20); // a ramp: workers start one after the other
    while (!killed && next < FLOWS) {
      const i = next++;
      await flow(i);
      await sleep(Math.floor(Math.random() * 10));
    }
  }
  await Promise.all(Array.from({ length: POOL }, (_, k) => worker(k)));
  clearTimeout(guard);
  if (killed) await killed; else await first.kill9();
  assert.ok(first.exited && first.exited.sig === 'SIGKILL', `the server was killed: ${JSON.stringify(first.exited)}`);
  assert.ok(acked.length >= KILL_AFTER, `${acked.length} acknowledged submissions before the kill`);
  assert.ok(outcome.interrupted > 0, `the kill landed in the middle of the flood: ${JSON.stringify(outcome)}`);
  assert.ok(next < FLOWS, `flows were left when the server died (${next} of ${FLOWS} started)`);
  assert.equal(outcome.refused, 0, `no request was refused before the kill: ${JSON.stringify(outcome)}`);

  t.diagnostic(`flood: ${next} flows started, ${acked.length} acknowledged, ${outcome.interrupted} interrupted by the kill, ${submittingAtKill} submissions unanswered at the kill`);

  // Restart on the same directory (a new port).
  second = await startServer(null, { dataDir, keep: true });

  // Through the API: same session cookies (sessions are durable too).
  for (const a of acked) {
    const c = moved(a.c, second.url);
    const r = await c.get(`${D}/${a.id}`);
    assert.equal(r.status, 200, `acknowledged dossier ${a.id} (${a.code}) after restart: ${r.text}`);
    assert.equal(r.json.code, a.code);
    assert.equal(r.json.state, 'submitted');
    assert.deepEqual(r.json.status, { code: 1, name: 'Mới đăng ký' });
    assert.equal(r.json.due_at, a.due_at);
    assert.equal(r.json.submitted_at, a.submitted_at);
    assert.equal(r.json.files.length, 1);
    const l = await new Client(second.url).get('/api/v1/lookup/' + encodeURIComponent(a.code));
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.status.code, 1);
  }

  // Through the database.
  const rows = sql(dataDir, `SELECT id, code, state, status_code, submitted_at, due_at FROM dossiers WHERE id IN (${acked.map((a) => a.id).join(',')})`);
  assert.equal(rows.length, acked.length);
  for (const a of acked) {
    const row = rows.find((x) => x.id === a.id);
    assert.deepEqual([row.code, row.state, row.status_code], [a.code, 'submitted', 1], `row of ${a.id}`);
    assert.equal(row.submitted_at * 1000, parseLocalIso(a.submitted_at));
  }
  assert.equal(new Set(acked.map((a) => a.code)).size, acked.length, 'acknowledged codes are unique');
  assert.deepEqual(sql(dataDir, 'SELECT code, count(*) AS n FROM dossiers WHERE code IS NOT NULL GROUP BY code HAVING n > 1'), []);
  assert.deepEqual(sql(dataDir, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);

  // Every submitted dossier (acknowledged or not) is whole: code, status, event, audit entry, file.
  const submitted = sql(dataDir, "SELECT d.id, d.code, d.status_code, u.code AS unit FROM dossiers d JOIN units u ON u.id = d.unit_id WHERE d.state = 'submitted'");
  assert.ok(submitted.length >= acked.length);
  for (const s of submitted) {
    assert.equal(s.status_code, 1);
    assert.ok(s.code && s.code.startsWith(s.unit + '-'), `code ${s.code} of unit ${s.unit}`);
  }
  assert.equal(sqlValue(dataDir, "SELECT count(*) FROM dossiers WHERE (code IS NULL) <> (state = 'draft')"), 0, 'a code exactly when submitted');
  assert.equal(sqlValue(dataDir, "SELECT count(DISTINCT object_id) FROM audit_log WHERE action = 'dossier.submit'"), submitted.length, 'one audit entry per submission');
  assert.equal(sqlValue(dataDir, "SELECT count(*) FROM audit_log WHERE action = 'dossier.submit'"), submitted.length);
  assert.equal(sqlValue(dataDir, "SELECT count(DISTINCT dossier_id) FROM dossier_events WHERE status_code = 1"), submitted.length);
  for (const f of sql(dataDir, "SELECT f.sha256, f.size FROM dossier_files f JOIN dossiers d ON d.id = f.dossier_id WHERE d.state = 'submitted'")) {
    const p = path.join(dataDir, 'files', f.sha256.slice(0, 2), f.sha256);
    assert.ok(fs.existsSync(p), `attachment ${f.sha256} of a submitted dossier is on disk`);
    assert.equal(fs.statSync(p).size, f.size);
    assert.equal(crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex'), f.sha256);
  }

  // Codes are dense per unit and day: 0001..last, no gap, no reuse.
  const counters = sql(dataDir, 'SELECT u.code AS unit, c.day, c.last FROM dossier_counters c JOIN units u ON u.id = c.unit_id');
  assert.ok(counters.length >= 1);
  for (const k of counters) {
    const nums = submitted.filter((s) => s.code.startsWith(`${k.unit}-${k.day}-`)).map((s) => Number(s.code.slice(-4))).sort((a, b) => a - b);
    assert.deepEqual(nums, Array.from({ length: k.last }, (_, i) => i + 1), `codes of ${k.unit} on ${k.day}`);
  }
  assert.equal(counters.reduce((a, k) => a + k.last, 0), submitted.length);
  t.diagnostic(`after restart: ${submitted.length} submitted dossiers in the database (${acked.length} acknowledged)`);

  // The audit chain survived the crash.
  const v = auditVerify(dataDir);
  assert.equal(v.status, 0, `audit verify after the crash: ${v.stdout}${v.stderr}`);
  assert.match(v.stdout, /audit chain intact/);

  // The restarted server goes on numbering where the committed counter stopped.
  const c = moved(acked[0].c, second.url);
  const d = (await c.post(D, { procedure_code: BIRTH, unit_code: COMMUNE })).json;
  assert.equal((await c.put(`${D}/${d.id}/form`, birthForm())).status, 200);
  assert.equal((await c.req('PUT', `${D}/${d.id}/files/a.pdf?document=giay_chung_sinh`, { body: pdf, type: 'application/pdf' })).status, 201);
  const x = await c.post(`${D}/${d.id}/submit`);
  assert.equal(x.status, 200, x.text);
  const day = x.json.code.split('-')[1];
  const k = counters.find((y) => y.unit === COMMUNE && y.day === day);
  assert.equal(x.json.code, `${COMMUNE}-${day}-${String((k ? k.last : 0) + 1).padStart(4, '0')}`);
});

test('SIGTERM stops the server cleanly; a restart serves the same data', async (t) => {
  const s = await startServer(null, { keep: true });
  let again = null;
  t.after(async () => {
    await s.kill9();
    if (again) await again.stop({ keep: true });
    fs.rmSync(s.dataDir, { recursive: true, force: true });
  });
  const c = await newCitizen(s.url);
  const d = (await c.post(D, { procedure_code: BIRTH, unit_code: COMMUNE })).json;
  const exit = await s.stop({ keep: true });
  assert.deepEqual(exit, { code: 0, sig: null }, 'exit status 0 on SIGTERM');
  again = await startServer(null, { dataDir: s.dataDir, keep: true });
  const r = await moved(c, again.url).get(`${D}/${d.id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'draft');
});

test('a second server on the same data directory is refused', async (t) => {
  const s = await startServer(t, {});
  const r = motcua(['serve', '--data', s.dataDir, '--listen', '127.0.0.1:1', '--quiet'], { timeout: 20000 });
  assert.equal(r.status, 1, `second server: ${r.status} ${r.stderr}`);
  assert.match(r.stderr, /in use/);
  assert.equal((await fetch(s.url + '/healthz')).status, 200, 'the first server is unaffected');
});

test('tampering with one audit row makes `motcua audit verify` exit 1 naming that entry', async (t) => {
  const s = await startServer(null, { keep: true });
  t.after(() => s.stop({ keep: true }).finally(() => fs.rmSync(s.dataDir, { recursive: true, force: true })));
  const c = await newCitizen(s.url);
  for (let i = 0; i < 3; i++) {
    const d = (await c.post(D, { procedure_code: BIRTH, unit_code: COMMUNE })).json;
    assert.equal((await c.put(`${D}/${d.id}/form`, birthForm())).status, 200);
    assert.equal((await c.req('PUT', `${D}/${d.id}/files/a.pdf?document=giay_chung_sinh`, { body: samplePdf(), type: 'application/pdf' })).status, 201);
    assert.equal((await c.post(`${D}/${d.id}/submit`)).status, 200);
  }
  await s.stop({ keep: true });
  const dir = s.dataDir;
  const n = sqlValue(dir, 'SELECT count(*) FROM audit_log');
  assert.ok(n >= 12, `${n} audit entries`);
  let v = auditVerify(dir);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, new RegExp(`audit chain intact: ${n} entries`));

  const ids = sql(dir, 'SELECT id FROM audit_log ORDER BY id').map((r) => r.id);
  const target = ids[Math.floor(ids.length / 2)];
  const [orig] = sql(dir, `SELECT * FROM audit_log WHERE id = ${target}`);
  const tamper = (set) => sql(dir, `UPDATE audit_log SET ${set} WHERE id = ${target}`);
  const restore = () => sql(dir, `UPDATE audit_log SET at = ${orig.at}, detail = '${orig.detail.replace(/'/g, "''")}', action = '${orig.action}', hash = '${orig.hash}' WHERE id = ${target}`);

  for (const set of [`detail = '{"tampered":true}'`, `at = ${orig.at + 1}`, `action = 'dossier.withdraw'`, `hash = '${'0'.repeat(64)}'`]) {
    tamper(set);
    v = auditVerify(dir);
    assert.equal(v.status, 1, `${set}: ${v.stdout}${v.stderr}`);
    assert.match(v.stdout, new RegExp(`BROKEN at entry ${target}\\b`), `${set}: ${v.stdout}`);
    restore();
    v = auditVerify(dir);
    assert.equal(v.status, 0, `restored after ${set}: ${v.stdout}`);
  }
  // A deleted entry breaks the chain at the next one.
  sql(dir, `DELETE FROM audit_log WHERE id = ${target}`);
  v = auditVerify(dir);
  assert.equal(v.status, 1, v.stdout);
  assert.match(v.stdout, new RegExp(`BROKEN at entry ${ids[ids.indexOf(target) + 1]}\\b`));
});

// Regression (issue 7): "cannot read" and "chain broken" both exited 1.
test('`motcua audit verify` exits 3 when it cannot read the database, 2 on a usage error; it changes nothing', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-audit-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  // No data directory, no database in it, a damaged file, a database that is not motcua's.
  let v = auditVerify(path.join(tmp, 'missing'));
  assert.equal(v.status, 3, v.stdout + v.stderr);
  assert.match(v.stderr, /^motcua audit: cannot read .*missing\/motcua\.db: No such file or directory/);
  assert.equal(v.stdout, '');
  fs.mkdirSync(path.join(tmp, 'damaged'));
  fs.writeFileSync(path.join(tmp, 'damaged', 'motcua.db'), crypto.randomBytes(8192));
  v = auditVerify(path.join(tmp, 'damaged'));
  assert.equal(v.status, 3, v.stdout + v.stderr);
  assert.match(v.stderr, /cannot read the audit log in .*damaged\/motcua\.db: file is not a database/);
  fs.mkdirSync(path.join(tmp, 'other'));
  sql(path.join(tmp, 'other'), 'CREATE TABLE t(x)');
  v = auditVerify(path.join(tmp, 'other'));
  assert.equal(v.status, 3, v.stdout + v.stderr);
  assert.match(v.stderr, /no such table: audit_log/);
  assert.deepEqual(sql(path.join(tmp, 'other'), "SELECT name FROM sqlite_master"), [{ name: 't' }], 'verify created nothing');
  // Usage errors.
  for (const args of [['audit', 'verify'], ['audit', 'check', '--data', tmp], ['audit', 'verify', '--data', tmp, '--fix']]) {
    v = motcua(args);
    assert.equal(v.status, 2, `${args.join(' ')}: ${v.stdout}${v.stderr}`);
  }
  v = motcua(['audit', '--help']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /0 the chain is intact[\s\S]*1 the chain\s+is broken[\s\S]*2 usage error; 3 the database or its\s+audit log cannot be opened or read/);
  // A readable, intact database: 0, and its file is not written to.
  const dir = initDataDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const before = fs.readFileSync(path.join(dir, 'motcua.db'));
  v = auditVerify(dir);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /^audit chain intact: \d+ entries/);
  assert.ok(fs.readFileSync(path.join(dir, 'motcua.db')).equals(before), 'verify does not write the database');
});
