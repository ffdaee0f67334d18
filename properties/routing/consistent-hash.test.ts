import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { HashRing } from '../../impl/hash-ring';
import {
  FIGURE_KEYS,
  FIGURE_NODES,
  MOVE_KEYS,
  VNODE_COUNTS,
  buildRing,
  consistentHash,
  fnv1a32,
  fractionMoved,
  jumpHash,
  ketamaRing,
  loadSpread,
  lookup,
  lookupLinear,
  type CHAction,
  type CHState,
} from '../../models/routing/consistent-hash';
import { conformsToModel } from '../../src/check/mbt';
import { runConfigurations } from '../../src/run/testing';

const nodesArb = fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 8 });
const keysArb = fc.array(fc.nat({ max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 200 });

describe('consistent-hash: the ring', () => {
  test.prop([nodesArb, fc.integer({ min: 1, max: 20 }), keysArb])('binary search agrees with a linear scan', (nodes, v, keys) => {
    const ring = buildRing(nodes, v);
    for (const k of keys) expect(lookup(ring, k)).toBe(lookupLinear(ring, k));
  });

  test.prop([nodesArb, fc.stringMatching(/^[A-Z]{1,6}$/), fc.integer({ min: 1, max: 20 }), keysArb])(
    'adding a node moves exactly the keys it now owns; removing it moves them back and nothing else',
    (nodes, added, v, keys) => {
      const before = buildRing(nodes, v);
      const after = buildRing([...nodes, added], v);
      for (const k of keys) {
        const [a, b] = [lookup(before, k), lookup(after, k)];
        expect(a === b || b === added).toBe(true);
      }
    },
  );

  it("without virtual nodes a removed node's keys avalanche onto one neighbour; with them they spread", () => {
    const nodes = Array.from({ length: 8 }, (_, i) => `server-${i}`);
    const receivers = (v: number): number => {
      const full = buildRing(nodes, v);
      const less = buildRing(nodes.slice(1), v);
      const got = new Set<string>();
      for (let k = 0; k < 5000; k++) {
        const h = fnv1a32(`user:${k}`);
        if (lookup(full, h) === nodes[0]) got.add(lookup(less, h));
      }
      return got.size;
    };
    expect(receivers(1)).toBe(1);
    expect(receivers(100)).toBe(7);
  });

  it('places 160 Ketama points per server, four per MD5 of host-i', () => {
    const ring = ketamaRing(['10.0.0.1:11211', '10.0.0.2:11211']);
    expect(ring).toHaveLength(320);
    expect(ring.filter((p) => p.node === '10.0.0.1:11211')).toHaveLength(160);
  });
});

describe('consistent-hash: jump hashing', () => {
  test.prop([fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 1, max: 200 })])(
    'stays in range, and going from n to n+1 buckets a key either stays or moves to the new bucket',
    (key, n) => {
      const a = jumpHash(key, n);
      const b = jumpHash(key, n + 1);
      expect(a >= 0 && a < n).toBe(true);
      expect(b === a || b === n).toBe(true);
    },
  );
});

describe('consistent-hash: statistics (fixed seeds, tolerances from the theory)', () => {
  it('spreads load like 1/√v per vnode count', () => {
    // A node's share is the sum of v ring arcs: relative std dev ≈ 1/√v, plus the sampling noise of K keys
    // over N nodes, N/K in variance. The measured value is a sample std dev over N = 10 nodes, whose relative
    // error is about 1/√(2(N−1)) ≈ 0.24; we allow 3 of those, i.e. a ratio between 0.29 and 1.71.
    for (const v of VNODE_COUNTS) {
      const theory = Math.sqrt(1 / v + FIGURE_NODES / FIGURE_KEYS);
      const ratio = loadSpread(FIGURE_NODES, v, FIGURE_KEYS) / theory;
      expect(ratio, `${v} vnodes`).toBeGreaterThan(1 - 3 * 0.236);
      expect(ratio, `${v} vnodes`).toBeLessThan(1 + 3 * 0.236);
    }
  });

  it('moves N/(N+1) of the keys with hash-mod and 1/(N+1) with jump hashing, within 4 binomial sigmas', () => {
    for (const n of [2, 5, 9]) {
      const band = (p: number): number => 4 * Math.sqrt((p * (1 - p)) / MOVE_KEYS);
      expect(Math.abs(fractionMoved('hash-mod', n, MOVE_KEYS) - n / (n + 1))).toBeLessThan(band(n / (n + 1)));
      expect(Math.abs(fractionMoved('jump', n, MOVE_KEYS) - 1 / (n + 1))).toBeLessThan(band(1 / (n + 1)));
    }
  });

  it("moves about 1/(N+1) with a 160-vnode ring: the new node's share, whose relative spread is 1/√160", () => {
    // 3 × 1/√160 ≈ 24% relative, plus the binomial band.
    for (const n of [2, 5, 9]) {
      const p = 1 / (n + 1);
      expect(Math.abs(fractionMoved('consistent', n, MOVE_KEYS) - p)).toBeLessThan(
        (p * 3) / Math.sqrt(160) + 4 * Math.sqrt((p * (1 - p)) / MOVE_KEYS),
      );
    }
  });
});

describe('consistent-hash: model and implementation', () => {
  it('gives every configuration its expected result (hash-mod breaks minimal movement)', () => {
    const outcomes = runConfigurations(consistentHash);
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
    // Every subset of the pool that holds a node, and every join or leave between them (the membership block).
    expect(outcomes.map((o) => [o.configuration, o.distinctStates, o.statesGenerated])).toEqual([
      ['pool4-vnodes10', 15, 57],
      ['pool6-vnodes1', 63, 373],
      ['pool4-hash-mod', 15, 57],
    ]);
    // Hash-mod reshuffles keys as soon as a third node joins.
    expect(outcomes[2].violations.map((v) => v.trace.steps.map((s) => s.action))).toEqual([[null, 'Join(node2)', 'Join(node3)']]);
  });

  it("a sorted-array ring with binary search agrees with the model's linear scan through joins and leaves", () => {
    const machine = consistentHash.machine({ pool: 5, vnodes: 20, keys: 50 }, 'correct');
    const names = Array.from({ length: 5 }, (_, i) => `node${i + 1}`);
    const keyHashes = Array.from({ length: 50 }, (_, i) => fnv1a32(`key-${i}`));
    const driver = {
      create: () => {
        const ring = new HashRing(20);
        ring.add('node1');
        return ring;
      },
      apply: (ring: HashRing, a: CHAction) => (a.name === 'Join' ? ring.add(a.node) : ring.remove(a.node)),
      observe: (ring: HashRing) => keyHashes.map((h) => ring.lookup(h)),
      expected: (s: CHState) => {
        const ring = buildRing(
          names.filter((n) => s.membership.members.includes(n)),
          20,
        );
        return keyHashes.map((h) => lookupLinear(ring, h));
      },
    };
    fc.assert(conformsToModel(machine, driver, 30), { numRuns: 100, seed: 4 });
  });
});
