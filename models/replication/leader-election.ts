// Leader election with terms and durable votes, as in Raft's election (Ongaro & Ousterhout, "In Search of an
// Understandable Consensus Algorithm", 2014, §5.2): a node that hears from no leader times out, starts a new
// term, votes for itself and asks the others; each node grants at most one vote per term and keeps it on
// disk (currentTerm and votedFor are durable); a majority of votes makes a leader.
// Source: the seed's 副本 section ("master选举通常都是投票机制 … n/2+1"); Raft §5.2 and Figure 2.
// Scope: election safety (at most one leader per term) and "a leader is eventually elected", with crashes and
// restarts. Abstractions:
// - A RequestVote and its reply are one step (GrantVote); a vote that is never granted is a lost message.
// - Heartbeats are not messages: a node does not time out while a live leader of its term or higher exists.
// - Terms matter only relative to each other, so they are stored relative to the lowest term (a state where
//   every node moved on to the next term equals the one before it). Terms below the lowest are over: no node
//   can vote in them any more, so their history is dropped. A node may run ahead of the lowest term by at most
//   `window` terms (a state constraint, as in TLC). This is what makes endless split votes a cycle, a lasso.
// - Fixed timeouts may fire at any time, so all nodes may time out together, again and again. Randomized
//   timeouts are taken to their limit: a node's timer never fires while it could still grant a pending
//   RequestVote (the first node to time out reaches the others before their timers fire, Raft's
//   broadcastTime ≪ electionTimeout).
import { budgetOf, faultParams, initialFaults, isUp, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState } from '../../src/model/faults';
import { defineModel, type Machine, type Property, type Variant, type ViewEvent } from '../../src/model/model';
import { replaceAt, setAdd } from '../../src/model/plain';

export type Node = string;
export type Role = 'follower' | 'candidate' | 'leader';
export type Timeouts = 'fixed' | 'randomized';

/** Raft's per-node variables (Figure 2), keyed by node name, and the history of who won each term. */
export interface ElectionState {
  /** Durable: each node's current term, relative to the lowest. */
  readonly currentTerm: Readonly<Record<Node, number>>;
  /** Durable: whom the node voted for in its current term, or null. */
  readonly votedFor: Readonly<Record<Node, Node | null>>;
  /** Volatile. */
  readonly role: Readonly<Record<Node, Role>>;
  /** Volatile: the votes a candidate (or leader) received in its current term. */
  readonly votesGranted: Readonly<Record<Node, ReadonlySet<Node>>>;
  /** History: per relative term, the nodes that became leader in it. */
  readonly won: readonly ReadonlySet<Node>[];
  readonly faults: FaultState;
}

type ProtocolAction =
  { readonly name: 'Timeout'; readonly node: Node } | { readonly name: 'GrantVote'; readonly voter: Node; readonly candidate: Node };
export type ElectionAction = ProtocolAction | FaultAction;

const NOBODY: ReadonlySet<Node> = new Set();
const nodeNames = (n: number): Node[] => Array.from({ length: n }, (_, i) => `n${i + 1}`);
const perNode = <T>(nodes: readonly Node[], value: T): Record<Node, T> => Object.fromEntries(nodes.map((n) => [n, value]));

