// Bounded channels: "bandwidth is infinite" is a fallacy. Each link (sender → receiver) holds at most `capacity`
// messages in flight; what happens to a message sent into a full link is the overflow policy:
// - `drop-newest`: the new message is lost (a full socket buffer, a UDP queue, a bounded MQ that rejects);
// - `drop-oldest`: the oldest message on the link is lost to make room (a ring buffer, a lossy metrics pipe);
// - `block-sender`: the send cannot happen until there is room (TCP back-pressure, a blocking bounded queue):
//   the model guards its send step with `canSend`, so a full link disables the sender's step.
// Links keep their messages in send order; delivery is FIFO per link (`ordered`, as TCP) or any message of the
// link (a datagram network). The state is plain data: a record from link (`A>B`) to its messages, with empty
// links absent, so that two states with the same messages in flight are equal.
// A drop on overflow is part of the send step, not a separate fault action: it is forced by the capacity, not
// chosen by an adversary, so it needs no budget and no fairness of its own.
import type { EnumParamSpec, IntParamSpec, ViewEvent } from './model';
import { formatMessage, messageKey, type Message } from './network';

export type OverflowPolicy = 'drop-newest' | 'drop-oldest' | 'block-sender';
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['drop-newest', 'drop-oldest', 'block-sender'];

/** In-flight messages per link `from>to`, oldest first; a link with nothing in flight is absent. */
export type Channels<P = unknown> = Readonly<Record<string, readonly Message<P>[]>>;

export interface ChannelConfig {
  /** Messages a link holds in flight: one number for every link, or per link `from>to` (others: `default`). */
  readonly capacity: number | { readonly default: number; readonly links?: Readonly<Record<string, number>> };
  readonly overflow: OverflowPolicy;
  /** FIFO per link (only the oldest message of a link can be delivered); default true. */
  readonly ordered?: boolean;
}

export const EMPTY_CHANNELS: Channels = {};

export const linkOf = (from: string, to: string): string => `${from}>${to}`;

export function capacityOf(config: ChannelConfig, from: string, to: string): number {
  const c = config.capacity;
  return typeof c === 'number' ? c : (c.links?.[linkOf(from, to)] ?? c.default);
}

/** The messages in flight on one link, oldest first. */
export function onLink<P>(ch: Channels<P>, from: string, to: string): readonly Message<P>[] {
  return ch[linkOf(from, to)] ?? [];
}

/** Whether the link has room for one more message. */
export function hasRoom(ch: Channels, config: ChannelConfig, from: string, to: string): boolean {
  return onLink(ch, from, to).length < capacityOf(config, from, to);
}

/** Whether a send from → to may happen now: always, except into a full link under `block-sender`. */
export function canSend(ch: Channels, config: ChannelConfig, from: string, to: string): boolean {
  return config.overflow !== 'block-sender' || hasRoom(ch, config, from, to);
}

/** The result of a send: the channels after it, and the message lost to an overflow, if any. */
export interface Sent<P> {
  readonly channels: Channels<P>;
  readonly dropped: Message<P> | null;
}

function setLink<P>(ch: Channels<P>, link: string, msgs: readonly Message<P>[]): Channels<P> {
  if (msgs.length > 0) return { ...ch, [link]: msgs };
  const { [link]: _gone, ...rest } = ch;
  return rest;
}

/**
 * Sends one message under the overflow policy. Under `block-sender` a send into a full link is a model error:
 * guard the step with `canSend`.
 */
export function sendBounded<P>(ch: Channels<P>, config: ChannelConfig, msg: Message<P>): Sent<P> {
  const link = linkOf(msg.from, msg.to);
  const queue = ch[link] ?? [];
  if (queue.length < capacityOf(config, msg.from, msg.to)) return { channels: setLink(ch, link, [...queue, msg]), dropped: null };
  switch (config.overflow) {
    case 'drop-newest':
      return { channels: ch, dropped: msg };
    case 'drop-oldest':
      return queue.length === 0
        ? { channels: ch, dropped: msg }
        : { channels: setLink(ch, link, [...queue.slice(1), msg]), dropped: queue[0] };
    case 'block-sender':
      throw new Error(`channels: send ${formatMessage(msg)} into a full link under block-sender (guard the step with canSend)`);
  }
}

