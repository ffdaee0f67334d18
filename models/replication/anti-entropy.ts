// Anti-entropy: replicas accept writes locally (basically available) and reconcile pairwise by exchanging
// their state (push-pull), so they may disagree for a while (soft state) and agree once writes stop and the
// network heals (eventually consistent).
// Source: the seed's BASE section (Basically Available, Soft state, Eventually consistent; Pritchett, "BASE: an
// ACID alternative", ACM Queue 2008); Demers et al., "Epidemic Algorithms for Replicated Database Maintenance"
// (PODC 1987), for anti-entropy by pairwise exchange.
// Conflict resolution: last-write-wins on one register. A version is (timestamp, writer); a write takes the
// replica's timestamp plus one (a Lamport clock, since merging keeps the larger timestamp), and equal
// timestamps, two writes that did not see each other, are broken deterministically by the higher replica id.
// The merge is the maximum in that total order: commutative, associative and idempotent, so an exchange leaves
// both sides equal. The bug variants use merges that are not commutative.
// Scope: one register, a budget of client writes (taken at any replica, also inside a partition) and of
// partitions. Properties: an exchange leaves both sides equal, versions only grow and two replicas that differ
// always have something to exchange (safety); once no partition
// is left and none can come, all replicas eventually agree (liveness, weak fairness on every exchange, none on
// writes or faults). A run that never partitions is covered by the configurations without a partition budget.
// The figure measures rounds of random push-pull exchanges until agreement, by number of replicas.
import { budgetOf, connected, faultParams, formatPartition, initialFaults, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState, ProtocolMachine } from '../../src/model/faults';
import { defineModel, type Figure, type Machine, type Property, type Variant } from '../../src/model/model';
import { xyChart } from '../../src/report/xychart';
import { replaceAt } from '../../src/model/plain';
import { seededRandom } from '../../src/shared/random';

/** A register version: the timestamp and the replica that wrote it; writer -1 is the initial value (ts 0). */
export interface Version {
  readonly ts: number;
  readonly writer: number;
}

export const INITIAL: Version = { ts: 0, writer: -1 };

/** Last-write-wins order: the larger timestamp, and on equal timestamps the higher replica id. */
export const newer = (a: Version, b: Version): boolean => a.ts > b.ts || (a.ts === b.ts && a.writer > b.writer);

/** The correct merge: the maximum in the last-write-wins order (commutative, associative, idempotent). */
export const lwwMerge = (local: Version, remote: Version): Version => (newer(remote, local) ? remote : local);

/** The merge each variant applies on both sides of an exchange: merge(mine, theirs). */
export function mergeOf(variant: string): (local: Version, remote: Version) => Version {
  if (variant === 'keep-local-on-tie') return (local, remote) => (remote.ts > local.ts ? remote : local);
  if (variant === 'incoming-wins') return (_local, remote) => remote;
  return lwwMerge;
}

export interface AEState {
  /** The register at each replica. */
  readonly replicas: readonly Version[];
  /** Client writes that may still happen. */
  readonly writesLeft: number;
  readonly faults: FaultState;
}

type ProtocolAction = { readonly name: 'Write'; readonly r: number } | { readonly name: 'Sync'; readonly a: number; readonly b: number };
export type AEAction = ProtocolAction | FaultAction;

const rName = (i: number): string => `R${i + 1}`;
const same = (a: Version, b: Version): boolean => a.ts === b.ts && a.writer === b.writer;
const allAgree = (s: AEState): boolean => s.replicas.every((v) => same(v, s.replicas[0]));

