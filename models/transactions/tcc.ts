// TCC (Try / Confirm / Cancel): a transfer of one unit from account A (payer) to account B (payee).
// Source: the seed's TCC section (阶段, 幂等性: 去重表); Seata's TCC fence design (one fence row per xid and
// branch with status tried / committed / rolled back / suspended) for the empty-rollback and anti-hanging
// guards. Scope: conservation, non-negative balances, atomic outcome and no double apply (safety), and
// "nothing stays frozen" once the transaction is over (liveness: weak fairness on protocol steps, retries and
// the coordinator's restart; none on losses, duplicates or the crash).
// Try on A moves the unit from available to frozen; Confirm on A drops it from frozen; Cancel on A returns it.
// Try on B records a pending credit; Confirm on B makes it available; Cancel on B forgets it.
import { budgetOf, faultParams, findDeliverable, initialFaults, isUp, type FaultAction, type FaultBudget, withFaults } from '../../src/model/faults';
import type { FaultState, ProtocolMachine } from '../../src/model/faults';
import { deliveryArrows, formatNetwork, message, messagesSent, remove, send, withNet, type Message } from '../../src/model/network';
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { setAdd } from '../../src/model/plain';

export type Branch = 'A' | 'B';
export type Fence = 'none' | 'tried' | 'committed' | 'rolledback' | 'suspended';
export type CoordPhase = 'init' | 'trying' | 'confirming' | 'cancelling' | 'done';
export type TryReply = 'none' | 'ok' | 'refused';

export interface TCCState {
  /** Durable: the coordinator's log. */
  readonly phase: CoordPhase;
  /** Volatile: the Try replies and the phase-two acknowledgements received (lost when the coordinator crashes). */
  readonly tryReply: Readonly<Record<Branch, TryReply>>;
  readonly acked: ReadonlySet<Branch>;
  /** Each branch's fence row. */
  readonly fence: Readonly<Record<Branch, Fence>>;
  readonly availA: number;
  readonly frozenA: number;
  readonly availB: number;
  readonly pendingB: number;
  /** Audit: how many times each branch applied a phase-two effect to its balances. */
  readonly applied: Readonly<Record<Branch, number>>;
  readonly retried: boolean;
  readonly faults: FaultState;
}

type BranchStep = 'BRcvTry' | 'BRcvConfirm' | 'BRcvCancel' | 'CRcvTryReply' | 'CRcvAck' | 'CRetry';
type ProtocolAction = { readonly name: 'CTry' | 'CConfirm' | 'CCancel' } | { readonly name: BranchStep; readonly b: Branch };
export type TCCAction = ProtocolAction | FaultAction;

const C = 'C';
const BRANCHES: readonly Branch[] = ['A', 'B'];

