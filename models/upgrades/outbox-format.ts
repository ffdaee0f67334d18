// A message-format change on the outbox/MQ path, in a rolling deploy. v1 messages carry the order only, and a v1
// consumer dedupes by the broker's message id (as the `outbox` model's consumer records "the message id").
// v2 producers add an idempotency key (the outbox row's id, which survives a producer's republish where a broker
// message id does not), and a v2 consumer dedupes by that key. The broker delivers at least once: it redelivers a
// message until a consumer of the group acknowledges it, to whichever consumer it likes. During the deploy a v1
// message reaches a v2 consumer, or a v2 message a v1 consumer, and the two versions look for different
// identities in the one dedupe table: the redelivered message is applied twice.
// Fix: upgrade the consumers first (no v2 message exists until every consumer reads keys), and let a v2 consumer
// dedupe a message without a key by its old identity, the message id (a fallback). Rolling the consumers back
// while v2 messages are still unacknowledged breaks it again; a transition version that looks up and records
// both identities (expand, then contract once no v1 message is left) is safe in any order, with rollbacks.
// Source: the seed's 基于消息中间件的最终一致性 (the consumer's dedupe table, 防重表); the transactional outbox
// pattern; idempotent consumers keyed by a producer-side idempotency key (RocketMQ and Kafka message keys);
// "upgrade consumers before producers", the order that schema registries' BACKWARD compatibility assumes.
// Scope: one producer (the outbox relay, which publishes each outbox row once), a broker, and a consumer group of
// two consumers that share one dedupe table (in the stock database, written with the deduction in one local
// transaction); `orders` messages; `redeliveries` ack timeouts, each redelivering an unacknowledged message. A
// delivery in flight to a consumer that restarts reaches its new version (the broker's redelivery after the
// restart, folded into the same delivery). Safety: no order is deducted twice. No crashes besides the restarts
// of the deploy, no loss.
import { defineModel, type Machine, type Property, type Variant, type ViewEvent } from '../../src/model/model';
import { formatNetwork, message, remove, send, type Network } from '../../src/model/network';
import {
  byVersion,
  formatVersions,
  initialVersions,
  isMixed,
  rolloutOf,
  rolloutParams,
  stamp,
  versionOf,
  withVersions,
  type NodeProtocol,
  type Stamped,
  type VersionAction,
  type VersionState,
} from '../../src/model/versions';

const PRODUCER = 'P';
const BROKER = 'Broker';
const CONSUMERS = ['C1', 'C2'] as const;
type Consumer = (typeof CONSUMERS)[number];

/** An order event as a producer writes it: v2 adds the idempotency key (null in a v1 message). */
export interface OrderEvent {
  readonly order: number;
  readonly key: string | null;
}

/** A message the broker keeps until a consumer acknowledges it: its broker message id and the stamped event. */
export interface Stored {
  readonly id: number;
  readonly event: Stamped<OrderEvent>;
  /** Delivered before: a further delivery is a redelivery, after an ack timeout. */
  readonly delivered: boolean;
}

/** A delivery: the broker message id, the event as the producer wrote it (with its version), and whether it is a redelivery. */
export type Delivery = Stamped<OrderEvent & { readonly id: number; readonly again: boolean }>;

/** The last message a consumer handled, for the properties and the diagram. */
export interface Handled {
  readonly by: Consumer;
  /** The consumer's version, and the message's (its producer's). */
  readonly cv: number;
  readonly mv: number;
  readonly order: number;
  readonly applied: boolean;
  /** The identities the consumer looked up in the dedupe table (none: applied unchecked). */
  readonly identities: readonly string[];
  readonly again: boolean;
}

