// Majority and flexible quorums: every phase-1 quorum meets every phase-2 quorum, and a quorum stays alive
// while at most N − Q nodes are down.
// Source: the seed's 副本 and Quorum sections ("commonly N/2 + 1"); Gifford, "Weighted Voting for Replicated
// Data" (SOSP 1979); Howard, Malkhi and Spiegelman, "Flexible Paxos: Quorum intersection revisited" (2016):
// Paxos needs only that phase-1 (leader election) and phase-2 (replication) quorums intersect, Q1 + Q2 > N.
// Scope: two leaders gather quorums over N nodes one node at a time while nodes crash (crash-stop). L1 gathers
// a phase-2 quorum of Q2 acceptances (its value is chosen), L2 a phase-1 quorum of Q1 promises; L2 learns the
// chosen value only through a node in both. A majority system is the case Q1 = Q2 = ⌊N/2⌋ + 1.
// Symmetry: nodes are interchangeable, so by default a step offers only the lowest-numbered node of each
// class of interchangeable up nodes (same membership in both quorums). Every run is a renaming of a run the
// reduced machine has, of the same length, so verdicts and shortest traces are kept (a test checks this
// against the full machine, `symmetry=false`). The engine's `symmetricIds` cannot take this over with the same
// counts: it counts orbits (n4: 26, against 72 states here) and only in breadth-first runs, while this filter also
// narrows random walks over 101 nodes. The machine still declares its nodes symmetric, so `symmetry=false` with
// --symmetry gives the orbits (a test checks them against Burnside's lemma). Alongside the machine, `quorumCensus`
// enumerates every pair of quorums and every crash set for N ≤ 16, and `disjointQuorumPairs` counts disjoint
// pairs exactly for any N.
import { budgetOf, faultParams, initialFaults, isUp, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState } from '../../src/model/faults';
import { defineModel, type Figure, type Machine, type Property, type Variant } from '../../src/model/model';
import { setAdd } from '../../src/model/plain';
import { fail } from '../../src/shared/errors';

export interface QuorumSizes {
  /** Phase-1 (leader election, read) quorum size. */
  readonly q1: number;
  /** Phase-2 (replication, write) quorum size. */
  readonly q2: number;
}

export const majority = (n: number): number => Math.floor(n / 2) + 1;

/**
 * The quorum sizes a variant uses for N nodes. `flexibleQ2` = 0 asks for majorities; otherwise it is the
 * phase-2 size and the correct phase-1 size is the smallest that meets it, N − Q2 + 1.
 */
