import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  ceilHalf,
  disjointQuorumPairs,
  majorityQuorum,
  majorityQuorumFigure,
  quorumCensus,
  quorumPairs,
  quorumSizes,
  type QuorumSizes,
  type QuorumState,
} from '../../models/replication/majority-quorum';
import {
  burnsideOrbits,
  configurationOutcomes,
  exploreModel,
  noShorterViolation,
  permuteIds,
  reachableStates,
} from '../../src/run/testing';
import { stateKeyOf } from '../../src/model/model';
import { run } from '../../src/run/run';
import { replayTrace } from '../../src/trace/trace-file';

const { outcomes, outcome } = configurationOutcomes(majorityQuorum);
const actions = (name: string, property = 'quorumsIntersect') =>
  outcome(name)
    .violations.find((v) => v.property === property)!
    .trace.steps.slice(1)
    .map((s) => s.action ?? '');

describe('majority-quorum: configurations', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('pins distinct states and results', () => {
    expect(Object.fromEntries(outcomes.map((o) => [o.configuration, [o.distinctStates, o.result]]))).toEqual({
      'n3-crash1': [117, 'pass'],
      n4: [72, 'pass'],
      n9: [1784, 'pass'],
      'n5-crash2': [3380, 'pass'],
      'n5-crash3': [7037, 'violation'],
      'n4-crash1': [486, 'pass'],
      'n4-crash2': [1332, 'violation'],
      'flex-n9-q2-3': [1002, 'pass'],
      'flex-n5-q2-2-crash3': [5197, 'violation'],
      'n4-half': [29, 'violation'],
      'n8-half': [515, 'violation'],
      'flex-n5-q2-2-sum-n': [57, 'violation'],
      'n101-random': [18701, 'pass'],
      'flex-n101-q2-20-random': [6255, 'pass'],
    });
  });

  it('finds the shortest pair of disjoint quorums under ⌊N/2⌋: two halves of four nodes, in 4 steps', () => {
    expect(actions('n4-half')).toEqual(['Accept(n1)', 'Accept(n2)', 'Promise(n3)', 'Promise(n4)']);
    expect(noShorterViolation(majorityQuorum, 'half-quorum', { n: 4 }, 'quorumsIntersect', 4)).toBe(true);
  });

  it.each([
    ['n8-half', 'half-quorum', { n: 8 }, 8],
    ['flex-n5-q2-2-sum-n', 'flexible-sum-n', { n: 5, q2: 2 }, 5],
  ] as const)('catches %s with a shortest trace of %#', (config, variant, params, steps) => {
    expect(actions(config)).toHaveLength(steps);
    expect(actions(config).every((a) => !a.includes('Overlap'))).toBe(true);
    expect(noShorterViolation(majorityQuorum, variant, params, 'quorumsIntersect', steps)).toBe(true);
  });

  it('with Q1 + Q2 = N, L2 completes phase 1 on the three nodes that did not accept: it never sees the chosen value', () => {
    expect(actions('flex-n5-q2-2-sum-n')).toEqual(['Accept(n1)', 'Accept(n2)', 'Promise(n3)', 'Promise(n4)', 'Promise(n5)']);
  });

  it('loses availability one crash beyond N − Q: the run ends with no quorum and nothing left to do', () => {
    // N − Q1 + 1 crashes: 3 for N = 5, Q = 3; 2 for N = 4, Q = 3; 2 for N = 5, Q1 = 4 (flexible, Q2 = 2).
    for (const [config, steps, crashes] of [
      ['n5-crash3', 7, 3],
      ['n4-crash2', 6, 2],
      ['flex-n5-q2-2-crash3', 7, 2],
    ] as const) {
      const v = outcome(config).violations.find((x) => x.property === 'phase1QuorumForms')!;
      expect(v.trace.steps.length - 1, config).toBe(steps);
      expect(v.trace.steps.slice(1).filter((s) => s.action?.startsWith('Crash')).length, config).toBe(crashes);
    }
  });

  it('Flexible Paxos: with Q2 = 2 of 5, replication survives three crashes that stop leader election', () => {
    const o = outcome('flex-n5-q2-2-crash3');
    expect(o.violations.map((v) => v.property)).toEqual(['phase1QuorumForms']);
    expect(
      outcome('n5-crash3')
        .violations.map((v) => v.property)
        .sort(),
    ).toEqual(['phase1QuorumForms', 'phase2QuorumForms']);
  });

  it('reaches the tight case: both quorums complete sharing only Q1 + Q2 − N nodes', () => {
    for (const name of ['n3-crash1', 'n9', 'flex-n9-q2-3', 'n5-crash2'])
      expect(
        outcome(name).witnesses.map((w) => w.property),
        name,
      ).toContain('minimalOverlap');
  });

  it('replays every counterexample', () => {
    for (const o of outcomes)
      for (const v of o.violations) expect(replayTrace(v.trace, majorityQuorum).reproduced, `${o.configuration} ${v.property}`).toBe(true);
  });
});

