// Seata AT mode: two global transactions update one row through local commits that keep an undo log.
// Source: the seed's Seata notes and PROTOCOLS.md §1.7; Seata's AT mode documentation (global lock taken
// before the local commit; phase two deletes the undo log, or rolls back from the before-image after checking
// the after-image). Scope: no dirty write, no clobbering rollback and the expected final value (safety), and
// every global transaction eventually finishes (liveness, weak fairness on every step).
// T1 writes m = 900 and T2 writes m = 800 (absolute writes, as in the worked example with m = 1000).
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';

export type Tx = 'T1' | 'T2';
export type TxPhase = 'start' | 'localCommitted' | 'committed' | 'rolledback';

export interface TxState {
  readonly phase: TxPhase;
  /** The undo log: before- and after-image of the row, written with the local commit. */
  readonly before: number | null;
  readonly after: number | null;
}

export interface SeataState {
  readonly m: number;
  readonly tx: Readonly<Record<Tx, TxState>>;
  /** Holder of the global lock on the row. */
  readonly lock: Tx | null;
  /** History: the order in which transactions committed globally (their writes survive). */
  readonly committedOrder: readonly Tx[];
  /** History: some local commit overwrote another global transaction's uncommitted value. */
  readonly dirtyWrite: boolean;
  /** History: some rollback overwrote a value that was not its own after-image. */
  readonly clobbered: boolean;
}

type TxStep = 'LocalCommit' | 'GlobalCommit' | 'GlobalRollback' | 'AbortBeforeCommit';
export type SeataAction = { readonly name: TxStep; readonly t: Tx };

export const INITIAL_M = 1000;
export const WRITES: Readonly<Record<Tx, number>> = { T1: 900, T2: 800 };
const TXS: readonly Tx[] = ['T1', 'T2'];
const other = (t: Tx): Tx => (t === 'T1' ? 'T2' : 'T1');

function seataMachine(variant: string): Machine<SeataState, SeataAction> {
  const useLock = variant !== 'no-global-lock';
  const setTx = (s: SeataState, t: Tx, tx: TxState): SeataState['tx'] => ({ ...s.tx, [t]: tx });

  const actions = (s: SeataState): SeataAction[] => {
    const out: SeataAction[] = [];
    for (const t of TXS) {
      const phase = s.tx[t].phase;
      if (phase === 'start' && (!useLock || s.lock === null)) out.push({ name: 'LocalCommit', t });
      if (phase === 'start') out.push({ name: 'AbortBeforeCommit', t });
      if (phase === 'localCommitted') out.push({ name: 'GlobalCommit', t }, { name: 'GlobalRollback', t });
    }
    return out;
  };

  const next = (s: SeataState, a: SeataAction): SeataState => {
    const t = a.t;
    switch (a.name) {
      // Phase one: write the row and its undo log in one local commit, holding the global lock.
      case 'LocalCommit':
        return {
          ...s,
          m: WRITES[t],
          tx: setTx(s, t, { phase: 'localCommitted', before: s.m, after: WRITES[t] }),
          lock: useLock ? t : s.lock,
          dirtyWrite: s.dirtyWrite || s.tx[other(t)].phase === 'localCommitted',
        };
      case 'AbortBeforeCommit':
        return { ...s, tx: setTx(s, t, { phase: 'rolledback', before: null, after: null }) };
      // Phase two: commit deletes the undo log; rollback restores the before-image. Both release the lock.
      case 'GlobalCommit':
        return {
          ...s,
          tx: setTx(s, t, { ...s.tx[t], phase: 'committed' }),
          lock: s.lock === t ? null : s.lock,
          committedOrder: [...s.committedOrder, t],
        };
      case 'GlobalRollback': {
        const own = s.m === s.tx[t].after;
        return {
          ...s,
          m: s.tx[t].before!,
          tx: setTx(s, t, { ...s.tx[t], phase: 'rolledback' }),
          lock: s.lock === t ? null : s.lock,
          clobbered: s.clobbered || !own,
        };
      }
    }
  };

  const txs = (s: SeataState): TxState[] => TXS.map((t) => s.tx[t]);
  const done = (s: SeataState): boolean => txs(s).every((x) => x.phase === 'committed' || x.phase === 'rolledback');
  /** What the row must hold once both are done: the write of the committed transaction that wrote last. */
  const expectedFinal = (s: SeataState): number => {
    const last = s.committedOrder.at(-1);
    return last === undefined ? INITIAL_M : WRITES[last];
  };
  const properties: Property<SeataState, SeataAction>[] = [
    {
      kind: 'always',
      name: 'noDirtyWrite',
      description: "No transaction overwrites another global transaction's uncommitted value.",
      holds: (s) => !s.dirtyWrite,
    },
    {
      kind: 'always',
      name: 'rollbackRestoresOwnWrite',
      description: 'A rollback only ever replaces its own after-image.',
      holds: (s) => !s.clobbered,
    },
    {
      kind: 'always',
      name: 'finalValue',
      description: 'Once both are done, the row holds the last committed write, or 1000 if neither committed.',
      holds: (s) => !done(s) || s.m === expectedFinal(s),
    },
    { kind: 'eventually', name: 'bothFinish', description: 'Both global transactions eventually commit or roll back.', holds: done },
    {
      kind: 'sometimes',
      name: 'waitsForGlobalLock',
      description: 'One transaction waits while the other holds the global lock.',
      holds: (s) => s.lock !== null && s.tx[other(s.lock)].phase === 'start',
    },
    {
      kind: 'sometimes',
      name: 'rolledBackToBefore',
      description: 'A rollback restores m = 1000.',
      holds: (s) => s.m === INITIAL_M && txs(s).some((x) => x.phase === 'rolledback' && x.before === INITIAL_M),
    },
    {
      kind: 'sometimes',
      name: 'bothCommitted',
      description: 'Both transactions commit.',
      holds: (s) => txs(s).every((x) => x.phase === 'committed'),
    },
  ];

  const start: TxState = { phase: 'start', before: null, after: null };
  return {
    init: [{ m: INITIAL_M, tx: { T1: start, T2: start }, lock: null, committedOrder: [], dirtyWrite: false, clobbered: false }],
    actions,
    next,
    properties,
    actionNames: ['LocalCommit', 'AbortBeforeCommit', 'GlobalCommit', 'GlobalRollback'],
    fairness: 'Weak fairness on every step.',
    ...presentation(useLock),
  };
}

