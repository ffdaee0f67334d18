// Eventual consistency through a message broker: an order service, a broker and a stock consumer.
// Source: the seed's 基于消息中间件的最终一致性 section; the transactional outbox pattern; RocketMQ 4.3
// transactional messages (half message, local transaction, commit/rollback, broker check-back, discard after
// the maximum number of checks; 15 by default, `maxChecks` here).
// Two designs (`design`): `outbox` (the order and its outbox row in one local transaction; a relay publishes
// the row until the broker acknowledges) and `rocketmq`. The broker redelivers until the consumer acknowledges;
// the consumer checks a dedupe table, deducts stock and records the message id in one local transaction.
// Scope: at most one deduction, no deduction for an order that never committed (safety), and every order
// eventually settles: committed with exactly one deduction, or rolled back with none (liveness; weak fairness
// on protocol steps, retries and restarts; none on crashes, losses or duplicates).
// Assumption (RocketMQ's own): a local transaction ends well within the check window, so a check-back that
// finds it still running is asked again without counting towards maxChecks; only unanswered checks count.
// Bounded queue (`link: 'bounded'`, the fallacy "bandwidth is infinite"): the relay publishes into a queue of
// `capacity` messages in front of a slow broker, shared with `otherRows` rows of other orders the same relay
// publishes, with the overflow policies of RabbitMQ's queue length limit (`x-overflow`: `reject-publish` is
// drop-newest, `drop-head` is drop-oldest) and of a blocking producer buffer (Kafka's `buffer.memory` with
// `max.block.ms`: block-sender). The queue is FIFO and loses messages only on overflow (src/model/channels.ts).
// The relay either keeps the row until the broker acknowledges it (`correct`) or marks it sent when it sends
// (`mark-sent-on-send`, fire-and-forget).
import { budgetOf, faultParams, findDeliverable, initialFaults, isUp, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState, ProtocolMachine } from '../../src/model/faults';
import { deliveryArrows, formatNetwork, message, remove, send, withNet, type Message } from '../../src/model/network';
import { defineModel, type Machine, type Property, type Variant, type ViewEvent } from '../../src/model/model';
import {
  canSend,
  channelParams,
  channelsOf,
  deliverableOn,
  formatChannels,
  hasRoom,
  onLink,
  overflowView,
  receive,
  sendBounded,
  type ChannelConfig,
  type Channels,
} from '../../src/model/channels';

export type OrderStatus = 'none' | 'committed' | 'rolledback';
export type HalfStatus = 'none' | 'half' | 'committed' | 'rolledback' | 'discarded';

export interface OutboxState {
  readonly order: OrderStatus;
  /** Outbox design: the outbox row is present. */
  readonly outbox: boolean;
  /** The request that places the order is still running in the service (volatile: a crash ends it). */
  readonly request: boolean;
  /** Dual write: the request has sent its message directly; RocketMQ: it has sent the half message. */
  readonly sent: boolean;
  /** RocketMQ: the broker's transactional message, the producer's knowledge of it (volatile), the checks made. */
  readonly half: HalfStatus;
  readonly halfAcked: boolean;
  readonly endSent: boolean;
  readonly checks: number;
  /** RocketMQ: the half message was resolved by a check-back rather than by the producer's EndTx. */
  readonly byCheck: boolean;
  /** Broker: stored messages not yet consumed (redelivered until acknowledged). */
  readonly copies: number;
  readonly deductions: number;
  readonly dedupe: boolean;
  /** Ack-before-apply: acknowledged, not yet applied (volatile). */
  readonly pendingApply: boolean;
  /** The bounded relay→broker queue; absent on the lossy network (`link: 'network'`). */
  readonly queue?: BoundedQueue;
  readonly faults: FaultState;
}

export interface BoundedQueue {
  /** The relay→broker link: this order's Publish and other orders'. */
  readonly link: Channels<PublishOf>;
  /** Rows of other orders the relay has still to publish through the same link. */
  readonly otherRows: number;
  /** A send found the link full and a message was lost. */
  readonly overflowed: boolean;
}

/** Whose row a Publish on the bounded link carries: this order's, or another order's sharing the queue. */
export interface PublishOf {
  readonly order: 'this' | 'other';
}

