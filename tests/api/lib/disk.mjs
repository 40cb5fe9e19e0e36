// A small file system of its own for the tests of a full disk (tests/api/datadir.test.mjs,
// tests/api/exchange-faults.test.mjs): a tmpfs mounted for the test (root only, as CI runs),
// and a way to fill it. Not a test file.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return r;
}

/** A fresh tmpfs of `size` (e.g. '16m': room for a demo data directory, about 6 MB with its
 * units' seals) on a new directory, unmounted after the test. */
export function tmpfs(t, size) {
  assert.equal(process.getuid(), 0, 'these tests mount tmpfs file systems: run them as root (CI does)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-fs-'));
  const r = run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  assert.equal(r.status, 0, `mount tmpfs: ${r.stderr}`);
  t.after(() => {
    run('umount', ['-l', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Fills the file system holding dir until no block is left; returns the filler's path. */
export function fill(dir) {
  const filler = path.join(dir, 'filler');
  run('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k']); // ends with "No space left on device"
  const df = run('df', ['-k', '--output=avail', dir]).stdout.trim().split('\n').pop();
  assert.equal(Number(df), 0, `the file system is full (${df} KiB left)`);
  return filler;
}
