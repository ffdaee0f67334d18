// TCC (Try / Confirm / Cancel): a transfer of one unit from account A (payer) to account B (payee).
// Source: the seed's TCC section (阶段, 幂等性: 去重表); Seata's TCC fence design (one fence row per xid and
// branch with status tried / committed / rolled back / suspended) for the empty-rollback and anti-hanging
// guards. Scope: conservation, non-negative balances, atomic outcome and no double apply (safety), and
// "nothing stays frozen" once the transaction is over (liveness: weak fairness on protocol steps, retries and
// the coordinator's restart; none on losses, duplicates or the crash).
// Try on A moves the unit from available to frozen; Confirm on A drops it from frozen; Cancel on A returns it.
// Try on B records a pending credit; Confirm on B makes it available; Cancel on B forgets it.
import { budgetOf, faultParams, findDeliverable, initialFaults, isUp, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState } from '../../src/model/faults';
import { deliveryArrows, formatNetwork, message, messagesSent, remove, send, withNet, type Message } from '../../src/model/network';
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { actionInstances, replaceAt } from '../../src/model/plain';

export type Fence = 'none' | 'tried' | 'committed' | 'rolledback' | 'suspended';
export type CoordPhase = 'init' | 'trying' | 'confirming' | 'cancelling' | 'done';

export interface TCCState {
  /** Durable: the coordinator's log. */
  readonly phase: CoordPhase;
  /** Volatile: Try replies and phase-two acknowledgements received (lost when the coordinator crashes). */
  readonly tryOk: readonly ('none' | 'ok' | 'refused')[];
  readonly acked: readonly boolean[];
  readonly fence: readonly Fence[];
  readonly availA: number;
  readonly frozenA: number;
  readonly availB: number;
  readonly pendingB: number;
  /** Audit: how many times each branch applied a phase-two effect to its balances. */
  readonly applied: readonly number[];
  readonly retried: boolean;
  readonly faults: FaultState;
}

type BStep = 'BRcvTry' | 'BRcvConfirm' | 'BRcvCancel' | 'CRcvTryReply' | 'CRcvAck' | 'CRetry';
type ProtocolAction = { readonly name: 'CTry' | 'CConfirm' | 'CCancel' } | { readonly name: BStep; readonly b: number };
export type TCCAction = ProtocolAction | FaultAction;

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

const C = 'C';
const BRANCHES = ['A', 'B'];
const FENCE_CODE: Record<Fence, string> = { none: '-', tried: 't', committed: 'c', rolledback: 'r', suspended: 's' };
const TRY_CODE = { none: '-', ok: 'o', refused: 'x' } as const;

