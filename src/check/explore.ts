// Exhaustive breadth-first explorer with TLC's counting.
// distinct  = different reachable states (by canonical key);
// generated = 1 per initial state + 1 per enabled action instance of every explored state;
// depth     = number of BFS levels, the initial states being level 1.
// Visited states are kept as 64-bit fingerprints plus a parent link and the index of the action taken,
// so a counterexample is rebuilt by re-executing its actions (see trace.ts), never stored as states.
import { getHeapStatistics } from 'node:v8';
import { livenessPropertyNames, type AnyMachine, type PropertyKind } from '../model/model';
import { fail } from '../shared/errors';
import { ExactSet, FingerprintSet, collisionProbability, type VisitedSet } from './visited';

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

function defaultHeapMB(): number {
  return Math.floor((getHeapStatistics().heap_size_limit / 2 ** 20) * 0.75);
}

/** Growable Int32Array for parent links and action indices. */
class IntColumn {
  data = new Int32Array(1 << 16);
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[i] = v;
  }
}

export function explore(machine: AnyMachine, options: ExploreOptions = {}): ExploreResult {
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  const maxDepth = options.maxDepth ?? Infinity;
  const maxMs = (options.maxSeconds ?? Infinity) * 1000;
  const maxHeapBytes = (options.maxHeapMB ?? defaultHeapMB()) * 2 ** 20;
  const progressMs = options.progressIntervalMs ?? 1000;
  const visited: VisitedSet = options.exact ? new ExactSet() : new FingerprintSet();
  const { actions, next } = machine;
  if (options.symmetry && !machine.symmetry) fail('this model declares no symmetry, so --symmetry cannot be used');
  const key = options.symmetry ? machine.symmetry! : machine.key;

  const stateProps = machine.properties.filter((p) => p.kind === 'always' || p.kind === 'sometimes');
  const stepProps = machine.properties.filter((p) => p.kind === 'step');
  const stateDone = new Array<boolean>(stateProps.length).fill(false);
  const stepDone = new Array<boolean>(stepProps.length).fill(false);
  const stateFound: ({ id: number } | undefined)[] = new Array(stateProps.length);
  const stepFound: ({ parent: number; choice: number } | undefined)[] = new Array(stepProps.length);
  let openStateProps = stateProps.length;
  let openStepProps = stepProps.length;
  let deadlock: number | undefined;

  const actionIndex = new Map<string, number>();
  const fired: number[] = [];
  const distinctNew: number[] = [];
  const coverageNames: string[] = [];
  const indexOf = (name: string): number => {
    let i = actionIndex.get(name);
    if (i === undefined) {
      i = coverageNames.length;
      actionIndex.set(name, i);
      coverageNames.push(name);
      fired.push(0);
      distinctNew.push(0);
    }
    return i;
  };
  for (const name of machine.actionNames) indexOf(name);

  const parent = new IntColumn();
  const choice = new IntColumn();
  let count = 0;
  let generated = 0;
  let depth = 0;
  let limit: ExploreResult['limit'];

  const checkState = (id: number, state: unknown): void => {
    if (openStateProps === 0) return;
    for (let p = 0; p < stateProps.length; p++) {
      if (stateDone[p]) continue;
      const prop = stateProps[p];
      const holds = (prop.holds as (s: unknown) => boolean)(state);
      // An invariant is found when it fails; a witness when it holds.
      if (prop.kind === 'always' ? !holds : holds) {
        stateDone[p] = true;
        stateFound[p] = { id };
        openStateProps--;
      }
    }
  };

  let level: unknown[] = [];
  machine.init.forEach((state, i) => {
    generated++;
    if (limit || !visited.add(key(state))) return;
    parent.set(count, -1);
    choice.set(count, i);
    checkState(count, state);
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
    for (let j = 0; j < level.length; j++) {
      const state = level[j];
      level[j] = undefined;
      const sid = levelStart + j;
      const enabled = actions(state);
      const n = enabled.length;
      generated += n;
      if (n === 0 && options.checkDeadlock && deadlock === undefined && !(machine.terminal?.(state) ?? false)) {
        deadlock = sid;
      }
      for (let i = 0; i < n; i++) {
        const action = enabled[i];
        const target = next(state, action);
        const ai = indexOf(action.name);
        fired[ai]++;
        // A step to the identical state object stutters, and [P]_vars holds on stuttering steps by definition.
        if (openStepProps > 0 && target !== state) {
          for (let p = 0; p < stepProps.length; p++) {
            if (stepDone[p]) continue;
            const prop = stepProps[p] as { holds: (s: unknown, a: unknown, t: unknown) => boolean };
            if (!prop.holds(state, action, target)) {
              stepDone[p] = true;
              stepFound[p] = { parent: sid, choice: i };
              openStepProps--;
            }
          }
        }
        // A step that returns the very same object is a self-loop: already visited, no key needed.
        if (target !== state && visited.add(key(target))) {
          parent.set(count, sid);
          choice.set(count, i);
          distinctNew[ai]++;
          checkState(count, target);
          count++;
          nextLevel.push(target);
          if (count >= maxStates) {
            limit = { kind: 'states', message: `state limit of ${maxStates} reached` };
            queueLeft = level.length - j - 1 + nextLevel.length;
            break outer;
          }
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
          limit = { kind: 'memory', message: `memory limit of ${Math.round(maxHeapBytes / 2 ** 20)} MB heap reached` };
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

  const pathTo = (id: number, extra?: number): Path => {
    const choices: number[] = [];
    if (extra !== undefined) choices.push(extra);
    let cur = id;
    while (parent.data[cur] !== -1) {
      choices.push(choice.data[cur]);
      cur = parent.data[cur];
    }
    choices.reverse();
    return { init: choice.data[cur], choices };
  };

  const violations: Finding[] = [];
  const witnesses: Finding[] = [];
  const unreached: string[] = [];
  for (const prop of machine.properties) {
    if (prop.kind === 'step') {
      const f = stepFound[stepProps.indexOf(prop)];
      if (f) violations.push({ property: prop.name, kind: 'step', path: pathTo(f.parent, f.choice) });
    } else if (prop.kind === 'always' || prop.kind === 'sometimes') {
      const f = stateFound[stateProps.indexOf(prop)];
      if (f && prop.kind === 'always') violations.push({ property: prop.name, kind: 'always', path: pathTo(f.id) });
      if (f && prop.kind === 'sometimes') witnesses.push({ property: prop.name, kind: 'sometimes', path: pathTo(f.id) });
      if (!f && prop.kind === 'sometimes') unreached.push(prop.name);
    }
  }
  if (deadlock !== undefined) violations.push({ property: 'deadlock', kind: 'deadlock', path: pathTo(deadlock) });

  return {
    status: limit ? 'limit' : 'complete',
    ...(limit ? { limit } : {}),
    distinctStates: count,
    statesGenerated: generated,
    depth,
    queueLeft,
    violations,
    witnesses,
    unreached,
    unchecked: livenessPropertyNames(machine),
    coverage: coverageNames.map((action, i) => ({ action, fired: fired[i], distinctNew: distinctNew[i] })),
    collisionProbability: visited instanceof FingerprintSet ? (visited.collisionFree ? 0 : collisionProbability(count, generated)) : null,
  };
}