function antiEntropyMachine(n: number, writes: number, variant: string, budget: FaultBudget): Machine<AEState, AEAction> {
  const ids = Array.from({ length: n }, (_, i) => i);
  const names = ids.map(rName);
  const merge = mergeOf(variant);
  const writeActions = ids.map((r) => ({ name: 'Write', r }) as const);
  const syncActions = ids.flatMap((a) => ids.filter((b) => b > a).map((b) => ({ name: 'Sync', a, b }) as const));

  const actions = (s: AEState): ProtocolAction[] => [
    ...(s.writesLeft > 0 ? writeActions : []),
    ...syncActions.filter((x) => connected(s.faults.partition, names[x.a], names[x.b])),
  ];

  const next = (s: AEState, x: ProtocolAction): AEState => {
    if (x.name === 'Write') {
      const v: Version = { ts: s.replicas[x.r].ts + 1, writer: x.r };
      return { ...s, replicas: replaceAt(s.replicas, x.r, v), writesLeft: s.writesLeft - 1 };
    }
    const va = s.replicas[x.a];
    const vb = s.replicas[x.b];
    const na = merge(va, vb);
    const nb = merge(vb, va);
    if (same(na, va) && same(nb, vb)) return s;
    return { ...s, replicas: replaceAt(replaceAt(s.replicas, x.a, na), x.b, nb) };
  };

  /** Writes so far; when every replica agrees on a version with a smaller timestamp, two writes had the same one. */
  const written = (s: AEState): number => writes - s.writesLeft;
  const settled = (s: AEState): boolean => s.faults.partition === null && s.faults.budget.partitions === 0;

  const properties: Property<AEState, AEAction>[] = [
    {
      kind: 'step',
      name: 'exchangeAgrees',
      description:
        'An anti-entropy exchange that changes anything leaves both replicas with the same version (the merge is commutative). An exchange that changes nothing is a stutter and is not checked.',
      holds: (from, x, to) => x.name !== 'Sync' || same(to.replicas[x.a], to.replicas[x.b]),
    },
    {
      kind: 'step',
      name: 'versionsOnlyGrow',
      description: 'No replica ever goes back to an older version in the last-write-wins order.',
      holds: (from, _x, to) => ids.every((i) => !newer(from.replicas[i], to.replicas[i])),
    },
    {
      kind: 'always',
      name: 'differencesReconcilable',
      description:
        'Any two replicas that hold different versions would change if they exchanged: no difference is invisible to anti-entropy.',
      holds: (s) =>
        syncActions.every(({ a, b }) => {
          const va = s.replicas[a];
          const vb = s.replicas[b];
          return same(va, vb) || !same(merge(va, vb), va) || !same(merge(vb, va), vb);
        }),
    },
    {
      kind: 'leadsTo',
      name: 'converges',
      description: 'Once the network is whole and no partition can come any more, all replicas eventually hold the same version.',
      from: settled,
      to: allAgree,
    },
    {
      kind: 'sometimes',
      name: 'softState',
      description: 'Soft state: two replicas hold different accepted writes at the same time.',
      holds: (s) => s.replicas.some((v, i) => v.writer >= 0 && s.replicas.some((w, j) => j > i && w.writer >= 0 && !same(v, w))),
    },
    {
      kind: 'sometimes',
      name: 'convergedAfterConflict',
      description: 'All replicas agree after two concurrent writes: last-write-wins kept one and discarded the other.',
      holds: (s) => allAgree(s) && s.replicas[0].ts < written(s),
    },
  ];
  if (budget.partitions > 0)
    properties.push({
      kind: 'sometimes',
      name: 'divergedAcrossPartition',
      description: 'The network is split and the two sides hold different versions, each side having accepted writes.',
      holds: (s) =>
        s.faults.partition !== null &&
        s.faults.partition.every((side) => side.some((r) => s.replicas[names.indexOf(r)].writer >= 0)) &&
        !allAgree(s),
    });

  return withFaults(
    budget,
    { nodes: names },
    {
      init: [{ replicas: ids.map(() => INITIAL), writesLeft: writes, faults: initialFaults(budget) }],
      actions,
      next,
      properties,
      actionNames: ['Write', 'Sync'],
      fair: (x) => x.name === 'Sync',
      fairness: 'Weak fairness on every exchange Sync(a,b); none on client writes, partitions or heals.',
      metrics: [{ name: 'exchanges until agreement', along: 'convergedAfterConflict', perStep: (_f, x) => (x.name === 'Sync' ? 1 : 0) }],
      ...presentation(names),
    },
  );
}

// Presentation: action labels, sequence-diagram events and the trace view of a state.

export const formatVersion = (v: Version): string => (v.writer < 0 ? '⊥' : `v${v.ts}@${rName(v.writer)}`);

