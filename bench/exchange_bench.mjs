// bench/exchange_bench.mjs: the node side of bench/exchange-bench: signed, durable documents
// per second from one motcua node to another (docs/exchange.md "Sending and receiving"), and
// through a hub ("Hubs").
//
//   node bench/exchange_bench.mjs DOCS SETUP...      SETUP: direct | hub
//
// Each setup is a fresh network on loopback, made by tests/api/lib/network.mjs (its own
// `init --demo` data directories under $TMPDIR, trust between the nodes, one signed directory,
// node ids): direct: node A 'hac-thanh' (Phường Hạc Thành, 000.01.90.H56) and node B
// 'quang-phu' (Phường Quảng Phú, 000.02.90.H56); hub: the same two with upstream 'lgsp' (the
// province's LGSP, 000.00.00.H56, hub: true), so every envelope goes A -> lgsp -> B and every
// status B -> lgsp -> A.
//
// Preparation, untimed, in A's database while A is stopped (issuing through the API costs a
// PDF seal each, which bench/issue-bench measures; this bench measures the exchange): DOCS
// công văn of Hạc Thành, issued, each with its own PDF of 100 KiB (a one-page PDF whose page
// content is padded with random bytes, as compressed content is) in A's file store
// (files/<sha[0:2]>/<sha>) and Quảng Phú as their one exchange recipient. The rows are those
// document.c's issue() writes and exchange_queue_document (src/exchange/outbox.c) queues, in
// one transaction: the register of the year and series (register_take's INSERT), each
// document in state 'issued' with its register number and notation ({number}/UBND-VP, as
// document_notation makes a công văn's), issued_on, sha256 and size of the PDF, signer and
// title; its 'issued' version (the draft and signed versions are left out: the exchange reads
// only the issued PDF); its register line (the same INSERT ... SELECT as issue()); then one
// outgoing 'document' message per document with exchange_queue_document's INSERT ... SELECT
// (DocumentId {OrganId},{yyyy/MM/dd},{notation}, business 0: none of them replaces another),
// all 'pending' and due, in document order.
//
// Timed: B (and the hub) are started, then A; the clock starts when A is spawned (its
// sender drains the outbox at once). Until B has DOCS incoming documents from A (docs/s), and
// until A has status 01 back on all of them (round trip/s). The nodes' CPU time (user +
// system, /proc/PID/stat) from A's start until the last status, per document.
//
// Checked afterwards (a failure exits 1): B has exactly DOCS incoming documents from A, each
// DocumentId once, 'received' once each, in the order A queued them, each the very envelope A
// recorded as sent; the set of their PDF hashes equals A's and each
// file's bytes hash to its name; every outgoing document row of A is 'delivered' with
// last_status 01; the hub (if any) relayed each envelope once.
//
// Prints per setup (bench/exchange-bench reads the KEY=value fields):
//   exchange setup=direct docs=N seconds=S rate=R status_seconds=S status_rate=R
//     cpu_a_ms=M cpu_b_ms=M cpu_hub_ms=M pdf_bytes=B envelope_bytes=B
//   check setup=direct received=N distinct=N incoming=N pdf_same=N in_order=1 same_envelopes=1
//     delivered=N
//     status01=N relayed=N/N ok=1
// Not a test: nothing here fails on a time.

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { network } from '../tests/api/lib/network.mjs';
import { COMMUNE, COMMUNE2, DEMO_OFFICERS, PROVINCE } from '../tests/api/lib/server.mjs';

const [DOCS_ARG, ...SETUPS] = process.argv.slice(2);
const DOCS = Number(DOCS_ARG);
if (!(DOCS > 0) || !SETUPS.length || SETUPS.some((s) => s !== 'direct' && s !== 'hub')) {
  console.error('usage: node bench/exchange_bench.mjs DOCS direct|hub...');
  process.exit(2);
}
const PDF_BYTES = 100 * 1024;
const POLL_MS = 100;
const LIMIT_MS = Math.max(120000, DOCS * 1000); // a setup error, not a slow run, past this

