// Linearizability of recorded histories (Herlihy & Wing 1990), decided by Wing & Gong's search with Lowe's
// memoisation, as in Porcupine and Knossos' `linear`:
// - the operations' call and return events form a doubly linked list in real-time order; the search walks it,
//   linearizes a call whose step the sequential specification accepts (lifting the call and its return out of
//   the list), and backtracks when it meets a return whose call it has not linearized;
// - a cache of (linearized set, state) pairs it has already been in prunes the search (Lowe). The set is a
//   bitset, its hash is kept incrementally as the XOR of per-operation random words (Zobrist), and states are
//   interned to small integers by the specification's `key`, so the cache is keyed by one integer;
// - an operation that ended in `info` has no return event: it may be linearized at any point after its
//   invoke, and leaving it out ("never took effect") is the same as placing it last, so the search succeeds
//   once every `ok` operation is placed. An `info` of a read-only operation is dropped up front. A `fail`
//   did not take effect and is dropped;
// - P-compositionality: with keys, each key's sub-history is checked on its own.
// When a history is not linearizable the checker explains it: the longest linearizable prefix of the history
// (found by bisection, as linearizability is prefix-closed), then, on the shortest prefix that is not, the
// longest partial linearization the search reached, the operation it could not place next, and the
// operations concurrent with that one.
import { getHeapStatistics } from 'node:v8';
import { splitByKey, type HistorySchema, type OpKey, type Operation } from './history';

export type Scalar = number | string | null;

export interface OperationInput {
  readonly f: string;
  readonly value: unknown;
}

/**
 * A sequential specification, in Porcupine's shape: an initial state and a step function that says whether an
 * operation with this input and output is legal in a state, and the state after it. `output` is undefined when
 * the outcome is unknown (info): any outcome is then allowed. States are compared by `key`, a primitive.
 */
export interface SequentialSpec<S> extends HistorySchema {
  readonly init: () => S;
  readonly step: (state: S, input: OperationInput, output: unknown) => { readonly ok: boolean; readonly state: S };
  readonly key: (state: S) => string | number | boolean | null;
  /**
   * Whether the operation leaves the state unchanged whenever it is legal: a read, or a cas that returned
   * false. With an unknown output (undefined) such an operation can be left out of the history altogether.
   */
  readonly readOnly: (input: OperationInput, output: unknown) => boolean;
  readonly describeOperation: (op: Operation) => string;
  readonly describeState: (state: S) => string;
  /** The state holding a value given by the user (--init), when it is not the value itself. */
  readonly initWith?: (value: unknown) => S;
  /** When given, states with the same key are told apart by it (a key may then be a coarse hash). */
  readonly equal?: (a: S, b: S) => boolean;
  /** Independent sub-histories (Porcupine's Partition); without it, one per key. */
  readonly partition?: (ops: readonly Operation[]) => readonly (readonly Operation[])[];
}

const isValue = (v: unknown): v is number | string => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string';
const repeatsInput = (f: string, value: unknown, input: unknown): string | undefined =>
  value === null || value === input ? undefined : `the ok of a ${f} must repeat the value it wrote, or have none`;
const show = (v: unknown): string => (v === undefined ? '?' : JSON.stringify(v));

