// API tests: health, Prometheus metrics, web pages and static files, unknown paths and
// methods, response headers; and that every route of `motcua routes` is reachable.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startServer, Client, newCitizen, readyBirthDraft, samplePdf, sql, motcua, rawGet,
  expectRefused, assertError, ROOT, BIN_SOURCE, BIRTH, COMMUNE,
} from './lib/server.mjs';

let srv;
before(async () => { srv = await startServer(null); });
after(() => srv && srv.stop());

// --- Prometheus text ----------------------------------------------------------------------

/** Parses the text format strictly: {samples: [{name, labels, value}], types: {name: type}}. */
function parseProm(text) {
  const samples = [];
  const types = {};
  const helps = {};
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  for (const line of text.split('\n').slice(0, -1)) {
    let m;
    if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line))) { types[m[1]] = m[2]; continue; }
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line))) { helps[m[1]] = m[2]; continue; }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+-]+|\+Inf|NaN)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
      let lm;
      let consumed = 0;
      while ((lm = re.exec(m[3]))) { labels[lm[1]] = lm[2]; consumed = re.lastIndex; if (lm[3] === '') break; }
      assert.equal(consumed, m[3].length, `bad labels in ${line}`);
    }
    samples.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return { samples, types, helps };
}

async function metrics(c) {
  const r = await c.get('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  return parseProm(r.text);
}

const reqCount = (m, method, route, code) =>
  m.samples.filter((s) => s.name === 'motcua_http_requests_total' && s.labels.method === method && s.labels.route === route && s.labels.code === code)
    .reduce((a, s) => a + s.value, 0);

// --- tests --------------------------------------------------------------------------------------

test('GET /healthz -> {"status":"ok"}; HEAD works too', async () => {
  const c = new Client(srv.url);
  const r = await c.get('/healthz');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(r.json, { status: 'ok' });
  const h = await c.req('HEAD', '/healthz');
  assert.equal(h.status, 200);
  assert.equal(h.buf.length, 0);
});

test('GET /metrics: Prometheus text with request counters and dossiers by status', async (t) => {
  const s = await startServer(t); // fresh: exact dossier numbers
  const c = new Client(s.url);
  let m = await metrics(c);
  assert.equal(m.types.motcua_http_requests_total, 'counter');
  assert.equal(m.types.motcua_dossiers, 'gauge');
  assert.ok(m.helps.motcua_http_requests_total);
  assert.ok(reqCount(m, 'GET', '/healthz', '2xx') >= 1, 'the readiness probe was counted');
  assert.equal(m.samples.filter((x) => x.name === 'motcua_dossiers').length, 0, 'no dossiers yet');

  // Counters move by exactly what we send.
  const before404 = reqCount(m, 'GET', '/api/v1/lookup/{code}', '4xx');
  const before200 = reqCount(m, 'GET', '/api/v1/procedures', '2xx');
  for (let i = 0; i < 3; i++) await c.get('/api/v1/lookup/KHONG-CO');
  await c.get('/api/v1/procedures?q=khai+sinh');
  m = await metrics(c);
  assert.equal(reqCount(m, 'GET', '/api/v1/lookup/{code}', '4xx'), before404 + 3);
  assert.equal(reqCount(m, 'GET', '/api/v1/procedures', '2xx'), before200 + 1);
  for (const x of m.samples.filter((y) => y.name === 'motcua_http_requests_total')) {
    assert.deepEqual(Object.keys(x.labels).sort(), ['code', 'method', 'route']);
    assert.match(x.labels.code, /^[1-5]xx$/);
    assert.ok(Number.isInteger(x.value) && x.value > 0);
  }

  // Dossiers by status: 2 drafts, 1 submitted, 1 withdrawn.
  const a = await newCitizen(s.url);
  const d1 = await readyBirthDraft(a);
  await readyBirthDraft(a);
  const d3 = await readyBirthDraft(a);
  const d4 = await readyBirthDraft(a);
  assert.equal((await a.post(`/api/v1/dossiers/${d1.id}/submit`)).status, 200);
  assert.equal((await a.post(`/api/v1/dossiers/${d3.id}/submit`)).status, 200);
  assert.equal((await a.post(`/api/v1/dossiers/${d3.id}/withdraw`, { reason: 'thử' })).status, 200);
  void d4;
  m = await metrics(c);
  const gauge = Object.fromEntries(m.samples.filter((x) => x.name === 'motcua_dossiers').map((x) => [x.labels.status, x.value]));
  assert.deepEqual(gauge, { 0: 2, 1: 1, 7: 1 });
  const db = Object.fromEntries(sql(s.dataDir, 'SELECT coalesce(status_code, 0) AS s, count(*) AS n FROM dossiers GROUP BY 1').map((r) => [r.s, r.n]));
  assert.deepEqual(gauge, db, 'the gauge matches the database');
});

test('every route of `motcua routes` is reachable (the metrics count a request under its pattern)', async (t) => {
  const s = await startServer(t);
  const routes = motcua(['routes']).stdout.trim().split('\n').map((l) => l.split(' '));
  assert.ok(routes.length >= 20);
  const c = await newCitizen(s.url);
  const d = await readyBirthDraft(c);
  const sub = await readyBirthDraft(c);
  const x = (await c.post(`/api/v1/dossiers/${sub.id}/submit`)).json;
  const values = { code: BIRTH, id: String(d.id), name: 'giay-chung-sinh.pdf', action: 'withdraw' };
  for (const [method, pattern] of routes) {
    let p = pattern.replace(/\{(\w+)\}/g, (_, k) => encodeURIComponent(values[k] ?? 'x'));
    if (pattern.startsWith('/api/v1/units/')) p = `/api/v1/units/${COMMUNE}`;
    if (pattern.startsWith('/api/v1/lookup/')) p = `/api/v1/lookup/${encodeURIComponent(x.code)}`;
    if (pattern.endsWith('/receipt.pdf') || pattern.endsWith('/withdraw')) p = p.replace(`/${d.id}/`, `/${sub.id}/`);
    const o = {};
    if (method === 'PUT' && pattern.endsWith('/form')) o.json = {};
    else if (method === 'PUT') { o.body = samplePdf(); o.type = 'application/pdf'; }
    else if (method === 'POST') o.json = { reason: 'x' };
    if (pattern === '/api/v1/auth/logout') continue; // sent last, it ends the session
    const r = await c.req(method, p, o);
    assert.ok(r.status !== 405, `${method} ${p}: ${r.status}`);
  }
  await c.post('/api/v1/auth/logout');
  const m = await metrics(new Client(s.url));
  for (const [method, pattern] of routes) {
    const n = m.samples.filter((y) => y.name === 'motcua_http_requests_total' && y.labels.method === method && y.labels.route === pattern).length;
    assert.ok(n > 0, `no request was routed to ${method} ${pattern}`);
  }
});

/**
 * The binary embeds web/ when it is built: what it serves must be the file in web/. (In a
 * tree where someone edits web/ after the build, the file cannot be compared; then it
 * must at least be a non-empty file of that kind.)
 */
function assertServedFromWeb(t, rel, buf) {
  const file = path.join(ROOT, 'web', rel);
  assert.ok(buf.length > 0, `${rel} is empty`);
  if (fs.statSync(file).mtimeMs <= fs.statSync(BIN_SOURCE).mtimeMs) {
    assert.ok(buf.equals(fs.readFileSync(file)), `${rel} is served as in web/`);
  } else {
    t.diagnostic(`web/${rel} changed after the binary was built: not compared byte for byte`);
  }
}

test('web pages: "/" and "/tra-cuu" are HTML; CSS, JS and images have their types; unknown pages 404', async (t) => {
  const c = new Client(srv.url);
  const home = await c.get('/');
  assert.equal(home.status, 200);
  assert.equal(home.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(home.text, /^<!doctype html>/i);
  assert.ok(home.text.includes('lang="vi"'));
  assertServedFromWeb(t, 'index.html', home.buf);
  for (const page of fs.readdirSync(path.join(ROOT, 'web')).filter((f) => f.endsWith('.html'))) {
    const r = await c.get('/' + page.replace(/\.html$/, ''));
    assert.equal(r.status, 200, page);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(r.text, /^<!doctype html>/i, page);
    assertServedFromWeb(t, page, r.buf);
  }
  for (const [p, type] of [['/css/app.css', 'text/css; charset=utf-8'], ['/js/api.js', 'text/javascript; charset=utf-8'], ['/img/logo.svg', 'image/svg+xml']]) {
    const r = await c.get(p);
    assert.equal(r.status, 200, p);
    assert.equal(r.headers.get('content-type'), type, p);
    assertServedFromWeb(t, p.slice(1), r.buf);
  }
  for (const p of ['/khong-co-trang-nay', '/css/khong-co.css', '/js/none.js', '/index.htm', '/favicon.ico.bak']) {
    const r = await c.get(p);
    assert.equal(r.status, 404, p);
    assert.match(r.headers.get('content-type'), /^text\/html/);
  }
});

test('path traversal and odd paths: "/../etc/passwd" and friends are 404, nothing leaks', async () => {
  const targets = [
    '/../etc/passwd', '/../../../../etc/passwd', '/%2e%2e/etc/passwd', '/%2E%2E/%2E%2E/etc/passwd', '/css/../../etc/passwd',
    '/css/..%2f..%2fetc%2fpasswd', '/..%2f..%2fetc/passwd', '//etc/passwd', '/css//etc/passwd', '/.env', '/.git/config',
    '/css/.hidden.css', '/web/index.html', '/db/001_init.sql', '/data/demo-accounts.csv', '/motcua.db', '/..', '/./index.html',
    '/css/app.css/..', '/%5c..%5cetc%5cpasswd', '/js/%2e%2e%2f%2e%2e%2fmotcua.db',
  ];
  for (const target of targets) {
    const r = await rawGet(srv.url, target);
    assert.equal(r.status, 404, `${target} -> ${r.status}`);
    assert.ok(!r.body.includes('root:'), `${target} leaked /etc/passwd`);
    assert.ok(!r.body.includes('SQLite format'), `${target} leaked the database`);
    assert.ok(!r.body.includes('CREATE TABLE'), `${target} leaked the schema`);
    assert.ok(!r.body.includes('motcua-demo'), `${target} leaked the demo accounts`);
  }
  // A NUL in the path is refused.
  const nul = await rawGet(srv.url, '/index%00.html');
  assert.equal(nul.status, 400);
  assert.match(nul.body, /"bad_path"/);
});

test('unknown /api paths -> 404 JSON; wrong methods -> 405 JSON; nothing written', async () => {
  const c = await newCitizen(srv.url);
  for (const p of ['/api/v1/nope', '/api/v2/procedures', '/api/', '/api/v1/', '/api/v1/dossiers/1/unknown', '/api/v1/procedures/x/y/z', '/api/v1/auth', '/api/v1/dossiers/']) {
    for (const m of ['GET', 'POST', 'DELETE']) {
      const r = m === 'GET' ? await c.get(p) : await expectRefused(srv, () => c.req(m, p, { json: {} }), { status: 404, code: 'not_found', what: `${m} ${p}` });
      assertError(r, 404, 'not_found');
    }
  }
  const wrong = [
    ['DELETE', '/healthz'], ['POST', '/metrics'], ['PUT', '/api/v1/auth/login'], ['GET', '/api/v1/auth/logout'], ['GET', '/api/v1/auth/register'],
    ['DELETE', '/api/v1/auth/me'], ['GET', '/api/v1/dossiers/1/submit'], ['PUT', '/api/v1/dossiers'], ['DELETE', '/api/v1/dossiers/1'],
    ['POST', '/api/v1/dossiers/1/form'], ['GET', '/api/v1/dossiers/1/withdraw'], ['POST', '/api/v1/dossiers/1/files/a.pdf'],
    ['PATCH', '/api/v1/dossiers/1/form'], ['POST', '/api/v1/dossiers/1/receipt.pdf'], ['OPTIONS', '/api/v1/procedures'],
    ['POST', '/'], ['PUT', '/tra-cuu'], ['DELETE', '/css/app.css'],
  ];
  for (const [m, p] of wrong) {
    await expectRefused(srv, () => c.req(m, p, { json: { procedure_code: BIRTH, unit_code: COMMUNE } }), { status: 405, code: 'method_not_allowed', what: `${m} ${p}` });
  }
});

test('API answers carry security headers and are not cached', async () => {
  const c = await newCitizen(srv.url);
  for (const r of [await c.get('/api/v1/auth/me'), await c.get('/api/v1/procedures'), await c.get('/api/v1/nope'), await c.post('/api/v1/dossiers', '{')]) {
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.match(r.headers.get('content-type'), /^application\/json; charset=utf-8$/);
  }
  const page = await c.get('/');
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
});
