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

  it('is reproducible for a fixed seed', () => {
    expect(measureCollisions(50, 12, 500, 1)).toEqual(measureCollisions(50, 12, 500, 1));
  });
});
