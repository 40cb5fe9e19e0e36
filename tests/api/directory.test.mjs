// The directory of exchange nodes from the command line: the demo province signs a directory of
// four nodes with its seal; `openssl cms -verify`, a tool no one here wrote, accepts it against
// the demo root and gives back the very JSON that was signed; `motcua directory install` keeps
// it, `show` and `lookup` answer from it. A changed byte, an older version, a directory signed
// by a commune's seal, an expired one: refused with the reason, the database and the cached
// file unchanged.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { BIN, motcua, initDataDir, sqlValue, snapshot, assertUnchanged, startServer } from './lib/server.mjs';
import { nodeCert } from './lib/network.mjs';

const PROVINCE = '000.00.00.H56'; // Ủy ban nhân dân tỉnh Thanh Hóa, with a demo seal
const DEPT = '000.00.04.H56'; // Sở Tài chính
const COMMUNE = '000.01.90.H56'; // Phường Hạc Thành
const COMMUNE2 = '000.02.90.H56'; // Phường Quảng Phú

function tmpDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-directory-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return r;
}

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const DAY = 86400 * 1000;

function source(certs, version, { issuer = PROVINCE, issued = Date.now() - DAY, expires = Date.now() + 365 * DAY } = {}) {
  return {
    version,
    issued_at: iso(issued),
    expires_at: iso(expires),
    issuer,
    nodes: [
      { id: 'truc-quoc-gia', name: 'Trục liên thông văn bản quốc gia', address: 'https://truc.example.vn',
        level: 'national', hub: true, upstream: null, certificate: certs.national, units: ['000.00.00.G01'] },
      { id: 'lgsp-thanh-hoa', name: 'LGSP tỉnh Thanh Hóa', address: 'http://127.0.0.1:8443/',
        level: 'province', hub: true, upstream: 'truc-quoc-gia', certificate: certs.province, units: [PROVINCE] },
      { id: 'so-tai-chinh', name: 'Sở Tài chính', address: 'https://stc.example.vn:8443',
        level: 'department', hub: false, upstream: 'lgsp-thanh-hoa', certificate: certs.department, units: [DEPT] },
      { id: 'hac-thanh', name: 'Phường Hạc Thành', address: 'https://hacthanh.example.vn',
        level: 'commune', hub: false, upstream: 'lgsp-thanh-hoa', certificate: certs.commune, units: [COMMUNE, COMMUNE2] },
    ],
  };
}

function signWith(dataDir, dir, unit, name, doc) {
  const src = path.join(dir, `${name}.json`);
  const out = path.join(dir, `${name}.cms`);
  fs.writeFileSync(src, JSON.stringify(doc, null, 2));
  const r = motcua(['directory', 'sign', '--data', dataDir, '--unit', unit, src, out]);
  return { r, src, out };
}

