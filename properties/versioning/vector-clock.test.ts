import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  causalOrder,
  compareClocks,
  incrementClock,
  mergeClocks,
  stampExecution,
  truncateClock,
  vectorClock,
  type Clock,
  type ClockOrder,
  type ClockRule,
  type ExecutionStep,
  type SiblingState,
} from '../../models/versioning/vector-clock';
import { configurationOutcomes } from '../../src/run/testing';

const nodes = ['a', 'b', 'c', 'd'];
/** Clocks with explicit zero entries too, since a missing entry must mean 0. */
const clockArb: fc.Arbitrary<Clock> = fc.dictionary(fc.constantFrom(...nodes), fc.nat({ max: 4 }), { maxKeys: 4 });
const nodeArb = fc.constantFrom(...nodes, 'e');
const leq = (a: Clock, b: Clock): boolean => ['before', 'equal'].includes(compareClocks(a, b));

describe('compareClocks', () => {
  it('reads a missing entry as 0', () => {
    expect(compareClocks({}, {})).toBe('equal');
    expect(compareClocks({ a: 0 }, {})).toBe('equal');
    expect(compareClocks({}, { a: 1 })).toBe('before');
    expect(compareClocks({ a: 2, b: 1 }, { a: 1 })).toBe('after');
    expect(compareClocks({ a: 1 }, { b: 1 })).toBe('concurrent');
    expect(compareClocks({ a: 1, b: 2 }, { a: 2, b: 1 })).toBe('concurrent');
  });

  it('rejects counters that are negative or not integers', () => {
    expect(() => compareClocks({ a: -1 }, {})).toThrow(RangeError);
    expect(() => compareClocks({}, { a: 1.5 })).toThrow(RangeError);
  });

  test.prop([clockArb, clockArb])('is antisymmetric: before one way is after the other, equal and concurrent are symmetric', (a, b) => {
    const flip: Record<ClockOrder, ClockOrder> = { before: 'after', after: 'before', equal: 'equal', concurrent: 'concurrent' };
    expect(compareClocks(b, a)).toBe(flip[compareClocks(a, b)]);
  });

  test.prop([clockArb, clockArb, clockArb])('is transitive', (a, b, c) => {
    if (leq(a, b) && leq(b, c)) expect(leq(a, c)).toBe(true);
  });
});

describe('vector clock lattice laws', () => {
  test.prop([clockArb, clockArb])('merge is commutative', (a, b) => {
    expect(mergeClocks(a, b)).toEqual(mergeClocks(b, a));
  });

  test.prop([clockArb, clockArb, clockArb])('merge is associative', (a, b, c) => {
    expect(mergeClocks(mergeClocks(a, b), c)).toEqual(mergeClocks(a, mergeClocks(b, c)));
  });

  test.prop([clockArb])('merge is idempotent', (a) => {
    expect(compareClocks(mergeClocks(a, a), a)).toBe('equal');
  });

  test.prop([clockArb, clockArb, clockArb])('merge is the least upper bound', (a, b, c) => {
    const m = mergeClocks(a, b);
    expect(leq(a, m) && leq(b, m)).toBe(true);
    if (leq(a, c) && leq(b, c)) expect(leq(m, c)).toBe(true);
  });

  test.prop([clockArb, clockArb, nodeArb])('increment is strictly inflationary and monotone', (a, b, n) => {
    expect(compareClocks(a, incrementClock(a, n))).toBe('before');
    if (leq(a, b)) expect(leq(incrementClock(a, n), incrementClock(b, n))).toBe(true);
  });

  test.prop([clockArb, fc.integer({ min: 1, max: 4 })])('truncation keeps at most k entries and never adds', (a, k) => {
    const t = truncateClock(a, k);
    expect(Object.keys(t).length).toBeLessThanOrEqual(k);
    expect(leq(t, a)).toBe(true);
  });
});

// Random message-passing executions: every event's clock, compared with every other event's, must give the
// order of their true causal histories (Fidge/Mattern's characterisation). The bug rules must fail this.
const stepArb: fc.Arbitrary<ExecutionStep> = fc.oneof(
  fc.record({ kind: fc.constant('local' as const), p: fc.nat({ max: 3 }) }),
  fc.record({ kind: fc.constant('send' as const), p: fc.nat({ max: 3 }), to: fc.nat({ max: 3 }) }),
  fc.record({ kind: fc.constant('receive' as const), p: fc.nat({ max: 3 }), pick: fc.nat({ max: 3 }) }),
);
/** Receives weighted up so that most sent messages are delivered. */
const executionArb = fc.tuple(
  fc.integer({ min: 2, max: 4 }),
  fc.array(
    fc.oneof(
      stepArb,
      stepArb.map((s) => ({ ...s, kind: 'receive' as const, pick: 0 })),
    ),
    { maxLength: 30 },
  ),
);

/** The first pair of events whose clock order differs from their causal order, with `falseHb` only before/after claims. */
function mismatch(n: number, steps: readonly ExecutionStep[], rule: ClockRule, falseHb = false): string | null {
  const ev = stampExecution(n, steps, rule, 1);
  for (let i = 0; i < ev.length; i++) {
    for (let j = i + 1; j < ev.length; j++) {
      const got = compareClocks(ev[i].clock, ev[j].clock);
      const want = causalOrder({ id: i, history: ev[i].history }, { id: j, history: ev[j].history });
      if (got !== want && (!falseHb || got === 'before' || got === 'after')) return `e${i} ${got} e${j}, truly ${want}`;
    }
  }
  return null;
}

