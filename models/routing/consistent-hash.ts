// Consistent hashing on a 2^32 ring, with virtual nodes, Ketama placement and jump consistent hashing.
// Source: the seed's 一致性哈希 section (虚拟节点, 节点雪崩); Karger et al., "Consistent Hashing and Random Trees"
// (STOC 1997); libketama (160 points per server, four 32-bit points from each MD5 of "host-i"); Lamping & Veach,
// "A Fast, Minimal Memory, Consistent Hash Algorithm" (2014).
// Scope: a state machine of node additions and removals over a fixed set of keys, whose step property is
// minimal movement (a key moves only to an added node or away from a removed one); hash-mod placement is the
// bug variant. The joins and leaves are those of src/model/membership.ts (empty joins, graceful leaves, no
// budget, at least one node in the ring). The statistics (load spread against vnodes, fraction of keys moved)
// are a report figure.
import { createHash } from 'node:crypto';
import {
  membersOf,
  withMembership,
  initialMembership,
  type MembershipAction,
  type MembershipConfig,
  type MembershipState,
} from '../../src/model/membership';
import { defineModel, type Figure, type Machine, type Property, type Variant } from '../../src/model/model';
import { xyChart } from '../../src/report/xychart';

/** FNV-1a, 32 bits, over UTF-16 code units: the ring's hash for keys and virtual nodes. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  // A final avalanche (murmur3's fmix32), since raw FNV clusters similar short strings on the ring.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface RingPoint {
  readonly point: number;
  readonly node: string;
}

/** A ring: points sorted by position (ties broken by node name, so the ring is canonical). */
export function buildRing(nodes: readonly string[], vnodes: number): RingPoint[] {
  const points = nodes.flatMap((node) => Array.from({ length: vnodes }, (_, i) => ({ point: fnv1a32(`${node}#${i}`), node })));
  return points.sort((a, b) => a.point - b.point || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

/** Ketama: for each server, 40 MD5 digests of "host-i", each giving four little-endian 32-bit points. */
export function ketamaRing(hosts: readonly string[]): RingPoint[] {
  const points: RingPoint[] = [];
  for (const node of hosts) {
    for (let i = 0; i < 40; i++) {
      const d = createHash('md5').update(`${node}-${i}`).digest();
      for (let k = 0; k < 4; k++) points.push({ point: d.readUInt32LE(4 * k), node });
    }
  }
  return points.sort((a, b) => a.point - b.point || (a.node < b.node ? -1 : 1));
}

/** The first point clockwise from the key's hash (binary search). */
export function lookup(ring: readonly RingPoint[], keyHash: number): string {
  let lo = 0;
  let hi = ring.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ring[mid].point < keyHash) lo = mid + 1;
    else hi = mid;
  }
  return ring[lo === ring.length ? 0 : lo].node;
}

/** The naive reference: scan every point. */
export function lookupLinear(ring: readonly RingPoint[], keyHash: number): string {
  let best: RingPoint | undefined;
  for (const p of ring) if (p.point >= keyHash && (best === undefined || p.point < best.point)) best = p;
  return (best ?? ring[0]).node;
}

/** Jump consistent hash (Lamping & Veach), with the 64-bit linear congruential generator of the paper. */
export function jumpHash(key: bigint, buckets: number): number {
  let b = -1n;
  let j = 0n;
  let k = BigInt.asUintN(64, key);
  while (j < BigInt(buckets)) {
    b = j;
    k = BigInt.asUintN(64, k * 2862933555777941757n + 1n);
    j = BigInt(Math.floor((Number(b) + 1) * (2 ** 31 / (Number(k >> 33n) + 1))));
  }
  return Number(b);
}

export const hashModOwner = (keyHash: number, nodes: readonly string[]): string => nodes[keyHash % nodes.length];

// --- The state machine: nodes join and leave; keys must move minimally. ---

export interface CHState {
  /** Which nodes of the pool are in the ring. */
  readonly membership: MembershipState;
}
/** A node joins the ring (`Join`) or leaves it (`Leave`); the ring is all there is. */
export type CHAction = MembershipAction;

