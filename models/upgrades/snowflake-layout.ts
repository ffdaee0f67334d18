// A Snowflake layout change in a rolling deploy. v1 ids are `timestamp | worker (2 bits) | sequence (2 bits)`;
// v2 gives the worker id more bits and the sequence fewer, `timestamp | worker (3 bits) | sequence (1 bit)`, to
// make room for more generators. During the deploy a v1 and a v2 generator issue ids in the same millisecond,
// and the two layouts can map different (worker, sequence) pairs to the same low bits: the same id twice.
// Fixes: a version bit that v1 always leaves clear (as Snowflake's sign bit), or v2 worker ids from a range
// whose ids no v1 generator can produce.
// Source: the seed's 分布式ID; Twitter Snowflake (2010); Baidu uid-generator and Leaf make the bit split
// configurable, which is what a layout change in a live fleet changes.
// Scope: two generators on one true clock (ticks bounded), ids issued one at a time; a restart (an upgrade or a
// rollback) keeps the durable last timestamp and loses the sequence, so a restarted generator waits for the next
// millisecond. Ids are small numbers: timestamp × 32 + the low 5 bits. Safety: no id is issued twice.
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import {
  byVersion,
  formatVersions,
  initialVersions,
  rolloutOf,
  rolloutParams,
  versionOf,
  withVersions,
  type NodeProtocol,
  type VersionAction,
  type VersionState,
} from '../../src/model/versions';

const GENS = ['G1', 'G2'] as const;
type Gen = (typeof GENS)[number];
/** The worker id each generator was given (durable configuration). */
const WORKER: Readonly<Record<Gen, number>> = { G1: 0, G2: 1 };
/** Ids per millisecond: the low bits below the timestamp. */
const LOW = 32;

/** How one version lays out the low bits of an id. */
export interface Layout {
  readonly workerBits: number;
  readonly seqBits: number;
  /** Added to every id: a version bit (16) that v1 leaves clear. */
  readonly flag: number;
  /** Added to the configured worker id: a worker-id range of the version's own. */
  readonly workerOffset: number;
}

const V1: Layout = { workerBits: 2, seqBits: 2, flag: 0, workerOffset: 0 };
const WIDE: Layout = { workerBits: 3, seqBits: 1, flag: 0, workerOffset: 0 };
/** The layouts of v1 and v2, by variant. */
export const LAYOUTS: Readonly<Record<string, readonly [Layout, Layout]>> = {
  'wide-worker': [V1, WIDE],
  correct: [V1, { ...WIDE, flag: 16 }],
  'disjoint-workers': [V1, { ...WIDE, workerOffset: 4 }],
};

/** The id a generator with this layout and worker id issues at `ts` with sequence `seq`. */
export function layoutId(layout: Layout, worker: number, ts: number, seq: number): number {
  const w = worker + layout.workerOffset;
  if (w >= 1 << layout.workerBits || seq >= 1 << layout.seqBits) throw new RangeError(`worker ${w} or sequence ${seq} out of the layout`);
  return ts * LOW + layout.flag + (w << layout.seqBits) + seq;
}

export interface GenState {
  /** Durable: the timestamp of the last id, persisted so that a restart never reuses a millisecond. */
  readonly lastTs: number;
  /** Volatile: the sequence within lastTs; null after a restart (the generator waits for the next millisecond). */
  readonly seq: number | null;
  /** The version that issued the generator's last id (0 before any). */
  readonly lastV: number;
}

export interface LayoutState {
  readonly versions: VersionState;
  readonly clock: number;
  readonly gen: Readonly<Record<Gen, GenState>>;
  readonly issued: ReadonlySet<number>;
  /** An id issued twice, if any. */
  readonly duplicate: number | null;
}

export type LayoutAction = { readonly name: 'Tick' } | { readonly name: 'NextId'; readonly node: Gen };

