import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { BUCKETS, METHODS, hashKey, hashStats, randomKeys, sequentialKeys } from '../../models/routing/hash-functions';

describe('hash-functions', () => {
  test.prop([fc.constantFrom(...METHODS), fc.nat({ max: 2 ** 40 })])('every method is deterministic and stays in range', (method, key) => {
    const h = hashKey(method, key);
    expect(h).toBe(hashKey(method, key));
    expect(Number.isInteger(h) && h >= 0 && h < BUCKETS).toBe(true);
  });

  it('computes the textbook examples', () => {
    expect(hashKey('mid-square', 4731)).toBe(82); // 4731² = 22382361: the middle two of eight digits are 8 and 2
    expect(hashKey('folding', 12345678)).toBe((12 + 34 + 56 + 78) % 100);
    expect(hashKey('division', 200)).toBe(200 % 97);
  });

  it('spreads random keys uniformly with division and direct addressing (chi-square below 99 + 4 × 14)', () => {
    // 99 degrees of freedom: mean 99, standard deviation √(2·99) ≈ 14. Division maps onto 97 of the 100 buckets,
    // so its three empty buckets add about 3 × 20 = 60; its bound adds that.
    expect(hashStats('direct', randomKeys(), 'random').chiSquare).toBeLessThan(99 + 4 * 14);
    expect(hashStats('division', randomKeys(), 'random').chiSquare).toBeLessThan(99 + 4 * 14 + 60);
  });

  it('shows digit analysis clumping on sequential keys, as the method warns', () => {
    const s = hashStats('digit-analysis', sequentialKeys(), 'sequential');
    expect(s.chiSquare).toBeGreaterThan(1000);
  });
});
