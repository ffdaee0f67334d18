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
import { replaceAt } from '../../src/model/plain';

export type Role = 'follower' | 'candidate' | 'leader';
export type Timeouts = 'fixed' | 'randomized';

export interface ElectionState {
  /** Durable: each node's current term, relative to the lowest. */
  readonly term: readonly number[];
  /** Durable: whom the node voted for in its current term, -1 for nobody. */
  readonly votedFor: readonly number[];
  /** Volatile. */
  readonly role: readonly Role[];
  /** Volatile: bitmask of the votes a candidate (or leader) received in its current term. */
  readonly votes: readonly number[];
  /** History: per relative term, bitmask of the nodes that became leader in it. */
  readonly won: readonly number[];
  readonly faults: FaultState;
}

type ProtocolAction =
  { readonly name: 'Timeout'; readonly node: number } | { readonly name: 'GrantVote'; readonly voter: number; readonly candidate: number };
export type ElectionAction = ProtocolAction | FaultAction;

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

const nodeName = (i: number): string => `n${i + 1}`;
const bits = (mask: number): number => {
  let c = 0;
  for (let v = mask; v; v &= v - 1) c++;
  return c;
};
const termName = (k: number): string => (k === 0 ? 'T' : `T+${k}`);
const ROLE_CODE: Record<Role, string> = { follower: 'F', candidate: 'C', leader: 'L' };

