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
      return typeof value === 'boolean' ? undefined : 'a cas must return true (it swapped) or false (the compare did not match)';
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

/** A string per key: get, put, append. Initial value "". */
const kvSpec: SequentialSpec<string> = {
  name: 'kv',
  operations: ['get', 'put', 'append'],
  readOnly: ({ f }) => f === 'get',
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
  init: () => '',
  step: (state, { f, value }, output) => {
    if (f === 'get') return { ok: output === undefined || output === state, state };
    return { ok: true, state: f === 'put' ? (value as string) : state + (value as string) };
  },
  key: (state) => state,
  describeOperation: (op) => (op.f === 'get' ? `get → ${show(op.output)}` : `${op.f} ${show(op.input)}`),
  describeState: (state) => JSON.stringify(state),
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySpec = SequentialSpec<any>;

export const SPECS: Readonly<Record<string, AnySpec>> = {
  register: registerSpec(false),
  'cas-register': registerSpec(true),
  kv: kvSpec,
};

// ---------------------------------------------------------------------------------------------------------
// The search

/** Thrown inside the search when the deadline passes; caught by the checker. */
class TimeLimit extends Error {}

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

/**
 * Wing & Gong with Lowe's cache over the operations of one key. `ops` are the operations that may take
 * effect: ok ones (with a return) and info ones (without). Throws TimeLimit past the deadline.
 *
 * The ok operations' calls and returns form the linked list of the algorithm. Info operations have no
 * return, so they sit in a list of their own, and at each depth the candidates are: the ok calls before the
 * first remaining return R (list order), then the info calls invoked before R. Trying info operations last
 * matters: they never force anything, and a search that places them first wanders. Two info operations with
 * the same f and input are interchangeable, so the later-invoked one is only placed after the earlier one
 * (swapping them in any linearization gives another), which turns 2^k subsets of k info writes of v
 * values into at most (k/v + 1)^v.
 */
function search<S>(spec: SequentialSpec<S>, ops: readonly Operation[], deadline: number): SearchResult {
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

  // States interned to integers by their key.
  const stateIds = new Map<string | number | boolean | null, number>();
  const states: S[] = [];
  const intern = (s: S): number => {
    const k = spec.key(s);
    let id = stateIds.get(k);
    if (id === undefined) {
      id = states.length;
      stateIds.set(k, id);
      states.push(s);
    }
    return id;
  };

  // Lowe's cache: (linearized bitset, state id) pairs, in a pool, bucketed by one integer hash. The hash
  // leaves info operations out, so that one bucket holds every info subset of the same ok set and state: a
  // configuration is pruned when the cache holds one with the same ok operations and state and a subset of
  // its info operations (placing fewer optional operations never loses a linearization: the rest can still
  // be placed later, or never).
  const W = (n + 31) >>> 5;
  const lin = new Uint32Array(W);
  const has = (i: number): boolean => (lin[i >>> 5] & (1 << (i & 31))) !== 0;
  const zobrist = zobristWords(n).map((z, i) => (isOk[i] ? z : 0));
  const infoMask = new Uint32Array(W);
  for (const i of infos) infoMask[i >>> 5] |= 1 << (i & 31);
  let pool = new Uint32Array(W * 256);
  let poolState = new Int32Array(256);
  let pooled = 0;
  const buckets = new Map<number, number | number[]>();
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
  /** True when (lin, sid) or a configuration that subsumes it was cached already; otherwise caches it. */
  const seenOrAdd = (hash: number, sid: number): boolean => {
    const h = (hash ^ Math.imul(sid + 1, 0x9e3779b1)) | 0;
    const b = buckets.get(h);
    if (b !== undefined) {
      if (typeof b === 'number') {
        if (sameAt(b, sid)) return true;
      } else {
        for (const idx of b) if (sameAt(idx, sid)) return true;
      }
    }
    if (pooled === poolState.length) {
      const bigger = new Uint32Array(pool.length * 2);
      bigger.set(pool);
      pool = bigger;
      const biggerStates = new Int32Array(poolState.length * 2);
      biggerStates.set(poolState);
      poolState = biggerStates;
    }
    pool.set(lin, pooled * W);
    poolState[pooled] = sid;
    if (b === undefined) buckets.set(h, pooled);
    else if (typeof b === 'number') buckets.set(h, [b, pooled]);
    else b.push(pooled);
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
  let steps = 0;
  if (remainingOk === 0) return { linearizable: true, order: [] };

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
  for (;;) {
    if ((++steps & 0x3ff) === 0 && performance.now() > deadline) throw new TimeLimit();
    let dead = false;
    if (phase === 0) {
      if (entry < n) {
        if (readOnly[entry]) {
          const placed = tryPlace(entry, 0, -1);
          if (placed === PLACED) {
            if (--remainingOk === 0) return { linearizable: true, order: Array.from(stackOp.subarray(0, depth)) };
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
          if (--remainingOk === 0) return { linearizable: true, order: Array.from(stackOp.subarray(0, depth)) };
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
      if (depth === 0) return { linearizable: false, frontier: best! };
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
  /** null: the time limit was reached before a verdict. */
  readonly linearizable: boolean | null;
  readonly model: string;
  readonly operations: number;
  readonly keys: number;
  /** Keys whose sub-history is not linearizable (undefined stands for "no key"). */
  readonly failingKeys: readonly (OpKey | undefined)[];
  /** For a history that is not linearizable, unless the time limit cut the explanation short. */
  readonly explanation?: Explanation;
}

export interface CheckOptions {
  /** Wall-clock limit for the whole check, explanation included. Default: none. */
  readonly maxSeconds?: number;
  /** Explain a history that is not linearizable (another search or more). Default: true. */
  readonly explain?: boolean;
}

/** Decides one key's operations (in invoke order, failed ones included). */
function decide(spec: AnySpec, ops: readonly Operation[], deadline: number): SearchResult {
  return search(spec, effective(spec, ops), deadline);
}

/**
 * The shortest prefix that is not linearizable ends with a completion event (prefixes are closed under
 * linearizability). The search on the whole history already bounds it from below: its frontier placed every
 * operation returning before R, and such a partial linearization is one of the prefix up to R as well (an
 * operation still pending there may take effect with any outcome). For the register and kv specifications the
 * bound is exact; where a pending operation's outcome constrains it (a cas that returned false), a prefix can
 * be linearizable past the bound, and a bisection above it finds the break.
 */
function explain(spec: AnySpec, key: OpKey | undefined, ops: readonly Operation[], whole: Frontier, deadline: number): Explanation {
  const cuts = ops
    .filter((o) => o.outcome !== 'info')
    .map((o) => o.ret)
    .sort((a, b) => a - b);
  let lo = cuts.findIndex((c) => c >= whole.stuckAt);
  let hi = cuts.length - 1;
  let r = decide(spec, prefixAt(ops, cuts[lo]), deadline);
  if (r.linearizable) {
    lo++;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (decide(spec, prefixAt(ops, cuts[mid]), deadline).linearizable) lo = mid + 1;
      else hi = mid;
    }
    r = decide(spec, prefixAt(ops, cuts[lo]), deadline);
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

/** Whether the operations of a history are linearizable under `spec`, key by key, with an explanation when not. */
export function checkLinearizable(spec: AnySpec, operations: readonly Operation[], options: CheckOptions = {}): LinearizabilityResult {
  const deadline = performance.now() + (options.maxSeconds ?? Infinity) * 1000;
  const groups = splitByKey(operations);
  const base = { model: spec.name, operations: operations.length, keys: groups.length };
  const failingKeys: (OpKey | undefined)[] = [];
  let frontier: Frontier | undefined;
  try {
    for (const g of groups) {
      const r = decide(spec, g.ops, deadline);
      if (r.linearizable) continue;
      failingKeys.push(g.key);
      frontier ??= r.frontier;
    }
  } catch (e) {
    if (!(e instanceof TimeLimit)) throw e;
    // A failing key found before the limit still decides the history.
    return { ...base, linearizable: failingKeys.length ? false : null, failingKeys };
  }
  if (failingKeys.length === 0) return { ...base, linearizable: true, failingKeys };
  if (options.explain === false) return { ...base, linearizable: false, failingKeys };
  const first = groups.find((g) => g.key === failingKeys[0])!;
  try {
    return { ...base, linearizable: false, failingKeys, explanation: explain(spec, first.key, first.ops, frontier!, deadline) };
  } catch (e) {
    if (!(e instanceof TimeLimit)) throw e;
    return { ...base, linearizable: false, failingKeys };
  }
}

/** One linearization of a linearizable history's operations (ok and info ones that took effect), for tests and traces. */
export function linearization(spec: AnySpec, operations: readonly Operation[]): Operation[] | undefined {
  const ops = effective(spec, operations);
  const r = search(spec, ops, Infinity);
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
