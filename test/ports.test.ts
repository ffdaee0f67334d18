// Port bases for the real-cluster tests (harness/processes.ts): held across test processes by lock files.
import { spawnSync } from 'node:child_process';
import { utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { holdBase } from '../harness/processes';

const lock = (base: number): string => join(tmpdir(), 'distcheck-port-bases', String(base));
// Bases far outside freeBasePort's range (30000–59999, steps of 100), so that no real test meets them.
const base = 60100 + Math.floor(Math.random() * 50) * 2;

describe('holding a port base', () => {
  it('gives a base to one holder only, while it lives', () => {
    expect(holdBase(base)).toBe(true);
    expect(holdBase(base)).toBe(false);
  });

  it('takes over a base whose holder has died, or whose hold is over an hour old', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(lock(base + 1), dead.stdout);
    expect(holdBase(base + 1)).toBe(true);
    writeFileSync(lock(base + 1001), String(process.ppid));
    expect(holdBase(base + 1001)).toBe(false);
    const old = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(lock(base + 1001), old, old);
    expect(holdBase(base + 1001)).toBe(true);
  });
});
