// Parallel breadth-first exploration on worker_threads, with the same figures, coverage and counterexamples as
// `explore` for any number of workers.
//
// Design. States are JS objects of any shape, and copying them between threads (structured clone) costs more
// than expanding them, so states never move: the worker that first finds it keeps it and expands it. The
// visited set is partitioned by owner: each worker holds the fingerprints whose high bits name it, in a table
// only it touches (no locks, no atomics). Each level runs in three phases, with a barrier after each:
//   1. expand: every worker expands its states in breadth-first order (its states are a subsequence of the
//      level, ordered by rank); each successor new to the worker this level becomes a candidate of its owner,
//      tagged with its order key (parent rank, action index), in a SharedArrayBuffer per owner;
//   2. merge: each owner takes its candidates from every worker in order-key order and inserts them, so of the
//      candidates that share a fingerprint the one a single thread would have met first wins, and states seen
//      in earlier levels lose; the owner marks each candidate in place;
//   3. commit: every worker ranks its winners among all winners (a merge of sorted order keys), records parent
//      and action in shared columns indexed by rank, rebuilds each winner by taking its action again (holding
//      every candidate through the level would cost more), checks the state properties, and keeps them as its
//      next level.
// Ranks are therefore exactly the single-threaded explorer's state ids, so counts, the state limit, every
// shortest path and the order-dependent figures (which state is the first violation) match `explore`, with or
// without symmetry reduction (a winner is rebuilt from the very parent and action a single thread would use).
// The main thread is worker 0. It starts the other threads and explores alone while they load (each imports
// tsx and the model's module to rebuild the machine, since machines are closures and cannot be sent); at the
// first level of at least `splitAt` states after they are ready, it hands each worker the ranks of the states
// whose rank is its index modulo the number of workers (the worker rebuilds them from the parent links: no state
// is ever copied between threads) and the fingerprints of its partition.
// Balance then holds by itself: a new state goes to whoever holds its earliest parent. A model explored before
// the threads are ready never waits for them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { limitOf, workerSetup, type ExploreOptions, type ExploreResult } from './explore';
import { stateFingerprint } from './state-fingerprint';
import {
  CHOICE,
  Coverage,
  Findings,
  LevelWorker,
  pathFrom,
  reportFindings,
  summary,
  type Accepted,
  type Inbox,
  type Setup,
  type StopKind,
  type WorkerSummary,
} from './level';
import { answer, type MachineSource, type Request } from './parallel-worker';
import { collisionProbability } from './visited';
import { livenessPropertyNames, type AnyMachine } from '../model/model';
import { fail } from '../shared/errors';

export type { MachineSource, ModuleRef } from './parallel-worker';

export interface ParallelOptions extends ExploreOptions {
  readonly workers: number;
  /** How each worker thread rebuilds the machine that `exploreParallel` is given. */
  readonly source: MachineSource;
  /** Hand out the first level of at least this many states once the threads are ready. */
  readonly splitAt?: number;
  /** Wait for the threads at that level instead of exploring on alone (tests, to split small models). */
  readonly waitForThreads?: boolean;
  /** Called when the threads join, with the number of states each worker takes over. */
  readonly onJoin?: (held: readonly number[]) => void;
}

export const MAX_WORKERS = 64;
const DEFAULT_SPLIT_AT = 2048;

/** A worker count given on the command line; a bad one is a usage error (one line, exit code 2). */
export function parseWorkers(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_WORKERS) fail(`--workers must be an integer from 1 to ${MAX_WORKERS}, got '${raw}'`);
  return n;
}

// Idle threads are kept (unreferenced, so they never hold the process open) for the next run: starting one
// costs the loader and the model's compilation, about half a second.
const idle: Worker[] = [];
const WORKER_URL = new URL('./worker.mjs', import.meta.url);

