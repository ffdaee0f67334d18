// Changing R and W of an NWR store while it serves: a rolling configuration change from (N=3, W=2, R=2) to
// (N=3, W=1, R=3). Every node is a replica and a coordinator; a coordinator reads and writes with the W and R
// of the version it runs. During the rollout some coordinators run the old quorums and some the new, and what
// matters is whether every writer's W and every reader's R still overlap: W + R > N across versions.
// Source: the seed's Quorum/NWR; Gifford, "Weighted Voting for Replicated Data" (1979); DeCandia et al., "Dynamo"
// (2007) §4.5 on per-request (N, R, W); rolling configuration changes as in Cassandra's consistency-level changes.
// Scope: a write is acknowledged by a W-set of replicas at once (the acks that arrived); the other replicas get a
// Replicate message that arrives later, in any order. A read asks an R-set at once and returns the newest value
// it sees. Safety: a read returns at least the last acknowledged write. No crashes or loss: the only fault is the
// mixed configuration itself.
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { formatNetwork, remove, send, type Network } from '../../src/model/network';
import {
  byVersion,
  formatVersions,
  initialVersions,
  isMixed,
  rolloutOf,
  rolloutParams,
  senderVersion,
  stamp,
  versionOf,
  withVersions,
  type NodeProtocol,
  type Stamped,
  type VersionAction,
  type VersionState,
} from '../../src/model/versions';

const NODES = ['N1', 'N2', 'N3'] as const;
type Node = (typeof NODES)[number];
const N = NODES.length;

/** The quorums one version reads and writes with. */
export interface Quorums {
  readonly w: number;
  readonly r: number;
}

/** What the last read saw: the newest value in its R-set, the last acknowledged write, and whether versions were mixed. */
export interface ReadResult {
  readonly by: Node;
  readonly value: number;
  readonly latest: number;
  readonly mixed: boolean;
}

export interface NwrState {
  readonly versions: VersionState;
  /** The newest value each replica holds (durable: an upgrade keeps it). Values are write numbers, 0 the initial. */
  readonly store: Readonly<Record<Node, number>>;
  /** Replicate messages in flight to the replicas outside a write's W-set, stamped with the writer's version. */
  readonly net: Network<Stamped<{ readonly value: number }>>;
  /** Writes acknowledged so far: the last acknowledged value. */
  readonly written: number;
  readonly reads: number;
  readonly lastRead: ReadResult | null;
}

export type NwrAction =
  | { readonly name: 'Write'; readonly node: Node; readonly acks: readonly Node[] }
  | { readonly name: 'Read'; readonly node: Node; readonly replicas: readonly Node[] }
  | { readonly name: 'Replicate'; readonly node: Node; readonly from: Node; readonly value: number; readonly v: number };

/** Every k-subset of the nodes, in node order. */
function subsets(k: number): Node[][] {
  const out: Node[][] = [];
  const go = (start: number, acc: Node[]): void => {
    if (acc.length === k) {
      out.push(acc);
      return;
    }
    for (let i = start; i < N; i++) go(i + 1, [...acc, NODES[i]]);
  };
  go(0, []);
  return out;
}

/** The plans the variants roll out: the quorums of v1, v2, … in order. */
export const PLANS: Readonly<Record<string, readonly Quorums[]>> = {
  correct: [
    { w: 2, r: 2 },
    { w: 2, r: 3 },
    { w: 1, r: 3 },
  ],
  direct: [
    { w: 2, r: 2 },
    { w: 1, r: 3 },
  ],
  'lower-w-first': [
    { w: 2, r: 2 },
    { w: 1, r: 2 },
    { w: 1, r: 3 },
  ],
};

interface NwrParams {
  readonly writes: number;
  readonly readLimit: number;
  readonly order: 'any' | 'rolling';
  readonly stepwise: boolean;
  readonly downgrades: number;
}

