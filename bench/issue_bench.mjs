// bench/issue_bench.mjs: the HTTP side of bench/issue-bench: documents issued per second
// through the real path (POST /api/v1/documents/{id}/issue: the register's next number
// read, stamped with the date on page one of the signed PDF, the unit's seal signed on the
// worker pool, then one write job takes the number, writes the register's line and delivers
// an incoming copy to the recipient unit, committed before the answer: a 2xx is durable).
//
//   node bench/issue_bench.mjs BASE DATA_DIR DOCS CLERKS...
//
// Untimed preparation, with the demo accounts of Phường Hạc Thành (their one-time codes
// computed from data/demo-accounts.csv): the specialist drafts DOCS x (number of runs)
// Quyết định with a one-page PDF body and one internal recipient, submits them, the leader
// approves and signs them through POST /documents/sign-batch (50 a call; that rate is
// printed too). Then, for each CLERKS count, that many clerks (bench.clerk1.., made by the
// script) issue DOCS documents at once, each taking the next one from a shared list.
// Afterwards the register is checked: numbers 1..issued, no gap, no duplicate, one line
// and one delivery per issued document.
// Prints one line per step of KEY=value fields (bench/issue-bench reads them):
//   prep docs=N seconds=S sign_batch_rate=R
//   issue clerks=C docs=N issued=I busy=B seconds=S rate=R p50_ms=X p99_ms=Y cpu_ms=M
// cpu_ms: the server's CPU time (user + system, from /proc/$MOTCUA_PID/stat) per issued
// document during the run, when MOTCUA_PID names the server ("n/a" otherwise).
//   check numbers=N gaps=0 duplicates=0 deliveries=N ok=1
// Not a test: it fails only on a setup error or a register that does not check.

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const [BASE, DATA, DOCS_ARG, ...CLERK_ARGS] = process.argv.slice(2);
const DOCS = Number(DOCS_ARG);
const CLERKS = CLERK_ARGS.map(Number);
if (!BASE || !DATA || !(DOCS > 0) || !CLERKS.length || CLERKS.some((c) => !(c > 0))) {
  console.error('usage: node bench/issue_bench.mjs BASE DATA_DIR DOCS CLERKS...');
  process.exit(2);
}
const WARD = '000.01.90.H56';
const RECIPIENT = '000.02.90.H56';
const CLERK_PASSWORD = 'bench-phat-hanh-2026';
const PREP_CONC = 8;

const die = (msg) => { console.error(`issue_bench: ${msg}`); process.exit(1); };

/* ---------------- HTTP ---------------- */

class Session {
  constructor() { this.cookie = null; this.csrf = null; }

  async req(method, p, { json, body, type } = {}) {
    const headers = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (method !== 'GET' && this.csrf) headers['x-csrf-token'] = this.csrf;
    if (json !== undefined) { body = JSON.stringify(json); headers['content-type'] = 'application/json'; }
    if (type) headers['content-type'] = type;
    const res = await fetch(BASE + p, { method, headers, body });
    for (const c of res.headers.getSetCookie()) {
      const m = /^motcua_session=([^;]+)/.exec(c);
      if (m) this.cookie = `motcua_session=${m[1]}`;
    }
    const text = await res.text();
    let j = null;
    try { j = JSON.parse(text); } catch { /* not JSON */ }
    if (j && j.csrf_token) this.csrf = j.csrf_token;
    return { status: res.status, json: j, text };
  }

  async ok(method, p, o, status = 200) {
    const r = await this.req(method, p, o);
    if (r.status !== status) die(`${method} ${p}: ${r.status} ${r.text.slice(0, 300)}`);
    return r.json;
  }
}

// RFC 6238 (HMAC-SHA1, 30 s, 6 digits), written from the RFC.
function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, v = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    v = (v << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) { out.push((v >>> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out);
}
function totp(secret) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
  const h = crypto.createHmac('sha1', base32(secret)).update(msg).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0');
}

async function login(who, password, secret) {
  const s = new Session();
  await s.ok('POST', '/api/v1/auth/login', { json: { login: who, password, ...(secret ? { totp: totp(secret) } : {}) } });
  return s;
}

/** A one-page PDF with a line of text: the draft's body. */
function pdf(text) {
  const stream = `BT /F1 14 Tf 72 760 Td (${text}) Tj ET`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => { offsets.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function sql(query) {
  const r = spawnSync('sqlite3', ['-readonly', path.join(DATA, 'motcua.db'), query], { encoding: 'utf8' });
  if (r.status !== 0) die(`sqlite3: ${r.stderr}`);
  return r.stdout.trim();
}

/** Runs fn(i) for i in 0..n-1 with conc at once. */
async function pool(n, conc, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(conc, n) }, async () => {
    while (next < n) await fn(next++);
  }));
}

/** The server's CPU seconds so far (utime + stime), or null without MOTCUA_PID. */
function serverCpu() {
  const pid = process.env.MOTCUA_PID;
  if (!pid) return null;
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  return (Number(f[11]) + Number(f[12])) / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim());
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0);

/* ---------------- the run ---------------- */

const demo = Object.fromEntries(fs.readFileSync(new URL('../data/demo-accounts.csv', import.meta.url), 'utf8')
  .trim().split('\n').slice(1).map((l) => l.split(',')).filter((f) => f[0] === 'staff' && f[7] === WARD)
  .map((f) => [f[6], { login: f[1], password: f[5], secret: f[8] }]));
