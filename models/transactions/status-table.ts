// Transaction status table (事务状态表): the shopping service records a global transaction's status 1 -> 2 -> 3
// while it calls the stock service (1: deduct stock) and then the order service (2: create the order); a
// background scanner re-drives every transaction stuck at 1 or 2, and after k failed retries sets `error` for
// a person to act on. Source: the seed's 事务状态表 section. Scope: stock deducted and order created at most
// once, error only after k retries (safety), and every transaction eventually reaches 3 or error (liveness:
// weak fairness on calls, replies, the scanner and restarts; none on losses or the crash).
import { budgetOf, faultParams, findDeliverable, initialFaults, isUp, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState, ProtocolMachine } from '../../src/model/faults';
import { deliveryArrows, formatNetwork, message, remove, send, withNet, type Message } from '../../src/model/network';
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';

export type TxStatus = 1 | 2 | 3 | 'error';

export interface StatusTableState {
  /** Durable, in the shopping service's database. */
  readonly status: TxStatus;
  readonly retries: number;
  readonly deducted: number;
  /** The stock service's dedupe table holds this transaction. */
  readonly stockSeen: boolean;
  readonly ordersCreated: number;
  readonly orderSeen: boolean;
  readonly faults: FaultState;
}

type Name = 'StockRcvDeduct' | 'ShopRcvDeducted' | 'OrderRcvCreate' | 'ShopRcvCreated' | 'ScannerRetry' | 'ScannerGiveUp';
type ProtocolAction = { readonly name: Name };
export type StatusTableAction = ProtocolAction | FaultAction;

const SHOP = 'Shop';
const STOCK = 'Stock';
const ORDER = 'Order';
const NODES = [SHOP, STOCK, ORDER];

/** The call the shopping service makes at a status: 1 deducts stock, 2 creates the order. */
const callFor = (status: TxStatus): Message => (status === 1 ? message('Deduct', SHOP, STOCK) : message('CreateOrder', SHOP, ORDER));

function statusTableMachine(k: number, variant: string, budget: FaultBudget): Machine<StatusTableState, StatusTableAction> {
  const idempotentStock = variant !== 'non-idempotent-stock';
  const find = (s: StatusTableState, type: string): Message | undefined => findDeliverable(s.faults, (m) => m.type === type);

  const actions = (s: StatusTableState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    const shopUp = isUp(s.faults, SHOP);
    if (find(s, 'Deduct')) out.push({ name: 'StockRcvDeduct' });
    if (find(s, 'CreateOrder')) out.push({ name: 'OrderRcvCreate' });
    if (shopUp && find(s, 'Deducted')) out.push({ name: 'ShopRcvDeducted' });
    if (shopUp && find(s, 'Created')) out.push({ name: 'ShopRcvCreated' });
    // The scanner re-drives a transaction stuck at 1 or 2 once nothing of it is in flight any more.
    const stuck = shopUp && (s.status === 1 || s.status === 2) && s.faults.net.length === 0;
    if (stuck && s.retries < k) out.push({ name: 'ScannerRetry' });
    if (stuck && s.retries >= k) out.push({ name: 'ScannerGiveUp' });
    return out;
  };

  const next = (s: StatusTableState, a: ProtocolAction): StatusTableState => {
    switch (a.name) {
      case 'StockRcvDeduct': {
        const net = send(remove(s.faults.net, find(s, 'Deduct')!), message('Deducted', STOCK, SHOP));
        const apply = !idempotentStock || !s.stockSeen;
        return { ...withNet(s, net), deducted: s.deducted + (apply ? 1 : 0), stockSeen: true };
      }
      case 'ShopRcvDeducted': {
        const t = withNet(s, remove(s.faults.net, find(s, 'Deducted')!));
        return s.status === 1 ? { ...withNet(t, send(t.faults.net, callFor(2))), status: 2 } : t;
      }
      case 'OrderRcvCreate': {
        const net = send(remove(s.faults.net, find(s, 'CreateOrder')!), message('Created', ORDER, SHOP));
        return { ...withNet(s, net), ordersCreated: s.ordersCreated + (s.orderSeen ? 0 : 1), orderSeen: true };
      }
      case 'ShopRcvCreated': {
        const t = withNet(s, remove(s.faults.net, find(s, 'Created')!));
        return s.status === 2 ? { ...t, status: 3 } : t;
      }
      case 'ScannerRetry':
        return { ...withNet(s, send(s.faults.net, callFor(s.status))), retries: s.retries + 1 };
      case 'ScannerGiveUp':
        return { ...s, status: 'error' };
    }
  };

  const properties: Property<StatusTableState, StatusTableAction>[] = [
    {
      kind: 'always',
      name: 'stockAtMostOnce',
      description: 'Stock is deducted at most once for the transaction.',
      holds: (s) => s.deducted <= 1,
    },
    { kind: 'always', name: 'orderAtMostOnce', description: 'The order is created at most once.', holds: (s) => s.ordersCreated <= 1 },
    {
      kind: 'always',
      name: 'errorOnlyAfterKRetries',
      description: `Status error is set only after ${k} retries.`,
      holds: (s) => s.status !== 'error' || s.retries === k,
    },
    {
      kind: 'always',
      name: 'doneMeansDone',
      description: 'Status 3 means the stock was deducted and the order created.',
      holds: (s) => s.status !== 3 || (s.deducted >= 1 && s.ordersCreated >= 1),
    },
    {
      kind: 'eventually',
      name: 'resolved',
      description: 'Every transaction eventually reaches 3 or error.',
      holds: (s) => s.status === 3 || s.status === 'error',
    },
    { kind: 'sometimes', name: 'completed', description: 'The transaction reaches 3.', holds: (s) => s.status === 3 },
    { kind: 'sometimes', name: 'retried', description: 'The scanner re-drove the transaction.', holds: (s) => s.retries > 0 },
  ];
  if (budget.drops > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'replyLost',
      description: 'The stock was deducted but the reply was lost, so the transaction is still at 1.',
      holds: (s) => s.status === 1 && s.deducted >= 1 && s.faults.net.length === 0,
    });
  }
  if (budget.crashes > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'crashMidProtocol',
      description: 'The shopping service crashed with the transaction at 1 or 2.',
      holds: (s) => !isUp(s.faults, SHOP) && s.status !== 3,
    });
  }
  if (budget.drops > k)
    properties.push({ kind: 'sometimes', name: 'errored', description: 'The scanner gave up.', holds: (s) => s.status === 'error' });

  const actionNames: string[] = ['StockRcvDeduct', 'ShopRcvDeducted', 'OrderRcvCreate', 'ShopRcvCreated', 'ScannerRetry'];
  if (budget.drops > k) actionNames.push('ScannerGiveUp');

  return withFaults(
    budget,
    { nodes: NODES, crashable: [SHOP], restart: true },
    {
      init: [
        {
          status: 1,
          retries: 0,
          deducted: 0,
          stockSeen: false,
          ordersCreated: 0,
          orderSeen: false,
          faults: { ...initialFaults(budget), net: [callFor(1)] },
        },
      ],
      actions,
      next,
      properties,
      actionNames,
      fairness: 'Weak fairness on calls, replies, the scanner and the restart; none on lost messages or the crash.',
      ...presentation,
    },
  );
}