const die = (msg) => { console.error(`exchange_bench: ${msg}`); process.exit(1); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function sqlite(dataDir, query, { write = false } = {}) {
  const args = [...(write ? [] : ['-readonly']), '-cmd', '.timeout 5000', path.join(dataDir, 'motcua.db')];
  const r = spawnSync('sqlite3', args, { input: query, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) die(`sqlite3: ${r.stderr}`);
  return r.stdout.trim();
}
const one = (dataDir, query) => Number(sqlite(dataDir, query));

/** A one-page PDF of exactly size bytes: its content stream padded with random bytes. */
function pdf(text, size) {
  const head = `BT /F1 14 Tf 72 760 Td (${text}) Tj ET\n%`;
  const build = (pad) => {
    const stream = Buffer.concat([Buffer.from(head, 'latin1'), pad]);
    const parts = [];
    const offsets = [];
    let len = 0;
    const add = (b) => { parts.push(b); len += b.length; };
    add(Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1'));
    const objs = [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
      null,
      '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ];
    objs.forEach((o, i) => {
      offsets.push(len);
      if (o) add(Buffer.from(`${i + 1} 0 obj\n${o}\nendobj\n`, 'latin1'));
      else {
        add(Buffer.from(`${i + 1} 0 obj\n<< /Length ${stream.length} >>\nstream\n`, 'latin1'));
        add(stream);
        add(Buffer.from('\nendstream\nendobj\n', 'latin1'));
      }
    });
    const xref = len;
    let tail = `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
    for (const o of offsets) tail += `${String(o).padStart(10, '0')} 00000 n \n`;
    tail += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
    add(Buffer.from(tail, 'latin1'));
    return Buffer.concat(parts);
  };
  // Random bytes without a newline, so that the comment line holds them all.
  const fill = (n) => Buffer.from(crypto.randomBytes(n).map((b) => (b === 10 || b === 13 ? 32 : b)));
  const first = build(Buffer.alloc(0));
  // The stream's /Length grows by a digit or so with the padding: adjust once more.
  let out = build(fill(size - first.length));
  if (out.length !== size) out = build(fill(size - first.length - (out.length - size)));
  return out;
}

/** Writes DOCS issued documents of Hạc Thành and their outbox rows into A's stopped database. */
function prepare(a) {
  const files = path.join(a.dataDir, 'files');
  const rows = [];
  for (let i = 1; i <= DOCS; i++) {
    const body = pdf(`Cong van thu nghiem lien thong so ${i}`, PDF_BYTES);
    const sha = crypto.createHash('sha256').update(body).digest('hex');
    fs.mkdirSync(path.join(files, sha.slice(0, 2)), { recursive: true });
    fs.writeFileSync(path.join(files, sha.slice(0, 2), sha), body);
    rows.push(`(${i}, '${sha}', ${body.length})`);
  }
  const now = Math.floor(Date.now() / 1000);
  // Vietnam's date (UTC+7), as document_date writes issued_on.
  const date = new Date((now + 7 * 3600) * 1000).toISOString().slice(0, 10);
  const year = Number(date.slice(0, 4));
  const leader = DEMO_OFFICERS.leader.login;
  const unit = `(SELECT id FROM units WHERE code = '${COMMUNE}')`;
  const reg = `(SELECT r.id FROM document_registers r, document_types t WHERE r.unit_id = ${unit}
    AND r.year = ${year} AND r.direction = 'out' AND r.series = t.series AND t.code = 'cong_van')`;
  sqlite(a.dataDir, `
BEGIN IMMEDIATE;
CREATE TEMP TABLE bench(i INTEGER PRIMARY KEY, sha TEXT NOT NULL, size INTEGER NOT NULL);
INSERT INTO bench VALUES ${rows.join(',\n')};
INSERT INTO document_registers(unit_id, year, direction, series, created_at)
  SELECT ${unit}, ${year}, 'out', series, ${now} FROM document_types WHERE code = 'cong_van'
  ON CONFLICT(unit_id, year, direction, series) DO NOTHING;
CREATE TEMP TABLE base AS SELECT ${reg} AS reg, (SELECT last_number FROM document_registers
  WHERE id = ${reg}) AS last;
INSERT INTO documents(unit_id, direction, type_code, summary, priority, confidentiality, state,
    department, signer_id, signer_title, recipients_exchange, register_id, number, notation,
    issued_on, sha256, size, signed_at, issued_at, created_at, updated_at)
  SELECT ${unit}, 'out', 'cong_van', 'Về việc thử nghiệm liên thông văn bản, số ' || b.i,
    'thuong', 'thuong', 'issued', 'VP', (SELECT id FROM accounts WHERE login = '${leader}'),
    'CHỦ TỊCH', json_array('${COMMUNE2}'), base.reg, base.last + b.i,
    printf('%02d/%s-VP', base.last + b.i, (SELECT abbreviation FROM units WHERE id = ${unit})),
    '${date}', b.sha, b.size, ${now}, ${now}, ${now}, ${now}
  FROM bench b, base ORDER BY b.i;
CREATE TEMP TABLE mine AS SELECT id FROM documents WHERE register_id = (SELECT reg FROM base)
  AND number > (SELECT last FROM base);
INSERT INTO document_versions(document_id, version, sha256, size, kind, account_id, created_at)
  SELECT d.id, 1, d.sha256, d.size, 'issued', d.signer_id, ${now} FROM documents d
  WHERE d.id IN (SELECT id FROM mine) ORDER BY d.id;
INSERT INTO document_register_entries(register_id, number, document_id, notation, entered_on,
    summary, signer_name, recipients, created_at)
  SELECT d.register_id, d.number, d.id, d.notation, d.issued_on, d.summary, a.full_name,
    d.recipients_external, ${now} FROM documents d JOIN accounts a ON a.id = d.signer_id
  WHERE d.id IN (SELECT id FROM mine) ORDER BY d.id;
UPDATE document_registers SET last_number = last_number + ${DOCS} WHERE id = (SELECT reg FROM base);
INSERT INTO exchange_messages(direction, kind, edxml_id, from_organ, to_organ, business,
    document_id, state, next_attempt_at, created_at, updated_at)
  SELECT 'out', 'document', u.code || ',' || replace(d.issued_on, '-', '/') || ',' || d.notation,
    u.code, j.value, 0, d.id, 'pending', ${now}, ${now}, ${now}
  FROM documents d JOIN units u ON u.id = d.unit_id, json_each(d.recipients_exchange) j
  WHERE d.id IN (SELECT id FROM mine) ORDER BY d.id;
COMMIT;`, { write: true });
  const queued = one(a.dataDir, `SELECT count(*) FROM exchange_messages WHERE direction = 'out'
    AND kind = 'document' AND state = 'pending'`);
  if (queued !== DOCS) die(`prepared ${queued} outgoing messages, not ${DOCS}`);
}

/** A process's CPU seconds so far (utime + stime). */
const TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
function cpu(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TCK;
}

const SPECS = {
  direct: [
    { id: 'hac-thanh', name: 'Phường Hạc Thành', level: 'commune', units: [COMMUNE] },
    { id: 'quang-phu', name: 'Phường Quảng Phú', level: 'commune', units: [COMMUNE2] },
  ],
  hub: [
    { id: 'lgsp', name: 'LGSP Thanh Hóa', level: 'province', hub: true, units: [PROVINCE] },
    { id: 'hac-thanh', name: 'Phường Hạc Thành', level: 'commune', upstream: 'lgsp', units: [COMMUNE] },
    { id: 'quang-phu', name: 'Phường Quảng Phú', level: 'commune', upstream: 'lgsp', units: [COMMUNE2] },
  ],
};

async function run(setup) {
  const afters = [];
  const ctx = { after: (fn) => afters.push(fn) };
  try {
    const { nodes } = await network(ctx, SPECS[setup]);
    const a = nodes['hac-thanh'], b = nodes['quang-phu'], hub = nodes.lgsp;
    prepare(a);
    const received = `SELECT count(*) FROM exchange_messages WHERE direction = 'in'
      AND kind = 'document' AND state = 'received' AND from_organ = '${COMMUNE}'`;
    const statuses = `SELECT count(*) FROM exchange_messages WHERE direction = 'out'
      AND kind = 'document' AND last_status = '01'`;
    if (hub) await hub.start();
    await b.start();
    const t0 = performance.now();
    const startA = a.start();
    const cpu0 = { b: cpu(b.srv.proc.pid), hub: hub ? cpu(hub.srv.proc.pid) : 0 };
    await startA;
    // BENCH_PERF_DIR: perf-record every node while it drains (the figures are then slowed).
    const perfs = process.env.BENCH_PERF_DIR ? Object.values(nodes).map((n) => spawn('perf',
      ['record', '-q', '-F', '499', ...(process.env.BENCH_PERF_ARGS || '-g').split(' '), '-o', path.join(process.env.BENCH_PERF_DIR, `exchange-${setup}-${n.id}.data`),
        '-p', String(n.srv.proc.pid)], { stdio: 'ignore' })) : [];
    let tB = 0, tA = 0;
    while (!tA) {
      const now = performance.now();
      if (now - t0 > LIMIT_MS) die(`${setup}: B has ${one(b.dataDir, received)} documents and A ${one(a.dataDir, statuses)} statuses after ${LIMIT_MS / 1000} s`);
      if (!tB && one(b.dataDir, received) >= DOCS) tB = now;
      if (tB && one(a.dataDir, statuses) >= DOCS) tA = performance.now();
      else await sleep(POLL_MS);
    }
    const used = {
      a: cpu(a.srv.proc.pid), b: cpu(b.srv.proc.pid) - cpu0.b, hub: hub ? cpu(hub.srv.proc.pid) - cpu0.hub : 0,
    };
    for (const p of perfs) p.kill('SIGINT');
    await Promise.all(perfs.map((p) => new Promise((r) => (p.exitCode !== null ? r() : p.once('exit', r)))));
    // Nothing more may come: a doubled message would show after the last one.
    await sleep(1000);

    // --- the checks ---
    const inB = sqlite(b.dataDir, `SELECT count(*), count(DISTINCT edxml_id) FROM exchange_messages
      WHERE direction = 'in' AND kind = 'document' AND from_organ = '${COMMUNE}'`).split('|').map(Number);
    const docsB = sqlite(b.dataDir, `SELECT d.sha256 FROM documents d JOIN units u ON u.id = d.unit_id
      WHERE d.direction = 'in' AND u.code = '${COMMUNE2}' ORDER BY d.sha256`).split('\n').filter(Boolean);
    const shaA = sqlite(a.dataDir, `SELECT d.sha256 FROM documents d JOIN exchange_messages m
      ON m.document_id = d.id WHERE m.direction = 'out' AND m.kind = 'document' ORDER BY d.sha256`)
      .split('\n').filter(Boolean);
    let pdfSame = 0;
    if (docsB.length === shaA.length && docsB.every((s, i) => s === shaA[i])) {
      for (const s of docsB) {
        const bytes = fs.readFileSync(path.join(b.dataDir, 'files', s.slice(0, 2), s));
        if (crypto.createHash('sha256').update(bytes).digest('hex') === s) pdfSame++;
      }
    }
    const outA = sqlite(a.dataDir, `SELECT count(*), coalesce(sum(state = 'delivered'), 0),
      coalesce(sum(last_status = '01'), 0) FROM exchange_messages WHERE direction = 'out'
      AND kind = 'document'`).split('|').map(Number);
    const relayed = hub ? sqlite(hub.dataDir, `SELECT count(*), coalesce(sum(state = 'delivered'), 0)
      FROM exchange_messages WHERE direction = 'out' AND relay = 1 AND kind = 'document'`)
      .split('|').map(Number) : [DOCS, DOCS];
    // In order: B received them in the order A queued them (one recipient: one queue).
    const orderA = sqlite(a.dataDir, `SELECT edxml_id FROM exchange_messages WHERE direction = 'out'
      AND kind = 'document' ORDER BY id`);
    const orderB = sqlite(b.dataDir, `SELECT edxml_id FROM exchange_messages WHERE direction = 'in'
      AND kind = 'document' AND from_organ = '${COMMUNE}' ORDER BY id`);
    const inOrder = orderA === orderB;
    // What B keeps is what A recorded as sent (the proof on both sides; the hub sends it on
    // unchanged): the same envelope hashes, in the same order.
    const envA = sqlite(a.dataDir, `SELECT envelope_sha256 FROM exchange_messages WHERE direction = 'out'
      AND kind = 'document' ORDER BY id`);
    const envB = sqlite(b.dataDir, `SELECT envelope_sha256 FROM exchange_messages WHERE direction = 'in'
      AND kind = 'document' AND from_organ = '${COMMUNE}' ORDER BY id`);
    const sameEnvelopes = envA === envB && envA.split('\n').filter(Boolean).length === DOCS;
    const envBytes = one(a.dataDir, `SELECT CAST(avg(envelope_size) AS INTEGER) FROM exchange_messages
      WHERE direction = 'out' AND kind = 'document'`);
    const ok = inB[0] === DOCS && inB[1] === DOCS && docsB.length === DOCS && pdfSame === DOCS &&
      outA[0] === DOCS && outA[1] === DOCS && outA[2] === DOCS && relayed[0] === DOCS && relayed[1] === DOCS && inOrder && sameEnvelopes;
    const secB = (tB - t0) / 1000, secA = (tA - t0) / 1000;
    const ms = (s) => (1000 * s / DOCS).toFixed(2);
    console.log(`exchange setup=${setup} docs=${DOCS} seconds=${secB.toFixed(3)} rate=${(DOCS / secB).toFixed(1)}`
      + ` status_seconds=${secA.toFixed(3)} status_rate=${(DOCS / secA).toFixed(1)} cpu_a_ms=${ms(used.a)}`
      + ` cpu_b_ms=${ms(used.b)} cpu_hub_ms=${hub ? ms(used.hub) : 'n/a'} pdf_bytes=${PDF_BYTES}`
      + ` envelope_bytes=${envBytes}`);
    console.log(`check setup=${setup} received=${inB[0]} distinct=${inB[1]} incoming=${docsB.length}`
      + ` pdf_same=${pdfSame} in_order=${inOrder ? 1 : 0} same_envelopes=${sameEnvelopes ? 1 : 0} delivered=${outA[1]} status01=${outA[2]} relayed=${relayed[0]}/${relayed[1]}`
      + ` ok=${ok ? 1 : 0}`);
    if (!ok) process.exitCode = 1;
  } finally {
    for (const fn of afters.reverse()) await fn();
  }
}

for (const s of SETUPS) await run(s);
