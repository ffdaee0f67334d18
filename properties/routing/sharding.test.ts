import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  hotspotShare,
  routeHash,
  routeNested,
  routeRange,
  routeRoundRobin,
  routeTable,
  sharding,
  shardsForRange,
} from '../../models/routing/sharding';
import { runConfigurations } from '../../src/run/testing';

const boundsArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 8 })
  .map((b) => [...b].sort((x, y) => x - y));

describe('sharding: routing', () => {
  test.prop([fc.nat({ max: 1_000_000 }), fc.integer({ min: 1, max: 16 }), boundsArb])(
    'every strategy routes every key to a valid shard, deterministically',
    (key, n, bounds) => {
      for (const route of [() => routeRoundRobin(key, n), () => routeHash(key, n), () => routeNested(key, bounds, n).node]) {
        const shard = route();
        expect(shard).toBe(route());
        expect(shard >= 0 && shard < n).toBe(true);
      }
      const r = routeRange(key, bounds);
      expect(r >= 0 && r <= bounds.length).toBe(true);
      expect(routeTable('tenant-a', { 'tenant-a': 2 }, 0)).toBe(2);
      expect(routeTable('toString', { 'tenant-a': 2 }, 0)).toBe(0);
    },
  );

  test.prop([boundsArb, fc.nat({ max: 12_000 }), fc.nat({ max: 12_000 })])(
    'a range query asks exactly the shards that can hold matches and loses none',
    (bounds, a, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      const asked = shardsForRange(lo, hi, bounds);
      // Complete: every key in [lo, hi] routes to an asked shard (checked at the range ends and every bound).
      const probes = [lo, hi, ...bounds.flatMap((x) => [x - 1, x]).filter((x) => x >= lo && x <= hi)];
      for (const k of probes) expect(asked).toContain(routeRange(k, bounds));
      // Minimal: every asked shard's own key range meets [lo, hi].
      for (const s of asked) {
        const from = s === 0 ? -Infinity : bounds[s - 1];
        const to = s === bounds.length ? Infinity : bounds[s] - 1;
        expect(from <= hi && to >= lo).toBe(true);
      }
    },
  );

  it('measures the hotspot of monotonically increasing keys: range sends all new keys to one shard, hash spreads them', () => {
    const bounds = [250_000, 500_000, 750_000];
    expect(hotspotShare((k) => routeRange(k, bounds), 1_000_000, 10_000)).toBe(1);
    // Hash over 4 shards: about 1/4 each; 10,000 keys give a binomial sd of 0.43%, so the busiest stays below 27%.
    expect(hotspotShare((k) => routeHash(k, 4), 1_000_000, 10_000)).toBeLessThan(0.27);
  });
});

describe('sharding: redundancy by a second dimension', () => {
  const outcomes = runConfigurations(sharding);

  it('keeps the seller copy equal to the buyer row once writes stop, and catches an unordered copier', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
    const bug = outcomes.find((o) => o.configuration === 'writes3-unordered-copier')!;
    const end = bug.violations[0].trace.steps.at(-1)!.state as { buyer: number; seller: number };
    expect(end.seller).toBeLessThan(end.buyer);
  });
});