/** The register's reads and writes; cas when `withCas`. Initial value null (never written). */
function registerSpec(withCas: boolean): SequentialSpec<Scalar> {
  return {
    name: withCas ? 'cas-register' : 'register',
    operations: withCas ? ['read', 'write', 'cas'] : ['read', 'write'],
    readOnly: ({ f }, output) => f === 'read' || (f === 'cas' && output === false),
    // Jepsen: a read's invoke may carry a value (ignored), and an ok cas repeats [old new] (it swapped).
    normalize: (f, type, value, input) =>
      f === 'read' && type === 'invoke'
        ? null
        : f === 'cas' && type === 'ok' && JSON.stringify(value) === JSON.stringify(input)
          ? true
          : value,
    checkValue: (f, type, value, input) => {
      if (f === 'read')
        return type === 'invoke'
          ? value === null
            ? undefined
            : "a read's invoke value must be null"
          : value === null || isValue(value)
            ? undefined
            : 'a read must return a number, a string or null';
      if (f === 'write')
        return type === 'invoke' ? (isValue(value) ? undefined : 'a write needs a number or a string') : repeatsInput(f, value, input);
      if (type === 'invoke')
        return Array.isArray(value) && value.length === 2 && (value[0] === null || isValue(value[0])) && isValue(value[1])
          ? undefined
          : 'a cas needs [expected, new]';
      return typeof value === 'boolean'
        ? undefined
        : 'a cas must return true (it swapped), false (the compare did not match) or repeat its [expected, new] (Jepsen: it swapped)';
    },
    init: () => null,
    step: (state, { f, value }, output) => {
      if (f === 'read') return { ok: output === undefined || output === state, state };
      if (f === 'write') return { ok: true, state: value as Scalar };
      const [expected, next] = value as [Scalar, Scalar];
      const swaps = state === expected;
      return { ok: output === undefined || output === swaps, state: swaps ? next : state };
    },
    key: (state) => state,
    describeOperation: (op) => {
      if (op.f === 'read') return `read → ${show(op.output)}`;
      if (op.f === 'write') return `write ${show(op.input)}`;
      const [expected, next] = op.input as [Scalar, Scalar];
      return `cas ${show(expected)}→${show(next)} ${op.output === undefined ? '?' : op.output ? '✓' : '✗'}`;
    },
    describeState: (state) => JSON.stringify(state),
  };
}

/**
 * A kv value with a polynomial hash kept as it grows. Appends make states long strings, and interning a
 * fresh string by itself hashes it whole (V8 flattens the concatenation first): a profile of a 50-client history
 * spent more than half its time there. The hash is updated in O(length of the appended part); states with
 * equal hashes are still compared as strings (`equal`), so a collision costs a comparison, never a wrong merge.
 */
interface KvValue {
  readonly s: string;
  readonly h: number;
}

function kvValue(s: string): KvValue {
  return kvAppend({ s: '', h: 0 }, s);
}

function kvAppend(v: KvValue, t: string): KvValue {
  let h = v.h;
  for (let i = 0; i < t.length; i++) h = (Math.imul(h, 0x01000193) + t.charCodeAt(i) + 1) | 0;
  return { s: v.s + t, h };
}

