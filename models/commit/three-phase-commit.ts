// Three-phase commit: CanCommit -> PreCommit -> DoCommit, with the seed's timeout rules:
//   a participant waiting for PreCommit aborts on timeout; one waiting for DoCommit commits on timeout;
//   a coordinator waiting for replies aborts on timeout.
// Source: the seed's 3PC section (流程, 超时策略); Skeen, "Nonblocking Commit Protocols" (SIGMOD 1981).
// Scope: consistency (safety) and "every live participant eventually decides" (liveness, weak fairness on
// protocol steps and timeouts, none on faults), in two network modes:
//   synchronous  - a timeout fires only when the awaited message can no longer arrive (its sender crashed or
//                  is cut off by a partition, and nothing from it is in flight);
//   asynchronous - a timeout may fire at any time while waiting.
// The coordinator broadcasts each phase in one step (a crash falls between phases), except in the
// crash-mid-broadcast variant, which sends PreCommit one participant at a time.
import { budgetOf, faultParams, findDeliverable, formatPartition, initialFaults, isUp, timeoutEnabled, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState, TimingMode } from '../../src/model/faults';
import {
  deliveryArrows,
  formatNetwork,
  message,
  messageKey,
  messagesSent,
  remove,
  send,
  withNet,
  type Message,
} from '../../src/model/network';
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';

export type CoordPhase = 'init' | 'waiting' | 'precommitted' | 'committed' | 'aborted';
/** init: not voted; uncertain: voted yes, waits for PreCommit; prepared: pre-committed, waits for DoCommit. */
export type PartPhase = 'init' | 'uncertain' | 'prepared' | 'committed' | 'aborted';
type Vote = 'none' | 'yes' | 'no';
/** A participant's name, P1 … Pn; per-participant state is a record keyed by it. */
type P = string;

export interface ThreePCState {
  readonly coord: CoordPhase;
  /** The votes the coordinator has received. */
  readonly votes: Readonly<Record<P, Vote>>;
  readonly acks: Readonly<Record<P, boolean>>;
  /** For crash-mid-broadcast: participants the coordinator has sent PreCommit to. */
  readonly preSent: Readonly<Record<P, boolean>>;
  readonly part: Readonly<Record<P, PartPhase>>;
  readonly faults: FaultState;
}

type PStep =
  | 'PVoteYes'
  | 'PVoteNo'
  | 'PRcvPreCommit'
  | 'PRcvDoCommit'
  | 'PRcvAbort'
  | 'PTimeout'
  | 'CRcvVote'
  | 'CRcvAck'
  | 'CRcvDone'
  | 'CSendPreCommit';
type ProtocolAction =
  { readonly name: 'CCanCommit' | 'CPreCommit' | 'CDoCommit' | 'CAbort' | 'CTimeout' } | { readonly name: PStep; readonly p: P };
export type ThreePCAction = ProtocolAction | FaultAction;

const variants: readonly Variant[] = [
  { name: 'correct', description: "3PC with the seed's timeout rules; the coordinator broadcasts each phase in one step." },
  {
    name: 'no-precommit',
    description: 'Two phases only: a participant that voted yes commits when its wait for DoCommit times out.',
    breaks: 'consistent',
  },
  {
    name: 'majority-quorum',
    description: 'The coordinator pre-commits and commits once a majority has voted yes and acknowledged.',
    breaks: 'consistent',
  },
  {
    name: 'crash-mid-broadcast',
    description: 'The coordinator sends PreCommit one participant at a time, so a crash can hit half-way.',
    breaks: 'consistent',
  },
];

const C = 'C';

