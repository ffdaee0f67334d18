// Gossip (rumor spreading): a node that knows the rumor keeps telling `fanout` peers it picks at random, so the
// rumor reaches every live node without any node knowing the membership's state, and routes around crashes.
// Source: the seed's Gossip section; Demers et al., "Epidemic Algorithms for Replicated Database Maintenance"
// (PODC 1987); Pittel, "On spreading a rumor" (SIAM J. Appl. Math. 1987) for log₂N + ln N rounds of push;
// Karp, Schindelhauer, Shenker & Vöcking, "Randomized Rumor Spreading" (FOCS 2000) for push-pull.
// Scope, exhaustive: a few nodes, N1 knows the rumor at first, crash-stop crashes of the other nodes (of N1 too
// in one configuration, where the rumor can die with it). One step Gossip(Ni→{…}) is one round of one node:
// it tells a set of `fanout` peers; peers that are down miss it. A random choice of peers is modelled as
// nondeterminism with weak fairness per peer set, so every set is eventually picked (a random choice does so
// with probability 1). Properties: the rumor never dies while a live node still misses it (safety) and every
// live node eventually knows it (liveness; crashes are not fair).
// Scope, statistical: `gossipRounds`, push gossip in synchronous rounds, measured against the theory up to
// N = 100,000 in the figure (pull and push-pull too).
import { budgetOf, faultParams, initialFaults, isUp, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState } from '../../src/model/faults';
import { defineModel, type Figure, type Machine, type Property, type Variant } from '../../src/model/model';
import { xyChart } from '../../src/report/xychart';
import { onLink, sendAllBounded, type ChannelConfig, type OverflowPolicy } from '../../src/model/channels';
import { message } from '../../src/model/network';
import { setAdd } from '../../src/model/plain';
import { seededRandom } from '../../src/shared/random';
import { summarize, type RoundsSummary } from './anti-entropy';

export type Node = string;

/** Demers et al.'s infective sites, and for infect-and-die the sites that have become removers. */
export interface GossipState {
  /** The nodes that know the rumor. */
  readonly knows: ReadonlySet<Node>;
  /** infect-and-die: the nodes that have had their one turn. */
  readonly done: ReadonlySet<Node>;
  readonly faults: FaultState;
}

type ProtocolAction = { readonly name: 'Gossip'; readonly from: Node; readonly to: readonly Node[] };
export type GossipAction = ProtocolAction | FaultAction;

const nName = (i: number): Node => `N${i + 1}`;

/** Every sorted k-subset of xs. */
function subsets(xs: readonly number[], k: number): number[][] {
  if (k === 0) return [[]];
  return xs.flatMap((x, i) => subsets(xs.slice(i + 1), k - 1).map((rest) => [x, ...rest]));
}

