// etcd under faults: concurrent clients do reads, writes and compare-and-sets on a few registers through the v3
// JSON gateway, each client bound to one member, while the nemesis kills, pauses and partitions members. The
// history is then checked for linearizability (src/check/linearizability.ts), key by key.
// With serializable reads a member answers from its own state without asking the leader, so a member cut off
// from the majority serves old values: every partition then isolates member 0, the member client 0 reads from.
import { join } from 'node:path';
import { historyOf } from '../src/check/history';
import { SPECS, checkLinearizable } from '../src/check/linearizability';
import { seededRandom } from '../src/shared/random';
import { renderTimeline } from '../src/trace/history-render';
import { EtcdCluster, etcdCas, etcdRead, etcdWrite, sleep, type RegisterOutcome } from './etcd';
import { Recorder } from './history';
import { Nemesis, schedule, type Fault } from './nemesis';
import { prepareOut, progressTicker, saveResult, withProcesses, type RunOptions, type RunResult } from './run';

export interface EtcdRunOptions extends RunOptions {
  readonly reads: 'linearizable' | 'serializable';
  /** Registers the clients share. Default 3. */
  readonly keys?: number;
  /** Give up on a request after this long and record info. Default 1000 ms. */
  readonly timeoutMs?: number;
  /** Limit for the linearizability check. Default 120 s. */
  readonly checkSeconds?: number;
}

const MEMBERS = 3;
const spec = SPECS['cas-register'];

/** One client's seeded loop: 50% reads, 25% writes of values unique to the run, 25% cas from the last value it saw. */
async function client(c: number, o: EtcdRunOptions, cluster: EtcdCluster, rec: Recorder, stopped: () => boolean): Promise<void> {
  const r = seededRandom(o.seed * 1000 + c + 1);
  const port = cluster.members[c % MEMBERS].clientPort;
  const keys = o.keys ?? 3;
  const timeout = o.timeoutMs ?? 1000;
  const seen = new Map<string, number>();
  let process = c;
  let seq = 0;
  while (!stopped()) {
    const key = `k${Math.floor(r() * keys)}`;
    const x = r();
    const value = (c + 1) * 100000 + ++seq;
    const last = seen.get(key);
    let f: 'read' | 'write' | 'cas';
    let outcome: RegisterOutcome;
    if (x < 0.5) {
      f = 'read';
      rec.invoke(process, f, key, null);
      outcome = await etcdRead(port, key, o.reads === 'serializable', timeout);
    } else if (x < 0.75 || last === undefined) {
      f = 'write';
      rec.invoke(process, f, key, value);
      outcome = await etcdWrite(port, key, value, timeout);
    } else {
      f = 'cas';
      rec.invoke(process, f, key, [last, value]);
      outcome = await etcdCas(port, key, last, value, timeout);
    }
    if (outcome.type === 'ok') {
      rec.complete(process, 'ok', f, key, outcome.value);
      if (f === 'read' && typeof outcome.value === 'number') seen.set(key, outcome.value);
      if (f === 'write' || (f === 'cas' && outcome.value === true)) seen.set(key, value);
      continue;
    }
    rec.complete(process, outcome.type, f, key);
    if (outcome.type === 'info') process += o.clients;
    await sleep(50 + Math.floor(r() * 50));
  }
}

export async function runEtcd(o: EtcdRunOptions): Promise<RunResult> {
  const logs = prepareOut(o.out);
  let rec = new Recorder();
  const faults = schedule({
    seed: o.seed,
    seconds: o.seconds,
    kinds: o.nemesis,
    members: MEMBERS,
    ...(o.reads === 'serializable' ? { partitionTarget: 0, first: 'partition' as const } : {}),
  });
  let nemesis: Nemesis | undefined;
  await withProcesses(logs, o, async (g) => {
    const cluster = new EtcdCluster(g, o.basePort, o.seed, MEMBERS);
    try {
      await cluster.start();
      rec = new Recorder();
      const name = (i: number): string => cluster.members[i].name;
      const n = new Nemesis(
        faults,
        {
          name,
          start: async (f: Fault) => {
            if (f.kind === 'kill') await g.kill(name(f.target));
            else if (f.kind === 'pause') g.pause(name(f.target));
            else cluster.isolate(f.target);
          },
          stop: async (f: Fault) => {
            if (f.kind === 'kill') g.restart(name(f.target));
            else if (f.kind === 'pause') g.resume(name(f.target));
            else {
              const held = cluster.proxies.reduce((s, p) => s + p.held, 0);
              cluster.healNetwork();
              return `${held} peer connections held in the black hole so far`;
            }
          },
        },
        () => rec.now(),
      );
      nemesis = n;
      let stop = false;
      const stopTicker = progressTicker(o, rec, () => (n.current() ? { fault: n.current() } : {}));
      const clients = Array.from({ length: o.clients }, (_, c) => client(c, o, cluster, rec, () => stop));
      const nemesisDone = n.run();
      await sleep(o.seconds * 1000);
      stop = true;
      n.cancel();
      await Promise.all([nemesisDone, ...clients]);
      stopTicker();
    } finally {
      await cluster.stop();
    }
  });
  rec.write(join(o.out, 'history.jsonl'));
  nemesis?.write(join(o.out, 'nemesis.jsonl'));

  const started = performance.now();
  const history = historyOf(rec.events, spec);
  const result = checkLinearizable(spec, history.operations, { maxSeconds: o.checkSeconds ?? 120 });
  const checkSeconds = (performance.now() - started) / 1000;
  const ops = history.operations;
  const stuck = result.explanation?.stuck;
  // Client c is process c, c + clients, c + 2·clients, … and talks to member c mod 3.
  const memberOf = (p: number): string => `etcd${(p % o.clients) % MEMBERS}`;
  const verdict = result.linearizable === true ? 'valid' : result.linearizable === false ? 'anomaly' : 'unknown';
  const out: RunResult = {
    system: 'etcd',
    seed: o.seed,
    settings: { reads: o.reads, clients: o.clients, seconds: o.seconds, nemesis: o.nemesis.join(',') || 'none', keys: o.keys ?? 3 },
    operations: {
      invoked: ops.length,
      ok: ops.filter((op) => op.outcome === 'ok').length,
      fail: ops.filter((op) => op.outcome === 'fail').length,
      info: ops.filter((op) => op.outcome === 'info').length,
    },
    nemesis: nemesis?.log ?? [],
    verdict,
    summary:
      verdict === 'valid'
        ? `linearizable (${ops.length} operations on ${result.keys} keys)`
        : verdict === 'anomaly'
          ? `NOT linearizable: ${result.failingKeys.length} of ${result.keys} keys` +
            (stuck
              ? `; on key ${JSON.stringify(stuck.key)}, a ${stuck.f} through ${memberOf(stuck.process as number)} cannot be placed`
              : '')
          : `UNKNOWN: the linearizability check reached its limit of ${o.checkSeconds ?? 120} s`,
    ...(result.explanation ? { anomaly: renderTimeline(spec, result.explanation) } : {}),
    checkSeconds,
    figures: {
      reads: ops.filter((op) => op.f === 'read' && op.outcome === 'ok').length,
      writes: ops.filter((op) => op.f === 'write' && op.outcome === 'ok').length,
      casOk: ops.filter((op) => op.f === 'cas' && op.output === true).length,
      casFalse: ops.filter((op) => op.f === 'cas' && op.output === false).length,
      failingKeys: result.failingKeys.length,
    },
    out: o.out,
  };
  saveResult(out);
  return out;
}
