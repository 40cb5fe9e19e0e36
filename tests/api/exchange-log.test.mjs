// The exchange message log as proof (docs/exchange.md "The message log"), two nodes on loopback
// (tests/api/lib/nodes.mjs). A công văn goes from Hạc Thành (node A) to Quảng Phú (node B) and
// status 01 comes back: every row on both sides gets an RFC 3161 timestamp token over its
// envelope; the envelope downloaded from the officers' API has the row's SHA-256, and
// `openssl ts -verify` (a tool no one here wrote) accepts the token for it, against the node's
// demo root, and refuses it for one altered byte. An officer sees only the rows of the units
// they may act for (another unit's officer: none, and 404 on the detail and the downloads); the
// province admin sees all. The retention refuses values out of 1..100; the purge removes only
// rows older than the retention and not still to send, and an envelope file only when no row
// left names it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  COMMUNE, COMMUNE2, DEMO_OFFICERS, addStaff, motcua, officerSession, samplePdf, sql, sqlValue,
} from './lib/server.mjs';
import { twoNodes } from './lib/nodes.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');
const count = (dataDir, q) => Number(sqlValue(dataDir, q));

async function until(pred, what, ms = 30000) {
  for (let waited = 0; waited < ms; waited += 100) {
    if (await pred()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** A công văn of Hạc Thành on node A to Quảng Phú (node B), drafted, signed and issued. */
async function issueCongVan(a, summary) {
  const specialist = await officerSession(a.url, DEMO_OFFICERS.specialist);
  const leader = await officerSession(a.url, DEMO_OFFICERS.leader);
  const clerk = await officerSession(a.url, DEMO_OFFICERS.clerk);
  const unit = count(a.dataDir, `SELECT id FROM units WHERE code = '${COMMUNE}'`);
  const leaderId = count(a.dataDir, `SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`);
  let r = await specialist.post('/api/v1/documents', {
    unit_id: unit, type: 'cong_van', department: 'VP', summary, signer_id: leaderId, signer_title: 'CHỦ TỊCH',
    recipients_exchange: [COMMUNE2],
  });
  assert.equal(r.status, 201, r.text);
  const doc = r.json.document;
  r = await specialist.req('PUT', `/api/v1/documents/${doc.id}/body/cong-van.pdf`, { body: samplePdf(summary), type: 'application/pdf' });
  assert.equal(r.status, 200, r.text);
  assert.equal((await specialist.post(`/api/v1/documents/${doc.id}/submit`, {})).status, 200);
  assert.equal((await leader.post(`/api/v1/documents/${doc.id}/review`, { decision: 'approve' })).status, 200);
  assert.equal((await leader.post(`/api/v1/documents/${doc.id}/sign`, {})).status, 200);
  r = await clerk.post(`/api/v1/documents/${doc.id}/issue`, {});
  assert.equal(r.status, 200, r.text);
  return { doc: r.json.document, clerk };
}

/** `openssl ts -verify` of token over data, trusting the node's demo root (TSA chain untrusted). */
function tsVerify(dir, node, name, data, token) {
  const f = (x) => path.join(dir, `${node.id}-${name}.${x}`);
  fs.writeFileSync(f('root.pem'), sqlValue(node.dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
  fs.writeFileSync(f('chain.pem'), sqlValue(node.dataDir, "SELECT chain_pem FROM signing_keys WHERE kind = 'tsa'"));
  fs.writeFileSync(f('xml'), data);
  fs.writeFileSync(f('tst'), token);
  return spawnSync('openssl', ['ts', '-verify', '-data', f('xml'), '-in', f('tst'), '-token_in',
    '-CAfile', f('root.pem'), '-untrusted', f('chain.pem')], { encoding: 'utf8' });
}

/** Checks one row's proof through the API: envelope bytes, token, openssl. */
async function checkProof(c, dir, node, id) {
  const row = sql(node.dataDir, `SELECT envelope_sha256, envelope_size FROM exchange_messages WHERE id = ${id}`)[0];
  const env = await c.get(`/api/v1/exchange/messages/${id}/envelope`);
  assert.equal(env.status, 200, env.text);
  assert.match(env.headers.get('content-type'), /^application\/xml/);
  assert.equal(sha256(env.buf), row.envelope_sha256);
  assert.equal(env.buf.length, Number(row.envelope_size));
  const tok = await c.get(`/api/v1/exchange/messages/${id}/timestamp`);
  assert.equal(tok.status, 200, tok.text);
  assert.ok(tok.buf.length > 100);
  let v = tsVerify(dir, node, `m${id}`, env.buf, tok.buf);
  assert.equal(v.status, 0, `openssl ts -verify: ${v.stdout}${v.stderr}`);
  assert.match(v.stdout, /Verification: OK/);
  const altered = Buffer.from(env.buf);
  altered[Math.floor(altered.length / 2)] ^= 1;
  v = tsVerify(dir, node, `m${id}-altered`, altered, tok.buf);
  assert.notEqual(v.status, 0, 'an altered envelope must not verify');
  assert.match(v.stdout + v.stderr, /FAILED|message imprint mismatch/);
}

test('exchange log: both sides timestamp every envelope; the proof verifies with openssl; officers see their units only; retention and purge', async (t) => {
  const { a, b, dir } = await twoNodes(t);
  await a.start();
  await b.start();
  const summary = 'V/v đối chiếu nhật ký liên thông';
  const { doc, clerk } = await issueCongVan(a, summary);

  // Status 01 back on A, then every row on both sides stamped.
  await until(() => sqlValue(a.dataDir, `SELECT last_status FROM exchange_messages WHERE direction = 'out' AND document_id = ${doc.id}`) === '01',
    'status 01 on node A');
  await until(() => count(b.dataDir, "SELECT count(*) FROM exchange_messages WHERE state = 'delivered'") === 1, 'B\'s status delivered');
  for (const n of [a, b]) {
    await until(() => count(n.dataDir, 'SELECT count(*) FROM exchange_messages WHERE tsa_token IS NULL') === 0,
      `every row of node ${n.id} timestamped`);
    assert.equal(count(n.dataDir, 'SELECT count(*) FROM exchange_messages'), 2);
    assert.equal(count(n.dataDir, "SELECT count(*) FROM exchange_messages WHERE tsa_time IS NULL OR tsa_name = '' OR tsa_error <> ''"), 0);
  }

  // A's clerk: the two rows of Hạc Thành, newest first.
  let r = await clerk.get('/api/v1/exchange/messages');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.total, 2);
  assert.equal(r.json.retention_years, 10);
  const byKind = Object.fromEntries(r.json.items.map((m) => [`${m.direction}-${m.kind}`, m]));
  const out = byKind['out-document'];
  const back = byKind['in-status'];
  assert.ok(out && back, JSON.stringify(r.json.items));
  assert.equal(out.from_organ, COMMUNE);
  assert.equal(out.to_organ, COMMUNE2);
  assert.equal(out.to_name, 'Phường Quảng Phú');
  assert.equal(out.state, 'delivered');
  assert.equal(out.last_status, '01');
  assert.equal(out.notation, '01/UBND-VP');
  assert.equal(out.node, 'quang-phu');
  assert.equal(back.status_code, '01');
  assert.equal(back.state, 'received');
  assert.equal(back.verdict, 'valid');
  for (const m of [out, back]) {
    const row = sql(a.dataDir, `SELECT tsa_time, envelope_sha256, directory_version FROM exchange_messages WHERE id = ${m.id}`)[0];
    assert.equal(m.timestamp.time, Number(row.tsa_time));
    assert.ok(Math.abs(m.timestamp.time - Date.now() / 1000) < 600, 'the token\'s time is about now');
    assert.match(m.timestamp.tsa, /\S/);
    assert.equal(m.envelope_sha256, row.envelope_sha256);
    assert.equal(m.directory_version, 1);
  }
  // Filters.
  r = await clerk.get('/api/v1/exchange/messages?direction=out');
  assert.deepEqual(r.json.items.map((m) => m.id), [out.id]);
  r = await clerk.get('/api/v1/exchange/messages?kind=status&state=received');
  assert.deepEqual(r.json.items.map((m) => m.id), [back.id]);
  r = await clerk.get(`/api/v1/exchange/messages?q=${encodeURIComponent('01/UBND-VP')}&direction=out`);
  assert.deepEqual(r.json.items.map((m) => m.id), [out.id]);
  r = await clerk.get('/api/v1/exchange/messages?q=khong-co-van-ban-nay');
  assert.equal(r.json.total, 0);
  r = await clerk.get('/api/v1/exchange/messages?from=2000-01-01&to=2000-12-31');
  assert.equal(r.json.total, 0);
  // The day of the outgoing row in Vietnam (UTC+7), as SQLite reckons it: from and to both
  // include it; the day after excludes it.
  const day = sqlValue(a.dataDir, `SELECT date(created_at + 25200, 'unixepoch') FROM exchange_messages WHERE id = ${out.id}`);
  r = await clerk.get(`/api/v1/exchange/messages?from=${day}&to=${day}&direction=out`);
  assert.deepEqual(r.json.items.map((m) => m.id), [out.id]);
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86400e3).toISOString().slice(0, 10);
  r = await clerk.get(`/api/v1/exchange/messages?from=${next}&direction=out`);
  assert.equal(r.json.total, 0);
  r = await clerk.get(`/api/v1/exchange/messages?to=${day}&direction=out`);
  assert.equal(r.json.total, 1);
  r = await clerk.get(`/api/v1/exchange/messages?organ=${COMMUNE2}&limit=1`);
  assert.equal(r.json.total, 2);
  assert.equal(r.json.items.length, 1);
  for (const q of ['direction=sideways', 'kind=x', 'state=lost', 'from=07-12-2026', 'to=2026-02-30', 'limit=0']) {
    r = await clerk.get(`/api/v1/exchange/messages?${q}`);
    assert.equal(r.status, 400, `${q}: ${r.text}`);
    assert.equal(r.json.error.code, 'bad_parameter');
  }
  // The detail.
  r = await clerk.get(`/api/v1/exchange/messages/${out.id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.message.verdict, 'signed');
  assert.equal(r.json.message.attempts, 1);
  assert.equal(r.json.message.summary, summary);
  r = await clerk.get(`/api/v1/exchange/messages/${back.id}`);
  assert.match(r.json.message.signer, /\S/);
  // The proofs, with openssl.
  await checkProof(clerk, dir, a, out.id);
  await checkProof(clerk, dir, a, back.id);

  // The units of other nodes, for the draft form.
  r = await clerk.get('/api/v1/exchange/units');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.units, [{ code: COMMUNE2, name: 'Phường Quảng Phú', node: 'quang-phu', node_name: 'Phường Quảng Phú' }]);

  // Scoping on A: a clerk of Quảng Phú (a unit A does not host) sees nothing of Hạc Thành's.
  const stranger = await addStaff(a.srv, { login: 'vt.quangphu.a', name: 'Ngô Văn Khách', role: 'clerk', unit: COMMUNE2 });
  r = await stranger.c.get('/api/v1/exchange/messages');
  assert.equal(r.status, 200);
  assert.deepEqual([r.json.total, r.json.items], [0, []]);
  for (const p of ['', '/envelope', '/timestamp']) {
    r = await stranger.c.get(`/api/v1/exchange/messages/${out.id}${p}`);
    assert.equal(r.status, 404, `${p}: ${r.text}`);
    assert.doesNotMatch(r.text, /<edXML|UBND/);
  }
  // Not logged in: 401.
  r = await fetch(`${a.url}/api/v1/exchange/messages`);
  assert.equal(r.status, 401);

  // B: the demo clerk there is Hạc Thành's (not hosted by B): none of B's rows; Quảng Phú's
  // clerk sees both and proves them; the province admin sees all.
  const bDemo = await officerSession(b.url, DEMO_OFFICERS.clerk);
  r = await bDemo.get('/api/v1/exchange/messages');
  assert.equal(r.json.total, 0);
  const bIn = count(b.dataDir, "SELECT id FROM exchange_messages WHERE direction = 'in'");
  const bOut = count(b.dataDir, "SELECT id FROM exchange_messages WHERE direction = 'out'");
  assert.equal((await bDemo.get(`/api/v1/exchange/messages/${bIn}`)).status, 404);
  const qp = await addStaff(b.srv, { login: 'vt.quangphu', name: 'Lê Thị Văn', role: 'clerk', unit: COMMUNE2 });
  r = await qp.c.get('/api/v1/exchange/messages');
  assert.deepEqual(r.json.items.map((m) => m.id).sort(), [bIn, bOut].sort());
  await checkProof(qp.c, dir, b, bIn);
  await checkProof(qp.c, dir, b, bOut);
  const admin = await officerSession(b.url, DEMO_OFFICERS.province_admin);
  r = await admin.get('/api/v1/exchange/messages');
  assert.equal(r.json.total, 2);

  // Retention: 1..100 years; a refusal changes nothing.
  await a.srv.stop();
  await b.srv.stop();
  for (const bad of ['0', '101', '-3', 'mười', '5.5']) {
    const m = motcua(['exchange', 'retention', '--data', a.dataDir, '--years', bad]);
    assert.equal(m.status, 1, `--years ${bad}: ${m.stderr}`);
    assert.match(m.stderr, /bad_retention/);
    assert.equal(count(a.dataDir, 'SELECT count(*) FROM exchange_retention'), 0);
  }
  let m = motcua(['exchange', 'retention', '--data', a.dataDir]);
  assert.equal(m.stdout, '10\n');
  m = motcua(['exchange', 'retention', '--data', a.dataDir, '--years', '5']);
  assert.equal(m.status, 0, m.stderr);
  m = motcua(['exchange', 'retention', '--data', a.dataDir]);
  assert.equal(m.stdout, '5\n');

  // Purge on A: both rows made six years old; an old message still pending (kept); a recent
  // row naming the outgoing envelope (kept, and so is that file).
  const six = Math.floor(Date.now() / 1000) - 6 * 366 * 86400;
  const shaOut = sqlValue(a.dataDir, `SELECT envelope_sha256 FROM exchange_messages WHERE id = ${out.id}`);
  const shaBack = sqlValue(a.dataDir, `SELECT envelope_sha256 FROM exchange_messages WHERE id = ${back.id}`);
  const file = (sha) => path.join(a.dataDir, 'files', sha.slice(0, 2), sha);
  sql(a.dataDir, `UPDATE exchange_messages SET created_at = ${six}`);
  sql(a.dataDir, `INSERT INTO exchange_messages(direction, kind, edxml_id, from_organ, to_organ, state, created_at, updated_at)
    VALUES ('out', 'document', 'pending-old', '${COMMUNE}', '${COMMUNE2}', 'pending', ${six}, ${six})`);
  sql(a.dataDir, `INSERT INTO exchange_messages(direction, kind, edxml_id, from_organ, to_organ, envelope_sha256, state, created_at, updated_at)
    VALUES ('out', 'document', 'recent', '${COMMUNE}', '${COMMUNE2}', '${shaOut}', 'delivered', ${six + 5 * 366 * 86400}, 0)`);
  const before = sql(a.dataDir, 'SELECT id, edxml_id, state FROM exchange_messages ORDER BY id');
  m = motcua(['exchange', 'purge', '--data', a.dataDir, '--dry-run']);
  assert.equal(m.status, 0, m.stderr);
  assert.equal(m.stdout, 'would remove 2 rows older than 5 years, 1 envelope files\n');
  assert.deepEqual(sql(a.dataDir, 'SELECT id, edxml_id, state FROM exchange_messages ORDER BY id'), before);
  assert.ok(fs.existsSync(file(shaBack)));
  m = motcua(['exchange', 'purge', '--data', a.dataDir]);
  assert.equal(m.status, 0, m.stderr);
  assert.equal(m.stdout, 'removed 2 rows older than 5 years, 1 envelope files\n');
  assert.deepEqual(sql(a.dataDir, 'SELECT edxml_id, state FROM exchange_messages ORDER BY id'),
    [{ edxml_id: 'pending-old', state: 'pending' }, { edxml_id: 'recent', state: 'delivered' }]);
  assert.ok(fs.existsSync(file(shaOut)), 'an envelope a remaining row names stays');
  assert.ok(!fs.existsSync(file(shaBack)), 'an envelope no row names any more goes');
  // The issued document itself is not the log's: untouched.
  assert.equal(sqlValue(a.dataDir, `SELECT state FROM documents WHERE id = ${doc.id}`), 'issued');
  m = motcua(['exchange', 'purge', '--data', a.dataDir]);
  assert.equal(m.stdout, 'removed 0 rows older than 5 years, 0 envelope files\n');
});