function gossipMachine(
  n: number,
  fanout: number,
  crashOrigin: boolean,
  variant: string,
  budget: FaultBudget,
): Machine<GossipState, GossipAction> {
  const ids = Array.from({ length: n }, (_, i) => i);
  const nodes = ids.map(nName);
  const k = Math.min(fanout, n - 1);
  const once = variant === 'infect-and-die';
  const ring = variant === 'ring-overlay';
  /** The peer sets node i may pick: every k-subset of the others, or its k successors on the ring. */
  const peersOf = (i: number): number[][] =>
    ring
      ? [Array.from({ length: k }, (_, d) => (i + 1 + d) % n).sort((a, b) => a - b)]
      : subsets(
          ids.filter((j) => j !== i),
          k,
        );
  const peerSets = new Map(ids.map((i) => [nodes[i], peersOf(i).map((set) => set.map(nName))]));
  const gossip = new Map(nodes.map((i) => [i, peerSets.get(i)!.map((to): ProtocolAction => ({ name: 'Gossip', from: i, to }))]));
  const up = (s: GossipState, i: Node): boolean => isUp(s.faults, i);
  const active = (s: GossipState, i: Node): boolean => up(s, i) && s.knows.has(i) && !(once && s.done.has(i));
  const allLiveKnow = (s: GossipState): boolean => nodes.every((i) => !up(s, i) || s.knows.has(i));

  const actions = (s: GossipState): ProtocolAction[] => nodes.flatMap((i) => (active(s, i) ? gossip.get(i)! : []));

  // Gossip(i→peers): i tells the rumor to the peers it picked; those that are down miss it.
  const next = (s: GossipState, a: ProtocolAction): GossipState => {
    const learn = a.to.filter((j) => up(s, j) && !s.knows.has(j));
    if (learn.length === 0 && !once) return s;
    return {
      ...s,
      knows: learn.length === 0 ? s.knows : new Set([...s.knows, ...learn]),
      done: once ? setAdd(s.done, a.from) : s.done,
    };
  };

  const properties: Property<GossipState, GossipAction>[] = [
    {
      kind: 'always',
      name: 'rumorAlive',
      description:
        'The rumor is not dead: every live node knows it, or a live node that knows it may still tell a live node that does not.',
      holds: (s) =>
        allLiveKnow(s) || nodes.some((i) => active(s, i) && peerSets.get(i)!.some((to) => to.some((j) => up(s, j) && !s.knows.has(j)))),
    },
    {
      kind: 'eventually',
      name: 'allLiveKnow',
      description: 'Every live node eventually knows the rumor (crashed nodes do not count).',
      holds: allLiveKnow,
    },
    {
      kind: 'sometimes',
      name: 'spreading',
      description: 'The rumor is on its way: at least two live nodes know it and some live node does not yet.',
      holds: (s) => nodes.filter((i) => up(s, i) && s.knows.has(i)).length >= 2 && !allLiveKnow(s),
    },
  ];
  if (budget.crashes > 0)
    properties.push({
      kind: 'sometimes',
      name: 'allLiveKnowAfterCrash',
      description: 'A node crashed before it heard the rumor, and every live node knows it anyway.',
      holds: (s) => allLiveKnow(s) && nodes.some((i) => !up(s, i) && !s.knows.has(i)),
    });
  if (crashOrigin && budget.crashes > 0)
    properties.push({
      kind: 'sometimes',
      name: 'rumorDied',
      description: 'No live node knows the rumor: every node that knew it has crashed.',
      holds: (s) => nodes.every((i) => !up(s, i) || !s.knows.has(i)),
    });

  return withFaults(
    budget,
    { nodes, crashable: crashOrigin ? nodes : nodes.slice(1) },
    {
      init: [{ knows: new Set([nodes[0]]), done: new Set(), faults: initialFaults(budget) }],
      actions,
      next,
      properties,
      actionNames: ['Gossip'],
      fairness: 'Weak fairness on every Gossip(node→peers) instance; none on crashes.',
      ...presentation(nodes, once),
    },
  );
}

// Presentation: action labels, sequence-diagram events and the trace view of a state.

function presentation(nodes: readonly Node[], once: boolean) {
  const heard = (from: GossipState, to: GossipState, j: Node): string => {
    if (!isUp(from.faults, j)) return ' (lost: down)';
    if (from.knows.has(j)) return ' (knew it)';
    return to.knows.has(j) ? ' (learns)' : '';
  };
  return {
    formatAction: (a: ProtocolAction): string => `Gossip(${a.from}→{${a.to.join(',')}})`,
    view: (from: GossipState, a: ProtocolAction, to: GossipState) =>
      a.to.map((j) => ({ type: 'message' as const, from: a.from, to: j, label: `rumor${heard(from, to, j)}` })),
    display: (s: GossipState) =>
      Object.fromEntries(
        nodes.map((i) => [
          i,
          `${s.knows.has(i) ? 'knows' : 'does not know'}${once && s.done.has(i) ? ', done' : ''}${isUp(s.faults, i) ? '' : ' (down)'}`,
        ]),
      ),
  };
}

// Configurations and variants.