/** A worker thread of one run. */
class Thread {
  constructor(readonly worker: Worker) {
    worker.ref();
  }
  call<T>(msg: Request): Promise<T> {
    const w = this.worker;
    return new Promise((resolve, reject) => {
      const done = (): void => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      const onMessage = (reply: { type: string; message?: string }): void => {
        done();
        if (reply.type === 'error') reject(new Error(`exploration worker: ${reply.message}`));
        else resolve(reply as T);
      };
      const onError = (e: Error): void => {
        done();
        reject(e);
      };
      const onExit = (code: number): void => {
        done();
        reject(new Error(`exploration worker exited with code ${code}`));
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage(msg);
    });
  }
  release(): void {
    this.worker.unref();
    idle.push(this.worker);
  }
}

/** Worker threads 1..n-1, idle ones first. */
function threads(n: number): Thread[] {
  // The packaged build bundles the command line into one file and ships no worker entry.
  if (!existsSync(fileURLToPath(WORKER_URL))) fail('--workers needs the distcheck sources; this installed build explores on one thread');
  const ws = idle.splice(0, n - 1);
  // A young generation of 16 MB (V8's default is 48) keeps each worker's heap small; measured on TwoPhase
  // with 8 RMs it saves about 60 MB of peak RSS over two workers and no CPU time.
  while (ws.length < n - 1) ws.push(new Worker(WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: 16 }, env: threadEnv() }));
  return ws.map((w) => new Thread(w));
}

/**
 * The threads' environment: the process's, without NODE_V8_COVERAGE. A thread loads the sources through tsx, a
 * different transform from the test runner's, and c8 would merge the two copies of each file line by line into
 * nonsense (as test/cli.test.ts notes for child processes).
 */
function threadEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_V8_COVERAGE;
  return env;
}

/** Sends a request to every worker and waits for all: the threads first, since the main thread's own answer blocks. */
async function all<T>(me: LevelWorker, ts: readonly Thread[], msg: (i: number) => Exclude<Request, { type: 'init' }>): Promise<T[]> {
  const others = ts.map((t, i) => t.call<T>(msg(i + 1)));
  const mine = answer(me, msg(0)) as T;
  return [mine, ...(await Promise.all(others))];
}

/** Lets pending messages (a thread saying it is ready) in between two levels. */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

class SharedColumns {
  parent = new SharedArrayBuffer(0);
  choice = new SharedArrayBuffer(0);
  constructor(private readonly maxStates: number) {}
  ensure(n: number): void {
    if (n * 4 <= this.parent.byteLength) return;
    const slots = Math.max(Math.min(this.maxStates, 1 << 26), Math.ceil(n * 1.5));
    const grow = (old: SharedArrayBuffer): SharedArrayBuffer => {
      const b = new SharedArrayBuffer(slots * 4);
      new Int32Array(b).set(new Int32Array(old));
      return b;
    };
    this.parent = grow(this.parent);
    this.choice = grow(this.choice);
  }
}

