// Growing a Raft cluster from 3 to 5 servers by rolling configuration changes: each server adopts the next
// member list on its own, and a candidate wins with a majority of the configuration IT runs. If the old list
// ({S1, S2, S3}) and the new one ({S1, …, S5}) are both in use, a majority of the old (2 of 3) and a majority of
// the new (3 of 5) can be disjoint, and two leaders are elected in one term (Raft paper §6, Figure 10).
// Fixes: change one server at a time (3 → 4 → 5), each change adopted by every server before the next starts,
// so any two configurations in use are adjacent and their majorities meet (Ongaro's thesis §4.1); or joint
// consensus (§6, thesis §4.3): an intermediate configuration C_old,new that needs a majority of both.
// Source: the seed's 副本 and Quorum (投票机制, n/2+1); Ongaro & Ousterhout, "In Search of an Understandable
// Consensus Algorithm" (2014) §5.2 and §6; Ongaro, "Consensus: Bridging Theory and Practice" (2014) ch. 4.
// Scope: the election only (no log entries besides the configuration), as in the leader-election model: a
// RequestVote and its reply are one step (Vote); a server votes at most once per term, durably. A candidate asks
// the members of its own configuration, and any of them answers, whatever its own list says (Raft does not
// check); only a member of its own configuration times out. Terms are absolute and bounded (`terms`).
// Versions are configurations (src/model/versions.ts): Upgrade(S) is S adopting the next configuration as Raft
// spreads it, in the log: the entry reaches S in an AppendEntries of the newest term (abstracted as the highest
// term any server holds), so S learns that term and restarts its election state (follower, no votes);
// currentTerm and votedFor are durable. "Adopted before the next change" is versions.ts's `stepwise` (every
// server runs v before any runs v+1), stronger than Raft's "committed by a majority". The `member-list-restart`
// variant drops the term: an operator edits the member list and restarts the server.
// Safety: at most one leader per term (election safety).
import { defineModel, type Machine, type Property, type Variant, type ViewEvent } from '../../src/model/model';
import { replaceAt, setAdd } from '../../src/model/plain';
import {
  byVersion,
  formatVersions,
  initialVersions,
  isMixed,
  rolloutOf,
  rolloutParams,
  versionOf,
  withVersions,
  type NodeProtocol,
  type VersionAction,
  type VersionState,
} from '../../src/model/versions';

const SERVERS = ['S1', 'S2', 'S3', 'S4', 'S5'] as const;
type Server = (typeof SERVERS)[number];
export type Role = 'follower' | 'candidate' | 'leader';

/** A configuration: a candidate needs a majority of every group (one group; two in joint consensus). */
export type Configuration = readonly (readonly Server[])[];

const OLD: Configuration = [['S1', 'S2', 'S3']];
const FOUR: Configuration = [['S1', 'S2', 'S3', 'S4']];
const NEW: Configuration = [['S1', 'S2', 'S3', 'S4', 'S5']];
const JOINT: Configuration = [...OLD, ...NEW];

/** The configurations each variant rolls out: v1, v2, … in order. */
export const PLANS: Readonly<Record<string, readonly Configuration[]>> = {
  correct: [OLD, FOUR, NEW],
  direct: [OLD, NEW],
  'joint-consensus': [OLD, JOINT, NEW],
  'member-list-restart': [OLD, FOUR, NEW],
};

export const isMember = (c: Configuration, s: Server): boolean => c.some((g) => g.includes(s));

/** Whether these votes elect a candidate of configuration c: a majority of every group, counting only its members. */
export function wins(c: Configuration, votes: ReadonlySet<Server>): boolean {
  return c.every((g) => g.filter((s) => votes.has(s)).length > g.length / 2);
}

/** The last election won: its term, the configuration version it was won with, whether configurations were mixed, and whether a server outside the old configuration voted. */
export interface Win {
  readonly term: number;
  readonly version: number;
  readonly mixed: boolean;
  readonly newcomerVoted: boolean;
  /** Rollbacks the run had taken before this election. */
  readonly afterRollbacks: number;
}