function presentation(names: readonly string[]): Pick<ProtocolMachine<AEState, ProtocolAction>, 'formatAction' | 'view' | 'display'> {
  return {
    formatAction: (x) => (x.name === 'Write' ? `Write(${names[x.r]})` : `Sync(${names[x.a]},${names[x.b]})`),
    view: (from, x, to) =>
      x.name === 'Write'
        ? [{ type: 'note', over: names[x.r], text: `client write → ${formatVersion(to.replicas[x.r])}` }]
        : [
            { type: 'message', from: names[x.a], to: names[x.b], label: formatVersion(from.replicas[x.a]) },
            { type: 'message', from: names[x.b], to: names[x.a], label: formatVersion(from.replicas[x.b]) },
          ],
    display: (s) => ({
      ...Object.fromEntries(names.map((name, i) => [name, formatVersion(s.replicas[i])])),
      writesLeft: s.writesLeft,
      partition: formatPartition(s.faults.partition),
    }),
  };
}

// Variants and configurations.

const variants: readonly Variant[] = [
  {
    name: 'correct',
    description: 'Last-write-wins by (timestamp, replica id): both sides of an exchange keep the maximum.',
  },
  {
    name: 'keep-local-on-tie',
    description:
      'Last-write-wins by timestamp only: on equal timestamps each replica keeps its own value, so two concurrent writes never reconcile.',
    breaks: 'converges',
  },
  {
    name: 'incoming-wins',
    description: 'The receiver of an exchange takes whatever the peer sent, so a push-pull exchange swaps two different values.',
    breaks: 'converges',
  },
];

export const antiEntropy = defineModel({
  id: 'anti-entropy',
  title: 'Anti-entropy: last-write-wins replicas reconciled by pairwise push-pull exchange (BASE)',
  source: 'The seed\'s BASE section; Pritchett, "BASE: an ACID alternative" (2008); Demers et al., "Epidemic Algorithms" (PODC 1987)',
  scope:
    'One last-write-wins register on 2–5 replicas, client writes at any replica, partitions; exchanges leave both sides equal, and replicas agree once the network has healed for good.',
  params: {
    replicas: { type: 'int', default: 3, min: 2, max: 5, description: 'number of replicas' },
    writes: { type: 'int', default: 2, min: 0, max: 4, description: 'client writes in the run (at any replicas)' },
    ...faultParams({ partitions: { max: 2 } }),
  },
  variants,
  configurations: [
    { name: 'r3-w2', variant: 'correct', params: { replicas: 3, writes: 2 } },
    {
      name: 'r3-w3-partition',
      description: 'Writes on both sides of a partition diverge until the heal; then exchanges reconcile them.',
      variant: 'correct',
      params: { replicas: 3, writes: 3, partitions: 1 },
    },
    {
      name: 'r4-w2-partitions2',
      description: 'Four replicas and two partitions, one after the other.',
      variant: 'correct',
      params: { replicas: 4, writes: 2, partitions: 2 },
    },
    {
      name: 'r3-w2-keep-local-on-tie',
      description: 'Two writes with the same timestamp: each side keeps its own, and the replicas never agree.',
      variant: 'keep-local-on-tie',
      params: { replicas: 3, writes: 2 },
    },
    {
      name: 'r3-w2-incoming-wins',
      description: 'Each exchange swaps two different values, forever.',
      variant: 'incoming-wins',
      params: { replicas: 3, writes: 2 },
    },
    {
      name: 'r5-w4-partitions2-random',
      description: 'Random walks over five replicas, four writes and two partitions (safety and witnesses only).',
      variant: 'correct',
      params: { replicas: 5, writes: 4, partitions: 2 },
      strategy: 'random',
      seed: 7,
      runs: 300,
      walkLength: 60,
    },
  ],
  machine: (params, variant) => antiEntropyMachine(params.replicas, params.writes, variant, budgetOf(params)),
});

// ---------------------------------------------------------------------------------------------------------
// The figure: synchronous rounds of random push-pull anti-entropy. In each round every replica picks one other
// replica uniformly at random and the two exchange their state both ways; a replica's new state is the merge
// of its state at the start of the round with the start states of every replica it talked to (the one it
// called and those that called it). Each key holds at most one write, so the last-write-wins merge of a key is
// "take the write if either side has it" and a replica's state is a bitset of the writes it holds.

export type Workload = 'one' | 'every';

/**
 * Rounds until every replica holds every write: `one` write at one replica, or a write to a different key at
 * `every` replica. The peer choices depend only on the seed, so for a seed `every` takes at least as many
 * rounds as `one` (the first write spreads exactly as it would alone).
 */
