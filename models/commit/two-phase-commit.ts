// Two-phase commit (TwoPhase), faithful to Lamport's TwoPhase.tla so that state counts equal TLC's.
// Source: Gray and Lamport, "Consensus on Transaction Commit" (2006), section 3; TwoPhase.tla, TLA+ Examples.
// Scope: safety only. A transaction manager (TM) and `rms` resource managers; `msgs` is a set of messages
// that only grows, so loss, duplication and reordering are all implicit (any message may be received any
// number of times, in any order). Every step is checked to refine TransactionCommit.
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { refinementProperty } from '../../src/model/refinement';
import { consistentRMs, transactionCommitMachine, type RMState, type TCAction, type TCState } from './transaction-commit';

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
const RM_STATES = Object.keys(RM_CODE) as RMState[];
const TM_CODE: Record<TMState, number> = { init: 0, committed: 1, aborted: 2 };
/** RM_CODE by comparing interned literals, cheaper than a keyed lookup on the hot path. */
const rmCode = (r: RMState): number => (r === 'working' ? 0 : r === 'prepared' ? 1 : r === 'committed' ? 2 : 3);
const tmCode = (t: TMState): number => (t === 'init' ? 0 : t === 'committed' ? 1 : 2);
/** The message mask squeezed into 14 bits: 12 Prepared bits, then Commit and Abort. */
const msgKeyBits = (mask: number): number => (mask & 0xfff) | ((mask >>> 20) << 12);
const isRMState = (r: string): boolean => r === 'working' || r === 'prepared' || r === 'committed' || r === 'aborted';
const isTMState = (t: string): boolean => t === 'init' || t === 'committed' || t === 'aborted';

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

/**
 * One shared array per value of a state component, so states share their components, and the component's code
 * (its bits in the key) is found by identity. `encode` computes the code of an array built elsewhere, e.g. a
 * state permuted by a test or read from a trace file.
 */
function canonical<T>(build: (code: number) => T[], encode: (xs: readonly T[]) => number, slots: number, slot = (code: number) => code) {
  // A plain array indexed by slot(code) is faster than a Map; 4^12 rmStates would be too sparse for one.
  const byCode: { get(i: number): readonly T[] | undefined; set(i: number, xs: readonly T[]): void } =
    slots <= 1 << 20 ? arrayTable<readonly T[]>(slots) : new Map<number, readonly T[]>();
  const codeOf = new Map<readonly T[], number>();
  return {
    of(code: number): readonly T[] {
      let xs = byCode.get(slot(code));
      if (xs === undefined) {
        xs = build(code);
        byCode.set(slot(code), xs);
        codeOf.set(xs, code);
      }
      return xs;
    },
    code: (xs: readonly T[]): number => codeOf.get(xs) ?? encode(xs),
    isCanonical: (xs: readonly T[]): boolean => codeOf.has(xs),
  };
}