// Presentation: sequence-diagram events and the trace view of a state.

const presentation: Pick<ProtocolMachine<StatusTableState, ProtocolAction>, 'formatAction' | 'view' | 'display'> = {
  formatAction: (a) => a.name,
  view: (from, a, to) => {
    const arrows = deliveryArrows(from.faults.net, to.faults.net);
    if (arrows.length) return arrows;
    const text =
      a.name === 'ScannerRetry' ? `status ${to.status}: scanner resends ${callFor(to.status).type}` : 'scanner gives up: status error';
    return [{ type: 'note', over: SHOP, text }];
  },
  display: (s) => ({
    status: isUp(s.faults, SHOP) ? s.status : `${s.status} (shop down)`,
    retries: s.retries,
    stockDeducted: s.deducted,
    ordersCreated: s.ordersCreated,
    inFlight: formatNetwork(s.faults.net),
  }),
};

// Variants and configurations.

const variants: readonly Variant[] = [
  { name: 'correct', description: 'Stock and order services remember the transaction id and answer a repeated call without acting again.' },
  {
    name: 'non-idempotent-stock',
    description: 'The stock service deducts on every call, so a retry after a lost reply deducts twice.',
    breaks: 'stockAtMostOnce',
  },
];

export const statusTable = defineModel({
  id: 'status-table',
  title: 'Transaction status table with a retrying scanner',
  source: "The seed's 事务状态表 section (status 1 → 2 → 3, background scanner, error after k retries)",
  scope:
    'One global transaction: a call to the stock service, then to the order service; calls or replies may be lost and the shopping service may crash.',
  params: {
    k: { type: 'int', default: 2, min: 0, max: 5, description: 'retries before the scanner sets error' },
    ...faultParams({
      drops: { max: 4, description: 'at most this many lost calls or replies' },
      crashes: { max: 1, description: 'at most this many crashes of the shopping service (it restarts)' },
    }),
  },
  variants,
  configurations: [
    { name: 'losses', variant: 'correct', params: { k: 2, drops: 3 } },
    { name: 'crash-and-loss', variant: 'correct', params: { k: 2, drops: 1, crashes: 1 } },
    {
      name: 'losses-random',
      variant: 'correct',
      params: { k: 4, drops: 4, crashes: 1 },
      strategy: 'random',
      seed: 11,
      runs: 400,
      walkLength: 40,
    },
    { name: 'lost-reply-non-idempotent', variant: 'non-idempotent-stock', params: { k: 2, drops: 1 } },
  ],
  machine: (params, variant) => statusTableMachine(params.k, variant, budgetOf(params)),
});
