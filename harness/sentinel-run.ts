// Redis Sentinel under a fault on the master: clients add unique elements to a set on whichever server Sentinel
// named master when they last asked (they ask again only after an error, as Sentinel-aware clients do); the
// nemesis cuts the master off from the sentinels and the replicas (or pauses or kills it), the sentinels fail
// over, the fault heals, the old master rejoins as a replica. Then a final read of the set on the master, and the
// lost-write check: every add acknowledged with OK must be in the final set (Jepsen's set workload).
// The fault starts 1 s after the clients; it heals 1 s after the failover or 3 s before `seconds`, whichever is
// later; the clients stop 1 s after the old master has rejoined. So a run lasts at least `seconds`, and longer when
// Sentinel is slow (each wait is bounded: 30 s for the failover, 40 s for the rejoin).
import { join } from 'node:path';
import { sleep } from './etcd';
import { Recorder } from './history';
import { Nemesis, type Fault, type FaultKind } from './nemesis';
import { prepareOut, progressTicker, saveResult, withProcesses, type RunOptions, type RunResult } from './run';
import { RespConnection, RespError, redisOnce } from './resp';
import { SentinelCluster, type RedisNode } from './sentinel';
import { seededRandom } from '../src/shared/random';

export interface SentinelRunOptions extends RunOptions {
  /** 0 leaves min-replicas-to-write off (Redis's default). */
  readonly minReplicasToWrite: number;
  readonly minReplicasMaxLag: number;
  readonly timeoutMs?: number;
}

const SET = 'acked';

/** Which writes the final read lacks; Jepsen's set checker. */
export interface LostWrites {
  readonly acknowledged: number;
  readonly lost: readonly number[];
  /** Adds that ended in info (unknown) but are in the final set. */
  readonly recovered: number;
  /** Elements in the final set that no client ever added. */
  readonly unexpected: readonly number[];
}

export function checkLostWrites(acked: readonly number[], unknown: readonly number[], final: readonly number[]): LostWrites {
  const finalSet = new Set(final);
  const invoked = new Set([...acked, ...unknown]);
  return {
    acknowledged: acked.length,
    lost: acked.filter((v) => !finalSet.has(v)).sort((a, b) => a - b),
    recovered: unknown.filter((v) => finalSet.has(v)).length,
    unexpected: final.filter((v) => !invoked.has(v)).sort((a, b) => a - b),
  };
}

interface Ack {
  readonly value: number;
  readonly server: string;
  readonly time: number;
}

