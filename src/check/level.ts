// The breadth-first engine, one level at a time, for one worker: the single-threaded explorer (explore.ts) is
// one worker alone, and parallel.ts runs several, one per thread. A worker holds the states it expands (with
// their ranks: their ids in breadth-first order), a visited set (its partition of it, when there are several),
// the parent and action of every state it ranked, and the findings and coverage of what it explored.
// Alone, a level is one loop (`soloLevel`); with others, three phases with barriers between them (`expand`,
// `merge`, `commit`; the design is in parallel.ts).
import { getHeapStatistics } from 'node:v8';
import type { ActionCoverage, ExploreResult, Finding, Path, Progress } from './types';
import { ExactSet, FP, FingerprintSet } from './visited';
import { stateFingerprint, type StateFingerprint } from './state-fingerprint';
import type { AnyMachine } from '../model/model';
import { fail } from '../shared/errors';

/**
 * The default memory guard: 3/4 of the old generation's limit, which is V8's heap limit less the young
 * generation's 48 MB (3 semispaces of 16 MB). With a small heap (`--max-old-space-size=100`) 3/4 of the whole
 * limit lies above what the old generation can hold, and the process died of OOM before the guard could stop it.
 */
export function defaultHeapMB(): number {
  return Math.floor(oldGenerationMB() * 0.75);
}

/** The old generation's limit in MB: what `--max-old-space-size` sets. */
export function oldGenerationMB(): number {
  const limitMB = getHeapStatistics().heap_size_limit / 2 ** 20;
  return Math.round(limitMB > 96 ? limitMB - 48 : limitMB / 2);
}

/**
 * Action coverage by name. A model has a handful of action names, all string literals, so a linear scan
 * comparing interned strings is cheaper per transition than a Map lookup.
 */
export class Coverage {
  readonly names: string[] = [];
  readonly fired: number[] = [];
  readonly distinctNew: number[] = [];
  constructor(names: readonly string[]) {
    for (const name of names) this.indexOf(name);
  }
  indexOf(name: string): number {
    const names = this.names;
    for (let i = 0; i < names.length; i++) if (names[i] === name) return i;
    names.push(name);
    this.fired.push(0);
    this.distinctNew.push(0);
    return names.length - 1;
  }
  result(): ActionCoverage[] {
    return this.names.map((action, i) => ({ action, fired: this.fired[i], distinctNew: this.distinctNew[i] }));
  }
}

type StateCheck = (s: unknown) => boolean;
type StepCheck = (s: unknown, a: unknown, t: unknown) => boolean;

/**
 * The safety properties of one run and where each was first decided: an invariant where it first fails, a
 * `sometimes` where it first holds, a step property on the first transition that breaks it. "First" is in
 * breadth-first order, because callers check states and transitions in that order; then each path is shortest.
 */
export class Findings {
  readonly stateNames: string[];
  private readonly stateHolds: StateCheck[];
  private readonly stateIsAlways: boolean[];
  readonly stepNames: string[];
  private readonly stepHolds: StepCheck[];
  /** Id of the state that decided each state property, or -1. */
  readonly stateAt: number[];
  /** Source state id and action index of the transition that broke each step property, or -1. */
  readonly stepFrom: number[];
  readonly stepChoice: number[];
  openState: number;
  openStep: number;

  constructor(machine: AnyMachine) {
    const stateProps = machine.properties.filter((p) => p.kind === 'always' || p.kind === 'sometimes');
    const stepProps = machine.properties.filter((p) => p.kind === 'step');
    this.stateNames = stateProps.map((p) => p.name);
    this.stateHolds = stateProps.map((p) => p.holds as StateCheck);
    this.stateIsAlways = stateProps.map((p) => p.kind === 'always');
    this.stepNames = stepProps.map((p) => p.name);
    this.stepHolds = stepProps.map((p) => p.holds as StepCheck);
    this.stateAt = stateProps.map(() => -1);
    this.stepFrom = stepProps.map(() => -1);
    this.stepChoice = stepProps.map(() => -1);
    this.openState = stateProps.length;
    this.openStep = stepProps.length;
  }

