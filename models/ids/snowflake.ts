// Snowflake IDs: sign 0 | 41-bit milliseconds since the epoch | 5-bit datacenter | 5-bit worker | 12-bit sequence.
// Source: the seed's 分布式ID section; Twitter Snowflake (epoch 1288834974657); Meituan Leaf's snowflake mode
// (wait when the clock is at most 5 ms behind, refuse beyond; last timestamp persisted, checked at start-up).
// Scope: workers with injected clocks that tick, stall, jump back a little (2 ms) or a lot (7 ms), and restart.
// The clocks are the free-running clocks of src/model/clocks.ts (each worker's clock ticks on its own, so a
// clock that does not tick is a stall; `ClockJumpBack(W, 2)` and `ClockJumpBack(W, 7)` are the rollbacks).
// The model uses the real encoder but a narrow sequence (`seqBits`), so sequence exhaustion is reachable.
// Properties: global uniqueness across workers and restarts, strict increase per worker, field bounds and
// decode(encode(x)) = x on every issued id (safety).
import { initialClocks, now, withClocks, type ClockAction, type ClockConfig, type ClockState } from '../../src/model/clocks';
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { actionInstances, replaceAt } from '../../src/model/plain';

export const TWITTER_EPOCH = 1288834974657n;
const TIMESTAMP_BITS = 41n;
const DATACENTER_BITS = 5n;
const WORKER_BITS = 5n;
const SEQUENCE_BITS = 12n;

export interface SnowflakeFields {
  /** Unix milliseconds. */
  readonly timestamp: number;
  readonly datacenterId: number;
  readonly workerId: number;
  readonly sequence: number;
}

function checkField(name: string, value: number, bits: bigint): bigint {
  if (!Number.isSafeInteger(value) || value < 0 || BigInt(value) >= 1n << bits) {
    throw new RangeError(`${name} must be an integer in [0, ${(1n << bits) - 1n}], got ${value}`);
  }
  return BigInt(value);
}

export function encodeSnowflake(fields: SnowflakeFields, epoch: bigint = TWITTER_EPOCH): bigint {
  if (!Number.isSafeInteger(fields.timestamp)) throw new RangeError(`timestamp must be an integer, got ${fields.timestamp}`);
  const offset = BigInt(fields.timestamp) - epoch;
  if (offset < 0n || offset >= 1n << TIMESTAMP_BITS)
    throw new RangeError(`timestamp ${fields.timestamp} is outside the 41-bit range after the epoch`);
  const dc = checkField('datacenterId', fields.datacenterId, DATACENTER_BITS);
  const worker = checkField('workerId', fields.workerId, WORKER_BITS);
  const seq = checkField('sequence', fields.sequence, SEQUENCE_BITS);
  return (
    (offset << (DATACENTER_BITS + WORKER_BITS + SEQUENCE_BITS)) | (dc << (WORKER_BITS + SEQUENCE_BITS)) | (worker << SEQUENCE_BITS) | seq
  );
}

export function decodeSnowflake(id: bigint, epoch: bigint = TWITTER_EPOCH): SnowflakeFields {
  if (id < 0n || id >= 1n << 63n) throw new RangeError(`a Snowflake id is a non-negative 63-bit integer, got ${id}`);
  const mask = (bits: bigint): bigint => (1n << bits) - 1n;
  return {
    timestamp: Number((id >> (DATACENTER_BITS + WORKER_BITS + SEQUENCE_BITS)) + epoch),
    datacenterId: Number((id >> (WORKER_BITS + SEQUENCE_BITS)) & mask(DATACENTER_BITS)),
    workerId: Number((id >> SEQUENCE_BITS) & mask(WORKER_BITS)),
    sequence: Number(id & mask(SEQUENCE_BITS)),
  };
}

/** The rollback a Leaf worker waits out instead of refusing. */
export const LEAF_MAX_WAIT_MS = 5;
export const SMALL_ROLLBACK_MS = 2;
export const LARGE_ROLLBACK_MS = 7;
/** Model clocks start here (milliseconds after the epoch) and tick up to `start + ticks`. */
export const CLOCK_START = 10;