function threePCMachine(n: number, mode: TimingMode, variant: string, budget: FaultBudget): Machine<ThreePCState, ThreePCAction> {
  const names: P[] = Array.from({ length: n }, (_, i) => `P${i + 1}`);
  const nodes = [C, ...names];
  const perP = <T>(value: T): Record<P, T> => Object.fromEntries(names.map((p) => [p, value]));
  const values = <T>(r: Readonly<Record<P, T>>): T[] => names.map((p) => r[p]);
  const noPreCommit = variant === 'no-precommit';
  const quorum = variant === 'majority-quorum' ? Math.floor(n / 2) + 1 : n;
  const oneByOne = variant === 'crash-mid-broadcast';
  const decided = (p: PartPhase): boolean => p === 'committed' || p === 'aborted';
  const find = (s: ThreePCState, pred: (m: Message) => boolean): Message | undefined => findDeliverable(s.faults, pred);
  const toMe = (s: ThreePCState, type: string, me: string): Message | undefined => find(s, (m) => m.type === type && m.to === me);
  const broadcast = (s: ThreePCState, type: string): FaultState['net'] => send(s.faults.net, ...names.map((to) => message(type, C, to)));
  const count = <T>(r: Readonly<Record<P, T>>, x: T): number => values(r).filter((y) => y === x).length;
  /** Participants whose reply the coordinator still awaits in its current phase. */
  const awaited = (s: ThreePCState): P[] =>
    s.coord === 'waiting' ? names.filter((p) => s.votes[p] === 'none') : s.coord === 'precommitted' ? names.filter((p) => !s.acks[p]) : [];

  const actions = (s: ThreePCState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    const cUp = isUp(s.faults, C);
    if (cUp) {
      if (s.coord === 'init') out.push({ name: 'CCanCommit' });
      if (s.coord === 'waiting' && count(s.votes, 'yes') >= quorum) out.push({ name: noPreCommit ? 'CDoCommit' : 'CPreCommit' });
      if (s.coord === 'waiting' && count(s.votes, 'no') > n - quorum) out.push({ name: 'CAbort' });
      if (s.coord === 'precommitted' && oneByOne) for (const p of names) if (!s.preSent[p]) out.push({ name: 'CSendPreCommit', p });
      if (s.coord === 'precommitted' && count(s.acks, true) >= quorum && values(s.preSent).every(Boolean)) out.push({ name: 'CDoCommit' });
      const late = awaited(s);
      if (late.length > 0 && (mode === 'asynchronous' || late.some((p) => timeoutEnabled(mode, s.faults, p, C))))
        out.push({ name: 'CTimeout' });
    }
    for (const p of names) {
      const phase = s.part[p];
      if (phase === 'init' && toMe(s, 'CanCommit', p)) out.push({ name: 'PVoteYes', p }, { name: 'PVoteNo', p });
      // A participant that already gave up (timed out) answers a late CanCommit with No.
      if (phase === 'aborted' && toMe(s, 'CanCommit', p)) out.push({ name: 'PVoteNo', p });
      if (toMe(s, 'PreCommit', p)) out.push({ name: 'PRcvPreCommit', p });
      if (toMe(s, 'DoCommit', p)) out.push({ name: 'PRcvDoCommit', p });
      if (toMe(s, 'Abort', p)) out.push({ name: 'PRcvAbort', p });
      if (!decided(phase) && timeoutEnabled(mode, s.faults, C, p)) out.push({ name: 'PTimeout', p });
      if (cUp && find(s, (m) => (m.type === 'Yes' || m.type === 'No') && m.from === p)) out.push({ name: 'CRcvVote', p });
      if (cUp && find(s, (m) => m.type === 'ACK' && m.from === p)) out.push({ name: 'CRcvAck', p });
      if (cUp && find(s, (m) => m.type === 'Done' && m.from === p)) out.push({ name: 'CRcvDone', p });
    }
    return out;
  };

  const setPart = (s: ThreePCState, p: P, phase: PartPhase): ThreePCState => ({ ...s, part: { ...s.part, [p]: phase } });
  /** The seed's participant timeouts: before PreCommit, abort; after it, commit. */
  const onTimeout = (phase: PartPhase): PartPhase =>
    phase === 'prepared' || (noPreCommit && phase === 'uncertain') ? 'committed' : 'aborted';

  const next = (s: ThreePCState, a: ProtocolAction): ThreePCState => {
    switch (a.name) {
      case 'CCanCommit':
        return { ...withNet(s, broadcast(s, 'CanCommit')), coord: 'waiting' };
      case 'CPreCommit':
        return oneByOne
          ? { ...s, coord: 'precommitted' }
          : { ...withNet(s, broadcast(s, 'PreCommit')), coord: 'precommitted', preSent: perP(true) };
      case 'CSendPreCommit':
        return { ...withNet(s, send(s.faults.net, message('PreCommit', C, a.p))), preSent: { ...s.preSent, [a.p]: true } };
      case 'CDoCommit':
        return { ...withNet(s, broadcast(s, 'DoCommit')), coord: 'committed' };
      case 'CAbort':
      case 'CTimeout':
        return { ...withNet(s, broadcast(s, 'Abort')), coord: 'aborted' };
      case 'PVoteYes':
      case 'PVoteNo': {
        const me = a.p;
        const yes = a.name === 'PVoteYes';
        const net = send(remove(s.faults.net, message('CanCommit', C, me)), message(yes ? 'Yes' : 'No', me, C));
        return setPart(withNet(s, net), a.p, yes ? 'uncertain' : 'aborted');
      }
      case 'PRcvPreCommit': {
        const me = a.p;
        const net = remove(s.faults.net, message('PreCommit', C, me));
        if (s.part[a.p] !== 'uncertain') return withNet(s, net);
        return setPart(withNet(s, send(net, message('ACK', me, C))), a.p, 'prepared');
      }
      case 'PRcvDoCommit':
      case 'PRcvAbort': {
        const me = a.p;
        const commit = a.name === 'PRcvDoCommit';
        const net = send(remove(s.faults.net, message(commit ? 'DoCommit' : 'Abort', C, me)), message('Done', me, C));
        return decided(s.part[a.p]) ? withNet(s, net) : setPart(withNet(s, net), a.p, commit ? 'committed' : 'aborted');
      }
      case 'PTimeout':
        return setPart(s, a.p, onTimeout(s.part[a.p]));
      case 'CRcvVote': {
        const m = find(s, (x) => (x.type === 'Yes' || x.type === 'No') && x.from === a.p)!;
        const votes = s.coord === 'waiting' ? { ...s.votes, [a.p]: (m.type === 'Yes' ? 'yes' : 'no') as Vote } : s.votes;
        return { ...withNet(s, remove(s.faults.net, m)), votes };
      }
      case 'CRcvAck': {
        const acks = s.coord === 'precommitted' ? { ...s.acks, [a.p]: true } : s.acks;
        return { ...withNet(s, remove(s.faults.net, message('ACK', a.p, C))), acks };
      }
      case 'CRcvDone':
        return withNet(s, remove(s.faults.net, message('Done', a.p, C)));
    }
  };

  const properties: Property<ThreePCState, ThreePCAction>[] = [
    {
      kind: 'always',
      name: 'consistent',
      description: 'No participant has committed while another has aborted.',
      holds: (s) => !(values(s.part).includes('committed') && values(s.part).includes('aborted')),
    },
    {
      kind: 'eventually',
      name: 'allLiveDecide',
      description: 'Every live participant eventually commits or aborts (participants never crash here).',
      holds: (s) => values(s.part).every(decided),
    },
    {
      kind: 'sometimes',
      name: 'allCommitted',
      description: 'Every participant commits.',
      holds: (s) => values(s.part).every((p) => p === 'committed'),
    },
    {
      kind: 'sometimes',
      name: 'allAborted',
      description: 'Every participant aborts.',
      holds: (s) => values(s.part).every((p) => p === 'aborted'),
    },
  ];
  if (budget.crashes > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'decidedWithoutCoordinator',
      description: 'The coordinator crashed after PreCommit, and every participant still decided.',
      holds: (s) => !isUp(s.faults, C) && s.coord === 'precommitted' && values(s.part).every(decided),
    });
  }
  if (budget.partitions > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'preparedAcrossPartition',
      description: 'A participant is pre-committed while the network is split.',
      holds: (s) => s.faults.partition !== null && values(s.part).includes('prepared'),
    });
  }

  const actionNames = [
    'CCanCommit',
    noPreCommit ? '' : 'CPreCommit',
    'CDoCommit',
    'CAbort',
    'CTimeout',
    'PVoteYes',
    'PVoteNo',
    'PRcvPreCommit',
    'PRcvDoCommit',
    'PRcvAbort',
    'PTimeout',
    'CRcvVote',
    'CRcvAck',
    'CRcvDone',
  ]
    .filter(Boolean)
    .filter((a) => !(noPreCommit && (a === 'PRcvPreCommit' || a === 'CRcvAck')));
  if (oneByOne) actionNames.push('CSendPreCommit');

  const describe = (a: ProtocolAction): string => ('p' in a ? `${a.name}(${a.p})` : a.name);
  return withFaults(
    budget,
    { nodes, crashable: [C] },
    {
      init: [
        {
          coord: 'init',
          votes: perP<Vote>('none'),
          acks: perP(false),
          preSent: perP(false),
          part: perP<PartPhase>('init'),
          faults: initialFaults(budget),
        },
      ],
      actions,
      next,
      properties,
      actionNames,
      formatAction: describe,
      fairness: 'Weak fairness on every protocol step and timeout; none on the crash, the partition or the heal.',
      metrics: [{ name: 'messages per decision', along: 'allCommitted', perStep: messagesSent }],
      view: (from, a, to) => {
        // Messages are drawn when they arrive; a vote is a note over the participant that casts it.
        if (!('p' in a)) {
          const text = {
            CCanCommit: 'sends CanCommit to all',
            CPreCommit: oneByOne ? 'decides to pre-commit' : 'sends PreCommit to all',
            CDoCommit: 'sends DoCommit to all',
            CAbort: 'decides Abort, sends it to all',
            CTimeout: 'times out, sends Abort to all',
          }[a.name];
          return [{ type: 'note', over: C, text }];
        }
        const p = a.p;
        switch (a.name) {
          case 'PVoteYes':
            return [{ type: 'note', over: p, text: 'receives CanCommit, votes yes' }];
          case 'PVoteNo':
            return [{ type: 'note', over: p, text: 'receives CanCommit, votes no' }];
          case 'PTimeout':
            return [{ type: 'note', over: p, text: to.part[a.p] === 'committed' ? 'times out, commits' : 'times out, aborts' }];
          case 'CSendPreCommit':
            return [{ type: 'note', over: C, text: `sends PreCommit to ${p}` }];
          default:
            return deliveryArrows(from.faults.net, to.faults.net);
        }
      },
      // Participants are interchangeable (only the coordinator crashes): Permutations of P1 … Pn.
      symmetricIds: names,
      // TLC's VIEW: the in-flight messages as a multiset and the partition as a set of sides. The fault state keeps
      // both as arrays sorted by name (src/model/faults.ts), an order that renaming participants would not keep.
      projection: (s) => ({
        ...s,
        faults: {
          ...s.faults,
          net: multiset(s.faults.net),
          partition: s.faults.partition === null ? null : new Set(s.faults.partition.map((side) => new Set(side))),
        },
      }),
      display: (s) => ({
        C: isUp(s.faults, C) ? s.coord : `${s.coord} (down)`,
        ...Object.fromEntries(names.map((p) => [p, s.part[p]])),
        partition: formatPartition(s.faults.partition),
        inFlight: formatNetwork(s.faults.net),
      }),
    },
  );
}