interface LayoutParams {
  readonly ticks: number;
  readonly maxIds: number;
  readonly order: 'any' | 'rolling';
  readonly stepwise: boolean;
  readonly downgrades: number;
}

function layoutMachine(params: LayoutParams, variant: string): Machine<LayoutState, LayoutAction | VersionAction> {
  const layouts = LAYOUTS[variant];
  const rollout = rolloutOf(params, GENS, 2);

  // One generator step per version: the same algorithm, with that version's layout.
  const nextId = (layout: Layout): NodeProtocol<LayoutState, LayoutAction> => {
    const seqOf = (s: LayoutState, g: Gen): number | null => {
      const st = s.gen[g];
      if (s.clock > st.lastTs) return 0;
      return st.seq !== null && st.seq + 1 < 1 << layout.seqBits ? st.seq + 1 : null;
    };
    return {
      actions: (s, node) =>
        s.issued.size < params.maxIds && seqOf(s, node as Gen) !== null ? [{ name: 'NextId', node: node as Gen }] : [],
      next: (s, a) => {
        const g = (a as { node: Gen }).node;
        const seq = seqOf(s, g)!;
        const id = layoutId(layout, WORKER[g], s.clock, seq);
        const issued = new Set(s.issued).add(id);
        return {
          ...s,
          gen: { ...s.gen, [g]: { lastTs: s.clock, seq, lastV: versionOf(s.versions, g) } },
          issued,
          duplicate: s.duplicate ?? (s.issued.has(id) ? id : null),
        };
      },
    };
  };
  const protocol = byVersion<LayoutState, LayoutAction>(
    GENS,
    { 1: nextId(layouts[0]), 2: nextId(layouts[1]) },
    (a) => (a as { node: Gen }).node,
  );

  const properties: Property<LayoutState, LayoutAction | VersionAction>[] = [
    { kind: 'always', name: 'unique', description: 'No id is issued twice.', holds: (s) => s.duplicate === null },
    {
      kind: 'sometimes',
      name: 'mixedSameMillisecond',
      description: 'A v1 and a v2 generator each issued their last id in the same millisecond.',
      holds: (s) => s.gen.G1.lastTs === s.gen.G2.lastTs && s.gen.G1.lastTs >= 0 && s.gen.G1.lastV * s.gen.G2.lastV === 2,
    },
    {
      kind: 'sometimes',
      name: 'rolloutComplete',
      description: 'Both generators run v2 and have issued ids as v2.',
      holds: (s) => GENS.every((g) => versionOf(s.versions, g) === 2 && s.gen[g].lastV === 2),
    },
  ];
  if (params.downgrades > 0)
    properties.push({
      kind: 'sometimes',
      name: 'rolledBack',
      description: 'A generator rolled back to v1 after issuing ids as v2, and issued again.',
      holds: (s) => s.versions.downgrades < params.downgrades && GENS.some((g) => s.gen[g].lastV === 1 && s.gen[g].lastTs > 0),
    });

  const idText = (id: number): string => `${Math.floor(id / LOW)}·${(id % LOW).toString(2).padStart(5, '0')}`;
  return withVersions<LayoutState, LayoutAction>(
    rollout,
    // A restart keeps the durable last timestamp and loses the sequence.
    { onRestart: (s, node) => ({ ...s, gen: { ...s.gen, [node]: { ...s.gen[node as Gen], seq: null } } }) },
    {
      init: [
        {
          versions: initialVersions(rollout),
          clock: 0,
          gen: { G1: { lastTs: -1, seq: null, lastV: 0 }, G2: { lastTs: -1, seq: null, lastV: 0 } },
          issued: new Set(),
          duplicate: null,
        },
      ],
      actions: (s) => [...protocol.actions(s), ...(s.clock < params.ticks ? [{ name: 'Tick' } as const] : [])],
      next: (s, a) => (a.name === 'Tick' ? { ...s, clock: s.clock + 1 } : protocol.next(s, a)),
      properties,
      actionNames: ['NextId', 'Tick'],
      formatAction: (a) => (a.name === 'Tick' ? 'Tick' : `NextId(${a.node})`),
      actors: GENS,
      view: (from, a, to) => {
        if (a.name === 'Tick') return [{ type: 'note', over: 'G1,G2', text: `clock ${to.clock} ms` }];
        const g = to.gen[a.node];
        const id = layoutId(layouts[g.lastV - 1], WORKER[a.node], g.lastTs, g.seq!);
        const dup = to.duplicate !== null && from.duplicate === null ? ' ✗ duplicate' : '';
        return [{ type: 'note', over: a.node, text: `v${g.lastV} issues ${idText(id)} (seq ${g.seq})${dup}` }];
      },
      display: (s) => ({
        versions: formatVersions(s.versions, GENS),
        clock: s.clock,
        ...Object.fromEntries(GENS.map((g) => [g, `lastTs ${s.gen[g].lastTs}, seq ${s.gen[g].seq ?? '–'}`])),
        issued: `{${[...s.issued]
          .sort((a, b) => a - b)
          .map(idText)
          .join(', ')}}`,
        duplicate: s.duplicate === null ? 'none' : idText(s.duplicate),
      }),
      fairness: 'Protocol steps are weakly fair; upgrades and rollbacks are operator actions and never fair.',
    },
  );
}

