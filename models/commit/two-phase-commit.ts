// Two-phase commit (TwoPhase), faithful to Lamport's TwoPhase.tla so that state counts equal TLC's.
// Source: Gray and Lamport, "Consensus on Transaction Commit" (2006), section 3; TwoPhase.tla, TLA+ Examples.
// Scope: safety only. A transaction manager (TM) and `rms` resource managers; `msgs` is a set of messages
// that only grows, so loss, duplication and reordering are all implicit (any message may be received any
// number of times, in any order). Every step is checked to refine TransactionCommit.
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { refinementProperty } from '../../src/model/refinement';
import { consistentRMs, transactionCommitMachine, type RMState, type TCAction, type TCState } from './transaction-commit';
import { replaceAt } from '../../src/model/plain';

export type TMState = 'init' | 'committed' | 'aborted';

export interface TPState {
  /** rmState[i] is the state of RM i+1. */
  readonly rmState: readonly RMState[];
  readonly tmState: TMState;
  /** RMs (1-based) from which the TM has received Prepared, sorted. */
  readonly tmPrepared: readonly number[];
  /** The set of messages ever sent, sorted: 'Abort', 'Commit', 'Prepared(rmN)'. */
  readonly msgs: readonly string[];
}

type RMActionName =
  'TMRcvPrepared' | 'RMPrepare' | 'RMChooseToAbort' | 'RMRcvCommitMsg' | 'RMRcvAbortMsg' | 'RMTimeoutAbort' | 'RMHeuristicCommit';

export type TPAction = { readonly name: 'TMCommit' | 'TMAbort' } | { readonly name: RMActionName; readonly rm: number };

const RM_CODE: Record<RMState, number> = { working: 0, prepared: 1, committed: 2, aborted: 3 };
const TM_CODE: Record<TMState, number> = { init: 0, committed: 1, aborted: 2 };
/** The message mask squeezed into 14 bits: 12 Prepared bits, then Commit and Abort. */
const msgKeyBits = (mask: number): number => (mask & 0xfff) | ((mask >>> 20) << 12);
const isRMState = (r: string): boolean => r in RM_CODE;
const isTMState = (t: string): boolean => t in TM_CODE;

const variants: readonly Variant[] = [
  { name: 'correct', description: "Lamport's TwoPhase spec." },
  {
    name: 'majority-commit',
    description: 'The TM commits once a majority of RMs has prepared, not all of them.',
    breaks: 'consistent',
  },
  {
    name: 'prepared-abort-on-timeout',
    description: 'A prepared RM that hears nothing times out and aborts on its own.',
    breaks: 'consistent',
  },
  {
    name: 'heuristic-commit',
    description: 'A prepared RM that hears nothing times out and commits on its own (a "heuristic commit").',
    breaks: 'consistent',
  },
];

const preparedMsg = (rm: number): string => `Prepared(rm${rm + 1})`;
// Bits of the compact message mask used by actions() and key(); bit rm stands for Prepared(rm+1).
const COMMIT_BIT = 1 << 20;
const ABORT_BIT = 1 << 21;

/** Inserts into a sorted array kept as a set; returns the same array when already present. */
function insertSorted<T>(set: readonly T[], item: T): readonly T[] {
  let i = 0;
  while (i < set.length && set[i] < item) i++;
  if (set[i] === item) return set;
  const out = set.slice(0, i);
  out.push(item);
  for (; i < set.length; i++) out.push(set[i]);
  return out;
}

