// Several exchange nodes on loopback, in levels (docs/exchange.md "Hubs"): each node has its
// own `init --demo` data directory (so its own demo root) and trusts every other node's root
// (as a province's nodes trust its CA); one directory, signed by the province's seal of the
// first node's data directory, is installed in all, each told its node id. The ports are
// chosen before the servers start, since the directory names them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PROVINCE, freePort, initDataDir, motcua, sqlValue, startServer } from './server.mjs';

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const DAY = 86400 * 1000;

/** A self-signed P-256 certificate for a node (the directory lists one per node); its PEM. */
export function nodeCert(dir, name) {
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
 * Sets up the nodes of specs (not started): each {id, name, level, hub, upstream, units} and,
 * optionally, listedPort: the port the directory lists for it instead of its own (a proxy in
 * front of it, tests/api/lib/proxy.mjs; known before the directory is signed).
 * opts.env: environment of every server (MOTCUA_EXCHANGE_BACKOFF_SCALE defaults to 0.01:
 * retries after a second); opts.args: more arguments of `serve`. opts.tls: mutual TLS between the nodes (docs/exchange.md
 * "Transport"): each node also listens on nodePort (`serve --node-listen`), the directory
 * gives https://127.0.0.1:nodePort as its address, and its key and certificate (tlsKey,
 * tlsCert) are installed as its identity.
 * Returns {nodes, dir, directory, signDirectory}: nodes by id, each {id, dataDir, port, url,
 * units, start(), srv} (with tls: nodePort, nodeUrl, tlsKey, tlsCert too) — start() runs
 * `motcua serve` on the node's port (again after a stop or a kill) and sets srv —, the
 * directory's source installed in all (version 1), and signDirectory(source) which signs
 * another version and returns its file.
 */
export async function network(t, specs, opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-network-'));
  const nodes = {};
  for (const s of specs) nodes[s.id] = { ...s, dataDir: initDataDir(), port: await freePort() };
  const all = Object.values(nodes);
  for (const n of opts.tls ? all : []) {
    n.nodePort = await freePort();
    n.nodeUrl = `https://127.0.0.1:${n.nodePort}`;
    n.tlsKey = path.join(dir, `${n.id}.key`); // written by nodeCert below
    n.tlsCert = path.join(dir, `${n.id}.pem`);
  }
  // The servers first (their own stop hooks come later), then the folders.
  t.after(async () => {
    for (const n of all) if (n.srv) await n.srv.stop({ keep: true });
    for (const d of [dir, ...all.map((n) => n.dataDir)]) fs.rmSync(d, { recursive: true, force: true });
  });
  for (const from of all) {
    const root = path.join(dir, `${from.id}-root.pem`);
    fs.writeFileSync(root, sqlValue(from.dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
    for (const to of all) if (to !== from) ok(['key', 'trust', '--data', to.dataDir, root]);
  }
  const source = {
    version: 1, issued_at: iso(Date.now() - DAY), expires_at: iso(Date.now() + 30 * DAY), issuer: PROVINCE,
    nodes: all.map((n) => ({
      id: n.id, name: n.name, address: n.nodeUrl || `http://127.0.0.1:${n.listedPort || n.port}`, level: n.level, hub: !!n.hub,
      upstream: n.upstream || null, certificate: nodeCert(dir, n.id), units: n.units,
    })),
  };
  /** Signs a directory (the province's seal of the first node's data directory); its file. */
  const signDirectory = (doc) => {
    const src = path.join(dir, `directory-${doc.version}.json`);
    const out = path.join(dir, `directory-${doc.version}.cms`);
    fs.writeFileSync(src, JSON.stringify(doc, null, 2));
    ok(['directory', 'sign', '--data', all[0].dataDir, '--unit', PROVINCE, src, out]);
    return out;
  };
  const cms = signDirectory(source);
  const env = { MOTCUA_EXCHANGE_BACKOFF_SCALE: '0.01', ...(opts.env || {}) };
  for (const n of all) {
    ok(['directory', 'install', '--data', n.dataDir, cms]);
    ok(['exchange', 'node', '--data', n.dataDir, '--id', n.id,
      ...(opts.tls ? ['--tls-key', n.tlsKey, '--tls-cert', n.tlsCert] : [])]);
    n.url = `http://127.0.0.1:${n.port}`;
    n.start = async () => {
      const args = [...(opts.args || []), ...(opts.tls ? ['--node-listen', String(n.nodePort)] : [])];
      n.srv = await startServer(t, { dataDir: n.dataDir, port: n.port, env, args });
      assert.equal(n.srv.port, n.port, `node ${n.id} could not listen on its port ${n.port}`);
      return n.srv;
    };
  }
  return { nodes, dir, directory: source, signDirectory };
}