  checkState(id: number, state: unknown): void {
    const at = this.stateAt;
    for (let p = 0; p < at.length; p++) {
      if (at[p] !== -1) continue;
      // An invariant is found when it fails; a witness when it holds.
      if (this.stateHolds[p](state) !== this.stateIsAlways[p]) {
        at[p] = id;
        this.openState--;
      }
    }
  }

  checkStep(from: number, choice: number, state: unknown, action: unknown, target: unknown): void {
    const at = this.stepFrom;
    for (let p = 0; p < at.length; p++) {
      if (at[p] !== -1 || this.stepHolds[p](state, action, target)) continue;
      at[p] = from;
      this.stepChoice[p] = choice;
      this.openStep--;
    }
  }
}

/** Rebuilds the path to state `id` from parent links; `extra` appends one more action index. */
export function pathFrom(parent: Int32Array, choice: Int32Array, id: number, extra?: number): Path {
  const choices: number[] = [];
  if (extra !== undefined) choices.push(extra);
  let cur = id;
  while (parent[cur] !== -1) {
    choices.push(choice[cur]);
    cur = parent[cur];
  }
  choices.reverse();
  return { init: choice[cur], choices };
}

/** Violations (in property order, then the deadlock), witnesses and unreached witnesses of a finished run. */
export function reportFindings(
  machine: AnyMachine,
  f: Findings,
  deadlock: number,
  pathTo: (id: number, extra?: number) => Path,
): Pick<ExploreResult, 'violations' | 'witnesses' | 'unreached'> {
  const violations: Finding[] = [];
  const witnesses: Finding[] = [];
  const unreached: string[] = [];
  for (const prop of machine.properties) {
    if (prop.kind === 'step') {
      const p = f.stepNames.indexOf(prop.name);
      if (f.stepFrom[p] !== -1) violations.push({ property: prop.name, kind: 'step', path: pathTo(f.stepFrom[p], f.stepChoice[p]) });
    } else if (prop.kind === 'always' || prop.kind === 'sometimes') {
      const id = f.stateAt[f.stateNames.indexOf(prop.name)];
      if (id === -1) {
        if (prop.kind === 'sometimes') unreached.push(prop.name);
      } else if (prop.kind === 'always') violations.push({ property: prop.name, kind: 'always', path: pathTo(id) });
      else witnesses.push({ property: prop.name, kind: 'sometimes', path: pathTo(id) });
    }
  }
  if (deadlock !== -1) violations.push({ property: 'deadlock', kind: 'deadlock', path: pathTo(deadlock) });
  return { violations, witnesses, unreached };
}


/** A transition's place in breadth-first order: parent rank × CHOICE + action index. */
export const CHOICE = 2 ** 21;

/** The partition (owner) of a fingerprint: the high bits of `hi`, which the table's home slot barely uses. */
export const partitionOf = (h: number, n: number): number => ((h >>> 16) * n) >>> 16;

/** What a worker needs to know of the run. */
export interface Setup {
  readonly index: number;
  readonly workers: number;
  readonly symmetry: boolean;
  readonly checkDeadlock: boolean;
  readonly maxStates: number;
  readonly maxDepth: number;
  /** Date.now() after which to stop (threads have different performance.now() origins), or Infinity. */
  readonly deadline: number;
  readonly maxHeapMB?: number;
  /** Whole keys instead of fingerprints (single-threaded only). */
  readonly exact?: boolean;
  /** Single-threaded only: progress during a level. */
  readonly onProgress?: (progress: Progress) => void;
  readonly progressIntervalMs?: number;
}

export type StopKind = 'time' | 'memory';

/** The order keys, ascending, of the candidates an owner found new. */
export interface Accepted {
  readonly keys: SharedArrayBuffer;
  readonly count: number;
}

/**
 * One partition's candidates from one worker, in breadth-first order: order keys, fingerprints (hi, lo), and
 * the owner's verdicts (1 = new). Growable SharedArrayBuffers, reused level after level: the memory is reserved
 * once and committed as they grow.
 */
export interface Inbox {
  readonly order: SharedArrayBuffer;
  readonly fp: SharedArrayBuffer;
  readonly flags: SharedArrayBuffer;
  readonly count: number;
}