/** A string per key: get, put, append. Initial value "". */
const kvSpec: SequentialSpec<KvValue> = {
  name: 'kv',
  operations: ['get', 'put', 'append'],
  readOnly: ({ f }) => f === 'get',
  normalize: (f, type, value) => (f === 'get' && type === 'invoke' ? null : value),
  checkValue: (f, type, value, input) => {
    if (f === 'get')
      return type === 'invoke'
        ? value === null
          ? undefined
          : "a get's invoke value must be null"
        : typeof value === 'string'
          ? undefined
          : 'a get must return a string';
    return type === 'invoke' ? (typeof value === 'string' ? undefined : `a ${f} needs a string`) : repeatsInput(f, value, input);
  },
  init: () => kvValue(''),
  initWith: (value) => kvValue(value as string),
  step: (state, { f, value }, output) => {
    if (f === 'get') return { ok: output === undefined || output === state.s, state };
    return { ok: true, state: f === 'put' ? kvValue(value as string) : kvAppend(state, value as string) };
  },
  // A small integer (V8 keeps it unboxed): 30 bits of the hash; `equal` tells apart what collides.
  key: (state) => state.h & 0x3fffffff,
  equal: (a, b) => a.s.length === b.s.length && a.s === b.s,
  describeOperation: (op) => (op.f === 'get' ? `get → ${show(op.output)}` : `${op.f} ${show(op.input)}`),
  describeState: (state) => JSON.stringify(state.s),
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySpec = SequentialSpec<any>;

/** A built-in specification with another initial value (--init), or why the value does not fit it. */
export function withInitial(spec: AnySpec, value: unknown): AnySpec | string {
  const fits = spec.name === 'kv' ? typeof value === 'string' : value === null || isValue(value);
  if (!fits)
    return spec.name === 'kv'
      ? 'the initial value of kv must be a string'
      : `the initial value of ${spec.name} must be a number, a string or null`;
  return { ...spec, init: () => (spec.initWith ? spec.initWith(value) : value) };
}

export const SPECS: Readonly<Record<string, AnySpec>> = {
  register: registerSpec(false),
  'cas-register': registerSpec(true),
  kv: kvSpec,
};

// ---------------------------------------------------------------------------------------------------------
// The search

/** Thrown when a limit is reached (time, or memory); caught by the checker. */
class Limit extends Error {
  constructor(
    readonly kind: 'time' | 'memory',
    message: string,
  ) {
    super(message);
  }
}

/** Steps a search runs before the checker looks at the clock, its memory, and the other keys' searches. */
const SLICE = 1 << 13;

/**
 * The furthest the search got: the partial linearization that placed every operation returning before the
 * latest return R (then the longest such), and the operation of R, which it could not place.
 */
interface Frontier {
  /** Indices (into the searched operations) of the partial linearization, in order. */
  readonly order: readonly number[];
  /** The state after each of them; states[0] is the initial state. */
  readonly states: readonly unknown[];
  /** The operation whose return the search met without being able to place it, and the time of that return. */
  readonly stuck: number;
  readonly stuckAt: number;
}

type SearchResult =
  { readonly linearizable: true; readonly order: readonly number[] } | { readonly linearizable: false; readonly frontier: Frontier };

/** A search that runs in slices, so that several keys' searches can take turns (see checkLinearizable). */
interface Search {
  /** Runs up to `budget` steps: the verdict, or undefined when the budget ran out first. */
  advance(budget: number): SearchResult | undefined;
  /** What its cache and interned states hold, in bytes (an estimate: typed arrays exactly, states roughly). */
  bytes(): number;
  /** How many distinct states it has interned (a JavaScript Map holds at most 2^24 entries). */
  states(): number;
  /** Steps taken and configurations cached so far. */
  stats(): { readonly steps: number; readonly cached: number };
}

/** Deterministic 32-bit words for the Zobrist hash (mulberry32, fixed seed). */
function zobristWords(n: number): Int32Array {
  const out = new Int32Array(n);
  let a = 0x2545f491;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = t ^ (t >>> 14);
  }
  return out;
}

/** A rough size of an interned state: strings by their length, anything else a few words. */
const stateBytes = (k: unknown): number => 48 + (typeof k === 'string' ? k.length : 0);

/**
 * Wing & Gong with Lowe's cache over the operations of one key. `ops` are the operations that may take
 * effect: ok ones (with a return) and info ones (without).
 *
 * The ok operations' calls and returns form the linked list of the algorithm. Info operations have no
 * return, so they sit in a list of their own, and at each depth the candidates are: the ok calls before the
 * first remaining return R (list order), then the info calls invoked before R. Trying info operations last
 * matters: they never force anything, and a search that places them first wanders. Two info operations with
 * the same f and input are interchangeable, so the later-invoked one is only placed after the earlier one
 * (swapping them in any linearization gives another), which turns 2^k subsets of k info writes of v
 * values into at most (k/v + 1)^v.
 */