/** Sends several messages in order; returns every message lost to an overflow. */
export function sendAllBounded<P>(ch: Channels<P>, config: ChannelConfig, msgs: readonly Message<P>[]): { channels: Channels<P>; dropped: Message<P>[] } {
  let channels = ch;
  const dropped: Message<P>[] = [];
  for (const m of msgs) {
    const r = sendBounded(channels, config, m);
    channels = r.channels;
    if (r.dropped) dropped.push(r.dropped);
  }
  return { channels, dropped };
}

/**
 * The messages that can be delivered now, by link in name order: the oldest of each link when ordered, else
 * every distinct message of each link.
 */
export function deliverableOn<P>(ch: Channels<P>, config: ChannelConfig): Message<P>[] {
  const out: Message<P>[] = [];
  for (const link of Object.keys(ch).sort()) {
    const queue = ch[link];
    if (config.ordered ?? true) out.push(queue[0]);
    else {
      const seen = new Set<string>();
      for (const m of queue) {
        const k = messageKey(m);
        if (!seen.has(k)) out.push(m);
        seen.add(k);
      }
    }
  }
  return out;
}

/** Removes one copy of a delivered message from its link (the oldest equal copy). */
export function receive<P>(ch: Channels<P>, msg: Message<P>): Channels<P> {
  const link = linkOf(msg.from, msg.to);
  const queue = ch[link] ?? [];
  const k = messageKey(msg);
  const i = queue.findIndex((m) => messageKey(m) === k);
  if (i < 0) throw new Error(`channels: ${formatMessage(msg)} is not in flight`);
  return setLink(ch, link, [...queue.slice(0, i), ...queue.slice(i + 1)]);
}

/** Every message in flight, by link in name order, oldest first. */
export function inFlight<P>(ch: Channels<P>): Message<P>[] {
  return Object.keys(ch)
    .sort()
    .flatMap((link) => ch[link]);
}

/** The channels as one readable field of a trace: `{N1>N2: [A, B], N2>N1: [C]}`. */
export function formatChannels(ch: Channels): string {
  return `{${Object.keys(ch)
    .sort()
    .map((link) => `${link}: [${ch[link].map(formatMessage).join(', ')}]`)
    .join(', ')}}`;
}

/** The diagram note of a message lost to an overflow, over the receiver of the full link. */
export function overflowView(dropped: readonly Message[]): ViewEvent[] {
  return dropped.map((m) => ({ type: 'note', over: m.to, text: `✗ ${m.type} from ${m.from} lost: link full` }));
}

/** The channel configuration as model parameters: `capacity` and `overflow`. Read back with `channelsOf`. */
export function channelParams(
  maxCapacity = 3,
  defaults: { capacity?: number; overflow?: OverflowPolicy; appliesWhen?: IntParamSpec['appliesWhen'] } = {},
) {
  const when = defaults.appliesWhen ? { appliesWhen: defaults.appliesWhen } : {};
  const capacity: IntParamSpec = {
    type: 'int',
    default: defaults.capacity ?? 1,
    min: 1,
    max: maxCapacity,
    description: 'messages each link holds in flight',
    ...when,
  };
  const overflow: EnumParamSpec<OverflowPolicy> = {
    type: 'enum',
    default: defaults.overflow ?? 'drop-newest',
    values: OVERFLOW_POLICIES,
    description: 'a send into a full link: drop-newest, drop-oldest or block-sender',
    ...when,
  };
  return { capacity, overflow };
}

export function channelsOf(params: { readonly capacity: number; readonly overflow: OverflowPolicy }, ordered = true): ChannelConfig {
  return { capacity: params.capacity, overflow: params.overflow, ordered };
}