/** In-flight messages as a multiset: each distinct message and its number of copies. */
function multiset(net: readonly Message[]): Map<Message, number> {
  const copies = new Map<string, [Message, number]>();
  for (const m of net) copies.set(messageKey(m), [m, (copies.get(messageKey(m))?.[1] ?? 0) + 1]);
  return new Map(copies.values());
}

export const threePhaseCommit = defineModel({
  id: 'three-phase-commit',
  title: 'Three-phase commit (CanCommit / PreCommit / DoCommit) with timeouts',
  source: 'The seed\'s 3PC section (流程, 超时策略); Skeen, "Nonblocking Commit Protocols" (SIGMOD 1981)',
  scope:
    'Consistency and "every live participant decides", with a coordinator crash (crash-stop) or a partition, in synchronous and asynchronous timing.',
  params: {
    participants: { type: 'int', default: 3, min: 1, max: 4, description: 'number of participants' },
    network: { type: 'enum', default: 'synchronous', values: ['synchronous', 'asynchronous'], description: 'when a timeout may fire' },
    ...faultParams({ crashes: { max: 1, description: 'at most this many coordinator crashes (crash-stop)' }, partitions: { max: 1 } }),
  },
  variants,
  configurations: [
    { name: 'sync', variant: 'correct', params: { participants: 3, network: 'synchronous' } },
    {
      name: 'sync-crash',
      description:
        'Synchronous timeouts and a coordinator that may crash: the PreCommit phase lets every participant decide alone, and consistently.',
      variant: 'correct',
      params: { participants: 3, network: 'synchronous', crashes: 1 },
    },
    {
      name: 'async',
      description:
        'Timeouts may fire while PreCommit is still in flight: one participant aborts waiting for it, another, already pre-committed, commits on timeout.',
      variant: 'correct',
      params: { participants: 3, network: 'asynchronous' },
      expect: { violates: 'consistent' },
    },
    {
      name: 'sync-partition',
      description:
        "The seed's story: PreCommit reaches P1, the network splits P1 from the coordinator, P1 commits on timeout while the others abort.",
      variant: 'correct',
      params: { participants: 3, network: 'synchronous', partitions: 1 },
      expect: { violates: 'consistent' },
    },
    { name: 'sync-crash-no-precommit', variant: 'no-precommit', params: { participants: 3, network: 'synchronous', crashes: 1 } },
    { name: 'sync-majority-quorum', variant: 'majority-quorum', params: { participants: 3, network: 'synchronous' } },
    { name: 'sync-crash-mid-broadcast', variant: 'crash-mid-broadcast', params: { participants: 3, network: 'synchronous', crashes: 1 } },
  ],
  machine: (params, variant) => threePCMachine(params.participants, params.network, variant, budgetOf(params)),
});
