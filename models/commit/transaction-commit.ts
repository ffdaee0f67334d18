// Transaction Commit (TCommit): the abstract specification of atomic commit.
// Source: Gray and Lamport, "Consensus on Transaction Commit" (MSR-TR-2003-96), and TCommit.tla in the
// TLA+ Examples. Scope: safety only. Each resource manager (RM) goes working -> prepared -> committed or
// aborted; the spec says *what* may be decided, with no messages and no coordinator.
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';

export type RMState = 'working' | 'prepared' | 'committed' | 'aborted';
/** An RM's name, r1 … rN as in TLC's model values, written rm1 … rmN. */
export type RM = string;

export interface TCState {
  /** rmState[r]: the state of RM r (a function RM -> state, as in the spec). */
  readonly rmState: Readonly<Record<RM, RMState>>;
}

export type TCAction =
  | { readonly name: 'Prepare'; readonly rm: RM }
  | { readonly name: 'DecideCommit'; readonly rm: RM }
  | { readonly name: 'DecideAbort'; readonly rm: RM };

/** The RM names of a scope, in the spec's order. */
export const rmNames = (rms: number): RM[] => Array.from({ length: rms }, (_, i) => `rm${i + 1}`);

/** TCommit's TCConsistent: no RM committed while another aborted. Shared with the models that refine TCommit. */
export function consistentRMs(rmState: readonly RMState[] | Readonly<Record<RM, RMState>>): boolean {
  const states = Array.isArray(rmState) ? rmState : Object.values(rmState);
  return !(states.includes('committed') && states.includes('aborted'));
}

function tcMachine(rms: number, variant: string): Machine<TCState, TCAction> {
  const RM = rmNames(rms);
  const abortIgnoresCommitted = variant === 'abort-after-commit';
  const all = (s: TCState, ok: (r: RMState) => boolean): boolean => RM.every((r) => ok(s.rmState[r]));
  const some = (s: TCState, st: RMState): boolean => RM.some((r) => s.rmState[r] === st);

  // canCommit == \A r \in RM : rmState[r] \in {"prepared", "committed"};  notCommitted == \A r : rmState[r] # "committed"
  const actions = (s: TCState): TCAction[] => {
    const out: TCAction[] = [];
    const canCommit = all(s, (r) => r === 'prepared' || r === 'committed');
    const notCommitted = !some(s, 'committed');
    for (const rm of RM) {
      const r = s.rmState[rm];
      if (r === 'working') out.push({ name: 'Prepare', rm });
      if (r === 'prepared' && canCommit) out.push({ name: 'DecideCommit', rm });
      if ((r === 'working' || r === 'prepared') && (notCommitted || abortIgnoresCommitted)) out.push({ name: 'DecideAbort', rm });
    }
    return out;
  };

  const to: Record<TCAction['name'], RMState> = { Prepare: 'prepared', DecideCommit: 'committed', DecideAbort: 'aborted' };
  const next = (s: TCState, a: TCAction): TCState => ({ rmState: { ...s.rmState, [a.rm]: to[a.name] } });

  const properties: Property<TCState, TCAction>[] = [
    {
      kind: 'always',
      name: 'typeOK',
      description: 'Every RM is in one of the four states.',
      holds: (s) => Object.keys(s.rmState).length === rms && all(s, (r) => r in RM_STATE_NAMES),
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
      holds: (s) => all(s, (r) => r === 'committed'),
    },
    {
      kind: 'sometimes',
      name: 'abortWhilePrepared',
      description: 'One RM has aborted while another is prepared: prepared RMs can still abort.',
      holds: (s) => some(s, 'aborted') && some(s, 'prepared'),
    },
  ];

  return {
    init: [{ rmState: Object.fromEntries(RM.map((r) => [r, 'working'])) }],
    actions,
    next,
    properties,
    actionNames: ['Prepare', 'DecideCommit', 'DecideAbort'],
    symmetricIds: RM,
    // Presentation.
    formatAction: (a) => `${a.name}(${a.rm})`,
    actors: RM.map((r) => r.toUpperCase()),
    view: (_from, a) => [
      { type: 'note', over: a.rm.toUpperCase(), text: { Prepare: 'prepares', DecideCommit: 'commits', DecideAbort: 'aborts' }[a.name] },
    ],
    display: (s) => ({ rmState: RM.map((r) => s.rmState[r]) }),
  };
}

const RM_STATE_NAMES: Record<RMState, true> = { working: true, prepared: true, committed: true, aborted: true };

// Configurations and variants.

const variants: readonly Variant[] = [
  { name: 'correct', description: 'TCommit as published.' },
  {
    name: 'abort-after-commit',
    description: 'Decide(r) may abort an RM even when another RM has already committed.',
    breaks: 'consistent',
  },
];

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