export interface FormatState {
  readonly versions: VersionState;
  readonly published: number;
  /** The broker: messages not yet acknowledged. */
  readonly log: readonly Stored[];
  readonly deliveries: Network<Delivery>;
  readonly acks: Network<{ readonly id: number }>;
  /** Ack timeouts left: each redelivers an unacknowledged message. */
  readonly redeliveries: number;
  /** The dedupe table the consumers share: `msg:<id>` (v1's identity) and `key:<key>` (v2's). */
  readonly dedupe: ReadonlySet<string>;
  /** Deductions applied per order (index order − 1). */
  readonly applied: readonly number[];
  readonly last: Handled | null;
}

export type FormatAction =
  | { readonly name: 'Publish'; readonly node: typeof PRODUCER }
  | { readonly name: 'Deliver'; readonly id: number; readonly to: Consumer }
  | { readonly name: 'Consume'; readonly node: Consumer; readonly id: number; readonly again: boolean }
  | { readonly name: 'BrokerRcvAck'; readonly id: number; readonly from: Consumer };

/**
 * How a consumer version dedupes: the identities of a message it looks up in the dedupe table (a message is a
 * duplicate when any is there) and records with the deduction. None: applied without a check.
 */
export type Identities = (d: Delivery) => readonly string[];

const msgId = (d: Delivery): string => `msg:${d.id}`;
const key = (d: Delivery): string | null => (d.key === null ? null : `key:${d.key}`);

/** v1: the broker message id; a v2 message's key is an unknown field, ignored (a tolerant reader). */
const V1: Identities = (d) => [msgId(d)];
/** Each variant's consumers, v1 and v2. */
export const IDENTITIES: Readonly<Record<string, readonly [Identities, Identities]>> = {
  // The key when the message has one, else the old identity.
  correct: [V1, (d) => [key(d) ?? msgId(d)]],
  // The key only: a message without one cannot be a duplicate.
  'no-fallback': [V1, (d) => (d.key === null ? [] : [key(d)!])],
  // Both, while v1 messages and v1 consumers may still exist.
  'both-identities': [V1, (d) => (d.key === null ? [msgId(d)] : [msgId(d), key(d)!])],
};

interface FormatParams {
  readonly orders: number;
  readonly redeliveries: number;
  readonly first: 'consumers' | 'producers';
  readonly order: 'any' | 'rolling';
  readonly stepwise: boolean;
  readonly downgrades: number;
}