const MAX_BYTES = 2 ** 31;

/** Append-only numbers in a typed array over a growable buffer (shared or not) that doubles as needed. */
class Column<T extends Float64Array | Uint32Array | Int32Array | Uint8Array> {
  length = 0;
  data: T;
  constructor(
    private readonly make: (buffer: ArrayBufferLike) => T,
    private readonly bytesPer: number,
    shared = false,
  ) {
    const options = { maxByteLength: MAX_BYTES };
    this.data = make(shared ? new SharedArrayBuffer(1024 * bytesPer, options) : new ArrayBuffer(1024 * bytesPer, options));
  }
  /** Room for n entries; a length-tracking view follows the buffer as it grows. */
  reserve(n: number): void {
    const buffer = this.data.buffer as SharedArrayBuffer | ArrayBuffer;
    if (n * this.bytesPer <= buffer.byteLength) return;
    const bytes = Math.min(MAX_BYTES, Math.max(2 * buffer.byteLength, n * this.bytesPer));
    if (n * this.bytesPer > bytes) throw new Error(`more than ${MAX_BYTES / this.bytesPer} entries in one level`);
    if (buffer instanceof ArrayBuffer) buffer.resize(bytes);
    else buffer.grow(bytes);
  }
  push(v: number): void {
    if (this.length === this.data.length) this.reserve(this.length + 1);
    this.data[this.length++] = v;
  }
}
const floats = (shared = false) => new Column((b) => new Float64Array(b), 8, shared);
const uints = (shared = false) => new Column((b) => new Uint32Array(b), 4, shared);
const ints = () => new Column((b) => new Int32Array(b), 4);
const bytes = (shared = false) => new Column((b) => new Uint8Array(b), 1, shared);

/** This worker's outgoing candidates for one partition. */
class Outbox {
  readonly order = floats(true);
  readonly fp = uints(true);
  readonly flags = bytes(true);
  clear(): void {
    this.order.length = this.fp.length = this.flags.length = 0;
  }
  inbox(): Inbox {
    const count = this.order.length;
    this.flags.reserve(count);
    const buffer = (c: Column<Float64Array | Uint32Array | Uint8Array>) => c.data.buffer as SharedArrayBuffer;
    return { order: buffer(this.order), fp: buffer(this.fp), flags: buffer(this.flags), count };
  }
}

function views(box: Inbox): { order: Float64Array; fp: Uint32Array; flags: Uint8Array } {
  return {
    order: new Float64Array(box.order, 0, box.count),
    fp: new Uint32Array(box.fp, 0, 2 * box.count),
    flags: new Uint8Array(box.flags, 0, box.count),
  };
}

export class LevelWorker {
  private readonly fp: StateFingerprint;
  readonly findings: Findings;
  readonly coverage: Coverage;
  deadlock = -1;
  generated = 0;
  hashedStrings = false;
  /** Next rank to hand out while alone. */
  count = 0;
  depth = 0;
  private partitions = 1;
  /** This worker's partition of the visited set; the whole set during the replicated start. */
  private own = new FingerprintSet(1 << 12);
  private readonly scratch = new FingerprintSet(1 << 12);
  private states: unknown[] = [];
  private ranks = ints();
  // This level's candidates, in breadth-first order: partition, index of the parent in `states`, action name.
  // Their order keys and fingerprints are in the outbox of their partition, the n-th of a partition at index n.
  private candPart = bytes();
  private candParent = ints();
  private candAction = ints();
  private outboxes = [new Outbox()];
  /** This level's candidates as sent to their owners, per partition; the owners mark them there. */
  sent: Inbox[] = [];
  /** Order keys of the candidates this worker accepted as an owner in the last merge. */
  private readonly accepted = floats(true);
  private parent: Int32Array = new Int32Array(0);
  private choice: Int32Array = new Int32Array(0);
  private readonly heapLimit: number;