export function antiEntropyRounds({ replicas, writes, seed }: { replicas: number; writes: Workload; seed: number }): number {
  const n = replicas;
  const keys = writes === 'one' ? 1 : n;
  const words = Math.ceil(keys / 32);
  const full = new Uint32Array(words).fill(0xffffffff);
  if (keys % 32 !== 0) full[words - 1] = (1 << (keys % 32)) - 1;
  let state = new Uint32Array(n * words);
  for (let k = 0; k < keys; k++) state[k * words + (k >>> 5)] |= 1 << (k & 31);
  const random = seededRandom(seed);
  const complete = (st: Uint32Array): boolean => {
    for (let r = 0; r < n; r++) for (let w = 0; w < words; w++) if (st[r * words + w] !== full[w]) return false;
    return true;
  };
  let rounds = 0;
  while (!complete(state)) {
    const after = state.slice();
    for (let i = 0; i < n; i++) {
      let p = Math.floor(random() * (n - 1));
      if (p >= i) p++;
      for (let w = 0; w < words; w++) {
        after[i * words + w] |= state[p * words + w];
        after[p * words + w] |= state[i * words + w];
      }
    }
    state = after;
    rounds++;
  }
  return rounds;
}

export interface RoundsSummary {
  /** Number of nodes (replicas). */
  readonly n: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export function summarize(n: number, samples: readonly number[]): RoundsSummary {
  return {
    n,
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    min: Math.min(...samples),
    max: Math.max(...samples),
  };
}

export const AE_REPLICAS = [2, 3, 5, 10, 20, 50, 100, 200, 500, 1000];
export const AE_RUNS = 100;
const AE_SEED = 20_070_101;

export function antiEntropyTable(sizes = AE_REPLICAS, runs = AE_RUNS): { one: RoundsSummary; every: RoundsSummary }[] {
  return sizes.map((n) => {
    const seeds = Array.from({ length: runs }, (_, k) => AE_SEED + n * 1000 + k);
    return {
      one: summarize(
        n,
        seeds.map((seed) => antiEntropyRounds({ replicas: n, writes: 'one', seed })),
      ),
      every: summarize(
        n,
        seeds.map((seed) => antiEntropyRounds({ replicas: n, writes: 'every', seed })),
      ),
    };
  });
}

export const antiEntropyFigure: Figure = {
  id: 'anti-entropy-rounds',
  title: 'Anti-entropy: rounds of random push-pull exchanges until all replicas agree, by number of replicas',
  render: () => {
    const rows = antiEntropyTable();
    const f = (x: number): string => x.toFixed(2);
    return [
      '# Anti-entropy rounds to convergence (`anti-entropy`)',
      '',
      'How long the soft state lasts. In each synchronous round every replica picks one other replica uniformly at',
      'random and the two exchange their state both ways (push-pull anti-entropy, Demers et al. 1987); a round ends',
      'when every exchange of the round is merged. Writes stop before round 1 and the network is whole. Two',
      'workloads: **one write** at one replica (or, the same thing for last-write-wins, a concurrent write at every',
      'replica to one key: only the winner has to spread), and **a write at every replica** to different keys, so',
      `every replica must collect all N writes. ${AE_RUNS} runs per size, fixed seeds. For one write, Karp et al.`,
      '(FOCS 2000) give log₃N + O(log log N) rounds for push-pull.',
      '',
      '| replicas N | one write: mean | min | max | a write at every replica: mean | min | max | log₃N |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        ({ one, every }) =>
          `| ${one.n} | ${f(one.mean)} | ${one.min} | ${one.max} | ${f(every.mean)} | ${every.min} | ${every.max} | ${f(Math.log(one.n) / Math.log(3))} |`,
      ),
      '',
      ...xyChart({
        title: 'Anti-entropy rounds until agreement',
        kind: 'line',
        x: { title: 'replicas N', labels: AE_REPLICAS },
        y: { title: 'rounds', min: 0, max: Math.ceil(Math.max(...rows.map((r) => r.every.max))) },
        series: [
          { name: 'one write (mean)', values: rows.map((r) => r.one.mean) },
          { name: 'a write at every replica (mean)', values: rows.map((r) => r.every.mean) },
          { name: 'log₃N', values: rows.map((r) => Math.log(r.one.n) / Math.log(3)) },
        ],
        decimals: 2,
      }),
      '',
      'The x axis is logarithmic in N (one category per size), so a straight line is growth like log N.',
      '',
    ].join('\n');
  },
};
