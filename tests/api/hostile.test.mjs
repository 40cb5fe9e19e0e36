// The server under hostile clients: malformed and ambiguous heads, bodies that are too large
// or never finish, slow clients, too many connections, running out of descriptors. Each test
// reproduces a finding of the security probe (raw sockets where fetch would not send it) and
// checks the answer, that the server keeps serving, and that nothing changed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import {
  BIN, Client, DEMO_CITIZEN, COMMUNE, BIRTH, freePort, initDataDir, rowCounts, samplePdf,
  snapshot, assertUnchanged, sqlValue, startServer,
} from './lib/server.mjs';
import { connect, cpuSecondsOf, exchange, responses, rssOf, waitFor } from './lib/raw.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;

function registration(id) {
  return JSON.stringify({
    citizen_id: id, full_name: 'Kẻ Chen Ngang', phone: '0912345678', password: 'mat-khau-an-toan-123',
  });
}

test('two different Content-Length headers: 400, the connection closes, the smuggled request never runs', async (t) => {
  const srv = await startServer(t);
  const before = snapshot(srv.dataDir);
  const smuggled = registration('038095777001');
  const smuggledReq = `POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(smuggled)}\r\n\r\n${smuggled}`;
  const first = '{}';
  const r = await exchange(srv.port, `POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${first.length}\r\nContent-Length: ${first.length + smuggledReq.length}\r\n\r\n${first}${smuggledReq}`);
  assert.equal(r.responses.length, 1, `one answer only: ${r.raw}`);
  assert.equal(r.responses[0].status, 400);
  assert.equal(r.responses[0].json.error.code, 'duplicate_content_length');
  assert.ok(r.closed, 'the connection is closed after the refusal');
  assertUnchanged(srv.dataDir, before, [], '(the smuggled registration)');
  assert.equal((await fetch(srv.url + '/healthz')).status, 200, 'still serving');
});

test('"Transfer-Encoding :" with a space before the colon is refused with 400', async (t) => {
  const srv = await startServer(t);
  const before = snapshot(srv.dataDir);
  const body = registration('038095777002');
  const r = await exchange(srv.port, `POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Transfer-Encoding : chunked\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  assert.equal(r.responses.length, 1, r.raw);
  assert.equal(r.responses[0].status, 400);
  assert.equal(r.responses[0].json.error.code, 'bad_header');
  assert.ok(r.closed);
  assertUnchanged(srv.dataDir, before);
});

test('a body over the limit gets the JSON 413 from its head, before the body is sent', async (t) => {
  const srv = await startServer(t);
  const c = await connect(srv.port);
  await c.write('POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${20 * MiB}\r\n\r\n`);
  assert.ok(await waitFor(c, (x) => responses(x.data).length === 1), `an answer before any body byte: ${c.text}`);
  const [res] = responses(c.data);
  assert.equal(res.status, 413);
  assert.match(res.headers['content-type'], /^application\/json/);
  assert.equal(res.json.error.code, 'body_too_large');
  c.destroy();
});