const variants: readonly Variant[] = [
  { name: 'correct', description: 'A node that knows the rumor keeps gossiping it to random peers, forever (periodic gossip).' },
  {
    name: 'infect-and-die',
    description: 'A node gossips once, to `fanout` random peers, when it first learns the rumor, and then stays quiet.',
    breaks: 'allLiveKnow',
  },
  {
    name: 'ring-overlay',
    description: 'A node gossips only to its `fanout` successors on a fixed ring, so a crashed node cuts the ring.',
    breaks: 'allLiveKnow',
  },
];

export const gossip = defineModel({
  id: 'gossip',
  title: 'Gossip: rumor spreading to random peers, with crashes',
  source: "The seed's Gossip section; Demers et al. (PODC 1987); Pittel (1987); Karp et al. (FOCS 2000)",
  scope:
    'Rumor spreading among 3–5 nodes (10 in random walks) with fanout 1–3 and crash-stop crashes: the rumor never dies while a live node misses it, and every live node eventually knows it.',
  params: {
    nodes: { type: 'int', default: 3, min: 2, max: 12, description: 'number of nodes; N1 knows the rumor at first' },
    fanout: { type: 'int', default: 1, min: 1, max: 3, description: 'peers told per gossip step' },
    crashOrigin: { type: 'boolean', default: false, description: 'N1, the only node that knows the rumor at first, may crash too' },
    ...faultParams({ crashes: { max: 3, description: 'at most this many crashes (crash-stop); N1 may crash only with crashOrigin' } }),
  },
  variants,
  configurations: [
    { name: 'n3-f1', variant: 'correct', params: { nodes: 3, fanout: 1 } },
    {
      name: 'n3-f1-crash1',
      description: 'One node may crash before it hears the rumor; the others still hear it from N1 directly.',
      variant: 'correct',
      params: { nodes: 3, fanout: 1, crashes: 1 },
    },
    { name: 'n4-f1-crash2', variant: 'correct', params: { nodes: 4, fanout: 1, crashes: 2 } },
    { name: 'n5-f2-crash2', variant: 'correct', params: { nodes: 5, fanout: 2, crashes: 2 } },
    {
      name: 'n3-f1-crash-origin',
      description: 'N1 crashes before it tells anyone: no protocol can save a rumor whose only holder is gone.',
      variant: 'correct',
      params: { nodes: 3, fanout: 1, crashes: 1, crashOrigin: true },
      expect: { violates: 'allLiveKnow' },
    },
    {
      name: 'n3-f1-infect-and-die',
      description: 'N1 tells N2, N2 tells N1 back, and both go quiet: N3 never hears the rumor (no fault needed).',
      variant: 'infect-and-die',
      params: { nodes: 3, fanout: 1 },
    },
    {
      name: 'n4-f2-infect-and-die',
      description: 'Fanout 2 still leaves a residue: three nodes tell each other and go quiet.',
      variant: 'infect-and-die',
      params: { nodes: 4, fanout: 2 },
    },
    {
      name: 'n3-f1-crash1-ring-overlay',
      description: "N1's only successor on the ring crashes: the rumor cannot get past it.",
      variant: 'ring-overlay',
      params: { nodes: 3, fanout: 1, crashes: 1 },
    },
    {
      name: 'n10-f2-crash3-random',
      description: 'Random walks over ten nodes with fanout 2 and up to three crashes (safety and witnesses only).',
      variant: 'correct',
      params: { nodes: 10, fanout: 2, crashes: 3 },
      strategy: 'random',
      seed: 11,
      runs: 300,
      walkLength: 40,
    },
  ],
  machine: (params, variant) => gossipMachine(params.nodes, params.fanout, params.crashOrigin, variant, budgetOf(params)),
});

// ---------------------------------------------------------------------------------------------------------
// The figure: rumor spreading in synchronous rounds (the setting of Pittel and of Karp et al.).

export type GossipMode = 'push' | 'pull' | 'push-pull';

/**
 * Writes `f` distinct peers of node i, uniformly among the other n - 1 nodes, into `into` from `at` on (rejection;
 * f ≤ 3 is tiny next to n - 1).
 */
