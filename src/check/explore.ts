// Exhaustive breadth-first explorer with TLC's counting.
// distinct  = different reachable states (by canonical key);
// generated = 1 per initial state + 1 per enabled action instance of every explored state;
// depth     = number of BFS levels, the initial states being level 1.
// Visited states are kept as 64-bit fingerprints plus a parent link and the index of the action taken,
// so a counterexample is rebuilt by re-executing its actions (see trace.ts), never stored as states.
// The loop itself is LevelWorker.soloLevel (level.ts), which parallel.ts shares.
import { livenessPropertyNames, type AnyMachine } from '../model/model';
import { LevelWorker, defaultHeapMB, pathFrom, reportFindings, type Setup } from './level';
import type { ExploreOptions, ExploreResult, LimitKind } from './types';
import { collisionProbability } from './visited';

export type { ActionCoverage, ExploreOptions, ExploreResult, Finding, LimitKind, Path, Progress } from './types';

export const DEFAULT_MAX_STATES = 20_000_000;

/** Worker `index` of `workers`: what it must know of a run with these options. */
export function workerSetup(options: ExploreOptions, index: number, workers: number): Setup {
  return {
    index,
    workers,
    symmetry: options.symmetry ?? false,
    checkDeadlock: options.checkDeadlock ?? false,
    maxStates: options.maxStates ?? DEFAULT_MAX_STATES,
    maxDepth: options.maxDepth ?? Infinity,
    deadline: Date.now() + (options.maxSeconds ?? Infinity) * 1000,
    ...(options.maxHeapMB !== undefined ? { maxHeapMB: options.maxHeapMB } : {}),
  };
}

export function explore(machine: AnyMachine, options: ExploreOptions = {}): ExploreResult {
  const w = soloWorker(machine, options);
  w.start();
  while (!w.stopped && w.frontier > 0) w.soloLevel();
  return soloResult(machine, w, options);
}

/** The worker of a run on this thread alone. */
export function soloWorker(machine: AnyMachine, options: ExploreOptions): LevelWorker {
  const setup = workerSetup(options, 0, 1);
  return new LevelWorker(machine, {
    ...setup,
    ...(options.exact ? { exact: true } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
  });
}

/** The result of a run on this thread alone, once it stopped or its frontier emptied (also checkpoint.ts's). */
export function soloResult(machine: AnyMachine, w: LevelWorker, options: ExploreOptions): ExploreResult {
  const { maxStates, maxDepth } = w.setup;
  const { parent, choice } = w.startColumns();
  const limit = w.stopped
    ? limitOf(w.stopped, { maxStates, maxDepth, maxSeconds: options.maxSeconds, maxHeapMB: options.maxHeapMB })
    : undefined;
  return {
    status: limit ? 'limit' : 'complete',
    ...(limit ? { limit } : {}),
    distinctStates: w.count,
    statesGenerated: w.generated,
    depth: w.depth,
    queueLeft: limit ? w.queueLeft : 0,
    ...reportFindings(machine, w.findings, w.deadlock, (id, extra) => pathFrom(parent, choice, id, extra)),
    unchecked: livenessPropertyNames(machine),
    coverage: w.coverage.result(),
    collisionProbability: options.exact ? null : w.hashedStrings ? collisionProbability(w.count, w.generated) : 0,
  };
}

/** The limit a run stopped at, in words. */
export function limitOf(
  kind: LimitKind,
  limits: { maxStates: number; maxDepth: number; maxSeconds?: number; maxHeapMB?: number },
): NonNullable<ExploreResult['limit']> {
  switch (kind) {
    case 'states':
      return { kind, message: `state limit of ${limits.maxStates} reached` };
    case 'depth':
      return { kind, message: `depth limit of ${limits.maxDepth} reached` };
    case 'time':
      return { kind, message: `time limit of ${limits.maxSeconds} s reached` };
    case 'memory':
      return memoryLimit((limits.maxHeapMB ?? defaultHeapMB()) * 2 ** 20);
  }
}

export function memoryLimit(maxHeapBytes: number): NonNullable<ExploreResult['limit']> {
  return { kind: 'memory', message: `memory limit of ${Math.round(maxHeapBytes / 2 ** 20)} MB heap reached` };
}
