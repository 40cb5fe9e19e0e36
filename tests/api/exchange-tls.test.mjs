// Mutual TLS between exchange nodes (docs/exchange.md "Transport"), two nodes on loopback
// (tests/api/lib/nodes.mjs with tls): each node listens for other nodes on a second port with
// TLS, requires a client certificate there, and the directory's https addresses make the
// sender and the data-sharing caller present the node's certificate and accept only the one
// the directory lists for the peer. A công văn issued on A reaches B that way and status 01
// comes back; a client certificate the directory does not list is refused (403
// unknown_node_certificate, logged, nothing else written); no certificate fails the handshake;
// a listed node that is not the sender's is refused (wrong_node); the node listener serves the
// node endpoints only; a node whose server certificate is not the listed one gets nothing (the
// envelope waits, its error naming the certificate) until it presents the listed one; a
// data-sharing call goes over mutual TLS too. The identity command refuses a key that is not
// the certificate's and a certificate the directory does not list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import {
  COMMUNE, COMMUNE2, Client, snapshot, sql, sqlValue, motcua,
} from './lib/server.mjs';
import { twoNodes } from './lib/nodes.mjs';
import { count, hacThanhPeople, issueCongVan, until } from './lib/exchange.mjs';


/** A fresh self-signed P-256 key and certificate (PEM files in dir). */
function selfSigned(dir, name) {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', key, '-out', cert, '-subj', `/C=VN/CN=${name}`, '-days', '30'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { key, cert };
}

/**
 * One request on a fresh TLS connection to url, presenting id ({key, cert} files) or no
 * certificate. The server's certificate is not checked here (the test compares it itself).
 * Resolves {status, text, json, peer (the server's certificate, DER)}; rejects when the
 * connection or the handshake fails.
 */