function pickPeers(random: () => number, n: number, i: number, f: number, into: Int32Array, at: number): void {
  for (let c = at; c < at + f; c++) {
    let p: number;
    let fresh: boolean;
    do {
      p = Math.floor(random() * (n - 1));
      if (p >= i) p++;
      fresh = true;
      for (let d = at; d < c; d++) if (into[d] === p) fresh = false;
    } while (!fresh);
    into[c] = p;
  }
}

/**
 * Rounds until every node knows the rumor. Round 0: one node knows it. In each round, in push mode every node
 * that knew it at the start of the round sends it to `fanout` distinct nodes chosen uniformly at random among
 * the other nodes; in pull mode every node that did not know it asks `fanout` such nodes and learns it if one of
 * them knew it at the start of the round; push-pull does both.
 */
export function gossipRounds({
  nodes,
  fanout,
  seed,
  mode = 'push',
}: {
  nodes: number;
  fanout: number;
  seed: number;
  mode?: GossipMode;
}): number {
  const n = nodes;
  if (n <= 1) return 0;
  const f = Math.min(fanout, n - 1);
  const random = seededRandom(seed);
  /** Round in which each node learned the rumor; -1 while it does not know it. */
  const learned = new Int32Array(n).fill(-1);
  learned[0] = 0;
  const knowers: number[] = [0];
  const picked = new Int32Array(f);
  const pick = (i: number): void => pickPeers(random, n, i, f, picked, 0);
  const push = mode !== 'pull';
  const pull = mode !== 'push';
  let round = 0;
  while (knowers.length < n) {
    round++;
    const atStart = knowers.length;
    const knewAtStart = (j: number): boolean => learned[j] >= 0 && learned[j] < round;
    if (push)
      for (let c = 0; c < atStart; c++) {
        pick(knowers[c]);
        for (let d = 0; d < f; d++)
          if (learned[picked[d]] < 0) {
            learned[picked[d]] = round;
            knowers.push(picked[d]);
          }
      }
    if (pull)
      for (let i = 0; i < n; i++) {
        if (knewAtStart(i)) continue;
        pick(i);
        let hit = false;
        for (let d = 0; d < f; d++) if (knewAtStart(picked[d])) hit = true;
        if (hit && learned[i] < 0) {
          learned[i] = round;
          knowers.push(i);
        }
      }
  }
  return round;
}

/** Pittel (1987) for fanout 1, log₂N + ln N; in general log_{f+1}N + (ln N)/f. */
export const pushTheory = (n: number, fanout: number): number => Math.log(n) / Math.log(fanout + 1) + Math.log(n) / fanout;

export const GOSSIP_NODES = [10, 30, 100, 300, 1000, 3000, 10_000, 30_000, 100_000];
export const GOSSIP_FANOUTS = [1, 2, 3];
/** Sizes for the pull and push-pull comparison (a shorter range, to keep the figure quick). */
const MODE_NODES = GOSSIP_NODES.filter((n) => n <= 10_000);
const GOSSIP_SEED = 19_870_601;
/**
 * Runs per size: a run costs about N·(rounds) pushes, so the largest sizes get fewer runs to keep the figure
 * to a couple of seconds; the spread of the rounds does not grow with N (the sd column), so their means are
 * still within about sd/√runs ≤ 0.8 of the limit.
 */
export const gossipRuns = (n: number): number =>
  n <= 300 ? 200 : n <= 1000 ? 100 : n <= 3000 ? 40 : n <= 10_000 ? 16 : n <= 30_000 ? 8 : 4;

export interface GossipPoint extends RoundsSummary {
  readonly fanout: number;
  readonly mode: GossipMode;
  /** Sample standard deviation of the rounds over the runs. */
  readonly sd: number;
  readonly runs: number;
}

export function measureGossip(nodes: number, fanout: number, mode: GossipMode, runs: number): GossipPoint {
  const modeOffset = mode === 'push' ? 0 : mode === 'pull' ? 1 : 2;
  const samples = Array.from({ length: runs }, (_, r) =>
    gossipRounds({ nodes, fanout, mode, seed: GOSSIP_SEED + nodes * 7919 + fanout * 104_729 + modeOffset * 1_299_709 + r }),
  );
  const s = summarize(nodes, samples);
  const sd = Math.sqrt(samples.reduce((a, x) => a + (x - s.mean) ** 2, 0) / Math.max(1, runs - 1));
  return { ...s, fanout, mode, sd, runs };
}