const variants: readonly Variant[] = [
  {
    name: 'wide-worker',
    description:
      'v2 takes one sequence bit for the worker id (3 worker bits, 1 sequence bit), nothing else: v2 worker 1 lands on v1 worker 0’s sequences 2 and 3.',
    breaks: 'unique',
  },
  { name: 'correct', description: 'A version bit: the same v2 layout, and v2 ids set a version bit that every v1 id leaves clear.' },
  {
    name: 'disjoint-workers',
    description:
      'The same v2 layout, with v2 worker ids from 4 up: their ids lie above every id a v1 generator of workers 0 and 1 can issue.',
  },
];

export const snowflakeLayout = defineModel({
  id: 'snowflake-layout',
  title: 'A Snowflake layout change in a rolling deploy (more worker bits, fewer sequence bits)',
  source: 'The seed’s 分布式ID; Twitter Snowflake (2010); the configurable bit split of Baidu uid-generator and Leaf',
  scope:
    'Two generators (worker ids 0 and 1) on one true clock; v1 and v2 lay the low bits out differently; an upgrade or rollback restarts a generator, keeping its persisted last timestamp. Safety: unique ids across every mixed-version state. No clock faults (the snowflake model has those).',
  params: {
    ticks: { type: 'int', default: 1, min: 0, max: 3, description: 'clock ticks (ms) after the first' },
    maxIds: { type: 'int', default: 5, min: 1, max: 8, description: 'ids issued in all' },
    ...rolloutParams(2),
  },
  variants,
  configurations: [
    {
      name: 'wide-worker-any-order',
      description: 'The new layout alone, generators upgraded in any order: a v1 and a v2 generator issue the same id.',
      variant: 'wide-worker',
      params: { order: 'any' },
    },
    {
      name: 'wide-worker-rolling',
      description:
        'The new layout alone, upgraded in worker-id order (G1 first), with a rollback: no two generators run v1 and v2 over the same ids, yet v2 G2 reissues an id that G1 issued as v1 earlier in the same millisecond.',
      variant: 'wide-worker',
      params: { order: 'rolling', downgrades: 1 },
    },
    {
      name: 'version-bit',
      description: 'A version bit: safe in any order, with rollbacks.',
      variant: 'correct',
      params: { order: 'any', downgrades: 2 },
    },
    {
      name: 'disjoint-workers',
      description: 'A disjoint worker-id range for v2: safe in any order, with rollbacks.',
      variant: 'disjoint-workers',
      params: { order: 'any', downgrades: 2 },
    },
  ],
  machine: (params, variant) => layoutMachine(params, variant),
});