function tlsRequest(url, { id, method = 'POST', body, type = 'application/xml' } = {}) {
  return new Promise((resolve, reject) => {
    const headers = body ? { 'content-type': type, 'content-length': body.length } : {};
    const req = https.request(url, {
      method, headers, agent: false, rejectUnauthorized: false,
      key: id ? fs.readFileSync(id.key) : undefined, cert: id ? fs.readFileSync(id.cert) : undefined,
    }, (res) => {
      const chunks = [];
      const peer = res.socket.getPeerCertificate().raw;
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const json = /^application\/json/.test(res.headers['content-type'] || '') ? JSON.parse(text) : undefined;
        resolve({ status: res.statusCode, text, json, peer });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

const derOf = (pemFile) => new crypto.X509Certificate(fs.readFileSync(pemFile)).raw;

const incomingOf = (n) => sql(n.dataDir, `SELECT d.notation, d.state, d.sha256 FROM documents d
  JOIN units u ON u.id = d.unit_id WHERE d.direction = 'in' AND u.code = '${COMMUNE2}' ORDER BY d.id`);

/** The snapshot of a node without its message log, and its log rows. */
function withoutLog(dataDir) {
  const s = snapshot(dataDir);
  const log = s['table:exchange_messages'];
  delete s['table:exchange_messages'];
  delete s.counts.exchange_messages;
  return { s, log };
}

test('exchange over mutual TLS: a công văn reaches B, status 01 returns; the directory decides who may call', async (t) => {
  const { a, b, dir } = await twoNodes(t, { tls: true });
  // The identity command: a key that is not the certificate's, a certificate the directory
  // does not list for the node: refused, the installed identity unchanged.
  const stranger = selfSigned(dir, 'stranger');
  const installed = fs.readFileSync(path.join(a.dataDir, 'exchange', 'node-tls.pem'));
  assert.deepEqual(new crypto.X509Certificate(installed).raw, derOf(a.tlsCert));
  assert.equal(fs.statSync(path.join(a.dataDir, 'exchange', 'node-tls.key')).mode & 0o777, 0o600);
  let m = motcua(['exchange', 'node', '--data', a.dataDir, '--id', a.id, '--tls-key', stranger.key, '--tls-cert', a.tlsCert]);
  assert.equal(m.status, 1, m.stderr);
  assert.match(m.stderr, /Khóa bí mật không khớp với chứng thư TLS của nút\. \(key_mismatch\)/);
  m = motcua(['exchange', 'node', '--data', a.dataDir, '--id', a.id, '--tls-key', stranger.key, '--tls-cert', stranger.cert]);
  assert.equal(m.status, 1, m.stderr);
  assert.match(m.stderr, /không phải chứng thư danh bạ liên thông ghi cho nút này\. \(certificate_not_listed\)/);
  m = motcua(['exchange', 'node', '--data', a.dataDir, '--id', b.id, '--tls-key', a.tlsKey, '--tls-cert', a.tlsCert]);
  assert.equal(m.status, 1, m.stderr);
  assert.match(m.stderr, /\(certificate_not_listed\)/);
  assert.deepEqual(fs.readFileSync(path.join(a.dataDir, 'exchange', 'node-tls.pem')), installed);
  assert.equal(motcua(['exchange', 'node', '--data', a.dataDir]).stdout, 'hac-thanh\n');

  await a.start();
  await b.start();
  const people = await hacThanhPeople(a);

  const cv = await issueCongVan(a, people, 'V/v phối hợp qua kênh mã hóa hai chiều');
  const issuedSha = sqlValue(a.dataDir, `SELECT sha256 FROM documents WHERE id = ${cv.id}`);
  await until(() => incomingOf(b).length > 0, 'the document on node B');
  assert.deepEqual(incomingOf(b), [{ notation: cv.notation, state: 'arrived', sha256: issuedSha }]);
  const viewOf = async () => (await people.clerk.get(`/api/v1/documents/${cv.id}`)).json.document.deliveries_exchange;
  await until(async () => (await viewOf())[0]?.status_code === '01', 'status 01 on node A');
  assert.equal((await viewOf())[0].state, 'delivered');
  assert.equal((await viewOf())[0].node, 'quang-phu');
  await until(() => count(b.dataDir, "SELECT count(*) FROM exchange_messages WHERE direction = 'out' AND state = 'delivered'") === 1,
    'B recorded its status 01 delivered');

  // B's node listener presents the certificate the directory lists for B.
  const envSha = sqlValue(a.dataDir, `SELECT envelope_sha256 FROM exchange_messages WHERE direction = 'out' AND document_id = ${cv.id}`);
  const envelope = fs.readFileSync(path.join(a.dataDir, 'files', envSha.slice(0, 2), envSha));
  let r = await tlsRequest(`${b.nodeUrl}/api/v1/exchange/inbox`, { id: { key: a.tlsKey, cert: a.tlsCert }, body: envelope });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { result: 'duplicate', created: 0, duplicates: 1 });
  assert.deepEqual(r.peer, derOf(b.tlsCert));

  // A certificate the directory does not list: 403, one 'refused' row in B's log, nothing else.
  const before = withoutLog(b.dataDir);
  r = await tlsRequest(`${b.nodeUrl}/api/v1/exchange/inbox`, { id: stranger, body: envelope });
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.error.code, 'unknown_node_certificate');
  assert.match(r.json.error.message, /không có trong danh bạ liên thông/);
  let after = withoutLog(b.dataDir);
  assert.deepEqual(after.s, before.s, 'B changed beyond its message log');
  assert.deepEqual(after.log.slice(0, before.log.length), before.log);
  assert.deepEqual(after.log.slice(before.log.length).map((x) => [x.direction, x.state, x.verdict]),
    [['in', 'refused', 'unknown_node_certificate']]);

  // No client certificate: the handshake fails, nothing is written.
  const beforeNoCert = snapshot(b.dataDir);
  await assert.rejects(tlsRequest(`${b.nodeUrl}/api/v1/exchange/inbox`, { body: envelope }));
  assert.deepEqual(snapshot(b.dataDir), beforeNoCert);
  const s = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${b.nodePort}`, '-tls1_2'], { input: 'GET /api/v1/exchange/directory HTTP/1.0\r\n\r\n', encoding: 'utf8' });
  assert.notEqual(s.status, 0, 'openssl s_client without a certificate must fail');
  assert.doesNotMatch(s.stdout, /HTTP\/1\.[01] 200/);

  // A listed node that neither hosts the sender nor is a hub: wrong_node. (B's status 01,
  // From Quảng Phú, posted to A by A's own certificate.)
  const stSha = sqlValue(b.dataDir, "SELECT envelope_sha256 FROM exchange_messages WHERE direction = 'out' AND kind = 'status'");
  const status = fs.readFileSync(path.join(b.dataDir, 'files', stSha.slice(0, 2), stSha));
  const beforeA = withoutLog(a.dataDir);
  const filesOf = (n) => fs.readdirSync(path.join(n.dataDir, 'files'), { recursive: true }).sort();
  const filesA = filesOf(a);
  r = await tlsRequest(`${a.nodeUrl}/api/v1/exchange/inbox`, { id: { key: a.tlsKey, cert: a.tlsCert }, body: status });
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.error.code, 'wrong_node');
  assert.deepEqual(filesOf(a), filesA, 'nothing stored for wrong_node');
  after = withoutLog(a.dataDir);
  assert.deepEqual(after.s, beforeA.s, 'A changed beyond its message log');
  assert.deepEqual(after.log.slice(beforeA.log.length).map((x) => [x.direction, x.state, x.verdict]),
    [['in', 'refused', 'wrong_node']]);
  // The same status by B's certificate, its sender's node: taken (a duplicate by now).
  r = await tlsRequest(`${a.nodeUrl}/api/v1/exchange/inbox`, { id: { key: b.tlsKey, cert: b.tlsCert }, body: status });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.result, 'duplicate');

  // The node listener serves the node endpoints only; the directory is one of them.
  r = await tlsRequest(`${b.nodeUrl}/api/v1/auth/me`, { id: { key: a.tlsKey, cert: a.tlsCert }, method: 'GET' });
  assert.equal(r.status, 404, r.text);
  r = await tlsRequest(`${b.nodeUrl}/`, { id: { key: a.tlsKey, cert: a.tlsCert }, method: 'GET' });
  assert.equal(r.status, 404, r.text);
  r = await tlsRequest(`${b.nodeUrl}/api/v1/exchange/services/..%2F..%2Fauth%2Fme`, { id: { key: a.tlsKey, cert: a.tlsCert }, method: 'GET' });
  assert.ok(r.status === 404 || r.status === 405, r.text);
  r = await tlsRequest(`${b.nodeUrl}/api/v1/exchange/directory`, { id: { key: a.tlsKey, cert: a.tlsCert }, method: 'GET' });
  assert.equal(r.status, 200, r.text);

  // B presents another server certificate than the directory lists: A does not deliver; the
  // envelope waits with an error naming the certificate; B receives nothing.
  await b.srv.stop();
  const other = selfSigned(dir, 'quang-phu-other');
  fs.copyFileSync(other.key, path.join(b.dataDir, 'exchange', 'node-tls.key'));
  fs.copyFileSync(other.cert, path.join(b.dataDir, 'exchange', 'node-tls.pem'));
  await b.start();
  const docsB = count(b.dataDir, 'SELECT count(*) FROM documents');
  const logB = count(b.dataDir, 'SELECT count(*) FROM exchange_messages');
  const cv2 = await issueCongVan(a, people, 'V/v thử chứng thư máy chủ khác danh bạ');
  const row2 = `SELECT attempts, state, last_error FROM exchange_messages WHERE direction = 'out' AND document_id = ${cv2.id}`;
  await until(() => { const x = sql(a.dataDir, row2)[0]; return x && x.attempts >= 2; }, 'two attempts at B');
  const x = sql(a.dataDir, row2)[0];
  assert.equal(x.state, 'pending');
  assert.match(x.last_error, /certificate is not the one the directory lists/);
  assert.equal(count(b.dataDir, 'SELECT count(*) FROM documents'), docsB);
  assert.equal(count(b.dataDir, 'SELECT count(*) FROM exchange_messages'), logB);

  // B back with its listed identity: the waiting envelope arrives.
  await b.srv.stop();
  m = motcua(['exchange', 'node', '--data', b.dataDir, '--id', b.id, '--tls-key', b.tlsKey, '--tls-cert', b.tlsCert]);
  assert.equal(m.status, 0, m.stderr);
  await b.start();
  await until(() => incomingOf(b).length === 2, 'the second document on node B');
  assert.equal(incomingOf(b)[1].notation, cv2.notation);
  await until(async () => (await people.clerk.get(`/api/v1/documents/${cv2.id}`)).json.document.deliveries_exchange[0]?.status_code === '01',
    'status 01 of the second document on node A');
  // Stopped here, before twoNodes removes the data directories (its hook runs first).
  await b.srv.stop();
  await a.srv.stop();
});

test('data-sharing over mutual TLS: B asks A; an unlisted certificate is refused and logged', async (t) => {
  const { a, b, dir } = await twoNodes(t, { tls: true });
  await a.start();
  await b.start();
  let m = motcua(['exchange', 'service', 'allow', '--data', a.dataDir, '--service', 'documents-sent', '--organ', COMMUNE2]);
  assert.equal(m.status, 0, m.stderr);
  m = motcua(['user', 'add', '--data', b.dataDir, '--kind', 'staff', '--login', 'vt.quangphu', '--name', 'Lê Thị Văn',
    '--password', 'mat-khau-can-bo', '--role', 'clerk', '--unit', COMMUNE2, '--no-totp']);
  assert.equal(m.status, 0, m.stderr);
  const off = new Client(b.url);
  await off.login('vt.quangphu', 'mat-khau-can-bo');
  let r = await off.post('/api/v1/exchange/call', { organ: COMMUNE, service: 'documents-sent', as: COMMUNE2 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.result.from, COMMUNE);
  assert.equal(r.json.result.to, COMMUNE2);
  assert.deepEqual(sql(a.dataDir, "SELECT side, service, from_organ, to_organ, status, result FROM exchange_calls"),
    [{ side: 'provider', service: 'documents-sent', from_organ: COMMUNE2, to_organ: COMMUNE, status: 200, result: 'ok' }]);

  // The signed request B sent, replayed to A's node listener by a stranger: refused before
  // anything of it is read, logged by A; nothing else written.
  const req = sql(a.dataDir, "SELECT hex(request) AS h FROM exchange_calls WHERE side = 'provider'")[0].h;
  const stranger = selfSigned(dir, 'stranger');
  const before = snapshot(a.dataDir);
  r = await tlsRequest(`${a.nodeUrl}/api/v1/exchange/services/documents-sent`, {
    id: stranger, body: Buffer.from(req, 'hex'), type: 'application/pkcs7-mime; smime-type=signed-data',
  });
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.error.code, 'unknown_node_certificate');
  const after = snapshot(a.dataDir);
  const calls = after['table:exchange_calls'];
  assert.deepEqual(calls.slice(0, -1), before['table:exchange_calls']);
  assert.equal(calls.at(-1).result, 'unknown_node_certificate');
  assert.equal(calls.at(-1).status, 403);
  for (const k of Object.keys(before)) {
    if (k === 'table:exchange_calls' || k === 'counts') continue;
    assert.deepEqual(after[k], before[k], `${k} changed after a refused call`);
  }
  // The same request by A's own certificate: A does not host Quảng Phú and is no hub.
  r = await tlsRequest(`${a.nodeUrl}/api/v1/exchange/services/documents-sent`, {
    id: { key: a.tlsKey, cert: a.tlsCert }, body: Buffer.from(req, 'hex'), type: 'application/pkcs7-mime; smime-type=signed-data',
  });
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.error.code, 'wrong_node');
  await b.srv.stop();
  await a.srv.stop();
});