type Name =
  | 'OrderCommit'
  | 'OrderRollback'
  | 'OrderSend'
  | 'RelaySend'
  | 'RelayRcvAck'
  | 'BrokerRcvPublish'
  | 'BrokerDeliver'
  | 'BrokerRcvAck'
  | 'StockRcvDeliver'
  | 'StockApply'
  | 'ProducerSendHalf'
  | 'BrokerRcvHalf'
  | 'ProducerRcvHalfAck'
  | 'ProducerHalfTimeout'
  | 'ProducerEndTx'
  | 'BrokerRcvEndTx'
  | 'BrokerCheckBack'
  | 'BrokerDiscard'
  | 'RelaySendOther'
  | 'BrokerRcvOther';
type ProtocolAction = { readonly name: Name };
export type OutboxAction = ProtocolAction | FaultAction;

const ORDER = 'Order';
const BROKER = 'Broker';
const STOCK = 'Stock';
const NODES = [ORDER, BROKER, STOCK];

const THIS: PublishOf = { order: 'this' };
const OTHER: PublishOf = { order: 'other' };

function outboxMachine(
  design: 'outbox' | 'rocketmq',
  maxChecks: number,
  variant: string,
  budget: FaultBudget,
  /** The relay→broker link as a bounded queue, with other orders' rows; null: the lossy network. */
  bounded: { readonly channel: ChannelConfig; readonly otherRows: number } | null,
): Machine<OutboxState, OutboxAction> {
  const rocket = design === 'rocketmq';
  const markOnSend = variant === 'mark-sent-on-send';
  const confirmOnEnqueue = variant === 'confirm-on-enqueue';
  const sendFirst = variant === 'dual-write-send-first';
  const commitFirst = variant === 'dual-write-commit-first';
  const dualWrite = sendFirst || commitFirst;
  const dedupe = variant !== 'no-dedupe';
  const ackFirst = variant === 'ack-before-apply';
  const find = (s: OutboxState, type: string): Message | undefined => findDeliverable(s.faults, (m) => m.type === type);
  const inFlight = (s: OutboxState, ...types: string[]): boolean => s.faults.net.some((m) => types.includes(m.type));
  const channel = bounded?.channel;
  /** The message at the head of the bounded link, which the broker takes next (FIFO). */
  const link = (s: OutboxState): Channels<PublishOf> => s.queue?.link ?? {};
  const head = (s: OutboxState): Message<PublishOf> | undefined => (channel ? deliverableOn(link(s), channel)[0] : undefined);
  const thisQueued = (s: OutboxState): boolean => onLink(link(s), ORDER, BROKER).some((m) => m.payload?.order === 'this');
  /** The relay may publish into the bounded link now: always, except into a full one under block-sender. */
  const relayCanSend = (s: OutboxState): boolean => !channel || canSend(link(s), channel, ORDER, BROKER);
  const withQueue = (s: OutboxState, change: Partial<BoundedQueue>): OutboxState => ({ ...s, queue: { ...s.queue!, ...change } });
  const publish = (s: OutboxState, of: PublishOf): OutboxState => {
    const sent = sendBounded(link(s), channel!, message('Publish', ORDER, BROKER, of));
    return withQueue(s, { link: sent.channels, overflowed: s.queue!.overflowed || sent.dropped !== null });
  };

  const actions = (s: OutboxState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    const orderUp = isUp(s.faults, ORDER);
    const stockUp = isUp(s.faults, STOCK);
    if (orderUp && s.request && s.order === 'none') {
      if (rocket) {
        if (!s.sent) out.push({ name: 'ProducerSendHalf' });
        if (s.halfAcked) out.push({ name: 'OrderCommit' }, { name: 'OrderRollback' });
        // No HalfAck and nothing left in flight: the send failed, so the local transaction never runs.
        if (s.sent && !s.halfAcked && !inFlight(s, 'Half', 'HalfAck')) out.push({ name: 'ProducerHalfTimeout' });
      } else {
        if (!sendFirst || s.sent) out.push({ name: 'OrderCommit' });
        out.push({ name: 'OrderRollback' });
        if (sendFirst && !s.sent) out.push({ name: 'OrderSend' });
      }
    }
    if (orderUp && s.request && commitFirst && s.order === 'committed' && !s.sent) out.push({ name: 'OrderSend' });
    if (orderUp && !rocket && !dualWrite && s.outbox && !inFlight(s, 'Publish', 'PubAck') && !thisQueued(s) && relayCanSend(s))
      out.push({ name: 'RelaySend' });
    if (orderUp && (s.queue?.otherRows ?? 0) > 0 && relayCanSend(s)) out.push({ name: 'RelaySendOther' });
    if (orderUp && find(s, 'PubAck')) out.push({ name: 'RelayRcvAck' });
    if (find(s, 'Publish') || head(s)?.payload?.order === 'this') out.push({ name: 'BrokerRcvPublish' });
    if (head(s)?.payload?.order === 'other') out.push({ name: 'BrokerRcvOther' });
    if (rocket) {
      if (find(s, 'Half')) out.push({ name: 'BrokerRcvHalf' });
      if (orderUp && find(s, 'HalfAck')) out.push({ name: 'ProducerRcvHalfAck' });
      if (orderUp && s.request && s.halfAcked && s.order !== 'none' && !s.endSent) out.push({ name: 'ProducerEndTx' });
      if (find(s, 'EndTx')) out.push({ name: 'BrokerRcvEndTx' });
      if (s.half === 'half' && s.checks < maxChecks && !inFlight(s, 'EndTx')) out.push({ name: 'BrokerCheckBack' });
      if (s.half === 'half' && s.checks >= maxChecks && !inFlight(s, 'EndTx')) out.push({ name: 'BrokerDiscard' });
    }
    if (s.copies > 0 && !inFlight(s, 'Deliver', 'ConsumeAck')) out.push({ name: 'BrokerDeliver' });
    if (stockUp && find(s, 'Deliver')) out.push({ name: 'StockRcvDeliver' });
    if (stockUp && s.pendingApply) out.push({ name: 'StockApply' });
    if (find(s, 'ConsumeAck')) out.push({ name: 'BrokerRcvAck' });
    return out;
  };

  const consume = (s: OutboxState, type: string): FaultState['net'] => remove(s.faults.net, find(s, type)!);
  const deduct = (s: OutboxState): OutboxState => (dedupe && s.dedupe ? s : { ...s, deductions: s.deductions + 1, dedupe: true });

  /** Restart: volatile state is gone. A request that was still running when the service died never commits. */
  const onRestart = (s: OutboxState, node: string): OutboxState =>
    node === STOCK
      ? { ...s, pendingApply: false }
      : { ...s, order: s.order === 'none' ? 'rolledback' : s.order, request: false, halfAcked: false };

  const next = (s: OutboxState, a: ProtocolAction): OutboxState => {
    switch (a.name) {
      case 'OrderCommit':
        return { ...s, order: 'committed', outbox: !rocket && !dualWrite };
      case 'OrderRollback':
        return { ...s, order: 'rolledback' };
      case 'OrderSend':
        return { ...withNet(s, send(s.faults.net, message('Publish', ORDER, BROKER))), sent: true };
      case 'RelaySend': {
        // mark-sent-on-send: the row is gone once the message is handed over, whatever becomes of it.
        const t = markOnSend ? { ...s, outbox: false } : s;
        if (!channel) return withNet(t, send(s.faults.net, message('Publish', ORDER, BROKER)));
        const queued = publish(t, THIS);
        // confirm-on-enqueue: the queue confirms the publish as soon as it holds it.
        return confirmOnEnqueue && thisQueued(queued) ? withNet(queued, send(s.faults.net, message('PubAck', BROKER, ORDER))) : queued;
      }
      case 'RelaySendOther':
        return withQueue(publish(s, OTHER), { otherRows: s.queue!.otherRows - 1 });
      case 'RelayRcvAck':
        return { ...withNet(s, consume(s, 'PubAck')), outbox: dualWrite ? s.outbox : false };
      case 'BrokerRcvPublish': {
        const t = channel ? withQueue(s, { link: receive(link(s), head(s)!) }) : withNet(s, consume(s, 'Publish'));
        const acked = confirmOnEnqueue ? t : withNet(t, send(t.faults.net, message('PubAck', BROKER, ORDER)));
        return { ...acked, copies: s.copies + 1 };
      }
      case 'BrokerRcvOther':
        // Another order's message: the broker stores and delivers it elsewhere; this model follows one order.
        return withQueue(s, { link: receive(link(s), head(s)!) });
      case 'BrokerDeliver':
        return withNet(s, send(s.faults.net, message('Deliver', BROKER, STOCK)));
      case 'StockRcvDeliver': {
        const net = send(consume(s, 'Deliver'), message('ConsumeAck', STOCK, BROKER));
        return ackFirst ? { ...withNet(s, net), pendingApply: true } : withNet(deduct(s), net);
      }
      case 'StockApply':
        return { ...deduct(s), pendingApply: false };
      case 'BrokerRcvAck':
        return { ...withNet(s, consume(s, 'ConsumeAck')), copies: Math.max(0, s.copies - 1) };
      case 'ProducerSendHalf':
        return { ...withNet(s, send(s.faults.net, message('Half', ORDER, BROKER))), sent: true };
      case 'ProducerHalfTimeout':
        return { ...s, order: 'rolledback' };
      case 'BrokerRcvHalf':
        return { ...withNet(s, send(consume(s, 'Half'), message('HalfAck', BROKER, ORDER))), half: s.half === 'none' ? 'half' : s.half };
      case 'ProducerRcvHalfAck':
        return { ...withNet(s, consume(s, 'HalfAck')), halfAcked: true };
      case 'ProducerEndTx':
        return { ...withNet(s, send(s.faults.net, message('EndTx', ORDER, BROKER))), endSent: true };
      case 'BrokerRcvEndTx': {
        const t = withNet(s, consume(s, 'EndTx'));
        if (s.half !== 'half') return t;
        return s.order === 'committed' ? { ...t, half: 'committed', copies: s.copies + 1 } : { ...t, half: 'rolledback' };
      }
      case 'BrokerCheckBack': {
        // The check-back is a query to the producer, answered from its local transaction. Assumption: a local
        // transaction ends well within RocketMQ's check window, so an "unknown" answer from a running one is
        // asked again without counting; only checks the producer cannot answer (it is down) count.
        if (isUp(s.faults, ORDER) && s.order === 'none') return s;
        if (!isUp(s.faults, ORDER)) return { ...s, checks: s.checks + 1 };
        const resolved = { ...s, byCheck: true };
        return s.order === 'committed' ? { ...resolved, half: 'committed', copies: s.copies + 1 } : { ...resolved, half: 'rolledback' };
      }
      case 'BrokerDiscard':
        return { ...s, half: 'discarded' };
    }
  };

  const properties: Property<OutboxState, OutboxAction>[] = [
    {
      kind: 'always',
      name: 'atMostOneDeduction',
      description: 'Stock is deducted at most once for the order.',
      holds: (s) => s.deductions <= 1,
    },
    {
      kind: 'always',
      name: 'noDeductionWithoutOrder',
      description: 'No stock is deducted for an order that rolled back.',
      holds: (s) => !(s.order === 'rolledback' && s.deductions > 0),
    },
    {
      kind: 'eventually',
      name: 'settles',
      description: 'Eventually the order is committed with exactly one deduction, or rolled back with none: no message is lost.',
      holds: (s) => (s.order === 'committed' && s.deductions === 1) || (s.order === 'rolledback' && s.deductions === 0),
    },
    {
      kind: 'sometimes',
      name: 'deducted',
      description: 'A committed order gets its deduction.',
      holds: (s) => s.order === 'committed' && s.deductions === 1,
    },
    { kind: 'sometimes', name: 'rolledBack', description: 'An order rolls back.', holds: (s) => s.order === 'rolledback' },
  ];
  if (budget.duplicates > 0 || budget.drops > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'redelivered',
      description: 'The consumer sees the message again after it was applied.',
      holds: (s) => s.dedupe && s.faults.net.some((m) => m.type === 'Deliver'),
    });
  }
  if (budget.crashes > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'crashRecovered',
      description: 'A service crashed and restarted.',
      holds: (s) => s.faults.budget.crashes === 0 && s.faults.down.length === 0,
    });
  }
  if (rocket) {
    properties.push({
      kind: 'sometimes',
      name: 'checkedBack',
      description: 'A check-back, not the producer, resolved the half message.',
      holds: (s) => s.byCheck,
    });
    if (budget.crashes > 0)
      properties.push({
        kind: 'sometimes',
        name: 'discarded',
        description: 'The broker discarded the half message after its last check.',
        holds: (s) => s.half === 'discarded',
      });
  }

  if (channel) {
    const full = (s: OutboxState): boolean => !hasRoom(link(s), channel, ORDER, BROKER);
    properties.push({ kind: 'sometimes', name: 'queueFull', description: 'The relay→broker queue is full.', holds: full });
    properties.push(
      channel.overflow === 'block-sender'
        ? {
            kind: 'sometimes',
            name: 'relayBlocked',
            description: "The relay holds this order's row, but the full queue blocks its send.",
            holds: (s) => s.outbox && !thisQueued(s) && full(s),
          }
        : {
            kind: 'sometimes',
            name: 'overflowed',
            description: 'A send into the full queue lost a message.',
            holds: (s) => s.queue!.overflowed,
          },
    );
  }

  const names: Name[] = [
    'OrderCommit',
    'OrderRollback',
    'BrokerRcvPublish',
    'RelayRcvAck',
    'BrokerDeliver',
    'StockRcvDeliver',
    'BrokerRcvAck',
  ];
  if (!rocket && !dualWrite) names.push('RelaySend');
  if (dualWrite) names.push('OrderSend');
  if (ackFirst) names.push('StockApply');
  if (rocket) {
    names.splice(names.indexOf('BrokerRcvPublish'), 2);
    names.push('ProducerSendHalf', 'BrokerRcvHalf', 'ProducerRcvHalfAck', 'ProducerEndTx', 'BrokerRcvEndTx', 'BrokerCheckBack');
    if (budget.drops > 0) names.push('ProducerHalfTimeout');
    if (budget.crashes > 0) names.push('BrokerDiscard');
  }
  if (channel) names.push('RelaySendOther', 'BrokerRcvOther');

  return withFaults(
    budget,
    { nodes: NODES, crashable: [ORDER, STOCK], restart: true, onRestart },
    {
      init: [
        {
          order: 'none',
          request: true,
          outbox: false,
          sent: false,
          half: 'none',
          halfAcked: false,
          endSent: false,
          checks: 0,
          byCheck: false,
          copies: 0,
          deductions: 0,
          dedupe: false,
          pendingApply: false,
          ...(bounded ? { queue: { link: {}, otherRows: bounded.otherRows, overflowed: false } } : {}),
          faults: initialFaults(budget),
        },
      ],
      actions,
      next,
      properties,
      actionNames: names,
      fairness: 'Weak fairness on every protocol step, retry, check-back and restart; none on crashes, losses or duplicates.',
      ...presentation(rocket, ackFirst, channel),
    },
  );
}

