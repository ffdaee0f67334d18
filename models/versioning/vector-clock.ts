// Vector clocks: the order they give, checked against true causal histories, and Dynamo-style siblings.
// Source: the seed's Versioning of Data (vector clocks), PROTOCOLS.md §3.3; Fidge 1988 and Mattern 1989
// (vector time characterises causality: e → f iff V(e) < V(f)); DeCandia et al., "Dynamo" (SOSP 2007),
// §4.4 (versions kept side by side until a write whose clock dominates them reconciles them).
// Scope: `compareClocks` and friends on plain objects (node → counter, missing = 0); `stampExecution` runs a
// message-passing execution under a clock rule and returns each event's clock and causal history (the tests
// compare the two over random executions). The state machine is a replicated key: clients read the siblings
// of one replica (their context) and write through any replica; replicas exchange versions by anti-entropy.
// The clock actors are the clients, as in Riak's first vclocks: each client is sequential, so its writes are
// ordered by program order. Safety only: no acknowledged write disappears without a truly dominating write,
// the clock order equals the true causal order on every pair of writes, and siblings are truly concurrent.
import { isDeepStrictEqual as isEqual } from 'node:util';
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { replaceAt } from '../../src/model/plain';

/** A vector clock: node → counter; a missing entry means 0. */
export type Clock = Readonly<Record<string, number>>;
export type ClockOrder = 'before' | 'after' | 'equal' | 'concurrent';

function counter(c: Clock, node: string): number {
  const v = Object.prototype.hasOwnProperty.call(c, node) ? c[node] : 0;
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`clock entry ${node} must be a non-negative integer, got ${v}`);
  return v;
}

/** How a relates to b: before (a < b), after (a > b), equal, or concurrent (neither ≤ the other). */
export function compareClocks(a: Clock, b: Clock): ClockOrder {
  let less = false;
  let greater = false;
  for (const node of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = counter(a, node);
    const y = counter(b, node);
    if (x < y) less = true;
    if (x > y) greater = true;
  }
  return less ? (greater ? 'concurrent' : 'before') : greater ? 'after' : 'equal';
}

/** The pointwise maximum (the least upper bound), with keys sorted and zero entries dropped. */
export function mergeClocks(a: Clock, b: Clock): Clock {
  const out: Record<string, number> = {};
  for (const node of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const v = Math.max(counter(a, node), counter(b, node));
    if (v > 0) out[node] = v;
  }
  return out;
}

export function incrementClock(c: Clock, node: string): Clock {
  return mergeClocks(c, { [node]: counter(c, node) + 1 });
}

/** Keeps the k largest entries (ties: the smaller node name), as a size-bounded clock that prunes would. */
export function truncateClock(c: Clock, k: number): Clock {
  const kept = Object.keys(c)
    .filter((n) => counter(c, n) > 0)
    .sort((x, y) => counter(c, y) - counter(c, x) || (x < y ? -1 : 1))
    .slice(0, k);
  return mergeClocks({}, Object.fromEntries(kept.map((n) => [n, c[n]])));
}

/**
 * How timestamps are kept: vector clocks; Lamport's scalar (as the single entry `L`, so compareClocks orders it
 * totally); vector clocks truncated to k entries after every event; vector clocks whose receive is a merge
 * without the local increment.
 */
export type ClockRule = 'vector' | 'lamport' | 'truncated' | 'no-increment';

export type ExecutionStep =
  | { readonly kind: 'local'; readonly p: number }
  | { readonly kind: 'send'; readonly p: number; readonly to: number }
  /** Receives the message at index `pick` (modulo) of those in flight to p; a local event if there is none. */
  | { readonly kind: 'receive'; readonly p: number; readonly pick: number };

export interface StampedEvent {
  readonly p: number;
  readonly kind: 'local' | 'send' | 'receive';
  readonly clock: Clock;
  /** The true causal history: ids of every event that happened before it, and its own id, sorted. */
  readonly history: readonly number[];
}

const unionSorted = (a: readonly number[], b: readonly number[]): number[] => [...new Set([...a, ...b])].sort((x, y) => x - y);

