import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  loadBalancer,
  roundRobinSequence,
  smoothWeightedSequence,
  smoothWeightedStep,
  weightedSequence,
} from '../../models/routing/load-balancer';
import { runConfigurations } from '../../src/testing';

const weightsArb = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 });
const counts = (picks: number[], n: number): number[] => Array.from({ length: n }, (_, i) => picks.filter((p) => p === i).length);

describe('load-balancer strategies', () => {
  it("follows nginx's smooth weighted rule: weights 5, 1, 1 give a a b a c a a", () => {
    expect(smoothWeightedSequence([5, 1, 1], 7)).toEqual([0, 0, 1, 0, 2, 0, 0]);
  });

  test.prop([weightsArb])('smooth weighted: the current weights return to zero after every Σw picks, with exact proportions', (weights) => {
    const total = weights.reduce((a, b) => a + b, 0);
    let current = weights.map(() => 0);
    const picks: number[] = [];
    for (let k = 0; k < total; k++) {
      const step = smoothWeightedStep(current, weights);
      picks.push(step.pick);
      current = step.current;
    }
    expect(current.every((c) => c === 0)).toBe(true);
    expect(counts(picks, weights.length)).toEqual(weights);
  });

  test.prop([fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 60 })])(
    'round-robin: over any window the counts differ by at most 1',
    (n, start, length) => {
      const c = counts(roundRobinSequence(n, start + length).slice(start), n);
      expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
    },
  );

  test.prop([weightsArb, fc.integer({ min: 1, max: 4 })])(
    'static weighted: exact proportions over each period of Σw picks',
    (weights, periods) => {
      const total = weights.reduce((a, b) => a + b, 0);
      expect(counts(weightedSequence(weights, total * periods), weights.length)).toEqual(weights.map((w) => w * periods));
    },
  );
});

describe('load-balancer model', () => {
  const outcomes = runConfigurations(loadBalancer);

  it('never picks a server that is down, for every strategy, and catches a balancer that ignores health', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
    const bug = outcomes.find((o) => o.configuration === 'round-robin-ignores-health')!;
    expect(bug.violations[0].trace.steps.map((s) => s.action)).toEqual([null, 'Fail(server1)', 'Pick']);
  });
});