function nwrMachine(params: NwrParams, variant: string): Machine<NwrState, NwrAction | VersionAction> {
  const plan = PLANS[variant];
  const rollout = rolloutOf(params, NODES, plan.length);

  // One node protocol per version: the same steps, with that version's W and R.
  const nodeProtocol = (q: Quorums): NodeProtocol<NwrState, NwrAction> => ({
    actions: (s, node) => {
      const n = node as Node;
      const out: NwrAction[] = [];
      if (s.written < params.writes) for (const acks of subsets(q.w)) out.push({ name: 'Write', node: n, acks });
      if (s.reads < params.readLimit) for (const replicas of subsets(q.r)) out.push({ name: 'Read', node: n, replicas });
      let last = '';
      for (const m of s.net)
        if (m.to === n) {
          const k = `${m.from}:${m.payload!.value}:${m.payload!.v}`;
          if (k !== last) out.push({ name: 'Replicate', node: n, from: m.from as Node, value: m.payload!.value, v: m.payload!.v });
          last = k;
        }
      return out;
    },
    next: (s, a) => {
      switch (a.name) {
        case 'Write': {
          const value = s.written + 1;
          const store = { ...s.store };
          for (const r of a.acks) store[r] = Math.max(store[r], value);
          const rest = NODES.filter((r) => !a.acks.includes(r));
          return {
            ...s,
            store,
            written: value,
            net: send(s.net, ...rest.map((r) => stamp(s.versions, 'Replicate', a.node, r, { value }))),
          };
        }
        case 'Read': {
          const value = Math.max(...a.replicas.map((r) => s.store[r]));
          return { ...s, reads: s.reads + 1, lastRead: { by: a.node, value, latest: s.written, mixed: isMixed(s.versions) } };
        }
        case 'Replicate': {
          const msg = s.net.find((m) => m.to === a.node && m.from === a.from && m.payload!.value === a.value && m.payload!.v === a.v)!;
          return { ...s, net: remove(s.net, msg), store: { ...s.store, [a.node]: Math.max(s.store[a.node], a.value) } };
        }
      }
    },
  });
  const protocol = byVersion<NwrState, NwrAction>(NODES, Object.fromEntries(plan.map((q, i) => [i + 1, nodeProtocol(q)])), (a) => a.node);

  const properties: Property<NwrState, NwrAction | VersionAction>[] = [
    {
      kind: 'always',
      name: 'noStaleRead',
      description: 'A read returns at least the last acknowledged write (every writer’s W-set meets every reader’s R-set).',
      holds: (s) => s.lastRead === null || s.lastRead.value >= s.lastRead.latest,
    },
    {
      kind: 'sometimes',
      name: 'readInMixedCluster',
      description: 'A read after a write, while some nodes run the old quorums and some the new.',
      holds: (s) => s.lastRead !== null && s.lastRead.mixed && s.lastRead.latest > 0,
    },
    {
      kind: 'sometimes',
      name: 'newerMessageAtOlderNode',
      description: 'A Replicate from a newer version is in flight to a node that runs an older one.',
      holds: (s) => s.net.some((m) => senderVersion(m) > versionOf(s.versions, m.to)),
    },
    {
      kind: 'sometimes',
      name: 'rolloutComplete',
      description: 'Every node runs the last version, and a read returns the last write.',
      holds: (s) =>
        NODES.every((n) => versionOf(s.versions, n) === plan.length) &&
        s.lastRead !== null &&
        s.lastRead.value === s.written &&
        s.written > 0,
    },
  ];
  if (params.downgrades > 0)
    properties.push({
      kind: 'sometimes',
      name: 'rolledBack',
      description: 'A node rolled back after an upgrade, and a read followed.',
      holds: (s) => s.versions.downgrades < params.downgrades && s.lastRead !== null,
    });

  const quorums = (s: NwrState, n: Node): Quorums => plan[versionOf(s.versions, n) - 1];
  return withVersions<NwrState, NwrAction>(
    rollout,
    {},
    {
      init: [{ versions: initialVersions(rollout), store: { N1: 0, N2: 0, N3: 0 }, net: [], written: 0, reads: 0, lastRead: null }],
      actions: protocol.actions,
      next: protocol.next,
      properties,
      actionNames: ['Write', 'Read', 'Replicate'],
      formatAction: (a) =>
        a.name === 'Write'
          ? `Write(${a.node}, W-set {${a.acks.join(',')}})`
          : a.name === 'Read'
            ? `Read(${a.node}, R-set {${a.replicas.join(',')}})`
            : `Replicate(${a.from}→${a.node}, ${a.value}, v${a.v})`,
      actors: NODES,
      view: (from, a, to) => {
        switch (a.name) {
          case 'Write': {
            const q = quorums(from, a.node);
            return [
              {
                type: 'note',
                over: a.node,
                text: `v${versionOf(from.versions, a.node)} writes ${to.written} (W=${q.w}), acked by ${a.acks.join(', ')}`,
              },
            ];
          }
          case 'Read': {
            const q = quorums(from, a.node);
            const r = to.lastRead!;
            const stale = r.value < r.latest ? `, stale: last write ${r.latest}` : '';
            return [
              {
                type: 'note',
                over: a.node,
                text: `v${versionOf(from.versions, a.node)} reads ${r.value} (R=${q.r}) from ${a.replicas.join(', ')}${stale}`,
              },
            ];
          }
          case 'Replicate':
            return [{ type: 'message', from: a.from, to: a.node, label: `Replicate ${a.value} (sent by v${a.v})` }];
        }
      },
      display: (s) => ({
        versions: formatVersions(s.versions, NODES),
        quorums: NODES.map((n) => `${n} W=${quorums(s, n).w} R=${quorums(s, n).r}`).join(', '),
        store: NODES.map((n) => `${n}=${s.store[n]}`).join(', '),
        net: formatNetwork(s.net),
        written: s.written,
        lastRead: s.lastRead === null ? 'none' : `${s.lastRead.by} read ${s.lastRead.value} (last write ${s.lastRead.latest})`,
      }),
      fairness: 'Protocol steps are weakly fair; upgrades and rollbacks are operator actions and never fair.',
    },
  );
}

