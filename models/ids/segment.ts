// Leaf segment mode: ID servers share the table leaf_alloc(biz_tag, max_id, step) and each takes a segment with
// one atomic `UPDATE max_id = max_id + step`, then serves ids from memory with a double buffer: the next segment
// is loaded once more than 10% of the current one is used.
// Source: the seed's 分布式ID section; Meituan Leaf's segment mode (号段模式, 双buffer, 动态调整step).
// Scope: servers that crash (their unused ids are lost, never repeated) and a database that goes down (servers
// serve from their buffers, then answer with a clear error). Properties: unique ids per tag, increasing per
// server, tags isolated (safety). The adaptive step is a pure function (`nextStep`), property-tested on its own.
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { replaceAt } from '../../src/model/plain';

export const MAX_STEP = 1_000_000;
const FIFTEEN_MINUTES = 15 * 60_000;
const THIRTY_MINUTES = 30 * 60_000;

/** Leaf's dynamic step: double below 15 minutes per segment (up to 1,000,000), halve at 30 or more (not below the configured step). */
export function nextStep(step: number, segmentDurationMs: number, configuredStep: number): number {
  if (segmentDurationMs < FIFTEEN_MINUTES) return Math.min(step * 2, MAX_STEP);
  if (segmentDurationMs >= THIRTY_MINUTES) return Math.max(Math.floor(step / 2), configuredStep);
  return step;
}

export interface Segment {
  readonly start: number;
  readonly end: number;
}

export interface ServerTag {
  readonly current: Segment | null;
  readonly next: Segment | null;
  /** The next id to hand out from the current segment. */
  readonly pos: number;
  /** Read-then-write bug: the max_id this server read and has not written back yet. */
  readonly read: number | null;
}

export interface SegmentState {
  readonly maxId: readonly number[];
  readonly dbUp: boolean;
  /** servers[s][t] */
  readonly servers: readonly (readonly ServerTag[])[];
  /** Ids handed out per tag, sorted (a multiset). */
  readonly issued: readonly (readonly number[])[];
  /** History: some server handed out an id not greater than its previous one for the tag. */
  readonly nonMonotonic: boolean;
  readonly last: readonly (readonly number[])[];
  readonly errored: boolean;
  readonly servedWhileDown: boolean;
  readonly crashesLeft: number;
  readonly outagesLeft: number;
}

type Step = 'Issue' | 'Switch' | 'Load' | 'LoadRead' | 'LoadWrite' | 'Error';
export type SegmentAction =
  | { readonly name: Step; readonly s: number; readonly t: number }
  | { readonly name: 'Crash'; readonly s: number }
  | { readonly name: 'DbDown' | 'DbUp' };

const EMPTY: ServerTag = { current: null, next: null, pos: 0, read: null };