export type Policy = 'refuse' | 'leaf';

/** What a worker does when asked for an id: issue one with this timestamp and sequence, wait, or refuse. */
export type Decision =
  { readonly kind: 'issue'; readonly ts: number; readonly seq: number } | { readonly kind: 'wait' } | { readonly kind: 'refuse' };

/** The generation rule, shared by the model and the generator class in impl/. */
export function decide(now: number, lastTs: number, seq: number, seqMax: number, policy: Policy, ignoreRollback = false): Decision {
  if (now < lastTs && !ignoreRollback) {
    return policy === 'leaf' && lastTs - now <= LEAF_MAX_WAIT_MS ? { kind: 'wait' } : { kind: 'refuse' };
  }
  if (now === lastTs) return seq < seqMax ? { kind: 'issue', ts: now, seq: seq + 1 } : { kind: 'wait' };
  return { kind: 'issue', ts: now, seq: 0 };
}

export interface SnowflakeState {
  /** Each worker's clock (W1, W2, …), free-running; the rollbacks left in the budget. */
  readonly clocks: ClockState;
  /** Durable per worker (persisted, as Leaf does in ZooKeeper): the last timestamp used. */
  readonly lastTs: readonly number[];
  /** Volatile: the sequence within lastTs. */
  readonly seq: readonly number[];
  /** Ids issued so far, as decimal strings, sorted (a multiset: a duplicate shows twice). */
  readonly issued: readonly string[];
  /** History: the last id each worker issued, and whether a worker ever issued a smaller or equal one after it. */
  readonly lastId: readonly string[];
  readonly nonMonotonic: boolean;
  readonly refused: boolean;
  /** History: a refusal happened although the clock was at most 5 ms behind. */
  readonly refusedSmall: boolean;
  readonly restartsLeft: number;
}

type WStep = 'NextId' | 'Wait' | 'Refuse' | 'Restart';
type WorkerAction = { readonly name: WStep; readonly w: number };
export type SnowflakeAction = WorkerAction | ClockAction;

/** A worker's name (and its clock's): W1, W2, … */
export const workerName = (w: number): string => `W${w + 1}`;