// Presentation: sequence-diagram events and the trace view of a state.

function presentation(
  rocket: boolean,
  ackFirst: boolean,
  channel: ChannelConfig | undefined,
): Pick<ProtocolMachine<OutboxState, ProtocolAction>, 'formatAction' | 'view' | 'display'> {
  /** Steps on the bounded link: a queued send (and what its overflow lost), or the broker taking the head. */
  const linkView = (from: OutboxState, a: ProtocolAction, to: OutboxState): ViewEvent[] | null => {
    if (!channel) return null;
    if (a.name === 'RelaySend' || a.name === 'RelaySendOther') {
      const msg = message('Publish', ORDER, BROKER, a.name === 'RelaySend' ? THIS : OTHER);
      const { dropped } = sendBounded(from.queue?.link ?? {}, channel, msg);
      return [{ type: 'note', over: ORDER, text: inWords(a, from, to) }, ...overflowView(dropped ? [dropped] : [])];
    }
    if (a.name === 'BrokerRcvPublish' || a.name === 'BrokerRcvOther')
      return [{ type: 'message', from: ORDER, to: BROKER, label: a.name === 'BrokerRcvPublish' ? 'Publish' : 'Publish (other order)' }];
    return null;
  };
  return {
    formatAction: (a) => a.name,
    view: (from, a, to) => {
      const queued = linkView(from, a, to);
      if (queued) return queued;
      const arrows = deliveryArrows(from.faults.net, to.faults.net);
      if (arrows.length) return arrows;
      const over = a.name.startsWith('Broker') ? BROKER : a.name.startsWith('Stock') ? STOCK : ORDER;
      return [{ type: 'note', over, text: inWords(a, from, to) }];
    },
    display: (s) => ({
      order: isUp(s.faults, ORDER) ? s.order : `${s.order} (service down)`,
      ...(rocket ? { half: s.half, checks: s.checks } : { outbox: s.outbox ? 'row' : 'empty' }),
      brokerCopies: s.copies,
      deductions: isUp(s.faults, STOCK) ? s.deductions : `${s.deductions} (consumer down)`,
      dedupe: s.dedupe ? 'recorded' : 'empty',
      ...(ackFirst ? { pendingApply: s.pendingApply } : {}),
      inFlight: formatNetwork(s.faults.net),
      ...(s.queue
        ? { queue: formatChannels(s.queue.link), otherRows: s.queue.otherRows, lostToOverflow: s.queue.overflowed ? 'a message' : 'none' }
        : {}),
    }),
  };
}