function startSearch<S>(spec: SequentialSpec<S>, ops: readonly Operation[]): Search {
  const n = ops.length;
  const HEAD = 2 * n;
  const IHEAD = 2 * n + 1;
  const next = new Int32Array(2 * n + 2).fill(-1);
  const prev = new Int32Array(2 * n + 2).fill(-1);
  const time = new Float64Array(2 * n);
  // Entry i < n is the call of operation i; entry n + i its return (ok operations only).
  const isOk = ops.map((o) => o.outcome === 'ok');
  const entries: number[] = [];
  let remainingOk = 0;
  for (let i = 0; i < n; i++) {
    time[i] = ops[i].call;
    if (isOk[i]) {
      time[n + i] = ops[i].ret;
      entries.push(i, n + i);
      remainingOk++;
    }
  }
  entries.sort((a, b) => time[a] - time[b]);
  const link = (head: number, list: readonly number[]): void => {
    let last = head;
    for (const e of list) {
      next[last] = e;
      prev[e] = last;
      last = e;
    }
  };
  link(HEAD, entries);
  const infos = ops.map((_, i) => i).filter((i) => !isOk[i]);
  link(
    IHEAD,
    infos.sort((a, b) => time[a] - time[b]),
  );
  // The previous info operation with the same f and input, which must be placed first.
  const twin = new Int32Array(n).fill(-1);
  const lastOfKind = new Map<string, number>();
  for (const i of infos) {
    const kind = `${ops[i].f} ${JSON.stringify(ops[i].input)}`;
    const before = lastOfKind.get(kind);
    if (before !== undefined) twin[i] = before;
    lastOfKind.set(kind, i);
  }
  const unlink = (e: number): void => {
    next[prev[e]] = next[e];
    if (next[e] >= 0) prev[next[e]] = prev[e];
  };
  const relink = (e: number): void => {
    next[prev[e]] = e;
    if (next[e] >= 0) prev[next[e]] = e;
  };
  const lift = (i: number): void => {
    unlink(i);
    if (isOk[i]) unlink(n + i);
  };
  const unlift = (i: number): void => {
    if (isOk[i]) relink(n + i);
    relink(i);
  };

  // States interned to integers by their key (and, for a specification with `equal`, by equality among the
  // states of one key).
  const stateIds = new Map<string | number | boolean | null, number | number[]>();
  const states: S[] = [];
  let stateSize = 0;
  const equal = spec.equal;
  const intern = (s: S): number => {
    const k = spec.key(s);
    const found = stateIds.get(k);
    if (found !== undefined) {
      if (equal === undefined) return found as number;
      const ids = typeof found === 'number' ? [found] : found;
      for (const id of ids) if (equal(states[id], s)) return id;
      ids.push(states.length);
      stateIds.set(k, ids);
    } else stateIds.set(k, states.length);
    states.push(s);
    stateSize += stateBytes(k);
    return states.length - 1;
  };
  // Lowe's cache: (linearized bitset, state id) pairs, in a pool, chained from an open hash table keyed by
  // one integer. The hash leaves info operations out, so that one chain holds every info subset of the same
  // ok set and state: a configuration is pruned when the cache holds one with the same ok operations and
  // state and a subset of its info operations (placing fewer optional operations never loses a
  // linearization: the rest can still be placed later, or never).
  const W = (n + 31) >>> 5;
  const lin = new Uint32Array(W);
  const has = (i: number): boolean => (lin[i >>> 5] & (1 << (i & 31))) !== 0;
  const zobrist = zobristWords(n).map((z, i) => (isOk[i] ? z : 0));
  const infoMask = new Uint32Array(W);
  for (const i of infos) infoMask[i >>> 5] |= 1 << (i & 31);
  let capacity = 64;
  let pool = new Uint32Array(W * capacity);
  let poolState = new Int32Array(capacity);
  let poolHash = new Int32Array(capacity);
  let chain = new Int32Array(capacity);
  let table = new Int32Array(capacity).fill(-1);
  let mask = capacity - 1;
  let pooled = 0;
  /** Cached configuration idx has the state, the same ok operations, and a subset of the info operations. */
  const sameAt = (idx: number, sid: number): boolean => {
    if (poolState[idx] !== sid) return false;
    const base = idx * W;
    for (let w = 0; w < W; w++) {
      const cached = pool[base + w];
      if ((cached & ~lin[w]) !== 0 || (lin[w] & ~cached & ~infoMask[w]) !== 0) return false;
    }
    return true;
  };
  const grow = (): void => {
    capacity *= 2;
    const bigger = new Uint32Array(W * capacity);
    bigger.set(pool);
    pool = bigger;
    const widen = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(capacity);
      b.set(a);
      return b;
    };
    poolState = widen(poolState);
    poolHash = widen(poolHash);
    chain = widen(chain);
    table = new Int32Array(capacity).fill(-1);
    mask = capacity - 1;
    for (let idx = 0; idx < pooled; idx++) {
      const slot = poolHash[idx] & mask;
      chain[idx] = table[slot];
      table[slot] = idx;
    }
  };
  /** True when (lin, sid) or a configuration that subsumes it was cached already; otherwise caches it. */
  const seenOrAdd = (hash: number, sid: number): boolean => {
    const h = (hash ^ Math.imul(sid + 1, 0x9e3779b1)) | 0;
    for (let idx = table[h & mask]; idx >= 0; idx = chain[idx]) if (poolHash[idx] === h && sameAt(idx, sid)) return true;
    if (pooled === capacity) grow();
    pool.set(lin, pooled * W);
    poolState[pooled] = sid;
    poolHash[pooled] = h;
    const slot = h & mask;
    chain[pooled] = table[slot];
    table[slot] = pooled;
    pooled++;
    return false;
  };

  const inputs = ops.map((o) => ({ f: o.f, value: o.input }));
  const readOnly = ops.map((o, i) => isOk[i] && spec.readOnly(inputs[i], o.output));
  // The stack: the operation placed at each depth, the state before it, the first remaining return R then,
  // and how it was chosen (a read placed greedily has no alternatives to try).
  const stackOp = new Int32Array(n);
  const stackState = new Int32Array(n);
  const stackReturn = new Int32Array(n);
  const stackPhase = new Uint8Array(n);
  let depth = 0;
  let sid = intern(spec.init());
  let hash = 0;
  let best: Frontier | undefined;

  const PLACED = 0;
  const ILLEGAL = 1;
  const SEEN = 2;
  /** Places operation i if its step is legal and (placed set, state) is new. */
  const tryPlace = (i: number, phase: number, ret: number): number => {
    const r = spec.step(states[sid], inputs[i], ops[i].output);
    if (!r.ok) return ILLEGAL;
    const nsid = intern(r.state);
    lin[i >>> 5] |= 1 << (i & 31);
    const nhash = hash ^ zobrist[i];
    if (seenOrAdd(nhash, nsid)) {
      lin[i >>> 5] &= ~(1 << (i & 31));
      return SEEN;
    }
    stackOp[depth] = i;
    stackState[depth] = sid;
    stackReturn[depth] = ret;
    stackPhase[depth] = phase;
    depth++;
    sid = nsid;
    hash = nhash;
    lift(i);
    return PLACED;
  };

  // At each depth the candidates come in three phases, each a walk of a list:
  //   0: a read-only ok operation that is legal now is placed, and nothing else is tried at this depth: a
  //      linearization that places it later can place it here instead (it changes nothing, its callers'
  //      predecessors are all placed, and earlier only loosens its own deadline);
  //   1: the other ok calls before the first remaining return R;
  //   2: the info calls invoked before R.
  let phase = 0;
  let entry = next[HEAD];
  let R = -1;
  let totalSteps = 0;
  let done: SearchResult | undefined = remainingOk === 0 ? { linearizable: true, order: [] } : undefined;
  const advance = (budget: number): SearchResult | undefined => {
    if (done) return done;
    totalSteps += budget;
    for (let steps = 0; steps < budget; steps++) {
      let dead = false;
      if (phase === 0) {
        if (entry < n) {
          if (readOnly[entry]) {
            const placed = tryPlace(entry, 0, -1);
            if (placed === PLACED) {
              if (--remainingOk === 0) return (done = { linearizable: true, order: Array.from(stackOp.subarray(0, depth)) });
              entry = next[HEAD];
              continue;
            }
            // This configuration was reached before with the read placed, and failed: so does this one.
            if (placed === SEEN) dead = true;
          }
          if (!dead) {
            entry = next[entry];
            continue;
          }
        } else {
          R = entry;
          phase = 1;
          entry = next[HEAD];
        }
      }
      if (!dead && phase === 1) {
        if (entry !== R) {
          if (!readOnly[entry] && tryPlace(entry, 1, R) === PLACED) {
            if (--remainingOk === 0) return (done = { linearizable: true, order: Array.from(stackOp.subarray(0, depth)) });
            phase = 0;
            entry = next[HEAD];
          } else entry = next[entry];
          continue;
        }
        phase = 2;
        entry = next[IHEAD];
      }
      if (!dead && entry >= 0 && time[entry] < time[R]) {
        if ((twin[entry] < 0 || has(twin[entry])) && tryPlace(entry, 2, R) === PLACED) {
          phase = 0;
          entry = next[HEAD];
        } else entry = next[entry];
        continue;
      }
      // Nothing left to place before R: nothing placed so far extends past it. Backtrack.
      if (!dead && (!best || time[R] > best.stuckAt || (time[R] === best.stuckAt && depth > best.order.length))) {
        const order = Array.from(stackOp.subarray(0, depth));
        const after = order.map((_, i) => states[i + 1 < depth ? stackState[i + 1] : sid]);
        best = { order, states: [states[depth > 0 ? stackState[0] : sid], ...after], stuck: R - n, stuckAt: time[R] };
      }
      for (;;) {
        if (depth === 0) return (done = { linearizable: false, frontier: best! });
        depth--;
        const undo = stackOp[depth];
        sid = stackState[depth];
        hash ^= zobrist[undo];
        lin[undo >>> 5] &= ~(1 << (undo & 31));
        unlift(undo);
        if (isOk[undo]) remainingOk++;
        phase = stackPhase[depth];
        if (phase === 0) continue;
        R = stackReturn[depth];
        entry = next[undo];
        break;
      }
    }
    return undefined;
  };
  return {
    advance,
    bytes: () => pool.byteLength + 16 * capacity + 4 * (mask + 1) + stateSize,
    states: () => states.length,
    stats: () => ({ steps: totalSteps, cached: pooled }),
  };
}

