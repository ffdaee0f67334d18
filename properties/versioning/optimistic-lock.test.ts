import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OptimisticCounterClient } from '../../impl/redis-optimistic-counter';
import { RespConnection, encodeCommand, parseReply } from '../../impl/resp-client';
import { optimisticLock, type OptimisticAction, type OptimisticState } from '../../models/versioning/optimistic-lock';
import { configurationOutcomes } from '../../src/run/testing';
import type { Machine } from '../../src/model/model';
import { requireRedis, startRedis, type RedisServer } from '../../test/support/redis-server';

describe('optimistic-lock model', () => {
  const { outcomes, outcome } = configurationOutcomes(optimisticLock);

  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('pins the state counts', () => {
    expect(outcomes.map((o) => [o.configuration, o.distinctStates])).toEqual([
      ['two-clients', 53],
      ['three-clients', 769],
      ['no-version-check', 12],
      ['check-then-set', 22],
      ['five-clients-random', 4731],
    ]);
  });

  it('loses an update without a version check: both clients read 0 and both store 1', () => {
    const v = outcome('no-version-check').violations[0];
    expect(v.trace.steps.map((s) => s.action)).toEqual([null, 'Read(C1)', 'Read(C2)', 'CompareAndSet(C1)', 'CompareAndSet(C2)']);
    const last = v.trace.steps.at(-1)!.state as OptimisticState;
    expect([last.value, last.successes]).toEqual([1, 2]);
  });

  it('loses an update when the check and the write are two steps (6 steps, the shortest)', () => {
    const v = outcome('check-then-set').violations[0];
    expect(v.property).toBe('noLostUpdate');
    expect(v.trace.steps.length - 1).toBe(6);
  });

  it('rejects a stale compare-and-set and still lets every attempt succeed on some schedule', () => {
    expect(outcome('two-clients').witnesses.map((w) => [w.property, w.steps.length - 1])).toEqual([
      ['conflictDetected', 4],
      ['everyAttemptSucceeded', 8],
    ]);
  });
});

describe('resp client', () => {
  it('parses split and nested replies, nil and errors', () => {
    const wire = Buffer.from('*3\r\n+OK\r\n$-1\r\n*2\r\n:7\r\n-ERR no\r\n');
    for (let cut = 0; cut < wire.length; cut++) expect(parseReply(wire.subarray(0, cut))).toBeUndefined();
    const r = parseReply(wire)!;
    expect(r.end).toBe(wire.length);
    const [ok, nil, inner] = r.value as [string, null, [number, Error]];
    expect([ok, nil, inner[0], inner[1].message]).toEqual(['OK', null, 7, 'ERR no']);
    expect(parseReply(Buffer.from('*-1\r\n'))!.value).toBeNull();
  });

  it('encodes a command as a RESP array of bulk strings, counting bytes', () => {
    expect(encodeCommand(['SET', 'k', 'é']).toString()).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n');
  });
});

const hasRedis = requireRedis('check the WATCH/MULTI/EXEC counter against the optimistic-lock model');

// One model step on the real clients: Read(c) is WATCH + GET on client c's connection, CompareAndSet(c) is
// MULTI / SET / EXEC. The command sequence interleaves clients, so another client's EXEC lands between a
// WATCH and the EXEC that must then abort.
interface Real {
  readonly clients: OptimisticCounterClient[];
  readonly observer: RespConnection;
  readonly key: string;
  readonly stats: { aborts: number; commits: number };
}
interface Box {
  state: OptimisticState;
}

class RedisStep implements fc.AsyncCommand<Box, Real> {
  private label = '';
  constructor(
    private readonly machine: Machine<OptimisticState, OptimisticAction>,
    readonly choice: number,
  ) {}

  check(m: Readonly<Box>): boolean {
    return this.machine.actions(m.state).length > 0;
  }

  async run(m: Box, real: Real): Promise<void> {
    const enabled = this.machine.actions(m.state);
    const a = enabled[this.choice % enabled.length];
    this.label = this.machine.formatAction(a);
    const before = m.state;
    m.state = this.machine.next(before, a);
    const client = real.clients[a.c];
    if (a.name === 'Read') {
      const got = await client.read();
      if (got !== before.value) throw new Error(`${this.label}: redis returned ${got}, model has ${before.value}`);
    } else {
      const stored = await client.commit();
      const want = m.state.successes > before.successes;
      if (stored) real.stats.commits++;
      else real.stats.aborts++;
      if (stored !== want) throw new Error(`${this.label}: EXEC ${stored ? 'stored' : 'aborted'}, model ${want ? 'stores' : 'rejects'}`);
    }
    const value = await real.observer.command('GET', real.key);
    if (Number(value ?? 0) !== m.state.value) throw new Error(`after ${this.label}: redis holds ${value}, model ${m.state.value}`);
  }

