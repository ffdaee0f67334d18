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
import {
  budgetOf,
  faultParams,
  findDeliverable,
  formatPartition,
  initialFaults,
  isUp,
  timeoutEnabled,
  withFaults,
} from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState, TimingMode } from '../../src/model/faults';
import { deliveryArrows, formatNetwork, message, messagesSent, remove, send, withNet, type Message } from '../../src/model/network';
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { actionInstances, replaceAt } from '../../src/model/plain';

export type CoordPhase = 'init' | 'waiting' | 'precommitted' | 'committed' | 'aborted';
/** init: not voted; uncertain: voted yes, waits for PreCommit; prepared: pre-committed, waits for DoCommit. */
export type PartPhase = 'init' | 'uncertain' | 'prepared' | 'committed' | 'aborted';
type Vote = 'none' | 'yes' | 'no';

export interface ThreePCState {
  readonly coord: CoordPhase;
  readonly votes: readonly Vote[];
  readonly acks: readonly boolean[];
  /** For crash-mid-broadcast: participants the coordinator has sent PreCommit to. */
  readonly preSent: readonly boolean[];
  readonly part: readonly PartPhase[];
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
  { readonly name: 'CCanCommit' | 'CPreCommit' | 'CDoCommit' | 'CAbort' | 'CTimeout' } | { readonly name: PStep; readonly p: number };
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
const VOTE_CODE: Record<Vote, string> = { none: '-', yes: 'y', no: 'n' };
const pName = (i: number): string => `P${i + 1}`;

function threePCMachine(n: number, mode: TimingMode, variant: string, budget: FaultBudget): Machine<ThreePCState, ThreePCAction> {
  const ids = Array.from({ length: n }, (_, i) => i);
  const names = ids.map(pName);
  const nodes = [C, ...names];
  const noPreCommit = variant === 'no-precommit';
  const quorum = variant === 'majority-quorum' ? Math.floor(n / 2) + 1 : n;
  const oneByOne = variant === 'crash-mid-broadcast';
  const act = actionInstances<PStep, 'p'>('p');
  const decided = (p: PartPhase): boolean => p === 'committed' || p === 'aborted';
  const find = (s: ThreePCState, pred: (m: Message) => boolean): Message | undefined => findDeliverable(s.faults, pred);
  const toMe = (s: ThreePCState, type: string, me: string): Message | undefined => find(s, (m) => m.type === type && m.to === me);
  const broadcast = (s: ThreePCState, type: string): FaultState['net'] => send(s.faults.net, ...names.map((to) => message(type, C, to)));
  const count = <T>(xs: readonly T[], x: T): number => xs.filter((y) => y === x).length;
  /** Participants whose reply the coordinator still awaits in its current phase. */
  const awaited = (s: ThreePCState): number[] =>
    s.coord === 'waiting' ? ids.filter((p) => s.votes[p] === 'none') : s.coord === 'precommitted' ? ids.filter((p) => !s.acks[p]) : [];

  const actions = (s: ThreePCState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    const cUp = isUp(s.faults, C);
    if (cUp) {
      if (s.coord === 'init') out.push({ name: 'CCanCommit' });
      if (s.coord === 'waiting' && count(s.votes, 'yes') >= quorum) out.push({ name: noPreCommit ? 'CDoCommit' : 'CPreCommit' });
      if (s.coord === 'waiting' && count(s.votes, 'no') > n - quorum) out.push({ name: 'CAbort' });
      if (s.coord === 'precommitted' && oneByOne) for (const p of ids) if (!s.preSent[p]) out.push(act('CSendPreCommit', p));
      if (s.coord === 'precommitted' && count(s.acks, true) >= quorum && s.preSent.every(Boolean)) out.push({ name: 'CDoCommit' });
      const late = awaited(s);
      if (late.length > 0 && (mode === 'asynchronous' || late.some((p) => timeoutEnabled(mode, s.faults, names[p], C))))
        out.push({ name: 'CTimeout' });
    }
    for (const p of ids) {
      const me = names[p];
      const phase = s.part[p];
      if (phase === 'init' && toMe(s, 'CanCommit', me)) out.push(act('PVoteYes', p), act('PVoteNo', p));
      // A participant that already gave up (timed out) answers a late CanCommit with No.
      if (phase === 'aborted' && toMe(s, 'CanCommit', me)) out.push(act('PVoteNo', p));
      if (toMe(s, 'PreCommit', me)) out.push(act('PRcvPreCommit', p));
      if (toMe(s, 'DoCommit', me)) out.push(act('PRcvDoCommit', p));
      if (toMe(s, 'Abort', me)) out.push(act('PRcvAbort', p));
      if (!decided(phase) && timeoutEnabled(mode, s.faults, C, me)) out.push(act('PTimeout', p));
      if (cUp && find(s, (m) => (m.type === 'Yes' || m.type === 'No') && m.from === me)) out.push(act('CRcvVote', p));
      if (cUp && find(s, (m) => m.type === 'ACK' && m.from === me)) out.push(act('CRcvAck', p));
      if (cUp && find(s, (m) => m.type === 'Done' && m.from === me)) out.push(act('CRcvDone', p));
    }
    return out;
  };

  const setPart = (s: ThreePCState, p: number, phase: PartPhase): ThreePCState => ({ ...s, part: replaceAt(s.part, p, phase) });
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
          : { ...withNet(s, broadcast(s, 'PreCommit')), coord: 'precommitted', preSent: ids.map(() => true) };
      case 'CSendPreCommit':
        return { ...withNet(s, send(s.faults.net, message('PreCommit', C, names[a.p]))), preSent: replaceAt(s.preSent, a.p, true) };
      case 'CDoCommit':
        return { ...withNet(s, broadcast(s, 'DoCommit')), coord: 'committed' };
      case 'CAbort':
      case 'CTimeout':
        return { ...withNet(s, broadcast(s, 'Abort')), coord: 'aborted' };
      case 'PVoteYes':
      case 'PVoteNo': {
        const me = names[a.p];
        const yes = a.name === 'PVoteYes';
        const net = send(remove(s.faults.net, message('CanCommit', C, me)), message(yes ? 'Yes' : 'No', me, C));
        return setPart(withNet(s, net), a.p, yes ? 'uncertain' : 'aborted');
      }
      case 'PRcvPreCommit': {
        const me = names[a.p];
        const net = remove(s.faults.net, message('PreCommit', C, me));
        if (s.part[a.p] !== 'uncertain') return withNet(s, net);
        return setPart(withNet(s, send(net, message('ACK', me, C))), a.p, 'prepared');
      }
      case 'PRcvDoCommit':
      case 'PRcvAbort': {
        const me = names[a.p];
        const commit = a.name === 'PRcvDoCommit';
        const net = send(remove(s.faults.net, message(commit ? 'DoCommit' : 'Abort', C, me)), message('Done', me, C));
        return decided(s.part[a.p]) ? withNet(s, net) : setPart(withNet(s, net), a.p, commit ? 'committed' : 'aborted');
      }
      case 'PTimeout':
        return setPart(s, a.p, onTimeout(s.part[a.p]));
      case 'CRcvVote': {
        const me = names[a.p];
        const m = find(s, (x) => (x.type === 'Yes' || x.type === 'No') && x.from === me)!;
        const votes = s.coord === 'waiting' ? replaceAt(s.votes, a.p, m.type === 'Yes' ? 'yes' : 'no') : s.votes;
        return { ...withNet(s, remove(s.faults.net, m)), votes };
      }
      case 'CRcvAck': {
        const acks = s.coord === 'precommitted' ? replaceAt(s.acks, a.p, true) : s.acks;
        return { ...withNet(s, remove(s.faults.net, message('ACK', names[a.p], C))), acks };
      }
      case 'CRcvDone':
        return withNet(s, remove(s.faults.net, message('Done', names[a.p], C)));
    }
  };

  const properties: Property<ThreePCState, ThreePCAction>[] = [
    {
      kind: 'always',
      name: 'consistent',
      description: 'No participant has committed while another has aborted.',
      holds: (s) => !(s.part.includes('committed') && s.part.includes('aborted')),
    },
    {
      kind: 'eventually',
      name: 'allLiveDecide',
      description: 'Every live participant eventually commits or aborts (participants never crash here).',
      holds: (s) => s.part.every(decided),
    },
    {
      kind: 'sometimes',
      name: 'allCommitted',
      description: 'Every participant commits.',
      holds: (s) => s.part.every((p) => p === 'committed'),
    },
    { kind: 'sometimes', name: 'allAborted', description: 'Every participant aborts.', holds: (s) => s.part.every((p) => p === 'aborted') },
  ];
  if (budget.crashes > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'decidedWithoutCoordinator',
      description: 'The coordinator crashed after PreCommit, and every participant still decided.',
      holds: (s) => !isUp(s.faults, C) && s.coord === 'precommitted' && s.part.every(decided),
    });
  }
  if (budget.partitions > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'preparedAcrossPartition',
      description: 'A participant is pre-committed while the network is split.',
      holds: (s) => s.faults.partition !== null && s.part.includes('prepared'),
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

  const describe = (a: ProtocolAction): string => ('p' in a ? `${a.name}(${pName(a.p)})` : a.name);
  return withFaults(
    budget,
    { nodes, crashable: [C] },
    {
      init: [
        {
          coord: 'init',
          votes: ids.map(() => 'none' as const),
          acks: ids.map(() => false),
          preSent: ids.map(() => false),
          part: ids.map(() => 'init' as const),
          faults: initialFaults(budget),
        },
      ],
      actions,
      next,
      key: (s) =>
        `${s.coord}|${s.votes.map((v) => VOTE_CODE[v]).join('')}|${s.acks.map(Number).join('')}|${s.preSent.map(Number).join('')}|${s.part.join(',')}`,
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
        const p = names[a.p];
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
      // Participants are interchangeable: each is its vote, ack, PreCommit-sent flag, phase, side of a partition and
      // the messages to and from it; sorting those gives one key per orbit (only the coordinator crashes).
      symmetry: (s) => {
        const fs = s.faults;
        const perParticipant = ids.map((p) => {
          const me = names[p];
          const msgs = fs.net
            .filter((m) => m.from === me || m.to === me)
            .map((m) => `${m.type}${m.from === me ? '>' : '<'}`)
            .sort();
          const side = fs.partition === null ? '' : fs.partition[0].includes(me) ? 'C' : 'X';
          return `${VOTE_CODE[s.votes[p]]}${Number(s.acks[p])}${Number(s.preSent[p])}${s.part[p]}${side}[${msgs.join(',')}]`;
        });
        const b = fs.budget;
        return `${s.coord}|${perParticipant.sort().join(';')}|${fs.partition === null ? 0 : 1}|${b.crashes}${b.partitions}|${fs.down.join('+')}`;
      },
      display: (s) => ({
        C: isUp(s.faults, C) ? s.coord : `${s.coord} (down)`,
        ...Object.fromEntries(ids.map((p) => [names[p], s.part[p]])),
        partition: formatPartition(s.faults.partition),
        inFlight: formatNetwork(s.faults.net),
      }),
    },
  );
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