/** Runs an execution among n processes (named P1..Pn in clocks) and stamps every event under a clock rule. */
export function stampExecution(n: number, steps: readonly ExecutionStep[], rule: ClockRule, k = 1): StampedEvent[] {
  const node = (p: number): string => (rule === 'lamport' ? 'L' : `P${p + 1}`);
  const clocks: Clock[] = Array.from({ length: n }, () => ({}));
  const last: (number | null)[] = Array.from({ length: n }, () => null);
  const inFlight: { to: number; clock: Clock; from: number }[] = [];
  const events: StampedEvent[] = [];
  const tick = (c: Clock, p: number): Clock => {
    const next = incrementClock(c, node(p));
    return rule === 'truncated' ? truncateClock(next, k) : next;
  };
  for (const step of steps) {
    const p = step.p % n;
    const own = last[p] === null ? [] : events[last[p]!].history;
    const id = events.length;
    const mine = inFlight.map((m, i) => [m, i] as const).filter(([m]) => m.to === p);
    let clock: Clock;
    let history: number[];
    let kind: StampedEvent['kind'] = step.kind;
    if (step.kind === 'receive' && mine.length > 0) {
      const [msg, index] = mine[step.pick % mine.length];
      inFlight.splice(index, 1);
      const merged = mergeClocks(clocks[p], msg.clock);
      clock = rule === 'no-increment' ? merged : tick(merged, p);
      history = unionSorted(unionSorted(own, events[msg.from].history), [id]);
    } else {
      if (kind === 'receive') kind = 'local';
      clock = tick(clocks[p], p);
      history = unionSorted(own, [id]);
      if (step.kind === 'send') inFlight.push({ to: step.to % n, clock, from: id });
    }
    clocks[p] = clock;
    last[p] = id;
    events.push({ p, kind, clock, history });
  }
  return events;
}

/** The true order of two distinct events, from their causal histories. */
export function causalOrder(a: { id: number; history: readonly number[] }, b: { id: number; history: readonly number[] }): ClockOrder {
  if (b.history.includes(a.id)) return 'before';
  if (a.history.includes(b.id)) return 'after';
  return 'concurrent';
}

// The replicated key (Dynamo-style siblings).

export interface Version {
  readonly client: number;
  readonly clock: Clock;
  /** Ghost: the writes this one causally follows (read by its client, or earlier writes of its client), sorted. */
  readonly past: readonly number[];
}

export interface SiblingState {
  readonly writes: readonly Version[];
  /** Per replica: the versions it keeps side by side, sorted. */
  readonly siblings: readonly (readonly number[])[];
  /** Per replica: every version that ever reached it (acknowledged there or copied to it), sorted. */
  readonly received: readonly (readonly number[])[];
  /** Per client: the versions it read last (its context for the next write), sorted. */
  readonly context: readonly (readonly number[])[];
  /** Per client: its last write, or null. */
  readonly last: readonly (number | null)[];
}

export type SiblingAction =
  | { readonly name: 'Get'; readonly c: number; readonly r: number }
  | { readonly name: 'Put'; readonly c: number; readonly r: number }
  | { readonly name: 'Sync'; readonly from: number; readonly to: number };