/** The operations that may take effect: failed ones and reads with an unknown outcome are left out. */
function effective(spec: AnySpec, ops: readonly Operation[]): Operation[] {
  return ops.filter((o) => o.outcome === 'ok' || (o.outcome === 'info' && !spec.readOnly({ f: o.f, value: o.input }, undefined)));
}

/** The history as it stood right after event `cut`: operations not completed by then are pending (info). */
function prefixAt(ops: readonly Operation[], cut: number): Operation[] {
  const out: Operation[] = [];
  for (const o of ops) {
    if (o.call > cut) continue;
    if (o.ret <= cut) out.push(o);
    else {
      const { retLine: _dropped, ...rest } = o;
      out.push({ ...rest, outcome: 'info', output: undefined, ret: Infinity });
    }
  }
  return out;
}

export interface Explanation {
  readonly key?: OpKey;
  /** Everything before this line is linearizable; the completion event on it makes the history not. */
  readonly breakingLine: number;
  readonly breaking: Operation;
  /** The operations of the key up to the breaking event, as the checker saw them (still pending ones as info). */
  readonly operations: readonly Operation[];
  /** The longest partial linearization of that prefix the search reached, with the state after each step. */
  readonly linearized: readonly { readonly op: Operation; readonly state: string }[];
  readonly initialState: string;
  /** The operation that cannot be placed next, and the state it would have to be placed in. */
  readonly stuck: Operation;
  readonly stuckState: string;
  /** Operations whose interval overlaps the stuck one's. */
  readonly concurrent: readonly Operation[];
}

