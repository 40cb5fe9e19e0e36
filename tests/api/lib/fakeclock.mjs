// A fixed clock for the server under test: a tiny LD_PRELOAD shim for time(), compiled
// here once per test process, returns the real time plus an offset (seconds) that it reads
// from a file on every call. motcua takes "now" from time() (base/util.c now_unix), so a
// server started with clock.env() submits, pauses and resumes at the times the test sets.
// Nothing else is touched: libevent's timers and the workers' waits use other clocks.
//
// Usage:
//   const clock = new FakeClock(Date.UTC(2026, 1, 13, 3, 0));   // 10:00 in Vietnam
//   const srv = await startServer(t, { env: clock.env() });
//   clock.set(laterMs);   // forward only
//   clock.now();          // the server's "now", Unix ms

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SHIM = `
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
static int fd = -1;
static long long last;
__attribute__((constructor)) static void init(void)
{
    const char *p = getenv("MOTCUA_FAKE_TIME_FILE");
    if (p) fd = open(p, O_RDONLY | O_CLOEXEC);
}
static long long offset(void)
{
    char b[32];
    if (fd >= 0) {
        ssize_t n = pread(fd, b, sizeof b - 1, 0);
        if (n > 0) { char *e; b[n] = 0; long long v = strtoll(b, &e, 10); if (e != b) last = v; }
    }
    return last;
}
time_t time(time_t *t)
{
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
    time_t v = ts.tv_sec + (time_t)offset();
    if (t) *t = v;
    return v;
}
`;

let shared = null; // {dir, so}: one shim per test process
function shim() {
  if (shared) return shared;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-fakeclock-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const so = path.join(dir, 'faketime.so');
  fs.writeFileSync(path.join(dir, 'faketime.c'), SHIM);
  const r = spawnSync(process.env.CC || 'cc', ['-shared', '-fPIC', '-O2', '-o', so, path.join(dir, 'faketime.c')], { encoding: 'utf8' });
  assert.equal(r.status, 0, `cannot build the time shim: ${r.stderr}`);
  shared = { dir, so };
  return shared;
}

let files = 0;

/** A clock that starts at startMs (Unix ms) and only moves forward. */
export class FakeClock {
  constructor(startMs) {
    const { dir, so } = shim();
    this.so = so;
    this.file = path.join(dir, `offset-${++files}`);
    this.offsetS = Math.ceil((startMs - Date.now()) / 1000);
    this.write();
  }

  write() { fs.writeFileSync(this.file, String(this.offsetS).padEnd(20, ' ')); }

  /**
   * The environment of a server on this clock (for startServer's opts.env). With a
   * sanitizer build the shim comes before the ASan runtime; that is fine here.
   */
  env() {
    return {
      LD_PRELOAD: this.so,
      MOTCUA_FAKE_TIME_FILE: this.file,
      ASAN_OPTIONS: [process.env.ASAN_OPTIONS, 'verify_asan_link_order=0'].filter(Boolean).join(':'),
    };
  }

  /** The server's "now", Unix ms. */
  now() { return Date.now() + this.offsetS * 1000; }

  /**
   * Moves the clock to t (Unix ms), in whole seconds: the server's now is then in
   * [t, t + 1 s) and runs on from there. Never backwards (a later offset is kept).
   */
  set(t) {
    const want = Math.ceil((t - Date.now()) / 1000);
    if (want > this.offsetS) this.offsetS = want;
    this.write();
  }
}
