// Two-phase commit (TwoPhase), faithful to Lamport's TwoPhase.tla so that state counts equal TLC's.
// Source: Gray and Lamport, "Consensus on Transaction Commit" (2006), section 3; TwoPhase.tla, TLA+ Examples.
// Scope: safety only. A transaction manager (TM) and `rms` resource managers; `msgs` is a set of messages
// that only grows, so loss, duplication and reordering are all implicit (any message may be received any
// number of times, in any order). Every step is checked to refine TransactionCommit.
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { intern, interned, setAdd } from '../../src/model/plain';
import { refinementProperty } from '../../src/model/refinement';
import { consistentRMs, rmNames, transactionCommitMachine, type RM, type RMState, type TCAction, type TCState } from './transaction-commit';

export type TMState = 'init' | 'committed' | 'aborted';
export type Message = { readonly type: 'Prepared'; readonly rm: RM } | { readonly type: 'Commit' } | { readonly type: 'Abort' };

/** The spec's variables. */
export interface TPState {
  readonly rmState: Readonly<Record<RM, RMState>>;
  readonly tmState: TMState;
  /** The RMs from which the TM has received Prepared. */
  readonly tmPrepared: ReadonlySet<RM>;
  /** Every message ever sent. */
  readonly msgs: ReadonlySet<Message>;
}

type RMActionName =
  'TMRcvPrepared' | 'RMPrepare' | 'RMChooseToAbort' | 'RMRcvCommitMsg' | 'RMRcvAbortMsg' | 'RMTimeoutAbort' | 'RMHeuristicCommit';
export type TPAction = { readonly name: 'TMCommit' | 'TMAbort' } | { readonly name: RMActionName; readonly rm: RM };

// Messages are records built once, so that the Set of messages holds each value once.
export const Prepared = interned((rm: RM): Message => ({ type: 'Prepared', rm }));
export const Commit: Message = intern({ type: 'Commit' });
export const Abort: Message = intern({ type: 'Abort' });

function tpMachine(rms: number, variant: string): Machine<TPState, TPAction> {
  const RM = rmNames(rms);
  // The bug variants: the TM commits on a majority; a prepared RM decides alone when it hears nothing.
  const commitQuorum = variant === 'majority-commit' ? Math.floor(rms / 2) + 1 : rms;
  const timeoutAbort = variant === 'prepared-abort-on-timeout';
  const heuristicCommit = variant === 'heuristic-commit';

  const actions = (s: TPState): TPAction[] => {
    const out: TPAction[] = [];
    const tmInit = s.tmState === 'init';
    if (tmInit && s.tmPrepared.size >= commitQuorum) out.push({ name: 'TMCommit' });
    if (tmInit) out.push({ name: 'TMAbort' });
    for (const rm of RM) {
      const r = s.rmState[rm];
      if (tmInit && s.msgs.has(Prepared(rm))) out.push({ name: 'TMRcvPrepared', rm });
      if (r === 'working') out.push({ name: 'RMPrepare', rm }, { name: 'RMChooseToAbort', rm });
      if (s.msgs.has(Commit)) out.push({ name: 'RMRcvCommitMsg', rm });
      if (s.msgs.has(Abort)) out.push({ name: 'RMRcvAbortMsg', rm });
      if (r === 'prepared' && timeoutAbort) out.push({ name: 'RMTimeoutAbort', rm });
      if (r === 'prepared' && heuristicCommit) out.push({ name: 'RMHeuristicCommit', rm });
    }
    return out;
  };

  const setRM = (s: TPState, rm: RM, value: RMState): TPState =>
    s.rmState[rm] === value ? s : { ...s, rmState: { ...s.rmState, [rm]: value } };

  const next = (s: TPState, a: TPAction): TPState => {
    switch (a.name) {
      case 'TMRcvPrepared': {
        const tmPrepared = setAdd(s.tmPrepared, a.rm);
        return tmPrepared === s.tmPrepared ? s : { ...s, tmPrepared };
      }
      case 'TMCommit':
        return { ...s, tmState: 'committed', msgs: setAdd(s.msgs, Commit) };
      case 'TMAbort':
        return { ...s, tmState: 'aborted', msgs: setAdd(s.msgs, Abort) };
      case 'RMPrepare':
        return { ...setRM(s, a.rm, 'prepared'), msgs: setAdd(s.msgs, Prepared(a.rm)) };
      case 'RMChooseToAbort':
      case 'RMRcvAbortMsg':
      case 'RMTimeoutAbort':
        return setRM(s, a.rm, 'aborted');
      case 'RMRcvCommitMsg':
      case 'RMHeuristicCommit':
        return setRM(s, a.rm, 'committed');
    }
  };

  const rmStates = (s: TPState): RMState[] => RM.map((r) => s.rmState[r]);
  const MESSAGES = new Set([Commit, Abort, ...RM.map(Prepared)]);
  const properties: Property<TPState, TPAction>[] = [
    {
      kind: 'always',
      name: 'typeOK',
      description: 'Every variable holds a value of its type (TPTypeOK).',
      holds: (s) =>
        Object.keys(s.rmState).length === rms &&
        rmStates(s).every((r) => r === 'working' || r === 'prepared' || r === 'committed' || r === 'aborted') &&
        (s.tmState === 'init' || s.tmState === 'committed' || s.tmState === 'aborted') &&
        [...s.tmPrepared].every((r) => RM.includes(r)) &&
        [...s.msgs].every((m) => MESSAGES.has(m)),
    },
    {
      kind: 'always',
      name: 'consistent',
      description: 'No RM has committed while another has aborted (TCConsistent).',
      holds: (s) => consistentRMs(s.rmState),
    },
    refinementProperty<TPState, TPAction, TCState, TCAction>({
      name: 'refinesTransactionCommit',
      description: 'Every step maps to a TransactionCommit step on rmState, or leaves rmState unchanged.',
      abstract: transactionCommitMachine(rms),
      mapping: (s) => ({ rmState: s.rmState }),
    }),
    { kind: 'sometimes', name: 'allCommitted', description: 'Every RM commits.', holds: (s) => rmStates(s).every((r) => r === 'committed') },
    { kind: 'sometimes', name: 'abortAfterAllPrepared', description: 'The TM aborts even though every RM prepared.', holds: (s) => s.tmState === 'aborted' && s.tmPrepared.size === rms },
    {
      kind: 'sometimes',
      name: 'decidedButUnheard',
      description: 'The TM has committed while every RM still waits prepared: the window in which 2PC blocks.',
      holds: (s) => s.tmState === 'committed' && rmStates(s).every((r) => r === 'prepared'),
    },
  ];

  const actionNames = ['TMRcvPrepared', 'TMCommit', 'TMAbort', 'RMPrepare', 'RMChooseToAbort', 'RMRcvCommitMsg', 'RMRcvAbortMsg'];
  if (timeoutAbort || heuristicCommit) actionNames.push(timeoutAbort ? 'RMTimeoutAbort' : 'RMHeuristicCommit');

  return {
    init: [{ rmState: Object.fromEntries(RM.map((r) => [r, 'working'])), tmState: 'init', tmPrepared: new Set(), msgs: new Set() }],
    actions,
    next,
    properties,
    actionNames,
    // Permutations(RM): the RMs are interchangeable.
    symmetricIds: RM,
    ...presentation(RM),
  };
}

