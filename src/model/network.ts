// The network: in-flight messages as a sorted multiset (duplicates kept), and the helpers a protocol step uses
// to send, receive and draw them. Which messages can be delivered now (partitions, crashed receivers) is the
// fault vocabulary's business, in faults.ts.
import type { ViewEvent } from './model';
import { canonicalString } from '../shared/fingerprint';

/**
 * A message in flight. Its payload is typed plain data (a term, a value, an epoch…), never parsed back out of
 * `type`: `Message<{ epoch: number }>`.
 */
export interface Message<P = unknown> {
  readonly type: string;
  readonly from: string;
  readonly to: string;
  readonly payload?: P;
}

/** In-flight messages, sorted by messageKey; a multiset, so duplicates are kept. */
export type Network<P = unknown> = readonly Message<P>[];

export function message<P = undefined>(type: string, from: string, to: string, payload?: P): Message<P> {
  return payload === undefined ? { type, from, to } : { type, from, to, payload };
}
/** The order of the network's multiset: type, sender, receiver, then the payload's canonical text. */
export const messageKey = (m: Message): string =>
  m.payload === undefined ? `${m.type}:${m.from}>${m.to}` : `${m.type}:${m.from}>${m.to}:${canonicalString(m.payload)}`;
export const formatMessage = (m: Message): string =>
  m.payload === undefined ? `${m.type} ${m.from}→${m.to}` : `${m.type} ${m.from}→${m.to} ${formatPayload(m.payload)}`;
/** A payload for people: a record's values in order (`{ epoch: 2, value: 'x' }` reads `(2, x)`), else its text. */
export function formatPayload(p: unknown): string {
  if (typeof p === 'object' && p !== null && !Array.isArray(p) && !(p instanceof Set) && !(p instanceof Map))
    return `(${Object.values(p).map((v) => (typeof v === 'string' ? v : canonicalString(v))).join(', ')})`;
  return typeof p === 'string' ? p : canonicalString(p);
}

/** Adds messages to the network, keeping it sorted. */
export function send<P>(net: Network<P>, ...msgs: readonly Message<P>[]): Network<P> {
  let out = net;
  for (const m of msgs) {
    const k = messageKey(m);
    let i = 0;
    while (i < out.length && messageKey(out[i]) <= k) i++;
    out = [...out.slice(0, i), m, ...out.slice(i)];
  }
  return out;
}

/** Removes one copy of the message. */
export function remove<P>(net: Network<P>, msg: Message<P>): Network<P> {
  const k = messageKey(msg);
  const i = net.findIndex((m) => messageKey(m) === k);
  return i < 0 ? net : [...net.slice(0, i), ...net.slice(i + 1)];
}

/** Messages in flight before a step and gone after it (one per removed copy): what the step delivered or lost. */
export function removedMessages(before: Network, after: Network): Message[] {
  const rest = after.map(messageKey);
  const out: Message[] = [];
  for (const m of before) {
    const i = rest.indexOf(messageKey(m));
    if (i >= 0) rest.splice(i, 1);
    else out.push(m);
  }
  return out;
}

/** The deliveries of a step as sequence-diagram arrows: a message is drawn when it arrives. */
export function deliveryArrows(before: Network, after: Network, suffix = ''): ViewEvent[] {
  return removedMessages(before, after).map((m) => ({ type: 'message', from: m.from, to: m.to, label: `${m.type}${suffix}` }));
}

/** The in-flight messages as one readable field of a trace. */
export function formatNetwork(net: Network): string {
  return `{${net.map(formatMessage).join(', ')}}`;
}

/** Messages a step added to the network (a multiset difference), for the cost figure. */
export function messagesAdded(before: Network, after: Network): number {
  const counts = new Map<string, number>();
  for (const m of before) counts.set(messageKey(m), (counts.get(messageKey(m)) ?? 0) + 1);
  let added = 0;
  for (const m of after) {
    const k = messageKey(m);
    const c = counts.get(k) ?? 0;
    if (c > 0) counts.set(k, c - 1);
    else added++;
  }
  return added;
}

/** A copy of a model state with its in-flight messages replaced. */
export function withNet<S extends { readonly faults: { readonly net: Network } }>(s: S, net: Network): S {
  return { ...s, faults: { ...s.faults, net } };
}

/** A metric's step function: messages the step put on the network. */
export const messagesSent = <S extends { readonly faults: { readonly net: Network } }>(from: S, _action: unknown, to: S): number =>
  messagesAdded(from.faults.net, to.faults.net);
