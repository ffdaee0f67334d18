// Sharding strategies and redundancy by a second dimension.
// Source: the seed's 分片 / 拆分策略 sections: round-robin, hash, range, a custom routing table, nested routing
// (ranges into virtual shards, virtual shards hashed onto physical nodes), and 冗余 by a second dimension
// (orders kept by buyer and copied by seller). Scope: routing as pure functions (total, deterministic; range
// queries complete and minimal; the hotspot of monotonic keys), and a state machine of the second-dimension
// copy, which must end equal to the first once writes stop (liveness, weak fairness on the copier).
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { fnv1a32 } from './consistent-hash';

export const routeRoundRobin = (sequence: number, shards: number): number => sequence % shards;
export const routeHash = (key: number, shards: number): number => fnv1a32(String(key)) % shards;

/** Range sharding: `bounds` are the sorted exclusive upper bounds of shards 0..n-2; the last shard is open. */
export function routeRange(key: number, bounds: readonly number[]): number {
  let i = 0;
  while (i < bounds.length && key >= bounds[i]) i++;
  return i;
}

/** A custom routing table (e.g. tenant → shard), with a default shard for everything else. */
export function routeTable(tenant: string, table: Readonly<Record<string, number>>, fallback: number): number {
  return Object.hasOwn(table, tenant) ? table[tenant] : fallback;
}

/** Nested: a range picks a virtual shard, and the virtual shard is hashed onto a physical node. */
export function routeNested(key: number, bounds: readonly number[], nodes: number): { virtual: number; node: number } {
  const virtual = routeRange(key, bounds);
  return { virtual, node: fnv1a32(`vshard-${virtual}`) % nodes };
}

/** Exactly the range shards that can hold keys in [lo, hi]. */
export function shardsForRange(lo: number, hi: number, bounds: readonly number[]): number[] {
  if (hi < lo) return [];
  const from = routeRange(lo, bounds);
  const to = routeRange(hi, bounds);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Share of the last `window` of `total` increasing keys that land on the busiest shard. */
export function hotspotShare(route: (key: number) => number, total: number, window: number): number {
  const counts = new Map<number, number>();
  for (let k = total - window; k < total; k++) counts.set(route(k), (counts.get(route(k)) ?? 0) + 1);
  return Math.max(...counts.values()) / window;
}

// --- Redundancy by a second dimension: the seller-side copy of an order follows the buyer-side row. ---

export interface CopyState {
  /** Version of the order on the buyer shard (the source of truth) and on the seller shard (the copy). */
  readonly buyer: number;
  readonly seller: number;
  /** Change events not yet applied to the copy, in the order they were written. */
  readonly pending: readonly number[];
  readonly writesLeft: number;
}

export type CopyAction = { readonly name: 'Write' } | { readonly name: 'Apply'; readonly index: number };

function copyMachine(writes: number, variant: string): Machine<CopyState, CopyAction> {
  const ordered = variant !== 'unordered-copier';
  return {
    init: [{ buyer: 0, seller: 0, pending: [], writesLeft: writes }],
    actions: (s) => {
      const out: CopyAction[] = [];
      if (s.writesLeft > 0) out.push({ name: 'Write' });
      const applicable = ordered ? Math.min(1, s.pending.length) : s.pending.length;
      for (let i = 0; i < applicable; i++) out.push({ name: 'Apply', index: i });
      return out;
    },
    next: (s, a) =>
      a.name === 'Write'
        ? { ...s, buyer: s.buyer + 1, pending: [...s.pending, s.buyer + 1], writesLeft: s.writesLeft - 1 }
        : { ...s, seller: s.pending[a.index], pending: s.pending.filter((_, i) => i !== a.index) },
    properties: [
      {
        kind: 'always',
        name: 'copyNeverAhead',
        description: 'The seller copy never shows a version the buyer row does not have.',
        holds: (s) => s.seller <= s.buyer,
      },
      {
        kind: 'eventually',
        name: 'copiesConverge',
        description: 'Once writes stop and the events drain, both copies are equal.',
        holds: (s) => s.writesLeft === 0 && s.pending.length === 0 && s.seller === s.buyer,
      },
      {
        kind: 'sometimes',
        name: 'copyLagging',
        description: 'The copy lags behind while events are pending.',
        holds: (s) => s.seller < s.buyer && s.pending.length > 1,
      },
    ] satisfies Property<CopyState, CopyAction>[],
    actionNames: ['Write', 'Apply'],
    formatAction: (a) => (a.name === 'Write' ? 'Write' : `Apply(event ${a.index + 1})`),
    actors: ['BuyerShard', 'Copier', 'SellerShard'],
    fairness: 'Weak fairness on every step: the copier keeps applying events.',
    view: (from, a, to) =>
      a.name === 'Write'
        ? [{ type: 'note', over: 'BuyerShard', text: `order v${to.buyer}` }]
        : [{ type: 'message', from: 'Copier', to: 'SellerShard', label: `apply v${from.pending[a.index]}` }],
  };
}

// Configurations and variants.

const variants: readonly Variant[] = [
  { name: 'correct', description: 'The copier applies change events in the order they were written (one queue per order).' },
  {
    name: 'unordered-copier',
    description: 'The copier applies change events in any order, so an old version can land last.',
    breaks: 'copiesConverge',
  },
];

export const sharding = defineModel({
  id: 'sharding',
  title: 'Sharding: redundancy by a second dimension',
  source: "The seed's 分片 and 冗余 sections (orders by buyer, copied by seller)",
  scope: 'One order written several times on its buyer shard and copied to its seller shard by change events.',
  params: { writes: { type: 'int', default: 3, min: 1, max: 6, description: 'writes to the order' } },
  variants,
  configurations: [
    { name: 'writes3', variant: 'correct', params: { writes: 3 } },
    { name: 'writes3-unordered-copier', variant: 'unordered-copier', params: { writes: 3 } },
  ],
  machine: (params, variant) => copyMachine(params.writes, variant),
});