export const gossipFigure: Figure = {
  id: 'gossip-rounds',
  title: 'Gossip: rounds until every node knows the rumor, against N, for fanout 1, 2, 3 (push), and pull and push-pull',
  render: () => {
    const push = GOSSIP_NODES.map((n) => GOSSIP_FANOUTS.map((f) => measureGossip(n, f, 'push', gossipRuns(n))));
    const others = MODE_NODES.map((n) => (['pull', 'push-pull'] as const).map((m) => measureGossip(n, 1, m, gossipRuns(n))));
    const r2 = (x: number): string => x.toFixed(2);
    const yMax = Math.ceil(Math.max(...push.flat().map((p) => Math.max(p.mean, pushTheory(p.n, p.fanout)))) / 5) * 5;
    return [
      '# Gossip rounds (`gossip`)',
      '',
      'Push gossip in synchronous rounds: in round 0 one node knows the rumor; in each round every node that knew it at',
      'the start of the round sends it to `fanout` distinct nodes picked uniformly at random among the others. The',
      'table gives the mean number of rounds until every node knows it (and the sample standard deviation), beside',
      'the theory: log₂N + ln N for fanout 1 (Pittel 1987), log_{f+1}N + (ln N)/f for fanout f. Fixed seeds; runs per N:',
      `${GOSSIP_NODES.map((n) => `${gossipRuns(n)} at ${n.toLocaleString('en-US')}`).join(', ')}.`,
      '',
      '| N | f=1 mean | sd | theory | f=2 mean | sd | theory | f=3 mean | sd | theory |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...push.map(
        (ps) =>
          `| ${ps[0].n.toLocaleString('en-US')} | ${ps.map((p) => `${r2(p.mean)} | ${r2(p.sd)} | ${r2(pushTheory(p.n, p.fanout))}`).join(' | ')} |`,
      ),
      '',
      ...xyChart({
        title: 'Push gossip: rounds until every node knows',
        kind: 'line',
        x: { title: 'nodes N', labels: GOSSIP_NODES.map((n) => (n >= 1000 ? `${n / 1000}k` : String(n))) },
        y: { title: 'rounds', min: 0, max: yMax },
        series: [
          ...GOSSIP_FANOUTS.map((f, fi) => ({ name: `fanout ${f} (measured)`, values: push.map((ps) => ps[fi].mean) })),
          ...GOSSIP_FANOUTS.map((f) => ({ name: `fanout ${f} (theory)`, values: GOSSIP_NODES.map((n) => pushTheory(n, f)) })),
        ],
        decimals: 2,
      }),
      '',
      'The x axis is logarithmic in N (one category per size), so the straight lines are growth like log N.',
      '',
      'Fanout 1, three ways of spreading (Karp et al., FOCS 2000: push-pull needs log₃N + O(log log N) rounds; pull',
      'finishes fast once many nodes know, since the uninformed fraction then squares every round):',
      '',
      '| N | push mean | pull mean | push-pull mean | log₂N + ln N | log₃N |',
      '|---:|---:|---:|---:|---:|---:|',
      ...MODE_NODES.map(
        (n, i) =>
          `| ${n.toLocaleString('en-US')} | ${r2(push[i][0].mean)} | ${r2(others[i][0].mean)} | ${r2(others[i][1].mean)} | ${r2(pushTheory(n, 1))} | ${r2(Math.log(n) / Math.log(3))} |`,
      ),
      '',
    ].join('\n');
  },
};

// ---------------------------------------------------------------------------------------------------------
// Companion figure: gossip on bounded links ("bandwidth is infinite" is a fallacy).

/** A link's capacity per gossip message: a number of rumors, or unbounded (every rumor the sender knows). */
export type LinkCapacity = number | 'unbounded';