// Presentation: action labels, sequence-diagram notes and the trace view of a state.

function presentation(useLock: boolean): Pick<Machine<SeataState, SeataAction>, 'formatAction' | 'actors' | 'view' | 'display'> {
  return {
    formatAction: (a) => `${a.name}(${a.t})`,
    actors: ['T1', 'TC', 'T2'],
    view: (_from, a, to) => {
      const text: Record<TxStep, string> = {
        LocalCommit: `local commit: m = ${to.m}, undo log saved${useLock ? ', holds global lock' : ''}`,
        AbortBeforeCommit: 'fails before its local commit',
        GlobalCommit: 'phase 2 commit: undo log deleted, lock released',
        GlobalRollback: `phase 2 rollback: m = ${to.m} from the before-image`,
      };
      return [{ type: 'note', over: a.t, text: text[a.name] }];
    },
    display: (s) => ({
      m: s.m,
      T1: s.tx.T1.phase,
      T2: s.tx.T2.phase,
      globalLock: s.lock ?? 'free',
      undo: TXS.map((t) => (s.tx[t].before === null ? `${t}: -` : `${t}: ${s.tx[t].before}→${s.tx[t].after}`)).join(', '),
    }),
  };
}

// Variants and configurations.

const variants: readonly Variant[] = [
  {
    name: 'correct',
    description: 'A transaction takes the global lock on the row before its local commit and keeps it until phase two ends.',
  },
  {
    name: 'no-global-lock',
    description: 'Local commits do not wait for the global lock, and rollback restores the before-image blindly.',
    breaks: 'noDirtyWrite',
  },
];

export const seataAt = defineModel({
  id: 'seata-at',
  title: 'Seata AT mode: global lock, undo log and rollback from the before-image',
  source: "The seed's Seata notes; Seata AT mode documentation (global lock, undo_log before/after images)",
  scope: 'Two global transactions writing one row (m = 1000; T1 writes 900, T2 writes 800), each committing or rolling back in phase two.',
  params: {},
  variants,
  configurations: [
    { name: 'two-writers', variant: 'correct' },
    {
      name: 'two-writers-no-global-lock',
      description: "T2 overwrites T1's uncommitted 900; if T1 then rolls back, it restores 1000 over T2's committed 800.",
      variant: 'no-global-lock',
    },
  ],
  machine: (_params, variant) => seataMachine(variant),
});
