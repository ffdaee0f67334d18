import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { birthdayCollisionProbability, collisionTable, measureCollisions, randomId, TRIALS } from '../../models/ids/random-ids';

describe('random-ids', () => {
  test.prop([fc.nat({ max: 2 ** 40 }), fc.nat({ max: 1023 }), fc.nat({ max: 4095 }), fc.nat({ max: 4095 })])(
    'ids with different random parts (same millisecond and user) differ',
    (ts, user, r1, r2) => {
      fc.pre(r1 !== r2);
      expect(randomId({ timestampMs: ts, userCode: user, random: r1 }, 12)).not.toBe(
        randomId({ timestampMs: ts, userCode: user, random: r2 }, 12),
      );
    },
  );

  it('computes the exact birthday bound (23 people, 365 days: 50.7%)', () => {
    expect(birthdayCollisionProbability(23, Math.log2(365))).toBeCloseTo(0.5073, 3);
    expect(birthdayCollisionProbability(1, 8)).toBe(0);
  });

  it('measures collision rates within sampling error of the birthday bound, at every rate and width', () => {
    // Each cell counts milliseconds with a collision among TRIALS independent ones: a binomial count with
    // standard deviation sigma = sqrt(p(1-p)/TRIALS). With 15 cells, a 4-sigma band is exceeded by chance with
    // probability about 15 * 6e-5 ≈ 1e-3; the extra 1/TRIALS covers p near 0 or 1, where sigma vanishes.
    for (const r of collisionTable()) {
      const sigma = Math.sqrt((r.bound * (1 - r.bound)) / TRIALS);
      expect(Math.abs(r.measured - r.bound), `${r.idsPerMs} ids/ms, ${r.randomBits} bits`).toBeLessThanOrEqual(4 * sigma + 1 / TRIALS);
    }
  });

  it('counts a millisecond as a collision exactly when two of its ids are equal', () => {
    // One id per millisecond can never collide; three ids in a 1-bit space always do (pigeonhole).
    expect(measureCollisions(1, 8, 300, 3).measured).toBe(0);
    expect(measureCollisions(3, 1, 300, 3).measured).toBe(1);
    // Two ids in a 1-bit space collide when their random bits agree: about half the time.
    const half = measureCollisions(2, 1, 2000, 3).measured;
    expect(Math.abs(half - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / 2000)); // 4 standard deviations of a binomial rate
  });

  it('draws from its seed: another seed gives another sample', () => {
    expect(measureCollisions(50, 12, 500, 1).measured).not.toBe(measureCollisions(50, 12, 500, 2).measured);
  });
});
