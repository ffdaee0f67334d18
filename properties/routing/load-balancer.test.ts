import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/shared/random';
import {
  loadBalancer,
  randomPick,
  roundRobinSequence,
  smoothWeightedSequence,
  smoothWeightedStep,
  weightedSequence,
} from '../../models/routing/load-balancer';
import { runConfigurations } from '../../src/run/testing';

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

describe('load-balancer: random', () => {
  it('spreads picks uniformly over the healthy servers (chi-square at a fixed seed)', () => {
    // 5 servers, one down: 4 healthy, 3 degrees of freedom. The chi-square statistic has mean 3 and standard
    // deviation √6 ≈ 2.45; 3 + 4 × 2.45 ≈ 12.8 bounds it except with probability well under 1%.
    const healthy = [true, false, true, true, true];
    const next = seededRandom(99);
    const picks = Array.from({ length: 20_000 }, () => randomPick(next, healthy));
    expect(picks.includes(1)).toBe(false);
    const c = counts(picks, 5).filter((_, i) => healthy[i]);
    const expected = 20_000 / 4;
    const chi = c.reduce((a, x) => a + (x - expected) ** 2 / expected, 0);
    expect(chi).toBeLessThan(3 + 4 * Math.sqrt(6));
  });

  test.prop([fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })])(
    'never picks an unhealthy server',
    (healthy, u) => {
      const p = randomPick(() => u, healthy);
      expect(p === -1 ? !healthy.includes(true) : healthy[p]).toBe(true);
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
