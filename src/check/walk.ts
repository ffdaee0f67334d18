// The fast-check bridge: random walks over any model, valid by construction.
// A walk is generated as plain numbers, and each number is read modulo the number of actions enabled at
// that step. Every shrink of the numbers (smaller values, fewer steps) is therefore still a valid run, so
// fast-check never rejects an input and shrinks a failure to a short, readable walk.
// Walks also use swarm testing (Groce et al., ISSTA 2012): each walk mutes a random subset of action names,
// so that rare paths (e.g. no RM ever chooses to abort) are taken far more often than under uniform choice.
// A muted action is still taken when nothing else is enabled, and mutes shrink away (towards uniform).
import fc from 'fast-check';
import type { Path } from './explore';
import type { AnyMachine, PropertyKind } from '../model/model';

export interface WalkInput extends Path {
  /** Indices into machine.actionNames that this walk avoids. */
  readonly muted?: readonly number[];
}

export function walkArbitrary(walkLength: number, actionCount = 0): fc.Arbitrary<WalkInput> {
  return fc.record({
    init: fc.nat(),
    choices: fc.array(fc.nat(), { maxLength: walkLength, size: 'max' }),
    muted: actionCount > 0 ? fc.uniqueArray(fc.nat({ max: actionCount - 1 }), { maxLength: actionCount - 1 }) : fc.constant([]),
  });
}

/** The random-walk arbitrary for a machine. */
export function pathArbitrary(machine: AnyMachine, walkLength: number): fc.Arbitrary<WalkInput> {
  return walkArbitrary(walkLength, machine.actionNames.length);
}

export interface WalkResult {
  /** The first violation of the watched safety properties, with the path cut right after it. */
  readonly violation?: { readonly property: string; readonly kind: PropertyKind; readonly path: Path };
  /** Names of sometimes properties that held in some state of the walk. */
  readonly reached: readonly string[];
  readonly steps: number;
}

/**
 * Runs one walk, checking `always` properties on every state and `step` properties on every transition.
 * `watch` restricts which safety properties count as failures (default: all).
 */
export function runWalk(machine: AnyMachine, path: WalkInput, watch?: ReadonlySet<string>, onState?: (state: unknown) => void): WalkResult {
  const muted = new Set((path.muted ?? []).map((i) => machine.actionNames[i]));
  const safety = machine.properties.filter((p) => (p.kind === 'always' || p.kind === 'step') && (!watch || watch.has(p.name)));
  const sometimes = machine.properties.filter((p) => p.kind === 'sometimes');
  const reached = new Set<string>();
  const initIndex = path.init % machine.init.length;
  let state = machine.init[initIndex];
  const choices: number[] = [];
  const visit = (s: unknown): void => {
    onState?.(s);
    for (const p of sometimes) if (!reached.has(p.name) && (p.holds as (x: unknown) => boolean)(s)) reached.add(p.name);
  };
  const cut = (property: string, kind: PropertyKind): WalkResult => ({
    violation: { property, kind, path: { init: initIndex, choices: [...choices] } },
    reached: [...reached],
    steps: choices.length,
  });
  visit(state);
  for (const p of safety) if (p.kind === 'always' && !p.holds(state)) return cut(p.name, 'always');
  for (const c of path.choices) {
    const enabled = machine.actions(state);
    if (enabled.length === 0) break;
    let index = c % enabled.length;
    if (muted.size > 0) {
      const open: number[] = [];
      enabled.forEach((a: { name: string }, i: number) => muted.has(a.name) || open.push(i));
      if (open.length > 0) index = open[c % open.length];
    }
    const action = enabled[index];
    const next = machine.next(state, action);
    choices.push(index);
    for (const p of safety) if (p.kind === 'step' && !p.holds(state, action, next)) return cut(p.name, 'step');
    state = next;
    visit(state);
    for (const p of safety) if (p.kind === 'always' && !p.holds(state)) return cut(p.name, 'always');
  }
  return { reached: [...reached], steps: choices.length };
}

export interface RandomOptions {
  readonly seed: number;
  readonly runs: number;
  readonly walkLength: number;
  /** fast-check's replay path of a failing case, printed with every random-walk counterexample. */
  readonly path?: string;
}

export interface RandomViolation {
  readonly property: string;
  readonly kind: PropertyKind;
  /** The shrunk walk, cut right after the violation. */
  readonly path: Path;
  readonly seed: number;
  readonly replayPath: string;
  readonly shrinks: number;
}

export interface RandomResult {
  readonly violations: readonly RandomViolation[];
  readonly reached: readonly string[];
  readonly unreached: readonly string[];
  readonly distinctStates: number;
  readonly statesGenerated: number;
  readonly longestWalk: number;
}

/**
 * Checks every safety property of a machine with `fc.check` over random walks, one property at a time so
 * that each shrinks to its own shortest walk. Deterministic for a given seed.
 */
export function checkRandom(machine: AnyMachine, options: RandomOptions): RandomResult {
  const reached = new Set<string>();
  const seen = new Set<string | number>();
  let generated = 0;
  let longest = 0;
  const violations: RandomViolation[] = [];
  const safety = machine.properties.filter((p) => p.kind === 'always' || p.kind === 'step');
  // With no safety property, one pass still walks to collect witnesses.
  const passes = safety.length > 0 ? safety.map((p) => p.name) : [undefined];
  passes.forEach((name, i) => {
    const watch = new Set(name === undefined ? [] : [name]);
    const firstPass = i === 0;
    const details = fc.check(
      fc.property(pathArbitrary(machine, options.walkLength), (path) => {
        const result = runWalk(machine, path, watch, firstPass ? (s) => seen.add(machine.key(s)) : undefined);
        if (firstPass) {
          for (const name of result.reached) reached.add(name);
          generated += result.steps + 1;
          longest = Math.max(longest, result.steps);
        }
        return result.violation === undefined;
      }),
      { seed: options.seed, numRuns: options.runs, ...(options.path ? { path: options.path } : {}) },
    );
    if (details.failed && details.counterexample) {
      const walk = runWalk(machine, details.counterexample[0], watch);
      if (walk.violation) {
        violations.push({
          property: walk.violation.property,
          kind: walk.violation.kind,
          path: walk.violation.path,
          seed: details.seed,
          replayPath: details.counterexamplePath ?? '',
          shrinks: details.numShrinks,
        });
      }
    } else if (details.failed) {
      throw details.errorInstance ?? new Error(`random walk for ${name} failed without a counterexample`);
    }
  });
  const sometimes = machine.properties.filter((p) => p.kind === 'sometimes').map((p) => p.name);
  return {
    violations,
    reached: sometimes.filter((n) => reached.has(n)),
    unreached: sometimes.filter((n) => !reached.has(n)),
    distinctStates: seen.size,
    statesGenerated: generated,
    longestWalk: longest,
  };
}