function siblingMachine(
  p: { clients: number; replicas: number; writes: number; keep: number },
  variant: string,
): Machine<SiblingState, SiblingAction> {
  const clients = Array.from({ length: p.clients }, (_, i) => i);
  const replicas = Array.from({ length: p.replicas }, (_, i) => i);
  const actor = (c: number): string => (variant === 'lamport-clock' ? 'L' : `C${c + 1}`);

  const clockFor = (s: SiblingState, c: number): Clock => {
    const seen = [...s.context[c], ...(s.last[c] === null ? [] : [s.last[c]!])];
    const merged = seen.reduce<Clock>((acc, w) => mergeClocks(acc, s.writes[w].clock), {});
    if (variant === 'merge-without-increment') return merged;
    const next = incrementClock(merged, actor(c));
    return variant === 'truncated-clock' ? truncateClock(next, p.keep) : next;
  };

  /** Dynamo's rule at a replica: drop a version some sibling dominates or equals, else keep it and drop what it dominates. */
  const store = (s: SiblingState, sibs: readonly number[], v: number): readonly number[] => {
    const clock = s.writes[v].clock;
    if (sibs.some((x) => x === v || ['before', 'equal'].includes(compareClocks(clock, s.writes[x].clock)))) return sibs;
    return [...sibs.filter((x) => compareClocks(s.writes[x].clock, clock) !== 'before'), v].sort((a, b) => a - b);
  };

  const actions = (s: SiblingState): SiblingAction[] => {
    const out: SiblingAction[] = [];
    // A read that would not change the client's context is a stutter; leaving it out keeps the graph small.
    for (const c of clients) for (const r of replicas) if (!isEqual(s.context[c], s.siblings[r])) out.push({ name: 'Get', c, r });
    if (s.writes.length < p.writes) for (const c of clients) for (const r of replicas) out.push({ name: 'Put', c, r });
    for (const from of replicas) {
      for (const to of replicas) {
        if (from !== to && s.siblings[from].some((w) => !s.received[to].includes(w))) out.push({ name: 'Sync', from, to });
      }
    }
    return out;
  };

  const next = (s: SiblingState, a: SiblingAction): SiblingState => {
    switch (a.name) {
      case 'Get':
        return { ...s, context: replaceAt(s.context, a.c, s.siblings[a.r]) };
      case 'Put': {
        const id = s.writes.length;
        const mine = [...s.context[a.c], ...(s.last[a.c] === null ? [] : [s.last[a.c]!])];
        const past = mine.reduce<number[]>((acc, w) => unionSorted(acc, unionSorted(s.writes[w].past, [w])), []);
        const t = { ...s, writes: [...s.writes, { client: a.c, clock: clockFor(s, a.c), past }] };
        return {
          ...t,
          siblings: replaceAt(t.siblings, a.r, store(t, t.siblings[a.r], id)),
          received: replaceAt(t.received, a.r, unionSorted(t.received[a.r], [id])),
          context: replaceAt(t.context, a.c, []),
          last: replaceAt(t.last, a.c, id),
        };
      }
      case 'Sync': {
        const incoming = s.siblings[a.from].filter((w) => !s.received[a.to].includes(w));
        return {
          ...s,
          siblings: replaceAt(
            s.siblings,
            a.to,
            incoming.reduce((sibs, w) => store(s, sibs, w), s.siblings[a.to]),
          ),
          received: replaceAt(s.received, a.to, unionSorted(s.received[a.to], incoming)),
        };
      }
    }
  };

  const truth = (s: SiblingState, a: number, b: number): ClockOrder =>
    causalOrder({ id: a, history: s.writes[a].past }, { id: b, history: s.writes[b].past });
  const pairs = (xs: readonly number[]): [number, number][] => xs.flatMap((a, i) => xs.slice(i + 1).map((b) => [a, b] as [number, number]));

  const properties: Property<SiblingState, SiblingAction>[] = [
    {
      kind: 'always',
      name: 'noLostWrite',
      description: 'Every version that reached a replica is still a sibling there, or a sibling there truly follows it.',
      holds: (s) => replicas.every((r) => s.received[r].every((w) => s.siblings[r].some((x) => x === w || s.writes[x].past.includes(w)))),
    },
    {
      kind: 'always',
      name: 'clockOrderIsCausal',
      description: 'For every two writes, comparing their clocks gives their true causal order (before, after or concurrent).',
      holds: (s) =>
        pairs(s.writes.map((_, i) => i)).every(([a, b]) => compareClocks(s.writes[a].clock, s.writes[b].clock) === truth(s, a, b)),
    },
    {
      kind: 'always',
      name: 'siblingsConcurrent',
      description: 'The siblings a replica keeps are truly concurrent (none of them follows another).',
      holds: (s) => replicas.every((r) => pairs(s.siblings[r]).every(([a, b]) => truth(s, a, b) === 'concurrent')),
    },
    {
      kind: 'sometimes',
      name: 'siblingsKept',
      description: 'A replica keeps two concurrent versions side by side.',
      holds: (s) => s.siblings.some((x) => x.length >= 2),
    },
    {
      kind: 'sometimes',
      name: 'siblingsReconciled',
      description: 'Every replica holds one version, and it follows two versions that were concurrent.',
      holds: (s) =>
        s.siblings.every((x) => x.length === 1 && x[0] === s.siblings[0][0]) &&
        pairs(s.writes[s.siblings[0][0]].past).some(([a, b]) => truth(s, a, b) === 'concurrent'),
    },
  ];

  return {
    init: [
      {
        writes: [],
        siblings: replicas.map(() => []),
        received: replicas.map(() => []),
        context: clients.map(() => []),
        last: clients.map(() => null),
      },
    ],
    actions,
    next,
    properties,
    actionNames: ['Get', 'Put', 'Sync'],
    ...presentation(clients, replicas),
  };
}

// Presentation: action labels, sequence-diagram events and the trace view of a state.

