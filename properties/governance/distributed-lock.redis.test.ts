// The distributed-lock model's scenarios against redlock on real redis-server processes (loopback ports, no
// persistence unless a test asks for AOF). Clients are separate ioredis connections with their own redlock.
// Tokens come from an INCR inside redlock's acquire script (impl/redlock-fencing.ts); the storage is the stub
// in impl/fenced-storage.ts, fed the same writes with the correct check, with no check and with the `≤` bug.
// Each real run is also replayed through the model, step by step, and the model's storage must decide alike.
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distributedLock, type LockState } from '../../models/governance/distributed-lock';
import { FencedStorage, type FenceCheck } from '../../impl/fenced-storage';
import { Redlock, acquireFenced, fenceCounterKey, fencedRedlock } from '../../impl/redlock-fencing';
import { runConfigurations } from '../../src/run/testing';
import { requireRedis, startRedis, type RedisServer } from '../../test/support/redis-server';

const hasRedis = requireRedis('reproduce the paused-client and lock-server-restart scenarios with redlock');

/** Short enough for fast tests, long enough that a loaded machine still acquires and checks well inside it. */
const TTL = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A stop-the-world pause: the event loop runs nothing, as during a long GC. */
const busyWait = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end);
};

const open: Redis[] = [];
function connect(port: number): Redis {
  const c = new Redis({ port, host: '127.0.0.1', retryStrategy: () => 20, lazyConnect: false });
  c.on('error', () => {}); // reconnects while a server restarts; the commands queue meanwhile
  open.push(c);
  return c;
}

/** One run's writes, fed to a storage with each check. */
function storages() {
  const all = { strict: new FencedStorage('strict'), none: new FencedStorage('none'), leq: new FencedStorage('leq') };
  const write = (client: string, token: number) => {
    for (const s of Object.values(all)) s.write(client, token, `from ${client}`);
  };
  const landed = (check: FenceCheck) => all[check].writes.map((w) => `${w.client}:t${w.token}:${w.accepted ? 'landed' : 'refused'}`);
  return { all, write, landed };
}

/** Runs the named actions through the model and returns the states, failing if an action is not enabled. */
type LockParams = Parameters<typeof distributedLock.machine>[0];
function replay(variant: string, params: Partial<LockParams>, names: readonly string[]) {
  const defaults: LockParams = { clients: 2, rounds: 1, delivery: 'direct', pauses: 0, crashes: 0, duplicates: 0 };
  const m = distributedLock.machine({ ...defaults, ...params }, variant);
  const states: LockState[] = [m.init[0]];
  const actions = names.map((n) => {
    const s = states.at(-1)!;
    const a = m.actions(s).find((x) => m.formatAction(x) === n);
    if (!a) throw new Error(`${n} is not enabled in the model after ${states.length - 1} steps`);
    states.push(m.next(s, a));
    return a;
  });
  /** Whether a step property held on the last step. */
  const lastStepHolds = (property: string) => {
    const p = m.properties.find((x) => x.name === property)!;
    if (p.kind !== 'step') throw new Error(`${property} is not a step property`);
    return p.holds(states.at(-2)!, actions.at(-1)!, states.at(-1)!);
  };
  return { final: states.at(-1)!, lastStepHolds };
}

/** The actions of the model's shortest counterexample to `property` in a configuration (pinned in distributed-lock.test.ts). */
function shortestTrace(configuration: string, property: string): string[] {
  const o = runConfigurations(distributedLock).find((x) => x.configuration === configuration)!;
  return o.violations
    .find((v) => v.property === property)!
    .trace.steps.slice(1)
    .map((st) => st.action!);
}
const paramsOf = (configuration: string) => distributedLock.configurations.find((c) => c.name === configuration)!.params ?? {};