export interface MembershipState {
  readonly versions: VersionState;
  /** Durable. */
  readonly currentTerm: Readonly<Record<Server, number>>;
  /** Durable: whom the server voted for in its current term. */
  readonly votedFor: Readonly<Record<Server, Server | null>>;
  readonly role: Readonly<Record<Server, Role>>;
  /** The votes a candidate (or leader) received in its current term. */
  readonly votesGranted: Readonly<Record<Server, ReadonlySet<Server>>>;
  /** History: per term (index 0 … terms), the servers that became leader in it. */
  readonly won: readonly ReadonlySet<Server>[];
  readonly lastWin: Win | null;
}

export type MembershipAction =
  { readonly name: 'Timeout'; readonly node: Server } | { readonly name: 'Vote'; readonly voter: Server; readonly node: Server };

interface MembershipParams {
  readonly terms: number;
  readonly order: 'any' | 'rolling';
  readonly stepwise: boolean;
  readonly downgrades: number;
}

const NOBODY: ReadonlySet<Server> = new Set();
const perServer = <T>(value: T): Record<Server, T> => ({ S1: value, S2: value, S3: value, S4: value, S5: value });

function membershipMachine(params: MembershipParams, variant: string): Machine<MembershipState, MembershipAction | VersionAction> {
  const plan = PLANS[variant];
  const rollout = rolloutOf(params, SERVERS, plan.length);
  const configOf = (s: MembershipState, n: Server): Configuration => plan[versionOf(s.versions, n) - 1];

  /**
   * Whether voter v grants candidate c's RequestVote now. c asks the members of its own configuration; v answers
   * whatever its own configuration says, once per term.
   */
  const wouldGrant = (s: MembershipState, v: Server, c: Server): boolean =>
    v !== c &&
    isMember(configOf(s, c), v) &&
    s.role[c] === 'candidate' &&
    (s.currentTerm[v] < s.currentTerm[c] || (s.currentTerm[v] === s.currentTerm[c] && s.votedFor[v] === null));

  /** A candidate whose votes win its own configuration becomes leader of its term. */
  const tally = (s: MembershipState, c: Server): MembershipState => {
    if (!wins(configOf(s, c), s.votesGranted[c])) return s;
    const term = s.currentTerm[c];
    const newcomerVoted = [...s.votesGranted[c]].some((x) => !isMember(OLD, x));
    const afterRollbacks = params.downgrades - s.versions.downgrades;
    const win: Win = { term, version: versionOf(s.versions, c), mixed: isMixed(s.versions), newcomerVoted, afterRollbacks };
    return { ...s, role: { ...s.role, [c]: 'leader' }, won: replaceAt(s.won, term, setAdd(s.won[term], c)), lastWin: win };
  };

  // One server protocol per configuration: the same election, with that version's member list and majorities.
  const server = (config: Configuration): NodeProtocol<MembershipState, MembershipAction> => ({
    actions: (s, node) => {
      const c = node as Server;
      const out: MembershipAction[] = [];
      if (isMember(config, c) && s.role[c] !== 'leader' && s.currentTerm[c] < params.terms) out.push({ name: 'Timeout', node: c });
      for (const v of SERVERS) if (wouldGrant(s, v, c)) out.push({ name: 'Vote', voter: v, node: c });
      return out;
    },
    next: (s, a) => {
      const c = a.node;
      // Timeout(c): c starts the next term as a candidate and votes for itself.
      if (a.name === 'Timeout')
        return tally(
          {
            ...s,
            currentTerm: { ...s.currentTerm, [c]: s.currentTerm[c] + 1 },
            votedFor: { ...s.votedFor, [c]: c },
            role: { ...s.role, [c]: 'candidate' },
            votesGranted: { ...s.votesGranted, [c]: new Set([c]) },
          },
          c,
        );
      // Vote(v→c): v handles c's RequestVote, adopts c's term and records its vote; c counts it.
      const v = a.voter;
      return tally(
        {
          ...s,
          currentTerm: { ...s.currentTerm, [v]: s.currentTerm[c] },
          votedFor: { ...s.votedFor, [v]: c },
          role: { ...s.role, [v]: 'follower' },
          votesGranted: { ...s.votesGranted, [v]: NOBODY, [c]: setAdd(s.votesGranted[c], v) },
        },
        c,
      );
    },
  });
  const protocol = byVersion<MembershipState, MembershipAction>(
    SERVERS,
    Object.fromEntries(plan.map((c, i) => [i + 1, server(c)])),
    (a) => a.node,
  );

  // Adopting a configuration restarts the server's election state; from the log, it also learns the newest term.
  const onRestart = (s: MembershipState, node: string): MembershipState => {
    const n = node as Server;
    const newest = Math.max(...SERVERS.map((x) => s.currentTerm[x]));
    const term = variant === 'member-list-restart' ? s.currentTerm[n] : newest;
    return {
      ...s,
      currentTerm: { ...s.currentTerm, [n]: term },
      votedFor: term === s.currentTerm[n] ? s.votedFor : { ...s.votedFor, [n]: null },
      role: { ...s.role, [n]: 'follower' },
      votesGranted: { ...s.votesGranted, [n]: NOBODY },
    };
  };

  const last = plan.length;
  const properties: Property<MembershipState, MembershipAction | VersionAction>[] = [
    {
      kind: 'always',
      name: 'electionSafety',
      description: 'At most one leader is elected in any term.',
      holds: (s) => s.won.every((w) => w.size <= 1),
    },
    {
      kind: 'sometimes',
      name: 'leaderInMixedConfiguration',
      description: 'A leader is elected while servers run different configurations.',
      holds: (s) => s.lastWin !== null && s.lastWin.mixed,
    },
    {
      kind: 'sometimes',
      name: 'newServerVoteCounted',
      description: 'A leader wins with the vote of a server the old configuration does not have.',
      holds: (s) => s.lastWin !== null && s.lastWin.newcomerVoted,
    },
    {
      kind: 'sometimes',
      name: 'leaderInNewConfiguration',
      description: 'Every server runs the last configuration, and a leader is elected with it.',
      holds: (s) => s.lastWin !== null && s.lastWin.version === last && SERVERS.every((x) => versionOf(s.versions, x) === last),
    },
  ];
  if (params.downgrades > 0)
    properties.push({
      kind: 'sometimes',
      name: 'rolledBack',
      description: 'A server went back to an earlier configuration, and a leader was elected after it.',
      holds: (s) => s.lastWin !== null && s.lastWin.afterRollbacks > 0,
    });

  const setText = (set: ReadonlySet<Server>): string => `{${SERVERS.filter((x) => set.has(x)).join(',')}}`;
  const configText = (c: Configuration): string => c.map((g) => `{${g.join(',')}}`).join(' + ');
  return withVersions<MembershipState, MembershipAction>(
    rollout,
    // A version here is a configuration: a deploy is a server adopting the next member list (and learning the term).
    { onRestart, describeChange: (_node, from, to) => `${to > from ? '⬆ adopts' : '⬇ back to'} ${configText(plan[to - 1])}` },
    {
      init: [
        {
          versions: initialVersions(rollout),
          currentTerm: perServer(0),
          votedFor: perServer<Server | null>(null),
          role: perServer<Role>('follower'),
          votesGranted: perServer(NOBODY),
          won: Array.from({ length: params.terms + 1 }, () => NOBODY),
          lastWin: null,
        },
      ],
      actions: protocol.actions,
      next: protocol.next,
      properties,
      actionNames: ['Timeout', 'Vote'],
      formatAction: (a) => (a.name === 'Timeout' ? `Timeout(${a.node})` : `Vote(${a.voter}→${a.node})`),
      actors: SERVERS,
      view: (from, a, to): ViewEvent[] => {
        if (a.name === 'Timeout')
          return [
            { type: 'note', over: a.node, text: `⏰ candidate of term ${to.currentTerm[a.node]} in ${configText(configOf(from, a.node))}` },
          ];
        const out: ViewEvent[] = [{ type: 'message', from: a.voter, to: a.node, label: 'vote' }];
        if (to.role[a.node] === 'leader' && from.role[a.node] !== 'leader') {
          const w = to.lastWin!;
          // Short, as an arrow label does not wrap: the votes and the configuration are in the step table.
          out.push({ type: 'note', over: a.node, text: `👑 leads term ${w.term}${to.won[w.term].size > 1 ? ' too ✗' : ''}` });
        }
        return out;
      },
      display: (s) => ({
        versions: formatVersions(s.versions, SERVERS),
        ...Object.fromEntries(
          SERVERS.map((x) => [
            x,
            `term ${s.currentTerm[x]} ${s.role[x]}, voted ${s.votedFor[x] ?? '—'}${s.role[x] === 'follower' ? '' : `, votes ${setText(s.votesGranted[x])}`}, config ${configText(configOf(s, x))}`,
          ]),
        ),
        leaders: s.won
          .slice(1)
          .map((w, k) => `term ${k + 1}: ${setText(w)}`)
          .join('; '),
      }),
      fairness: 'Protocol steps are weakly fair; configuration changes are operator actions and never fair.',
    },
  );
}