test('directory: signed by the province, verified by openssl, installed, shown, looked up; refusals change nothing', (t) => {
  const dataDir = initDataDir();
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const dir = tmpDir(t);
  const certs = {};
  for (const n of ['national', 'province', 'department', 'commune']) certs[n] = nodeCert(dir, n);
  const root = path.join(dir, 'root.pem');
  fs.writeFileSync(root, sqlValue(dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));

  // version 3, signed with the province's seal
  const v3 = signWith(dataDir, dir, PROVINCE, 'v3', source(certs, 3));
  assert.equal(v3.r.status, 0, v3.r.stderr);

  // openssl accepts it against the demo root and returns the signed bytes unchanged
  const content = path.join(dir, 'content.json');
  let r = run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', v3.out, '-CAfile', root, '-out', content]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /Verification successful/);
  assert.deepEqual(fs.readFileSync(content), fs.readFileSync(v3.src));
  // and names the province's seal as the signer (organizationIdentifier = the unit's code)
  const signerPem = path.join(dir, 'signer.pem');
  r = run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', v3.out, '-CAfile', root,
    '-out', '/dev/null', '-signer', signerPem]);
  assert.equal(r.status, 0, r.stderr);
  r = run('openssl', ['x509', '-in', signerPem, '-noout', '-subject', '-nameopt', 'RFC2253,-esc_msb']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`organizationIdentifier=${PROVINCE.replace(/\./g, '\\.')}`));
  assert.match(r.stdout, /Ủy ban nhân dân tỉnh Thanh Hóa/);

  // motcua agrees
  r = motcua(['directory', 'verify', '--data', dataDir, v3.out]);
  assert.equal(r.status, 0, r.stderr);
  let j = JSON.parse(r.stdout);
  assert.equal(j.version, 3);
  assert.equal(j.issuer, PROVINCE);
  assert.deepEqual(j.nodes.map((n) => n.id), ['truc-quoc-gia', 'lgsp-thanh-hoa', 'so-tai-chinh', 'hac-thanh']);

  // nothing installed yet
  r = motcua(['directory', 'show', '--data', dataDir]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /chưa cài đặt danh bạ/);

  r = motcua(['directory', 'install', '--data', dataDir, v3.out]);
  assert.equal(r.status, 0, r.stderr);
  const cached = path.join(dataDir, 'exchange', 'directory.cms');
  assert.deepEqual(fs.readFileSync(cached), fs.readFileSync(v3.out));
  assert.equal(Number(sqlValue(dataDir, 'SELECT max(version) FROM exchange_directory')), 3);

  r = motcua(['directory', 'show', '--data', dataDir]);
  assert.equal(r.status, 0, r.stderr);
  j = JSON.parse(r.stdout);
  assert.equal(j.version, 3);
  assert.equal(j.nodes.length, 4);
  const hac = j.nodes.find((n) => n.id === 'hac-thanh');
  assert.deepEqual(hac.units, [COMMUNE, COMMUNE2]);
  assert.equal(hac.upstream, 'lgsp-thanh-hoa');
  assert.equal(j.nodes.find((n) => n.id === 'lgsp-thanh-hoa').hub, true);

  r = motcua(['directory', 'lookup', '--data', dataDir, '--unit', COMMUNE2]);
  assert.equal(r.status, 0, r.stderr);
  j = JSON.parse(r.stdout);
  assert.equal(j.directory_version, 3);
  assert.equal(j.node.id, 'hac-thanh');
  assert.equal(j.node.address, 'https://hacthanh.example.vn');
  r = motcua(['directory', 'lookup', '--data', dataDir, '--unit', DEPT]);
  assert.equal(JSON.parse(r.stdout).node.id, 'so-tai-chinh');
  r = motcua(['directory', 'lookup', '--data', dataDir, '--unit', '000.03.90.H56']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /không nút nào .* nhận đơn vị 000\.03\.90\.H56/);
  // a node's certificate, PEM or DER, finds its node; another certificate is not listed
  r = motcua(['directory', 'lookup', '--data', dataDir, '--cert', path.join(dir, 'department.pem')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).node.id, 'so-tai-chinh');
  const der = path.join(dir, 'commune.der');
  assert.equal(run('openssl', ['x509', '-in', path.join(dir, 'commune.pem'), '-outform', 'DER', '-out', der]).status, 0);
  r = motcua(['directory', 'lookup', '--data', dataDir, '--cert', der]);
  assert.equal(JSON.parse(r.stdout).node.id, 'hac-thanh');
  r = motcua(['directory', 'lookup', '--data', dataDir, '--cert', root]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /không có trong danh bạ .* bị từ chối/);

  // --- refusals: each leaves the database and the cached file as they were
  const before = snapshot(dataDir);
  const cachedBytes = fs.readFileSync(cached);
  const refused = (file, code, message) => {
    const rr = motcua(['directory', 'install', '--data', dataDir, file]);
    assert.equal(rr.status, 1, `${file}: ${rr.stderr}`);
    assert.match(rr.stderr, new RegExp(`\\(${code}\\)`));
    assert.match(rr.stderr, message);
    assertUnchanged(dataDir, before, [], `(${code})`);
    assert.deepEqual(fs.readFileSync(cached), cachedBytes);
  };

  // a byte of the signed JSON changed: a unit moved to another commune
  const v4 = signWith(dataDir, dir, PROVINCE, 'v4', source(certs, 4));
  assert.equal(v4.r.status, 0, v4.r.stderr);
  const bytes = fs.readFileSync(v4.out);
  const at = bytes.indexOf(Buffer.from(COMMUNE2));
  assert.ok(at > 0);
  const tampered = Buffer.from(bytes);
  tampered[at + 5] = '3'.charCodeAt(0); // 000.02 -> 000.03
  const tamperedFile = path.join(dir, 'tampered.cms');
  fs.writeFileSync(tamperedFile, tampered);
  r = run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', tamperedFile, '-CAfile', root, '-out', '/dev/null']);
  assert.notEqual(r.status, 0, 'openssl accepted a changed directory');
  refused(tamperedFile, 'signature_invalid', /đã bị sửa/);

  // an older version, well signed: no rollback; the same version again is refused too
  const v2 = signWith(dataDir, dir, PROVINCE, 'v2', source(certs, 2));
  assert.equal(v2.r.status, 0, v2.r.stderr);
  refused(v2.out, 'rollback', /cũ hơn phiên bản đang dùng \(3\)/);
  refused(v3.out, 'same_version', /đã được cài đặt/);

  // a commune's seal: motcua will not sign the province's directory with it ...
  const byCommune = signWith(dataDir, dir, COMMUNE, 'commune-signed', source(certs, 5));
  assert.equal(byCommune.r.status, 1);
  assert.match(byCommune.r.stderr, /wrong_signer/);
  assert.equal(fs.existsSync(byCommune.out), false);
  // ... and a directory the commune issues and signs itself is not accepted from it
  const communeIssued = signWith(dataDir, dir, COMMUNE, 'commune-issued', source(certs, 6, { issuer: COMMUNE }));
  assert.equal(communeIssued.r.status, 0, communeIssued.r.stderr);
  r = run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', communeIssued.out, '-CAfile', root, '-out', '/dev/null']);
  assert.equal(r.status, 0, 'the commune signature itself is valid; only its issuer is wrong');
  refused(communeIssued.out, 'wrong_issuer', /chỉ nhận danh bạ của tỉnh/);

  // expired: its expires_at passed an hour ago
  const expired = signWith(dataDir, dir, PROVINCE, 'expired', source(certs, 7, {
    issued: Date.now() - 2 * DAY, expires: Date.now() - 3600 * 1000 }));
  assert.equal(expired.r.status, 0, expired.r.stderr);
  refused(expired.out, 'expired', /hết hạn/);

  // not a signed directory at all
  refused(v4.src, 'not_cms', /không phải danh bạ đã ký/);

  // a newer one replaces it
  r = motcua(['directory', 'install', '--data', dataDir, v4.out]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(fs.readFileSync(cached), fs.readFileSync(v4.out));
  r = motcua(['directory', 'show', '--data', dataDir]);
  assert.equal(JSON.parse(r.stdout).version, 4);
  assert.equal(Number(sqlValue(dataDir, 'SELECT count(*) FROM exchange_directory')), 2);
});

