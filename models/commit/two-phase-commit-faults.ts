// Two-phase commit over a faulty network: the seed's 2PC (Prepare, vote, Commit/Rollback, Ack) with explicit
// in-flight messages, a transaction manager (TM) that may crash for good, messages that may be lost, and
// optional retransmission of the decision until it is acknowledged.
// Source: the seed's 2PC section (阶段 / 缺点: 同步阻塞, 协调者单点故障); Gray & Lamport, "Consensus on
// Transaction Commit" (2006), section 3, for the blocking argument; Bernstein, Hadzilacos & Goodman,
// "Concurrency Control and Recovery in Database Systems" (1987), ch. 7, for decision retransmission.
// Scope: consistency (safety) and "every RM eventually decides" (liveness, weak fairness on every protocol
// step, none on faults). The TM sends its decision to one RM per step, so it can crash half-way.
import { budgetOf, faultParams, findDeliverable, initialFaults, isUp, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState } from '../../src/model/faults';
import { deliveryArrows, formatNetwork, message, messagesSent, remove, send, withNet, type Message } from '../../src/model/network';
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { consistentRMs, type RMState } from './transaction-commit';

export type TMPhase = 'init' | 'preparing' | 'committed' | 'aborted';
type Vote = 'none' | 'yes' | 'no';

/** An RM's name, RM1 … RMn; per-RM state is a record keyed by it. */
type RM = string;

export interface TPFState {
  readonly rmState: Readonly<Record<RM, RMState>>;
  readonly tmState: TMPhase;
  /** The votes the TM has received. */
  readonly votes: Readonly<Record<RM, Vote>>;
  /** The TM has sent its decision to the RM at least once. */
  readonly sent: Readonly<Record<RM, boolean>>;
  /** The TM has received the RM's acknowledgement of the decision. */
  readonly acked: Readonly<Record<RM, boolean>>;
  readonly faults: FaultState;
}

type RMStep =
  | 'RMChooseToAbort'
  | 'RMPrepare'
  | 'RMRefuse'
  | 'RMRcvDecision'
  | 'RMTimeoutAbort'
  | 'TMRcvVote'
  | 'TMSendDecision'
  | 'TMRcvAck'
  | 'TMResend';
type ProtocolAction = { readonly name: 'TMPrepare' | 'TMCommit' | 'TMAbort' } | { readonly name: RMStep; readonly rm: RM };
export type TPFAction = ProtocolAction | FaultAction;

const variants: readonly Variant[] = [
  { name: 'correct', description: "The seed's 2PC: RMs that voted yes wait for the decision however long it takes." },
  {
    name: 'prepared-abort-on-timeout',
    description: 'A prepared RM that has not heard the decision times out and rolls back on its own.',
    breaks: 'consistent',
  },
];

const TM = 'TM';