// Variants and configurations.

const variants: readonly Variant[] = [
  {
    name: 'correct',
    description: 'One server at a time: {S1,S2,S3}, then {S1,…,S4}, then {S1,…,S5}. Any majorities of two adjacent configurations meet.',
  },
  {
    name: 'direct',
    description: 'Straight from {S1,S2,S3} to {S1,…,S5}: {S1,S2} is a majority of the old, {S3,S4,S5} of the new.',
    breaks: 'electionSafety',
  },
  {
    name: 'joint-consensus',
    description: 'Raft §6: {S1,S2,S3}, then the joint configuration (a majority of the old and a majority of the new), then {S1,…,S5}.',
  },
  {
    name: 'member-list-restart',
    description:
      'One server at a time, but the member list is edited and the server restarted, outside the log: it learns no newer term, so a term that an old majority decided stays open to a new majority two changes later.',
    breaks: 'electionSafety',
  },
];

export const raftMembership = defineModel({
  id: 'raft-membership',
  title: 'Growing a Raft cluster from 3 to 5 servers by rolling configuration changes',
  source:
    'The seed’s 副本 and Quorum; Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm" (2014) §6; Ongaro, "Consensus: Bridging Theory and Practice" (2014) ch. 4',
  scope:
    'Five servers, three of them members at first; each adopts the next configuration on its own (one step, learning the newest term as from the log), and a candidate wins with a majority of its own configuration. One durable vote per server and term; terms bounded. Safety: at most one leader per term across every mixed-configuration state. No logs, crashes or loss.',
  params: {
    terms: { type: 'int', default: 1, min: 1, max: 3, description: 'the highest term a server may reach' },
    ...rolloutParams(2),
  },
  variants,
  configurations: [
    {
      name: 'single-server',
      description:
        'One server at a time (3 → 4 → 5), each change adopted by every server before the next, in rolling order: one leader per term (and over two terms, `--param terms=2`: 221,128 states).',
      variant: 'correct',
      params: {},
    },
    {
      name: 'single-server-rollback',
      description:
        'The same, with one configuration rolled back (in reverse rolling order): every two configurations in use are still adjacent.',
      variant: 'correct',
      params: { downgrades: 1 },
    },
    {
      name: 'single-server-overlapping',
      description:
        'One server at a time, but the second change starts before the first is adopted everywhere: S1 runs {S1,…,S5} while S2 and S3 still run {S1,S2,S3}.',
      variant: 'correct',
      params: { stepwise: false },
      expect: { violates: 'electionSafety' },
    },
    {
      name: 'direct',
      description: 'Straight from 3 to 5, in rolling order: S1 wins with S4 and S5, S2 with S3, in one term.',
      variant: 'direct',
      params: {},
    },
    {
      name: 'joint-consensus',
      description: 'Joint consensus, in rolling order: one leader per term.',
      variant: 'joint-consensus',
      params: {},
    },
    { name: 'member-list-restart', variant: 'member-list-restart', params: {} },
  ],
  machine: (params, variant) => membershipMachine(params, variant),
});