export function quorumSizes(n: number, flexibleQ2: number, variant: string): QuorumSizes {
  if (flexibleQ2 > n) fail(`parameter q2 of majority-quorum must be at most n=${n}, got ${flexibleQ2}`);
  switch (variant) {
    case 'half-quorum':
      if (flexibleQ2 !== 0) fail('variant half-quorum of majority-quorum takes q2=0 (it is a majority-style rule)');
      return { q1: Math.floor(n / 2), q2: Math.floor(n / 2) };
    case 'flexible-sum-n': {
      const q2 = flexibleQ2 || majority(n);
      return { q1: n - q2, q2 };
    }
    default:
      return flexibleQ2 === 0 ? { q1: majority(n), q2: majority(n) } : { q1: n - flexibleQ2 + 1, q2: flexibleQ2 };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Exhaustive enumeration (small N) and exact counting (any N).

const popcount = (x: number): number => {
  let c = 0;
  for (let v = x; v; v &= v - 1) c++;
  return c;
};

export interface QuorumCensus extends QuorumSizes {
  readonly n: number;
  /** Node sets of size ≥ Q1, and of size ≥ Q2. */
  readonly phase1Quorums: number;
  readonly phase2Quorums: number;
  /** (phase-1 quorum, phase-2 quorum) pairs examined, and those with no node in common. */
  readonly pairs: number;
  readonly disjointPairs: number;
  /** The smallest disjoint pair found (as node indices), if any. */
  readonly firstDisjoint?: readonly [readonly number[], readonly number[]];
  /** Crash sets examined (all 2^N). */
  readonly crashSets: number;
  /** The largest f such that after any f crashes some phase-1 and some phase-2 quorum are wholly alive (-1: never). */
  readonly toleratedFailures: number;
  /** The same for phase-2 quorums alone (replication with a stable leader). */
  readonly toleratedFailuresPhase2: number;
}

const members = (mask: number, n: number): number[] => Array.from({ length: n }, (_, i) => i).filter((i) => mask & (1 << i));

/** Tries every pair of node sets and every crash set of N ≤ 16 nodes: no arithmetic shortcut is trusted. */
export function quorumCensus(n: number, sizes: QuorumSizes): QuorumCensus {
  if (n > 16) throw new Error(`quorumCensus enumerates 4^N pairs; N=${n} is too large`);
  const all = 1 << n;
  const q1Sets: number[] = [];
  const q2Sets: number[] = [];
  for (let m = 0; m < all; m++) {
    const c = popcount(m);
    if (c >= sizes.q1) q1Sets.push(m);
    if (c >= sizes.q2) q2Sets.push(m);
  }
  let disjoint = 0;
  let first: [number, number] | undefined;
  for (const a of q1Sets)
    for (const b of q2Sets)
      if ((a & b) === 0) {
        disjoint++;
        if (!first || popcount(a) + popcount(b) < popcount(first[0]) + popcount(first[1])) first = [a, b];
      }
  // tolerated[f]: after every crash set of size f, some quorum avoids it.
  const survives = (quorums: number[], down: number): boolean => quorums.some((q) => (q & down) === 0);
  const worst1 = new Array<boolean>(n + 1).fill(true);
  const worst2 = new Array<boolean>(n + 1).fill(true);
  for (let down = 0; down < all; down++) {
    const f = popcount(down);
    const s2 = survives(q2Sets, down);
    if (!(s2 && survives(q1Sets, down))) worst1[f] = false;
    if (!s2) worst2[f] = false;
  }
  const tolerated = (ok: boolean[]): number => {
    let f = -1;
    while (f + 1 <= n && ok[f + 1]) f++;
    return f;
  };
  return {
    n,
    ...sizes,
    phase1Quorums: q1Sets.length,
    phase2Quorums: q2Sets.length,
    pairs: q1Sets.length * q2Sets.length,
    disjointPairs: disjoint,
    ...(first ? { firstDisjoint: [members(first[0], n), members(first[1], n)] as const } : {}),
    crashSets: all,
    toleratedFailures: tolerated(worst1),
    toleratedFailuresPhase2: tolerated(worst2),
  };
}

function binomials(n: number): bigint[][] {
  const c: bigint[][] = [];
  for (let i = 0; i <= n; i++) {
    c.push(new Array<bigint>(i + 1).fill(1n));
    for (let j = 1; j < i; j++) c[i][j] = c[i - 1][j - 1] + c[i - 1][j];
  }
  return c;
}

/** Exactly: Σ over |A| = a ≥ Q1, |B| = b ≥ Q2 of C(N, a)·C(N − a, b), the pairs of quorums with no common node. */
export function disjointQuorumPairs(n: number, sizes: QuorumSizes): bigint {
  const c = binomials(n);
  let total = 0n;
  for (let a = Math.max(0, sizes.q1); a <= n; a++) for (let b = Math.max(0, sizes.q2); b <= n - a; b++) total += c[n][a] * c[n - a][b];
  return total;
}

/** Exactly: the number of (phase-1 quorum, phase-2 quorum) pairs. */
export function quorumPairs(n: number, sizes: QuorumSizes): bigint {
  const c = binomials(n);
  const atLeast = (q: number): bigint => c[n].slice(Math.max(0, q)).reduce((x, y) => x + y, 0n);
  return atLeast(sizes.q1) * atLeast(sizes.q2);
}

// ---------------------------------------------------------------------------------------------------------
// The state machine.

export interface QuorumState {
  /** The nodes that have accepted L1's value (the phase-2 quorum L1 gathers). */
  readonly accepted: ReadonlySet<string>;
  /** The nodes that have promised L2 (the phase-1 quorum L2 gathers). */
  readonly promised: ReadonlySet<string>;
  readonly faults: FaultState;
}

/** Accept/Promise: a node outside the other quorum joins; the Overlap forms: a node in the other quorum joins too. */
type JoinName = 'Accept' | 'AcceptOverlap' | 'Promise' | 'PromiseOverlap';
type ProtocolAction = { readonly name: JoinName; readonly node: number };
export type QuorumAction = ProtocolAction | FaultAction;

const variants: readonly Variant[] = [
  {
    name: 'correct',
    description: 'Majorities, Q1 = Q2 = ⌊N/2⌋ + 1; or, with q2 > 0, flexible quorums with Q1 = N − Q2 + 1.',
  },
  {
    name: 'half-quorum',
    description: 'A quorum is ⌊N/2⌋ nodes (N/2 in integer division): two halves of an even cluster are both quorums.',
    breaks: 'quorumsIntersect',
  },
  {
    name: 'flexible-sum-n',
    description: 'Flexible quorums with Q1 + Q2 = N instead of Q1 + Q2 > N: a phase-1 quorum can miss the chosen value.',
    breaks: 'quorumsIntersect',
  },
];

const nodeName = (i: number): string => `n${i + 1}`;

/** Nodes in both quorums. */
export const overlap = (s: QuorumState): number => [...s.accepted].filter((x) => s.promised.has(x)).length;

function quorumMachine(n: number, sizes: QuorumSizes, symmetry: boolean, budget: FaultBudget): Machine<QuorumState, QuorumAction> {
  const ids = Array.from({ length: n }, (_, i) => i);
  const names = ids.map(nodeName);
  const { q1, q2 } = sizes;
  const phase2 = (s: QuorumState): boolean => s.accepted.size >= q2;
  const phase1 = (s: QuorumState): boolean => s.promised.size >= q1;
  const both = (s: QuorumState): boolean => phase1(s) && phase2(s);

  /** Up nodes that may join a quorum; with symmetry, only the first of each class (in the other quorum or not). */
  const joins = (s: QuorumState, phase: 'Accept' | 'Promise'): ProtocolAction[] => {
    const [mine, other] = phase === 'Accept' ? [s.accepted, s.promised] : [s.promised, s.accepted];
    const out: ProtocolAction[] = [];
    const seen = [false, false];
    for (const i of ids) {
      if (mine.has(names[i]) || !isUp(s.faults, names[i])) continue;
      const shared = Number(other.has(names[i]));
      if (symmetry && seen[shared]) continue;
      seen[shared] = true;
      out.push({ name: shared ? `${phase}Overlap` : phase, node: i });
    }
    return out;
  };

  const actions = (s: QuorumState): ProtocolAction[] => [
    ...(phase2(s) ? [] : joins(s, 'Accept')),
    ...(phase1(s) ? [] : joins(s, 'Promise')),
  ];

  const next = (s: QuorumState, a: ProtocolAction): QuorumState =>
    a.name.startsWith('Accept')
      ? { ...s, accepted: setAdd(s.accepted, names[a.node]) }
      : { ...s, promised: setAdd(s.promised, names[a.node]) };

  const minimal = Math.max(0, q1 + q2 - n);
  const properties: Property<QuorumState, QuorumAction>[] = [
    {
      kind: 'always',
      name: 'quorumsIntersect',
      description: "Once both quorums are complete, some node is in both (so L2's phase 1 learns L1's chosen value).",
      holds: (s) => !both(s) || overlap(s) > 0,
    },
    {
      kind: 'eventually',
      name: 'phase2QuorumForms',
      description: 'L1 eventually gathers a phase-2 quorum (needs Q2 live nodes).',
      holds: phase2,
    },
    {
      kind: 'eventually',
      name: 'phase1QuorumForms',
      description: 'L2 eventually gathers a phase-1 quorum (needs Q1 live nodes).',
      holds: phase1,
    },
    { kind: 'sometimes', name: 'bothQuorums', description: 'Both quorums are complete.', holds: both },
    {
      kind: 'sometimes',
      name: 'minimalOverlap',
      description: `Both quorums are complete and share only Q1 + Q2 − N = ${minimal} node(s), the least the sizes allow.`,
      holds: (s) => both(s) && overlap(s) === minimal,
    },
  ];
  if (budget.crashes > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'quorumsAfterCrashes',
      description: 'Every crash of the budget happened and both quorums are complete among live nodes only.',
      holds: (s) => s.faults.budget.crashes === 0 && both(s) && s.faults.down.every((d) => !s.accepted.has(d) && !s.promised.has(d)),
    });
  }

  const setOf = (xs: ReadonlySet<string>): string => `{${names.filter((x) => xs.has(x)).join(',')}}`;
  return withFaults(
    budget,
    { nodes: names, crashable: names, restart: false },
    {
      init: [{ accepted: new Set(), promised: new Set(), faults: initialFaults(budget) }],
      actions,
      next,
      properties,
      symmetricIds: names,
      actionNames: ['Accept', 'AcceptOverlap', 'Promise', 'PromiseOverlap'],
      formatAction: (a) => `${a.name}(${names[a.node]})`,
      actors: ['L1', ...names, 'L2'],
      fairness: 'Weak fairness on every Accept and Promise step; none on crashes (crash-stop, nodes never restart).',
      view: (from, a) => [
        a.name.startsWith('Accept')
          ? { type: 'message', from: names[a.node], to: 'L1', label: 'accepted' }
          : {
              type: 'message',
              from: names[a.node],
              to: 'L2',
              label: from.accepted.has(names[a.node]) ? "promise (with L1's value)" : 'promise',
            },
      ],
      display: (s) => ({
        [`phase-2 quorum of L1 (Q2 = ${q2})`]: setOf(s.accepted),
        [`phase-1 quorum of L2 (Q1 = ${q1})`]: setOf(s.promised),
        inBoth: setOf(new Set([...s.accepted].filter((x) => s.promised.has(x)))),
        down: `{${s.faults.down.join(',')}}`,
      }),
    },
  );
}

