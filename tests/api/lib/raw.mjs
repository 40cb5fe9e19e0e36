// Raw HTTP over a TCP socket, for what fetch will not send: malformed heads, stalled
// bodies, many connections held open. Every wait is bounded.

import net from 'node:net';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A connection that records everything it receives and whether the server closed it.
 * conn.write(data) resolves once written; conn.closed is a promise resolved on close.
 */
export function connect(port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, host);
    const conn = {
      sock,
      chunks: [],
      ended: false,
      error: null,
      get data() { return Buffer.concat(this.chunks); },
      get text() { return this.data.toString('latin1'); },
      write(d) {
        return new Promise((res) => {
          if (sock.destroyed) { res(false); return; }
          sock.write(d, (e) => res(!e));
        });
      },
      destroy() { sock.destroy(); },
    };
    conn.closed = new Promise((res) => sock.once('close', () => { conn.ended = true; res(); }));
    sock.on('data', (d) => conn.chunks.push(d));
    sock.on('error', (e) => { conn.error = e; });
    sock.once('connect', () => resolve(conn));
    sock.once('error', reject);
  });
}

/** Waits (at most ms) until pred(conn) holds or the connection closes; returns pred's value. */
export async function waitFor(conn, pred, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred(conn)) return true;
    if (conn.ended) return pred(conn);
    await sleep(20);
  }
  return pred(conn);
}

/**
 * Splits what was received into HTTP responses: [{status, headers, body}] (Content-Length
 * framed; 1xx responses included). Stops at a partial response.
 */
export function responses(buf) {
  const out = [];
  let off = 0;
  while (off < buf.length) {
    const sep = buf.indexOf('\r\n\r\n', off);
    if (sep < 0) break;
    const head = buf.subarray(off, sep).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]);
    if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(head[0])}`);
    const headers = {};
    for (const l of head.slice(1)) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const len = Number(headers['content-length'] || 0);
    const start = sep + 4;
    if (start + len > buf.length) break;
    const body = buf.subarray(start, start + len).toString('utf8');
    out.push({ status: Number(m[1]), headers, body, json: /json/.test(headers['content-type'] || '') ? JSON.parse(body) : undefined });
    off = start + len;
  }
  return out;
}

/** Sends data on a fresh connection and collects what comes back until the server closes it. */
export async function exchange(port, data, ms = 5000) {
  const c = await connect(port);
  await c.write(data);
  await Promise.race([c.closed, sleep(ms)]);
  c.destroy();
  return { responses: responses(c.data), closed: c.ended, raw: c.text };
}

/** Resident memory of a process in bytes (Linux /proc). */
export async function rssOf(pid) {
  const fs = await import('node:fs');
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** CPU seconds a process has used (user + system), from /proc/PID/stat. */
export async function cpuSecondsOf(pid) {
  const fs = await import('node:fs');
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}