function electionMachine(
  n: number,
  timeouts: Timeouts,
  window: number,
  variant: string,
  budget: FaultBudget,
): Machine<ElectionState, ElectionAction> {
  const ids = Array.from({ length: n }, (_, i) => i);
  const names = ids.map(nodeName);
  const quorum = variant === 'half-quorum' ? Math.floor(n / 2) : Math.floor(n / 2) + 1;
  const up = (s: ElectionState, i: number): boolean => isUp(s.faults, names[i]);
  const setOf = (mask: number): string =>
    `{${ids
      .filter((i) => mask & (1 << i))
      .map(nodeName)
      .join(',')}}`;

  /** Whether voter v would grant candidate c's RequestVote now. */
  const wouldGrant = (s: ElectionState, v: number, c: number): boolean =>
    v !== c &&
    up(s, v) &&
    up(s, c) &&
    s.role[c] === 'candidate' &&
    (s.term[v] < s.term[c] || (s.term[v] === s.term[c] && s.votedFor[v] === -1));

  const canTimeOut = (s: ElectionState, i: number): boolean => {
    if (!up(s, i) || s.role[i] === 'leader' || s.term[i] + 1 > window) return false;
    // Heartbeats: a live leader of this term or a later one keeps the node a follower.
    if (ids.some((l) => s.role[l] === 'leader' && up(s, l) && s.term[l] >= s.term[i])) return false;
    return timeouts === 'fixed' || !ids.some((c) => wouldGrant(s, i, c));
  };

  const actions = (s: ElectionState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    for (const i of ids) if (canTimeOut(s, i)) out.push({ name: 'Timeout', node: i });
    for (const c of ids) for (const v of ids) if (wouldGrant(s, v, c)) out.push({ name: 'GrantVote', voter: v, candidate: c });
    return out;
  };

  /** Terms relative to the lowest: shift every term down, dropping the history of terms that are over. */
  const normalize = (s: ElectionState): ElectionState => {
    const low = Math.min(...s.term);
    if (low === 0) return s;
    return { ...s, term: s.term.map((t) => t - low), won: [...s.won.slice(low), ...new Array<number>(low).fill(0)] };
  };

  /** A candidate with a quorum of votes becomes leader of its term. */
  const tally = (s: ElectionState, c: number): ElectionState =>
    bits(s.votes[c]) < quorum
      ? s
      : { ...s, role: replaceAt(s.role, c, 'leader'), won: replaceAt(s.won, s.term[c], s.won[s.term[c]] | (1 << c)) };

  const next = (s: ElectionState, a: ProtocolAction): ElectionState => {
    if (a.name === 'Timeout') {
      const i = a.node;
      const started: ElectionState = {
        ...s,
        term: replaceAt(s.term, i, s.term[i] + 1),
        votedFor: replaceAt(s.votedFor, i, i),
        role: replaceAt(s.role, i, 'candidate'),
        votes: replaceAt(s.votes, i, 1 << i),
      };
      return normalize(tally(started, i));
    }
    const { voter: v, candidate: c } = a;
    const granted: ElectionState = {
      ...s,
      term: replaceAt(s.term, v, s.term[c]),
      votedFor: replaceAt(s.votedFor, v, c),
      role: replaceAt(s.role, v, 'follower'),
      votes: replaceAt(replaceAt(s.votes, v, 0), c, s.votes[c] | (1 << v)),
    };
    return normalize(tally(granted, c));
  };

  const liveLeader = (s: ElectionState): boolean => ids.some((i) => s.role[i] === 'leader' && up(s, i));
  const properties: Property<ElectionState, ElectionAction>[] = [
    {
      kind: 'always',
      name: 'electionSafety',
      description: 'At most one leader is elected in any term.',
      holds: (s) => s.won.every((w) => bits(w) <= 1),
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
      holds: (s) => ids.every((i) => s.term[i] === s.term[0] && s.votedFor[i] !== -1) && s.won[s.term[0]] === 0,
    });
  }
  if (budget.crashes > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'reelectedAfterCrash',
      description: 'The leader of a term is down and another node leads a later term.',
      holds: (s) =>
        ids.some(
          (l) =>
            s.role[l] === 'leader' &&
            up(s, l) &&
            s.won.some((w, k) => k < s.term[l] && ids.some((o) => o !== l && w & (1 << o) && !up(s, o))),
        ),
    });
  }

  const describe = (a: ProtocolAction): string =>
    a.name === 'Timeout' ? `Timeout(${names[a.node]})` : `GrantVote(${names[a.voter]}→${names[a.candidate]})`;
  const view = (from: ElectionState, a: ProtocolAction, to: ElectionState): ViewEvent[] => {
    if (a.name === 'Timeout') {
      const i = a.node;
      return [{ type: 'note', over: names[i], text: `⏰ timeout: candidate of ${termName(from.term[i] + 1)}` }];
    }
    const out: ViewEvent[] = [
      { type: 'message', from: names[a.voter], to: names[a.candidate], label: `vote (${termName(from.term[a.candidate])})` },
    ];
    if (to.role[a.candidate] === 'leader')
      out.push({ type: 'note', over: names[a.candidate], text: `👑 leader of ${termName(from.term[a.candidate])}` });
    return out;
  };

  return withFaults(
    budget,
    {
      nodes: names,
      crashable: names,
      restart: true,
      onRestart: (s, node) => {
        const i = names.indexOf(node);
        const kept = variant === 'vote-not-durable' ? replaceAt(s.votedFor, i, -1) : s.votedFor;
        return { ...s, votedFor: kept, role: replaceAt(s.role, i, 'follower'), votes: replaceAt(s.votes, i, 0) };
      },
    },
    {
      init: [
        {
          term: ids.map(() => 0),
          votedFor: ids.map(() => -1),
          role: ids.map(() => 'follower' as const),
          votes: ids.map(() => 0),
          won: new Array<number>(window + 1).fill(0),
          faults: initialFaults(budget),
        },
      ],
      actions,
      next,
      key: (s) => `${ids.map((i) => `${s.term[i]}${ROLE_CODE[s.role[i]]}${s.votedFor[i] + 1}.${s.votes[i]}`).join(',')}|${s.won.join(',')}`,
      properties,
      actionNames: ['Timeout', 'GrantVote'],
      formatAction: describe,
      fairness:
        'Weak fairness on every timeout, vote and restart; none on crashes. Timeouts are suppressed while a live leader of the same or a later term exists.',
      view,
      // Terms are relative: T is the lowest term any node holds.
      display: (s) => ({
        ...Object.fromEntries(
          ids.map((i) => [
            names[i],
            `${termName(s.term[i])} ${s.role[i]}${up(s, i) ? '' : ' (down)'}, voted ${s.votedFor[i] < 0 ? '—' : names[s.votedFor[i]]}${
              s.role[i] === 'follower' ? '' : `, votes ${setOf(s.votes[i])}`
            }`,
          ]),
        ),
        leaders: s.won.map((w, k) => `${termName(k)}: ${setOf(w)}`).join('; '),
      }),
    },
  );
}

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
