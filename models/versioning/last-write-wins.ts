// Last-write-wins registers stamped with skewed physical clocks, and hybrid logical clocks as the fix.
// Source: the seed's Versioning of Data ("Timestamps ... relies on clock synchronization"), PROTOCOLS.md §3.1;
// Kulkarni, Demirbas et al., "Logical Physical Clocks and Consistent Snapshots in Globally Distributed
// Databases" (OPODIS 2014), the HLC algorithm of Fig. 5 and its bound l − pt ≤ ε.
// Scope: replicas of one register; a write is stamped and acknowledged at one replica, then replicated to the
// others in any order; every replica keeps the write with the largest (timestamp, replica id) and, within one
// replica, the later of its own writes. Real time advances in ticks; writes in the same tick overlap. The
// clocks are the synchronized clocks of src/model/clocks.ts: ClockSkew moves a clock one ahead and
// ClockJumpBack steps it one back, or (clockFault=stall) ClockStall stops a clock while real time goes on until
// ClockResume; each clock stays within [now − β, now + δ], so the clocks' uncertainty is ε = δ + β. Safety
// only: real-time order, causal order, convergence, and the HLC bound l − pt ≤ ε.
import {
  clockParams,
  formatClocks,
  initialClocks,
  now,
  trueTime,
  withClocks,
  type ClockAction,
  type ClockConfig,
  type ClockedMachine,
  type ClockState,
} from '../../src/model/clocks';
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { replaceAt, setAdd, setRemove } from '../../src/model/plain';

export type Stamping = 'hlc' | 'physical' | 'lamport';

export interface WriteRecord {
  /** The replica that stamped and acknowledged it. */
  readonly r: number;
  /** Real time (the tick) of the write. */
  readonly rt: number;
  /** The replica's physical clock reading when it stamped the write. */
  readonly pt: number;
  /** The timestamp: (l, c) for HLC, (pt, 0) for physical clocks, (counter, 0) for Lamport clocks. */
  readonly l: number;
  readonly c: number;
  /** Ghost history: the writes it causally follows (its client read them, directly or transitively), sorted. */
  readonly past: readonly number[];
}

export interface LwwState {
  /** True time, and per replica (R1, R2, …) a clock within [now, now + δ]; the clock-fault budget left. */
  readonly clocks: ClockState;
  /** Per replica: the HLC (l, c); also the Lamport counter (l). Unused with physical stamps. */
  readonly hl: readonly number[];
  readonly hc: readonly number[];
  readonly writes: readonly WriteRecord[];
  /** Per replica: the write it holds, or null. */
  readonly holds: readonly (number | null)[];
  /** Per replica: writes stamped elsewhere that have not reached it yet. */
  readonly pending: readonly ReadonlySet<number>[];
}

type ProtocolAction =
  | { readonly name: 'Write'; readonly r: number }
  | { readonly name: 'ReadThenWrite'; readonly from: number; readonly r: number }
  | { readonly name: 'Replicate'; readonly w: number; readonly r: number };
export type LwwAction = ProtocolAction | ClockAction;

interface LwwParams {
  readonly replicas: number;
  readonly writes: number;
  readonly ticks: number;
  readonly skew: number;
  readonly behind: number;
  readonly clockFault: 'skew-or-jump' | 'stall';
  readonly clockFaults: number;
}

/** Kulkarni et al. Fig. 5: the send/local rule, and the receive rule for a message stamped (ml, mc). */
export function hlcLocal(l: number, c: number, pt: number): [number, number] {
  const nl = Math.max(l, pt);
  return [nl, nl === l ? c + 1 : 0];
}
export function hlcReceive(l: number, c: number, ml: number, mc: number, pt: number): [number, number] {
  const nl = Math.max(l, ml, pt);
  if (nl === l && nl === ml) return [nl, Math.max(c, mc) + 1];
  if (nl === l) return [nl, c + 1];
  if (nl === ml) return [nl, mc + 1];
  return [nl, 0];
}

