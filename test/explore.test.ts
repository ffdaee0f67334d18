import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { explore } from '../src/check/explore';
import { ExactSet, FingerprintSet, collisionProbability, fingerprint64 } from '../src/check/visited';
import { buildTrace } from '../src/trace/trace';
import { transactionCommit } from '../models/commit/transaction-commit';
import { twoPhaseCommit } from '../models/commit/two-phase-commit';
import { counterMachine, counterModel, deadlockMachine, waterJugMachine } from './fixtures/tiny-models';
import { run } from '../src/run/run';

const ctx = { model: 'fixture', variant: 'correct', params: {} };

describe('explorer counting (TLC rules)', () => {
  test.prop([fc.integer({ min: 1, max: 60 })])('a counter mod k has k states, 2k generated, depth k', (k) => {
    const r = explore(counterMachine(k));
    // Generated: 1 initial + k Inc steps + (k-1) Reset steps.
    expect([r.distinctStates, r.statesGenerated, r.depth]).toEqual([k, 2 * k, k]);
    expect(r.status).toBe('complete');
  });

  it('reports an action that never fires, and counts distinct new states per action', () => {
    const r = explore(counterMachine(5));
    expect(r.coverage).toEqual([
      { action: 'Inc', fired: 5, distinctNew: 4 },
      { action: 'Reset', fired: 4, distinctNew: 0 },
      { action: 'Never', fired: 0, distinctNew: 0 },
    ]);
  });

  it('finds all 16 water-jug states and the 6-step shortest solution', () => {
    const m = waterJugMachine();
    const r = explore(m);
    expect(r.distinctStates).toBe(16);
    expect(r.statesGenerated).toBe(1 + 16 * 6);
    const v = r.violations.find((x) => x.property === 'notFour');
    expect(v?.path.choices).toHaveLength(6);
    const trace = buildTrace(m, ctx, v!);
    expect(trace.steps.at(-1)?.state).toMatchObject({ big: 4 });
    expect(r.violations.map((x) => x.property)).toEqual(['notFour']);
    expect(r.witnesses.map((w) => [w.property, w.path.choices.length])).toEqual([['bigFull', 1]]);
  });

  it('keeps exploring after a violation, so other properties still get their shortest traces', () => {
    const r = explore(waterJugMachine());
    expect(r.distinctStates).toBe(16);
  });

  it('reports a step-property violation on the transition that breaks it', () => {
    const m = { ...waterJugMachine() };
    const broken = {
      ...m,
      next: (s: { small: number; big: number }, a: { name: string }) =>
        a.name === 'SmallToBig' ? { small: 0, big: Math.min(5, s.big + s.small + 1) } : m.next(s, a),
    };
    const r = explore(broken);
    const v = r.violations.find((x) => x.property === 'waterConservedByPouring');
    expect(v?.kind).toBe('step');
    // Shortest: the leaky SmallToBig straight from the empty jugs adds a gallon from nowhere.
    const trace = buildTrace(broken, ctx, v!);
    expect(trace.steps.map((s) => s.action)).toEqual([null, 'SmallToBig']);
  });

  it('detects a deadlock only when asked, and not in a terminal state', () => {
    expect(explore(deadlockMachine(false)).violations).toEqual([]);
    const r = explore(deadlockMachine(false), { checkDeadlock: true });
    expect(r.violations).toEqual([{ property: 'deadlock', kind: 'deadlock', path: { init: 0, choices: [0, 0] } }]);
    expect(explore(deadlockMachine(true), { checkDeadlock: true }).violations).toEqual([]);
  });

  it('reports a sometimes property that is never reached as unreached', () => {
    expect(explore(deadlockMachine(true)).unreached).toEqual(['neverThree']);
  });
});