/** A step that delivers nothing, in plain words for the diagram. */
function inWords(a: ProtocolAction, from: OutboxState, to: OutboxState): string {
  switch (a.name) {
    case 'OrderCommit':
      return to.outbox ? 'commits the order and an outbox row' : 'commits the order';
    case 'OrderRollback':
      return 'rolls back the order';
    case 'OrderSend':
      return 'sends Publish';
    case 'RelaySend':
      return `relay sends Publish from the outbox${to.outbox ? '' : ', marks the row sent'}`;
    case 'RelaySendOther':
      return "relay sends another order's Publish";
    case 'ProducerSendHalf':
      return 'sends the half message';
    case 'ProducerHalfTimeout':
      return 'no HalfAck: gives up, rolls back';
    case 'ProducerEndTx':
      return `sends EndTx (${to.order === 'committed' ? 'commit' : 'rollback'})`;
    case 'BrokerDeliver':
      return 'sends Deliver to Stock';
    case 'BrokerCheckBack':
      if (to.half === 'committed') return 'checks back: committed, delivers the message';
      if (to.half === 'rolledback') return 'checks back: rolled back, drops the half message';
      return to.checks > from.checks ? 'checks back: Order is down, no answer' : 'checks back: still running';
    case 'BrokerDiscard':
      return `discards the half message after ${to.checks} checks`;
    case 'StockApply':
      return 'applies the deduction';
    default:
      return a.name;
  }
}