function lwwMachine(p: LwwParams, variant: string): Machine<LwwState, LwwAction> {
  const replicas = Array.from({ length: p.replicas }, (_, i) => i);
  const stamping: Stamping =
    variant === 'physical-clock' || variant === 'no-tie-break' ? 'physical' : variant === 'lamport-clock' ? 'lamport' : 'hlc';
  const tieBreak = variant !== 'no-tie-break';
  const useContext = variant !== 'hlc-no-context';
  const pt = (s: LwwState, r: number): number => now(s, replicaName(r));
  const clocks: ClockConfig = {
    nodes: replicas.map(replicaName),
    horizon: p.ticks,
    ahead: p.skew,
    behind: p.behind,
    faults: p.clockFaults,
    // The faults: a clock that skews ahead or steps back one tick, or one that stalls while real time goes on.
    skew: p.clockFault === 'skew-or-jump',
    jumps: p.clockFault === 'skew-or-jump' ? [1] : [],
    stall: p.clockFault === 'stall',
  };

  /** Does write a win over write b (both distinct)? (l, c), then replica id, then the replica's own order. */
  const wins = (s: LwwState, a: number, b: number): boolean => {
    const x = s.writes[a];
    const y = s.writes[b];
    if (x.l !== y.l) return x.l > y.l;
    if (x.c !== y.c) return x.c > y.c;
    if (!tieBreak) return false;
    if (x.r !== y.r) return x.r > y.r;
    return a > b;
  };
  const apply = (s: LwwState, r: number, w: number): LwwState['holds'] => {
    const h = s.holds[r];
    return h === null || wins(s, w, h) ? replaceAt(s.holds, r, w) : s.holds;
  };

  const write = (s: LwwState, r: number, read: number | null): LwwState => {
    const clock = pt(s, r);
    const ctx = read === null || !useContext ? null : s.writes[read];
    let l = clock;
    let c = 0;
    let hl = s.hl;
    let hc = s.hc;
    if (stamping === 'hlc') {
      [l, c] = ctx === null ? hlcLocal(s.hl[r], s.hc[r], clock) : hlcReceive(s.hl[r], s.hc[r], ctx.l, ctx.c, clock);
      hl = replaceAt(hl, r, l);
      hc = replaceAt(hc, r, c);
    } else if (stamping === 'lamport') {
      l = Math.max(s.hl[r], ctx === null ? 0 : ctx.l) + 1;
      hl = replaceAt(hl, r, l);
    }
    const past = read === null ? [] : [...new Set([read, ...s.writes[read].past])].sort((a, b) => a - b);
    const id = s.writes.length;
    const writes = [...s.writes, { r, rt: trueTime(s.clocks), pt: clock, l, c, past }];
    const next = { ...s, hl, hc, writes };
    return {
      ...next,
      holds: apply(next, r, id),
      pending: s.pending.map((ws, q) => (q === r ? ws : setAdd(ws, id))),
    };
  };

  const replicate = (s: LwwState, w: number, r: number): LwwState => {
    const x = s.writes[w];
    let hl = s.hl;
    let hc = s.hc;
    if (stamping === 'hlc') {
      const [l, c] = hlcReceive(s.hl[r], s.hc[r], x.l, x.c, pt(s, r));
      hl = replaceAt(hl, r, l);
      hc = replaceAt(hc, r, c);
    } else if (stamping === 'lamport') {
      hl = replaceAt(hl, r, Math.max(s.hl[r], x.l));
    }
    return {
      ...s,
      hl,
      hc,
      holds: apply(s, r, w),
      pending: replaceAt(s.pending, r, setRemove(s.pending[r], w)),
    };
  };

  const actions = (s: LwwState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    if (s.writes.length < p.writes) {
      for (const r of replicas) out.push({ name: 'Write', r });
      for (const from of replicas) {
        if (s.holds[from] === null) continue;
        for (const r of replicas) out.push({ name: 'ReadThenWrite', from, r });
      }
    }
    for (const r of replicas) for (const w of s.pending[r]) out.push({ name: 'Replicate', w, r });
    return out;
  };

  const next = (s: LwwState, a: ProtocolAction): LwwState => {
    switch (a.name) {
      case 'Write':
        return write(s, a.r, null);
      case 'ReadThenWrite':
        return write(s, a.r, s.holds[a.from]);
      case 'Replicate':
        return replicate(s, a.w, a.r);
    }
  };

  /** Writes replica r has seen: every write except those still on their way to it. */
  const seen = (s: LwwState, r: number): number[] => s.writes.map((_, w) => w).filter((w) => !s.pending[r].has(w));
  const lostTo = (s: LwwState, after: (held: number, other: number) => boolean): boolean =>
    replicas.some((r) => {
      const h = s.holds[r];
      return h !== null && seen(s, r).some((w) => w !== h && after(h, w));
    });

  const properties: Property<LwwState, LwwAction>[] = [
    {
      kind: 'always',
      name: 'realTimeOrderWins',
      description: 'No replica holds a write once it has seen a write that started in a later tick (after the first was acknowledged).',
      holds: (s) => !lostTo(s, (h, w) => s.writes[h].rt < s.writes[w].rt),
    },
    {
      kind: 'always',
      name: 'causalWriteWins',
      description: 'No replica holds a write once it has seen a write whose client read it (directly or through a chain of reads).',
      holds: (s) => !lostTo(s, (h, w) => s.writes[w].past.includes(h)),
    },
    {
      kind: 'always',
      name: 'converges',
      description: 'Once every write has reached every replica, all replicas hold the same write.',
      holds: (s) => !s.pending.every((ws) => ws.size === 0) || s.holds.every((h) => h === s.holds[0]),
    },
    {
      kind: 'always',
      name: 'clockWithinSkew',
      description:
        "A replica's logical clock l never runs more than ε = δ + β ahead of its physical clock (Kulkarni et al.: l − pt ≤ ε, ε the clocks' uncertainty).",
      holds: (s) => replicas.every((r) => s.hl[r] - pt(s, r) <= p.skew + p.behind),
    },
    {
      kind: 'sometimes',
      name: 'causalWinsDespiteSkew',
      description: 'A replica holds a write that causally follows a write stamped with a later physical clock reading.',
      holds: (s) =>
        replicas.some((r) => {
          const h = s.holds[r];
          return h !== null && s.writes[h].past.some((w) => s.writes[w].pt > s.writes[h].pt && !s.pending[r].has(w));
        }),
    },
    {
      kind: 'sometimes',
      name: 'overwrittenEverywhere',
      description: 'Every write has reached every replica and at least two writes were made.',
      holds: (s) => s.writes.length >= 2 && s.pending.every((ws) => ws.size === 0),
    },
  ];

  return withClocks(clocks, {
    init: [
      {
        clocks: initialClocks(clocks),
        hl: replicas.map(() => 0),
        hc: replicas.map(() => 0),
        writes: [],
        holds: replicas.map(() => null),
        pending: replicas.map(() => new Set<number>()),
      },
    ],
    actions,
    next,
    properties,
    actionNames: ['Write', 'ReadThenWrite', 'Replicate'],
    ...presentation(replicas, stamping),
  });
}