test('directory sign: a source with a unit listed by two nodes, or two nodes with one id, is refused', (t) => {
  const dataDir = initDataDir();
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const dir = tmpDir(t);
  const certs = {};
  for (const n of ['national', 'province', 'department', 'commune']) certs[n] = nodeCert(dir, n);

  const twice = source(certs, 1);
  twice.nodes[3].units.push(DEPT);
  let s = signWith(dataDir, dir, PROVINCE, 'twice', twice);
  assert.equal(s.r.status, 1);
  assert.match(s.r.stderr, /Đơn vị 000\.00\.04\.H56 được hai nút cùng nhận .*\(duplicate_unit\)/);
  assert.equal(fs.existsSync(s.out), false);

  const sameId = source(certs, 1);
  sameId.nodes[3].id = 'so-tai-chinh';
  s = signWith(dataDir, dir, PROVINCE, 'same-id', sameId);
  assert.equal(s.r.status, 1);
  assert.match(s.r.stderr, /duplicate_node/);

  const plainHttp = source(certs, 1);
  plainHttp.nodes[2].address = 'http://stc.example.vn';
  s = signWith(dataDir, dir, PROVINCE, 'http', plainHttp);
  assert.equal(s.r.status, 1);
  assert.match(s.r.stderr, /https:\/\/.*\(bad_field\)/);
});

