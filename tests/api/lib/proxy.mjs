// A TCP proxy the fault tests control (docs/exchange.md "Faults"): it stands between two
// nodes (the directory lists the proxy's port as the receiving node's address) and forwards
// bytes to the target port, or plays a broken network. Byte level, so it serves plain HTTP
// and would serve TLS the same way.
//
// Modes (for the connections accepted from then on; drop and stall also act on the ones open):
//   pass()         forward both ways.
//   drop()         reset every open connection and each new one at once (a link that is down).
//   stall()        hold every open connection and accept new ones without forwarding a byte
//                  (a black hole: the client waits for its own timeout). Connections held stay
//                  held after pass(), as a dead path is not revived by the network coming back.
//   cutAfter(n)    forward the first n bytes of the request, then reset both sides.
//   stallAfter(n)  forward the first n bytes of the request, then hold the connection (the
//                  target keeps a request half received).
//   loseAnswers()  forward the request whole, then reset the client when the target answers:
//                  the target did the work, the client never hears of it.
//
// stats: accepted, dropped, held (connections stalled at once), cut, heldAfter (connections
// held after n bytes), answersLost, and the bytes of the requests forwarded.

import net from 'node:net';

/**
 * Starts a proxy on a free loopback port. `target` (a port on 127.0.0.1) may be set later
 * (proxy.target = port): the proxy's port must be known before the directory naming it is
 * signed, the target's may come after. Closed in t.after. Returns the proxy object.
 */
export async function startProxy(t, target = null) {
  const conns = new Set();
  let mode = { kind: 'pass', n: Infinity };
  const proxy = {
    target,
    port: 0,
    stats: { accepted: 0, dropped: 0, held: 0, cut: 0, heldAfter: 0, answersLost: 0, forwarded: 0 },
    get mode() { return mode.kind === 'cut' || mode.kind === 'stallAfter' ? `${mode.kind} ${mode.n}` : mode.kind; },
    pass() { mode = { kind: 'pass', n: Infinity }; },
    drop() {
      mode = { kind: 'drop', n: 0 };
      for (const c of [...conns]) reset(c);
    },
    stall() {
      mode = { kind: 'stall', n: 0 };
      for (const c of conns) hold(c);
    },
    cutAfter(n) { mode = { kind: 'cut', n }; },
    stallAfter(n) { mode = { kind: 'stallAfter', n }; },
    loseAnswers() { mode = { kind: 'loseAnswers', n: Infinity }; },
    async close() {
      for (const c of [...conns]) reset(c);
      await new Promise((resolve) => server.close(resolve));
    },
  };

  function reset(c) {
    conns.delete(c);
    c.client.resetAndDestroy();
    if (c.upstream) c.upstream.resetAndDestroy();
  }

  function hold(c) {
    c.held = true;
    c.client.pause(); // the kernel's buffers fill, then the client's writes block
  }

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    proxy.stats.accepted++;
    client.on('error', () => { /* reset by the client: its close event follows */ });
    const m = mode;
    if (m.kind === 'drop' || !proxy.target) {
      proxy.stats.dropped++;
      client.resetAndDestroy();
      return;
    }
    const c = { client, upstream: null, sent: 0, held: false, stopped: false, limit: m.n, after: m.kind };
    conns.add(c);
    client.on('close', () => {
      conns.delete(c);
      if (c.upstream) c.upstream.destroy();
    });
    if (m.kind === 'stall') {
      proxy.stats.held++;
      hold(c);
      return;
    }
    const up = net.connect(proxy.target, '127.0.0.1');
    c.upstream = up;
    up.on('error', () => { /* the target went away: reset the client too */ });
    up.on('close', (hadError) => {
      // A target that answered and closed: the client has its answer and its end. One that
      // died (a reset, or killed while the proxy held the request): the client is reset.
      if (!conns.has(c) || (!hadError && !c.held && !c.stopped)) return;
      conns.delete(c);
      client.resetAndDestroy();
    });
    up.on('end', () => { if (!c.held) client.end(); });
    up.on('data', (d) => {
      if (c.held || c.stopped) return;
      if (c.after === 'loseAnswers') {
        c.stopped = true;
        proxy.stats.answersLost++;
        reset(c);
        return;
      }
      client.write(d);
    });
    client.on('end', () => { if (!c.held) up.end(); });
    client.on('data', (chunk) => {
      if (c.held || c.stopped) return;
      const room = c.limit - c.sent;
      if (chunk.length <= room) {
        c.sent += chunk.length;
        proxy.stats.forwarded += chunk.length;
        up.write(chunk);
        return;
      }
      if (room > 0) {
        c.sent += room;
        proxy.stats.forwarded += room;
        up.write(chunk.subarray(0, room));
      }
      if (c.after === 'cut') {
        c.stopped = true;
        proxy.stats.cut++;
        // Let the n bytes reach the target before the reset.
        up.once('drain', () => reset(c));
        if (up.writableLength === 0) reset(c);
      } else {
        proxy.stats.heldAfter++;
        hold(c);
      }
    });
    client.resume();
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  proxy.port = server.address().port;
  t.after(() => proxy.close());
  return proxy;
}