function chMachine(pool: number, vnodes: number, keys: number, variant: string): Machine<CHState, CHAction> {
  const names = Array.from({ length: pool }, (_, i) => `node${i + 1}`);
  const cluster: MembershipConfig = { pool: names, initial: [names[0]], minMembers: 1, group: 'the ring' };
  const keyHashes = Array.from({ length: keys }, (_, i) => fnv1a32(`key-${i}`));
  const owners = (s: CHState): string[] => {
    const nodes = membersOf(s.membership, cluster);
    if (nodes.length === 0) return keyHashes.map(() => '');
    if (variant === 'hash-mod') return keyHashes.map((h) => hashModOwner(h, nodes));
    const ring = buildRing(nodes, vnodes);
    return keyHashes.map((h) => lookup(ring, h));
  };
  const properties: Property<CHState, CHAction>[] = [
    {
      kind: 'step',
      name: 'minimalMovement',
      description: 'Adding a node moves only keys that now belong to it; removing one moves only its own keys.',
      holds: (from, a, to) => {
        const before = owners(from);
        const after = owners(to);
        return before.every((o, k) => o === after[k] || o === '' || (a.name === 'Join' ? after[k] === a.node : o === a.node));
      },
    },
    {
      kind: 'sometimes',
      name: 'fullRing',
      description: 'Every node of the pool is in the ring.',
      holds: (s) => s.membership.members.length === pool,
    },
    { kind: 'sometimes', name: 'singleNode', description: 'Only one node is left.', holds: (s) => s.membership.members.length === 1 },
  ];
  // No protocol steps of its own: the joins and leaves are the whole machine.
  return withMembership<CHState, never>(
    cluster,
    {},
    {
      init: [{ membership: initialMembership(cluster) }],
      actions: () => [],
      next: (s) => s,
      properties,
      actionNames: [],
      formatAction: (a) => a,
      actors: names,
      display: (s) => ({ ring: membersOf(s.membership, cluster).join(', ') }),
    },
  );
}

// Configurations and variants.

const variants: readonly Variant[] = [
  { name: 'correct', description: 'Keys go to the first virtual node clockwise on the ring.' },
  {
    name: 'hash-mod',
    description: 'Keys go to node number hash mod N, so a join or leave reshuffles almost everything.',
    breaks: 'minimalMovement',
  },
];

export const consistentHash = defineModel({
  id: 'consistent-hash',
  title: 'Consistent hashing with virtual nodes',
  source: "The seed's 一致性哈希 section; Karger et al. (1997); libketama; Lamping & Veach (2014)",
  scope: 'Every sequence of joins and leaves over a pool of nodes, with a fixed set of keys; minimal movement checked on every step.',
  params: {
    pool: { type: 'int', default: 4, min: 1, max: 8, description: 'nodes that may join' },
    vnodes: { type: 'int', default: 10, min: 1, max: 1000, description: 'virtual nodes per node' },
    keys: { type: 'int', default: 200, min: 1, max: 10_000, description: 'keys placed' },
  },
  variants,
  configurations: [
    { name: 'pool4-vnodes10', variant: 'correct', params: { pool: 4, vnodes: 10, keys: 200 } },
    { name: 'pool6-vnodes1', variant: 'correct', params: { pool: 6, vnodes: 1, keys: 200 } },
    { name: 'pool4-hash-mod', variant: 'hash-mod', params: { pool: 4, keys: 200 } },
  ],
  machine: (params, variant) => chMachine(params.pool, params.vnodes, params.keys, variant),
});

// --- The figure: load spread against vnodes, and keys moved from N to N+1 nodes. ---

export const FIGURE_NODES = 10;
export const FIGURE_KEYS = 100_000;
export const VNODE_COUNTS = [1, 10, 100, 160, 1000];

/** Relative standard deviation of the per-node load (std dev / mean). */
export function loadSpread(nodes: number, vnodes: number, keys: number): number {
  const names = Array.from({ length: nodes }, (_, i) => `server-${i}`);
  const ring = buildRing(names, vnodes);
  const load = new Map(names.map((n) => [n, 0]));
  for (let k = 0; k < keys; k++) {
    const owner = lookup(ring, fnv1a32(`user:${k}`));
    load.set(owner, load.get(owner)! + 1);
  }
  const mean = keys / nodes;
  const variance = [...load.values()].reduce((a, x) => a + (x - mean) ** 2, 0) / nodes;
  return Math.sqrt(variance) / mean;
}

