import { describe, expect, it } from 'vitest';
import { explore, type ExploreOptions } from '../src/check/explore';
import { exploreParallel } from '../src/check/parallel';
import { run, runAsync } from '../src/run/run';
import { findModel } from '../src/model/model';
import { resolveParams, type GivenParams } from '../src/model/params';
import { CATALOG } from '../models/index';

const CATALOG_MODULE = { module: new URL('../models/index.ts', import.meta.url).href, exportName: 'CATALOG' };

/**
 * The same exploration single-threaded and on workers. Waiting for the threads at the first level of `splitAt`
 * states spreads even small models over every worker (each one must take over some states).
 */
async function both(id: string, variant: string, params: GivenParams, options: ExploreOptions = {}, workers = 2, splitAt = 8) {
  const model = findModel(CATALOG.models, id);
  const resolved = resolveParams(model, params);
  const machine = model.machine(resolved, variant);
  const source = { ...CATALOG_MODULE, model: id, params: resolved, variant };
  let held: readonly number[] = [];
  const parallel = await exploreParallel(machine, {
    ...options,
    workers,
    splitAt,
    waitForThreads: true,
    source,
    onJoin: (h) => (held = h),
  });
  expect(held.length === 0 || held.every((n) => n > 0), `states per worker at the join: ${held}`).toBe(true);
  return { single: explore(machine, options), parallel, held };
}

describe('parallel exploration gives exactly the single-threaded result', () => {
  const cases: [string, string, GivenParams, ExploreOptions, number, number?][] = [
    ['two-phase-commit', 'correct', { rms: 4 }, {}, 2],
    ['two-phase-commit', 'majority-commit', { rms: 4 }, {}, 3],
    ['two-phase-commit', 'prepared-abort-on-timeout', { rms: 4 }, { symmetry: true }, 2],
    ['two-phase-commit', 'heuristic-commit', { rms: 5 }, { symmetry: true }, 3],
    ['transaction-commit', 'abort-after-commit', { rms: 3 }, { checkDeadlock: true }, 2],
    ['three-phase-commit', 'correct', {}, {}, 2],
    ['distributed-lock', 'no-fencing', {}, {}, 2, 2],
  ];
  // Counts, coverage, and every counterexample and witness path: ranks are the single thread's state ids.
  it.each(cases)('%s [%s] %j %j on %i workers', async (id, variant, params, options, workers, splitAt) => {
    const { single, parallel, held } = await both(id, variant, params, options, workers, splitAt);
    expect(held).toHaveLength(workers);
    expect(parallel).toEqual(single);
  });

  it('agrees when the levels are left to the default split, through runAsync and the catalog', async () => {
    const model = findModel(CATALOG.models, 'two-phase-commit');
    const request = { model, variant: 'majority-commit', params: { rms: 6 } };
    const parallel = await runAsync({ ...request, workers: 2, modelModule: CATALOG_MODULE });
    expect(parallel).toEqual(run(request));
    expect(parallel.distinctStates).toBe(57_776);
  });
});

describe('parallel exploration: failures', () => {
  it('rejects with the reason when a thread cannot rebuild the machine', async () => {
    const model = findModel(CATALOG.models, 'two-phase-commit');
    const source = { ...CATALOG_MODULE, exportName: 'NOPE', model: model.id, params: { rms: 3 }, variant: 'correct' };
    await expect(
      exploreParallel(model.machine({ rms: 3 }, 'correct'), { workers: 2, splitAt: 1, waitForThreads: true, source }),
    ).rejects.toThrow(/has no export 'NOPE'/);
  });
});

describe('parallel exploration: limits', () => {
  it('stops at the state limit with exactly that many states', async () => {
    const { single, parallel } = await both('two-phase-commit', 'correct', { rms: 12 }, { maxStates: 5000 });
    expect([parallel.status, parallel.limit?.kind, parallel.distinctStates]).toEqual(['limit', 'states', 5000]);
    expect(single.distinctStates).toBe(5000);
    expect(parallel.queueLeft).toBeGreaterThan(0);
  });

  it('stops at the depth limit with the same partial figures', async () => {
    const { single, parallel } = await both('two-phase-commit', 'correct', { rms: 6 }, { maxDepth: 8 });
    expect(parallel).toEqual(single);
    expect(parallel.limit?.kind).toBe('depth');
  });

  it('stops at the time limit and at the memory guard', async () => {
    const model = findModel(CATALOG.models, 'two-phase-commit');
    const machine = model.machine({ rms: 12 }, 'correct');
    const source = { ...CATALOG_MODULE, model: model.id, params: { rms: 12 }, variant: 'correct' };
    const timed = await exploreParallel(machine, { workers: 2, maxSeconds: 0.5, source });
    expect([timed.status, timed.limit?.kind]).toEqual(['limit', 'time']);
    const guarded = await exploreParallel(machine, { workers: 2, maxHeapMB: 1, source });
    expect([guarded.status, guarded.limit?.kind]).toEqual(['limit', 'memory']);
    expect(guarded.limit?.message).toBe('memory limit of 1 MB heap reached');
  });
});
