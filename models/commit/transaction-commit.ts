// Transaction Commit (TCommit): the abstract specification of atomic commit.
// Source: Gray and Lamport, "Consensus on Transaction Commit" (MSR-TR-2003-96), and TCommit.tla in the
// TLA+ Examples. Scope: safety only. Each resource manager (RM) goes working -> prepared -> committed or
// aborted; the spec says *what* may be decided, with no messages and no coordinator.
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { replaceAt } from '../../src/model/plain';

export type RMState = 'working' | 'prepared' | 'committed' | 'aborted';

export interface TCState {
  /** rmState[i] is the state of RM i+1. */
  readonly rmState: readonly RMState[];
}

export type TCAction =
  | { readonly name: 'Prepare'; readonly rm: number }
  | { readonly name: 'DecideCommit'; readonly rm: number }
  | { readonly name: 'DecideAbort'; readonly rm: number };

const RM_CODE: Record<RMState, number> = { working: 0, prepared: 1, committed: 2, aborted: 3 };
const RM_STATES = Object.keys(RM_CODE) as RMState[];

const variants: readonly Variant[] = [
  { name: 'correct', description: 'TCommit as published.' },
  {
    name: 'abort-after-commit',
    description: 'Decide(r) may abort an RM even when another RM has already committed.',
    breaks: 'consistent',
  },
];

/** TCommit's `consistent`: no RM committed while another aborted. Shared with the models that refine TCommit. */
export function consistentRMs(rmState: readonly RMState[]): boolean {
  return !(rmState.includes('committed') && rmState.includes('aborted'));
}

function tcMachine(rms: number, variant: string): Machine<TCState, TCAction> {
  const ids = Array.from({ length: rms }, (_, i) => i);
  const prepare = ids.map((rm) => ({ name: 'Prepare', rm }) as const);
  const commit = ids.map((rm) => ({ name: 'DecideCommit', rm }) as const);
  const abort = ids.map((rm) => ({ name: 'DecideAbort', rm }) as const);
  const abortIgnoresCommitted = variant === 'abort-after-commit';

  const actions = (s: TCState): TCAction[] => {
    const out: TCAction[] = [];
    const canCommit = s.rmState.every((r) => r === 'prepared' || r === 'committed');
    const notCommitted = !s.rmState.includes('committed');
    for (const rm of ids) {
      const r = s.rmState[rm];
      if (r === 'working') out.push(prepare[rm]);
      if (r === 'prepared' && canCommit) out.push(commit[rm]);
      if ((r === 'working' || r === 'prepared') && (notCommitted || abortIgnoresCommitted)) out.push(abort[rm]);
    }
    return out;
  };

  const next = (s: TCState, a: TCAction): TCState => {
    switch (a.name) {
      case 'Prepare':
        return { rmState: replaceAt(s.rmState, a.rm, 'prepared') };
      case 'DecideCommit':
        return { rmState: replaceAt(s.rmState, a.rm, 'committed') };
      case 'DecideAbort':
        return { rmState: replaceAt(s.rmState, a.rm, 'aborted') };
    }
  };

  const properties: Property<TCState, TCAction>[] = [
    {
      kind: 'always',
      name: 'typeOK',
      description: 'Every RM is in one of the four states.',
      holds: (s) => s.rmState.length === rms && s.rmState.every((r) => RM_STATES.includes(r)),
    },
    {
      kind: 'always',
      name: 'consistent',
      description: 'No RM has committed while another has aborted.',
      holds: (s) => consistentRMs(s.rmState),
    },
    {
      kind: 'sometimes',
      name: 'allCommitted',
      description: 'Every RM commits.',
      holds: (s) => s.rmState.every((r) => r === 'committed'),
    },
    {
      kind: 'sometimes',
      name: 'abortWhilePrepared',
      description: 'One RM has aborted while another is prepared: prepared RMs can still abort.',
      holds: (s) => s.rmState.includes('aborted') && s.rmState.includes('prepared'),
    },
  ];

  return {
    init: [{ rmState: ids.map(() => 'working' as const) }],
    actions,
    next,
    // Two bits per RM: an integer key, exact and cheap (refinement checks compute it on every step).
    key: (s) => {
      let k = 0;
      for (const r of s.rmState) k = k * 4 + RM_CODE[r];
      return k;
    },
    properties,
    actionNames: ['Prepare', 'DecideCommit', 'DecideAbort'],
    formatAction: (a) => `${a.name}(rm${a.rm + 1})`,
    actors: ids.map((rm) => `RM${rm + 1}`),
    view: (_from, a) => [
      { type: 'note', over: `RM${a.rm + 1}`, text: { Prepare: 'prepares', DecideCommit: 'commits', DecideAbort: 'aborts' }[a.name] },
    ],
  };
}

export const transactionCommit = defineModel({
  id: 'transaction-commit',
  title: 'Transaction Commit (TCommit)',
  source: 'Gray & Lamport, "Consensus on Transaction Commit" (2006); TCommit.tla, TLA+ Examples',
  scope: "Safety only: consistency of the RMs' decisions. No messages, no faults.",
  params: {
    rms: { type: 'int', default: 3, min: 1, max: 12, description: 'number of resource managers' },
  },
  variants,
  configurations: [
    { name: 'rms3', variant: 'correct', params: { rms: 3 } },
    { name: 'rms3-abort-after-commit', variant: 'abort-after-commit', params: { rms: 3 } },
  ],
  machine: (params, variant) => tcMachine(params.rms, variant),
});

/** The abstract machine other commit models refine (see two-phase-commit's refinement property). */
export function transactionCommitMachine(rms: number): Machine<TCState, TCAction> {
  return tcMachine(rms, 'correct');
}