test('a JSON body sent in chunks is read like any other', async (t) => {
  const srv = await startServer(t);
  const body = JSON.stringify({ login: DEMO_CITIZEN.login, password: DEMO_CITIZEN.password });
  const chunked = `${(10).toString(16)}\r\n${body.slice(0, 10)}\r\n${(body.length - 10).toString(16)}\r\n${body.slice(10)}\r\n0\r\n\r\n`;
  const r = await exchange(srv.port, 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked}`);
  assert.equal(r.responses.length, 1, r.raw);
  assert.equal(r.responses[0].status, 200, r.raw);
  assert.equal(r.responses[0].json.account.citizen_id, DEMO_CITIZEN.login);
});

test('pipelined requests are answered in order on one connection', async (t) => {
  const srv = await startServer(t);
  const c = await connect(srv.port);
  await c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/lookup/NO-SUCH-CODE HTTP/1.1\r\nHost: x\r\n\r\n' +
    'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await Promise.race([c.closed, sleep(5000)]);
  const rs = responses(c.data);
  assert.deepEqual(rs.map((x) => x.status), [200, 404, 200], c.text);
  assert.ok(c.ended, 'closed after "Connection: close"');
});

test('every answer carries the security headers; pages a Content-Security-Policy without inline script', async (t) => {
  const srv = await startServer(t);
  for (const p of ['/', '/healthz', '/api/v1/lookup/NO-SUCH-CODE', '/khong-co-trang-nay']) {
    const r = await fetch(srv.url + p);
    const csp = r.headers.get('content-security-policy') || '';
    assert.match(csp, /default-src 'self'/, `${p}: ${csp}`);
    assert.match(csp, /script-src 'self'(;|$)/, `${p}: no inline or eval scripts: ${csp}`);
    assert.match(csp, /frame-ancestors 'self'/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(r.headers.get('referrer-policy'), 'same-origin');
    assert.equal(r.headers.get('cross-origin-opener-policy'), 'same-origin');
    await r.arrayBuffer();
  }
});

test('/metrics answers loopback clients, and others only with the configured token', async (t) => {
  const srv = await startServer(t, { args: ['--trusted-proxy', '127.0.0.1', '--metrics-token', 'geheim-metrics-0123456789'] });
  let r = await fetch(srv.url + '/metrics');
  assert.equal(r.status, 200);
  assert.match(await r.text(), /motcua_http_connections \d+/);
  // Through the reverse proxy for a client elsewhere: not loopback any more.
  r = await fetch(srv.url + '/metrics', { headers: { 'X-Forwarded-For': '203.0.113.9' } });
  assert.equal(r.status, 404);
  assert.equal((await r.json()).error.code, 'not_found');
  r = await fetch(srv.url + '/metrics', { headers: { 'X-Forwarded-For': '203.0.113.9', Authorization: 'Bearer wrong-token-0123456789' } });
  assert.equal(r.status, 404);
  await r.arrayBuffer();
  r = await fetch(srv.url + '/metrics', { headers: { 'X-Forwarded-For': '203.0.113.9', Authorization: 'Bearer geheim-metrics-0123456789' } });
  assert.equal(r.status, 200);
  await r.arrayBuffer();
});

/** The demo citizen's client, with a fresh birth registration draft. */
async function citizenWithDraft(url) {
  const c = new Client(url);
  await c.login(DEMO_CITIZEN.login, DEMO_CITIZEN.password);
  const r = await c.post('/api/v1/dossiers', { procedure_code: BIRTH, unit_code: COMMUNE });
  assert.equal(r.status, 201, r.text);
  return { c, id: r.json.id };
}

function uploadHead(c, id, name, length, extra = '') {
  return `PUT /api/v1/dossiers/${id}/files/${name} HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\n` +
    `Cookie: ${c.cookie}\r\nX-CSRF-Token: ${c.csrf}\r\nContent-Length: ${length}\r\n${extra}\r\n`;
}

test('an upload is judged from its head: without a session it is refused before any body byte', async (t) => {
  const srv = await startServer(t);
  const before = snapshot(srv.dataDir);
  const c = await connect(srv.port);
  await c.write(`PUT /api/v1/dossiers/1/files/a.pdf HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\nContent-Length: ${9 * MiB}\r\n\r\n`);
  assert.ok(await waitFor(c, (x) => responses(x.data).length === 1), c.text);
  assert.equal(responses(c.data)[0].status, 401);
  c.destroy();
  assertUnchanged(srv.dataDir, before);
});

test('an upload sent with "Expect: 100-continue" and in chunks is stored whole', async (t) => {
  const srv = await startServer(t);
  const { c, id } = await citizenWithDraft(srv.url);
  const pdf = samplePdf('chunked upload');
  const half = Math.floor(pdf.length / 2);
  const s = await connect(srv.port);
  await s.write(uploadHead(c, id, 'chia-doan.pdf', 0, 'Expect: 100-continue\r\n').replace('Content-Length: 0\r\n', 'Transfer-Encoding: chunked\r\n'));
  assert.ok(await waitFor(s, (x) => /^HTTP\/1\.1 100 /.test(x.text)), `100 Continue first: ${s.text}`);
  await s.write(Buffer.concat([Buffer.from(`${half.toString(16)}\r\n`), pdf.subarray(0, half), Buffer.from(`\r\n${(pdf.length - half).toString(16)}\r\n`),
    pdf.subarray(half), Buffer.from('\r\n0\r\n\r\n')]));
  assert.ok(await waitFor(s, (x) => responses(x.data).length === 2), s.text);
  const done = responses(s.data)[1];
  assert.equal(done.status, 201, done.body);
  const crypto = await import('node:crypto');
  assert.equal(done.json.file.sha256, crypto.createHash('sha256').update(pdf).digest('hex'));
  assert.equal(done.json.file.size, pdf.length);
  s.destroy();
});

test('60 stalled 9 MB uploads keep the server under 250 MB and leave nothing behind', async (t) => {
  // Under AddressSanitizer freed memory waits in a quarantine (256 MB by default) before
  // reuse; a small one keeps the measure about the server, not the sanitizer.
  const asan = [process.env.ASAN_OPTIONS, 'quarantine_size_mb=16'].filter(Boolean).join(':');
  const srv = await startServer(t, { env: { ASAN_OPTIONS: asan } });
  const { c, id } = await citizenWithDraft(srv.url);
  const before = snapshot(srv.dataDir);
  const sent = 8 * MiB;
  const piece = Buffer.alloc(MiB, 0x41);
  piece.write('%PDF-1.4\n');
  const socks = [];
  for (let i = 0; i < 60; i++) {
    const s = await connect(srv.port);
    socks.push(s);
    await s.write(uploadHead(c, id, `tep-${i}.pdf`, 9 * MiB));
  }
  // 8 MiB of each body arrives; then every client stalls.
  for (let k = 0; k < sent / MiB; k++) await Promise.all(socks.map((s) => s.write(piece)));
  const tmp = path.join(srv.dataDir, 'files', 'tmp');
  const received = () => (fs.existsSync(tmp) ? fs.readdirSync(tmp).reduce((n, f) => n + fs.statSync(path.join(tmp, f)).size, 0) : 0);
  for (let i = 0; i < 300 && received() < 60 * sent; i++) await sleep(50);
  const rss = await rssOf(srv.proc.pid);
  t.diagnostic(`resident memory with 60 stalled uploads of 8 of 9 MiB: ${Math.round(rss / MiB)} MiB`);
  assert.ok(rss < 250 * MiB, `resident memory ${Math.round(rss / MiB)} MiB with 60 stalled uploads`);
  assert.equal(received(), 60 * sent, 'the server has received every byte sent, into files');
  assert.ok(socks.every((s) => !s.ended && responses(s.data).length === 0), 'the uploads are still waiting');
  for (const s of socks) s.destroy();
  for (let i = 0; i < 200 && fs.readdirSync(tmp).length; i++) await sleep(50);
  assert.deepEqual(fs.readdirSync(tmp), [], 'the partial files are removed');
  assertUnchanged(srv.dataDir, before, [], '(abandoned uploads)');
});

test('a head that trickles in is cut at its deadline, whatever the pace of its bytes', async (t) => {
  const srv = await startServer(t, { args: ['--head-timeout', '1'] });
  const c = await connect(srv.port);
  const head = 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ' + 'a'.repeat(60) + '\r\n\r\n';
  let written = 0;
  for (; written < head.length && !c.ended; written++) {
    await c.write(head[written]);
    await sleep(40); // a byte every 40 ms: each one would reset an idle timer
  }
  await Promise.race([c.closed, sleep(3000)]);
  assert.ok(c.ended, 'the server closed the connection');
  assert.ok(written < head.length, `cut before the head was complete (${written} of ${head.length} bytes)`);
  const rs = responses(c.data);
  assert.equal(rs.length, 1, c.text);
  assert.equal(rs[0].status, 408);
});

test('a body that trickles in is cut at its deadline', async (t) => {
  const srv = await startServer(t, { args: ['--body-timeout', '1'] });
  const before = snapshot(srv.dataDir);
  const body = registration('038095777003');
  const c = await connect(srv.port);
  await c.write(`POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
  let written = 0;
  for (; written < body.length && responses(c.data).length === 0; written++) {
    await c.write(body[written]);
    await sleep(40);
  }
  assert.ok(await waitFor(c, (x) => responses(x.data).length === 1, 3000), c.text);
  assert.ok(written < body.length, `cut before the body was complete (${written} of ${body.length})`);
  assert.equal(responses(c.data)[0].status, 408);
  c.destroy();
  assertUnchanged(srv.dataDir, before);
});