function formatMachine(params: FormatParams, variant: string): Machine<FormatState, FormatAction | VersionAction> {
  const identities = IDENTITIES[variant];
  const rollout = rolloutOf(params, params.first === 'consumers' ? [...CONSUMERS, PRODUCER] : [PRODUCER, ...CONSUMERS], 2);

  // The producer (the outbox relay) publishes the next order's event in its version's format.
  const publish = (s: FormatState): FormatState => {
    const order = s.published + 1;
    const v2 = versionOf(s.versions, PRODUCER) >= 2;
    const m = stamp<OrderEvent>(s.versions, 'Publish', PRODUCER, BROKER, { order, key: v2 ? `order-${order}` : null });
    return { ...s, published: order, log: [...s.log, { id: order, event: m.payload!, delivered: false }] };
  };

  // A consumer looks the message up in the dedupe table, deducts and records it in one local transaction, and acks.
  const consume = (ids: Identities, s: FormatState, a: Extract<FormatAction, { name: 'Consume' }>): FormatState => {
    const c = a.node;
    const id = a.id;
    const m = s.deliveries.find((x) => x.to === c && x.payload!.id === id && x.payload!.again === a.again)!;
    const d = m.payload!;
    const look = ids(d);
    const apply = !look.some((i) => s.dedupe.has(i));
    return {
      ...s,
      deliveries: remove(s.deliveries, m),
      acks: send(s.acks, message('Ack', c, BROKER, { id })),
      dedupe: apply ? new Set([...s.dedupe, ...look]) : s.dedupe,
      applied: apply ? s.applied.map((n, i) => (i === d.order - 1 ? n + 1 : n)) : s.applied,
      last: { by: c, cv: versionOf(s.versions, c), mv: d.v, order: d.order, applied: apply, identities: look, again: d.again },
    };
  };

  // One node protocol per version: the producer's format and the consumers' dedupe differ.
  const version = (ids: Identities): NodeProtocol<FormatState, FormatAction> => ({
    actions: (s, node) => {
      if (node === PRODUCER) return s.published < params.orders ? [{ name: 'Publish', node: PRODUCER }] : [];
      const out: FormatAction[] = [];
      for (const m of s.deliveries)
        if (m.to === node && !out.some((a) => a.name === 'Consume' && a.id === m.payload!.id && a.again === m.payload!.again))
          out.push({ name: 'Consume', node: node as Consumer, id: m.payload!.id, again: m.payload!.again });
      return out;
    },
    next: (s, a) => (a.name === 'Publish' ? publish(s) : consume(ids, s, a as Extract<FormatAction, { name: 'Consume' }>)),
  });
  const nodes = byVersion<FormatState, FormatAction>(
    [PRODUCER, ...CONSUMERS],
    { 1: version(identities[0]), 2: version(identities[1]) },
    (a) => (a.name === 'Publish' || a.name === 'Consume' ? a.node : BROKER),
  );

  // The broker (no version): delivers each stored message, redelivers it after an ack timeout, and drops it once acknowledged.
  const brokerActions = (s: FormatState): FormatAction[] => {
    const out: FormatAction[] = [];
    for (const m of s.log) {
      const inFlight = s.deliveries.some((d) => d.payload!.id === m.id);
      if (!m.delivered || (s.redeliveries > 0 && !inFlight)) for (const to of CONSUMERS) out.push({ name: 'Deliver', id: m.id, to });
    }
    for (const a of s.acks)
      if (!out.some((x) => x.name === 'BrokerRcvAck' && x.id === a.payload!.id && x.from === a.from))
        out.push({ name: 'BrokerRcvAck', id: a.payload!.id, from: a.from as Consumer });
    return out;
  };
  const brokerNext = (s: FormatState, a: Extract<FormatAction, { name: 'Deliver' | 'BrokerRcvAck' }>): FormatState => {
    if (a.name === 'BrokerRcvAck') {
      const ack = s.acks.find((m) => m.from === a.from && m.payload!.id === a.id)!;
      return { ...s, acks: remove(s.acks, ack), log: s.log.filter((m) => m.id !== a.id) };
    }
    const stored = s.log.find((m) => m.id === a.id)!;
    const d: Delivery = { ...stored.event, id: stored.id, again: stored.delivered };
    return {
      ...s,
      deliveries: send(s.deliveries, message('Deliver', BROKER, a.to, d)),
      log: s.log.map((m) => (m.id === a.id ? { ...m, delivered: true } : m)),
      redeliveries: stored.delivered ? s.redeliveries - 1 : s.redeliveries,
    };
  };

  const allV2 = (s: FormatState): boolean => rollout.nodes.every((n) => versionOf(s.versions, n) === 2);
  const properties: Property<FormatState, FormatAction | VersionAction>[] = [
    {
      kind: 'always',
      name: 'noDoubleApply',
      description:
        'No order’s deduction is applied twice (the at-most-once half of exactly-once; the broker’s at-least-once delivery gives the other).',
      holds: (s) => s.applied.every((n) => n <= 1),
    },
    {
      kind: 'sometimes',
      name: 'oldMessageAtNewConsumer',
      description: 'A v2 consumer handles a v1 message while the deploy is under way.',
      holds: (s) => s.last !== null && s.last.cv === 2 && s.last.mv === 1 && isMixed(s.versions),
    },
    {
      kind: 'sometimes',
      name: 'redeliverySkipped',
      description: 'A redelivered message is recognised in the dedupe table while versions are mixed.',
      holds: (s) => s.last !== null && s.last.again && !s.last.applied && isMixed(s.versions),
    },
    {
      kind: 'sometimes',
      name: 'keyedMessageApplied',
      description: 'A v2 message (with its idempotency key) is applied.',
      holds: (s) => s.last !== null && s.last.mv === 2 && s.last.applied,
    },
    {
      kind: 'sometimes',
      name: 'rolloutComplete',
      description: 'Every node runs v2 and every order is deducted.',
      holds: (s) => allV2(s) && s.applied.every((n) => n === 1),
    },
  ];
  if (params.downgrades > 0)
    properties.push({
      kind: 'sometimes',
      name: 'rolledBack',
      description: 'A consumer rolled back to v1 and handled a v2 message.',
      holds: (s) => s.last !== null && s.last.cv === 1 && s.last.mv === 2,
    });

  return withVersions<FormatState, FormatAction>(
    rollout,
    {},
    {
      init: [
        {
          versions: initialVersions(rollout),
          published: 0,
          log: [],
          deliveries: [],
          acks: [],
          redeliveries: params.redeliveries,
          dedupe: new Set(),
          applied: Array.from({ length: params.orders }, () => 0),
          last: null,
        },
      ],
      actions: (s) => [...nodes.actions(s), ...brokerActions(s)],
      next: (s, a) => (a.name === 'Deliver' || a.name === 'BrokerRcvAck' ? brokerNext(s, a) : nodes.next(s, a)),
      properties,
      actionNames: ['Publish', 'Deliver', 'Consume', 'BrokerRcvAck'],
      formatAction: (a) => {
        switch (a.name) {
          case 'Publish':
            return 'Publish';
          case 'Deliver':
            return `Deliver(m${a.id}→${a.to})`;
          case 'Consume':
            return `Consume(${a.node}, m${a.id}${a.again ? ', again' : ''})`;
          case 'BrokerRcvAck':
            return `BrokerRcvAck(m${a.id} from ${a.from})`;
        }
      },
      actors: [PRODUCER, BROKER, ...CONSUMERS],
      view: (from, a, to): ViewEvent[] => {
        switch (a.name) {
          case 'Publish': {
            const e = to.log.at(-1)!;
            const fmt = e.event.key === null ? 'no key' : `key ${e.event.key}`;
            return [{ type: 'message', from: PRODUCER, to: BROKER, label: `m${e.id} (v${e.event.v}, ${fmt})` }];
          }
          case 'Deliver':
            return [
              {
                type: 'note',
                over: BROKER,
                text: from.log.find((m) => m.id === a.id)!.delivered
                  ? `ack timeout: redelivers m${a.id} to ${a.to}`
                  : `delivers m${a.id} to ${a.to}`,
              },
            ];
          case 'Consume': {
            // Messages are drawn when they arrive: the delivery here, the ack when the broker receives it.
            const h = to.last!;
            // Short, as an arrow label does not wrap: the order and the dedupe table are in the step table.
            const looked =
              h.identities.length === 0
                ? 'no check'
                : `by ${h.identities.map((i) => (i.startsWith('key:') ? 'key' : 'msg id')).join(' + ')}`;
            const verdict = h.applied ? `deducts${to.applied[h.order - 1] > 1 ? ' ✗ twice' : ''}` : 'skips';
            return [
              { type: 'message', from: BROKER, to: a.node, label: `${a.again ? 'again ' : ''}m${a.id} (v${h.mv})` },
              { type: 'note', over: a.node, text: `v${h.cv} ${looked}: ${verdict}` },
            ];
          }
          case 'BrokerRcvAck':
            return [{ type: 'message', from: a.from, to: BROKER, label: `ack m${a.id}` }];
        }
      },
      display: (s) => ({
        versions: formatVersions(s.versions, [PRODUCER, ...CONSUMERS]),
        broker: `{${s.log.map((m) => `m${m.id} (order ${m.event.order}, ${m.event.key ?? 'no key'})`).join(', ')}}`,
        inFlight: formatNetwork([...s.deliveries, ...s.acks]),
        dedupe: `{${[...s.dedupe].sort().join(', ')}}`,
        deducted: s.applied.map((n, i) => `order ${i + 1}: ${n}`).join(', '),
        redeliveriesLeft: s.redeliveries,
      }),
      fairness: 'Protocol steps are weakly fair; upgrades and rollbacks are operator actions and never fair.',
    },
  );
}