export async function exploreParallel(machine: AnyMachine, options: ParallelOptions): Promise<ExploreResult> {
  const n = options.workers;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw new Error(`workers must be an integer from 1 to ${MAX_WORKERS}`);
  stateFingerprint(machine, options.symmetry); // a model without the symmetry asked for fails here, in one line
  if (options.exact) throw new Error('exact keys are for single-threaded runs');
  const splitAt = options.splitAt ?? DEFAULT_SPLIT_AT;
  const started = performance.now();
  const setup = (index: number): Setup => workerSetup(options, index, n);
  const { maxStates, maxDepth } = setup(0);
  const stopped = (kind: StopKind | 'states' | 'depth'): NonNullable<ExploreResult['limit']> =>
    limitOf(kind, { maxStates, maxDepth, maxSeconds: options.maxSeconds, maxHeapMB: options.maxHeapMB });

  const me = new LevelWorker(machine, { ...setup(0), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const ts = threads(n);
  let ready = 0;
  const loaded = Promise.all(ts.map((t, i) => t.call({ type: 'init', setup: setup(i + 1), source: options.source }).then(() => ready++)));
  loaded.catch(() => {});
  let joined = false;
  try {
    // Alone while the threads load, and while the levels are small.
    me.start();
    while (!me.stopped && me.frontier > 0) {
      if (ts.length > 0 && me.frontier >= splitAt && (ready === ts.length || options.waitForThreads)) {
        await loaded;
        joined = true;
        break;
      }
      me.soloLevel();
      if (ts.length > 0) await breathe();
    }
    let { count, depth, frontier } = me;
    let limit = me.stopped ? stopped(me.stopped) : undefined;
    const columns = new SharedColumns(maxStates);
    if (joined) {
      columns.ensure(2 * count);
      const shares = me.split(columns.parent, columns.choice);
      options.onJoin?.([me.frontier, ...shares.map((share) => share.ranks.length)]);
      await Promise.all(ts.map((t, i) => t.call({ type: 'adopt', share: shares[i], parent: columns.parent, choice: columns.choice })));
      let lastProgress = started;
      while (frontier > 0) {
        if (depth >= maxDepth) {
          limit = stopped('depth');
          break;
        }
        const expanded = await all<{ stop?: StopKind; outboxes: Inbox[]; generated: number }>(me, ts, () => ({ type: 'expand' }));
        const stop = expanded.find((r) => r.stop)?.stop;
        if (stop) {
          limit = stopped(stop);
          break;
        }
        const merged = await all<{ accepted: Accepted }>(me, ts, (p) => ({ type: 'merge', inboxes: expanded.map((r) => r.outboxes[p]) }));
        const cutoff = Math.min(count + merged.reduce((sum, r) => sum + r.accepted.count, 0), maxStates);
        columns.ensure(cutoff);
        const committed = await all<{ frontier: number }>(me, ts, () => ({
          type: 'commit',
          accepted: merged.map((r) => r.accepted),
          levelStart: count,
          cutoff,
          parent: columns.parent,
          choice: columns.choice,
        }));
        count = cutoff;
        frontier = committed.reduce((sum, r) => sum + r.frontier, 0);
        if (frontier > 0) depth++;
        const now = performance.now();
        if (options.onProgress && now - lastProgress >= (options.progressIntervalMs ?? 1000)) {
          lastProgress = now;
          const generated = expanded.reduce((sum, r) => sum + r.generated, 0);
          options.onProgress({ distinct: count, generated, queue: frontier, depth, seconds: (now - started) / 1000 });
        }
        if (count >= maxStates) {
          limit = stopped('states');
          break;
        }
      }
    }
    const sums = [summary(me)];
    if (joined) {
      for (const r of await Promise.all(ts.map((t) => t.call<{ summary: WorkerSummary }>({ type: 'finish' })))) sums.push(r.summary);
      for (const t of ts) t.release();
    } else {
      // Done before the threads were needed: they may still be loading, so they are not kept for later, and
      // nobody waits for them to stop.
      for (const t of ts) {
        t.worker.unref();
        void t.worker.terminate();
      }
    }
    const { parent, choice } = joined
      ? { parent: new Int32Array(columns.parent), choice: new Int32Array(columns.choice) }
      : me.startColumns();
    return result(machine, sums, { count, depth, queueLeft: limit ? frontier : 0, limit }, (id, extra) =>
      pathFrom(parent, choice, id, extra),
    );
  } catch (e) {
    await Promise.all(ts.map((t) => t.worker.terminate()));
    throw e;
  }
}

/** One result from the workers' summaries: the earliest finding of each property, summed counts and coverage. */
function result(
  machine: AnyMachine,
  sums: readonly WorkerSummary[],
  run: { count: number; depth: number; queueLeft: number; limit: ExploreResult['limit'] },
  pathTo: Parameters<typeof reportFindings>[3],
): ExploreResult {
  const earliest = (xs: readonly number[]): number => xs.reduce((best, x) => (x !== -1 && (best === -1 || x < best) ? x : best), -1);
  const findings = new Findings(machine);
  findings.stateAt.forEach((_, p) => (findings.stateAt[p] = earliest(sums.map((s) => s.stateAt[p]))));
  findings.stepFrom.forEach((_, p) => {
    const at = earliest(sums.map((s) => (s.stepFrom[p] === -1 ? -1 : s.stepFrom[p] * CHOICE + s.stepChoice[p])));
    findings.stepFrom[p] = at === -1 ? -1 : Math.floor(at / CHOICE);
    findings.stepChoice[p] = at === -1 ? -1 : at % CHOICE;
  });
  const coverage = new Coverage(machine.actionNames);
  for (const s of sums) {
    for (const c of s.coverage) {
      const i = coverage.indexOf(c.action);
      coverage.fired[i] += c.fired;
      coverage.distinctNew[i] += c.distinctNew;
    }
  }
  const generated = sums.reduce((sum, s) => sum + s.generated, 0);
  const hashedStrings = sums.some((s) => s.hashedStrings);
  return {
    status: run.limit ? 'limit' : 'complete',
    ...(run.limit ? { limit: run.limit } : {}),
    distinctStates: run.count,
    statesGenerated: generated,
    depth: run.depth,
    queueLeft: run.queueLeft,
    ...reportFindings(machine, findings, earliest(sums.map((s) => s.deadlock)), pathTo),
    unchecked: livenessPropertyNames(machine),
    coverage: coverage.result(),
    collisionProbability: hashedStrings ? collisionProbability(run.count, generated) : 0,
  };
}
