// `distcheck cluster` as a user runs it: bad input, a taken port, a missing binary, and the cleanup of every
// server when the command is interrupted (SIGINT, SIGTERM) or fails. Each cleanup test runs the command with
// its own TMPDIR; the servers are the command's child processes, found in /proc before the signal.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtcdCluster } from '../harness/etcd';
import { ProcessGroup, freeBasePort, hasBinary, requireForTests } from '../harness/processes';
import { withProcesses } from '../harness/run';
import { main } from '../src/cli/main';
import { childEnv } from './support/child-env';

const BIN = fileURLToPath(new URL('../bin/distcheck.mjs', import.meta.url));
const hasEtcd = requireForTests(['etcd'], 'etcd-server', 'test the cleanup of etcd clusters');
const hasRedis = hasBinary('redis-server') && hasBinary('redis-sentinel');

/** The command in this process, with its output captured. */
async function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await main(args, { log: (s) => void (stdout += `${s}\n`), err: (s) => void (stderr += `${s}\n`) });
  return { status, stdout, stderr };
}

/** The children of a process (from /proc/<pid>/stat's parent field). */
function childrenOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
      } catch {
        return false;
      }
    })
    .map(Number);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('distcheck cluster: input and environment', () => {
  it('rejects bad input with exit 2 and one line', async () => {
    for (const args of [
      ['cluster'],
      ['cluster', 'zookeeper'],
      ['cluster', 'etcd', '--nemesis', 'flood'],
      ['cluster', 'etcd', '--reads', 'stale'],
      ['cluster', 'etcd', '--seconds', '0'],
      ['cluster', 'redis-sentinel', '--reads', 'serializable'],
      ['cluster', 'redis-sentinel', '--nemesis', 'kill,pause'],
      ['cluster', 'etcd', '--min-replicas-to-write', '1'],
    ]) {
      const r = await cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('exits 3 naming the Debian package when the server binary is missing', () => {
    // The command in a child process whose PATH holds node alone (node may live in /usr/bin beside the servers).
    const bin = mkdtempSync(join(tmpdir(), 'distcheck-path-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    for (const [system, message] of [
      ['etcd', 'etcd is not installed (apt-get install etcd-server)'],
      ['redis-sentinel', 'redis-server is not installed (apt-get install redis-server)'],
    ]) {
      const r = spawnSync(process.execPath, [BIN, 'cluster', system, '--out', join(bin, system)], {
        encoding: 'utf8',
        env: childEnv({ PATH: bin }),
        timeout: 30_000,
      });
      expect(r.status).toBe(3);
      expect(r.stderr).toBe(`distcheck: ${message}\n`);
    }
  });

  it.skipIf(!hasEtcd)('exits 3 naming a port that is taken', async () => {
    const base = await freeBasePort(30);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(base + 11, '127.0.0.1', () => resolve()));
    try {
      const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'cluster', 'etcd', '--base-port', String(base)], {
          stdio: ['ignore', 'ignore', 'pipe'],
          env: childEnv(),
        });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('exit', (status) => resolve({ status, stderr }));
      });
      expect(r.status).toBe(3);
      expect(r.stderr).toBe(`distcheck: port ${base + 11} on 127.0.0.1 is taken (choose other ports with --base-port)\n`);
    } finally {
      blocker.close();
    }
  });
});

/** Runs the command with its own TMPDIR, signals it once it reports progress, and returns what was left. */
async function interrupt(
  system: string,
  signal: NodeJS.Signals,
): Promise<{ status: number | null; stderr: string; left: number[]; dirs: string[] }> {
  const tmp = mkdtempSync(join(tmpdir(), 'distcheck-cleanup-test-'));
  const base = await freeBasePort(30);
  const child = spawn(
    process.execPath,
    [BIN, 'cluster', system, '--seconds', '60', '--base-port', String(base), '--out', join(tmp, 'out')],
    {
      env: childEnv({ TMPDIR: tmp }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (status) => resolve(status)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (/\d+\/60 s: [1-9]\d* ok/.test(stdout)) resolve();
    });
    void exited.then(() => reject(new Error(`the command exited before it ran: ${stderr}`)));
  });
  const servers = childrenOf(child.pid!);
  expect(servers.length).toBeGreaterThanOrEqual(3);
  child.kill(signal);
  const status = await exited;
  // SIGKILL is delivered at once, but a process is gone from /proc only once reaped: allow a moment.
  let left = servers.filter(alive);
  for (let i = 0; i < 20 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = servers.filter(alive);
  }
  return { status, stderr, left, dirs: readdirSync(tmp).filter((d) => d.startsWith('distcheck-cluster-')) };
}

describe.skipIf(!hasEtcd)('distcheck cluster: every server is stopped', () => {
  it('on Ctrl-C (SIGINT) during an etcd run', async () => {
    const r = await interrupt('etcd', 'SIGINT');
    expect(r.status).toBe(130);
    expect(r.stderr).toBe('distcheck: interrupted by SIGINT; every server was stopped\n');
    expect(r.left).toEqual([]);
    expect(r.dirs).toEqual([]);
  });

  it.skipIf(!hasRedis)('on SIGTERM during a Redis Sentinel run', async () => {
    const r = await interrupt('redis-sentinel', 'SIGTERM');
    expect(r.status).toBe(143);
    expect(r.left).toEqual([]);
    expect(r.dirs).toEqual([]);
  });

  it('when the run fails after the cluster started', async () => {
    let group: ProcessGroup | undefined;
    const base = await freeBasePort(30);
    const logs = mkdtempSync(join(tmpdir(), 'distcheck-failure-test-'));
    await expect(
      withProcesses(logs, { seed: 1, seconds: 1, clients: 1, nemesis: [], out: logs, basePort: base }, async (g) => {
        group = g;
        await new EtcdCluster(g, base, 1).start();
        throw new Error('a failure in the middle of the run');
      }),
    ).rejects.toThrow('a failure in the middle of the run');
    const pids = group!.pids();
    expect(pids).toHaveLength(3);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(group!.dataRoot)).toBe(false);
  });
});