function tccMachine(variant: string, budget: FaultBudget): Machine<TCCState, TCCAction> {
  const idempotent = variant !== 'no-idempotency';
  const emptyRollbackGuard = variant !== 'no-empty-rollback-guard';
  const antiHanging = variant !== 'no-anti-hanging';

  const toBranch = (s: TCCState, type: string, b: Branch): Message | undefined =>
    findDeliverable(s.faults, (m) => m.type === type && m.to === b);
  const fromBranch = (s: TCCState, type: string, b: Branch): Message | undefined =>
    findDeliverable(s.faults, (m) => m.type === type && m.from === b);
  const tryReplyFrom = (s: TCCState, b: Branch): Message | undefined => fromBranch(s, 'TryOk', b) ?? fromBranch(s, 'TryRefused', b);
  const deciding = (s: TCCState): boolean => s.phase === 'confirming' || s.phase === 'cancelling';

  const actions = (s: TCCState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    const cUp = isUp(s.faults, C);
    if (cUp && s.phase === 'init') out.push({ name: 'CTry' });
    if (cUp && s.phase === 'trying' && BRANCHES.every((b) => s.tryReply[b] === 'ok')) out.push({ name: 'CConfirm' });
    // The coordinator may give up waiting for Try replies at any time (an asynchronous timeout), or on a refusal.
    if (cUp && s.phase === 'trying') out.push({ name: 'CCancel' });
    for (const b of BRANCHES) {
      if (toBranch(s, 'Try', b)) out.push({ name: 'BRcvTry', b });
      if (toBranch(s, 'Confirm', b)) out.push({ name: 'BRcvConfirm', b });
      if (toBranch(s, 'Cancel', b)) out.push({ name: 'BRcvCancel', b });
      if (cUp && tryReplyFrom(s, b)) out.push({ name: 'CRcvTryReply', b });
      if (cUp && fromBranch(s, 'Ack', b)) out.push({ name: 'CRcvAck', b });
      // A retry resends the decision to a branch that has not acknowledged it once nothing of it is in flight.
      const busy = s.faults.net.some((m) => m.to === b || m.from === b);
      if (cUp && deciding(s) && !s.acked.has(b) && !busy) out.push({ name: 'CRetry', b });
    }
    return out;
  };

  const broadcast = (s: TCCState, type: string): TCCState => withNet(s, send(s.faults.net, ...BRANCHES.map((b) => message(type, C, b))));
  /** The branch answers the request it consumed; its own effects are already in `s`. */
  const reply = (s: TCCState, consumed: Message, type: string, b: Branch): TCCState =>
    withNet(s, send(remove(s.faults.net, consumed), message(type, b, C)));

  // The balance effects of each operation on each branch.
  const freeze = (s: TCCState, b: Branch): TCCState =>
    b === 'A' ? { ...s, availA: s.availA - 1, frozenA: s.frozenA + 1 } : { ...s, pendingB: s.pendingB + 1 };
  const settle = (s: TCCState, b: Branch): TCCState =>
    b === 'A' ? { ...s, frozenA: s.frozenA - 1 } : { ...s, pendingB: s.pendingB - 1, availB: s.availB + 1 };
  const release = (s: TCCState, b: Branch): TCCState =>
    b === 'A' ? { ...s, frozenA: s.frozenA - 1, availA: s.availA + 1 } : { ...s, pendingB: s.pendingB - 1 };
  const audit = (s: TCCState, b: Branch): TCCState => ({ ...s, applied: { ...s.applied, [b]: s.applied[b] + 1 } });
  const setFence = (s: TCCState, b: Branch, f: Fence): TCCState => ({ ...s, fence: { ...s.fence, [b]: f } });

  const next = (s: TCCState, a: ProtocolAction): TCCState => {
    switch (a.name) {
      case 'CTry':
        return { ...broadcast(s, 'Try'), phase: 'trying' };
      case 'CConfirm':
        return { ...broadcast(s, 'Confirm'), phase: 'confirming' };
      case 'CCancel':
        return { ...broadcast(s, 'Cancel'), phase: 'cancelling' };
      case 'CRetry':
        return { ...withNet(s, send(s.faults.net, message(s.phase === 'confirming' ? 'Confirm' : 'Cancel', C, a.b))), retried: true };
      case 'CRcvTryReply': {
        const m = tryReplyFrom(s, a.b)!;
        const tryReply = s.phase === 'trying' ? { ...s.tryReply, [a.b]: m.type === 'TryOk' ? 'ok' : 'refused' } : s.tryReply;
        return { ...withNet(s, remove(s.faults.net, m)), tryReply };
      }
      case 'CRcvAck': {
        const acked = deciding(s) ? setAdd(s.acked, a.b) : s.acked;
        const phase = acked.size === BRANCHES.length && s.phase !== 'trying' ? 'done' : s.phase;
        return { ...withNet(s, remove(s.faults.net, fromBranch(s, 'Ack', a.b)!)), acked, phase };
      }
      case 'BRcvTry': {
        const m = toBranch(s, 'Try', a.b)!;
        const f = s.fence[a.b];
        // Anti-hanging: a Try after its Cancel (fence suspended or rolled back) is refused.
        const hanging = f === 'suspended' || f === 'rolledback';
        if (f === 'none' || (hanging && !antiHanging)) return reply(setFence(freeze(s, a.b), a.b, 'tried'), m, 'TryOk', a.b);
        return reply(s, m, hanging ? 'TryRefused' : 'TryOk', a.b);
      }
      case 'BRcvConfirm': {
        const m = toBranch(s, 'Confirm', a.b)!;
        const f = s.fence[a.b];
        const apply = f === 'tried' || (!idempotent && f === 'committed');
        return reply(apply ? setFence(audit(settle(s, a.b), a.b), a.b, 'committed') : s, m, 'Ack', a.b);
      }
      case 'BRcvCancel': {
        const m = toBranch(s, 'Cancel', a.b)!;
        const f = s.fence[a.b];
        let t = s;
        if (f === 'tried' || (!idempotent && f === 'rolledback')) t = setFence(audit(release(s, a.b), a.b), a.b, 'rolledback');
        // Empty rollback: a Cancel without its Try writes suspended and releases nothing.
        else if (f === 'none')
          t = emptyRollbackGuard ? setFence(s, a.b, 'suspended') : setFence(audit(release(s, a.b), a.b), a.b, 'rolledback');
        return reply(t, m, 'Ack', a.b);
      }
    }
  };

  /** Restart from the log: the volatile replies are gone, and an undecided transaction is presumed cancelled. */
  const onRestart = (s: TCCState): TCCState => ({
    ...s,
    tryReply: NO_REPLIES,
    acked: new Set(),
    phase: s.phase === 'trying' ? 'cancelling' : s.phase,
  });

  const confirmed = (s: TCCState, b: Branch): boolean => s.fence[b] === 'committed';
  const undone = (s: TCCState, b: Branch): boolean => s.fence[b] === 'rolledback' || s.fence[b] === 'suspended';
  const properties: Property<TCCState, TCCAction>[] = [
    {
      kind: 'always',
      name: 'conservation',
      description:
        "A's available and frozen money, B's available money and the unit in flight between A's and B's Confirm always add up to 1.",
      holds: (s) => s.availA + s.frozenA + s.availB + (confirmed(s, 'A') ? 1 : 0) - (confirmed(s, 'B') ? 1 : 0) === 1,
    },
    {
      kind: 'always',
      name: 'noNegativeBalance',
      description: 'No balance, available or frozen, is ever negative.',
      holds: (s) => s.availA >= 0 && s.frozenA >= 0 && s.availB >= 0 && s.pendingB >= 0,
    },
    {
      kind: 'always',
      name: 'atomicOutcome',
      description: 'Never one branch confirmed while the other is cancelled.',
      holds: (s) => !((confirmed(s, 'A') && undone(s, 'B')) || (confirmed(s, 'B') && undone(s, 'A'))),
    },
    {
      kind: 'always',
      name: 'noDoubleApply',
      description: 'Each branch applies Confirm or Cancel to its balances at most once.',
      holds: (s) => BRANCHES.every((b) => s.applied[b] <= 1),
    },
    {
      kind: 'eventually',
      name: 'nothingStaysFrozen',
      description: 'The transaction eventually ends with nothing frozen and nothing pending.',
      holds: (s) => s.phase === 'done' && s.frozenA === 0 && s.pendingB === 0,
    },
    { kind: 'sometimes', name: 'transferred', description: 'The unit reaches B.', holds: (s) => s.availB === 1 && s.phase === 'done' },
    {
      kind: 'sometimes',
      name: 'cancelBeforeTry',
      description: 'A Cancel reached a branch before its Try.',
      holds: (s) => BRANCHES.some((b) => s.fence[b] === 'suspended') || (!emptyRollbackGuard && s.frozenA < 0),
    },
  ];
  if (budget.drops > 0 || budget.crashes > 0)
    properties.push({
      kind: 'sometimes',
      name: 'retried',
      description: 'The coordinator had to resend a phase-two request.',
      holds: (s) => s.retried,
    });
  if (budget.duplicates > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'duplicateArrived',
      description: 'A duplicated message was delivered.',
      holds: (s) => s.faults.budget.duplicates === 0 && s.faults.net.length === 0,
    });
  }
  if (budget.crashes > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'crashMidProtocol',
      description: 'The coordinator crashed after Try and restarted.',
      holds: (s) => s.faults.budget.crashes === 0 && isUp(s.faults, C) && s.phase !== 'init',
    });
  }

  return withFaults(
    budget,
    { nodes: [C, ...BRANCHES], crashable: [C], restart: true, onRestart },
    {
      init: [
        {
          phase: 'init',
          tryReply: NO_REPLIES,
          acked: new Set(),
          fence: { A: 'none', B: 'none' },
          availA: 1,
          frozenA: 0,
          availB: 0,
          pendingB: 0,
          applied: { A: 0, B: 0 },
          retried: false,
          faults: initialFaults(budget),
        },
      ],
      actions,
      next,
      properties,
      actionNames: ['CTry', 'CConfirm', 'CCancel', 'CRetry', 'CRcvTryReply', 'CRcvAck', 'BRcvTry', 'BRcvConfirm', 'BRcvCancel'],
      fairness:
        "Weak fairness on every protocol step and retry, and on the coordinator's restart; none on losses, duplicates or the crash.",
      metrics: [{ name: 'messages per decision', along: 'transferred', perStep: messagesSent }],
      ...presentation,
    },
  );
}