function segmentMachine(
  p: { servers: number; tags: number; step: number; maxIds: number; crashes: number; outages: number },
  variant: string,
): Machine<SegmentState, SegmentAction> {
  const sids = Array.from({ length: p.servers }, (_, i) => i);
  const tids = Array.from({ length: p.tags }, (_, i) => i);
  const split = variant === 'read-then-write';
  const used = (b: ServerTag): number => (b.current ? b.pos - b.current.start : 0);
  const size = (b: ServerTag): number => (b.current ? b.current.end - b.current.start + 1 : 0);
  const exhausted = (b: ServerTag): boolean => b.current === null || b.pos > b.current.end;
  /** Load when there is no segment, or when more than 10% of the current one is used and no next one is ready. */
  const wantsLoad = (b: ServerTag): boolean => b.next === null && (b.current === null || used(b) * 10 > size(b));
  const total = (s: SegmentState): number => s.issued.reduce((n, xs) => n + xs.length, 0);
  const setST = (st: SegmentState, s: number, t: number, b: ServerTag): SegmentState['servers'] =>
    st.servers.map((row, i) => (i === s ? row.map((x, j) => (j === t ? b : x)) : row));
  /** Installs a freshly taken segment as the current one, or as the next. */
  const install = (b: ServerTag, seg: Segment): ServerTag =>
    b.current === null || exhausted(b) ? { ...b, current: seg, pos: seg.start, read: null } : { ...b, next: seg, read: null };

  const actions = (st: SegmentState): SegmentAction[] => {
    const out: SegmentAction[] = [];
    for (const s of sids) {
      for (const t of tids) {
        const b = st.servers[s][t];
        if (!exhausted(b) && total(st) < p.maxIds) out.push({ name: 'Issue', s, t });
        if (exhausted(b) && b.current !== null && b.next !== null) out.push({ name: 'Switch', s, t });
        if (st.dbUp && wantsLoad(b) && !split) out.push({ name: 'Load', s, t });
        if (st.dbUp && wantsLoad(b) && split && b.read === null) out.push({ name: 'LoadRead', s, t });
        if (st.dbUp && split && b.read !== null) out.push({ name: 'LoadWrite', s, t });
        if (!st.dbUp && exhausted(b) && b.next === null && !st.errored) out.push({ name: 'Error', s, t });
      }
      if (st.crashesLeft > 0) out.push({ name: 'Crash', s });
    }
    if (st.dbUp && st.outagesLeft > 0) out.push({ name: 'DbDown' });
    if (!st.dbUp) out.push({ name: 'DbUp' });
    return out;
  };

  const next = (st: SegmentState, a: SegmentAction): SegmentState => {
    switch (a.name) {
      case 'DbDown':
        return { ...st, dbUp: false, outagesLeft: st.outagesLeft - 1 };
      case 'DbUp':
        return { ...st, dbUp: true };
      case 'Crash':
        return {
          ...st,
          servers: replaceAt(
            st.servers,
            a.s,
            tids.map(() => EMPTY),
          ),
          crashesLeft: st.crashesLeft - 1,
        };
      case 'Error':
        return { ...st, errored: true };
      case 'Issue': {
        const b = st.servers[a.s][a.t];
        const id = b.pos;
        const prev = st.last[a.s][a.t];
        return {
          ...st,
          servers: setST(st, a.s, a.t, { ...b, pos: b.pos + 1 }),
          issued: replaceAt(
            st.issued,
            a.t,
            [...st.issued[a.t], id].sort((x, y) => x - y),
          ),
          last: replaceAt(st.last, a.s, replaceAt(st.last[a.s], a.t, id)),
          nonMonotonic: st.nonMonotonic || id <= prev,
          servedWhileDown: st.servedWhileDown || !st.dbUp,
        };
      }
      case 'Switch': {
        const b = st.servers[a.s][a.t];
        return { ...st, servers: setST(st, a.s, a.t, { ...b, current: b.next, next: null, pos: b.next!.start }) };
      }
      case 'Load': {
        const maxId = st.maxId[a.t] + p.step;
        const seg = { start: maxId - p.step + 1, end: maxId };
        return { ...st, maxId: replaceAt(st.maxId, a.t, maxId), servers: setST(st, a.s, a.t, install(st.servers[a.s][a.t], seg)) };
      }
      case 'LoadRead': {
        const b = st.servers[a.s][a.t];
        return { ...st, servers: setST(st, a.s, a.t, { ...b, read: st.maxId[a.t] }) };
      }
      case 'LoadWrite': {
        const b = st.servers[a.s][a.t];
        const maxId = b.read! + p.step;
        return {
          ...st,
          maxId: replaceAt(st.maxId, a.t, maxId),
          servers: setST(st, a.s, a.t, install(b, { start: b.read! + 1, end: maxId })),
        };
      }
    }
  };

  const properties: Property<SegmentState, SegmentAction>[] = [
    {
      kind: 'always',
      name: 'unique',
      description: 'No id is handed out twice for the same tag.',
      holds: (s) => s.issued.every((xs) => xs.every((x, i) => i === 0 || xs[i - 1] !== x)),
    },
    {
      kind: 'always',
      name: 'increasingPerServer',
      description: 'Each server hands out increasing ids per tag.',
      holds: (s) => !s.nonMonotonic,
    },
    {
      kind: 'always',
      name: 'tagsIsolated',
      description: "Every id of a tag lies within what that tag's own row has allocated.",
      holds: (s) => s.issued.every((xs, t) => xs.every((x) => x >= 1 && x <= s.maxId[t])),
    },
    {
      kind: 'sometimes',
      name: 'doubleBuffered',
      description: 'A server holds a next segment while serving from the current one.',
      holds: (s) => s.servers.some((row) => row.some((b) => b.next !== null && !exhausted(b))),
    },
    {
      kind: 'sometimes',
      name: 'switchedSegment',
      description: 'A server moved on to its next segment.',
      holds: (s) => s.issued.some((xs) => xs.some((x) => x > p.step)),
    },
  ];
  if (p.outages > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'servedWhileDbDown',
      description: 'A server handed out an id from its buffer while the database was down.',
      holds: (s) => s.servedWhileDown,
    });
    properties.push({
      kind: 'sometimes',
      name: 'clearError',
      description: 'With the database down and the buffer empty, a request got a clear error.',
      holds: (s) => s.errored,
    });
  }
  if (p.crashes > 0) {
    properties.push({
      kind: 'sometimes',
      name: 'idsLostOnCrash',
      description: 'A crash threw away ids that were allocated but never handed out.',
      holds: (s) => s.crashesLeft === 0 && s.maxId.some((m, t) => m > Math.max(0, ...s.issued[t]) + p.step),
    });
  }

  const names = ['Issue', 'Switch', ...(split ? ['LoadRead', 'LoadWrite'] : ['Load'])];
  if (p.outages > 0) names.push('Error', 'DbDown', 'DbUp');
  if (p.crashes > 0) names.push('Crash');
  const seg = (x: Segment | null): string => (x === null ? '-' : `${x.start}-${x.end}`);

  return {
    init: [
      {
        maxId: tids.map(() => 0),
        dbUp: true,
        servers: sids.map(() => tids.map(() => EMPTY)),
        issued: tids.map(() => []),
        nonMonotonic: false,
        last: sids.map(() => tids.map(() => 0)),
        errored: false,
        servedWhileDown: false,
        crashesLeft: p.crashes,
        outagesLeft: p.outages,
      },
    ],
    actions,
    next,
    properties,
    actionNames: names,
    formatAction: (a) => ('t' in a ? `${a.name}(S${a.s + 1}, tag${a.t + 1})` : 's' in a ? `${a.name}(S${a.s + 1})` : a.name),
    actors: [...sids.map((s) => `S${s + 1}`), 'DB'],
    view: (from, a, to) => {
      if (!('s' in a)) return [{ type: 'note', over: 'DB', text: a.name === 'DbDown' ? 'database down' : 'database back' }];
      const who = `S${a.s + 1}`;
      if (a.name === 'Crash') return [{ type: 'note', over: who, text: '💥 crashes, buffers lost' }];
      if (a.name === 'Load' || a.name === 'LoadWrite')
        return [
          {
            type: 'message',
            from: 'DB',
            to: who,
            label: `segment ${seg(to.servers[a.s][a.t].next ?? to.servers[a.s][a.t].current)} (max_id ${to.maxId[a.t]})`,
          },
        ];
      if (a.name === 'LoadRead') return [{ type: 'message', from: 'DB', to: who, label: `reads max_id = ${to.servers[a.s][a.t].read}` }];
      if (a.name === 'Issue') return [{ type: 'note', over: who, text: `hands out ${from.servers[a.s][a.t].pos}` }];
      return [
        {
          type: 'note',
          over: who,
          text: a.name === 'Switch' ? 'switches to its next segment' : 'clear error: no ids left and no database',
        },
      ];
    },
  };
}