export interface LinearizabilityResult {
  /** null: a limit (time or memory) was reached before a verdict. */
  readonly linearizable: boolean | null;
  readonly model: string;
  readonly operations: number;
  readonly keys: number;
  /** The key found not linearizable (undefined stands for "no key"); the search stops at the first. */
  readonly failingKeys: readonly (OpKey | undefined)[];
  /** Keys whose sub-history got a verdict, in the order they got it. */
  readonly decidedKeys: readonly (OpKey | undefined)[];
  /** The limit that ended the search (or the explanation) early. */
  readonly limit?: { readonly kind: 'time' | 'memory'; readonly message: string };
  /** For a history that is not linearizable, unless a limit cut the explanation short. */
  readonly explanation?: Explanation;
}

export interface CheckOptions {
  /** Wall-clock limit for the whole check, explanation included. Default: none. */
  readonly maxSeconds?: number;
  /** Limit on the memory of the searches' caches and states, in MB. Default: 1024. */
  readonly maxMemoryMB?: number;
  /** Explain a history that is not linearizable (another search or more). Default: true. */
  readonly explain?: boolean;
}

/** The time and memory a check may use; `watch` throws Limit past either. */
interface Budget {
  readonly deadline: number;
  readonly maxBytes: number;
  readonly maxMemoryMB: number;
}

