import { describe, expect, it } from 'vitest';
import { nwrReconfigure, PLANS, type NwrState } from '../../models/upgrades/nwr-reconfigure';
import { configurationOutcomes, noShorterViolation } from '../../src/run/testing';

describe('nwr-reconfigure', () => {
  const { outcomes, outcome } = configurationOutcomes(nwrReconfigure);

  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('keeps W + R > N between every pair of adjacent versions of the safe plan, and not of the unsafe ones', () => {
    const overlap = (plan: (typeof PLANS)[string]) => plan.slice(1).every((q, i) => q.w + plan[i].r > 3 && plan[i].w + q.r > 3);
    expect(overlap(PLANS.correct)).toBe(true);
    expect(overlap(PLANS.direct)).toBe(false);
    expect(overlap(PLANS['lower-w-first'])).toBe(false);
  });

  it('reaches a read in a mixed cluster, a newer message at an older node, the end of the rollout and a rollback', () => {
    expect(outcome('raise-r-first').witnesses.map((w) => w.property)).toEqual([
      'readInMixedCluster',
      'newerMessageAtOlderNode',
      'rolloutComplete',
      'rolledBack',
    ]);
  });

  it('catches each unsafe rollout with a pinned shortest mixed-version stale read', () => {
    const lengths: Record<string, number> = { direct: 3, 'lower-w-first': 3, 'raise-r-first-overlapping': 4 };
    for (const [name, steps] of Object.entries(lengths)) {
      const v = outcome(name).violations.find((x) => x.property === 'noStaleRead')!;
      expect(v.trace.steps.length - 1, name).toBe(steps);
      const last = v.trace.steps.at(-1)!.state as NwrState;
      expect(last.lastRead!.mixed, name).toBe(true);
      expect(last.lastRead!.value, name).toBeLessThan(last.lastRead!.latest);
      const o = outcome(name);
      expect(noShorterViolation(nwrReconfigure, o.variant, o.params, 'noStaleRead', steps), name).toBe(true);
    }
    expect(outcome('direct').violations[0].trace.steps.map((s) => s.action)).toEqual([
      null,
      'Upgrade(N1)',
      'Write(N1, W-set {N1})',
      'Read(N2, R-set {N2,N3})',
    ]);
  });
});