// Configurations and variants.

const variants: readonly Variant[] = [
  { name: 'correct', description: 'Segments are taken with one atomic UPDATE max_id = max_id + step.' },
  {
    name: 'read-then-write',
    description: 'A server reads max_id, then writes max_id + step in a second statement, without a transaction.',
    breaks: 'unique',
  },
];

export const segment = defineModel({
  id: 'segment',
  title: 'Leaf segment allocation with double buffering',
  source: "The seed's 分布式ID section; Meituan Leaf segment mode (leaf_alloc, double buffer, dynamic step)",
  scope: 'ID servers sharing leaf_alloc, with server crashes and database outages; a small step so that segments run out.',
  params: {
    servers: { type: 'int', default: 2, min: 1, max: 3, description: 'number of ID servers' },
    tags: { type: 'int', default: 1, min: 1, max: 2, description: 'number of biz_tags' },
    step: { type: 'int', default: 2, min: 1, max: 5, description: 'ids per segment' },
    maxIds: { type: 'int', default: 4, min: 1, max: 8, description: 'ids handed out per run' },
    crashes: { type: 'int', default: 0, min: 0, max: 2, budget: true, description: 'at most this many server crashes' },
    outages: { type: 'int', default: 0, min: 0, max: 2, budget: true, description: 'at most this many database outages' },
  },
  variants,
  configurations: [
    { name: 'crash-and-outage', variant: 'correct', params: { servers: 2, step: 2, maxIds: 4, crashes: 1, outages: 1 } },
    { name: 'two-tags', variant: 'correct', params: { servers: 2, tags: 2, step: 2, maxIds: 3 } },
    {
      name: 'random',
      variant: 'correct',
      params: { servers: 3, tags: 2, step: 3, maxIds: 8, crashes: 2, outages: 2 },
      strategy: 'random',
      seed: 9,
      runs: 300,
      walkLength: 80,
    },
    { name: 'read-then-write', variant: 'read-then-write', params: { servers: 2, step: 2, maxIds: 4 } },
  ],
  machine: (params, variant) =>
    segmentMachine(
      {
        servers: params.servers,
        tags: params.tags,
        step: params.step,
        maxIds: params.maxIds,
        crashes: params.crashes,
        outages: params.outages,
      },
      variant,
    ),
});