function snowflakeMachine(
  p: { workers: number; seqBits: number; maxIds: number; ticks: number; policy: Policy; rollbacks: number; restarts: number },
  variant: string,
): Machine<SnowflakeState, SnowflakeAction> {
  const ids = Array.from({ length: p.workers }, (_, i) => i);
  const seqMax = (1 << p.seqBits) - 1;
  const workerId = (w: number): number => (variant === 'worker-id-reused' ? 0 : w);
  const ignoreRollback = variant === 'rollback-ignored';
  const clocks: ClockConfig = {
    nodes: ids.map(workerName),
    mode: 'free',
    start: CLOCK_START,
    horizon: CLOCK_START + p.ticks,
    faults: p.rollbacks,
    jumps: [SMALL_ROLLBACK_MS, LARGE_ROLLBACK_MS],
  };
  const clock = (s: SnowflakeState, w: number): number => now(s, workerName(w));
  const act = actionInstances<WStep, 'w'>('w');
  const idOf = (w: number, ts: number, seq: number): bigint =>
    encodeSnowflake({ timestamp: Number(TWITTER_EPOCH) + ts, datacenterId: 0, workerId: workerId(w), sequence: seq });

  const actions = (s: SnowflakeState): WorkerAction[] => {
    const out: WorkerAction[] = [];
    for (const w of ids) {
      const d = decide(clock(s, w), s.lastTs[w], s.seq[w], seqMax, p.policy, ignoreRollback);
      if (d.kind === 'issue' && s.issued.length < p.maxIds) out.push(act('NextId', w));
      if (d.kind === 'refuse') out.push(act('Refuse', w));
      // Asking for an id and being told to wait changes nothing: a stutter, kept so that tests of a real
      // generator ask in every state.
      if (d.kind === 'wait') out.push(act('Wait', w));
      if (s.restartsLeft > 0) out.push(act('Restart', w));
    }
    return out;
  };

  const next = (s: SnowflakeState, a: WorkerAction): SnowflakeState => {
    const w = a.w;
    switch (a.name) {
      case 'NextId': {
        const d = decide(clock(s, w), s.lastTs[w], s.seq[w], seqMax, p.policy, ignoreRollback) as { ts: number; seq: number };
        const id = idOf(w, d.ts, d.seq);
        const prev = s.lastId[w];
        return {
          ...s,
          lastTs: replaceAt(s.lastTs, w, d.ts),
          seq: replaceAt(s.seq, w, d.seq),
          issued: [...s.issued, id.toString()].sort(),
          lastId: replaceAt(s.lastId, w, id.toString()),
          nonMonotonic: s.nonMonotonic || (prev !== '' && id <= BigInt(prev)),
        };
      }
      case 'Wait':
        return s;
      case 'Refuse':
        return { ...s, refused: true, refusedSmall: s.refusedSmall || s.lastTs[w] - clock(s, w) <= LEAF_MAX_WAIT_MS };
      case 'Restart':
        // The sequence is volatile: after a restart the worker cannot know which numbers it used within
        // lastTs, so it treats that millisecond as exhausted and waits for the next one.
        return { ...s, seq: replaceAt(s.seq, w, seqMax), restartsLeft: s.restartsLeft - 1 };
    }
  };

  const properties: Property<SnowflakeState, SnowflakeAction>[] = [
    {
      kind: 'always',
      name: 'unique',
      description: 'No id is ever issued twice, across workers and restarts.',
      holds: (s) => s.issued.every((id, i) => i === 0 || s.issued[i - 1] !== id),
    },
    {
      kind: 'always',
      name: 'increasingPerWorker',
      description: 'Each worker issues strictly increasing ids.',
      holds: (s) => !s.nonMonotonic,
    },
    {
      kind: 'always',
      name: 'fieldsRoundTrip',
      description: 'Every issued id decodes to in-range fields that encode back to the same id.',
      holds: (s) => s.issued.every((x) => encodeSnowflake(decodeSnowflake(BigInt(x))).toString() === x),
    },
    {
      kind: 'sometimes',
      name: 'sequenceExhausted',
      description: 'A worker used up its sequence within one millisecond.',
      holds: (s) => s.seq.some((q, w) => q === seqMax && clock(s, w) === s.lastTs[w]),
    },
    {
      kind: 'sometimes',
      name: 'clockBehind',
      description: "A worker's clock is behind its last timestamp.",
      holds: (s) => ids.some((w) => clock(s, w) < s.lastTs[w]),
    },
    { kind: 'sometimes', name: 'refused', description: 'A worker refused to issue an id.', holds: (s) => s.refused },
  ];
  if (p.policy === 'leaf') {
    properties.push({
      kind: 'always',
      name: 'waitsOnSmallRollback',
      description: 'Leaf never refuses when the clock is at most 5 ms behind; it waits.',
      holds: (s) => !s.refusedSmall,
    });
  }
  if (p.restarts > 0)
    properties.push({
      kind: 'sometimes',
      name: 'issuedAfterRestart',
      description: 'A worker issued an id after restarting.',
      holds: (s) => s.restartsLeft === 0 && s.issued.length === p.maxIds,
    });

  return withClocks(clocks, {
    init: [
      {
        clocks: initialClocks(clocks),
        lastTs: ids.map(() => -1),
        seq: ids.map(() => 0),
        issued: [],
        lastId: ids.map(() => ''),
        nonMonotonic: false,
        refused: false,
        refusedSmall: false,
        restartsLeft: p.restarts,
      },
    ],
    actions,
    next,
    properties,
    actionNames: ['NextId', 'Wait', 'Refuse', ...(p.restarts > 0 ? ['Restart'] : [])],
    formatAction: (a) => `${a.name}(${workerName(a.w)})`,
    actors: ids.map(workerName),
    view: (_from, a, to) => {
      const w = a.w;
      const who = workerName(w);
      if (a.name === 'NextId') {
        const d = decodeSnowflake(BigInt(to.lastId[w]));
        return [
          {
            type: 'note',
            over: who,
            text: `issues ${to.lastId[w]} (t=${d.timestamp - Number(TWITTER_EPOCH)}, worker ${d.workerId}, seq ${d.sequence})`,
          },
        ];
      }
      const text = { Refuse: 'refuses: clock moved backwards', Wait: 'waits for its clock', Restart: 'restarts' } as Record<string, string>;
      return [{ type: 'note', over: who, text: text[a.name] }];
    },
  });
}