function electionMachine(
  n: number,
  timeouts: Timeouts,
  window: number,
  variant: string,
  budget: FaultBudget,
): Machine<ElectionState, ElectionAction> {
  const nodes = nodeNames(n);
  const quorum = variant === 'half-quorum' ? Math.floor(n / 2) : Math.floor(n / 2) + 1;
  const up = (s: ElectionState, i: Node): boolean => isUp(s.faults, i);

  /** Whether voter v would grant candidate c's RequestVote now. */
  const wouldGrant = (s: ElectionState, v: Node, c: Node): boolean =>
    v !== c &&
    up(s, v) &&
    up(s, c) &&
    s.role[c] === 'candidate' &&
    (s.currentTerm[v] < s.currentTerm[c] || (s.currentTerm[v] === s.currentTerm[c] && s.votedFor[v] === null));

  const canTimeOut = (s: ElectionState, i: Node): boolean => {
    if (!up(s, i) || s.role[i] === 'leader' || s.currentTerm[i] + 1 > window) return false;
    // Heartbeats: a live leader of this term or a later one keeps the node a follower.
    if (nodes.some((l) => s.role[l] === 'leader' && up(s, l) && s.currentTerm[l] >= s.currentTerm[i])) return false;
    return timeouts === 'fixed' || !nodes.some((c) => wouldGrant(s, i, c));
  };

  const actions = (s: ElectionState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    for (const i of nodes) if (canTimeOut(s, i)) out.push({ name: 'Timeout', node: i });
    for (const c of nodes) for (const v of nodes) if (wouldGrant(s, v, c)) out.push({ name: 'GrantVote', voter: v, candidate: c });
    return out;
  };

  /** Terms relative to the lowest: shift every term down, dropping the history of terms that are over. */
  const normalize = (s: ElectionState): ElectionState => {
    const low = Math.min(...nodes.map((i) => s.currentTerm[i]));
    if (low === 0) return s;
    return {
      ...s,
      currentTerm: Object.fromEntries(nodes.map((i) => [i, s.currentTerm[i] - low])),
      won: [...s.won.slice(low), ...Array.from({ length: low }, () => NOBODY)],
    };
  };

  /** A candidate with a quorum of votes becomes leader of its term. */
  const tally = (s: ElectionState, c: Node): ElectionState => {
    if (s.votesGranted[c].size < quorum) return s;
    const t = s.currentTerm[c];
    return { ...s, role: { ...s.role, [c]: 'leader' }, won: replaceAt(s.won, t, setAdd(s.won[t], c)) };
  };

  const next = (s: ElectionState, a: ProtocolAction): ElectionState => {
    // Timeout(i): i starts a new term as a candidate and votes for itself.
    if (a.name === 'Timeout') {
      const i = a.node;
      const started: ElectionState = {
        ...s,
        currentTerm: { ...s.currentTerm, [i]: s.currentTerm[i] + 1 },
        votedFor: { ...s.votedFor, [i]: i },
        role: { ...s.role, [i]: 'candidate' },
        votesGranted: { ...s.votesGranted, [i]: new Set([i]) },
      };
      return normalize(tally(started, i));
    }
    // GrantVote(v→c): v handles c's RequestVote, adopts c's term and records its vote; c counts it.
    const { voter: v, candidate: c } = a;
    const granted: ElectionState = {
      ...s,
      currentTerm: { ...s.currentTerm, [v]: s.currentTerm[c] },
      votedFor: { ...s.votedFor, [v]: c },
      role: { ...s.role, [v]: 'follower' },
      votesGranted: { ...s.votesGranted, [v]: NOBODY, [c]: setAdd(s.votesGranted[c], v) },
    };
    return normalize(tally(granted, c));
  };

  const liveLeader = (s: ElectionState): boolean => nodes.some((i) => s.role[i] === 'leader' && up(s, i));
  const properties: Property<ElectionState, ElectionAction>[] = [
    {
      kind: 'always',
      name: 'electionSafety',
      description: 'At most one leader is elected in any term.',
      holds: (s) => s.won.every((w) => w.size <= 1),
    },
    {
      kind: 'leadsTo',
      name: 'leaderEventually',
      description: 'Whenever no live leader exists, one is eventually elected.',
      from: (s) => !liveLeader(s),
      to: liveLeader,
    },
    { kind: 'sometimes', name: 'leaderElected', description: 'Some node is leader.', holds: liveLeader },
  ];
  if (timeouts === 'fixed') {
    properties.push({
      kind: 'sometimes',
      name: 'splitVote',
      description: 'Every node voted in the same term and nobody won it.',
      holds: (s) => {
        const t = s.currentTerm[nodes[0]];
        return nodes.every((i) => s.currentTerm[i] === t && s.votedFor[i] !== null) && s.won[t].size === 0;
      },
    });
  }
  if (budget.crashes > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'reelectedAfterCrash',
      description: 'The leader of a term is down and another node leads a later term.',
      holds: (s) =>
        nodes.some(
          (l) =>
            s.role[l] === 'leader' &&
            up(s, l) &&
            s.won.some((w, k) => k < s.currentTerm[l] && nodes.some((o) => o !== l && w.has(o) && !up(s, o))),
        ),
    });
  }

  return withFaults(
    budget,
    {
      nodes,
      crashable: nodes,
      restart: true,
      onRestart: (s, node) => ({
        ...s,
        votedFor: variant === 'vote-not-durable' ? { ...s.votedFor, [node]: null } : s.votedFor,
        role: { ...s.role, [node]: 'follower' },
        votesGranted: { ...s.votesGranted, [node]: NOBODY },
      }),
    },
    {
      init: [
        {
          currentTerm: perNode(nodes, 0),
          votedFor: perNode<Node | null>(nodes, null),
          role: perNode<Role>(nodes, 'follower'),
          votesGranted: perNode(nodes, NOBODY),
          won: Array.from({ length: window + 1 }, () => NOBODY),
          faults: initialFaults(budget),
        },
      ],
      actions,
      next,
      properties,
      actionNames: ['Timeout', 'GrantVote'],
      fairness:
        'Weak fairness on every timeout, vote and restart; none on crashes. Timeouts are suppressed while a live leader of the same or a later term exists.',
      ...presentation(nodes),
    },
  );
}