function tpMachine(rms: number, variant: string): Machine<TPState, TPAction> {
  const ids = Array.from({ length: rms }, (_, i) => i);
  const rmAction = (name: RMActionName) => ids.map((rm) => ({ name, rm }) as const);
  const tmRcvPrepared = rmAction('TMRcvPrepared');
  const rmPrepare = rmAction('RMPrepare');
  const rmChooseToAbort = rmAction('RMChooseToAbort');
  const rmRcvCommit = rmAction('RMRcvCommitMsg');
  const rmRcvAbort = rmAction('RMRcvAbortMsg');
  const rmTimeoutAbort = rmAction('RMTimeoutAbort');
  const rmHeuristicCommit = rmAction('RMHeuristicCommit');
  const tmCommit: TPAction = { name: 'TMCommit' };
  const tmAbort: TPAction = { name: 'TMAbort' };
  const preparedMsgs = ids.map(preparedMsg);
  const msgBit = new Map<string, number>([
    ['Commit', COMMIT_BIT],
    ['Abort', ABORT_BIT],
    ...preparedMsgs.map((m, rm) => [m, 1 << rm] as [string, number]),
  ]);
  const msgMask = (msgs: readonly string[]): number => {
    let mask = 0;
    for (const m of msgs) mask |= msgBit.get(m) ?? 0;
    return mask;
  };
  const commitQuorum = variant === 'majority-commit' ? Math.floor(rms / 2) + 1 : rms;
  const timeoutAbort = variant === 'prepared-abort-on-timeout';
  const heuristicCommit = variant === 'heuristic-commit';

  const actions = (s: TPState): TPAction[] => {
    const out: TPAction[] = [];
    const tmInit = s.tmState === 'init';
    if (tmInit && s.tmPrepared.length >= commitQuorum) out.push(tmCommit);
    if (tmInit) out.push(tmAbort);
    const sent = msgMask(s.msgs);
    const commitSent = (sent & COMMIT_BIT) !== 0;
    const abortSent = (sent & ABORT_BIT) !== 0;
    for (const rm of ids) {
      const r = s.rmState[rm];
      if (tmInit && (sent & (1 << rm)) !== 0) out.push(tmRcvPrepared[rm]);
      if (r === 'working') out.push(rmPrepare[rm], rmChooseToAbort[rm]);
      if (commitSent) out.push(rmRcvCommit[rm]);
      if (abortSent) out.push(rmRcvAbort[rm]);
      if (r === 'prepared' && timeoutAbort) out.push(rmTimeoutAbort[rm]);
      if (r === 'prepared' && heuristicCommit) out.push(rmHeuristicCommit[rm]);
    }
    return out;
  };

  // Explicit literals keep one object shape for every state, which keeps the explorer's call sites fast.
  const make = (rmState: TPState['rmState'], tmState: TMState, tmPrepared: TPState['tmPrepared'], msgs: TPState['msgs']): TPState => ({
    rmState,
    tmState,
    tmPrepared,
    msgs,
  });
  const setRM = (s: TPState, rm: number, value: RMState): TPState =>
    s.rmState[rm] === value ? s : make(replaceAt(s.rmState, rm, value), s.tmState, s.tmPrepared, s.msgs);

  const next = (s: TPState, a: TPAction): TPState => {
    switch (a.name) {
      case 'TMRcvPrepared': {
        const tmPrepared = insertSorted(s.tmPrepared, a.rm + 1);
        return tmPrepared === s.tmPrepared ? s : make(s.rmState, s.tmState, tmPrepared, s.msgs);
      }
      case 'TMCommit':
        return make(s.rmState, 'committed', s.tmPrepared, insertSorted(s.msgs, 'Commit'));
      case 'TMAbort':
        return make(s.rmState, 'aborted', s.tmPrepared, insertSorted(s.msgs, 'Abort'));
      case 'RMPrepare':
        return make(replaceAt(s.rmState, a.rm, 'prepared'), s.tmState, s.tmPrepared, insertSorted(s.msgs, preparedMsgs[a.rm]));
      case 'RMChooseToAbort':
      case 'RMRcvAbortMsg':
      case 'RMTimeoutAbort':
        return setRM(s, a.rm, 'aborted');
      case 'RMRcvCommitMsg':
      case 'RMHeuristicCommit':
        return setRM(s, a.rm, 'committed');
    }
  };

  const refinesTCommit = refinementProperty<TPState, TPAction, TCState, TCAction>({
    name: 'refinesTransactionCommit',
    description: 'Every step maps to a TransactionCommit step on rmState, or leaves rmState unchanged.',
    abstract: transactionCommitMachine(rms),
    mapping: (s) => ({ rmState: s.rmState }),
  });

  const properties: Property<TPState, TPAction>[] = [
    {
      kind: 'always',
      name: 'typeOK',
      description: 'Every variable holds a value of its type (TPTypeOK).',
      holds: (s) =>
        s.rmState.length === rms &&
        s.rmState.every(isRMState) &&
        isTMState(s.tmState) &&
        s.tmPrepared.every((rm, i) => Number.isInteger(rm) && rm >= 1 && rm <= rms && (i === 0 || s.tmPrepared[i - 1] < rm)) &&
        s.msgs.every((m) => msgBit.has(m)),
    },
    {
      kind: 'always',
      name: 'consistent',
      description: 'No RM has committed while another has aborted (TCConsistent).',
      holds: (s) => consistentRMs(s.rmState),
    },
    refinesTCommit,
    {
      kind: 'sometimes',
      name: 'allCommitted',
      description: 'Every RM commits.',
      holds: (s) => s.rmState.every((r) => r === 'committed'),
    },
    {
      kind: 'sometimes',
      name: 'abortAfterAllPrepared',
      description: 'The TM aborts even though every RM prepared.',
      holds: (s) => s.tmState === 'aborted' && s.tmPrepared.length === rms,
    },
    {
      kind: 'sometimes',
      name: 'decidedButUnheard',
      description: 'The TM has committed while every RM still waits prepared: the window in which 2PC blocks.',
      holds: (s) => s.tmState === 'committed' && s.rmState.every((r) => r === 'prepared'),
    },
  ];

  const actionNames = ['TMRcvPrepared', 'TMCommit', 'TMAbort', 'RMPrepare', 'RMChooseToAbort', 'RMRcvCommitMsg', 'RMRcvAbortMsg'];
  if (timeoutAbort) actionNames.push('RMTimeoutAbort');
  if (heuristicCommit) actionNames.push('RMHeuristicCommit');

  return {
    init: [
      make(
        ids.map(() => 'working' as const),
        'init',
        [],
        [],
      ),
    ],
    actions,
    next,
    // Packed into 52 bits for rms <= 12: 2 bits per RM, 2 for the TM, 12 for tmPrepared, 14 for msgs.
    key: (s) => {
      let rmBits = 0;
      for (let rm = 0; rm < rms; rm++) rmBits = rmBits * 4 + RM_CODE[s.rmState[rm]];
      let prepared = 0;
      for (const rm of s.tmPrepared) prepared |= 1 << (rm - 1);
      const tmAndPrepared = TM_CODE[s.tmState] * 4096 + prepared;
      return (rmBits * 16384 + tmAndPrepared) * 16384 + msgKeyBits(msgMask(s.msgs));
    },
    // The RMs are interchangeable: RM i is (its state, whether the TM has its Prepared, whether Prepared(i) was
    // sent), 4 bits; sorting those codes gives one key per orbit. 12 RMs, the TM and Commit/Abort: 52 bits.
    symmetry: (s) => {
      let prepared = 0;
      for (const rm of s.tmPrepared) prepared |= 1 << (rm - 1);
      const mask = msgMask(s.msgs);
      const codes: number[] = [];
      for (let rm = 0; rm < rms; rm++) codes.push(RM_CODE[s.rmState[rm]] | (((prepared >> rm) & 1) << 2) | (((mask >> rm) & 1) << 3));
      codes.sort((a, b) => a - b);
      let k = 0;
      for (const c of codes) k = k * 16 + c;
      return (k * 4 + TM_CODE[s.tmState]) * 4 + ((mask & COMMIT_BIT) !== 0 ? 1 : 0) + ((mask & ABORT_BIT) !== 0 ? 2 : 0);
    },
    properties,
    actionNames,
    formatAction: (a) => ('rm' in a ? `${a.name}(rm${a.rm + 1})` : a.name),
    actors: ['TM', ...ids.map((rm) => `RM${rm + 1}`)],
    view: (_from, a) => {
      if (!('rm' in a)) return [{ type: 'note', over: 'TM', text: a.name === 'TMCommit' ? 'decides Commit' : 'decides Abort' }];
      const rm = `RM${a.rm + 1}`;
      switch (a.name) {
        case 'TMRcvPrepared':
          return [{ type: 'message', from: rm, to: 'TM', label: 'Prepared' }];
        case 'RMRcvCommitMsg':
          return [{ type: 'message', from: 'TM', to: rm, label: 'Commit' }];
        case 'RMRcvAbortMsg':
          return [{ type: 'message', from: 'TM', to: rm, label: 'Abort' }];
        case 'RMPrepare':
          return [{ type: 'note', over: rm, text: 'prepares, sends Prepared' }];
        case 'RMChooseToAbort':
          return [{ type: 'note', over: rm, text: 'chooses to abort' }];
        case 'RMTimeoutAbort':
          return [{ type: 'note', over: rm, text: 'times out, aborts' }];
        case 'RMHeuristicCommit':
          return [{ type: 'note', over: rm, text: 'times out, commits (heuristic)' }];
      }
    },
    display: (s) => ({
      ...Object.fromEntries(ids.map((rm) => [`rm${rm + 1}`, s.rmState[rm]])),
      tmState: s.tmState,
      tmPrepared: `{${s.tmPrepared.map((rm) => `rm${rm}`).join(', ')}}`,
      msgs: `{${s.msgs.join(', ')}}`,
    }),
  };
}

export const twoPhaseCommit = defineModel({
  id: 'two-phase-commit',
  title: 'Two-phase commit (TwoPhase)',
  source: 'Gray & Lamport, "Consensus on Transaction Commit" (2006); TwoPhase.tla, TLA+ Examples',
  scope:
    'Safety only: TypeOK, consistency and refinement of TransactionCommit. Messages are a growing set, so loss, duplication and reordering are implicit; no crashes.',
  params: {
    rms: { type: 'int', default: 3, min: 1, max: 12, description: 'number of resource managers' },
  },
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
    {
      name: 'rms6-majority-commit-random',
      variant: 'majority-commit',
      params: { rms: 6 },
      strategy: 'random',
      seed: 42,
      runs: 1000,
      walkLength: 100,
    },
  ],
  machine: (params, variant) => tpMachine(params.rms, variant),
});