const DEFAULT_MAX_MEMORY_MB = 1024;
/** A JavaScript Map holds at most 2^24 entries; the interned states stay well below. */
const MAX_STATES = 1 << 23;
const HEAP_LIMIT = getHeapStatistics().heap_size_limit;

function budgetOf(options: CheckOptions): Budget {
  const maxMemoryMB = options.maxMemoryMB ?? DEFAULT_MAX_MEMORY_MB;
  return { deadline: performance.now() + (options.maxSeconds ?? Infinity) * 1000, maxBytes: maxMemoryMB * 2 ** 20, maxMemoryMB };
}

let heapCheckedAt = 0;

function watch(budget: Budget, searches: Iterable<Search>): void {
  const now = performance.now();
  if (now > budget.deadline) throw new Limit('time', 'the time limit was reached');
  let bytes = 0;
  let states = 0;
  for (const s of searches) {
    bytes += s.bytes();
    states += s.states();
  }
  if (bytes > budget.maxBytes)
    throw new Limit(
      'memory',
      `the search's cache reached ${Math.round(bytes / 2 ** 20)} MB, over the limit of ${budget.maxMemoryMB} MB (--max-memory)`,
    );
  if (states > MAX_STATES) throw new Limit('memory', `the search interned more than ${MAX_STATES.toLocaleString('en-US')} distinct states`);
  // Reading the heap's size costs microseconds: ten times a second is enough.
  if (now - heapCheckedAt < 100) return;
  heapCheckedAt = now;
  if (process.memoryUsage().heapUsed > 0.85 * HEAP_LIMIT)
    throw new Limit('memory', `the JavaScript heap is 85% full (${Math.round(HEAP_LIMIT / 2 ** 20)} MB limit)`);
}

/** Runs one search to its end, or throws Limit. */
function search<S>(spec: SequentialSpec<S>, ops: readonly Operation[], budget: Budget): SearchResult {
  const s = startSearch(spec, ops);
  for (;;) {
    const r = s.advance(SLICE);
    if (r) return r;
    watch(budget, [s]);
  }
}

/** Decides one key's operations (in invoke order, failed ones included). */
function decide(spec: AnySpec, ops: readonly Operation[], budget: Budget): SearchResult {
  return search(spec, effective(spec, ops), budget);
}

/**
 * The shortest prefix that is not linearizable ends with a completion event (prefixes are closed under
 * linearizability). The search on the whole history already bounds it from below: its frontier placed every
 * operation returning before R, and such a partial linearization is one of the prefix up to R as well (an
 * operation still pending there may take effect with any outcome). For the register and kv specifications the
 * bound is exact; where a pending operation's outcome constrains it (a cas that returned false), a prefix can
 * be linearizable past the bound, and a bisection above it finds the break.
 */
function explain(spec: AnySpec, key: OpKey | undefined, ops: readonly Operation[], whole: Frontier, budget: Budget): Explanation {
  const cuts = ops
    .filter((o) => o.outcome !== 'info')
    .map((o) => o.ret)
    .sort((a, b) => a - b);
  let lo = cuts.findIndex((c) => c >= whole.stuckAt);
  let hi = cuts.length - 1;
  let r = decide(spec, prefixAt(ops, cuts[lo]), budget);
  if (r.linearizable) {
    lo++;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (decide(spec, prefixAt(ops, cuts[mid]), budget).linearizable) lo = mid + 1;
      else hi = mid;
    }
    r = decide(spec, prefixAt(ops, cuts[lo]), budget);
  }
  if (r.linearizable) throw new Error('linearizability: the search for the shortest failing prefix ended on a linearizable one');
  const cut = cuts[lo];
  const prefix = prefixAt(ops, cut);
  const searched = effective(spec, prefix);
  const { order, states, stuck } = r.frontier;
  const stuckOp = searched[stuck];
  const breaking = ops.find((o) => o.ret === cut)!;
  return {
    ...(key !== undefined ? { key } : {}),
    breakingLine: breaking.retLine!,
    breaking,
    operations: prefix,
    initialState: spec.describeState(states[0]),
    linearized: order.map((i, j) => ({ op: searched[i], state: spec.describeState(states[j + 1]) })),
    stuck: stuckOp,
    stuckState: spec.describeState(states[states.length - 1]),
    concurrent: prefix.filter((o) => o !== stuckOp && o.outcome !== 'fail' && o.call < stuckOp.ret && o.ret > stuckOp.call),
  };
}