// Presentation: action labels, sequence-diagram events and the trace view of a state.
// Terms are relative: T is the lowest term any node holds.

const termName = (k: number): string => (k === 0 ? 'T' : `T+${k}`);

function presentation(nodes: readonly Node[]) {
  const setOf = (set: ReadonlySet<Node>): string => `{${nodes.filter((i) => set.has(i)).join(',')}}`;
  const isUpIn = (s: ElectionState, i: Node): boolean => isUp(s.faults, i);
  return {
    formatAction: (a: ProtocolAction): string => (a.name === 'Timeout' ? `Timeout(${a.node})` : `GrantVote(${a.voter}→${a.candidate})`),
    view: (from: ElectionState, a: ProtocolAction, to: ElectionState): ViewEvent[] => {
      if (a.name === 'Timeout')
        return [{ type: 'note', over: a.node, text: `⏰ timeout: candidate of ${termName(from.currentTerm[a.node] + 1)}` }];
      const term = termName(from.currentTerm[a.candidate]);
      const out: ViewEvent[] = [{ type: 'message', from: a.voter, to: a.candidate, label: `vote (${term})` }];
      if (to.role[a.candidate] === 'leader') out.push({ type: 'note', over: a.candidate, text: `👑 leader of ${term}` });
      return out;
    },
    display: (s: ElectionState) => ({
      ...Object.fromEntries(
        nodes.map((i) => [
          i,
          `${termName(s.currentTerm[i])} ${s.role[i]}${isUpIn(s, i) ? '' : ' (down)'}, voted ${s.votedFor[i] ?? '—'}${
            s.role[i] === 'follower' ? '' : `, votes ${setOf(s.votesGranted[i])}`
          }`,
        ]),
      ),
      leaders: s.won.map((w, k) => `${termName(k)}: ${setOf(w)}`).join('; '),
    }),
  };
}

// Configurations and variants.

const variants: readonly Variant[] = [
  { name: 'correct', description: 'Votes are durable and a candidate needs ⌊N/2⌋ + 1 of them.' },
  {
    name: 'vote-not-durable',
    description: 'votedFor is kept in memory only: a node that restarts may vote a second time in the same term.',
    breaks: 'electionSafety',
  },
  {
    name: 'half-quorum',
    description: 'A candidate wins with ⌊N/2⌋ votes: in an even cluster two candidates can each get half.',
    breaks: 'electionSafety',
  },
];