// Variants and configurations.

const variants: readonly Variant[] = [
  {
    name: 'correct',
    description:
      'A fallback: a v2 consumer dedupes a keyed message by its key, and a message without a key by its broker message id, as v1 does.',
  },
  {
    name: 'no-fallback',
    description:
      'A v2 consumer dedupes by the key only: a v1 message, which has none, is applied unchecked, even when a v1 consumer applied it before.',
    breaks: 'noDoubleApply',
  },
  {
    name: 'both-identities',
    description:
      'A transition version: a v2 consumer looks up and records the message id as well as the key, so either version finds what the other recorded.',
  },
];

export const outboxFormat = defineModel({
  id: 'outbox-format',
  title: 'An idempotency key added to outbox messages in a rolling deploy',
  source:
    'The seed’s 基于消息中间件的最终一致性 (the consumer’s dedupe table); the transactional outbox pattern; producer-side idempotency keys; consumers-before-producers upgrades',
  scope:
    'One producer publishing each order once, a broker that redelivers unacknowledged messages (at least once), two consumers of one group sharing a dedupe table; v1 consumers dedupe by broker message id, v2 ones by the idempotency key of v2 messages. Safety: no order deducted twice, across every mixed-version state of the deploy.',
  params: {
    orders: { type: 'int', default: 1, min: 1, max: 3, description: 'orders published (one message each)' },
    redeliveries: { type: 'int', default: 1, min: 0, max: 3, budget: true, description: 'ack timeouts: at most this many redeliveries' },
    first: {
      type: 'enum',
      default: 'consumers',
      values: ['consumers', 'producers'],
      description: 'rolling order: the consumers, then the producer, or the producer first',
    },
    ...rolloutParams(2),
  },
  variants,
  configurations: [
    {
      name: 'consumers-first',
      description:
        'Consumers first, then the producer, with the fallback: a v1 message at a v2 consumer is deduped by its message id, and no v1 consumer ever sees a key.',
      variant: 'correct',
      params: { first: 'consumers' },
    },
    {
      name: 'consumers-first-two-orders',
      description: 'The same with two orders, so that a v1 and a v2 message can be unacknowledged at once.',
      variant: 'correct',
      params: { first: 'consumers', orders: 2 },
    },
    {
      name: 'producers-first',
      description:
        'The producer first: a v1 consumer applies a keyed message and records its message id, and the redelivery to the upgraded consumer looks for the key.',
      variant: 'correct',
      params: { first: 'producers' },
      expect: { violates: 'noDoubleApply' },
    },
    {
      name: 'consumers-first-rollback',
      description:
        'Consumers first, then a rollback of the producer and a consumer while keyed messages are unacknowledged: a v2 consumer recorded the key, the rolled-back one looks for the message id.',
      variant: 'correct',
      params: { first: 'consumers', downgrades: 2 },
      expect: { violates: 'noDoubleApply' },
    },
    {
      name: 'no-fallback',
      description:
        'Consumers first, but a v2 consumer treats a message without a key as new: a v1 consumer applied it, the redelivery to a v2 consumer applies it again.',
      variant: 'no-fallback',
      params: { first: 'consumers' },
    },
    {
      name: 'both-identities-any-order',
      description: 'Consumers that look up and record both identities: safe in any order, with rollbacks.',
      variant: 'both-identities',
      params: { order: 'any', downgrades: 2 },
    },
  ],
  machine: (params, variant) => formatMachine(params, variant),
});