describe.skipIf(!hasRedis)('distributed-lock: redlock on a real redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const c of open) c.disconnect();
    await server?.stop();
  });

  it('paused client: the fenced storage refuses the stale write; without the check both writes land, the stale one last', async () => {
    const res = 'paused';
    const [c1, c2] = [connect(server.port), connect(server.port)];
    const [r1, r2] = [fencedRedlock([c1], { retryCount: 0 }), fencedRedlock([c2], { retryCount: 0 })];
    const { all, write, landed } = storages();
    const steps: string[] = [];

    // C1 acquires with a short TTL and checks its lease: valid.
    const a = await acquireFenced(r1, c1, res, TTL);
    steps.push('Acquire(C1)');
    expect(a.lock.expiration).toBeGreaterThan(Date.now());
    // While C1's lease is live, C2 is refused.
    await expect(r2.acquire([res], 1000)).rejects.toThrow('unable to achieve a quorum');
    // C1 pauses past its lease (it runs no code meanwhile); Redis expires the key; C2 acquires and writes.
    steps.push('Pause(C1)');
    await sleep(TTL + 100);
    steps.push('LeaseExpires(C1)');
    const b = await acquireFenced(r2, c2, res, 1000);
    steps.push('Acquire(C2)');
    write('C2', b.token);
    steps.push('Write(C2)');
    // C1 wakes and writes, still believing it holds the lock (it checked before its pause).
    expect(a.lock.expiration).toBeLessThan(Date.now());
    write('C1', a.token);
    steps.push('Wake(C1)');

    expect([a.token, b.token]).toEqual([1, 2]);
    expect(landed('strict')).toEqual(['C2:t2:landed', 'C1:t1:refused']);
    expect(all.strict.value).toBe('from C2');
    expect(landed('none')).toEqual(['C2:t2:landed', 'C1:t1:landed']);
    expect(all.none.value).toBe('from C1');
    expect(landed('leq')).toEqual(['C2:t2:landed', 'C1:t1:refused']);

    // redlock will not release C2's key for C1: the release script compares values, and the call fails.
    await expect(a.lock.release()).rejects.toThrow('unable to achieve a quorum');
    expect(await c2.get(res)).toBe(b.lock.value);
    await b.lock.release();

    // The run is the model's shortest no-fencing trace, and the model's storage decides alike.
    expect(steps).toEqual(shortestTrace('no-fencing-pause', 'tokensNeverGoBack'));
    const fenced = replay('correct', paramsOf('no-fencing-pause'), steps);
    expect([fenced.final.landed, fenced.final.maxToken, fenced.final.refused]).toEqual([new Set([2]), 2, true]);
    const unfenced = replay('no-fencing', paramsOf('no-fencing-pause'), steps);
    expect(unfenced.final.landed).toEqual(new Set([1, 2]));
    expect(unfenced.lastStepHolds('tokensNeverGoBack')).toBe(false);
  });

  it('token taken after the grant: a client that pauses between acquire and INCR gets the newer token, and its stale write lands', async () => {
    const res = 'incr-after';
    const [c1, c2] = [connect(server.port), connect(server.port)];
    const [r1, r2] = [new Redlock([c1], { retryCount: 0 }), new Redlock([c2], { retryCount: 0 })];
    const { all, write, landed } = storages();

    const steps: string[] = [];
    const a = await r1.acquire([res], TTL);
    steps.push('Acquire(C1)', 'Pause(C1)'); // C1 is granted the lock, then pauses before its INCR
    await sleep(TTL + 100);
    steps.push('LeaseExpires(C1)');
    const b = await r2.acquire([res], 1000);
    steps.push('Acquire(C2)');
    const t2 = await c2.incr(fenceCounterKey(res));
    steps.push('TakeToken(C2)');
    write('C2', t2);
    steps.push('Write(C2)');
    const t1 = await c1.incr(fenceCounterKey(res)); // C1 wakes: INCR does not know about leases
    write('C1', t1);
    steps.push('Wake(C1)');

    expect([t2, t1]).toEqual([1, 2]);
    expect(landed('strict')).toEqual(['C2:t1:landed', 'C1:t2:landed']);
    expect(all.strict.value).toBe('from C1');
    expect(a.expiration).toBeLessThan(Date.now());
    await b.release();

    expect(steps).toEqual(shortestTrace('token-after-grant', 'writesInLeaseOrder'));
    const model = replay('token-after-grant', paramsOf('token-after-grant'), steps);
    expect([model.final.landed, model.final.maxToken]).toEqual([new Set([1, 2]), 2]);
    expect(model.lastStepHolds('writesInLeaseOrder')).toBe(false);
    expect(model.lastStepHolds('tokensNeverGoBack')).toBe(true);
  });

  it("redlock's using(): after a stop-the-world pause past the lease the abort signal is still clear; it fires one await later", async () => {
    const res = 'using';
    const c1 = connect(server.port);
    const r1 = new Redlock([c1], { retryCount: 0, automaticExtensionThreshold: 100 });
    const seen: { abortedAfterPause?: boolean; keyInRedis?: string | null; abortedAfterGet?: boolean } = {};
    const run = r1.using([res], 300, async (signal) => {
      busyWait(500); // the automatic extension was due ~200 ms in; its timer cannot run during the pause
      seen.abortedAfterPause = signal.aborted; // what a careful routine checks right before it writes
      seen.keyInRedis = await c1.get(res);
      // During that await the overdue extension ran, found the lock expired, and aborted: too late for a
      // write issued right after the check.
      seen.abortedAfterGet = signal.aborted;
      return 'wrote';
    });
    // The routine finished, but using() rejects: its final release finds the key gone.
    await expect(run).rejects.toThrow('unable to achieve a quorum');
    expect(seen).toEqual({ abortedAfterPause: false, keyInRedis: null, abortedAfterGet: true });
  });

  it('restart without persistence: the counter starts over, so a new holder writes t1 and the older live lease t2 lands after it', async () => {
    const local = await startRedis();
    try {
      const res = 'restart';
      const [c1, c2, c3] = [connect(local.port), connect(local.port), connect(local.port)];
      const [r1, r2, r3] = [c1, c2, c3].map((c) => fencedRedlock([c], { retryCount: 0 }));
      const { all, write, landed } = storages();
      const steps: string[] = [];

      const a = await acquireFenced(r1, c1, res, TTL);
      steps.push('Acquire(C1)');
      await sleep(TTL + 100);
      steps.push('LeaseExpires(C1)');
      const b = await acquireFenced(r2, c2, res, 10_000); // C2 holds t2 for 10 s
      steps.push('Acquire(C2)');
      await local.stop(); // SIGTERM with no RDB and no AOF: nothing is saved
      steps.push('Crash(L)');
      const restarted = await startRedis([], local.port);
      steps.push('Restart(L)');
      try {
        const c = await acquireFenced(r3, c3, res, 10_000); // granted at once: the lock was lost
        steps.push('Acquire(C3)');
        expect(b.lock.expiration).toBeGreaterThan(Date.now()); // C2's lease is still live, by its own clock
        write('C3', c.token);
        steps.push('Write(C3)');
        write('C2', b.token);
        steps.push('Write(C2)');

        expect([a.token, b.token, c.token]).toEqual([1, 2, 1]);
        for (const check of ['strict', 'none', 'leq'] as const) expect(landed(check)).toEqual(['C3:t1:landed', 'C2:t2:landed']);
        expect(all.strict.value).toBe('from C2');

        expect(steps).toEqual(shortestTrace('no-persistence', 'writesInLeaseOrder'));
        const model = replay('no-persistence', paramsOf('no-persistence'), steps);
        expect(['C1', 'C2', 'C3'].map((c) => model.final.clients[c].live)).toEqual([false, true, true]);
        expect(model.final.landed).toEqual(new Set([2, 3]));
        expect(model.lastStepHolds('writesInLeaseOrder')).toBe(false);
        expect(model.lastStepHolds('tokensNeverGoBack')).toBe(true);
      } finally {
        await restarted.stop();
      }
    } catch (e) {
      await local.stop().catch(() => {});
      throw e;
    }
  });

  it('restart without persistence, two clients: the repeated token is refused by `<` and lands twice with `≤` or no check', async () => {
    const local = await startRedis();
    let restarted: RedisServer | undefined;
    try {
      const res = 'restart2';
      const [c1, c2] = [connect(local.port), connect(local.port)];
      const [r1, r2] = [c1, c2].map((c) => fencedRedlock([c], { retryCount: 0 }));
      const { write, landed } = storages();
      const a = await acquireFenced(r1, c1, res, 10_000);
      await local.stop();
      restarted = await startRedis([], local.port);
      const b = await acquireFenced(r2, c2, res, 10_000);
      write('C2', b.token);
      write('C1', a.token);
      expect([a.token, b.token]).toEqual([1, 1]);
      expect(landed('strict')).toEqual(['C2:t1:landed', 'C1:t1:refused']);
      expect(landed('leq')).toEqual(['C2:t1:landed', 'C1:t1:landed']);
      expect(landed('none')).toEqual(['C2:t1:landed', 'C1:t1:landed']);
    } finally {
      await (restarted ?? local).stop().catch(() => {});
    }
  });

  it('restart with AOF (appendfsync always): the lock and the counter survive', async () => {
    const aof = ['--appendonly', 'yes', '--appendfsync', 'always'];
    const first = await startRedis(aof);
    let second: RedisServer | undefined;
    try {
      const res = 'persisted';
      const [c1, c2] = [connect(first.port), connect(first.port)];
      const [r1, r2] = [c1, c2].map((c) => fencedRedlock([c], { retryCount: 0 }));
      const a = await acquireFenced(r1, c1, res, 2_000);
      await first.stop();
      second = await startRedis([...aof, '--dir', first.dir], first.port);
      await expect(r2.acquire([res], 1000)).rejects.toThrow('unable to achieve a quorum');
      await a.lock.release();
      const b = await acquireFenced(r2, c2, res, 1000);
      expect([a.token, b.token]).toEqual([1, 2]);
      expect(await c2.get(fenceCounterKey(res))).toBe('2');
    } finally {
      await (second ?? first).stop().catch(() => {});
    }
  });
});
