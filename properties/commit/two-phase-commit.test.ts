import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { twoPhaseCommit, type TPAction, type TPState } from '../../models/commit/two-phase-commit';
import { conformsToModel } from '../../src/check/mbt';
import { burnsideOrbits, exploreModel, noShorterViolation, permuteIds, reachableStates, runConfigurations } from '../../src/run/testing';
import { stateKeyOf } from '../../src/model/model';
import { pathArbitrary, runWalk } from '../../src/check/walk';

describe('two-phase-commit: published TLC figures', () => {
  it('has 288 distinct states, 1,146 generated and depth 11 with 3 RMs', () => {
    const r = exploreModel(twoPhaseCommit, 'correct', { rms: 3 });
    expect([r.distinctStates, r.statesGenerated, r.depth]).toEqual([288, 1146, 11]);
  });

  it('has 8,832 distinct states with 5 RMs', () => {
    expect(exploreModel(twoPhaseCommit, 'correct', { rms: 5 }).distinctStates).toBe(8832);
  });

  it('has 50,816 distinct states with 6 RMs', () => {
    expect(exploreModel(twoPhaseCommit, 'correct', { rms: 6 }).distinctStates).toBe(50816);
  });
});

describe('two-phase-commit: the correct protocol', () => {
  it.each([1, 2, 3, 4])('is consistent, type-correct and refines TransactionCommit at every step with %i RMs', (rms) => {
    const r = exploreModel(twoPhaseCommit, 'correct', { rms });
    expect(r.violations).toEqual([]);
  });

  it('reaches all its interesting states: all committed, abort after all prepared, decided but unheard', () => {
    const r = exploreModel(twoPhaseCommit, 'correct', { rms: 3 });
    expect(r.unreached).toEqual([]);
    expect(r.witnesses.map((w) => w.property)).toEqual(['allCommitted', 'abortAfterAllPrepared', 'decidedButUnheard']);
  });

  it('fires every action', () => {
    const r = exploreModel(twoPhaseCommit, 'correct', { rms: 3 });
    expect(r.coverage.filter((c) => c.fired === 0 || c.distinctNew === 0)).toEqual([]);
  });

  const big = twoPhaseCommit.machine({ rms: 9 }, 'correct');
  test.prop([pathArbitrary(big, 80)], { numRuns: 200 })('never violates a safety property on random walks with 9 RMs', (path) => {
    expect(runWalk(big, path).violation).toBeUndefined();
  });
});

describe('two-phase-commit: bug variants, each caught with a shortest trace', () => {
  const cases: [string, number][] = [
    ['majority-commit', 7],
    ['prepared-abort-on-timeout', 9],
    ['heuristic-commit', 3],
  ];
  it.each(cases)('%s breaks consistent in %i steps, and no shorter run does', (variant, steps) => {
    const r = exploreModel(twoPhaseCommit, variant, { rms: 3 });
    const v = r.violations.find((x) => x.property === 'consistent');
    expect(v?.path.choices).toHaveLength(steps);
    expect(noShorterViolation(twoPhaseCommit, variant, { rms: 3 }, 'consistent', steps)).toBe(true);
  });

  it('gives every configuration, exhaustive and random, its expected result', () => {
    const outcomes = runConfigurations(twoPhaseCommit);
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
    expect(outcomes.some((o) => o.strategy === 'random' && o.expected.result === 'violation')).toBe(true);
  });
});

/** An imperative two-phase commit, written the way a service would be, with mutable sets. */
class TwoPhaseCoordinator {
  readonly rm: Record<string, string>;
  tm: 'init' | 'committed' | 'aborted' = 'init';
  readonly prepared = new Set<string>();
  readonly sent = new Set<string>();
  constructor(rms: number) {
    this.rm = Object.fromEntries(Array.from({ length: rms }, (_, i) => [`rm${i + 1}`, 'working']));
  }
  handle(a: TPAction): void {
    if (!('rm' in a)) {
      this.tm = a.name === 'TMCommit' ? 'committed' : 'aborted';
      this.sent.add(a.name === 'TMCommit' ? 'Commit' : 'Abort');
      return;
    }
    switch (a.name) {
      case 'TMRcvPrepared':
        this.prepared.add(a.rm);
        break;
      case 'RMPrepare':
        this.rm[a.rm] = 'prepared';
        this.sent.add(`Prepared(${a.rm})`);
        break;
      case 'RMRcvCommitMsg':
        this.rm[a.rm] = 'committed';
        break;
      default:
        this.rm[a.rm] = 'aborted';
    }
  }
}