  constructor(
    readonly machine: AnyMachine,
    readonly setup: Setup,
  ) {
    this.fp = stateFingerprint(machine, setup.symmetry);
    this.findings = new Findings(machine);
    this.coverage = new Coverage(machine.actionNames);
    this.heapLimit = (setup.maxHeapMB ?? defaultHeapMB()) * 2 ** 20;
    this.exact = setup.exact ? new ExactSet() : undefined;
  }

  get frontier(): number {
    return this.states.length;
  }

  /** Sets the parent and choice columns (shared with the main thread, indexed by rank). */
  columns(parent: SharedArrayBuffer, choice: SharedArrayBuffer): void {
    this.parent = new Int32Array(parent);
    this.choice = new Int32Array(choice);
  }

  /** Level 1, on the main thread. */
  start(): void {
    const { machine, exact } = this;
    machine.init.forEach((state, i) => {
      this.generated++;
      if (this.count >= this.setup.maxStates) return;
      if (exact) {
        if (!exact.add(this.fp.exactKey(state))) return;
      } else {
        if (!this.fp.into(state)) this.hashedStrings = true;
        if (!this.own.addFingerprint(FP[0], FP[1])) return;
      }
      const rank = this.count++;
      this.record(rank, -1, i);
      if (this.findings.openState > 0) this.findings.checkState(rank, state);
      this.states.push(state);
      this.ranks.push(rank);
    });
    if (this.states.length > 0) this.depth = 1;
    if (this.count >= this.setup.maxStates) this.stop('states', this.states.length);
  }