export type Placement = 'hash-mod' | 'consistent' | 'jump';

/** Fraction of keys whose owner changes when the cluster grows from n to n+1 nodes. */
export function fractionMoved(placement: Placement, n: number, keys: number): number {
  const names = (m: number): string[] => Array.from({ length: m }, (_, i) => `server-${i}`);
  const ownerOf = (m: number): ((k: number) => string | number) => {
    if (placement === 'hash-mod') return (k) => fnv1a32(`user:${k}`) % m;
    if (placement === 'jump') return (k) => jumpHash(BigInt(fnv1a32(`user:${k}`)) * 2654435761n, m);
    const ring = buildRing(names(m), 160);
    return (k) => lookup(ring, fnv1a32(`user:${k}`));
  };
  const before = ownerOf(n);
  const after = ownerOf(n + 1);
  let moved = 0;
  for (let k = 0; k < keys; k++) if (before(k) !== after(k)) moved++;
  return moved / keys;
}

export const GROWTH = [1, 2, 3, 4, 5, 6, 7, 8, 9];
export const MOVE_KEYS = 20_000;

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export const consistentHashFigure: Figure = {
  id: 'consistent-hash-figures',
  title: 'Consistent hashing: load spread against virtual nodes, and keys moved when a node joins',
  render: () => {
    const spread = VNODE_COUNTS.map((v) => ({ v, s: loadSpread(FIGURE_NODES, v, FIGURE_KEYS) }));
    const moved = GROWTH.map((n) => ({
      n,
      mod: fractionMoved('hash-mod', n, MOVE_KEYS),
      ring: fractionMoved('consistent', n, MOVE_KEYS),
      jump: fractionMoved('jump', n, MOVE_KEYS),
    }));
    return [
      '# Consistent hashing: figures (`consistent-hash`)',
      '',
      `Load spread: ${FIGURE_NODES} nodes, ${FIGURE_KEYS.toLocaleString('en-US')} keys; the relative standard deviation of the per-node load.`,
      'Theory: a node owns the sum of v arcs of the ring, so its share has a relative standard deviation of about 1/√v.',
      '',
      '| vnodes per node | measured std dev / mean | 1/√v |',
      '|---:|---:|---:|',
      ...spread.map(({ v, s }) => `| ${v} | ${pct(s)} | ${pct(1 / Math.sqrt(v))} |`),
      '',
      ...xyChart({
        title: 'Load std dev / mean (%) against vnodes per node',
        kind: 'bar',
        x: { title: 'vnodes', labels: VNODE_COUNTS },
        y: { title: 'std dev (%)', min: 0, max: 100 },
        series: [{ name: 'measured', values: spread.map(({ s }) => s * 100) }],
      }),
      '',
      `Keys moved when growing from N to N+1 nodes (${MOVE_KEYS.toLocaleString('en-US')} keys). Theory: hash-mod moves N/(N+1);`,
      "consistent hashing and jump hashing move only the new node's share, 1/(N+1).",
      '',
      '| N → N+1 | hash-mod | N/(N+1) | consistent (160 vnodes) | jump | 1/(N+1) |',
      '|---|---:|---:|---:|---:|---:|',
      ...moved.map(
        (m) =>
          `| ${m.n} → ${m.n + 1} | ${pct(m.mod)} | ${pct(m.n / (m.n + 1))} | ${pct(m.ring)} | ${pct(m.jump)} | ${pct(1 / (m.n + 1))} |`,
      ),
      '',
      ...xyChart({
        title: 'Keys moved (%) from N to N+1 nodes',
        kind: 'line',
        x: { title: 'N', labels: GROWTH },
        y: { title: 'moved (%)', min: 0, max: 100 },
        series: [
          { name: 'hash-mod', values: moved.map((m) => m.mod * 100) },
          { name: 'consistent (160 vnodes)', values: moved.map((m) => m.ring * 100) },
          { name: 'jump', values: moved.map((m) => m.jump * 100) },
        ],
      }),
      '',
    ].join('\n');
  },
};
