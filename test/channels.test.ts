import { describe, expect, it } from 'vitest';
import { explore } from '../src/check/explore';
import {
  EMPTY_CHANNELS,
  canSend,
  capacityOf,
  deliverableOn,
  formatChannels,
  inFlight,
  onLink,
  overflowView,
  receive,
  sendAllBounded,
  sendBounded,
  type ChannelConfig,
  type Channels,
  type OverflowPolicy,
} from '../src/model/channels';
import type { Machine } from '../src/model/model';
import { message, type Message } from '../src/model/network';

const m = (n: number, from = 'A', to = 'B'): Message<number> => message('M', from, to, n);
const cfg = (overflow: OverflowPolicy, capacity: ChannelConfig['capacity'] = 2, ordered = true): ChannelConfig => ({ capacity, overflow, ordered });
const fill = (config: ChannelConfig, ...ns: number[]) => sendAllBounded(EMPTY_CHANNELS as Channels<number>, config, ns.map((n) => m(n)));

describe('channels: capacity and overflow', () => {
  it('keeps a link’s messages in send order up to its capacity', () => {
    const { channels, dropped } = fill(cfg('drop-newest'), 1, 2);
    expect(onLink(channels, 'A', 'B').map((x) => x.payload)).toEqual([1, 2]);
    expect(dropped).toEqual([]);
  });

  it('drops the newest message on overflow under drop-newest', () => {
    const { channels, dropped } = fill(cfg('drop-newest'), 1, 2, 3);
    expect(onLink(channels, 'A', 'B').map((x) => x.payload)).toEqual([1, 2]);
    expect(dropped.map((x) => x.payload)).toEqual([3]);
  });

  it('drops the oldest message on overflow under drop-oldest', () => {
    const { channels, dropped } = fill(cfg('drop-oldest'), 1, 2, 3);
    expect(onLink(channels, 'A', 'B').map((x) => x.payload)).toEqual([2, 3]);
    expect(dropped.map((x) => x.payload)).toEqual([1]);
  });

  it('blocks the sender of a full link under block-sender, and fails loudly on an unguarded send', () => {
    const config = cfg('block-sender');
    const { channels } = fill(config, 1, 2);
    expect(canSend(channels, config, 'A', 'B')).toBe(false);
    expect(canSend(channels, config, 'B', 'A')).toBe(true);
    expect(canSend(channels, cfg('drop-newest'), 'A', 'B')).toBe(true);
    expect(() => sendBounded(channels, config, m(3))).toThrow(/full link under block-sender/);
    expect(canSend(receive(channels, m(1)), config, 'A', 'B')).toBe(true);
  });

  it('gives each link its own capacity, and a capacity of 0 loses every message', () => {
    const config = cfg('drop-newest', { default: 1, links: { 'A>B': 3 } });
    expect(capacityOf(config, 'A', 'B')).toBe(3);
    expect(capacityOf(config, 'B', 'A')).toBe(1);
    const zero = sendBounded(EMPTY_CHANNELS as Channels<number>, cfg('drop-oldest', 0), m(1));
    expect(zero.channels).toEqual({});
    expect(zero.dropped?.payload).toBe(1);
  });
});

describe('channels: delivery', () => {
  const config = cfg('drop-newest', 3);
  const { channels } = sendAllBounded(EMPTY_CHANNELS as Channels<number>, config, [m(1), m(2), m(1), m(9, 'B', 'A')]);

  it('delivers the oldest message of each link when ordered, any distinct one when not', () => {
    expect(deliverableOn(channels, config).map((x) => `${x.from}${x.payload}`)).toEqual(['A1', 'B9']);
    expect(deliverableOn(channels, { ...config, ordered: false }).map((x) => `${x.from}${x.payload}`)).toEqual(['A1', 'A2', 'B9']);
  });

  it('removes one copy on receipt and forgets empty links, so equal contents are equal states', () => {
    const after = receive(receive(channels, m(9, 'B', 'A')), m(1));
    expect(after).toEqual({ 'A>B': [m(2), m(1)] });
    expect(inFlight(after).map((x) => x.payload)).toEqual([2, 1]);
    expect(() => receive(after, m(7))).toThrow(/not in flight/);
  });

  it('formats the links and draws a loss on overflow', () => {
    expect(formatChannels(fill(cfg('drop-newest'), 1).channels)).toBe('{A>B: [M A→B 1]}');
    expect(overflowView([m(3)])).toEqual([{ type: 'note', over: 'B', text: '✗ M from A lost: link full' }]);
  });
});

// A producer sends 1, 2, 3 to a consumer over one link of capacity 1; the consumer records what arrives.
interface Pipe {
  readonly sent: number;
  readonly ch: Channels<number>;
  readonly got: readonly number[];
}
type PipeAction = { readonly name: 'Send' } | { readonly name: 'Deliver'; readonly msg: Message<number> };
function pipe(overflow: OverflowPolicy): Machine<Pipe, PipeAction> {
  const config = cfg(overflow, 1);
  return {
    init: [{ sent: 0, ch: {}, got: [] }],
    actions: (s) => [
      ...(s.sent < 3 && canSend(s.ch, config, 'P', 'C') ? [{ name: 'Send' } as const] : []),
      ...deliverableOn(s.ch, config).map((msg) => ({ name: 'Deliver', msg }) as const),
    ],
    next: (s, a) =>
      a.name === 'Send'
        ? { ...s, sent: s.sent + 1, ch: sendBounded(s.ch, config, message('M', 'P', 'C', s.sent + 1)).channels }
        : { ...s, ch: receive(s.ch, a.msg), got: [...s.got, a.msg.payload!] },
    properties: [{ kind: 'always', name: 'allArrive', description: 'nothing is lost', holds: (s) => s.sent < 3 || s.ch['P>C'] !== undefined || s.got.length === 3 }],
    actionNames: ['Send', 'Deliver'],
    formatAction: (a) => a.name,
    terminal: () => true,
  };
}

describe('channels in a model', () => {
  it('loses messages under a drop policy and none under back-pressure', () => {
    expect(explore(pipe('drop-newest'), {}).violations.map((v) => v.property)).toEqual(['allArrive']);
    expect(explore(pipe('drop-oldest'), {}).violations.map((v) => v.property)).toEqual(['allArrive']);
    expect(explore(pipe('block-sender'), {}).violations).toEqual([]);
  });
});
