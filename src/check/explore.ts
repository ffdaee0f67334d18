// Exhaustive breadth-first explorer with TLC's counting.
// distinct  = different reachable states (by canonical key);
// generated = 1 per initial state + 1 per enabled action instance of every explored state;
// depth     = number of BFS levels, the initial states being level 1.
// Visited states are kept as 64-bit fingerprints plus a parent link and the index of the action taken,
// so a counterexample is rebuilt by re-executing its actions (see trace.ts), never stored as states.
import { getHeapStatistics } from 'node:v8';
import { livenessPropertyNames, type AnyMachine, type PropertyKind } from '../model/model';
import { fail } from '../shared/errors';
import { ExactSet, FP, FingerprintSet, collisionProbability, fingerprintInto, type VisitedSet } from './visited';

/** A path is the index of an initial state and, per step, the index of the action in `actions(state)`. */
export interface Path {
  readonly init: number;
  readonly choices: readonly number[];
}

export interface Finding {
  readonly property: string;
  readonly kind: PropertyKind | 'deadlock';
  readonly path: Path;
}

export interface ActionCoverage {
  readonly action: string;
  /** Times an instance of the action was enabled and taken (TLC's "states found"). */
  readonly fired: number;
  /** Distinct new states it produced. */
  readonly distinctNew: number;
}

export type LimitKind = 'states' | 'depth' | 'time' | 'memory';

export interface Progress {
  readonly distinct: number;
  readonly generated: number;
  readonly queue: number;
  readonly depth: number;
  readonly seconds: number;
}

export interface ExploreOptions {
  /** Stop once this many distinct states are known. */
  readonly maxStates?: number;
  /** Do not expand states at this depth (initial states are depth 1). */
  readonly maxDepth?: number;
  readonly maxSeconds?: number;
  /** Stop before the JS heap holds this much; defaults to 3/4 of V8's heap limit. */
  readonly maxHeapMB?: number;
  /** Report states with no enabled action that the machine does not call terminal. */
  readonly checkDeadlock?: boolean;
  /** Keep whole keys instead of fingerprints (exact, more memory). */
  readonly exact?: boolean;
  /**
   * Symmetry reduction: states are told apart by the machine's orbit key, so one state per orbit is expanded
   * and counted. The expanded state is a concrete one, so every path stays a real run of the unreduced model.
   */
  readonly symmetry?: boolean;
  readonly onProgress?: (progress: Progress) => void;
  readonly progressIntervalMs?: number;
}

export interface ExploreResult {
  readonly status: 'complete' | 'limit';
  readonly limit?: { readonly kind: LimitKind; readonly message: string };
  readonly distinctStates: number;
  readonly statesGenerated: number;
  readonly depth: number;
  /** States discovered but not yet expanded when the run stopped. */
  readonly queueLeft: number;
  /** Shortest counterexample per violated `always` / `step` property, and the first deadlock. */
  readonly violations: readonly Finding[];
  /** Shortest witness per reached `sometimes` property. */
  readonly witnesses: readonly Finding[];
  /** `sometimes` properties never reached. Only conclusive when status is complete. */
  readonly unreached: readonly string[];
  /** Properties breadth-first search does not decide (liveness). */
  readonly unchecked: readonly string[];
  readonly coverage: readonly ActionCoverage[];
  /** TLC's optimistic fingerprint-collision estimate; 0 when every key was an integer; null with exact keys. */
  readonly collisionProbability: number | null;
}

export const DEFAULT_MAX_STATES = 20_000_000;

/** 3/4 of V8's heap limit, the default memory guard. */
export function defaultHeapMB(): number {
  return Math.floor((getHeapStatistics().heap_size_limit / 2 ** 20) * 0.75);
}

/** Growable Int32Array for parent links and action indices. */
export class IntColumn {
  data = new Int32Array(1 << 16);
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const bigger = new Int32Array(Math.max(this.data.length * 2, i + 1));
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[i] = v;
  }
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

/** The key a run tells states apart by: the machine's key, or its orbit key under symmetry reduction. */
export function keyOf(machine: AnyMachine, symmetry: boolean | undefined): (state: unknown) => string | number {
  if (symmetry && !machine.symmetry) fail('this model declares no symmetry, so --symmetry cannot be used');
  return symmetry ? machine.symmetry! : machine.key;
}