describe('majority-quorum: the symmetry reduction keeps every verdict and every shortest trace', () => {
  it.each([
    ['correct', { n: 5 }],
    ['correct', { n: 6 }],
    ['correct', { n: 4, crashes: 2 }],
    ['correct', { n: 4, q2: 1, crashes: 3 }],
    ['half-quorum', { n: 6 }],
    ['half-quorum', { n: 5 }],
    ['flexible-sum-n', { n: 5, q2: 2 }],
  ] as const)('%s %o: same violations and witness lengths as the full machine, on fewer states', (variant, params) => {
    const summary = (symmetry: boolean) => {
      const o = run({ model: majorityQuorum, variant, params: { ...params, symmetry } });
      return {
        states: o.distinctStates,
        violations: o.violations.map((v) => [v.property, v.trace.steps.length]),
        witnesses: o.witnesses.map((w) => [w.property, w.steps.length]),
      };
    };
    const reduced = summary(true);
    const full = summary(false);
    expect(reduced.violations).toEqual(full.violations);
    expect(reduced.witnesses).toEqual(full.witnesses);
    expect(reduced.states).toBeLessThan(full.states);
  });
});

describe('majority-quorum: orbit reduction by the engine of the full machine (symmetricIds)', () => {
  it.each([
    ['correct', { n: 4 }, 26],
    ['half-quorum', { n: 4 }, 14],
    ['correct', { n: 3, crashes: 1 }, 42],
  ] as const)('%s %o: as many orbits as Burnside counts, and the same verdicts as the full machine', (variant, params, orbits) => {
    const full = run({ model: majorityQuorum, variant, params: { ...params, symmetry: false } });
    const reduced = run({ model: majorityQuorum, variant, params: { ...params, symmetry: false }, symmetry: true });
    expect(reduced.distinctStates).toBe(orbits);
    expect(reduced.violations.map((v) => [v.property, v.trace.steps.length])).toEqual(
      full.violations.map((v) => [v.property, v.trace.steps.length]),
    );
    const m = majorityQuorum.machine({ n: params.n, q2: 0, crashes: 'crashes' in params ? params.crashes : 0, symmetry: false }, variant);
    expect(burnsideOrbits(reachableStates(m), params.n, permuteIds<QuorumState>(m.symmetricIds!), stateKeyOf(m))).toBe(orbits);
  });
});

describe('majority-quorum: availability, f crashes against N − Q, exhaustively for N ≤ 4', () => {
  it('both quorums form in every fair run exactly when f ≤ N − max(Q1, Q2)', () => {
    for (let n = 1; n <= 4; n++)
      for (let q2 = 0; q2 <= n; q2++)
        for (let crashes = 0; crashes <= n; crashes++) {
          const { q1, q2: q } = quorumSizes(n, q2, 'correct');
          const o = run({ model: majorityQuorum, variant: 'correct', params: { n, q2, crashes } });
          const violated = o.violations.map((v) => v.property);
          const where = `n=${n} q2=${q2} crashes=${crashes}`;
          expect(violated.includes('quorumsIntersect'), where).toBe(false);
          expect(violated.includes('phase1QuorumForms'), where).toBe(crashes > n - q1);
          expect(violated.includes('phase2QuorumForms'), where).toBe(crashes > n - q);
        }
  });
});