/**
 * Rounds until every node knows every one of `rumors` rumors, each written at its own node in round 0 (distinct
 * nodes picked at random), over bounded links; null when the spread freezes for good (a rumor no node will send
 * again while some node misses it). In each round every node that knows a rumor pushes to `fanout` distinct
 * peers picked uniformly at random, as in `gossipRounds`; it queues the rumors it knows on the link to each peer
 * in the order it learned them (its own first), and the link (src/model/channels.ts) holds `capacity` of them:
 * drop-newest keeps the ones learned first, drop-oldest the ones learned last. Links are drained at the end of
 * the round (one gossip message per link per round), so the capacity is a bandwidth: rumors per message.
 */
export function boundedGossipRounds({
  nodes,
  fanout,
  rumors,
  capacity,
  overflow,
  seed,
}: {
  nodes: number;
  fanout: number;
  rumors: number;
  capacity: LinkCapacity;
  overflow: OverflowPolicy;
  seed: number;
}): number | null {
  const n = nodes;
  const r = Math.min(rumors, n);
  const f = Math.min(fanout, n - 1);
  const random = seededRandom(seed);
  const config: ChannelConfig = { capacity: capacity === 'unbounded' ? r : capacity, overflow };
  /** Each node's rumors in the order it learned them. */
  const logs: number[][] = Array.from({ length: n }, () => []);
  /** knows[j * r + k]: node j knows rumor k. */
  const knows = new Uint8Array(n * r);
  /** Nodes that know each rumor. */
  const knowers = new Int32Array(r);
  /** What fits on a link from a node: its log queued on an empty link under the overflow policy. */
  const fits = (i: number): number[] => {
    const queued = sendAllBounded<number>(
      {},
      config,
      logs[i].map((k) => message('Rumor', nName(i), 'peer', k)),
    );
    return onLink(queued.channels, nName(i), 'peer').map((m) => m.payload!);
  };
  /** What each node sends this round: `fits` of its log at the start of the round (recomputed when it grew). */
  const sends: number[][] = Array.from({ length: n }, () => []);
  const dirty = new Uint8Array(n);
  const learn = (j: number, rumor: number): void => {
    if (knows[j * r + rumor]) return;
    knows[j * r + rumor] = 1;
    logs[j].push(rumor);
    knowers[rumor]++;
    dirty[j] = 1;
  };
  // The origins: r distinct nodes, the first r of a seeded shuffle.
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let k = 0; k < r; k++) learn(order[k], k);
  const done = (): boolean => knowers.every((c) => c === n);
  /** This round's gossip messages: sender and picked peer. */
  const from = new Int32Array(n * f);
  const picked = new Int32Array(n * f);
  let round = 0;
  while (!done()) {
    for (let i = 0; i < n; i++)
      if (dirty[i]) {
        sends[i] = fits(i);
        dirty[i] = 0;
      }
    // Frozen: every rumor that fits on some node's link is known everywhere, so no send will teach anything.
    if (sends.every((rs) => rs.every((k) => knowers[k] === n))) return null;
    round++;
    // Every node sends what it knows at the start of the round (`sends` is that snapshot); then the messages arrive.
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (sends[i].length === 0) continue;
      pickPeers(random, n, i, f, picked, count);
      from.fill(i, count, count + f);
      count += f;
    }
    for (let d = 0; d < count; d++) for (const k of sends[from[d]]) learn(picked[d], k);
  }
  return round;
}

export const BOUNDED_NODES = [10, 30, 100, 300, 1000];
export const BOUNDED_RUMORS = 4;
/** Runs per size: the rounds' spread does not grow with N (the sd column), so 50 runs suffice at 1,000 nodes. */
export const boundedRuns = (n: number): number => (n <= 300 ? 100 : 50);
const BOUNDED_SEED = 20_260_101;
/** The links of the companion figure: unbounded, and one rumor per message under either drop policy. */
export const BOUNDED_LINKS: readonly { readonly capacity: LinkCapacity; readonly overflow: OverflowPolicy; readonly name: string }[] = [
  { capacity: 'unbounded', overflow: 'drop-newest', name: 'unbounded' },
  { capacity: 1, overflow: 'drop-newest', name: 'capacity 1, drop-newest' },
  { capacity: 1, overflow: 'drop-oldest', name: 'capacity 1, drop-oldest' },
];