function tccMachine(variant: string, budget: FaultBudget): Machine<TCCState, TCCAction> {
  const ids = [0, 1];
  const nodes = [C, ...BRANCHES];
  const act = actionInstances<BStep, 'b'>('b');
  const idempotent = variant !== 'no-idempotency';
  const emptyRollbackGuard = variant !== 'no-empty-rollback-guard';
  const antiHanging = variant !== 'no-anti-hanging';
  const find = (s: TCCState, type: string, b: number, toBranch: boolean): Message | undefined =>
    findDeliverable(s.faults, (m) => m.type === type && (toBranch ? m.to === BRANCHES[b] : m.from === BRANCHES[b]));
  const request = (s: TCCState): string => (s.phase === 'confirming' ? 'Confirm' : 'Cancel');

  const actions = (s: TCCState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    const cUp = isUp(s.faults, C);
    if (cUp && s.phase === 'init') out.push({ name: 'CTry' });
    if (cUp && s.phase === 'trying' && s.tryOk.every((t) => t === 'ok')) out.push({ name: 'CConfirm' });
    // The coordinator may give up waiting for Try replies at any time (an asynchronous timeout), or on a refusal.
    if (cUp && s.phase === 'trying') out.push({ name: 'CCancel' });
    for (const b of ids) {
      if (find(s, 'Try', b, true)) out.push(act('BRcvTry', b));
      if (find(s, 'Confirm', b, true)) out.push(act('BRcvConfirm', b));
      if (find(s, 'Cancel', b, true)) out.push(act('BRcvCancel', b));
      if (cUp && (find(s, 'TryOk', b, false) || find(s, 'TryRefused', b, false))) out.push(act('CRcvTryReply', b));
      if (cUp && find(s, 'Ack', b, false)) out.push(act('CRcvAck', b));
      const busy = s.faults.net.some((m) => m.to === BRANCHES[b] || m.from === BRANCHES[b]);
      if (cUp && (s.phase === 'confirming' || s.phase === 'cancelling') && !s.acked[b] && !busy) out.push(act('CRetry', b));
    }
    return out;
  };

  const reply = (s: TCCState, consumed: Message, type: string, b: number): FaultState['net'] =>
    send(remove(s.faults.net, consumed), message(type, BRANCHES[b], C));
  const broadcast = (s: TCCState, type: string): FaultState['net'] => send(s.faults.net, ...BRANCHES.map((to) => message(type, C, to)));

  /** Balance effects of one branch, by operation. */
  const freeze = (s: TCCState, b: number): TCCState =>
    b === 0 ? { ...s, availA: s.availA - 1, frozenA: s.frozenA + 1 } : { ...s, pendingB: s.pendingB + 1 };
  const settle = (s: TCCState, b: number): TCCState =>
    b === 0 ? { ...s, frozenA: s.frozenA - 1 } : { ...s, pendingB: s.pendingB - 1, availB: s.availB + 1 };
  const release = (s: TCCState, b: number): TCCState =>
    b === 0 ? { ...s, frozenA: s.frozenA - 1, availA: s.availA + 1 } : { ...s, pendingB: s.pendingB - 1 };
  const audit = (s: TCCState, b: number): TCCState => ({ ...s, applied: replaceAt(s.applied, b, s.applied[b] + 1) });
  const setFence = (s: TCCState, b: number, f: Fence): TCCState => ({ ...s, fence: replaceAt(s.fence, b, f) });

  /** Restart from the log: volatile replies are gone; an undecided transaction is presumed cancelled. */
  const onRestart = (s: TCCState): TCCState => ({
    ...s,
    tryOk: ['none', 'none'],
    acked: [false, false],
    phase: s.phase === 'trying' ? 'cancelling' : s.phase,
  });

  const next = (s: TCCState, a: ProtocolAction): TCCState => {
    switch (a.name) {
      case 'CTry':
        return { ...withNet(s, broadcast(s, 'Try')), phase: 'trying' };
      case 'CConfirm':
        return { ...withNet(s, broadcast(s, 'Confirm')), phase: 'confirming' };
      case 'CCancel':
        return { ...withNet(s, broadcast(s, 'Cancel')), phase: 'cancelling' };
      case 'CRetry':
        return { ...withNet(s, send(s.faults.net, message(request(s), C, BRANCHES[a.b]))), retried: true };
      case 'CRcvTryReply': {
        const m = find(s, 'TryOk', a.b, false) ?? find(s, 'TryRefused', a.b, false)!;
        const t = s.phase === 'trying' ? replaceAt(s.tryOk, a.b, m.type === 'TryOk' ? 'ok' : 'refused') : s.tryOk;
        return { ...withNet(s, remove(s.faults.net, m)), tryOk: t };
      }
      case 'CRcvAck': {
        const m = find(s, 'Ack', a.b, false)!;
        const acked = s.phase === 'confirming' || s.phase === 'cancelling' ? replaceAt(s.acked, a.b, true) : s.acked;
        const phase = acked.every(Boolean) && s.phase !== 'trying' ? 'done' : s.phase;
        return { ...withNet(s, remove(s.faults.net, m)), acked, phase };
      }
      case 'BRcvTry': {
        const m = find(s, 'Try', a.b, true)!;
        const f = s.fence[a.b];
        const hanging = f === 'suspended' || f === 'rolledback';
        if (f === 'none' || (hanging && !antiHanging)) return withNet(setFence(freeze(s, a.b), a.b, 'tried'), reply(s, m, 'TryOk', a.b));
        return withNet(s, reply(s, m, hanging ? 'TryRefused' : 'TryOk', a.b));
      }
      case 'BRcvConfirm': {
        const m = find(s, 'Confirm', a.b, true)!;
        const f = s.fence[a.b];
        const apply = f === 'tried' || (!idempotent && f === 'committed');
        const t = apply ? setFence(audit(settle(s, a.b), a.b), a.b, 'committed') : s;
        return withNet(t, reply(s, m, 'Ack', a.b));
      }
      case 'BRcvCancel': {
        const m = find(s, 'Cancel', a.b, true)!;
        const f = s.fence[a.b];
        let t = s;
        if (f === 'tried' || (!idempotent && f === 'rolledback')) t = setFence(audit(release(s, a.b), a.b), a.b, 'rolledback');
        else if (f === 'none')
          t = emptyRollbackGuard ? setFence(s, a.b, 'suspended') : setFence(audit(release(s, a.b), a.b), a.b, 'rolledback');
        return withNet(t, reply(s, m, 'Ack', a.b));
      }
    }
  };

  const confirmed = (s: TCCState, b: number): boolean => s.fence[b] === 'committed';
  const undone = (s: TCCState, b: number): boolean => s.fence[b] === 'rolledback' || s.fence[b] === 'suspended';
  const properties: Property<TCCState, TCCAction>[] = [
    {
      kind: 'always',
      name: 'conservation',
      description:
        "A's available and frozen money, B's available money and the unit in flight between A's and B's Confirm always add up to 1.",
      holds: (s) => s.availA + s.frozenA + s.availB + (confirmed(s, 0) ? 1 : 0) - (confirmed(s, 1) ? 1 : 0) === 1,
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
      holds: (s) => !((confirmed(s, 0) && undone(s, 1)) || (confirmed(s, 1) && undone(s, 0))),
    },
    {
      kind: 'always',
      name: 'noDoubleApply',
      description: 'Each branch applies Confirm or Cancel to its balances at most once.',
      holds: (s) => s.applied.every((n) => n <= 1),
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
      holds: (s) => s.fence.includes('suspended') || (!emptyRollbackGuard && s.frozenA < 0),
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

  const actionNames = ['CTry', 'CConfirm', 'CCancel', 'CRetry', 'CRcvTryReply', 'CRcvAck', 'BRcvTry', 'BRcvConfirm', 'BRcvCancel'];
  const describe = (a: ProtocolAction): string => ('b' in a ? `${a.name}(${BRANCHES[a.b]})` : a.name);

  return withFaults(
    budget,
    { nodes, crashable: [C], restart: true, onRestart },
    {
      init: [
        {
          phase: 'init',
          tryOk: ['none', 'none'],
          acked: [false, false],
          fence: ['none', 'none'],
          availA: 1,
          frozenA: 0,
          availB: 0,
          pendingB: 0,
          applied: [0, 0],
          retried: false,
          faults: initialFaults(budget),
        },
      ],
      actions,
      next,
      key: (s) =>
        `${s.phase}|${s.tryOk.map((t) => TRY_CODE[t]).join('')}|${s.acked.map(Number).join('')}|${s.fence.map((f) => FENCE_CODE[f]).join('')}|${s.availA},${s.frozenA},${s.availB},${s.pendingB}|${s.applied.join('')}|${Number(s.retried)}`,
      properties,
      actionNames,
      formatAction: describe,
      fairness:
        "Weak fairness on every protocol step and retry, and on the coordinator's restart; none on losses, duplicates or the crash.",
      metrics: [{ name: 'messages per decision', along: 'transferred', perStep: messagesSent }],
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
                : `resends ${request(to)} to ${'b' in a ? BRANCHES[a.b] : ''}`;
        return [{ type: 'note', over: C, text }];
      },
      display: (s) => ({
        coordinator: isUp(s.faults, C) ? s.phase : `${s.phase} (down)`,
        fenceA: s.fence[0],
        fenceB: s.fence[1],
        A: `available ${s.availA}, frozen ${s.frozenA}`,
        B: `available ${s.availB}, pending ${s.pendingB}`,
        applied: s.applied.join(' '),
        inFlight: formatNetwork(s.faults.net),
      }),
    },
  );
}

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
