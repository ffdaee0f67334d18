// `distcheck cluster etcd|redis-sentinel ...`: a real cluster on loopback ports under a seeded nemesis, checked
// like the models (the harness lives in harness/, apart from src/ and the models). Repository-only: it needs
// etcd or redis-server and redis-sentinel on the PATH, and the harness is not part of the published package's
// API. Exit codes: 0 no anomaly, 1 an anomaly found, 2 bad input, 3 the environment (a missing binary, a taken
// port, a cluster that did not come up) or a checker that ran out of time, 5 a failure of the harness itself.
// Every server is killed on the way out, also on Ctrl-C, SIGTERM and errors.
import { join } from 'node:path';
import { parse } from './args';
import { CLUSTER_USAGE } from './cluster-usage';
export { CLUSTER_USAGE };
import { fail } from '../shared/errors';
import { FAULT_KINDS, type FaultKind } from '../../harness/nemesis';
import { EnvironmentError, cleanupAllSync } from '../../harness/processes';
import type { Progress, RunResult } from '../../harness/run';
import { runEtcd } from '../../harness/etcd-run';
import { runSentinel } from '../../harness/sentinel-run';

type Out = { log: (s: string) => void; err: (s: string) => void };


const SYSTEMS = ['etcd', 'redis-sentinel'] as const;

function int(name: string, raw: unknown, min: number, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  const s = String(raw);
  if (!/^-?\d+$/.test(s) || Number(s) < min || Number(s) > max) fail(`--${name} must be an integer from ${min} to ${max}, got '${s}'`);
  return Number(s);
}

function progressLine(p: Progress): string {
  const what = p.fault ?? p.phase ?? 'no fault';
  return `  ${p.elapsed}/${p.seconds} s: ${p.ok} ok, ${p.fail} fail, ${p.info} info; ${what}`;
}

function describe(r: RunResult, out: Out): void {
  const settings = Object.entries(r.settings)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  out.log(`${r.system}, seed ${r.seed}: ${settings}`);
  const o = r.operations;
  out.log(`  operations: ${o.invoked} (${o.ok} ok, ${o.fail} fail, ${o.info} info)`);
  for (const e of r.nemesis)
    out.log(
      `  nemesis ${(e.time / 1000).toFixed(1)} s: ${e.type === 'note' ? e.note : `${e.type} ${e.fault} ${e.target}${e.note ? ` (${e.note})` : ''}`}`,
    );
  out.log(`  checked in ${r.checkSeconds.toFixed(3)} s; history, nemesis log and server logs in ${r.out}/`);
  out.log('');
  out.log(`${r.verdict === 'valid' ? 'no anomaly' : r.verdict === 'anomaly' ? 'ANOMALY' : 'UNKNOWN'}: ${r.summary}`);
  if (r.anomaly) out.log(r.anomaly);
  if (r.figures.lossWindowMs)
    out.log(`  the last lost write was acknowledged ${(r.figures.lossWindowMs / 1000).toFixed(1)} s after the fault began`);
}

export async function cmdCluster(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(args, {
    nemesis: { type: 'string' },
    seconds: { type: 'string' },
    clients: { type: 'string' },
    seed: { type: 'string' },
    reads: { type: 'string' },
    out: { type: 'string' },
    'base-port': { type: 'string' },
    'min-replicas-to-write': { type: 'string' },
    'min-replicas-max-lag': { type: 'string' },
  });
  if (positionals.length !== 1 || !(SYSTEMS as readonly string[]).includes(positionals[0]))
    fail(
      `cluster takes one system, etcd or redis-sentinel (got ${positionals.length ? positionals.map((p) => `'${p}'`).join(' ') : 'none'})`,
    );
  const system = positionals[0] as (typeof SYSTEMS)[number];
  const etcd = system === 'etcd';
  const kinds = ((values.nemesis as string | undefined) ?? (etcd ? 'kill,pause,partition' : 'partition'))
    .split(',')
    .filter((k) => k !== '' && k !== 'none');
  for (const k of kinds)
    if (!(FAULT_KINDS as readonly string[]).includes(k)) fail(`unknown fault '${k}' (known: ${FAULT_KINDS.join(', ')}, none)`);
  if (!etcd && kinds.length !== 1) fail('redis-sentinel takes one fault on the master: --nemesis partition, pause or kill');
  const reads = (values.reads as string | undefined) ?? 'linearizable';
  if (reads !== 'linearizable' && reads !== 'serializable') fail(`--reads must be linearizable or serializable, got '${reads}'`);
  if (!etcd && values.reads !== undefined) fail('--reads is for etcd');
  if (etcd && (values['min-replicas-to-write'] !== undefined || values['min-replicas-max-lag'] !== undefined))
    fail('--min-replicas-to-write and --min-replicas-max-lag are for redis-sentinel');
  const base = {
    seed: int('seed', values.seed, 0, 2 ** 31 - 1, 1),
    seconds: int('seconds', values.seconds, etcd ? 3 : 4, 3600, 10),
    clients: int('clients', values.clients, 1, 64, etcd ? 6 : 4),
    nemesis: kinds as FaultKind[],
    out: (values.out as string | undefined) ?? join('reports', 'last-run', `cluster-${system}`),
    basePort: int('base-port', values['base-port'], 1024, 65000, etcd ? 24000 : 26000),
    onProgress: process.stderr.isTTY
      ? (p: Progress) => void process.stderr.write(`\r${progressLine(p)}   `)
      : (p: Progress) => out.log(progressLine(p)),
  };
  const minReplicas = int('min-replicas-to-write', values['min-replicas-to-write'], 0, 2, 0);
  const maxLag = int('min-replicas-max-lag', values['min-replicas-max-lag'], 1, 60, 10);

  // A signal kills every server synchronously and leaves: no await can keep them alive.
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanupAllSync();
    process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}distcheck: interrupted by ${signal}; every server was stopped\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', cleanupAllSync);
  try {
    out.log(`${system}: starting the cluster on 127.0.0.1 from port ${base.basePort} (seed ${base.seed})`);
    const result = etcd
      ? await runEtcd({ ...base, reads })
      : await runSentinel({ ...base, minReplicasToWrite: minReplicas, minReplicasMaxLag: maxLag });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    describe(result, out);
    return result.verdict === 'valid' ? 0 : result.verdict === 'anomaly' ? 1 : 3;
  } catch (e) {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    if (e instanceof EnvironmentError) {
      out.err(`distcheck: ${e.message}`);
      return 3;
    }
    out.err(`distcheck: internal error: ${(e as Error).message ?? String(e)}`);
    return 5;
  } finally {
    cleanupAllSync();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', cleanupAllSync);
  }
}