// Presentation: action labels, sequence-diagram events and the trace view of a state.

const replicaName = (r: number): string => `R${r + 1}`;

function presentation(
  replicas: readonly number[],
  stamping: Stamping,
): Pick<ClockedMachine<LwwState, ProtocolAction>, 'formatAction' | 'actors' | 'view' | 'display'> {
  const name = replicaName;
  const wname = (w: number): string => `w${w + 1}`;
  const ts = (x: WriteRecord): string => (stamping === 'hlc' ? `${x.l}.${x.c}` : String(x.l));

  return {
    formatAction: (a) => {
      switch (a.name) {
        case 'Write':
          return `${a.name}(${name(a.r)})`;
        case 'ReadThenWrite':
          return `ReadThenWrite(${name(a.from)}, ${name(a.r)})`;
        case 'Replicate':
          return `Replicate(${wname(a.w)}, ${name(a.r)})`;
      }
    },
    actors: replicas.map(name),
    view: (from, a, to) => {
      switch (a.name) {
        case 'Write':
        case 'ReadThenWrite': {
          const x = to.writes[to.writes.length - 1];
          const read = a.name === 'ReadThenWrite' ? `after reading ${wname(from.holds[a.from]!)} at ${name(a.from)}, ` : '';
          return [
            {
              type: 'note',
              over: name(a.r),
              text: `${read}${wname(to.writes.length - 1)} stamped ${ts(x)} (clock ${x.pt}, time ${x.rt}), holds ${wname(to.holds[a.r]!)}`,
            },
          ];
        }
        case 'Replicate':
          return [
            {
              type: 'message',
              from: name(from.writes[a.w].r),
              to: name(a.r),
              label: `${wname(a.w)} @ ${ts(from.writes[a.w])}: holds ${to.holds[a.r] === null ? '-' : wname(to.holds[a.r]!)}`,
            },
          ];
      }
    },
    display: (s) => ({
      clocks: formatClocks(s.clocks),
      ...(stamping === 'physical'
        ? {}
        : { logical: replicas.map((r) => `${name(r)}: l ${s.hl[r]}${stamping === 'hlc' ? `, c ${s.hc[r]}` : ''}`).join(', ') }),
      writes: s.writes
        .map((x, w) => `${wname(w)}@${name(x.r)} t${x.rt} ts ${ts(x)}${x.past.length ? ` after ${x.past.map(wname).join('+')}` : ''}`)
        .join('; '),
      holds: replicas.map((r) => `${name(r)}: ${s.holds[r] === null ? '-' : wname(s.holds[r]!)}`).join(', '),
      inFlight: replicas.flatMap((r) => [...s.pending[r]].map((w) => `${wname(w)}→${name(r)}`)).join(', '),
    }),
  };
}

// Configurations and variants.