const NO_REPLIES: TCCState['tryReply'] = { A: 'none', B: 'none' };

// Presentation: action labels, sequence-diagram events and the trace view of a state.

const presentation: Pick<ProtocolMachine<TCCState, ProtocolAction>, 'formatAction' | 'view' | 'display'> = {
  formatAction: (a) => ('b' in a ? `${a.name}(${a.b})` : a.name),
  view: (from, a, to) => {
    const arrows = deliveryArrows(from.faults.net, to.faults.net);
    if (arrows.length) return arrows;
    const text =
      a.name === 'CTry'
        ? 'sends Try to A and B'
        : a.name === 'CConfirm'
          ? 'decides Confirm, sends it to A and B'
          : a.name === 'CCancel'
            ? 'decides Cancel, sends it to A and B'
            : `resends ${to.phase === 'confirming' ? 'Confirm' : 'Cancel'} to ${'b' in a ? a.b : ''}`;
    return [{ type: 'note', over: C, text }];
  },
  display: (s) => ({
    coordinator: isUp(s.faults, C) ? s.phase : `${s.phase} (down)`,
    fenceA: s.fence.A,
    fenceB: s.fence.B,
    A: `available ${s.availA}, frozen ${s.frozenA}`,
    B: `available ${s.availB}, pending ${s.pendingB}`,
    applied: `${s.applied.A} ${s.applied.B}`,
    inFlight: formatNetwork(s.faults.net),
  }),
};