  private record(rank: number, parent: number, choice: number): void {
    if (rank >= this.parent.length) {
      // The main thread sizes the shared columns before each commit; only the start alone grows its own.
      if (this.partitions > 1) throw new Error(`rank ${rank} beyond the shared columns`);
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(Math.max(1024, 2 * rank));
        b.set(a);
        return b;
      };
      this.parent = grow(this.parent);
      this.choice = grow(this.choice);
    }
    this.parent[rank] = parent;
    this.choice[rank] = choice;
  }

  /** Why the run alone stopped, if it did, and how many states it left unexpanded then. */
  stopped: StopKind | 'states' | 'depth' | undefined;
  queueLeft = 0;
  private expansions = 0;
  private readonly started = Date.now();
  private lastProgress = this.started;
  /** The visited set of an exact run, instead of `own`. */
  private readonly exact: ExactSet | undefined;
  /**
   * Date.now() from which `soloLevel` returns within its level, at its next check (every 1,024 expansions),
   * so that a checkpoint can be written (checkpoint.ts); the next call goes on from there. Never, unless set.
   */
  pauseAt = Infinity;
  /** Where a paused level goes on, and the next level found before the pause. */
  private cursor = 0;
  private pending: { states: unknown[]; ranks: Column<Int32Array> } | undefined;

  /** Whether the last `soloLevel` returned paused within its level. */
  get paused(): boolean {
    return this.pending !== undefined;
  }

  /** Everything the run alone has decided so far, for a checkpoint; the states themselves are rebuilt from it. */
  snapshot(): SoloSnapshot {
    if (this.exact) throw new Error('a run with exact keys cannot be checkpointed');
    const fingerprints = uints();
    this.own.forEach((h, l) => {
      fingerprints.push(h);
      fingerprints.push(l);
    });
    const ranks = this.ranks.data;
    return {
      count: this.count,
      generated: this.generated,
      depth: this.depth,
      hashedStrings: this.hashedStrings,
      deadlock: this.deadlock,
      stateAt: [...this.findings.stateAt],
      stepFrom: [...this.findings.stepFrom],
      stepChoice: [...this.findings.stepChoice],
      coverage: this.coverage.result(),
      parent: this.parent.slice(0, this.count),
      choice: this.choice.slice(0, this.count),
      fingerprints: fingerprints.data.slice(0, fingerprints.length),
      level: Int32Array.from(ranks.subarray(this.cursor, this.ranks.length)),
      next: this.pending ? this.pending.ranks.data.slice(0, this.pending.ranks.length) : new Int32Array(0),
    };
  }

  /** The run alone as it was at `snapshot`, instead of `start`: the same ranks, findings and figures follow. */
  restore(s: SoloSnapshot): void {
    Object.assign(this, { count: s.count, generated: s.generated, depth: s.depth, hashedStrings: s.hashedStrings, deadlock: s.deadlock });
    const f = this.findings;
    s.stateAt.forEach((v, i) => (f.stateAt[i] = v));
    s.stepFrom.forEach((v, i) => (f.stepFrom[i] = v));
    s.stepChoice.forEach((v, i) => (f.stepChoice[i] = v));
    f.openState = f.stateAt.filter((v) => v === -1).length;
    f.openStep = f.stepFrom.filter((v) => v === -1).length;
    for (const c of s.coverage) {
      const i = this.coverage.indexOf(c.action);
      this.coverage.fired[i] = c.fired;
      this.coverage.distinctNew[i] = c.distinctNew;
    }
    this.parent = new Int32Array(Math.max(1024, s.count));
    this.parent.set(s.parent);
    this.choice = new Int32Array(Math.max(1024, s.count));
    this.choice.set(s.choice);
    this.own = new FingerprintSet((s.fingerprints.length / 2) * 2);
    for (let i = 0; i < s.fingerprints.length; i += 2) this.own.addFingerprint(s.fingerprints[i], s.fingerprints[i + 1]);
    this.states = this.rebuild([...s.level]);
    this.ranks = ints();
    for (const rank of s.level) this.ranks.push(rank);
    this.cursor = 0;
    if (s.next.length > 0) {
      const ranks = ints();
      for (const rank of s.next) ranks.push(rank);
      this.pending = { states: this.rebuild([...s.next]), ranks };
    }
  }

  /**
   * One whole level on this thread alone: the single-threaded explorer, and the main thread before the other
   * threads join. Alone, a state is new as soon as the table says so, and it is recorded at once. A limit can
   * stop it within the level, leaving `queueLeft` states unexpanded.
   */
  soloLevel(): void {
    const { maxDepth, maxStates, checkDeadlock, onProgress } = this.setup;
    if (this.depth >= maxDepth) {
      this.stop('depth', this.states.length);
      return;
    }
    // A level paused within (see `pauseAt`) goes on where it stopped, with the next level found so far.
    const from = this.cursor;
    this.cursor = 0;
    const { machine, fp, findings, coverage, scratch, own, exact } = this;
    const { constraint } = machine;
    const { actions, next, terminal } = machine;
    const { fired, distinctNew } = coverage;
    const progressMs = this.setup.progressIntervalMs ?? 1000;
    const states = this.states;
    const ranks = this.ranks.data;
    const nextStates: unknown[] = this.pending?.states ?? [];
    const nextRanks = this.pending?.ranks ?? ints();
    this.pending = undefined;
    if (from === 0) scratch.clear();
    level: for (let j = from; j < states.length; j++) {
      const state = states[j];
      states[j] = undefined;
      const rank = ranks[j];
      // TLC's CONSTRAINT: a state outside it was counted and checked, and is not expanded.
      if (constraint !== undefined && !constraint(state)) continue;
      fp.parent(state);
      const enabled = actions(state);
      const n = enabled.length;
      this.generated += n;
      if (n === 0 && checkDeadlock && this.deadlock === -1 && !(terminal?.(state) ?? false)) this.deadlock = rank;
      for (let i = 0; i < n; i++) {
        const action = enabled[i];
        const target = next(state, action);
        const ai = coverage.indexOf(action.name);
        fired[ai]++;
        // A step that returns the very same object stutters: [P]_vars holds on it by definition, and the
        // target is this state, already visited, so no key is needed either.
        if (target === state) continue;
        if (findings.openStep > 0) findings.checkStep(rank, i, state, action, target);
        if (exact) {
          if (!exact.add(fp.exactKey(target))) continue;
        } else {
          if (!fp.into(target)) this.hashedStrings = true;
          // The small per-level set first: most successors are states of the next level met before (in
          // TwoPhase every one that is not a self-loop), which it answers from cache; the big table, far
          // larger than the cache, then sees each successor once per level.
          if (!scratch.addFingerprint(FP[0], FP[1]) || !own.addFingerprint(FP[0], FP[1])) continue;
        }
        const id = this.count++;
        this.record(id, rank, i);
        distinctNew[ai]++;
        if (findings.openState > 0) findings.checkState(id, target);
        nextStates.push(target);
        nextRanks.push(id);
        if (this.count >= maxStates) {
          this.stop('states', states.length - j - 1 + nextStates.length);
          break level;
        }
      }
      if ((++this.expansions & 1023) === 0) {
        const queue = states.length - j - 1 + nextStates.length;
        const now = Date.now();
        if (now > this.setup.deadline) this.stop('time', queue);
        else if ((this.expansions & 16383) === 0 && getHeapStatistics().used_heap_size > this.heapLimit) this.stop('memory', queue);
        if (this.stopped) break;
        if (now >= this.pauseAt) {
          this.cursor = j + 1;
          this.pending = { states: nextStates, ranks: nextRanks };
          return;
        }
        if (onProgress && now - this.lastProgress >= progressMs) {
          this.lastProgress = now;
          onProgress({ distinct: this.count, generated: this.generated, queue, depth: this.depth, seconds: (now - this.started) / 1000 });
        }
      }
    }
    this.states = nextStates;
    this.ranks = nextRanks;
    if (nextStates.length > 0) this.depth++;
  }

  private stop(kind: NonNullable<LevelWorker['stopped']>, queue: number): void {
    this.stopped = kind;
    this.queueLeft = queue;
  }

  /** The parent links of the levels explored alone. */
  startColumns(): { parent: Int32Array; choice: Int32Array } {
    return { parent: this.parent.subarray(0, this.count), choice: this.choice.subarray(0, this.count) };
  }

  /**
   * Hands out the current level: worker w gets the states whose rank is w modulo the number of workers, and
   * the fingerprints of its partition. This thread keeps its own share; the others' come back as payloads.
   */
  split(parent: SharedArrayBuffer, choice: SharedArrayBuffer): Share[] {
    const { workers } = this.setup;
    if (workers > 256) throw new Error('at most 256 partitions');
    const start = this.startColumns();
    new Int32Array(parent).set(start.parent);
    new Int32Array(choice).set(start.choice);
    this.columns(parent, choice);
    const fingerprints = Array.from({ length: workers }, uints);
    this.own.forEach((h, l) => {
      const p = partitionOf(h, workers);
      fingerprints[p].push(h);
      fingerprints[p].push(l);
    });
    const shares: Share[] = Array.from({ length: workers }, (_, w) => ({
      ranks: [],
      fingerprints: fingerprints[w].data.slice(0, fingerprints[w].length),
    }));
    for (let j = 0; j < this.states.length; j++) shares[this.ranks.data[j] % workers].ranks.push(this.ranks.data[j]);
    const mine = this.states.filter((_, j) => this.ranks.data[j] % workers === 0);
    this.adopt(shares[0], mine);
    return shares.slice(1);
  }

  /**
   * Takes over a share of a level and a partition of the visited set (see `split`). A thread rebuilds its states
   * by taking the recorded actions again from the initial states, rather than receiving copies: copies would
   * come out of the deserializer with other hidden classes than the model's own objects (every property access
   * in the model's code would then see two), and models need not keep their states cloneable.
   */
  adopt(share: Share, states?: unknown[]): void {
    const { workers } = this.setup;
    this.partitions = workers;
    this.outboxes = Array.from({ length: workers }, () => new Outbox());
    this.own = new FingerprintSet(share.fingerprints.length);
    for (let i = 0; i < share.fingerprints.length; i += 2) this.own.addFingerprint(share.fingerprints[i], share.fingerprints[i + 1]);
    this.states = states ?? this.rebuild(share.ranks);
    this.ranks = ints();
    for (const rank of share.ranks) this.ranks.push(rank);
  }

  /** The states of the given ranks, by replaying the parent links (each ancestor built once). */
  private rebuild(ranks: readonly number[]): unknown[] {
    const { actions, next, init } = this.machine;
    const built = new Map<number, unknown>();
    const enabled = new Map<number, readonly unknown[]>();
    const state = (rank: number): unknown => {
      let s = built.get(rank);
      if (s !== undefined) return s;
      const parent = this.parent[rank];
      if (parent === -1) s = init[this.choice[rank]];
      else {
        const from = state(parent);
        let as = enabled.get(parent);
        if (!as) enabled.set(parent, (as = actions(from)));
        s = next(from, as[this.choice[rank]]);
      }
      built.set(rank, s);
      return s;
    };
    return ranks.map(state);
  }

  /** Phase 1: expands this worker's states; new-looking successors become candidates of their partitions. */
  expand(): StopKind | undefined {
    const { machine, fp, findings, coverage, scratch, partitions } = this;
    const { constraint } = machine;
    const { actions, next, terminal } = machine;
    const { fired } = coverage;
    const checkDeadlock = this.setup.checkDeadlock;
    const states = this.states;
    const ranks = this.ranks.data;
    const { outboxes, candPart, candParent, candAction } = this;
    scratch.clear();
    candParent.length = candPart.length = candAction.length = 0;
    for (const box of outboxes) box.clear();
    let stop: StopKind | undefined = getHeapStatistics().used_heap_size > this.heapLimit ? 'memory' : undefined;
    for (let j = 0; j < states.length && !stop; j++) {
      const state = states[j];
      const rank = ranks[j];
      // TLC's CONSTRAINT: a state outside it was counted and checked, and is not expanded.
      if (constraint !== undefined && !constraint(state)) continue;
      fp.parent(state);
      const enabled = actions(state);
      const n = enabled.length;
      if (n >= CHOICE) throw new Error(`a state has ${n} enabled actions; parallel exploration handles fewer than ${CHOICE}`);
      this.generated += n;
      if (n === 0 && checkDeadlock && this.deadlock === -1 && !(terminal?.(state) ?? false)) this.deadlock = rank;
      for (let i = 0; i < n; i++) {
        const action = enabled[i];
        const target = next(state, action);
        const ai = coverage.indexOf(action.name);
        fired[ai]++;
        if (target === state) continue;
        if (findings.openStep > 0) findings.checkStep(rank, i, state, action, target);
        if (!fp.into(target)) this.hashedStrings = true;
        const h = FP[0];
        const l = FP[1];
        const p = partitions === 1 ? 0 : partitionOf(h, partitions);
        // Only this level's own duplicates are dropped here. Whether the state was visited before is its
        // owner's to say in merge, with the same one probe of its table that a check here would cost.
        if (!scratch.addFingerprint(h, l)) continue;
        const box = outboxes[p];
        box.order.push(rank * CHOICE + i);
        box.fp.push(h);
        box.fp.push(l);
        candPart.push(p);
        candAction.push(ai);
        // Not the state itself: most candidates lose to another worker's or are rebuilt in commit anyway, and
        // holding them all through the level would cost memory and garbage-collection time.
        candParent.push(j);
      }
      if ((j & 1023) === 1023) {
        if (Date.now() > this.setup.deadline) stop = 'time';
        else if ((j & 16383) === 16383 && getHeapStatistics().used_heap_size > this.heapLimit) stop = 'memory';
      }
    }
    this.sent = outboxes.map((box) => box.inbox());
    return stop;
  }

  /**
   * Phase 2, as the owner of this worker's partition: takes the partition's candidates from every worker in
   * breadth-first order (a merge by order key), so the first to reach a state is the one a single thread
   * would have found first. Marks each candidate new or not; returns the order keys of the new ones.
   */
  merge(inboxes: readonly Inbox[]): Accepted {
    const boxes = inboxes.map(views);
    const at = boxes.map(() => 0);
    const accepted = this.accepted;
    accepted.length = 0;
    for (;;) {
      let best = -1;
      let bestOrder = Infinity;
      for (let w = 0; w < boxes.length; w++) {
        if (at[w] < boxes[w].order.length && boxes[w].order[at[w]] < bestOrder) {
          best = w;
          bestOrder = boxes[w].order[at[w]];
        }
      }
      if (best === -1) break;
      const b = boxes[best];
      const i = at[best]++;
      const fresh = this.own.addFingerprint(b.fp[2 * i], b.fp[2 * i + 1]);
      b.flags[i] = fresh ? 1 : 0;
      if (fresh) accepted.push(bestOrder);
    }
    return { keys: accepted.data.buffer as SharedArrayBuffer, count: accepted.length };
  }

  /**
   * Phase 3: the new states this worker found first get their ranks (breadth-first order over all workers),
   * parent links and property checks, and become its next level. Ranks from `cutoff` on are dropped (state limit).
   */
  commit(accepted: readonly Accepted[], levelStart: number, cutoff: number): number {
    const lists = accepted.map((a) => new Float64Array(a.keys, 0, a.count));
    const sent = this.sent.map(views);
    const at = lists.map(() => 0);
    const nth = sent.map(() => 0);
    const { findings, coverage, candPart, candParent, candAction } = this;
    const { actions, next } = this.machine;
    const states: unknown[] = [];
    const ranks = ints();
    let parent: unknown;
    let last = -1;
    let enabled: readonly unknown[] = [];
    for (let c = 0; c < candParent.length; c++) {
      const p = candPart.data[c];
      const k = nth[p]++;
      if (sent[p].flags[k] === 0) continue;
      const order = sent[p].order[k];
      let rank = levelStart;
      for (let q = 0; q < lists.length; q++) {
        const list = lists[q];
        let i = at[q];
        while (i < list.length && list[i] < order) i++;
        at[q] = i;
        rank += i;
      }
      if (rank >= cutoff) continue;
      const parentRank = Math.floor(order / CHOICE);
      const choice = order - parentRank * CHOICE;
      this.record(rank, parentRank, choice);
      coverage.distinctNew[candAction.data[c]]++;
      // The machine is deterministic, so taking the same action again rebuilds the very state. Parents come in
      // order, so each is let go once its last winner is rebuilt, as the single-threaded explorer lets go of a
      // state once expanded: this level shrinks while the next one grows.
      const j = candParent.data[c];
      const from = this.states[j];
      if (from !== parent) {
        if (last >= 0) this.states[last] = undefined;
        parent = from;
        last = j;
        enabled = actions(from);
      }
      const state = next(from, enabled[choice]);
      if (findings.openState > 0) findings.checkState(rank, state);
      states.push(state);
      ranks.push(rank);
    }
    this.sent = [];
    this.states = states;
    this.ranks = ranks;
    return states.length;
  }
}