function presentation(
  clients: readonly number[],
  replicas: readonly number[],
): Pick<Machine<SiblingState, SiblingAction>, 'formatAction' | 'actors' | 'view' | 'display'> {
  const cname = (c: number): string => `C${c + 1}`;
  const rname = (r: number): string => `R${r + 1}`;
  const vname = (w: number): string => `v${w + 1}`;
  const fmtClock = (c: Clock): string =>
    `{${Object.keys(c)
      .sort()
      .map((n) => `${n}:${c[n]}`)
      .join(' ')}}`;
  const fmtSet = (xs: readonly number[]): string => `{${xs.map(vname).join(', ')}}`;

  return {
    formatAction: (a) => (a.name === 'Sync' ? `Sync(${rname(a.from)} → ${rname(a.to)})` : `${a.name}(${cname(a.c)}, ${rname(a.r)})`),
    actors: [...clients.map(cname), ...replicas.map(rname)],
    view: (from, a, to) => {
      switch (a.name) {
        case 'Get':
          return [{ type: 'message', from: rname(a.r), to: cname(a.c), label: `siblings ${fmtSet(from.siblings[a.r])}` }];
        case 'Put': {
          const v = to.writes.length - 1;
          return [
            {
              type: 'message',
              from: cname(a.c),
              to: rname(a.r),
              label: `${vname(v)} ${fmtClock(to.writes[v].clock)}: siblings ${fmtSet(to.siblings[a.r])}`,
            },
          ];
        }
        case 'Sync':
          return [
            {
              type: 'message',
              from: rname(a.from),
              to: rname(a.to),
              label: `${fmtSet(from.siblings[a.from])}: siblings ${fmtSet(to.siblings[a.to])}`,
            },
          ];
      }
    },
    display: (s) => ({
      versions: s.writes
        .map(
          (w, i) => `${vname(i)} by ${cname(w.client)} ${fmtClock(w.clock)}${w.past.length ? ` after ${w.past.map(vname).join('+')}` : ''}`,
        )
        .join('; '),
      siblings: replicas.map((r) => `${rname(r)}: ${fmtSet(s.siblings[r])}`).join(', '),
      received: replicas.map((r) => `${rname(r)}: ${fmtSet(s.received[r])}`).join(', '),
      contexts: clients.map((c) => `${cname(c)}: ${fmtSet(s.context[c])}`).join(', '),
    }),
  };
}

// Configurations and variants.

const variants: readonly Variant[] = [
  {
    name: 'correct',
    description: "A write's clock is its context merged with the client's previous clock, with the client's entry incremented.",
  },
  {
    name: 'lamport-clock',
    description:
      'Lamport scalars instead of vectors: a larger scalar is taken for happened-after, so one of two concurrent writes replaces the other.',
    breaks: 'noLostWrite',
  },
  {
    name: 'truncated-clock',
    description: 'Vector clocks truncated to their k largest entries after every write.',
    breaks: 'noLostWrite',
  },
  {
    name: 'merge-without-increment',
    description: "A write's clock is the merge of its context and the client's previous clock, without incrementing the client's entry.",
    breaks: 'noLostWrite',
  },
];

export const vectorClock = defineModel({
  id: 'vector-clock',
  title: 'Vector clocks and Dynamo-style siblings',
  source: "The seed's Versioning of Data (vector clocks); Fidge 1988; Mattern 1989; DeCandia et al., Dynamo (SOSP 2007)",
  scope:
    'One replicated key: clients read the siblings of a replica and write through any replica (clients are the clock actors); replicas exchange versions by anti-entropy. Lattice laws and random executions are in the tests.',
  params: {
    clients: { type: 'int', default: 2, min: 1, max: 3, description: 'clients (the clock actors)' },
    replicas: { type: 'int', default: 2, min: 1, max: 3, description: 'replicas of the key' },
    writes: { type: 'int', default: 3, min: 1, max: 5, description: 'writes in total' },
    keep: { type: 'int', default: 1, min: 1, max: 3, description: 'k: entries a truncated clock keeps' },
  },
  variants,
  configurations: [
    { name: 'two-clients', variant: 'correct' },
    { name: 'lamport-clock', variant: 'lamport-clock' },
    { name: 'truncated-clock', variant: 'truncated-clock' },
    { name: 'merge-without-increment', variant: 'merge-without-increment' },
    {
      name: 'three-clients-random',
      description: 'Random walks over three clients, three replicas and five writes.',
      variant: 'correct',
      params: { clients: 3, replicas: 3, writes: 5 },
      strategy: 'random',
      seed: 33,
      runs: 300,
      walkLength: 40,
    },
  ],
  machine: (params, variant) => siblingMachine(params, variant),
});
