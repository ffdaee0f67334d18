import { describe, expect, it } from 'vitest';
import { threePhaseCommit } from '../../models/commit/three-phase-commit';
import { replayTrace } from '../../src/trace/trace-file';
import {
  burnsideOrbits,
  configurationOutcomes,
  exploreModel,
  noShorterViolation,
  permuteIds,
  reachableStates,
} from '../../src/run/testing';
import { stateKeyOf } from '../../src/model/model';
import { resolveParams } from '../../src/model/params';

const { outcomes, outcome } = configurationOutcomes(threePhaseCommit);
const actions = (name: string, property = 'consistent') =>
  outcome(name)
    .violations.find((v) => v.property === property)!
    .trace.steps.map((s) => s.action);

describe('three-phase-commit', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('does not block under a coordinator crash with synchronous timeouts, and stays consistent', () => {
    const o = outcome('sync-crash');
    expect(o.violations).toEqual([]);
    expect(o.witnesses.map((w) => w.property)).toContain('decidedWithoutCoordinator');
  });

  it('sends 18 messages per decided transaction', () => {
    expect(outcome('sync').metrics['messages per decision']).toBe(18);
  });

  it('breaks consistency under a partition as in the seed: PreCommit reaches P1, a split, P1 commits on timeout, the others abort', () => {
    const steps = actions('sync-partition');
    expect(steps.slice(-5)).toEqual(['CPreCommit', 'PRcvPreCommit(P1)', 'Partition({C,P3} | {P1,P2})', 'PTimeout(P1)', 'PTimeout(P2)']);
    expect(
      noShorterViolation(
        threePhaseCommit,
        'correct',
        { participants: 3, network: 'synchronous', partitions: 1 },
        'consistent',
        steps.length - 1,
      ),
    ).toBe(true);
  });

  it('breaks consistency with asynchronous timeouts even without a partition', () => {
    expect(actions('async').at(-1)).toMatch(/^PTimeout/);
  });

  it.each([
    ['sync-crash-no-precommit', 5],
    ['sync-majority-quorum', 13],
    ['sync-crash-mid-broadcast', 13],
  ])('catches the bug variant of %s in %i steps', (config, steps) => {
    expect(actions(config)).toHaveLength(steps + 1);
  });

  it('replays every counterexample', () => {
    for (const o of outcomes)
      for (const v of o.violations)
        expect(replayTrace(v.trace, threePhaseCommit).reproduced, `${o.configuration} ${v.property}`).toBe(true);
  });
});

describe('three-phase-commit: symmetry reduction over the participants', () => {
  it.each([
    { participants: 3, network: 'synchronous' },
    { participants: 3, network: 'synchronous', crashes: 1 },
    { participants: 2, network: 'asynchronous' },
    { participants: 2, network: 'synchronous', partitions: 1 },
  ] as const)('%o: explores exactly the orbits Burnside’s lemma counts, with the same depth and shortest traces', (params) => {
    const m = threePhaseCommit.machine(resolveParams(threePhaseCommit, params) as never, 'correct');
    const full = exploreModel(threePhaseCommit, 'correct', params);
    const reduced = exploreModel(threePhaseCommit, 'correct', params, { symmetry: true });
    const ids = m.symmetricIds!;
    expect(reduced.distinctStates).toBe(burnsideOrbits(reachableStates(m), params.participants, permuteIds(ids), stateKeyOf(m)));
    expect(reduced.distinctStates).toBeLessThan(full.distinctStates);
    expect(reduced.depth).toBe(full.depth);
    const shortest = (r: typeof full): string[] => r.violations.map((v) => `${v.property}:${v.path.choices.length}`);
    expect(shortest(reduced)).toEqual(shortest(full));
  });
});
