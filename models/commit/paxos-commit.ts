// Paxos Commit, faithful to Gray and Lamport's PaxosCommit.tla so that state counts equal TLC's.
// Source: Gray and Lamport, "Consensus on Transaction Commit" (2006), section 4; PaxosCommit.tla, TLA+ Examples.
// Scope, shape `tla` (the default): the spec as published, safety only. One Paxos consensus instance per RM
// decides prepared/aborted; ballot 0 is the RM's own phase 2a, higher ballots belong to any process that believes
// itself leader (leader selection is not modelled). `msgs` is the set of messages ever sent, so loss,
// duplication and reordering are implicit. Every step is checked to refine TransactionCommit.
// Shape `live` (beyond the spec): the same actions with crash-stop acceptors and weak fairness on every protocol
// step: with at most F of 2F+1 acceptors crashed every RM learns the outcome; with F+1 crashed it can block.
// Counting follows TLC: one generated state per action instance and per witness of its existential quantifiers
// (Phase1b/Phase2b per message, Phase2a per majority, Decide per ballot and majority of each instance).
import { budgetOf, initialFaults, isUp, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState } from '../../src/model/faults';
import { defineModel, type Machine, type Property } from '../../src/model/model';
import { configurations, params, variants } from './paxos-commit.cfg';
import { intern, setAdd } from '../../src/model/plain';
import { refinementProperty } from '../../src/model/refinement';
import { fail } from '../../src/shared/errors';
import { presentation } from './paxos-commit-view';
import { consistentRMs, rmNames, transactionCommitMachine, type RM, type RMState, type TCAction, type TCState } from './transaction-commit';

export type Vote = 'prepared' | 'aborted';
export type AcceptorValue = Vote | 'none';
/** An acceptor's name, a1 … aN as in TLC's model values. */
export type Acc = string;

/** aState[ins][acc]: the highest ballot the acceptor joined (mbal) and its last vote (bal, val). */
export interface AcceptorState {
  readonly mbal: number;
  readonly bal: number;
  readonly val: AcceptorValue;
}

/** The spec's Message set. */
export type PCMessage =
  | { readonly type: 'phase1a'; readonly ins: RM; readonly bal: number }
  | {
      readonly type: 'phase1b';
      readonly ins: RM;
      readonly mbal: number;
      readonly bal: number;
      readonly val: AcceptorValue;
      readonly acc: Acc;
    }
  | { readonly type: 'phase2a'; readonly ins: RM; readonly bal: number; readonly val: Vote }
  | { readonly type: 'phase2b'; readonly acc: Acc; readonly ins: RM; readonly bal: number; readonly val: Vote }
  | { readonly type: 'Commit' }
  | { readonly type: 'Abort' };

/** The spec's variables, and the crashed acceptors and crash budget of shape live (in shape tla: none, a constant). */
export interface PCState {
  readonly rmState: Readonly<Record<RM, RMState>>;
  readonly aState: Readonly<Record<RM, Readonly<Record<Acc, AcceptorState>>>>;
  /** Every message ever sent. */
  readonly msgs: ReadonlySet<PCMessage>;
  readonly faults: FaultState;
}

/** Decided(rm, v) holds by the phase 2b votes of `quorum` (an index into the majorities) at ballot `bal`. */
export interface DecideWitness {
  readonly rm: RM;
  readonly bal: number;
  readonly quorum: number;
}

type RMActionName = 'RMPrepare' | 'RMChooseToAbort' | 'RMRcvCommitMsg' | 'RMRcvAbortMsg';
export type PCProtocolAction =
  | { readonly name: RMActionName; readonly rm: RM }
  | { readonly name: 'Phase1a'; readonly bal: number; readonly rm: RM }
  /** Phase2a(bal, rm) with the majority MS whose phase 1b messages it read. */
  | { readonly name: 'Phase2a'; readonly bal: number; readonly rm: RM; readonly quorum: number }
  /** Decide: Commit with one witness per RM, or Abort with the witness of one instance that chose aborted. */
  | { readonly name: 'Decide'; readonly decision: 'Commit' | 'Abort'; readonly witness: readonly DecideWitness[] }
  /** Phase1b(acc) answering the phase 1a message of instance `ins`, ballot `bal`. */
  | { readonly name: 'Phase1b'; readonly acc: Acc; readonly ins: RM; readonly bal: number }
  /** Phase2b(acc) voting for the phase 2a message (ins, bal, val). */
  | { readonly name: 'Phase2b'; readonly acc: Acc; readonly ins: RM; readonly bal: number; readonly val: Vote };
