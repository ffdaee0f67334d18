import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { antiEntropy, antiEntropyRounds, antiEntropyTable, lwwMerge, mergeOf, type Version } from '../../models/replication/anti-entropy';
import { measureGossip } from '../../models/replication/gossip';
import { replayTrace } from '../../src/trace/trace-file';
import { configurationOutcomes, noShorterViolation } from '../../src/run/testing';

const { outcomes, outcome } = configurationOutcomes(antiEntropy);
const violation = (config: string, property: string) => outcome(config).violations.find((v) => v.property === property)!.trace;
const actions = (config: string, property: string) => violation(config, property).steps.map((s) => s.action);

const version = fc
  .record({ ts: fc.nat({ max: 4 }), writer: fc.integer({ min: -1, max: 3 }) })
  .map((v): Version => (v.writer < 0 ? { ts: 0, writer: -1 } : v));

describe('anti-entropy', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it.each([
    ['r3-w2', 81, 283, 6],
    ['r3-w3-partition', 1450, 5566, 9],
    ['r4-w2-partitions2', 6970, 35865, 11],
    ['r3-w2-keep-local-on-tie', 73, 259, 6],
    ['r3-w2-incoming-wins', 46, 169, 5],
  ])('explores %s exhaustively: %i distinct states, %i generated, depth %i', (config, distinct, generated, depth) => {
    const o = outcome(config);
    expect([o.distinctStates, o.statesGenerated, o.depth]).toEqual([distinct, generated, depth]);
  });

  test.prop([version, version, version])('last-write-wins merge is commutative, associative and idempotent', (a, b, c) => {
    expect(lwwMerge(a, b)).toEqual(lwwMerge(b, a));
    expect(lwwMerge(lwwMerge(a, b), c)).toEqual(lwwMerge(a, lwwMerge(b, c)));
    expect(lwwMerge(a, a)).toEqual(a);
  });

  it('the bug variants merge without commutativity', () => {
    const r1: Version = { ts: 1, writer: 0 };
    const r2: Version = { ts: 1, writer: 1 };
    for (const variant of ['keep-local-on-tie', 'incoming-wins']) expect(mergeOf(variant)(r1, r2)).not.toEqual(mergeOf(variant)(r2, r1));
  });

  it('converges once the partitions are over, shows soft state on both sides of a split, and counts exchanges', () => {
    for (const config of ['r3-w2', 'r3-w3-partition', 'r4-w2-partitions2']) expect(outcome(config).violations).toEqual([]);
    expect(outcome('r3-w3-partition').witnesses.map((w) => w.property)).toEqual([
      'softState',
      'convergedAfterConflict',
      'divergedAcrossPartition',
    ]);
    // Two concurrent writes at R1 and R2, then R2's wins on R1 and on R3: two exchanges.
    expect(outcome('r3-w2').metrics['exchanges until agreement']).toBe(2);
  });

  it('keeping the local value on a timestamp tie leaves two concurrent writes unreconciled forever', () => {
    expect(actions('r3-w2-keep-local-on-tie', 'differencesReconcilable')).toEqual([null, 'Write(R1)', 'Write(R2)']);
    expect(noShorterViolation(antiEntropy, 'keep-local-on-tie', { replicas: 3, writes: 2 }, 'differencesReconcilable', 2)).toBe(true);
    const t = violation('r3-w2-keep-local-on-tie', 'converges');
    expect(t.steps.map((s) => s.action)).toEqual([null, 'Write(R1)', 'Write(R2)', 'Sync(R1,R3)']);
    expect(t.stutter).toBe(true);
  });

  it('taking the incoming value swaps two replicas on every exchange, forever', () => {
    expect(actions('r3-w2-incoming-wins', 'exchangeAgrees')).toEqual([null, 'Write(R1)', 'Sync(R1,R2)']);
    expect(noShorterViolation(antiEntropy, 'incoming-wins', { replicas: 3, writes: 2 }, 'exchangeAgrees', 2)).toBe(true);
    const t = violation('r3-w2-incoming-wins', 'converges');
    expect(t.steps.map((s) => s.action)).toEqual([null, 'Write(R1)', 'Sync(R1,R2)', 'Sync(R1,R2)']);
    expect(t.loopStart).toBe(1);
  });

  it('passes random walks over five replicas, four writes and two partitions', () => {
    const o = outcome('r5-w4-partitions2-random');
    expect(o.strategy).toBe('random');
    expect(o.violations).toEqual([]);
    expect(o.distinctStates).toBe(2075);
  });

  it('replays every counterexample', () => {
    for (const o of outcomes)
      for (const v of o.violations) expect(replayTrace(v.trace, antiEntropy).reproduced, `${o.configuration} ${v.property}`).toBe(true);
  });
});

describe('anti-entropy rounds (figure)', () => {
  it('is deterministic for a seed, and two replicas agree after one exchange', () => {
    expect(antiEntropyRounds({ replicas: 50, writes: 'every', seed: 3 })).toBe(
      antiEntropyRounds({ replicas: 50, writes: 'every', seed: 3 }),
    );
    expect(antiEntropyRounds({ replicas: 2, writes: 'every', seed: 1 })).toBe(1);
  });

  test.prop([fc.integer({ min: 2, max: 70 }), fc.nat()])(
    'a write at every replica takes at least as long as one write (same peers)',
    (n, seed) => {
      expect(antiEntropyRounds({ replicas: n, writes: 'every', seed })).toBeGreaterThanOrEqual(
        antiEntropyRounds({ replicas: n, writes: 'one', seed }),
      );
    },
  );

  it('takes more rounds as replicas grow, and one write spreads like push-pull gossip with fanout 1', () => {
    const rows = antiEntropyTable([10, 100, 300], 60);
    for (let i = 1; i < rows.length; i++) expect(rows[i].every.mean).toBeGreaterThan(rows[i - 1].every.mean);
    // One write under random pairwise push-pull exchange is exactly push-pull rumor spreading with fanout 1
    // (each node calls one random peer per round; the rumor crosses the call in either direction), written
    // independently in gossip.ts. The two means differ only by sampling error: the rounds have a standard
    // deviation below 1 here, so the difference of two means of 60 and 200 runs has sd below
    // sqrt(1/60 + 1/200) ≈ 0.15; 4 of those is 0.6.
    for (const row of rows) {
      const g = measureGossip(row.one.n, 1, 'push-pull', 200);
      expect(Math.abs(row.one.mean - g.mean), `N = ${row.one.n}`).toBeLessThan(0.6);
    }
  });
});