/** The single-threaded run at a pause (see `LevelWorker.snapshot`): what a checkpoint file holds. */
export interface SoloSnapshot {
  readonly count: number;
  readonly generated: number;
  readonly depth: number;
  readonly hashedStrings: boolean;
  readonly deadlock: number;
  readonly stateAt: readonly number[];
  readonly stepFrom: readonly number[];
  readonly stepChoice: readonly number[];
  readonly coverage: readonly ActionCoverage[];
  /** Parent rank and action index of every state ranked so far. */
  readonly parent: Int32Array;
  readonly choice: Int32Array;
  /** The visited set: (hi, lo) pairs. */
  readonly fingerprints: Uint32Array;
  /** Ranks of the current level's states not expanded yet, and of the next level's states found so far. */
  readonly level: Int32Array;
  readonly next: Int32Array;
}

/** A worker's part of a level when the threads join: the ranks of its states, and its fingerprints. */
export interface Share {
  readonly ranks: number[];
  readonly fingerprints: Uint32Array;
}

/** A worker's answer at the end of a run. */
export interface WorkerSummary {
  readonly generated: number;
  readonly hashedStrings: boolean;
  readonly deadlock: number;
  readonly stateAt: readonly number[];
  readonly stepFrom: readonly number[];
  readonly stepChoice: readonly number[];
  readonly coverage: ExploreResult['coverage'];
}

export function summary(w: LevelWorker): WorkerSummary {
  return {
    generated: w.generated,
    hashedStrings: w.hashedStrings,
    deadlock: w.deadlock,
    stateAt: w.findings.stateAt,
    stepFrom: w.findings.stepFrom,
    stepChoice: w.findings.stepChoice,
    coverage: w.coverage.result(),
  };
}