export async function runSentinel(o: SentinelRunOptions): Promise<RunResult> {
  const logs = prepareOut(o.out);
  const kind: FaultKind = o.nemesis[0] ?? 'partition';
  let rec = new Recorder();
  let nemesis: Nemesis | undefined;
  const acks: Ack[] = [];
  const unknown: number[] = [];
  let final: number[] = [];
  const marks: Record<string, number> = {};
  let oldMaster = '';
  let newMaster = '';
  await withProcesses(logs, o, async (g) => {
    const cluster = new SentinelCluster(g, {
      basePort: o.basePort,
      minReplicasToWrite: o.minReplicasToWrite,
      minReplicasMaxLag: o.minReplicasMaxLag,
      downAfterMs: 1000,
    });
    try {
      await cluster.start();
      rec = new Recorder();
      const first = (await cluster.agreedMaster()) ?? cluster.servers[0];
      oldMaster = first.name;
      const target = cluster.servers.indexOf(first);
      const fault: Fault = { kind, target, at: 1000, duration: 0 };
      const n = new Nemesis(
        [],
        {
          name: (i) => cluster.servers[i].name,
          start: async (f) => {
            if (f.kind === 'partition') cluster.partition(f.target);
            else if (f.kind === 'pause') g.pause(cluster.servers[f.target].name);
            else await g.kill(cluster.servers[f.target].name);
          },
          stop: async (f) => {
            if (f.kind === 'partition') cluster.heal();
            else if (f.kind === 'pause') g.resume(cluster.servers[f.target].name);
            else g.restart(cluster.servers[f.target].name);
          },
        },
        () => rec.now(),
      );
      nemesis = n;
      let stop = false;
      let phase = 'writing';
      const stopTicker = progressTicker(o, rec, () => ({ phase }));
      const timeout = o.timeoutMs ?? 1000;

      const client = async (c: number): Promise<void> => {
        const r = seededRandom(o.seed * 1000 + c + 1);
        let process = c;
        let seq = 0;
        let server: RedisNode | undefined;
        let conn: RespConnection | undefined;
        while (!stop) {
          if (!server) {
            server = await cluster.masterFrom(cluster.sentinels[Math.floor(r() * cluster.sentinels.length)].port);
            conn?.close();
            conn = server && new RespConnection(server.port);
            if (!server) {
              await sleep(100);
              continue;
            }
          }
          const value = (c + 1) * 100000 + ++seq;
          rec.invoke(process, 'add', undefined, value);
          const a = await conn!.command(['SADD', SET, value], timeout);
          if (a.kind === 'ok' && !(a.value instanceof RespError)) {
            rec.complete(process, 'ok', 'add', undefined, value);
            acks.push({ value, server: server.name, time: rec.now() });
          } else if (a.kind === 'ok' || a.kind === 'refused') {
            // An error reply (READONLY, NOREPLICAS) or a refused connection: the add did not happen.
            rec.complete(process, 'fail', 'add', undefined);
            server = undefined;
            await sleep(50);
          } else {
            rec.complete(process, 'info', 'add', undefined);
            unknown.push(value);
            process += o.clients;
            server = undefined;
          }
          await sleep(10 + Math.floor(r() * 10));
        }
        conn?.close();
      };
      const clients = Array.from({ length: o.clients }, (_, c) => client(c));

      const waitUntil = async (what: string, seconds: number, ok: () => Promise<boolean>): Promise<boolean> => {
        const deadline = Date.now() + seconds * 1000;
        while (!(await ok())) {
          if (Date.now() > deadline) {
            n.note(`${what}: not within ${seconds} s`);
            return false;
          }
          await sleep(100);
        }
        n.note(what);
        return true;
      };
      try {
        await sleep(fault.at);
        phase = `${kind} ${oldMaster}`;
        await n.startFault(fault);
        let promoted: RedisNode | undefined;
        await waitUntil('the sentinels agree on a new master', 30, async () => {
          promoted = await cluster.agreedMaster();
          return promoted !== undefined && promoted !== first;
        });
        newMaster = promoted?.name ?? '';
        phase = `failed over to ${newMaster}`;
        // The old master's clients keep writing to it a while longer (with min-replicas-to-write: until the lag).
        await sleep(Math.max(1000, o.seconds * 1000 - rec.now() - 3000));
        await n.stopFault(fault);
        phase = `healed; waiting for ${oldMaster} to rejoin`;
        await waitUntil(`${oldMaster} rejoins as a replica of ${newMaster}`, 40, async () => {
          const role = await cluster.role(first);
          return role !== undefined && role.role === 'slave' && role.linkUp;
        });
        phase = 'writing after the rejoin';
        await sleep(1000);
      } finally {
        stop = true;
        await Promise.all(clients);
        stopTicker();
      }
      phase = 'final read';
      const master = (await cluster.agreedMaster()) ?? first;
      rec.invoke(o.clients, 'read', undefined, null);
      const a = await redisOnce(master.port, ['SMEMBERS', SET], 5000);
      if (a.kind !== 'ok' || !Array.isArray(a.value)) throw new Error(`the final read on ${master.name} failed: ${a.kind}`);
      final = a.value.map(Number);
      rec.complete(o.clients, 'ok', 'read', undefined, final.length);
      n.note(`final read on ${master.name}: ${final.length} elements`);
    } finally {
      await cluster.stop();
    }
  });
  rec.write(join(o.out, 'history.jsonl'));
  nemesis?.write(join(o.out, 'nemesis.jsonl'));
  const started = performance.now();
  const lw = checkLostWrites(
    acks.map((a) => a.value),
    unknown,
    final,
  );
  const checkSeconds = (performance.now() - started) / 1000;
  const lostSet = new Set(lw.lost);
  const lostAcks = acks.filter((a) => lostSet.has(a.value));
  const byServer = new Map<string, number>();
  for (const a of lostAcks) byServer.set(a.server, (byServer.get(a.server) ?? 0) + 1);
  const faultStart = nemesis?.log.find((e) => e.type === 'start')?.time ?? 0;
  const healed = nemesis?.log.find((e) => e.type === 'stop')?.time ?? Infinity;
  const ackedByOldAfterFault = acks.filter((a) => a.server === oldMaster && a.time >= faultStart).length;
  const anomaly = lw.lost.length > 0 || lw.unexpected.length > 0;
  const out: RunResult = {
    system: 'redis-sentinel',
    seed: o.seed,
    settings: {
      nemesis: kind,
      clients: o.clients,
      seconds: o.seconds,
      'min-replicas-to-write': o.minReplicasToWrite,
      'min-replicas-max-lag': o.minReplicasMaxLag,
    },
    operations: {
      invoked: rec.count('invoke'),
      ok: rec.count('ok'),
      fail: rec.count('fail'),
      info: rec.count('info'),
    },
    nemesis: nemesis?.log ?? [],
    verdict: anomaly ? 'anomaly' : 'valid',
    summary: anomaly
      ? `LOST ${lw.lost.length} of ${lw.acknowledged} acknowledged writes` +
        (lw.unexpected.length ? `, ${lw.unexpected.length} unexpected elements` : '')
      : `no acknowledged write lost (${lw.acknowledged} acknowledged, ${final.length} in the final read)`,
    ...(anomaly
      ? {
          anomaly: [
            `lost: ${lw.lost.length} acknowledged adds are missing from the final read on the new master ${newMaster}`,
            ...[...byServer].map(
              ([s, k]) => `  ${k} of them acknowledged by ${s}${s === oldMaster ? ' (the old master) after the fault began' : ''}`,
            ),
            `  first lost: ${lw.lost.slice(0, 5).join(', ')}${lw.lost.length > 5 ? ', …' : ''}`,
            ...(lw.unexpected.length ? [`unexpected: ${lw.unexpected.slice(0, 5).join(', ')}`] : []),
          ].join('\n'),
        }
      : {}),
    checkSeconds,
    figures: {
      acknowledged: lw.acknowledged,
      lost: lw.lost.length,
      recovered: lw.recovered,
      unknown: unknown.length,
      unexpected: lw.unexpected.length,
      final: final.length,
      ackedByOldMasterAfterFault: ackedByOldAfterFault,
      /** Lost writes the old master acknowledged after the fault healed, before the sentinels demoted it. */
      lostAfterHeal: lostAcks.filter((a) => a.time >= healed).length,
      /** Milliseconds from the fault to the last acknowledgement that was lost (a timing: not for the report page). */
      lossWindowMs: lostAcks.length ? Math.max(...lostAcks.map((a) => a.time)) - faultStart : 0,
    },
    out: o.out,
  };
  saveResult(out);
  return out;
}