// Configurations and variants.

const variants: readonly Variant[] = [
  { name: 'correct', description: 'Workers with distinct ids that never issue with a clock behind their last timestamp.' },
  {
    name: 'rollback-ignored',
    description: 'A worker whose clock jumped back issues ids anyway, restarting its sequence.',
    breaks: 'unique',
  },
  { name: 'worker-id-reused', description: "A bad deploy gives the second worker the first one's worker id.", breaks: 'unique' },
];

export const snowflake = defineModel({
  id: 'snowflake',
  title: 'Snowflake ids under clock faults',
  source: "The seed's 分布式ID section; Twitter Snowflake; Meituan Leaf snowflake mode",
  scope:
    'Workers with injected clocks (ticks, stalls, small and large rollbacks, restarts); a narrow sequence so that exhaustion is reachable.',
  params: {
    workers: { type: 'int', default: 2, min: 1, max: 3, description: 'number of workers' },
    seqBits: { type: 'int', default: 1, min: 1, max: 12, description: 'sequence bits used by the model (12 in the real layout)' },
    maxIds: { type: 'int', default: 3, min: 1, max: 8, description: 'ids issued per run' },
    ticks: { type: 'int', default: 2, min: 1, max: 10, description: 'clock ticks per worker' },
    policy: {
      type: 'enum',
      default: 'refuse',
      values: ['refuse', 'leaf'],
      description: 'on a clock behind the last timestamp: refuse (Twitter), or wait if ≤ 5 ms (Leaf)',
    },
    rollbacks: { type: 'int', default: 1, min: 0, max: 2, budget: true, description: 'at most this many clock rollbacks' },
    restarts: { type: 'int', default: 0, min: 0, max: 2, budget: true, description: 'at most this many worker restarts' },
  },
  variants,
  configurations: [
    { name: 'refuse', variant: 'correct', params: { policy: 'refuse', rollbacks: 1, restarts: 1 } },
    { name: 'leaf', variant: 'correct', params: { policy: 'leaf', rollbacks: 1, restarts: 1 } },
    // Random walks read the enabled actions by index and mute them by name, so their figures follow the action
    // list: since the clocks moved to src/model/clocks.ts (clock steps after the workers' steps; one name,
    // ClockJumpBack, for both rollback sizes) this configuration walks 8,711 distinct states (depth 60) where it
    // walked 9,018 (depth 67). The exhaustive configurations' counts and traces are unchanged.
    {
      name: 'leaf-random',
      variant: 'correct',
      params: { policy: 'leaf', workers: 3, seqBits: 2, maxIds: 8, ticks: 10, rollbacks: 2, restarts: 2 },
      strategy: 'random',
      seed: 3,
      runs: 300,
      walkLength: 80,
    },
    { name: 'rollback-ignored', variant: 'rollback-ignored', params: { policy: 'refuse', workers: 1, rollbacks: 1 } },
    { name: 'worker-id-reused', variant: 'worker-id-reused', params: { policy: 'refuse', rollbacks: 0 } },
  ],
  machine: (params, variant) =>
    snowflakeMachine(
      {
        workers: params.workers,
        seqBits: params.seqBits,
        maxIds: params.maxIds,
        ticks: params.ticks,
        policy: params.policy,
        rollbacks: params.rollbacks,
        restarts: params.restarts,
      },
      variant,
    ),
});