const variants: readonly Variant[] = [
  {
    name: 'correct',
    description:
      "Hybrid logical clocks: a write is stamped max(l, pt, the timestamp its client read) with Kulkarni's counter c; replication merges clocks too.",
  },
  {
    name: 'physical-clock',
    description: 'Writes are stamped with the replica physical clock; ties broken by replica id.',
    breaks: 'realTimeOrderWins',
  },
  {
    name: 'no-tie-break',
    description: 'Physical clocks, and a replica replaces its write only on a strictly larger timestamp (ties keep what it has).',
    breaks: 'converges',
  },
  {
    name: 'hlc-no-context',
    description: 'HLC, but the client does not send the timestamp it read with its write.',
    breaks: 'causalWriteWins',
  },
  {
    name: 'lamport-clock',
    description: 'Lamport counters instead of HLC: causal order holds, but timestamps drift away from physical time.',
    breaks: 'clockWithinSkew',
  },
];

export const lastWriteWins = defineModel({
  id: 'last-write-wins',
  title: 'Last-write-wins under clock skew, and hybrid logical clocks',
  source: "The seed's Versioning of Data (timestamps); Kulkarni et al., Logical Physical Clocks (OPODIS 2014)",
  scope:
    'Replicas of one LWW register; writes stamped and acknowledged at one replica, replicated in any order; clocks skewed up to δ ahead and stepped back, or stalled up to β behind (the synchronized clocks of src/model/clocks.ts).',
  params: {
    replicas: { type: 'int', default: 2, min: 1, max: 3, description: 'replicas of the register' },
    writes: { type: 'int', default: 2, min: 1, max: 4, description: 'writes in total' },
    ticks: { type: 'int', default: 2, min: 0, max: 5, description: 'real-time ticks' },
    ...clockParams({
      skew: { max: 3, default: 1, description: 'δ: the most a clock may run ahead of real time' },
      clockFaults: { max: 4, default: 2, description: 'clock faults (of the kind clockFault names)' },
    }),
    behind: { type: 'int', default: 0, min: 0, max: 2, description: 'β: the most a clock may fall behind real time (a stalled or stepped-back clock)' },
    clockFault: {
      type: 'enum',
      default: 'skew-or-jump',
      values: ['skew-or-jump', 'stall'],
      description: 'what a clock fault is: a skew ahead or a step back of one tick, or a stall (the clock stops while real time goes on, as in a paused VM)',
    },
  },
  variants,
  configurations: [
    {
      name: 'hlc',
      description: 'HLC keeps causal order and stays within δ of physical time, but cannot order writes that did not communicate.',
      variant: 'correct',
      expect: { violates: 'realTimeOrderWins', holds: ['causalWriteWins', 'converges', 'clockWithinSkew'] },
    },
    {
      name: 'physical-skew1',
      description: 'A replica whose clock runs one tick ahead stamps an earlier write with a later timestamp: the later write is lost.',
      variant: 'physical-clock',
    },
    {
      name: 'physical-perfect-clocks',
      description:
        'With perfect clocks and a tie-break on replica id, real-time order holds; a read-then-write in the same tick can still lose to what it read.',
      variant: 'physical-clock',
      params: { skew: 0, clockFaults: 0, writes: 3, ticks: 3 },
      expect: { violates: 'causalWriteWins', holds: ['realTimeOrderWins', 'converges', 'clockWithinSkew'] },
    },
    {
      name: 'physical-stall',
      description:
        "A replica's clock stalls and falls a tick behind real time: its write, made a tick after another replica's was acknowledged, carries no later a timestamp and loses (ties go by replica id).",
      variant: 'physical-clock',
      params: { skew: 0, behind: 1, clockFault: 'stall', clockFaults: 1, ticks: 3 },
    },
    {
      name: 'hlc-stall',
      description:
        'The same stalled clock under HLC: l runs ahead of the stalled physical clock by at most ε = δ + β, causal order and convergence hold; real-time order between writes that did not communicate is still not kept.',
      variant: 'correct',
      params: { skew: 0, behind: 1, clockFault: 'stall', clockFaults: 1, ticks: 3 },
      expect: { violates: 'realTimeOrderWins', holds: ['causalWriteWins', 'converges', 'clockWithinSkew'] },
    },
    { name: 'no-tie-break', variant: 'no-tie-break', params: { skew: 0, clockFaults: 0 } },
    { name: 'hlc-no-context', variant: 'hlc-no-context' },
    { name: 'lamport-clock', variant: 'lamport-clock' },
    {
      name: 'hlc-3-replicas-random',
      description: 'Random walks over three replicas, four writes and δ = 2.',
      variant: 'correct',
      params: { replicas: 3, writes: 4, ticks: 5, skew: 2, clockFaults: 4 },
      strategy: 'random',
      seed: 12,
      runs: 600,
      walkLength: 40,
      expect: { violates: 'realTimeOrderWins', holds: ['causalWriteWins', 'converges', 'clockWithinSkew'] },
    },
  ],
  machine: (params, variant) => lwwMachine(params, variant),
});
