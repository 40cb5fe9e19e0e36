// The audit log cannot be rewritten unnoticed: signed, timestamped checkpoints
// (`motcua audit checkpoint`) and `motcua audit verify`, tried the way someone holding the
// database file would attack it. The timestamps are checked with `openssl ts -verify`, a
// tool no one here wrote.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { motcua, initDataDir, startServer, newCitizen, sql, sqlValue } from './lib/server.mjs';

/** Runs SQL that changes the database (the attacker's edits). */
function exec(dataDir, query) {
  const r = spawnSync('sqlite3', [path.join(dataDir, 'motcua.db'), query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

/**
 * What someone with the database file does after editing entry `id`: recomputes its hash
 * and every later one (the algorithm of docs/architecture.md: SHA-256 over the previous hash
 * and the length-prefixed fields), so that the chain verifies again.
 */
function rehashFrom(dataDir, id) {
  const rows = sql(dataDir, `SELECT id, at, coalesce(actor_id, 0) AS actor, action, object_type, object_id, detail FROM audit_log WHERE id >= ${id} ORDER BY id`);
  let prev = sqlValue(dataDir, `SELECT hash FROM audit_log WHERE id = ${id - 1}`) || '0'.repeat(64);
  const updates = [];
  for (const e of rows) {
    const h = crypto.createHash('sha256');
    for (const f of [prev, `${e.id},${e.at},${e.actor}`, e.action, e.object_type, e.object_id, e.detail]) {
      h.update(`${Buffer.byteLength(f)}:`);
      h.update(f);
    }
    const hash = h.digest('hex');
    updates.push(`UPDATE audit_log SET prev_hash = '${prev}', hash = '${hash}' WHERE id = ${e.id};`);
    prev = hash;
  }
  exec(dataDir, updates.join('\n'));
}

/** A data directory with some history: a citizen registered and logged in through the server. */
async function withHistory(t) {
  const dataDir = initDataDir();
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const srv = await startServer(null, { dataDir });
  await newCitizen(srv.url);
  await newCitizen(srv.url);
  await srv.stop({ keep: true });
  return dataDir;
}

test('a checkpoint certifies the log; rewriting an entry with every later hash recomputed is caught', async (t) => {
  const dataDir = await withHistory(t);
  let r = motcua(['audit', 'checkpoint', '--data', dataDir]);
  assert.equal(r.status, 0, r.stderr);
  const total = Number(sqlValue(dataDir, 'SELECT max(id) FROM audit_log'));
  assert.match(r.stdout, new RegExp(`^checkpoint of entries 1 to ${total}, signed by .+, timestamped by the demo TSA`));
  r = motcua(['audit', 'verify', '--data', dataDir]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`audit checkpoints intact: 1 checkpoint\\(s\\) certify entries 1 to ${total};`));

  // An entry in the middle, rewritten, and the chain recomputed after it.
  const target = Math.ceil(total / 2);
  exec(dataDir, `UPDATE audit_log SET detail = '{"sua":"doi"}' WHERE id = ${target}`);
  rehashFrom(dataDir, target);
  r = motcua(['audit', 'verify', '--data', dataDir]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /audit chain intact/, 'the chain alone is fooled');
  assert.match(r.stdout, new RegExp(`audit checkpoints BROKEN: entry ${target} no longer matches what checkpoint 1 certified`));
});

test('deleting the newest entries is caught; with the checkpoints deleted too, the export kept elsewhere still catches it', async (t) => {
  const dataDir = await withHistory(t);
  const exportFile = path.join(os.tmpdir(), `motcua-checkpoints-${process.pid}.txt`);
  t.after(() => fs.rmSync(exportFile, { force: true }));
  let r = motcua(['audit', 'checkpoint', '--data', dataDir, '--out', exportFile]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(fs.readFileSync(exportFile, 'utf8'), /^motcua audit checkpoints 1\ncheckpoint 1\nstatement /);
  const total = Number(sqlValue(dataDir, 'SELECT max(id) FROM audit_log'));
  exec(dataDir, `DELETE FROM audit_log WHERE id > ${total - 3}`);
  r = motcua(['audit', 'verify', '--data', dataDir]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /audit chain intact/);
  assert.match(r.stdout, new RegExp(`entries ${total - 2} to ${total} are missing, though checkpoint 1 certified them`));
  // The attacker removes the checkpoint as well: the database alone can no longer tell.
  exec(dataDir, 'DELETE FROM audit_checkpoints');
  r = motcua(['audit', 'verify', '--data', dataDir]);
  assert.equal(r.status, 0, r.stdout);
  r = motcua(['audit', 'verify', '--data', dataDir, '--checkpoints', exportFile]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, new RegExp(`entries ${total - 2} to ${total} are missing`));
});

test('the checkpoint\'s timestamp is a real RFC 3161 token: openssl ts -verify accepts it, and refuses it for other data', async (t) => {
  const dataDir = await withHistory(t);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-audit-ts-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  assert.equal(motcua(['audit', 'checkpoint', '--data', dataDir]).status, 0);
  const [row] = sql(dataDir, 'SELECT hex(signature) AS sig, hex(timestamp_token) AS tok FROM audit_checkpoints');
  fs.writeFileSync(path.join(dir, 'sig.der'), Buffer.from(row.sig, 'hex'));
  fs.writeFileSync(path.join(dir, 'token.der'), Buffer.from(row.tok, 'hex'));
  fs.writeFileSync(path.join(dir, 'root.pem'), sqlValue(dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
  fs.writeFileSync(path.join(dir, 'chain.pem'), sqlValue(dataDir, "SELECT chain_pem FROM signing_keys WHERE kind = 'tsa'"));
  const verify = (data) => spawnSync('openssl', ['ts', '-verify', '-data', data, '-in', path.join(dir, 'token.der'), '-token_in',
    '-CAfile', path.join(dir, 'root.pem'), '-untrusted', path.join(dir, 'chain.pem')], { encoding: 'utf8' });
  let r = verify(path.join(dir, 'sig.der'));
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Verification: OK/);
  const other = Buffer.from(row.sig, 'hex');
  other[other.length - 1] ^= 1;
  fs.writeFileSync(path.join(dir, 'other.der'), other);
  r = verify(path.join(dir, 'other.der'));
  assert.notEqual(r.status, 0, 'a token for other data is refused');
});

test('audit verify tells an unreadable database from a broken log', () => {
  const r = motcua(['audit', 'verify', '--data', path.join(os.tmpdir(), 'motcua-no-such-dir')]);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /cannot read/);
  assert.equal(motcua(['audit', 'frobnicate', '--data', '/tmp']).status, 2);
});

test('serve makes checkpoints by itself, timestamped by the data directory\'s TSA key', async (t) => {
  const srv = await startServer(t, { args: ['--checkpoint-every', '1'] });
  await newCitizen(srv.url);
  let n = 0;
  for (let i = 0; i < 100 && !n; i++) {
    n = Number(sqlValue(srv.dataDir, 'SELECT count(*) FROM audit_checkpoints WHERE timestamp_token IS NOT NULL'));
    if (!n) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(n >= 1, 'a timestamped checkpoint within 10 s');
  const r = motcua(['audit', 'verify', '--data', srv.dataDir]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /audit checkpoints intact: \d+ checkpoint\(s\) certify entries 1 to \d+/);
  assert.doesNotMatch(r.stdout, /without a timestamp/);
});