export const majorityQuorum = defineModel({
  id: 'majority-quorum',
  title: 'Majority and flexible quorums: intersection and availability',
  source:
    'The seed\'s 副本 and Quorum sections; Gifford, "Weighted Voting for Replicated Data" (SOSP 1979); Howard, Malkhi, Spiegelman, "Flexible Paxos" (2016)',
  scope:
    'Two leaders gather a phase-2 and a phase-1 quorum one node at a time while nodes crash: the quorums always intersect, and both form exactly when at most N − max(Q1, Q2) nodes crash.',
  params: {
    n: { type: 'int', default: 5, min: 1, max: 101, description: 'number of nodes' },
    q2: {
      type: 'int',
      default: 0,
      min: 0,
      max: 101,
      description: 'phase-2 quorum size of a flexible system (Q1 = N − Q2 + 1); 0 for majorities',
    },
    symmetry: { type: 'boolean', default: true, description: 'offer one node per class of interchangeable nodes' },
    ...faultParams({ crashes: { max: 101, description: 'at most this many node crashes (crash-stop)' } }),
  },
  variants,
  configurations: [
    { name: 'n3-crash1', description: 'N = 3, Q = 2, one crash anywhere.', variant: 'correct', params: { n: 3, crashes: 1 } },
    { name: 'n4', variant: 'correct', params: { n: 4 } },
    { name: 'n9', variant: 'correct', params: { n: 9 } },
    {
      name: 'n5-crash2',
      description: 'N = 5, Q = 3: with 2 = N − Q crashes anywhere, both quorums still form.',
      variant: 'correct',
      params: { n: 5, crashes: 2 },
    },
    {
      name: 'n5-crash3',
      description: 'N = 5, Q = 3: a third crash leaves two live nodes, and no quorum ever forms.',
      variant: 'correct',
      params: { n: 5, crashes: 3 },
      expect: { violates: 'phase1QuorumForms', holds: ['quorumsIntersect'] },
    },
    {
      name: 'n4-crash1',
      description: 'N = 4, Q = 3: an even cluster tolerates one crash, no more than N = 3.',
      variant: 'correct',
      params: { n: 4, crashes: 1 },
    },
    {
      name: 'n4-crash2',
      description: 'N = 4, Q = 3: two crashes leave two live nodes, one short of a quorum.',
      variant: 'correct',
      params: { n: 4, crashes: 2 },
      expect: { violates: 'phase1QuorumForms', holds: ['quorumsIntersect'] },
    },
    {
      name: 'flex-n9-q2-3',
      description: 'Flexible Paxos: N = 9, Q2 = 3, Q1 = 7; every phase-1 quorum meets every phase-2 quorum.',
      variant: 'correct',
      params: { n: 9, q2: 3 },
    },
    {
      name: 'flex-n5-q2-2-crash3',
      description:
        'Flexible Paxos: N = 5, Q2 = 2, Q1 = 4. After 3 crashes replication still gathers its phase-2 quorum, but no new leader can win phase 1.',
      variant: 'correct',
      params: { n: 5, q2: 2, crashes: 3 },
      expect: { violates: 'phase1QuorumForms', holds: ['quorumsIntersect', 'phase2QuorumForms'] },
    },
    { name: 'n4-half', variant: 'half-quorum', params: { n: 4 } },
    { name: 'n8-half', variant: 'half-quorum', params: { n: 8 } },
    { name: 'flex-n5-q2-2-sum-n', variant: 'flexible-sum-n', params: { n: 5, q2: 2 } },
    {
      name: 'n101-random',
      description: 'N = 101, Q = 51, with up to 3 crashes: random walks of up to 200 steps.',
      variant: 'correct',
      params: { n: 101, crashes: 3 },
      strategy: 'random',
      seed: 1,
      runs: 300,
      walkLength: 200,
    },
    {
      name: 'flex-n101-q2-20-random',
      description: 'Flexible Paxos: N = 101, Q2 = 20, Q1 = 82: random walks of up to 200 steps.',
      variant: 'correct',
      params: { n: 101, q2: 20 },
      strategy: 'random',
      seed: 1,
      runs: 100,
      walkLength: 200,
    },
  ],
  machine: (params, variant) => quorumMachine(params.n, quorumSizes(params.n, params.q2, variant), params.symmetry, budgetOf(params)),
});