export const leaderElection = defineModel({
  id: 'leader-election',
  title: 'Leader election with terms and durable votes (Raft §5.2)',
  source:
    'The seed\'s 副本 section (投票机制, n/2+1); Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm" (2014), §5.2',
  scope:
    'At most one leader per term, and a leader is eventually elected, with crash-restart nodes; fixed against randomized timeouts. Terms are relative to the lowest.',
  params: {
    n: { type: 'int', default: 3, min: 1, max: 7, description: 'number of nodes' },
    timeouts: {
      type: 'enum',
      default: 'fixed',
      values: ['fixed', 'randomized'],
      description: 'fixed: timers may fire together; randomized: no timer fires while a RequestVote it could grant is pending',
    },
    window: { type: 'int', default: 1, min: 1, max: 4, description: 'how many terms a node may run ahead of the lowest term' },
    ...faultParams({ crashes: { max: 3, description: 'at most this many crashes (nodes restart with their durable state)' } }),
  },
  variants,
  configurations: [
    {
      name: 'n3-fixed',
      description:
        'Fixed timeouts: all three nodes time out, each votes for itself, nobody wins, and the same happens in the next term, forever (terms are relative, so the next round is the same state).',
      variant: 'correct',
      params: { n: 3 },
      expect: { violates: 'leaderEventually', holds: ['electionSafety'] },
    },
    {
      name: 'n3-randomized-crash1',
      description: 'Randomized timeouts and one crash: the leader may crash, the others elect a new one in a later term.',
      variant: 'correct',
      params: { n: 3, timeouts: 'randomized', crashes: 1 },
    },
    { name: 'n3-randomized', variant: 'correct', params: { n: 3, timeouts: 'randomized' } },
    { name: 'n5-randomized', variant: 'correct', params: { n: 5, timeouts: 'randomized' } },
    { name: 'n5-randomized-crash1', variant: 'correct', params: { n: 5, timeouts: 'randomized', crashes: 1 } },
    {
      name: 'n3-randomized-crash2-window2',
      description: 'Two crashes, and nodes up to two terms apart.',
      variant: 'correct',
      params: { n: 3, timeouts: 'randomized', crashes: 2, window: 2 },
    },
    {
      name: 'n3-fixed-crash1',
      description: 'Fixed timeouts with a crash: safety holds, split votes may still repeat forever.',
      variant: 'correct',
      params: { n: 3, crashes: 1 },
      expect: { violates: 'leaderEventually', holds: ['electionSafety'] },
    },
    { name: 'n3-vote-not-durable', variant: 'vote-not-durable', params: { n: 3, crashes: 1 } },
    {
      name: 'n3-vote-not-durable-randomized',
      description: 'The lost vote needs no concurrent candidates: it breaks safety with randomized timeouts too.',
      variant: 'vote-not-durable',
      params: { n: 3, crashes: 1, timeouts: 'randomized' },
    },
    { name: 'n4-half-quorum', variant: 'half-quorum', params: { n: 4 } },
    {
      name: 'n7-randomized-crash3-random',
      description: 'Seven nodes, three crashes, terms up to two apart, randomized timeouts: random walks.',
      variant: 'correct',
      params: { n: 7, timeouts: 'randomized', window: 2, crashes: 3 },
      strategy: 'random',
      seed: 1,
      runs: 300,
      walkLength: 80,
    },
    {
      name: 'n6-fixed-crash2-random',
      description: 'Six nodes, two crashes, terms up to two apart, fixed timeouts: random walks.',
      variant: 'correct',
      params: { n: 6, window: 2, crashes: 2 },
      strategy: 'random',
      seed: 1,
      runs: 300,
      walkLength: 80,
    },
  ],
  machine: (params, variant) => electionMachine(params.n, params.timeouts, params.window, variant, budgetOf(params)),
});