// Variants and configurations.

const variants: readonly Variant[] = [
  {
    name: 'correct',
    description:
      'Order and outbox row in one local transaction (or RocketMQ half messages); a consumer with a dedupe table that acks after applying.',
  },
  {
    name: 'dual-write-send-first',
    description: 'No outbox: the service sends the message, then commits the order, which may still roll back or crash first.',
    breaks: 'noDeductionWithoutOrder',
  },
  {
    name: 'dual-write-commit-first',
    description: 'No outbox: the service commits the order, then sends the message once; a crash in between loses it.',
    breaks: 'settles',
  },
  {
    name: 'no-dedupe',
    description: 'The consumer has no dedupe table: a redelivered message deducts again.',
    breaks: 'atMostOneDeduction',
  },
  {
    name: 'ack-before-apply',
    description: 'The consumer acknowledges first and deducts afterwards; a crash in between loses the deduction.',
    breaks: 'settles',
  },
  {
    name: 'mark-sent-on-send',
    description:
      'A fire-and-forget relay: it marks the outbox row sent when it sends, without waiting for the broker; a message lost on the way (here: to a full queue) is never sent again.',
    breaks: 'settles',
  },
  {
    name: 'confirm-on-enqueue',
    description:
      'The bounded queue confirms a publish (PubAck) as soon as it holds it, before the broker stores it; a queue that drops its oldest message can then drop one it has confirmed, and the relay has deleted the row.',
    breaks: 'settles',
  },
];