// ---------------------------------------------------------------------------------------------------------
// The figure: quorum sizes, failures tolerated and intersection, every cell from an enumeration.

/** `votes >= N/2` with exact division: a majority for odd N, ⌊N/2⌋ for even N. */
export const ceilHalf = (n: number): QuorumSizes => ({ q1: Math.ceil(n / 2), q2: Math.ceil(n / 2) });

export const FIGURE_NS = [1, 2, 3, 4, 5, 6, 7, 8, 9];
export const FLEXIBLE_N = 9;
export const LARGE_NS = [11, 21, 51, 101];

/** Exact below 10^15, else three significant digits: 1.61 × 10^60. */
export function bigCount(x: bigint): string {
  const digits = x.toString();
  if (digits.length <= 15) return Number(x).toLocaleString('en-US');
  return `${digits[0]}.${digits.slice(1, 3)} × 10^${digits.length - 1}`;
}

const censusRow = (c: QuorumCensus, rule: string): string =>
  `| ${c.n} | ${rule} | ${c.q1} | ${c.q2} | ${c.pairs.toLocaleString('en-US')} | ${c.disjointPairs.toLocaleString('en-US')} | ${
    c.disjointPairs === 0 ? 'yes' : 'no'
  } | ${c.toleratedFailures < 0 ? '—' : c.toleratedFailures} | ${c.toleratedFailuresPhase2 < 0 ? '—' : c.toleratedFailuresPhase2} |`;