  toString(): string {
    return this.label || `choice ${this.choice}`;
  }
}

describe.skipIf(!hasRedis)('optimistic-lock: WATCH/MULTI/EXEC on a real redis-server', () => {
  const CLIENTS = 3;
  let server: RedisServer;
  let conns: RespConnection[] = [];
  let observer: RespConnection;
  let run = 0;

  beforeAll(async () => {
    server = await startRedis();
    conns = await Promise.all(Array.from({ length: CLIENTS }, () => RespConnection.connect(server.port)));
    observer = await RespConnection.connect(server.port);
  });
  afterAll(async () => {
    await Promise.all([...conns, observer].map((c) => c?.close()));
    await server?.stop();
  });

  /** A fresh key and fresh clients on the long-lived connections (RESET drops a WATCH left by the last run). */
  const setup = (machine: Machine<OptimisticState, OptimisticAction>, watch: boolean, stats: Real['stats']) => async () => {
    const key = `counter:${run++}`;
    const clients = conns.map((c) => new OptimisticCounterClient(c, { key, watch }));
    await Promise.all(clients.map((c) => c.reset()));
    return { model: { state: machine.init[0] }, real: { clients, observer, key, stats } };
  };
  const property = (machine: Machine<OptimisticState, OptimisticAction>, watch: boolean, stats: Real['stats']) =>
    fc.asyncProperty(fc.commands([fc.nat().map((c) => new RedisStep(machine, c))], { maxCommands: 24 }), (cmds) =>
      fc.asyncModelRun(setup(machine, watch, stats), cmds),
    );

  it('agrees with the correct model step by step: every read, every EXEC outcome, every counter value', async () => {
    const machine = optimisticLock.machine({ clients: CLIENTS, attempts: 3 }, 'correct');
    const stats = { aborts: 0, commits: 0 };
    await fc.assert(property(machine, true, stats), { numRuns: 150, seed: 1207 });
    // The interleavings did put another client's EXEC between a WATCH and its EXEC, and Redis aborted it.
    expect(stats.aborts).toBeGreaterThan(50);
    expect(stats.commits).toBeGreaterThan(stats.aborts);
  });

  it('without WATCH, breaks the correct model; fast-check shrinks it to the four-step lost update', async () => {
    const machine = optimisticLock.machine({ clients: CLIENTS, attempts: 3 }, 'correct');
    const r = await fc.check(property(machine, false, { aborts: 0, commits: 0 }), { numRuns: 150, seed: 1207 });
    expect(r.failed).toBe(true);
    // Four commands: two reads, one write, then the second write, which Redis stores and the model rejects.
    // (Labels are set when a command runs, and shrinking reruns the same command objects, so only the
    // length and the failing step are reliable here.)
    expect([...r.counterexample![0]]).toHaveLength(4);
    expect(String(r.errorInstance)).toMatch(/^Error: CompareAndSet\(C\d\): EXEC stored, model rejects$/);
  });

  it('without WATCH, matches the no-version-check model exactly', async () => {
    const machine = optimisticLock.machine({ clients: CLIENTS, attempts: 3 }, 'no-version-check');
    await fc.assert(property(machine, false, { aborts: 0, commits: 0 }), { numRuns: 50, seed: 1207 });
  });

  it('aborts EXEC after a concurrent write to a watched key, and not once reset drops the WATCH', async () => {
    const key = `counter:${run++}`;
    const [a, b] = conns.slice(0, 2).map((c) => new OptimisticCounterClient(c, { key, watch: true }));
    await a.read();
    await b.increment(1);
    expect(await a.commit()).toBe(false);
    await a.read();
    await a.reset();
    await b.increment(1);
    for (const cmd of [['MULTI'], ['INCR', key]]) await conns[0].command(...cmd);
    expect(await conns[0].command('EXEC')).toEqual([3]);
  });

  it('under real concurrency, the counter equals the number of increments that succeeded', async () => {
    const key = `counter:${run++}`;
    const clients = conns.map((c) => new OptimisticCounterClient(c, { key, watch: true }));
    await Promise.all(clients.map((c) => c.reset()));
    const attempts = 40;
    const results = await Promise.all(
      clients.map(async (c) => {
        let ok = 0;
        for (let i = 0; i < attempts; i++) if (await c.increment(1)) ok++;
        return ok;
      }),
    );
    const total = results.reduce((a, b) => a + b, 0);
    expect(Number(await observer.command('GET', key))).toBe(total);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(CLIENTS * attempts);
  });
});
