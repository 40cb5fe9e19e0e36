// The data directory missing, read-only or on a full disk (issue 7): at `init` and at
// `serve` start the command says plainly what is wrong and where and exits non-zero; while
// serving, a write lost to a full disk is answered 507 storage_full (JSON, Retry-After),
// nothing is half-written, the server keeps running and takes writes again once space is
// freed. Read-only and full file systems are small tmpfs mounts, so this file needs root
// (CI runs as root); it checks that first rather than skipping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startServer, Client, newCitizen, samplePdf, sql, motcua, snapshot, assertUnchanged, assertError,
  BIRTH, COMMUNE, person,
} from './lib/server.mjs';
import { fill, tmpfs } from './lib/disk.mjs';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return r;
}

function init(data) {
  const r = motcua(['init', '--data', data, '--demo']);
  assert.equal(r.status, 0, `init: ${r.stderr}`);
}

function serveOnce(data) {
  return motcua(['serve', '--data', data, '--listen', '127.0.0.1:1', '--quiet'], { timeout: 20000 });
}

/** Every file under DATA/files (hidden temporary files included). */
function storedFiles(data) {
  const root = path.join(data, 'files');
  const out = [];
  for (const d of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    const p = path.join(root, d);
    if (fs.statSync(p).isDirectory()) for (const f of fs.readdirSync(p)) out.push(`${d}/${f}`);
    else out.push(d);
  }
  return out.sort();
}

test('serve and init on a data directory that does not exist or is not a directory', async (t) => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-dd-'));
  t.after(() => fs.rmSync(base, { recursive: true, force: true }));
  const missing = path.join(base, 'khong-co');
  let r = serveOnce(missing);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, `motcua serve: the data directory ${missing} does not exist (create it: motcua init --data ${missing})\n`);
  assert.ok(!fs.existsSync(missing), 'serve created nothing');
  r = motcua(['user', 'list', '--data', missing]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^motcua: the data directory .*khong-co does not exist/);
  const file = path.join(base, 'tep');
  fs.writeFileSync(file, 'x');
  r = serveOnce(file);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^motcua serve: the data directory .*tep is not a directory\n$/);
  // An existing directory without a database: init is the way.
  r = serveOnce(base);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no database at .*motcua\.db \(run: motcua init --data /);
});

test('a read-only data directory: init, serve and user add refuse with a plain message, nothing changes', async (t) => {
  const mnt = tmpfs(t, '16m');
  const data = path.join(mnt, 'data');
  init(data);
  const before = fs.readFileSync(path.join(data, 'motcua.db'));
  const listing = fs.readdirSync(data).sort();
  let r = run('mount', ['-o', 'remount,ro', mnt]);
  assert.equal(r.status, 0, `remount ro: ${r.stderr}`);

  r = serveOnce(data);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, `motcua serve: the data directory ${data} is read-only (it is on a read-only file system)\n`);
  r = motcua(['init', '--data', data]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `motcua init: the data directory ${data} is read-only (it is on a read-only file system)\n`);
  r = motcua(['init', '--data', path.join(mnt, 'moi')]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `motcua init: cannot create the data directory ${path.join(mnt, 'moi')}: it is on a read-only file system\n`);
  r = motcua(['user', 'add', '--data', data, '--login', '038095009999', '--name', 'Lê Văn Tám', '--password', 'ngựa ô bờ sông Mã']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^motcua: the data directory .* is read-only/);

  assert.ok(fs.readFileSync(path.join(data, 'motcua.db')).equals(before), 'the database is unchanged');
  assert.deepEqual(fs.readdirSync(data).sort(), listing, 'no file was created');
});

test('a full disk at init and at serve start: the command says so and where, and exits 1', async (t) => {
  // init on a disk with no room left.
  let mnt = tmpfs(t, '2m');
  fill(mnt);
  let r = motcua(['init', '--data', path.join(mnt, 'data'), '--demo']);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, `motcua init: no space left on the device holding the data directory ${path.join(mnt, 'data')} (0 KiB free, at least 1024 KiB needed)\n`);
  // serve start on a data directory whose disk filled up since.
  mnt = tmpfs(t, '16m');
  const data = path.join(mnt, 'data');
  init(data);
  const filler = fill(mnt);
  r = serveOnce(data);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, `motcua serve: no space left on the device holding the data directory ${data} (0 KiB free, at least 1024 KiB needed)\n`);
  // A command that opens the database says "no space", not "I/O error".
  r = motcua(['user', 'add', '--data', data, '--login', '038095009999', '--name', 'Lê Văn Tám', '--password', 'ngựa ô bờ sông Mã']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`^motcua: no space left on device while writing ${data.replace(/[.]/g, '\\.')}/motcua\\.db`));
  // Space again: it starts.
  fs.rmSync(filler);
  const srv = await startServer(t, { dataDir: data });
  assert.equal((await fetch(srv.url + '/healthz')).status, 200);
});

test('the disk fills while serving: 507 storage_full, nothing half-written, and writes work again once space is freed', async (t) => {
  const mnt = tmpfs(t, '20m');
  const data = path.join(mnt, 'data');
  init(data);
  const srv = await startServer(t, { dataDir: data });
  const citizen = await newCitizen(srv.url);
  let r = await citizen.post('/api/v1/dossiers', { procedure_code: BIRTH, unit_code: COMMUNE });
  assert.equal(r.status, 201, r.text);
  const id = r.json.id;
  const filler = fill(mnt);

  const before = snapshot(data);
  const files = storedFiles(data);
  const newcomer = person();
  const writes = [
    ['register', () => new Client(srv.url).post('/api/v1/auth/register', newcomer)],
    ['a new draft', () => citizen.post('/api/v1/dossiers', { procedure_code: BIRTH, unit_code: COMMUNE })],
    ['an upload', () => citizen.req('PUT', `/api/v1/dossiers/${id}/files/giay-chung-sinh.pdf?document=giay_chung_sinh`,
      { body: samplePdf(`ban quet ${crypto.randomUUID()}`), type: 'application/pdf' })],
  ];
  for (const [what, send] of writes) {
    r = await send();
    const e = assertError(r, 507, 'storage_full');
    assert.match(e.message, /hết chỗ lưu trữ/, what);
    assert.equal(r.headers.get('retry-after'), '60', what);
  }
  assertUnchanged(data, before, [], '(disk full)');
  assert.deepEqual(storedFiles(data), files, 'no stored or temporary file is left behind');
  // Reads still work.
  r = await citizen.get(`/api/v1/dossiers/${id}`);
  assert.equal(r.status, 200, r.text);
  // The log says what and where.
  assert.match(srv.log(), new RegExp(`no space left on device while writing ${data.replace(/[.]/g, '\\.')}/motcua\\.db`));
  assert.match(srv.log(), new RegExp(`no space left on device while writing ${data.replace(/[.]/g, '\\.')}/files/`));

  // Space again: the same requests succeed, the server never stopped.
  fs.rmSync(filler);
  r = await writes[0][1]();
  assert.equal(r.status, 201, r.text);
  r = await writes[2][1]();
  assert.equal(r.status, 201, r.text);
  assert.equal(sql(data, `SELECT count(*) AS n FROM dossier_files WHERE dossier_id = ${id}`)[0].n, 1);
  assert.equal(srv.exited, null, 'the server is still running');
  assert.equal(motcua(['audit', 'verify', '--data', data]).status, 0);
});