function tpfMachine(rms: number, retransmit: boolean, variant: string, budget: FaultBudget): Machine<TPFState, TPFAction> {
  const names: RM[] = Array.from({ length: rms }, (_, i) => `RM${i + 1}`);
  const nodes = [TM, ...names];
  const timeoutAbort = variant === 'prepared-abort-on-timeout';
  const perRM = <T>(value: T): Record<RM, T> => Object.fromEntries(names.map((n) => [n, value]));
  const decided = (r: RMState): boolean => r === 'committed' || r === 'aborted';
  const inFlight = (s: TPFState, pred: (m: Message) => boolean): Message | undefined => findDeliverable(s.faults, pred);
  const decisionMsg = (s: TPFState, rm: RM): Message => message(s.tmState === 'committed' ? 'Commit' : 'Rollback', TM, rm);

  const actions = (s: TPFState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    const tmUp = isUp(s.faults, TM);
    const tmDecided = s.tmState === 'committed' || s.tmState === 'aborted';
    if (tmUp && s.tmState === 'init') out.push({ name: 'TMPrepare' });
    if (tmUp && s.tmState === 'preparing' && names.every((rm) => s.votes[rm] === 'yes')) out.push({ name: 'TMCommit' });
    if (tmUp && s.tmState === 'preparing') out.push({ name: 'TMAbort' });
    for (const rm of names) {
      const r = s.rmState[rm];
      // An RM that has not voted may give up on its own (as in TwoPhase.tla); once it votes yes it must wait.
      if (r === 'working') out.push({ name: 'RMChooseToAbort', rm });
      if (r === 'working' && inFlight(s, (m) => m.type === 'Prepare' && m.to === rm))
        out.push({ name: 'RMPrepare', rm }, { name: 'RMRefuse', rm });
      if (inFlight(s, (m) => (m.type === 'Commit' || m.type === 'Rollback') && m.to === rm)) out.push({ name: 'RMRcvDecision', rm });
      if (timeoutAbort && r === 'prepared') out.push({ name: 'RMTimeoutAbort', rm });
      if (tmUp && inFlight(s, (m) => (m.type === 'Prepared' || m.type === 'Refused') && m.from === rm)) out.push({ name: 'TMRcvVote', rm });
      if (tmUp && tmDecided && !s.sent[rm]) out.push({ name: 'TMSendDecision', rm });
      if (tmUp && inFlight(s, (m) => m.type === 'Ack' && m.from === rm)) out.push({ name: 'TMRcvAck', rm });
      // The retransmission timer fires only when nothing is left in flight between TM and this RM.
      if (retransmit && tmUp && tmDecided && s.sent[rm] && !s.acked[rm] && !s.faults.net.some((m) => m.from === rm || m.to === rm)) {
        out.push({ name: 'TMResend', rm });
      }
    }
    return out;
  };

  const next = (s: TPFState, a: ProtocolAction): TPFState => {
    switch (a.name) {
      case 'TMPrepare':
        return { ...withNet(s, send(s.faults.net, ...names.map((n) => message('Prepare', TM, n)))), tmState: 'preparing' };
      case 'TMCommit':
        return { ...s, tmState: 'committed' };
      case 'TMAbort':
        return { ...s, tmState: 'aborted' };
      case 'RMPrepare':
      case 'RMRefuse': {
        const yes = a.name === 'RMPrepare';
        const net = send(remove(s.faults.net, message('Prepare', TM, a.rm)), message(yes ? 'Prepared' : 'Refused', a.rm, TM));
        return { ...withNet(s, net), rmState: { ...s.rmState, [a.rm]: yes ? 'prepared' : 'aborted' } };
      }
      case 'RMRcvDecision': {
        const m = inFlight(s, (x) => (x.type === 'Commit' || x.type === 'Rollback') && x.to === a.rm)!;
        const rmState = decided(s.rmState[a.rm])
          ? s.rmState
          : { ...s.rmState, [a.rm]: (m.type === 'Commit' ? 'committed' : 'aborted') as RMState };
        return { ...withNet(s, send(remove(s.faults.net, m), message('Ack', a.rm, TM))), rmState };
      }
      case 'RMChooseToAbort':
      case 'RMTimeoutAbort':
        return { ...s, rmState: { ...s.rmState, [a.rm]: 'aborted' } };
      case 'TMRcvVote': {
        const m = inFlight(s, (x) => (x.type === 'Prepared' || x.type === 'Refused') && x.from === a.rm)!;
        const votes = s.tmState === 'preparing' ? { ...s.votes, [a.rm]: (m.type === 'Prepared' ? 'yes' : 'no') as Vote } : s.votes;
        return { ...withNet(s, remove(s.faults.net, m)), votes };
      }
      case 'TMSendDecision':
      case 'TMResend':
        return { ...withNet(s, send(s.faults.net, decisionMsg(s, a.rm))), sent: { ...s.sent, [a.rm]: true } };
      case 'TMRcvAck':
        return { ...withNet(s, remove(s.faults.net, message('Ack', a.rm, TM))), acked: { ...s.acked, [a.rm]: true } };
    }
  };

  const rmStates = (s: TPFState): RMState[] => names.map((rm) => s.rmState[rm]);
  const allDecided = (s: TPFState): boolean => rmStates(s).every(decided);
  const allVoted = (s: TPFState, v: (x: Vote) => boolean): boolean => names.every((rm) => v(s.votes[rm]));
  const properties: Property<TPFState, TPFAction>[] = [
    {
      kind: 'always',
      name: 'consistent',
      description: 'No RM has committed while another has rolled back.',
      holds: (s) => consistentRMs(s.rmState),
    },
    {
      kind: 'always',
      name: 'commitNeedsAllYes',
      description: 'An RM commits only if every RM voted yes.',
      holds: (s) => !rmStates(s).includes('committed') || allVoted(s, (v) => v === 'yes'),
    },
    { kind: 'eventually', name: 'allDecide', description: 'Every RM eventually commits or rolls back.', holds: allDecided },
    {
      kind: 'sometimes',
      name: 'allCommitted',
      description: 'Every RM commits.',
      holds: (s) => rmStates(s).every((r) => r === 'committed'),
    },
    {
      kind: 'sometimes',
      name: 'allRolledBack',
      description: 'Every RM rolls back after voting.',
      holds: (s) => rmStates(s).every((r) => r === 'aborted') && allVoted(s, (v) => v !== 'none'),
    },
  ];
  if (budget.crashes > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'preparedWhileTMDown',
      description: 'An RM has voted yes and waits while the TM is down: the blocking state.',
      holds: (s) => !isUp(s.faults, TM) && rmStates(s).includes('prepared'),
    });
    properties.push({
      kind: 'sometimes',
      name: 'crashMidCommit',
      description: 'The TM crashed after sending Commit to only some of the RMs.',
      holds: (s) => !isUp(s.faults, TM) && s.tmState === 'committed' && names.some((rm) => s.sent[rm]) && names.some((rm) => !s.sent[rm]),
    });
  }
  if (budget.drops > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'decisionLost',
      description: 'The TM sent its decision to an RM, and the message was lost.',
      holds: (s) => names.some((rm) => s.sent[rm] && !decided(s.rmState[rm]) && !s.faults.net.some((m) => m.to === rm)),
    });
  }

  const actionNames = [
    'TMPrepare',
    'TMCommit',
    'TMAbort',
    'RMChooseToAbort',
    'RMPrepare',
    'RMRefuse',
    'RMRcvDecision',
    'TMRcvVote',
    'TMSendDecision',
    'TMRcvAck',
  ];
  if (retransmit) actionNames.push('TMResend');
  if (timeoutAbort) actionNames.push('RMTimeoutAbort');

  const describe = (a: ProtocolAction): string => ('rm' in a ? `${a.name}(${a.rm})` : a.name);
  return withFaults(
    budget,
    { nodes, crashable: [TM] },
    {
      init: [
        {
          rmState: perRM<RMState>('working'),
          tmState: 'init',
          votes: perRM<Vote>('none'),
          sent: perRM(false),
          acked: perRM(false),
          faults: initialFaults(budget),
        },
      ],
      actions,
      next,
      properties,
      actionNames,
      formatAction: describe,
      fairness: 'Weak fairness on every protocol step (deliveries, votes, decisions, retransmissions); none on crashes or losses.',
      metrics: [{ name: 'messages per decision', along: 'allCommitted', perStep: messagesSent }],
      view: (from, a, to) => {
        // Messages are drawn when they arrive; a vote is a note over the RM that casts it; other steps are notes.
        const decision = (s: TPFState): string => (s.tmState === 'committed' ? 'Commit' : 'Rollback');
        if (!('rm' in a)) {
          const text = { TMPrepare: 'sends Prepare to all', TMCommit: 'decides Commit', TMAbort: 'decides Rollback' }[a.name];
          return [{ type: 'note', over: TM, text }];
        }
        const rm = a.rm;
        switch (a.name) {
          case 'RMPrepare':
            return [{ type: 'note', over: rm, text: 'receives Prepare, votes yes' }];
          case 'RMRefuse':
            return [{ type: 'note', over: rm, text: 'receives Prepare, votes no' }];
          case 'RMChooseToAbort':
            return [{ type: 'note', over: rm, text: 'chooses to abort' }];
          case 'RMTimeoutAbort':
            return [{ type: 'note', over: rm, text: 'times out, aborts' }];
          case 'TMSendDecision':
            return [{ type: 'note', over: TM, text: `sends ${decision(to)} to ${rm}` }];
          case 'TMResend':
            return [{ type: 'note', over: TM, text: `resends ${decision(to)} to ${rm}` }];
          default:
            return deliveryArrows(from.faults.net, to.faults.net);
        }
      },
      display: (s) => ({
        ...Object.fromEntries(names.map((rm) => [rm, s.rmState[rm]])),
        tm: isUp(s.faults, TM) ? s.tmState : `${s.tmState} (down)`,
        votes: names.map((rm) => s.votes[rm]).join(' '),
        inFlight: formatNetwork(s.faults.net),
      }),
    },
  );
}