describe('majority-quorum: every pair of quorums and every crash set, enumerated for N ≤ 9', () => {
  const sizesFor = (n: number): [string, QuorumSizes][] => [
    ['majority', quorumSizes(n, 0, 'correct')],
    ['⌊N/2⌋', quorumSizes(n, 0, 'half-quorum')],
    ['⌈N/2⌉', ceilHalf(n)],
    ...Array.from({ length: n }, (_, i): [string, QuorumSizes] => [`flexible q2=${i + 1}`, quorumSizes(n, i + 1, 'correct')]),
    ...Array.from({ length: n - 1 }, (_, i): [string, QuorumSizes] => [`sum-n q2=${i + 1}`, quorumSizes(n, i + 1, 'flexible-sum-n')]),
  ];

  it('quorums intersect exactly when Q1 + Q2 > N, and survive exactly N − max(Q1, Q2) crashes', () => {
    let rules = 0;
    for (let n = 1; n <= 9; n++)
      for (const [rule, s] of sizesFor(n)) {
        const c = quorumCensus(n, s);
        const where = `N=${n} ${rule}`;
        expect(c.disjointPairs === 0, where).toBe(s.q1 + s.q2 > n);
        expect(c.toleratedFailures, where).toBe(Math.min(n, n - Math.max(s.q1, s.q2)));
        expect(c.toleratedFailuresPhase2, where).toBe(Math.min(n, n - s.q2));
        expect(BigInt(c.disjointPairs), where).toBe(disjointQuorumPairs(n, s));
        expect(BigInt(c.pairs), where).toBe(quorumPairs(n, s));
        rules++;
      }
    expect(rules).toBe(3 * 9 + 45 + 36);
  });

  it('pins the counts: N = 9 has 65,536 pairs of majorities, none disjoint; ⌊9/2⌋ = 4 gives 882 disjoint pairs of 145,924', () => {
    expect(quorumCensus(9, quorumSizes(9, 0, 'correct'))).toMatchObject({ phase1Quorums: 256, pairs: 65_536, disjointPairs: 0 });
    expect(quorumCensus(9, quorumSizes(9, 0, 'half-quorum'))).toMatchObject({ pairs: 145_924, disjointPairs: 882 });
    expect(quorumCensus(4, quorumSizes(4, 0, 'half-quorum'))).toMatchObject({
      disjointPairs: 6,
      firstDisjoint: [
        [0, 1],
        [2, 3],
      ],
    });
    // N = 101, Q = 50: |A| = 50 leaves 51 nodes, so |B| is 50 (51 ways) or 51 (1 way); |A| = 51 leaves B = the other 50.
    // 52·C(101, 50) + C(101, 51) = 53·C(101, 50).
    let c101_50 = 1n;
    for (let k = 1n; k <= 50n; k++) c101_50 = (c101_50 * (51n + k)) / k;
    expect(disjointQuorumPairs(101, quorumSizes(101, 0, 'half-quorum'))).toBe(53n * c101_50);
  });
});