/** Breadth-first over every execution of two processes: the length of the shortest one with a mismatch. */
function shortestMismatch(rule: ClockRule, falseHb: boolean, maxLength = 5): number | null {
  const choices: ExecutionStep[] = [
    { kind: 'local', p: 0 },
    { kind: 'local', p: 1 },
    { kind: 'send', p: 0, to: 1 },
    { kind: 'send', p: 1, to: 0 },
    { kind: 'receive', p: 0, pick: 0 },
    { kind: 'receive', p: 1, pick: 0 },
  ];
  let level: ExecutionStep[][] = [[]];
  for (let len = 1; len <= maxLength; len++) {
    level = level.flatMap((seq) => choices.map((c) => [...seq, c]));
    if (level.some((s) => mismatch(2, s, rule, falseHb) !== null)) return len;
  }
  return null;
}

describe('vector clocks over random message-passing executions', () => {
  it('stamps a send, a receive and a concurrent event as Fidge and Mattern do', () => {
    const ev = stampExecution(
      2,
      [
        { kind: 'send', p: 0, to: 1 },
        { kind: 'local', p: 1 },
        { kind: 'receive', p: 1, pick: 0 },
      ],
      'vector',
    );
    expect(ev.map((e) => e.clock)).toEqual([{ P1: 1 }, { P2: 1 }, { P1: 1, P2: 2 }]);
    expect(ev.map((e) => e.history)).toEqual([[0], [1], [0, 1, 2]]);
  });

  test.prop([executionArb], { numRuns: 500 })('order the events exactly as their causal histories do', ([n, steps]) => {
    expect(mismatch(n, steps, 'vector')).toBeNull();
  });

  it.each(['lamport', 'truncated', 'no-increment'] as const)('with the %s rule, give a wrong order that fast-check finds', (rule) => {
    const r = fc.check(
      fc.property(executionArb, ([n, steps]) => mismatch(n, steps, rule) === null),
      { numRuns: 500, seed: 3 },
    );
    expect(r.failed).toBe(true);
  });

  it('agree with causality on every execution of two processes up to 5 events', () => {
    expect(shortestMismatch('vector', false)).toBeNull();
  });

  it.each([
    // Lamport: two independent events both get L = 1 ("equal"); P1's second event (L = 2) looks after P2's first.
    ['lamport', 2, 3],
    // k = 1: the receive keeps only P1:1, equal to the send; P1's next event P1:2 then looks after the receive.
    ['truncated', 2, 3],
    // No increment on receive: the receive has the send's clock; P1's next event looks after the receive.
    ['no-increment', 2, 3],
  ] as const)('%s: the shortest wrong order has %i events, the shortest false happened-before %i', (rule, any, falseHb) => {
    expect([shortestMismatch(rule, false), shortestMismatch(rule, true)]).toEqual([any, falseHb]);
  });
});

describe('vector-clock model (Dynamo-style siblings)', () => {
  const { outcomes, outcome } = configurationOutcomes(vectorClock);
  const lengths = (name: string) => outcome(name).violations.map((v) => [v.property, v.trace.steps.length - 1]);

  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('pins the state counts', () => {
    expect(outcomes.map((o) => [o.configuration, o.distinctStates])).toEqual([
      ['two-clients', 9129],
      ['lamport-clock', 7741],
      ['truncated-clock', 9646],
      ['merge-without-increment', 5257],
      ['three-clients-random', 3355],
    ]);
  });

  it('keeps concurrent writes as siblings and reconciles them with a dominating write', () => {
    expect(outcome('two-clients').witnesses.map((w) => [w.property, w.steps.length - 1])).toEqual([
      ['siblingsKept', 2],
      ['siblingsReconciled', 5],
    ]);
  });

  it('Lamport clocks lose one of two concurrent writes at once and claim an order between them', () => {
    expect(lengths('lamport-clock')).toEqual([
      ['noLostWrite', 2],
      ['clockOrderIsCausal', 2],
    ]);
  });

  it('a clock truncated to one entry loses a write that read another, and keeps a stale sibling', () => {
    expect(lengths('truncated-clock')).toEqual([
      ['noLostWrite', 3],
      ['clockOrderIsCausal', 3],
      ['siblingsConcurrent', 3],
    ]);
    const lost = outcome('truncated-clock').violations[0].trace;
    expect(lost.steps.map((s) => s.action)).toEqual([null, 'Put(C1, R1)', 'Get(C2, R1)', 'Put(C2, R1)']);
    const s = lost.steps.at(-1)!.state as SiblingState;
    expect(s.writes.map((w) => w.clock)).toEqual([{ C1: 1 }, { C1: 1 }]);
    expect(s.siblings[0]).toEqual([0]);
  });

  it('a merge without the increment gives a client two writes with equal clocks, and the second is dropped', () => {
    expect(lengths('merge-without-increment')).toEqual([
      ['noLostWrite', 2],
      ['clockOrderIsCausal', 2],
    ]);
  });
});
