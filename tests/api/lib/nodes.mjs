// Two exchange nodes on loopback for the tests of documents between nodes (docs/exchange.md
// "Sending and receiving"): node A ('hac-thanh') hosts Phường Hạc Thành, node B ('quang-phu')
// Phường Quảng Phú, each with its own `init --demo` data directory (so its own demo root),
// each trusting the other's root (as a province's nodes trust its CA), one directory signed
// by the province's seal of A's data directory and installed in both, each told its node id.
// The ports are chosen before the servers start, since the directory names them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { COMMUNE, COMMUNE2, PROVINCE, freePort, initDataDir, motcua, sqlValue, startServer } from './server.mjs';

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const DAY = 86400 * 1000;

/** A self-signed P-256 certificate for a node (the directory lists one per node); its PEM. */
function nodeCert(dir, name) {
  const key = path.join(dir, `${name}.key`);
  const crt = path.join(dir, `${name}.pem`);
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', key, '-out', crt, '-subj', `/C=VN/CN=motcua node ${name}`, '-days', '30'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return fs.readFileSync(crt, 'utf8');
}

function ok(args) {
  const r = motcua(args);
  assert.equal(r.status, 0, `motcua ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/**
 * Sets up the two data directories (not started). opts.env: environment of both servers
 * (MOTCUA_EXCHANGE_BACKOFF_SCALE defaults to 0.01: retries after a second). opts.tls: mutual
 * TLS between the nodes (docs/exchange.md "Transport"): each node also listens on
 * nodePort (`serve --node-listen`), the directory gives https://127.0.0.1:nodePort as its
 * address, and its key and certificate (tlsKey, tlsCert) are installed as its identity.
 * Returns {a, b, dir}, each node {id, dataDir, port, url, unit, start(), srv} (with tls:
 * nodePort, nodeUrl, tlsKey, tlsCert too): start() runs `motcua serve` on the node's port
 * (again after a stop) and sets srv.
 */
export async function twoNodes(t, opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-nodes-'));
  const a = { id: 'hac-thanh', unit: COMMUNE, dataDir: initDataDir(), port: await freePort() };
  const b = { id: 'quang-phu', unit: COMMUNE2, dataDir: initDataDir(), port: await freePort() };
  for (const n of opts.tls ? [a, b] : []) {
    n.nodePort = await freePort();
    n.nodeUrl = `https://127.0.0.1:${n.nodePort}`;
    n.tlsKey = path.join(dir, `${n.id}.key`);
    n.tlsCert = path.join(dir, `${n.id}.pem`);
  }
  t.after(() => {
    for (const d of [dir, a.dataDir, b.dataDir]) fs.rmSync(d, { recursive: true, force: true });
  });
  for (const [from, to] of [[a, b], [b, a]]) {
    const root = path.join(dir, `${from.id}-root.pem`);
    fs.writeFileSync(root, sqlValue(from.dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
    ok(['key', 'trust', '--data', to.dataDir, root]);
  }
  const node = (n, name) => ({
    id: n.id, name, address: n.nodeUrl || `http://127.0.0.1:${n.port}`, level: 'commune', hub: false,
    upstream: null, certificate: nodeCert(dir, n.id), units: [n.unit],
  });
  const source = {
    version: 1, issued_at: iso(Date.now() - DAY), expires_at: iso(Date.now() + 30 * DAY), issuer: PROVINCE,
    nodes: [node(a, 'Phường Hạc Thành'), node(b, 'Phường Quảng Phú')],
  };
  const src = path.join(dir, 'directory.json');
  const cms = path.join(dir, 'directory.cms');
  fs.writeFileSync(src, JSON.stringify(source, null, 2));
  ok(['directory', 'sign', '--data', a.dataDir, '--unit', PROVINCE, src, cms]);
  const env = { MOTCUA_EXCHANGE_BACKOFF_SCALE: '0.01', ...(opts.env || {}) };
  for (const n of [a, b]) {
    ok(['directory', 'install', '--data', n.dataDir, cms]);
    ok(['exchange', 'node', '--data', n.dataDir, '--id', n.id,
      ...(opts.tls ? ['--tls-key', n.tlsKey, '--tls-cert', n.tlsCert] : [])]);
    n.url = `http://127.0.0.1:${n.port}`;
    n.start = async () => {
      const args = opts.tls ? ['--node-listen', String(n.nodePort)] : [];
      n.srv = await startServer(t, { dataDir: n.dataDir, port: n.port, env, args });
      assert.equal(n.srv.port, n.port, `node ${n.id} could not listen on its port ${n.port}`);
      return n.srv;
    };
  }
  return { a, b, dir };
}