// Variants and configurations.

const variants: readonly Variant[] = [
  {
    name: 'correct',
    description:
      'Raise R first. Three versions: (W=2, R=2), then (W=2, R=3) on every node, then (W=1, R=3). Every W-set meets every R-set at each step.',
  },
  {
    name: 'direct',
    description: 'Two versions: (W=2, R=2) straight to (W=1, R=3). A v2 writer (W=1) and a v1 reader (R=2) have W + R = 3 = N.',
    breaks: 'noStaleRead',
  },
  {
    name: 'lower-w-first',
    description:
      'Three versions: (W=2, R=2), then (W=1, R=2), then (W=1, R=3). Lowering W before every reader uses R=3 gives W + R = N (v2 even on its own).',
    breaks: 'noStaleRead',
  },
];

export const nwrReconfigure = defineModel({
  id: 'nwr-reconfigure',
  title: 'Changing R and W of an NWR store while it serves (rolling upgrade)',
  source: 'The seed’s Quorum/NWR; Gifford 1979; DeCandia et al., "Dynamo" (2007) §4.5; a rolling change of consistency levels',
  scope:
    'Three replicas that are also coordinators, each reading and writing with the quorums of its version; writes acknowledged by a W-set, the rest replicated later in any order; reads of an R-set. Safety: no read older than the last acknowledged write, across every mixed-version state of the rollout. No crashes or loss.',
  params: {
    writes: { type: 'int', default: 1, min: 1, max: 3, description: 'number of writes' },
    readLimit: { type: 'int', default: 2, min: 1, max: 3, description: 'number of reads' },
    ...rolloutParams(2),
  },
  variants,
  configurations: [
    {
      name: 'raise-r-first',
      description: 'Raise R on every node first, then lower W, one deploy at a time in rolling order, with a rollback: safe.',
      variant: 'correct',
      params: { order: 'rolling', stepwise: true, downgrades: 1 },
    },
    {
      name: 'raise-r-first-overlapping',
      description: 'The same plan, but the second deploy starts before the first is done: a W=1 writer meets an R=2 reader.',
      variant: 'correct',
      params: { order: 'any', stepwise: false },
      expect: { violates: 'noStaleRead' },
    },
    {
      name: 'direct',
      description:
        'Straight from (2, 2) to (1, 3) in rolling order: the first upgraded node writes to one replica, an old node reads two others.',
      variant: 'direct',
      params: { order: 'rolling', stepwise: true },
    },
    {
      name: 'lower-w-first',
      description: 'Lower W first, one deploy at a time: the W=1 writers meet the R=2 readers during the first deploy.',
      variant: 'lower-w-first',
      params: { order: 'rolling', stepwise: true },
    },
  ],
  machine: (params, variant) => nwrMachine(params, variant),
});