export const twoPhaseCommitFaults = defineModel({
  id: 'two-phase-commit-faults',
  title: 'Two-phase commit with crashes, message loss and retransmission',
  source: 'The seed\'s 2PC section; Gray & Lamport, "Consensus on Transaction Commit" (2006), §3; Bernstein et al. (1987), ch. 7',
  scope:
    'Safety (consistency, commit needs all yes) and liveness (every RM eventually decides) under a TM crash (crash-stop) and message loss.',
  params: {
    rms: { type: 'int', default: 2, min: 1, max: 4, description: 'number of resource managers' },
    retransmit: { type: 'boolean', default: false, description: 'the TM resends its decision until the RM acknowledges it' },
    ...faultParams({
      drops: { max: 3 },
      crashes: { max: 1, description: 'at most this many TM crashes (crash-stop)' },
      partitions: { max: 1 },
    }),
  },
  variants,
  configurations: [
    { name: 'rms3', variant: 'correct', params: { rms: 3 } },
    {
      name: 'rms3-tm-crash',
      description:
        'The TM may crash for good; an RM that voted yes can neither commit nor roll back on its own, so it waits forever: 2PC blocks.',
      variant: 'correct',
      params: { rms: 3, crashes: 1 },
      expect: { violates: 'allDecide', holds: ['consistent', 'commitNeedsAllYes'] },
    },
    {
      name: 'rms2-partition',
      description: 'A partition that may never heal cuts RMs off from the TM: consistency holds, but a prepared RM waits forever.',
      variant: 'correct',
      params: { rms: 2, partitions: 1 },
      expect: { violates: 'allDecide', holds: ['consistent', 'commitNeedsAllYes'] },
    },
    {
      name: 'rms2-loss',
      description: 'One message may be lost and nothing is resent: an RM that never hears the decision waits forever.',
      variant: 'correct',
      params: { rms: 2, drops: 1 },
      expect: { violates: 'allDecide', holds: ['consistent', 'commitNeedsAllYes'] },
    },
    {
      name: 'rms2-loss-retransmit',
      description: 'Up to two messages may be lost, and the TM resends its decision until acknowledged: every RM decides.',
      variant: 'correct',
      params: { rms: 2, drops: 2, retransmit: true },
    },
    { name: 'rms3-prepared-abort-on-timeout', variant: 'prepared-abort-on-timeout', params: { rms: 3 } },
  ],
  machine: (params, variant) => tpfMachine(params.rms, params.retransmit, variant, budgetOf(params)),
});