test('connections from one address are capped; the others and the server are unaffected', async (t) => {
  const srv = await startServer(t, { args: ['--max-per-address', '5'] });
  const held = [];
  for (let i = 0; i < 5; i++) held.push(await connect(srv.port));
  const extra = await connect(srv.port);
  await Promise.race([extra.closed, sleep(3000)]);
  assert.ok(extra.ended, 'a sixth connection from the same address is closed at once');
  assert.equal(extra.data.length, 0);
  // The held connections still work.
  await held[0].write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.ok(await waitFor(held[0], (x) => responses(x.data).length === 1), held[0].text);
  assert.equal(responses(held[0].data)[0].status, 200);
  for (const h of held) h.destroy();
  await sleep(200);
  assert.equal((await fetch(srv.url + '/healthz')).status, 200, 'served again once they are gone');
  assert.match(srv.log(), /connection limit reached/);
});

test('out of descriptors: no busy loop, a few log lines, and serving again afterwards', async (t) => {
  const dataDir = initDataDir();
  const port = await freePort();
  // prlimit sets the limit, then runs motcua in its place (same process).
  const proc = spawn('prlimit', ['--nofile=48:48', '--', BIN, 'serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`,
    '--quiet', '--loops', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((r) => proc.once('exit', r));
  t.after(async () => {
    proc.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    proc.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  let up = false;
  for (let i = 0; i < 200 && !up; i++) {
    try { up = (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200; } catch { await sleep(50); }
  }
  assert.ok(up, `server started: ${log}`);
  const socks = [];
  const cpu0 = await cpuSecondsOf(proc.pid);
  for (let i = 0; i < 150; i++) {
    try { socks.push(await connect(port)); } catch { /* refused: fine */ }
  }
  // Half of them also start an upload-sized request that holds a descriptor for its body.
  for (const s of socks.slice(0, 75)) await s.write(`PUT /api/v1/dossiers/1/files/a.pdf HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\nContent-Length: ${MiB}\r\n\r\n`);
  await sleep(2000); // hold them all
  const cpu = (await cpuSecondsOf(proc.pid)) - cpu0;
  assert.ok(cpu < 1.0, `the server used ${cpu.toFixed(2)} CPU seconds while 150 connections were held for 2 s: a busy loop`);
  const lines = log.split('\n').filter((l) => /accept|refusing/.test(l));
  assert.ok(lines.length <= 6, `log lines about refused connections are limited, got ${lines.length}:\n${lines.slice(0, 10).join('\n')}`);
  for (const s of socks) s.destroy();
  await sleep(300);
  let ok = false;
  for (let i = 0; i < 50 && !ok; i++) {
    try { ok = (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200; } catch { await sleep(100); }
  }
  assert.ok(ok, 'serving again once the connections are gone');
  assert.equal(sqlValue(dataDir, 'SELECT count(*) FROM dossier_files'), 0);
  assert.ok(rowCounts(dataDir).accounts > 0);
});

test('request bodies in memory share one budget: past it the answer is 503 with Retry-After, then serving goes on', async (t) => {
  const srv = await startServer(t, { args: ['--body-memory', '1'] });
  const before = snapshot(srv.dataDir);
  // 40 clients each announce a 60 KB JSON body and send only its start: 40 x 60 KB is
  // more than the 1 MiB budget, so some must be turned away rather than buffered.
  const socks = [];
  for (let i = 0; i < 40; i++) {
    const s = await connect(srv.port);
    socks.push(s);
    await s.write('POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${60 * 1000}\r\n\r\n{"citizen_id":"`);
  }
  await sleep(500);
  const answered = socks.map((s) => responses(s.data)).filter((rs) => rs.length === 1);
  assert.ok(answered.length > 0, 'some requests were refused');
  assert.ok(answered.length < 40, 'others are still being read');
  for (const [r] of answered) {
    assert.equal(r.status, 503, JSON.stringify(r));
    assert.equal(r.json.error.code, 'overloaded');
    assert.ok(Number(r.headers['retry-after']) > 0);
  }
  for (const s of socks) s.destroy();
  await sleep(200);
  assertUnchanged(srv.dataDir, before, [], '(bodies refused or abandoned)');
  const ok = await fetch(srv.url + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: DEMO_CITIZEN.login, password: DEMO_CITIZEN.password }) });
  assert.equal(ok.status, 200, 'the budget is given back when the clients go');
  await ok.arrayBuffer();
});

test('public lookups are limited per address: codes cannot be tried in bulk', async (t) => {
  const srv = await startServer(t, { args: ['--trusted-proxy', '127.0.0.1'] });
  const look = (code, ip) => fetch(`${srv.url}/api/v1/lookup/${code}`, { headers: { 'X-Forwarded-For': ip } });
  // A burst of 120 with a miss costing 5: the 25th miss in a row is refused.
  const statuses = [];
  for (let i = 0; i < 30; i++) {
    const r = await look(`000.01.90.H56-261207-${String(i).padStart(4, '0')}`, '203.0.113.70');
    statuses.push(r.status);
    if (r.status === 429) {
      assert.equal((await r.json()).error.code, 'too_many_lookups');
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    } else {
      await r.arrayBuffer();
    }
  }
  assert.deepEqual(statuses.slice(0, 24), Array(24).fill(404), statuses.join(','));
  assert.deepEqual(statuses.slice(24), Array(6).fill(429), statuses.join(','));
  // Another address is not affected.
  const other = await look('000.01.90.H56-261207-9999', '203.0.113.71');
  assert.equal(other.status, 404);
  await other.arrayBuffer();
});