function arrayTable<V>(size: number): { get(i: number): V | undefined; set(i: number, v: V): void } {
  const xs = new Array<V | undefined>(size).fill(undefined);
  return { get: (i) => xs[i], set: (i, v) => void (xs[i] = v) };
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
  // The sorted message list of a mask, in the order insertion into a sorted array gave: 'Abort' < 'Commit' <
  // 'Prepared(rm10)' < 'Prepared(rm2)' (string order).
  const sortedMsgs = [...msgBit.keys()].sort();
  const msgsSet = canonical(
    (mask) => sortedMsgs.filter((m) => (mask & msgBit.get(m)!) !== 0),
    (msgs) => msgs.reduce((mask, m) => mask | (msgBit.get(m) ?? 0), 0),
    1 << 14,
    msgKeyBits,
  );
  const preparedSet = canonical(
    (mask) => ids.filter((rm) => (mask >> rm) & 1).map((rm) => rm + 1),
    (tmPrepared) => tmPrepared.reduce((mask, rm) => mask | (1 << (rm - 1)), 0),
    1 << rms,
  );
  // rmState as 2 bits per RM, RM 1 most significant: TransactionCommit's key of the same rmState.
  const place = ids.map((rm) => 4 ** (rms - 1 - rm));
  const rmStates = canonical(
    (bits) => ids.map((rm) => RM_STATES[Math.floor(bits / place[rm]) % 4]),
    (rmState) => rmState.reduce((bits, r) => bits * 4 + rmCode(r), 0),
    4 ** rms,
  );
  const commitQuorum = variant === 'majority-commit' ? Math.floor(rms / 2) + 1 : rms;
  const timeoutAbort = variant === 'prepared-abort-on-timeout';
  const heuristicCommit = variant === 'heuristic-commit';

  // The codes of the last state next() read (`from`) and of the last one it made (`to`): the explorer takes every
  // action of one state in a row, and asks for the key of each successor right after making it.
  let from: TPState | undefined;
  let fromRm = 0;
  let fromPrepared = 0;
  let fromMsgs = 0;
  let to: TPState | undefined;
  let toRm = 0;
  let toPrepared = 0;
  let toMsgs = 0;
  const read = (s: TPState): void => {
    if (s === from) return;
    if (s === to) {
      fromRm = toRm;
      fromPrepared = toPrepared;
      fromMsgs = toMsgs;
    } else {
      fromRm = rmStates.code(s.rmState);
      fromPrepared = preparedSet.code(s.tmPrepared);
      fromMsgs = msgsSet.code(s.msgs);
    }
    from = s;
  };

  const actions = (s: TPState): TPAction[] => {
    read(s);
    const out: TPAction[] = [];
    const tmInit = s.tmState === 'init';
    if (tmInit && s.tmPrepared.length >= commitQuorum) out.push(tmCommit);
    if (tmInit) out.push(tmAbort);
    const sent = fromMsgs;
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
  const make = (s: TPState, rm: number, tmState: TMState, prepared: number, msgs: number): TPState => {
    to = {
      rmState: rm === fromRm ? s.rmState : rmStates.of(rm),
      tmState,
      tmPrepared: prepared === fromPrepared ? s.tmPrepared : preparedSet.of(prepared),
      msgs: msgs === fromMsgs ? s.msgs : msgsSet.of(msgs),
    };
    toRm = rm;
    toPrepared = prepared;
    toMsgs = msgs;
    return to;
  };
  /** rmState's code with RM `rm` in state `value`. */
  const withRM = (s: TPState, rm: number, value: RMState): number => fromRm + (rmCode(value) - rmCode(s.rmState[rm])) * place[rm];
  /** RM `rm` in state `value`; the same state object when it already is. */
  const setRM = (s: TPState, rm: number, value: RMState): TPState =>
    s.rmState[rm] === value ? s : make(s, withRM(s, rm, value), s.tmState, fromPrepared, fromMsgs);

  const next = (s: TPState, a: TPAction): TPState => {
    read(s);
    switch (a.name) {
      case 'TMRcvPrepared': {
        const prepared = fromPrepared | (1 << a.rm);
        return prepared === fromPrepared ? s : make(s, fromRm, s.tmState, prepared, fromMsgs);
      }
      case 'TMCommit':
        return make(s, fromRm, 'committed', fromPrepared, fromMsgs | COMMIT_BIT);
      case 'TMAbort':
        return make(s, fromRm, 'aborted', fromPrepared, fromMsgs | ABORT_BIT);
      case 'RMPrepare':
        return make(s, withRM(s, a.rm, 'prepared'), s.tmState, fromPrepared, fromMsgs | (1 << a.rm));
      case 'RMChooseToAbort':
      case 'RMRcvAbortMsg':
      case 'RMTimeoutAbort':
        return setRM(s, a.rm, 'aborted');
      case 'RMRcvCommitMsg':
      case 'RMHeuristicCommit':
        return setRM(s, a.rm, 'committed');
    }
  };

  /** The codes of any state, from the two remembered ones when it is one of them. */
  const codes = (s: TPState): void => {
    if (s !== to) read(s);
  };
  const rmBitsOf = (s: TPState): number => {
    codes(s);
    return s === to ? toRm : fromRm;
  };

  const refinesTCommit = refinementProperty<TPState, TPAction, TCState, TCAction>({
    name: 'refinesTransactionCommit',
    description: 'Every step maps to a TransactionCommit step on rmState, or leaves rmState unchanged.',
    abstract: transactionCommitMachine(rms),
    mapping: (s) => ({ rmState: s.rmState }),
    abstractKey: rmBitsOf,
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
        (msgsSet.isCanonical(s.msgs) || s.msgs.every((m) => msgBit.has(m))),
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
    init: [{ rmState: rmStates.of(0), tmState: 'init', tmPrepared: preparedSet.of(0), msgs: msgsSet.of(0) }],
    actions,
    next,
    // Packed into 52 bits for rms <= 12: 2 bits per RM, 2 for the TM, 12 for tmPrepared, 14 for msgs.
    key: (s) => {
      codes(s);
      const made = s === to;
      const prepared = made ? toPrepared : fromPrepared;
      return ((made ? toRm : fromRm) * 16384 + tmCode(s.tmState) * 4096 + prepared) * 16384 + msgKeyBits(made ? toMsgs : fromMsgs);
    },
    // The RMs are interchangeable: RM i is (its state, whether the TM has its Prepared, whether Prepared(i) was
    // sent), 4 bits; sorting those codes gives one key per orbit. 12 RMs, the TM and Commit/Abort: 52 bits.
    symmetry: (s) => {
      codes(s);
      const prepared = s === to ? toPrepared : fromPrepared;
      const mask = s === to ? toMsgs : fromMsgs;
      const perRM: number[] = [];
      for (let rm = 0; rm < rms; rm++) perRM.push(rmCode(s.rmState[rm]) | (((prepared >> rm) & 1) << 2) | (((mask >> rm) & 1) << 3));
      perRM.sort((a, b) => a - b);
      let k = 0;
      for (const c of perRM) k = k * 16 + c;
      return (k * 4 + tmCode(s.tmState)) * 4 + ((mask & COMMIT_BIT) !== 0 ? 1 : 0) + ((mask & ABORT_BIT) !== 0 ? 2 : 0);
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