describe('explorer limits', () => {
  it('stops at the state limit with partial figures', () => {
    const r = explore(twoPhaseCommit.machine({ rms: 12 }, 'correct'), { maxStates: 5000 });
    expect(r.status).toBe('limit');
    expect(r.limit?.kind).toBe('states');
    expect(r.distinctStates).toBe(5000);
    expect(r.queueLeft).toBeGreaterThan(0);
  });

  it('stops at the depth limit', () => {
    const r = explore(counterMachine(100), { maxDepth: 10 });
    expect(r).toMatchObject({ status: 'limit', distinctStates: 10, depth: 10 });
    expect(r.limit?.kind).toBe('depth');
  });

  it('does not count unexplored states as unreached when a limit stopped the run', () => {
    // `wraps` needs 99 steps: cut at depth 10, the explorer has not seen it, but that is no evidence of vacuity.
    const r = explore(counterMachine(100), { maxDepth: 10 });
    expect([r.status, r.unreached]).toEqual(['limit', ['wraps']]);
    const limited = run({ model: counterModel, variant: 'correct', params: { k: 100 }, explore: { maxDepth: 10 } });
    expect([limited.result, limited.unreached, limited.exitCode]).toEqual(['limit', [], 3]);
    expect(limited.verdict).toBe('limit reached: depth limit of 10 reached');
    // Without the limit the same run reaches it and passes; with k = 1 wrapping is trivially reached too.
    expect(run({ model: counterModel, variant: 'correct', params: { k: 100 } }).verdict).toBe('pass');
  });

  it('stops at the time limit', () => {
    const r = explore(twoPhaseCommit.machine({ rms: 12 }, 'correct'), { maxSeconds: 0.2 });
    expect(r.limit?.kind).toBe('time');
  });

  it('stops at the memory guard before the heap fills', () => {
    const r = explore(twoPhaseCommit.machine({ rms: 12 }, 'correct'), { maxHeapMB: 1 });
    expect([r.status, r.limit?.kind, r.limit?.message]).toEqual(['limit', 'memory', 'memory limit of 1 MB heap reached']);
  });
});

describe('visited set', () => {
  test.prop([fc.array(fc.string({ maxLength: 12 }), { maxLength: 400 })])(
    'fingerprints agree with exact keys on random strings',
    (keys) => {
      const fp = new FingerprintSet(16);
      const exact = new ExactSet();
      for (const k of keys) expect(fp.add(k)).toBe(exact.add(k));
      expect(fp.size).toBe(exact.size);
    },
  );

  test.prop([fc.uniqueArray(fc.maxSafeNat(), { minLength: 2, maxLength: 200 })])('integer keys get distinct fingerprints', (ns) => {
    const seen = new Set(ns.map((n) => fingerprint64(n).join(':')));
    expect(seen.size).toBe(ns.length);
  });

  it.each([1, 2, 3, 4, 5])('fingerprint and exact exploration agree on two-phase-commit with %i RMs', (rms) => {
    const m = twoPhaseCommit.machine({ rms }, 'correct');
    const a = explore(m);
    const b = explore(m, { exact: true });
    expect([a.distinctStates, a.statesGenerated, a.depth]).toEqual([b.distinctStates, b.statesGenerated, b.depth]);
    // Plain states get the structural 64-bit fingerprint, and TLC's estimate with it.
    expect(a.collisionProbability).toBe(collisionProbability(a.distinctStates, a.statesGenerated));
    expect(b.collisionProbability).toBeNull();
  });

  it('string keys get the TLC collision estimate', () => {
    const r = explore(waterJugMachine());
    expect(r.collisionProbability).toBe((16 * (97 - 16)) / 2 ** 64);
  });

  it('a hand-written integer key is collision-free, with the same counts as the structural fingerprint', () => {
    const plain = transactionCommit.machine({ rms: 3 }, 'correct');
    const code = { working: 0, prepared: 1, committed: 2, aborted: 3 } as const;
    const packed = { ...plain, key: (s: (typeof plain.init)[0]) => Object.values(s.rmState).reduce((k, r) => k * 4 + code[r], 0) };
    const a = explore(packed);
    expect(a.collisionProbability).toBe(0);
    const b = explore(plain);
    expect([a.distinctStates, a.statesGenerated, a.depth]).toEqual([b.distinctStates, b.statesGenerated, b.depth]);
  });
});