export type PCAction = PCProtocolAction | FaultAction;
export { formatMessage } from './paxos-commit-view';

export type Shape = 'tla' | 'live';
export interface PCScope {
  readonly rms: number;
  readonly acceptors: number;
  readonly ballots: number;
}

const VOTES: readonly Vote[] = ['prepared', 'aborted'];
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const record = <K extends string, V>(keys: readonly K[], value: (k: K) => V): Record<K, V> =>
  Object.fromEntries(keys.map((k) => [k, value(k)])) as Record<K, V>;

/** Every subset of `xs` of size `size`, in lexicographic order. */
function subsetsOfSize<T>(xs: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  return xs.flatMap((x, i) => subsetsOfSize(xs.slice(i + 1), size - 1).map((rest) => [x, ...rest]));
}

/**
 * The spec's Message set, each message built once (intern) so that `msgs.has` and `setAdd` compare messages as
 * values, and looked up by its fields.
 */
function messages(RM: readonly RM[], Acceptor: readonly Acc[], Ballot: readonly number[]) {
  const m = <T extends PCMessage>(x: T): T => intern(x);
  const phase1a = record(RM, (ins) => Ballot.map((bal) => m({ type: 'phase1a', ins, bal })));
  const phase2a = record(RM, (ins) => Ballot.map((bal) => record(VOTES, (val) => m({ type: 'phase2a', ins, bal, val }))));
  const phase2b = record(RM, (ins) =>
    Ballot.map((bal) => record(VOTES, (val) => record(Acceptor, (acc) => m({ type: 'phase2b', acc, ins, bal, val })))),
  );
  const p1b = new Map<string, PCMessage>();
  for (const ins of RM)
    for (const mbal of Ballot)
      for (const bal of [-1, ...Ballot])
        for (const val of ['prepared', 'aborted', 'none'] as const)
          for (const acc of Acceptor) p1b.set(`${ins} ${mbal} ${bal} ${val} ${acc}`, m({ type: 'phase1b', ins, mbal, bal, val, acc }));
  const phase1b = (ins: RM, mbal: number, a: AcceptorState, acc: Acc): PCMessage => p1b.get(`${ins} ${mbal} ${a.bal} ${a.val} ${acc}`)!;
  const Commit = m({ type: 'Commit' });
  const Abort = m({ type: 'Abort' });
  const all = new Set<PCMessage>([
    ...RM.flatMap((ins) =>
      Ballot.flatMap((bal) => [
        ...(bal > 0 ? [phase1a[ins][bal]] : []),
        ...VOTES.flatMap((v) => [phase2a[ins][bal][v], ...Acceptor.map((acc) => phase2b[ins][bal][v][acc])]),
      ]),
    ),
    ...p1b.values(),
    Commit,
    Abort,
  ]);
  return { phase1a, phase1b, phase2a, phase2b, Commit, Abort, all };
}