/** The sub-histories a specification checks independently: its own partition, or one per key. */
function partitionOf(spec: AnySpec, operations: readonly Operation[]): { key: OpKey | undefined; ops: readonly Operation[] }[] {
  if (!spec.partition) return splitByKey(operations);
  const parts = spec.partition(operations).filter((p) => p.length > 0);
  return parts.map((ops, i) => ({ key: parts.length > 1 ? i : undefined, ops }));
}

/**
 * Whether the operations of a history are linearizable under `spec`, with an explanation when not. The
 * keys' sub-histories (P-compositionality) are searched in turns of SLICE steps each, so one hard key
 * cannot hide an easy failing one: the first key found not linearizable decides the history, as in
 * Porcupine, which runs them concurrently.
 */
export function checkLinearizable(spec: AnySpec, operations: readonly Operation[], options: CheckOptions = {}): LinearizabilityResult {
  const budget = budgetOf(options);
  const groups = partitionOf(spec, operations);
  const base = { model: spec.name, operations: operations.length, keys: groups.length };
  const decidedKeys: (OpKey | undefined)[] = [];
  const active = new Map(groups.map((g) => [g, startSearch(spec, effective(spec, g.ops))]));
  let failing: { key: OpKey | undefined; ops: readonly Operation[]; frontier: Frontier } | undefined;
  try {
    while (active.size > 0 && !failing) {
      for (const [g, s] of active) {
        const r = s.advance(SLICE);
        if (r === undefined) continue;
        active.delete(g);
        decidedKeys.push(g.key);
        if (!r.linearizable) {
          failing = { key: g.key, ops: g.ops, frontier: r.frontier };
          break;
        }
      }
      if (!failing && active.size > 0) watch(budget, active.values());
    }
  } catch (e) {
    if (!(e instanceof Limit)) throw e;
    return { ...base, linearizable: null, failingKeys: [], decidedKeys, limit: { kind: e.kind, message: e.message } };
  }
  active.clear();
  if (!failing) return { ...base, linearizable: true, failingKeys: [], decidedKeys };
  const verdict = { ...base, linearizable: false, failingKeys: [failing.key], decidedKeys };
  if (options.explain === false) return verdict;
  try {
    return { ...verdict, explanation: explain(spec, failing.key, failing.ops, failing.frontier, budget) };
  } catch (e) {
    if (!(e instanceof Limit)) throw e;
    return { ...verdict, limit: { kind: e.kind, message: e.message } };
  }
}

/** One linearization of a linearizable history's operations (ok and info ones that took effect), for tests and traces. */
export function linearization(spec: AnySpec, operations: readonly Operation[]): Operation[] | undefined {
  const ops = effective(spec, operations);
  const r = search(spec, ops, budgetOf({}));
  return r.linearizable ? r.order.map((i) => ops[i]) : undefined;
}

/**
 * For models that record their clients' history in the state: a verdict per history, memoised by a key the
 * model gives (many states share one history, and the histories are tiny).
 */
export function memoisedVerdict(spec: AnySpec): (key: string, operations: () => readonly Operation[]) => boolean {
  const seen = new Map<string, boolean>();
  return (key, operations) => {
    let verdict = seen.get(key);
    if (verdict === undefined) {
      verdict = checkLinearizable(spec, operations(), { explain: false }).linearizable === true;
      seen.set(key, verdict);
    }
    return verdict;
  };
}