// Variants and configurations.

const variants: readonly Variant[] = [
  {
    name: 'correct',
    description: 'Idempotent branches with a fence log: a Cancel without a Try writes suspended, and a later Try is refused.',
  },
  {
    name: 'no-idempotency',
    description:
      'Branches apply Confirm and Cancel every time they arrive, so a replayed request acts twice: a Confirm pays twice, a Cancel refunds twice.',
    breaks: 'noDoubleApply',
  },
  {
    name: 'no-empty-rollback-guard',
    description: 'A Cancel that arrives before its Try still releases the frozen amount, which was never frozen.',
    breaks: 'noNegativeBalance',
  },
  {
    name: 'no-anti-hanging',
    description: 'A Try that arrives after its Cancel still freezes money, and nobody will ever release it.',
    breaks: 'nothingStaysFrozen',
  },
];

export const tcc = defineModel({
  id: 'tcc',
  title: 'TCC (Try / Confirm / Cancel) transfer with a fence log',
  source: "The seed's TCC section (阶段, 幂等性); Seata TCC fence (tcc_fence_log: tried / committed / rollbacked / suspended)",
  scope:
    'A one-unit transfer from A to B under lost, duplicated and reordered requests, lost replies, and a coordinator crash with restart from its log.',
  params: {
    ...faultParams({
      drops: { max: 2 },
      duplicates: { max: 2 },
      crashes: { max: 1, description: 'at most this many coordinator crashes (it restarts from its log)' },
    }),
  },
  variants,
  configurations: [
    { name: 'reorder', description: 'Requests in any order, no loss.', variant: 'correct', params: {} },
    { name: 'loss-and-duplicates', variant: 'correct', params: { drops: 1, duplicates: 1 } },
    { name: 'coordinator-crash', variant: 'correct', params: { crashes: 1, drops: 1 } },
    {
      name: 'loss-and-duplicates-random',
      variant: 'correct',
      params: { drops: 2, duplicates: 2, crashes: 1 },
      strategy: 'random',
      seed: 7,
      runs: 400,
      walkLength: 60,
    },
    { name: 'duplicate-no-idempotency', variant: 'no-idempotency', params: { duplicates: 1 } },
    { name: 'reorder-no-empty-rollback-guard', variant: 'no-empty-rollback-guard', params: {} },
    { name: 'reorder-no-anti-hanging', variant: 'no-anti-hanging', params: {} },
  ],
  machine: (params, variant) => tccMachine(variant, budgetOf(params)),
});
