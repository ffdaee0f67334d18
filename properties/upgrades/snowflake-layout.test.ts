import { describe, expect, it } from 'vitest';
import { LAYOUTS, layoutId, snowflakeLayout, type LayoutState } from '../../models/upgrades/snowflake-layout';
import { configurationOutcomes, noShorterViolation } from '../../src/run/testing';

/** Every id a generator of worker `w` can issue at timestamp 0 under a layout. */
const idsOf = (variant: string, v: 0 | 1, w: number): number[] => {
  const layout = LAYOUTS[variant][v];
  return Array.from({ length: 1 << layout.seqBits }, (_, seq) => layoutId(layout, w, 0, seq));
};

describe('snowflake-layout', () => {
  const { outcomes, outcome } = configurationOutcomes(snowflakeLayout);

  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('lays v1 and v2 ids of workers 0 and 1 apart exactly in the fixed variants', () => {
    for (const variant of ['wide-worker', 'correct', 'disjoint-workers']) {
      const v1 = [...idsOf(variant, 0, 0), ...idsOf(variant, 0, 1)];
      const v2 = [...idsOf(variant, 1, 0), ...idsOf(variant, 1, 1)];
      const overlap = v2.filter((id) => v1.includes(id));
      expect(overlap.length > 0, variant).toBe(variant === 'wide-worker');
    }
    expect(() => layoutId(LAYOUTS['wide-worker'][0], 4, 0, 0)).toThrow(RangeError);
  });

  it('reaches ids from a v1 and a v2 generator in one millisecond, the end of the rollout and a rollback', () => {
    expect(outcome('version-bit').witnesses.map((w) => w.property)).toEqual(['mixedSameMillisecond', 'rolloutComplete', 'rolledBack']);
  });

  it('catches the wide worker field in any order (5 steps) and in rolling order (6 steps), each with one id issued twice', () => {
    for (const [name, steps] of [['wide-worker-any-order', 5], ['wide-worker-rolling', 6]] as const) {
      const v = outcome(name).violations.find((x) => x.property === 'unique')!;
      expect(v.trace.steps.length - 1, name).toBe(steps);
      const last = v.trace.steps.at(-1)!.state as LayoutState;
      expect(last.duplicate, name).toBe(2);
      const o = outcome(name);
      expect(noShorterViolation(snowflakeLayout, o.variant, o.params, 'unique', steps), name).toBe(true);
    }
    expect(outcome('wide-worker-rolling').violations[0].trace.steps.map((s) => s.action)).toEqual([
      null,
      'NextId(G1)',
      'NextId(G1)',
      'NextId(G1)',
      'Upgrade(G1)',
      'Upgrade(G2)',
      'NextId(G2)',
    ]);
  });
});