describe('majority-quorum: fast-check up to N = 101', () => {
  /** Random minimal quorums: A of exactly Q1 nodes; B of exactly Q2, either random or built to avoid A as long as it can. */
  const scopeOf = (variant: string): fc.Arbitrary<[number, number]> =>
    variant === 'half-quorum'
      ? fc.integer({ min: 2, max: 101 }).map((n): [number, number] => [n, 0])
      : variant === 'flexible-sum-n'
        ? fc.integer({ min: 2, max: 101 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n - 1 })))
        : fc.integer({ min: 1, max: 101 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n })));
  const quorumPair = (variant: string) =>
    scopeOf(variant)
      .chain(([n, q2]) => {
        const s = quorumSizes(n, q2, variant);
        const nodes = Array.from({ length: n }, (_, i) => i);
        return fc.tuple(
          fc.constant(n),
          fc.constant(s),
          fc.shuffledSubarray(nodes, { minLength: s.q1, maxLength: s.q1 }),
          fc.shuffledSubarray(nodes, { minLength: n, maxLength: n }),
          fc.boolean(),
        );
      })
      .map(([n, s, a, order, avoid]) => {
        const inA = new Set(a);
        const pool = avoid ? [...order.filter((i) => !inA.has(i)), ...order.filter((i) => inA.has(i))] : order;
        return { n, sizes: s, a, b: pool.slice(0, s.q2) };
      });
  const meets = (p: { n: number; a: number[]; b: number[] }): boolean => p.b.some((i) => p.a.includes(i));

  test.prop([quorumPair('correct')], { numRuns: 300 })('majority and flexible quorums always intersect', (p) => {
    expect(meets(p)).toBe(true);
  });

  it.each(['half-quorum', 'flexible-sum-n'])('finds disjoint quorums under %s and shrinks them to N = 2', (variant) => {
    const r = fc.check(fc.property(quorumPair(variant), meets), { seed: 7, numRuns: 300 });
    expect(r.failed).toBe(true);
    const p = r.counterexample![0];
    expect(p.n).toBe(2);
    expect(p.a.length + p.b.length).toBeLessThanOrEqual(2);
  });

  test.prop([fc.integer({ min: 1, max: 101 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n })))], { numRuns: 100 })(
    'exact count: no disjoint pair when Q1 + Q2 > N, some when Q1 + Q2 = N',
    ([n, q2]) => {
      expect(disjointQuorumPairs(n, quorumSizes(n, q2, 'correct'))).toBe(0n);
      if (q2 > 0 && q2 < n) expect(disjointQuorumPairs(n, quorumSizes(n, q2, 'flexible-sum-n')) > 0n).toBe(true);
    },
  );

  /** Runs the machine to its end, every step picked by `choices`; crashes first when `crashFirst`. */
  const runToEnd = (n: number, q2: number, crashes: number, choices: number[], crashFirst: boolean): QuorumState => {
    const m = majorityQuorum.machine({ n, q2, crashes, symmetry: true }, 'correct');
    let s = m.init[0];
    for (let k = 0; ; k++) {
      let enabled = m.actions(s);
      if (crashFirst && s.faults.budget.crashes > 0) enabled = enabled.filter((a) => a.name === 'Crash');
      if (enabled.length === 0) return s;
      s = m.next(s, enabled[choices[k % choices.length] % enabled.length]);
    }
  };
  const formed = (s: QuorumState, sizes: QuorumSizes): boolean => s.accepted.size >= sizes.q2 && s.promised.size >= sizes.q1;
  const scope = fc
    .integer({ min: 1, max: 101 })
    .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }), fc.array(fc.nat(), { minLength: 1, maxLength: 30 })));

  test.prop([scope, fc.nat()], { numRuns: 60 })(
    'with f ≤ N − max(Q1, Q2) crashes anywhere in the run, both quorums form',
    ([n, q2, choices], f) => {
      const sizes = quorumSizes(n, q2, 'correct');
      const crashes = f % (n - Math.max(sizes.q1, sizes.q2) + 1);
      expect(formed(runToEnd(n, q2, crashes, choices, false), sizes)).toBe(true);
    },
  );

  test.prop([scope], { numRuns: 60 })('with one crash more, taken first, phase 1 never completes', ([n, q2, choices]) => {
    const sizes = quorumSizes(n, q2, 'correct');
    const s = runToEnd(n, q2, n - sizes.q1 + 1, choices, true);
    expect(s.promised.size).toBeLessThan(sizes.q1);
  });
});

describe('majority-quorum: the figure', () => {
  it('renders the same text twice and shows each rule with its verdict', () => {
    const text = majorityQuorumFigure.render();
    expect(majorityQuorumFigure.render()).toBe(text);
    expect(text).toContain('| 4 | majority ⌊N/2⌋+1 | 3 | 3 | 25 | 0 | yes | 1 | 1 |');
    expect(text).toContain('| 4 | ⌊N/2⌋ (bug) | 2 | 2 | 121 | 6 | no | 2 | 2 |');
    expect(text).toContain('| 9 | flexible Q1 = N − Q2 + 1 | 7 | 3 | 21,436 | 0 | yes | 2 | 6 |');
  });

  it('the exploration agrees with the census on the smallest disjoint pair', () => {
    const r = exploreModel(majorityQuorum, 'half-quorum', { n: 4 });
    expect(r.violations.map((v) => v.property)).toEqual(['quorumsIntersect']);
    expect(quorumCensus(4, quorumSizes(4, 0, 'half-quorum')).firstDisjoint).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });
});