export const majorityQuorumFigure: Figure = {
  id: 'majority-quorum-sizes',
  title: 'Quorum sizes: failures tolerated and whether quorums intersect',
  render: () => {
    const header = [
      '| N | rule | Q1 | Q2 | quorum pairs tried | disjoint pairs | intersect | failures tolerated | phase 2 alone |',
      '|---:|---|---:|---:|---:|---:|---|---:|---:|',
    ];
    // A quorum of 0 nodes (⌊1/2⌋) is no rule at all, so N = 1 shows only the majority.
    const majorities = FIGURE_NS.flatMap((n) => [
      censusRow(quorumCensus(n, quorumSizes(n, 0, 'correct')), 'majority ⌊N/2⌋+1'),
      ...(n >= 2 ? [censusRow(quorumCensus(n, quorumSizes(n, 0, 'half-quorum')), '⌊N/2⌋ (bug)')] : []),
      ...(n % 2 === 1 && n >= 3 ? [censusRow(quorumCensus(n, ceilHalf(n)), '⌈N/2⌉ (`votes >= N/2`)')] : []),
    ]);
    const flexible = Array.from({ length: FLEXIBLE_N }, (_, i) => i + 1).flatMap((q2) => [
      censusRow(quorumCensus(FLEXIBLE_N, quorumSizes(FLEXIBLE_N, q2, 'correct')), 'flexible Q1 = N − Q2 + 1'),
      ...(q2 < FLEXIBLE_N ? [censusRow(quorumCensus(FLEXIBLE_N, quorumSizes(FLEXIBLE_N, q2, 'flexible-sum-n')), 'Q1 + Q2 = N (bug)')] : []),
    ]);
    const large = LARGE_NS.flatMap((n) =>
      [
        ['majority ⌊N/2⌋+1', quorumSizes(n, 0, 'correct')],
        ['⌊N/2⌋ (bug)', quorumSizes(n, 0, 'half-quorum')],
      ].map(([rule, sizes]) => {
        const s = sizes as QuorumSizes;
        const d = disjointQuorumPairs(n, s);
        return `| ${n} | ${rule as string} | ${s.q1} | ${s.q2} | ${bigCount(quorumPairs(n, s))} | ${bigCount(d)} | ${d === 0n ? 'yes' : 'no'} |`;
      }),
    );
    return [
      '# Quorum sizes (`majority-quorum`)',
      '',
      "Source: the seed's Quorum section (a majority, commonly N/2 + 1) and Flexible Paxos (Howard et al., 2016), where",
      'only phase-1 (leader election) and phase-2 (replication) quorums need to meet: Q1 + Q2 > N.',
      '',
      'Every cell of the first two tables comes from an enumeration: all 2^N × 2^N pairs of node sets (a set of at',
      'least Q1 nodes is a phase-1 quorum, of at least Q2 a phase-2 quorum), and all 2^N crash sets. "Failures',
      'tolerated" is the largest f such that after any f crashes some phase-1 and some phase-2 quorum are wholly',
      'alive (— when even no crash leaves one); "phase 2 alone" is the same for replication under a stable leader.',
      '',
      '## Majorities and the ⌊N/2⌋ rule, N = 1 to 9',
      '',
      ...header,
      ...majorities,
      '',
      '⌊N/2⌋ gives disjoint quorums for every N ≥ 2, odd N included (2⌊N/2⌋ ≤ N). The bug as usually written,',
      '`votes >= N/2` with exact division, is ⌈N/2⌉: a majority for odd N (rows above), ⌊N/2⌋ for even N.',
      '',
      `## Flexible quorums, N = ${FLEXIBLE_N}`,
      '',
      ...header,
      ...flexible,
      '',
      'Small phase-2 quorums make replication tolerate more crashes and leader election fewer; the pair always',
      'tolerates N − max(Q1, Q2). Q1 + Q2 = N always leaves disjoint pairs.',
      '',
      '## Larger N, counted exactly',
      '',
      'Disjoint pairs counted as Σ C(N, a)·C(N − a, b) over a ≥ Q1, b ≥ Q2 (checked against the enumeration for N ≤ 9).',
      '',
      '| N | rule | Q1 | Q2 | quorum pairs | disjoint pairs | intersect |',
      '|---:|---|---:|---:|---:|---:|---|',
      ...large,
      '',
    ].join('\n');
  },
};