if (!demo.specialist || !demo.leader) die('no demo specialist or leader in data/demo-accounts.csv');

const specialist = await login(demo.specialist.login, demo.specialist.password, demo.specialist.secret);
const leader = await login(demo.leader.login, demo.leader.password, demo.leader.secret);
const unit = Number(sql(`SELECT id FROM units WHERE code = '${WARD}'`));
const leaderId = Number(sql(`SELECT id FROM accounts WHERE login = '${demo.leader.login}'`));

// Preparation: drafted, submitted, approved, then signed 50 a call.
const total = DOCS * CLERKS.length;
const ids = new Array(total);
const body = pdf('Quyet dinh - van ban thu nghiem do hieu nang phat hanh');
await pool(total, PREP_CONC, async (i) => {
  const d = await specialist.ok('POST', '/api/v1/documents', {
    json: {
      unit_id: unit, type: 'quyet_dinh', summary: `Về việc giao nhiệm vụ thử nghiệm số ${i + 1}`,
      signer_id: leaderId, signer_title: 'CHỦ TỊCH', recipients_internal: [RECIPIENT],
    },
  }, 201);
  const id = d.document.id;
  await specialist.ok('PUT', `/api/v1/documents/${id}/body/du-thao.pdf`, { body, type: 'application/pdf' });
  await specialist.ok('POST', `/api/v1/documents/${id}/submit`, { json: {} });
  await leader.ok('POST', `/api/v1/documents/${id}/review`, { json: { decision: 'approve' } });
  ids[i] = id;
});
let t0 = performance.now();
for (let i = 0; i < total; i += 50) {
  const r = await leader.ok('POST', '/api/v1/documents/sign-batch', { json: { ids: ids.slice(i, i + 50) } });
  if (r.refused) die(`sign-batch refused ${r.refused}: ${JSON.stringify(r.results.filter((x) => x.result !== 'signed')[0])}`);
}
let secs = (performance.now() - t0) / 1000;
console.log(`prep docs=${total} seconds=${secs.toFixed(2)} sign_batch_rate=${(total / secs).toFixed(1)}`);

// The timed runs: CLERKS[k] clerks issue their DOCS documents at once.
let issuedAll = 0;
for (let k = 0; k < CLERKS.length; k++) {
  const clerks = [];
  for (let c = 1; c <= CLERKS[k]; c++) clerks.push(await login(`bench.clerk${c}`, CLERK_PASSWORD));
  const mine = ids.slice(k * DOCS, (k + 1) * DOCS);
  const lat = [];
  let issued = 0, busy = 0, next = 0;
  const cpu0 = serverCpu();
  t0 = performance.now();
  await Promise.all(clerks.map(async (s) => {
    while (next < mine.length) {
      const id = mine[next++];
      const a = performance.now();
      const r = await s.req('POST', `/api/v1/documents/${id}/issue`, { json: {} });
      lat.push(performance.now() - a);
      if (r.status === 200) issued++;
      else if (r.status === 409 && r.json && r.json.error.code === 'register_busy') busy++;
      else die(`issue ${id}: ${r.status} ${r.text.slice(0, 300)}`);
    }
  }));
  secs = (performance.now() - t0) / 1000;
  const cpu1 = serverCpu();
  const cpuMs = cpu0 === null || !issued ? 'n/a' : ((cpu1 - cpu0) * 1000 / issued).toFixed(1);
  lat.sort((x, y) => x - y);
  issuedAll += issued;
  console.log(`issue clerks=${CLERKS[k]} docs=${mine.length} issued=${issued} busy=${busy} seconds=${secs.toFixed(2)}` +
    ` rate=${(issued / secs).toFixed(1)} p50_ms=${pct(lat, 0.5).toFixed(1)} p99_ms=${pct(lat, 0.99).toFixed(1)} cpu_ms=${cpuMs}`);
}

// The register: 1..issued, no gap, no duplicate; one delivery per issued document.
const [n, lo, hi, distinct] = sql(`SELECT count(*), coalesce(min(e.number), 0), coalesce(max(e.number), 0), count(DISTINCT e.number)
  FROM document_register_entries e JOIN document_registers g ON g.id = e.register_id WHERE g.unit_id = ${unit} AND g.direction = 'out'`).split('|').map(Number);
const issuedRows = Number(sql(`SELECT count(*) FROM documents WHERE unit_id = ${unit} AND direction = 'out' AND state = 'issued'`));
const deliveries = Number(sql(`SELECT count(*) FROM documents WHERE direction = 'in' AND source_id IN (SELECT id FROM documents WHERE unit_id = ${unit} AND direction = 'out')`));
const gaps = n ? hi - lo + 1 - distinct : 0;
const ok = n === issuedAll && issuedRows === issuedAll && lo === 1 && hi === issuedAll && gaps === 0 && distinct === n && deliveries === issuedAll;
console.log(`check numbers=${n} gaps=${gaps} duplicates=${n - distinct} deliveries=${deliveries} ok=${ok ? 1 : 0}`);
if (!ok) die(`the register does not check: ${n} lines ${lo}..${hi}, ${distinct} distinct, ${issuedRows} issued documents, ${issuedAll} answered 2xx, ${deliveries} deliveries`);