function pcMachine(scope: PCScope, shape: Shape, variant: string, budget: FaultBudget): Machine<PCState, PCAction> {
  const live = shape === 'live';
  if (!live && budget.crashes > 0) fail('paxos-commit: crashes apply to shape=live only (the published spec has no faults)');
  const RM = rmNames(scope.rms);
  const Acceptor = range(scope.acceptors).map((i) => `a${i + 1}`);
  const Ballot = range(scope.ballots);
  const higher = Ballot.filter((b) => b > 0);
  const Msg = messages(RM, Acceptor, Ballot);
  const size = variant === 'disjoint-quorums' ? Math.max(1, Math.floor(Acceptor.length / 2)) : Math.floor(Acceptor.length / 2) + 1;
  const Majority = subsetsOfSize(Acceptor, size);
  // The learner's quorums: the leader's, or (decide-one-vote) any single acceptor, or (unanimous-decide) all of
  // them, as a 2PC coordinator waits for every vote.
  const DecideQuorum = variant === 'decide-one-vote' ? subsetsOfSize(Acceptor, 1) : variant === 'unanimous-decide' ? [Acceptor] : Majority;
  const ownValue = variant === 'phase2a-own-value';

  /** The phase 1b messages of instance rm for ballot bal, by acceptor (an acceptor joins a ballot once). */
  const phase1bFor = (s: PCState, rm: RM, bal: number): Map<Acc, PCMessage & { type: 'phase1b' }> => {
    const out = new Map<Acc, PCMessage & { type: 'phase1b' }>();
    for (const m of s.msgs) if (m.type === 'phase1b' && m.ins === rm && m.mbal === bal) out.set(m.acc, m);
    return out;
  };
  /** The value Phase2a(bal, rm) proposes after reading the phase 1b messages of MS: that of the highest vote. */
  const phase2aValue = (s: PCState, rm: RM, bal: number, MS: readonly Acc[]): Vote => {
    const mset = phase1bFor(s, rm, bal);
    let best: AcceptorState = { mbal: bal, bal: -1, val: 'none' };
    for (const acc of MS) if (mset.get(acc)!.bal > best.bal) best = mset.get(acc)!;
    return ownValue || best.val === 'none' ? 'aborted' : best.val;
  };
  /** Decided(rm, v) at ballot b by quorum Q: every acceptor of Q sent its phase 2b vote for it. */
  const votedBy = (s: PCState, rm: RM, b: number, v: Vote, Q: readonly Acc[]): boolean =>
    Q.every((acc) => s.msgs.has(Msg.phase2b[rm][b][v][acc]));
  const decided = (s: PCState, rm: RM, v: Vote, quorums: readonly (readonly Acc[])[]): DecideWitness[] =>
    Ballot.flatMap((bal) => quorums.flatMap((Q, quorum) => (votedBy(s, rm, bal, v, Q) ? [{ rm, bal, quorum }] : [])));

  const actions = (s: PCState): PCProtocolAction[] => {
    const out: PCProtocolAction[] = [];
    for (const rm of RM) {
      if (s.rmState[rm] === 'working') out.push({ name: 'RMPrepare', rm }, { name: 'RMChooseToAbort', rm });
      if (s.msgs.has(Msg.Commit)) out.push({ name: 'RMRcvCommitMsg', rm });
      if (s.msgs.has(Msg.Abort)) out.push({ name: 'RMRcvAbortMsg', rm });
    }
    for (const bal of higher)
      for (const rm of RM) {
        out.push({ name: 'Phase1a', bal, rm });
        if (VOTES.some((v) => s.msgs.has(Msg.phase2a[rm][bal][v]))) continue;
        const mset = phase1bFor(s, rm, bal);
        Majority.forEach((MS, quorum) => MS.every((acc) => mset.has(acc)) && out.push({ name: 'Phase2a', bal, rm, quorum }));
      }
    // Decide: Commit once per choice of a witness for every instance, Abort once per witness of any instance.
    let commits: DecideWitness[][] = [[]];
    for (const rm of RM) {
      const ws = decided(s, rm, 'prepared', DecideQuorum);
      commits = ws.flatMap((w) => commits.map((c) => [...c, w]));
    }
    for (const witness of commits) out.push({ name: 'Decide', decision: 'Commit', witness });
    for (const rm of RM)
      for (const w of decided(s, rm, 'aborted', DecideQuorum)) out.push({ name: 'Decide', decision: 'Abort', witness: [w] });
    for (const acc of Acceptor) {
      if (!isUp(s.faults, acc)) continue;
      for (const ins of RM)
        for (const bal of higher)
          if (s.aState[ins][acc].mbal < bal && s.msgs.has(Msg.phase1a[ins][bal])) out.push({ name: 'Phase1b', acc, ins, bal });
      for (const ins of RM)
        for (let bal = s.aState[ins][acc].mbal; bal < Ballot.length; bal++)
          for (const val of VOTES) if (s.msgs.has(Msg.phase2a[ins][bal][val])) out.push({ name: 'Phase2b', acc, ins, bal, val });
    }
    return out;
  };

  const send = (s: PCState, m: PCMessage): PCState => {
    const msgs = setAdd(s.msgs, m);
    return msgs === s.msgs ? s : { ...s, msgs };
  };
  const setRM = (s: PCState, rm: RM, value: RMState): PCState =>
    s.rmState[rm] === value ? s : { ...s, rmState: { ...s.rmState, [rm]: value } };
  const setAcceptor = (s: PCState, ins: RM, acc: Acc, a: AcceptorState): PCState => ({
    ...s,
    aState: { ...s.aState, [ins]: { ...s.aState[ins], [acc]: a } },
  });

  const next = (s: PCState, a: PCAction): PCState => {
    switch (a.name) {
      case 'RMPrepare':
        return send(setRM(s, a.rm, 'prepared'), Msg.phase2a[a.rm][0].prepared);
      case 'RMChooseToAbort':
        return send(setRM(s, a.rm, 'aborted'), Msg.phase2a[a.rm][0].aborted);
      case 'RMRcvCommitMsg':
        return setRM(s, a.rm, 'committed');
      case 'RMRcvAbortMsg':
        return setRM(s, a.rm, 'aborted');
      case 'Phase1a':
        return send(s, Msg.phase1a[a.rm][a.bal]);
      case 'Phase2a':
        return send(s, Msg.phase2a[a.rm][a.bal][phase2aValue(s, a.rm, a.bal, Majority[a.quorum])]);
      case 'Decide':
        return send(s, a.decision === 'Commit' ? Msg.Commit : Msg.Abort);
      case 'Phase1b': {
        const old = s.aState[a.ins][a.acc];
        return send(setAcceptor(s, a.ins, a.acc, { ...old, mbal: a.bal }), Msg.phase1b(a.ins, a.bal, old, a.acc));
      }
      case 'Phase2b':
        return send(setAcceptor(s, a.ins, a.acc, { mbal: a.bal, bal: a.bal, val: a.val }), Msg.phase2b[a.ins][a.bal][a.val][a.acc]);
      default:
        return s;
    }
  };

  // Properties.
  const all = (s: PCState, r: RMState): boolean => RM.every((rm) => s.rmState[rm] === r);
  const chosenAt = (s: PCState, rm: RM, bal: number, v: Vote): boolean => Majority.some((MS) => votedBy(s, rm, bal, v, MS));
  const chosen = (s: PCState, rm: RM, v: Vote): boolean => Ballot.some((bal) => chosenAt(s, rm, bal, v));
  const RM_STATES = new Set<unknown>(['working', 'prepared', 'committed', 'aborted']);
  const isAcceptorState = (a: AcceptorState): boolean =>
    Ballot.includes(a.mbal) && (a.bal === -1 || Ballot.includes(a.bal)) && ['prepared', 'aborted', 'none'].includes(a.val);
  const properties: Property<PCState, PCAction>[] = [
    {
      kind: 'always',
      name: 'typeOK',
      description: 'Every variable holds a value of its type (PCTypeOK).',
      holds: (s) =>
        RM.every((rm) => RM_STATES.has(s.rmState[rm]) && Acceptor.every((acc) => isAcceptorState(s.aState[rm][acc]))) &&
        [...s.msgs].every((m) => Msg.all.has(m)),
    },
    {
      kind: 'always',
      name: 'consistent',
      description: 'No RM has committed while another has aborted (TCConsistent).',
      holds: (s) => consistentRMs(s.rmState),
    },
    {
      kind: 'always',
      name: 'oneValuePerInstance',
      description: 'Paxos consensus: no instance has a majority voting prepared and a majority voting aborted, at any ballots.',
      holds: (s) => RM.every((rm) => !(chosen(s, rm, 'prepared') && chosen(s, rm, 'aborted'))),
    },
    refinementProperty<PCState, PCAction, TCState, TCAction>({
      name: 'refinesTransactionCommit',
      description: 'Every step maps to a TransactionCommit step on rmState, or leaves rmState unchanged (PCSpec ⇒ TC!TCSpec).',
      abstract: transactionCommitMachine(RM.length),
      mapping: (s) => ({ rmState: s.rmState }),
    }),
    { kind: 'sometimes', name: 'allCommitted', description: 'Every RM commits.', holds: (s) => all(s, 'committed') },
    { kind: 'sometimes', name: 'abortDecided', description: 'The leader announces Abort.', holds: (s) => s.msgs.has(Msg.Abort) },
  ];
  if (higher.length > 0) {
    properties.push(
      {
        kind: 'sometimes',
        name: 'recoveredVote',
        description: 'A leader of ballot 1 proposes prepared: it carries an RM’s vote, learned in phase 1, into its own ballot.',
        holds: (s) => RM.some((rm) => s.msgs.has(Msg.phase2a[rm][1].prepared)),
      },
      {
        kind: 'sometimes',
        name: 'commitAfterTakeover',
        description: 'Every RM commits although an instance was chosen at ballot 1, after a leader took over from its RM.',
        holds: (s) => all(s, 'committed') && RM.some((rm) => chosenAt(s, rm, 1, 'prepared')),
      },
      {
        kind: 'sometimes',
        name: 'abortAfterAllPrepared',
        description: 'Every RM prepared, yet Abort is announced: a ballot-1 leader saw no vote in its majority’s phase 1b messages.',
        holds: (s) => s.msgs.has(Msg.Abort) && all(s, 'prepared'),
      },
    );
  }
  if (live) {
    properties.push(
      {
        kind: 'eventually',
        name: 'allLearn',
        description: 'Every RM eventually learns the outcome: it ends committed or aborted.',
        holds: (s) => RM.every((rm) => s.rmState[rm] === 'committed' || s.rmState[rm] === 'aborted'),
      },
      {
        kind: 'sometimes',
        name: 'decidedDespiteCrash',
        description: 'An acceptor has crashed and every RM still committed.',
        holds: (s) => s.faults.down.length > 0 && all(s, 'committed'),
      },
    );
  }

  const actionNames = ['RMPrepare', 'RMChooseToAbort', 'RMRcvCommitMsg', 'RMRcvAbortMsg'];
  if (higher.length > 0) actionNames.push('Phase1a', 'Phase2a');
  actionNames.push('Decide');
  if (higher.length > 0) actionNames.push('Phase1b');
  actionNames.push('Phase2b');

  const init: PCState = {
    rmState: record(RM, () => 'working'),
    aState: record(RM, () => record(Acceptor, () => ({ mbal: 0, bal: -1, val: 'none' }))),
    msgs: new Set(),
    faults: initialFaults(budget),
  };
  const protocol = {
    init: [init],
    actions,
    next,
    properties,
    actionNames,
    ...presentation(RM, Acceptor, Majority, DecideQuorum, phase2aValue, live),
  };
  if (!live) return protocol;
  return withFaults(
    budget,
    { nodes: protocol.actors, crashable: Acceptor },
    {
      ...protocol,
      fairness:
        'Shape live: weak fairness on every protocol step (RM, leader and acceptor); none on acceptor crashes (crash-stop). Shape tla, the published spec, has no liveness property.',
    },
  );
}

export const paxosCommit = defineModel({
  id: 'paxos-commit',
  title: 'Paxos Commit (PaxosCommit)',
  source: 'Gray & Lamport, "Consensus on Transaction Commit" (2006); PaxosCommit.tla, TLA+ Examples',
  scope:
    'Shape tla: the published spec, safety only (PCTypeOK, consistency, refinement of TransactionCommit); messages are a growing set. Shape live: the same protocol with crash-stop acceptors, liveness under weak fairness.',
  params,
  variants,
  // The published configuration (rms=2, acceptors=3, ballots=2: TLC's 1,321,761 states) is the default of
  // `distcheck check paxos-commit`, not a configuration: at about 6 s it is too slow for every `npm test`.
  configurations,
  machine: (p, variant) => pcMachine({ rms: p.rms, acceptors: p.acceptors, ballots: p.ballots }, p.shape, variant, budgetOf(p)),
});