export interface BoundedGossipPoint {
  readonly n: number;
  /** Mean rounds over the runs that converged (NaN when none did). */
  readonly mean: number;
  readonly sd: number;
  readonly converged: number;
  /** Runs in which a rumor died before every node knew it. */
  readonly frozen: number;
  readonly runs: number;
}

export function measureBoundedGossip(
  nodes: number,
  link: { readonly capacity: LinkCapacity; readonly overflow: OverflowPolicy },
  { rumors = BOUNDED_RUMORS, fanout = 1, runs = boundedRuns(nodes) } = {},
): BoundedGossipPoint {
  // The same seeds for every link, so that the series differ only by the link.
  const samples = Array.from({ length: runs }, (_, k) =>
    boundedGossipRounds({ nodes, fanout, rumors, ...link, seed: BOUNDED_SEED + nodes * 7919 + rumors * 104_729 + k }),
  );
  const ok = samples.filter((x): x is number => x !== null);
  const mean = ok.reduce((a, x) => a + x, 0) / ok.length;
  const sd = Math.sqrt(ok.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(1, ok.length - 1));
  return { n: nodes, mean, sd, converged: ok.length, frozen: runs - ok.length, runs };
}

export const boundedGossipFigure: Figure = {
  id: 'gossip-bounded-links',
  title: 'Gossip on bounded links: rounds until every node knows every rumor, unbounded against one rumor per message',
  render: () => {
    const points = BOUNDED_NODES.map((n) => BOUNDED_LINKS.map((link) => measureBoundedGossip(n, link)));
    const r2 = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(2));
    const yMax = Math.ceil(Math.max(...points.flat().map((p) => (Number.isNaN(p.mean) ? 0 : p.mean))) / 10) * 10;
    return [
      '# Gossip on bounded links (`gossip`)',
      '',
      `${BOUNDED_RUMORS} rumors, each written at its own node in round 0; push gossip with fanout 1 in synchronous rounds, as in`,
      '[the gossip rounds figure](gossip-rounds.md). A node queues the rumors it knows on the link to its peer in the order',
      'it learned them (its own first); the link (`src/model/channels.ts`) carries `capacity` rumors per round: drop-newest',
      'keeps the rumors the node learned first, drop-oldest the ones it learned last. A run is frozen when every rumor that',
      'still fits on some link is known everywhere while a node misses another: no later round can teach anything.',
      `Runs per N: ${BOUNDED_NODES.map((n) => `${boundedRuns(n)} at ${n.toLocaleString('en-US')}`).join(', ')}, the same seeds for every link; the mean and sd are`,
      'over the runs that converged. With one rumor the three links give the same rounds run for run: every message',
      'carries that rumor, so a link never holds two. Bandwidth matters once several rumors compete for a message.',
      '',
      `| N | ${BOUNDED_LINKS.map((l) => `${l.name} mean | sd | frozen`).join(' | ')} | log₂N + ln N |`,
      `|---:|${BOUNDED_LINKS.map(() => '---:|---:|---:|').join('')}---:|`,
      ...points.map(
        (ps) =>
          `| ${ps[0].n.toLocaleString('en-US')} | ${ps.map((p) => `${r2(p.mean)} | ${r2(p.sd)} | ${p.frozen}/${p.runs}`).join(' | ')} | ${r2(pushTheory(ps[0].n, 1))} |`,
      ),
      '',
      ...xyChart({
        title: `Gossip of ${BOUNDED_RUMORS} rumors: rounds until every node knows all`,
        kind: 'line',
        x: { title: 'nodes N', labels: BOUNDED_NODES.map((n) => (n >= 1000 ? `${n / 1000}k` : String(n))) },
        y: { title: 'rounds', min: 0, max: yMax },
        series: BOUNDED_LINKS.map((l, li) => ({ name: l.name, values: points.map((ps) => (Number.isNaN(ps[li].mean) ? 0 : ps[li].mean)) })),
        decimals: 2,
      }),
      '',
    ].join('\n');
  },
};
