import { describe, expect, it } from 'vitest';
import { threePhaseCommit } from '../../models/commit/three-phase-commit';
import { replayTrace } from '../../src/trace/trace-file';
import { noShorterViolation, runConfigurations } from '../../src/check/testing';

const outcomes = runConfigurations(threePhaseCommit);
const outcome = (name: string) => outcomes.find((o) => o.configuration === name)!;
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
