// Two exchange nodes on loopback for the tests of documents between nodes (docs/exchange.md
// "Sending and receiving"): node A ('hac-thanh') hosts Phường Hạc Thành, node B ('quang-phu')
// Phường Quảng Phú, each with its own `init --demo` data directory (so its own demo root),
// each trusting the other's root (as a province's nodes trust its CA), one directory signed
// by the province's seal of A's data directory and installed in both, each told its node id
// (tests/api/lib/network.mjs, without hubs: each sends to the other directly).

import { COMMUNE, COMMUNE2 } from './server.mjs';
import { network } from './network.mjs';

/**
 * Sets up the two data directories (not started). opts as network()'s (env, tls), and
 * opts.directoryPort: {a, b}, the port the directory lists for that node instead of its own
 * (a proxy in front of it). Returns {a, b, dir}, each node as network() makes it, with its
 * unit: {id, unit, dataDir, port, url, start(), srv} (with tls: nodePort, nodeUrl, tlsKey,
 * tlsCert).
 */
export async function twoNodes(t, opts = {}) {
  const { nodes, dir } = await network(t, [
    { id: 'hac-thanh', name: 'Phường Hạc Thành', level: 'commune', units: [COMMUNE], listedPort: opts.directoryPort?.a },
    { id: 'quang-phu', name: 'Phường Quảng Phú', level: 'commune', units: [COMMUNE2], listedPort: opts.directoryPort?.b },
  ], opts);
  const a = nodes['hac-thanh'];
  const b = nodes['quang-phu'];
  a.unit = COMMUNE;
  b.unit = COMMUNE2;
  return { a, b, dir };
}