// Presentation: action labels, sequence-diagram events and the trace view of a state.

const RM_NOTES: Record<string, string> = {
  RMPrepare: 'prepares, sends Prepared',
  RMChooseToAbort: 'chooses to abort',
  RMTimeoutAbort: 'times out, aborts',
  RMHeuristicCommit: 'times out, commits (heuristic)',
};
const formatMessage = (m: Message): string => (m.type === 'Prepared' ? `Prepared(${m.rm})` : m.type);

function presentation(RM: readonly RM[]): Pick<Machine<TPState, TPAction>, 'formatAction' | 'actors' | 'view' | 'display'> {
  return {
    formatAction: (a) => ('rm' in a ? `${a.name}(${a.rm})` : a.name),
    actors: ['TM', ...RM.map((r) => r.toUpperCase())],
    view: (_from, a) => {
      if (!('rm' in a)) return [{ type: 'note', over: 'TM', text: a.name === 'TMCommit' ? 'decides Commit' : 'decides Abort' }];
      const rm = a.rm.toUpperCase();
      if (a.name === 'TMRcvPrepared') return [{ type: 'message', from: rm, to: 'TM', label: 'Prepared' }];
      if (a.name === 'RMRcvCommitMsg' || a.name === 'RMRcvAbortMsg')
        return [{ type: 'message', from: 'TM', to: rm, label: a.name === 'RMRcvCommitMsg' ? 'Commit' : 'Abort' }];
      return [{ type: 'note', over: rm, text: RM_NOTES[a.name] }];
    },
    display: (s) => ({
      ...Object.fromEntries(RM.map((r) => [r, s.rmState[r]])),
      tmState: s.tmState,
      tmPrepared: `{${RM.filter((r) => s.tmPrepared.has(r)).join(', ')}}`,
      msgs: `{${[...s.msgs].map(formatMessage).sort().join(', ')}}`,
    }),
  };
}

// Configurations and variants.

const variants: readonly Variant[] = [
  { name: 'correct', description: "Lamport's TwoPhase spec." },
  { name: 'majority-commit', description: 'The TM commits once a majority of RMs has prepared, not all of them.', breaks: 'consistent' },
  { name: 'prepared-abort-on-timeout', description: 'A prepared RM that hears nothing times out and aborts on its own.', breaks: 'consistent' },
  { name: 'heuristic-commit', description: 'A prepared RM that hears nothing times out and commits on its own (a "heuristic commit").', breaks: 'consistent' },
];

export const twoPhaseCommit = defineModel({
  id: 'two-phase-commit',
  title: 'Two-phase commit (TwoPhase)',
  source: 'Gray & Lamport, "Consensus on Transaction Commit" (2006); TwoPhase.tla, TLA+ Examples',
  scope:
    'Safety only: TypeOK, consistency and refinement of TransactionCommit. Messages are a growing set, so loss, duplication and reordering are implicit; no crashes.',
  params: { rms: { type: 'int', default: 3, min: 1, max: 12, description: 'number of resource managers' } },
  variants,
  configurations: [
    { name: 'rms3', variant: 'correct', params: { rms: 3 } },
    { name: 'rms5', variant: 'correct', params: { rms: 5 } },
    { name: 'rms6-random', variant: 'correct', params: { rms: 6 }, strategy: 'random', seed: 42, runs: 1000, walkLength: 100 },
    { name: 'rms8-symmetry', variant: 'correct', params: { rms: 8 }, symmetry: true },
    { name: 'rms3-majority-commit', variant: 'majority-commit', params: { rms: 3 } },
    { name: 'rms6-majority-commit-symmetry', variant: 'majority-commit', params: { rms: 6 }, symmetry: true },
    { name: 'rms3-prepared-abort-on-timeout', variant: 'prepared-abort-on-timeout', params: { rms: 3 } },
    { name: 'rms3-heuristic-commit', variant: 'heuristic-commit', params: { rms: 3 } },
    { name: 'rms6-majority-commit-random', variant: 'majority-commit', params: { rms: 6 }, strategy: 'random', seed: 42, runs: 1000, walkLength: 100 },
  ],
  machine: (params, variant) => tpMachine(params.rms, variant),
});