export function explore(machine: AnyMachine, options: ExploreOptions = {}): ExploreResult {
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  const maxDepth = options.maxDepth ?? Infinity;
  const maxMs = (options.maxSeconds ?? Infinity) * 1000;
  const maxHeapBytes = (options.maxHeapMB ?? defaultHeapMB()) * 2 ** 20;
  const progressMs = options.progressIntervalMs ?? 1000;
  const checkDeadlock = options.checkDeadlock ?? false;
  const visited: VisitedSet = options.exact ? new ExactSet() : new FingerprintSet();
  const { actions, next, terminal } = machine;
  const key = keyOf(machine, options.symmetry);
  const findings = new Findings(machine);
  const coverage = new Coverage(machine.actionNames);
  const { fired, distinctNew } = coverage;
  let deadlock = -1;

  const fp = visited instanceof FingerprintSet ? visited : undefined;
  const scratch = new FingerprintSet(1 << 12);

  const parent = new IntColumn();
  const choice = new IntColumn();
  let count = 0;
  let generated = 0;
  let depth = 0;
  let limit: ExploreResult['limit'];

  let level: unknown[] = [];
  machine.init.forEach((state, i) => {
    generated++;
    if (limit || !visited.add(key(state))) return;
    parent.set(count, -1);
    choice.set(count, i);
    if (findings.openState > 0) findings.checkState(count, state);
    count++;
    level.push(state);
    if (count >= maxStates) limit = { kind: 'states', message: `state limit of ${maxStates} reached` };
  });
  let levelStart = 0;
  if (level.length > 0) depth = 1;

  const started = performance.now();
  let lastProgress = started;
  let expansions = 0;
  let queueLeft = limit ? level.length : 0;

  outer: while (level.length > 0 && !limit) {
    if (depth >= maxDepth) {
      limit = { kind: 'depth', message: `depth limit of ${maxDepth} reached` };
      queueLeft = level.length;
      break;
    }
    const nextLevel: unknown[] = [];
    const nextStart = count;
    scratch.clear();
    for (let j = 0; j < level.length; j++) {
      const state = level[j];
      level[j] = undefined;
      const sid = levelStart + j;
      const enabled = actions(state);
      const n = enabled.length;
      generated += n;
      if (n === 0 && checkDeadlock && deadlock === -1 && !(terminal?.(state) ?? false)) deadlock = sid;
      for (let i = 0; i < n; i++) {
        const action = enabled[i];
        const target = next(state, action);
        const ai = coverage.indexOf(action.name);
        fired[ai]++;
        // A step that returns the very same object stutters: [P]_vars holds on it by definition, and the
        // target is this state, already visited, so no key is needed either.
        if (target === state) continue;
        if (findings.openStep > 0) findings.checkStep(sid, i, state, action, target);
        if (fp) {
          if (!fingerprintInto(key(target))) fp.markHashedStrings();
          // The small per-level set first: most successors are states of the next level met before (in
          // TwoPhase every one that is not a self-loop), which it answers from cache; the big table, far
          // larger than the cache, then sees each successor once per level.
          if (!scratch.addFingerprint(FP[0], FP[1]) || !fp.addFingerprint(FP[0], FP[1])) continue;
        } else if (!visited.add(key(target))) continue;
        parent.set(count, sid);
        choice.set(count, i);
        distinctNew[ai]++;
        if (findings.openState > 0) findings.checkState(count, target);
        count++;
        nextLevel.push(target);
        if (count >= maxStates) {
          limit = { kind: 'states', message: `state limit of ${maxStates} reached` };
          queueLeft = level.length - j - 1 + nextLevel.length;
          break outer;
        }
      }
      if ((++expansions & 1023) === 0) {
        const now = performance.now();
        const queue = level.length - j - 1 + nextLevel.length;
        if (now - started > maxMs) {
          limit = { kind: 'time', message: `time limit of ${maxMs / 1000} s reached` };
          queueLeft = queue;
          break outer;
        }
        if ((expansions & 16383) === 0 && process.memoryUsage().heapUsed > maxHeapBytes) {
          limit = memoryLimit(maxHeapBytes);
          queueLeft = queue;
          break outer;
        }
        if (options.onProgress && now - lastProgress >= progressMs) {
          lastProgress = now;
          options.onProgress({ distinct: count, generated, queue, depth, seconds: (now - started) / 1000 });
        }
      }
    }
    level = nextLevel;
    levelStart = nextStart;
    if (level.length > 0) depth++;
  }

  const found = reportFindings(machine, findings, deadlock, (id, extra) => pathFrom(parent.data, choice.data, id, extra));
  return {
    status: limit ? 'limit' : 'complete',
    ...(limit ? { limit } : {}),
    distinctStates: count,
    statesGenerated: generated,
    depth,
    queueLeft,
    ...found,
    unchecked: livenessPropertyNames(machine),
    coverage: coverage.result(),
    collisionProbability: visited instanceof FingerprintSet ? (visited.collisionFree ? 0 : collisionProbability(count, generated)) : null,
  };
}

export function memoryLimit(maxHeapBytes: number): NonNullable<ExploreResult['limit']> {
  return { kind: 'memory', message: `memory limit of ${Math.round(maxHeapBytes / 2 ** 20)} MB heap reached` };
}