/** Runs motcua without blocking this process (the test's HTTP server answers meanwhile). */
function motcuaAsync(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, args);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('directory fetch: GET from a hub over HTTP installs it; a 404, an older version, a non-loopback http URL: refused, nothing changed', async (t) => {
  const dataDir = initDataDir();
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const dir = tmpDir(t);
  const certs = {};
  for (const n of ['national', 'province', 'department', 'commune']) certs[n] = nodeCert(dir, n);
  const v2 = signWith(dataDir, dir, PROVINCE, 'v2', source(certs, 2));
  const v1 = signWith(dataDir, dir, PROVINCE, 'v1', source(certs, 1));
  assert.equal(v2.r.status, 0, v2.r.stderr);
  assert.equal(v1.r.status, 0, v1.r.stderr);

  // a stand-in hub: serves the signed files by name, 404 for anything else
  const served = { '/v2': fs.readFileSync(v2.out), '/v1': fs.readFileSync(v1.out) };
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push(req.method + ' ' + req.url);
    const body = served[req.url];
    if (!body) { res.writeHead(404); res.end('no'); return; }
    res.writeHead(200, { 'Content-Type': 'application/pkcs7-mime' });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}`;

  let r = await motcuaAsync(['directory', 'fetch', '--data', dataDir, `${base}/v2`]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(hits, ['GET /v2']);
  const cached = path.join(dataDir, 'exchange', 'directory.cms');
  assert.deepEqual(fs.readFileSync(cached), served['/v2']);
  assert.equal(sqlValue(dataDir, 'SELECT source FROM exchange_directory WHERE version = 2'), `${base}/v2`);

  const before = snapshot(dataDir);
  r = await motcuaAsync(['directory', 'fetch', '--data', dataDir, `${base}/v1`]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /không quay lui\. \(rollback\)/);
  assertUnchanged(dataDir, before, [], '(rollback)');
  r = await motcuaAsync(['directory', 'fetch', '--data', dataDir, `${base}/none`]);
  assert.equal(r.status, 3);
  assert.match(r.stderr, /HTTP 404 .*\(fetch_failed\)/);
  assertUnchanged(dataDir, before, [], '(404)');
  const hitsBefore = hits.length;
  r = await motcuaAsync(['directory', 'fetch', '--data', dataDir, 'http://lgsp.example.vn/api/v1/exchange/directory']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\(bad_url\)/);
  assert.equal(hits.length, hitsBefore);
  assertUnchanged(dataDir, before, [], '(bad_url)');
  assert.deepEqual(fs.readFileSync(cached), served['/v2']);
});

test('GET /api/v1/exchange/directory: the hub serves its installed directory without login; a node fetches and installs it', async (t) => {
  const hub = await startServer(t);
  const dir = tmpDir(t);
  const certs = {};
  for (const n of ['national', 'province', 'department', 'commune']) certs[n] = nodeCert(dir, n);
  const endpoint = `${hub.url}/api/v1/exchange/directory`;

  // nothing installed yet on the hub
  let res = await fetch(endpoint);
  assert.equal(res.status, 404);
  const body = await res.json();
  assert.equal(body.error.code, 'no_directory');

  const v3 = signWith(hub.dataDir, dir, PROVINCE, 'v3', source(certs, 3));
  assert.equal(v3.r.status, 0, v3.r.stderr);
  let r = await motcuaAsync(['directory', 'install', '--data', hub.dataDir, v3.out]);
  assert.equal(r.status, 0, r.stderr);

  res = await fetch(endpoint);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/pkcs7-mime/);
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), fs.readFileSync(v3.out));

  // another node (its own data directory, the same demo province and root) fetches it
  const node = initDataDir();
  t.after(() => fs.rmSync(node, { recursive: true, force: true }));
  // the demo roots of two `init --demo` differ: the node trusts the hub's root, as a real
  // province's nodes trust its CA
  const hubRoot = path.join(dir, 'hub-root.pem');
  fs.writeFileSync(hubRoot, sqlValue(hub.dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
  r = await motcuaAsync(['directory', 'fetch', '--data', node, endpoint]);
  assert.equal(r.status, 1, 'a directory signed under a root the node does not trust was accepted');
  assert.match(r.stderr, /\(untrusted\)/);
  r = await motcuaAsync(['key', 'trust', '--data', node, hubRoot]);
  assert.equal(r.status, 0, r.stderr);
  r = await motcuaAsync(['directory', 'fetch', '--data', node, endpoint]);
  assert.equal(r.status, 0, r.stderr);
  r = await motcuaAsync(['directory', 'lookup', '--data', node, '--unit', DEPT]);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.directory_version, 3);
  assert.equal(j.node.id, 'so-tai-chinh');
  assert.equal(sqlValue(node, 'SELECT source FROM exchange_directory WHERE version = 3'), endpoint);
});