export const outbox = defineModel({
  id: 'outbox',
  title: 'Outbox and RocketMQ transactional messages: eventual consistency through a broker',
  source: "The seed's 基于消息中间件的最终一致性 section; the transactional outbox pattern; RocketMQ 4.3 transactional messages",
  scope:
    'One order and its stock deduction, with crashes of the order service and the consumer, lost acks, duplicate sends and redelivery.',
  params: {
    design: { type: 'enum', default: 'outbox', values: ['outbox', 'rocketmq'], description: 'how the order service publishes' },
    maxChecks: {
      type: 'int',
      default: 2,
      min: 1,
      max: 15,
      description: 'RocketMQ: check-backs before the broker discards a half message (15 in RocketMQ)',
      appliesWhen: { design: ['rocketmq'] },
    },
    link: {
      type: 'enum',
      default: 'network',
      values: ['network', 'bounded'],
      description: 'relay→broker: the lossy network, or a bounded queue (capacity, overflow, otherRows)',
    },
    ...channelParams(2, { appliesWhen: { link: ['bounded'] } }),
    otherRows: {
      type: 'int',
      default: 1,
      min: 0,
      max: 2,
      description: 'bounded queue: rows of other orders the relay publishes through the same queue',
      appliesWhen: { link: ['bounded'] },
    },
    ...faultParams({
      drops: { max: 2 },
      duplicates: { max: 2 },
      crashes: { max: 2, description: 'at most this many crashes of the order service or the consumer' },
    }),
  },
  variants,
  configurations: [
    { name: 'outbox-crash-and-loss', variant: 'correct', params: { crashes: 1, drops: 1 } },
    { name: 'outbox-duplicates', variant: 'correct', params: { duplicates: 1, drops: 1 } },
    {
      name: 'outbox-random',
      variant: 'correct',
      params: { drops: 2, duplicates: 2, crashes: 2 },
      strategy: 'random',
      seed: 5,
      runs: 400,
      walkLength: 60,
    },
    { name: 'dual-write-send-first', variant: 'dual-write-send-first', params: {} },
    { name: 'dual-write-commit-first-crash', variant: 'dual-write-commit-first', params: { crashes: 1 } },
    { name: 'no-dedupe-lost-ack', variant: 'no-dedupe', params: { drops: 1 } },
    { name: 'ack-before-apply-crash', variant: 'ack-before-apply', params: { crashes: 1 } },
    { name: 'rocketmq-loss', variant: 'correct', params: { design: 'rocketmq', drops: 1 } },
    {
      name: 'rocketmq-discard',
      description:
        'The order commits, the producer crashes before it sends Commit, and every check-back finds it down: the broker discards the half message, so the committed order never gets its deduction.',
      variant: 'correct',
      params: { design: 'rocketmq', crashes: 1 },
      expect: { violates: 'settles', holds: ['atMostOneDeduction', 'noDeductionWithoutOrder'] },
    },
    {
      name: 'queue-reject-publish',
      description:
        "A queue of one in front of the broker, shared with another order's row; a publish into the full queue is rejected (drop-newest). The relay keeps the row until PubAck and sends again: one deduction.",
      variant: 'correct',
      params: { link: 'bounded', capacity: 1, overflow: 'drop-newest', drops: 1 },
    },
    {
      name: 'queue-drop-head',
      description:
        'The same queue, which drops its oldest message to make room (drop-oldest): the retrying relay still gets its order through.',
      variant: 'correct',
      params: { link: 'bounded', capacity: 1, overflow: 'drop-oldest', drops: 1 },
    },
    {
      name: 'queue-back-pressure',
      description: 'The same queue, which blocks the relay while it is full (block-sender).',
      variant: 'correct',
      params: { link: 'bounded', capacity: 1, overflow: 'block-sender', drops: 1 },
    },
    {
      name: 'mark-sent-reject-publish',
      description:
        "The fire-and-forget relay sends into the queue that another order's row filled: the publish is rejected, the row is already marked sent, the order never gets its deduction.",
      variant: 'mark-sent-on-send',
      params: { link: 'bounded', capacity: 1, overflow: 'drop-newest' },
    },
    {
      name: 'mark-sent-drop-head',
      description: "The fire-and-forget relay's message is queued, then pushed out by the next order's row: lost.",
      variant: 'mark-sent-on-send',
      params: { link: 'bounded', capacity: 1, overflow: 'drop-oldest' },
    },
    {
      name: 'confirm-on-enqueue-drop-head',
      description:
        "The queue confirms this order's message, then drops it from its head to make room for the next order's row: the relay, which retries until acked, has already deleted the row.",
      variant: 'confirm-on-enqueue',
      params: { link: 'bounded', capacity: 1, overflow: 'drop-oldest' },
    },
    {
      name: 'confirm-on-enqueue-reject-publish',
      description: 'A queue that rejects new messages when full never drops one it has confirmed: the early confirm is harmless there.',
      variant: 'confirm-on-enqueue',
      params: { link: 'bounded', capacity: 1, overflow: 'drop-newest', drops: 1 },
      expect: 'pass',
    },
    {
      name: 'mark-sent-back-pressure',
      description: 'Under back-pressure nothing is lost on the way, so even the fire-and-forget relay gets its one deduction.',
      variant: 'mark-sent-on-send',
      params: { link: 'bounded', capacity: 1, overflow: 'block-sender', drops: 1 },
      expect: 'pass',
    },
  ],
  machine: (params, variant) =>
    outboxMachine(
      params.design,
      params.maxChecks,
      variant,
      budgetOf(params),
      params.link === 'bounded' ? { channel: channelsOf(params), otherRows: params.otherRows } : null,
    ),
});