describe('two-phase-commit: model-based test of an implementation', () => {
  const machine = twoPhaseCommit.machine({ rms: 4 }, 'correct');
  const view = (rmState: Readonly<Record<string, string>>, tm: string, prepared: Iterable<string>, msgs: Iterable<string>) => ({
    rmState: { ...rmState },
    tm,
    prepared: [...prepared].sort(),
    msgs: [...msgs].sort(),
  });
  const driver = {
    create: () => new TwoPhaseCoordinator(4),
    apply: (real: TwoPhaseCoordinator, a: TPAction) => real.handle(a),
    observe: (real: TwoPhaseCoordinator) => view(real.rm, real.tm, real.prepared, real.sent),
    expected: (s: TPState) => view(s.rmState, s.tmState, s.tmPrepared, [...s.msgs].map((m) => (m.type === 'Prepared' ? `Prepared(${m.rm})` : m.type))),
  };

  it('agrees with the model after every step', () => {
    fc.assert(conformsToModel(machine, driver), { numRuns: 100, seed: 7 });
  });

  it('finds a divergence in a broken implementation and shrinks it to a short script', () => {
    const broken = { ...driver, apply: (real: TwoPhaseCoordinator, a: TPAction) => (a.name === 'TMAbort' ? undefined : real.handle(a)) };
    const details = fc.check(conformsToModel(machine, broken), { numRuns: 200, seed: 7 });
    expect(details.failed).toBe(true);
    // The whole shrunk script is the one command the broken implementation mishandles.
    expect(String(details.counterexample?.[0])).toMatch(/^TMAbort \/\*replayPath/);
  });
});

describe('two-phase-commit: symmetry reduction over the RMs', () => {

  // 6 RMs (553 orbits) is pinned in the report's rms6 symmetry configuration; Burnside over 50,816 states is slow.
  it.each([
    [3, 80],
    [4, 166],
    [5, 314],
  ])('counts %i RMs as %i orbits, the number Burnside’s lemma gives over all reachable states', (rms, orbits) => {
    const m = twoPhaseCommit.machine({ rms }, 'correct');
    // Renames RM i to RM perm[i] everywhere: its state, the TM's set, and the Prepared messages.
    const permute = permuteIds(m.symmetricIds!);
    expect(burnsideOrbits(reachableStates(m), rms, permute, (s) => stateKeyOf(m)(s as TPState))).toBe(orbits);
    const r = exploreModel(twoPhaseCommit, 'correct', { rms }, { symmetry: true });
    expect(r.distinctStates).toBe(orbits);
    // Symmetry merges states, never levels: the depth is the unreduced one.
    expect(r.depth).toBe(exploreModel(twoPhaseCommit, 'correct', { rms }).depth);
  });

  it('still catches every bug variant, with a concrete trace as short as without symmetry', () => {
    for (const v of twoPhaseCommit.variants.filter((x) => x.breaks)) {
      const full = exploreModel(twoPhaseCommit, v.name, { rms: 4 });
      const reduced = exploreModel(twoPhaseCommit, v.name, { rms: 4 }, { symmetry: true });
      const length = (r: typeof full): number | undefined => r.violations.find((x) => x.property === v.breaks)?.path.choices.length;
      expect(length(reduced), v.name).toBe(length(full));
      // The path is a run of the unreduced machine: replaying its choices ends in a bad state.
      const m = twoPhaseCommit.machine({ rms: 4 }, v.name);
      let s = m.init[0];
      for (const c of reduced.violations.find((x) => x.property === v.breaks)!.path.choices) s = m.next(s, m.actions(s)[c]);
      const invariant = m.properties.find((p) => p.name === v.breaks);
      expect(invariant?.kind === 'always' && !invariant.holds(s), v.name).toBe(true);
    }
  });
});
