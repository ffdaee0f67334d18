// The fast-check bridge: random walks over any model, valid by construction.
// A walk is plain numbers, and each number is read modulo the number of actions it may choose from at that
// step. Every shrink of the numbers (smaller values, fewer steps) is therefore still a valid run, so
// fast-check never rejects an input and shrinks a failure to a short, readable walk.
// Two ways to spread walks over the state space, both at generation time, so that a walk stays plain data:
// - Swarm testing (Groce et al., ISSTA 2012): a walk mutes a random subset of action names, so that rare
//   paths (e.g. no RM ever chooses to abort) are taken more often. A muted action is still taken when nothing
//   else is enabled, and mutes shrink away (towards uniform).
// - Coverage guidance, after Go-Explore (Ecoffet et al., Nature 2021): the generator remembers the states
//   earlier walks visited; a walk first replays the route to a visited state that still has an unvisited
//   successor, then prefers unvisited successors at every step. Uniform walks keep revisiting the states near
//   the initial one: in TwoPhase with 4 RMs, 1,000 of them see 59% of the states, 1,000 guided ones 99-100%
//   (reports/walk-coverage.md). The guidance only picks the numbers: `runWalk` reads them like any others.
// `checkRandom` uses both: every walk is guided, and half of them are also swarm walks (guidance covers the
// space; mutes still find the rare paths it does not aim for, e.g. quorums that overlap in one node only).
import fc from 'fast-check';
import type { Path } from './explore';
import { stateKeyOf, type AnyMachine, type PropertyKind } from '../model/model';

export interface WalkInput extends Path {
  /** Indices into machine.actionNames that this walk avoids. */
  readonly muted?: readonly number[];
}

/** How walks are generated; every combination reads walks the same way. */
export interface WalkStyle {
  /** Walks mute a random subset of action names: every walk, or with `guided`, every other walk on average. */
  readonly swarm?: boolean;
  /** Walks start by revisiting a frontier state of earlier walks and prefer unvisited successors. */
  readonly guided?: boolean;
}

/** What `checkRandom` uses unless told otherwise. */
export const DEFAULT_WALK_STYLE: WalkStyle = { guided: true, swarm: true };

export function walkArbitrary(walkLength: number, actionCount = 0): fc.Arbitrary<WalkInput> {
  const choices = fc.array(fc.nat(), { maxLength: walkLength, size: 'max' });
  if (actionCount <= 1) return fc.record({ init: fc.nat(), choices });
  return fc.record({ init: fc.nat(), choices, muted: fc.uniqueArray(fc.nat({ max: actionCount - 1 }), { maxLength: actionCount - 1 }) });
}

/**
 * The random-walk arbitrary for a machine. Uniform and swarm walks (the default) are stateless, as `test.prop`
 * needs to replay a failure; guided walks remember the walks before them, so use one instance per check.
 */
export function pathArbitrary(machine: AnyMachine, walkLength: number, style: WalkStyle = { swarm: true }): fc.Arbitrary<WalkInput> {
  if (style.guided) return new GuidedWalks(machine, walkLength, style.swarm === true);
  return walkArbitrary(walkLength, style.swarm === false ? 0 : machine.actionNames.length);
}

type Enabled = readonly { readonly name: string }[];

/** The indices of the enabled actions a walk chooses among: those not muted, or all of them when every one is. */
function menuOf(enabled: Enabled, muted: ReadonlySet<string>): number[] {
  const all = enabled.map((_, i) => i);
  if (muted.size === 0) return all;
  const open = all.filter((i) => !muted.has(enabled[i].name));
  return open.length > 0 ? open : all;
}

type Key = string | number;

interface Known {
  /** The state before this one on the shortest route known, and the index of the enabled action taken there. */
  parent: Key | undefined;
  action: number;
  init: number;
  depth: number;
}

/**
 * Coverage-guided walks. Walk k depends on walks 0..k-1 of the same instance, so the instance records the
 * walks it generated: `rewind(k)` makes the next `generate` return walk k again, and a replay of fast-check's
 * path k:… must first generate walks 0..k-1 (`checkRandom` does both). Shrinking ignores the guidance: it
 * shrinks the numbers like any other walk.
 */
export class GuidedWalks extends fc.Arbitrary<WalkInput> {
  private readonly base: fc.Arbitrary<WalkInput>;
  private readonly history: WalkInput[] = [];
  private cursor = 0;
  private readonly known = new Map<Key, Known>();
  /** By depth: visited states that had an unvisited successor when a walk last left them. */
  private readonly frontier: Key[][] = [];
  private readonly onFrontier = new Map<Key, unknown>();
  private readonly initKeys: readonly Key[];
  private readonly key: (state: unknown) => Key;

  constructor(
    private readonly machine: AnyMachine,
    private readonly walkLength: number,
    private readonly swarm: boolean,
  ) {
    super();
    this.base = walkArbitrary(walkLength, swarm ? machine.actionNames.length : 0);
    this.key = stateKeyOf(machine);
    this.initKeys = machine.init.map((s: unknown) => this.key(s));
  }

  /** The number of walks generated so far. */
  get generated(): number {
    return this.history.length;
  }

  /** The next `generate` returns walk `k` (from 0), which must have been generated already or be the next new one. */
  rewind(k: number): void {
    if (k > this.history.length) throw new Error(`cannot rewind to walk ${k}: only ${this.history.length} generated`);
    this.cursor = k;
  }

  generate(mrng: fc.Random): fc.Value<WalkInput> {
    if (this.cursor < this.history.length) return new fc.Value(this.history[this.cursor++], undefined);
    const walk = this.explore((n) => mrng.nextInt(0, n - 1));
    this.history.push(walk);
    this.cursor++;
    return new fc.Value(walk, undefined);
  }

  canShrinkWithoutContext(value: unknown): value is WalkInput {
    return this.base.canShrinkWithoutContext(value);
  }

  shrink(value: WalkInput): fc.Stream<fc.Value<WalkInput>> {
    return this.base.canShrinkWithoutContext(value) ? this.base.shrink(value, undefined) : fc.Stream.nil();
  }

  private explore(rand: (n: number) => number): WalkInput {
    const m = this.machine;
    // Half the walks are swarm walks: mutes find rare paths, but a muted walk cannot take every fresh step.
    const mutedIndices = this.swarm && rand(2) === 0 ? drawSubset(m.actionNames.length, rand) : [];
    const muted = new Set(mutedIndices.map((i) => m.actionNames[i]));
    // An initial state no walk has started from comes first; then a frontier state; then any initial state.
    const offset = rand(m.init.length);
    const freshInit = this.initKeys.findIndex((_, i) => !this.known.has(this.initKeys[(offset + i) % m.init.length]));
    const target = freshInit < 0 ? this.pickTarget(rand) : undefined;
    const route = target === undefined ? [] : this.routeTo(target);
    const init = target !== undefined ? this.known.get(target)!.init : (offset + Math.max(0, freshInit)) % m.init.length;
    let state = m.init[init];
    let key = this.key(state);
    this.visit(key, undefined, -1, init, 0);
    const choices: number[] = [];
    while (choices.length < this.walkLength) {
      const enabled: Enabled = m.actions(state);
      if (enabled.length === 0) break;
      const menu = menuOf(enabled, muted);
      let pos = choices.length < route.length ? menu.indexOf(route[choices.length]) : -1;
      let next: unknown;
      let nextKey: Key | undefined;
      if (pos >= 0) {
        next = m.next(state, enabled[menu[pos]]);
        nextKey = this.key(next);
      } else {
        route.length = 0;
        // From a random place in the menu, the first action that leads to a state no walk has visited.
        const from = rand(menu.length);
        let stutterOnly = true;
        for (let j = 0; j < menu.length && pos < 0; j++) {
          const p = (from + j) % menu.length;
          const t = m.next(state, enabled[menu[p]]);
          const k = this.key(t);
          if (k !== key) stutterOnly = false;
          if (!this.known.has(k)) [pos, next, nextKey] = [p, t, k];
        }
        if (pos >= 0) this.enterFrontier(key, state);
        else {
          if (menu.length === enabled.length) this.onFrontier.delete(key);
          if (stutterOnly) {
            // Only stuttering steps are left: take each once (step properties see them all) and stop.
            for (let p = 0; p < menu.length && choices.length < this.walkLength; p++) choices.push(p);
            break;
          }
          pos = from;
          next = m.next(state, enabled[menu[pos]]);
          nextKey = this.key(next);
        }
      }
      choices.push(pos);
      this.visit(nextKey!, key, menu[pos], init, choices.length);
      state = next;
      key = nextKey!;
    }
    return this.swarm ? { init, choices, muted: mutedIndices } : { init, choices };
  }

  private visit(key: Key, parent: Key | undefined, action: number, init: number, depth: number): void {
    const k = this.known.get(key);
    if (k === undefined) this.known.set(key, { parent, action, init, depth });
    else if (depth < k.depth) Object.assign(k, { parent, action, init, depth });
  }

  private enterFrontier(key: Key, state: unknown): void {
    if (this.onFrontier.has(key)) return;
    this.onFrontier.set(key, state);
    (this.frontier[this.known.get(key)!.depth] ??= []).push(key);
  }

  /**
   * A frontier state, reachable with a step to spare: first a random depth among those on the frontier, then a
   * random state of that depth, so that shallow states, which are few, are revisited as often as deep ones.
   */
  private pickTarget(rand: (n: number) => number): Key | undefined {
    for (;;) {
      const depths = this.frontier.flatMap((b, d) => (b !== undefined && b.length > 0 ? [d] : []));
      if (depths.length === 0) return undefined;
      const bucket = this.frontier[depths[rand(depths.length)]];
      const at = rand(bucket.length);
      const key = bucket[at];
      if (this.onFrontier.has(key) && this.known.get(key)!.depth < this.walkLength && this.hasFreshSuccessor(this.onFrontier.get(key)))
        return key;
      bucket[at] = bucket[bucket.length - 1];
      bucket.pop();
      this.onFrontier.delete(key);
    }
  }

  private hasFreshSuccessor(state: unknown): boolean {
    const m = this.machine;
    return m.actions(state).some((a: unknown) => !this.known.has(this.key(m.next(state, a))));
  }

  /** The enabled-action indices from the initial state to `target`, along the parents recorded. */
  private routeTo(target: Key): number[] {
    const route: number[] = [];
    for (let k = this.known.get(target)!; k.parent !== undefined; k = this.known.get(k.parent)!) route.push(k.action);
    return route.reverse();
  }
}

/** A uniformly random subset of 0..n-1 with at most n-1 elements (the swarm's mutes), by a partial shuffle. */
function drawSubset(n: number, rand: (n: number) => number): number[] {
  if (n <= 1) return [];
  const size = rand(n);
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + rand(n - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, size);
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
export function runWalk(
  machine: AnyMachine,
  path: WalkInput,
  watch?: ReadonlySet<string>,
  onState?: (state: unknown) => void,
  onAction?: (action: unknown) => void,
): WalkResult {
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
      const menu = menuOf(enabled, muted);
      index = menu[c % menu.length];
    }
    const action = enabled[index];
    const next = machine.next(state, action);
    onAction?.(action);
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
  /** How walks are generated (default DEFAULT_WALK_STYLE). */
  readonly style?: WalkStyle;
  /** Only these safety properties (a campaign shrinks one property's failing walk); default all. */
  readonly properties?: readonly string[];
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
  const stateKey = stateKeyOf(machine);
  let generated = 0;
  let longest = 0;
  const violations: RandomViolation[] = [];
  const safety = machine.properties.filter(
    (p) => (p.kind === 'always' || p.kind === 'step') && (options.properties?.includes(p.name) ?? true),
  );
  // With no safety property, one pass still walks to collect witnesses.
  const passes = safety.length > 0 ? safety.map((p) => p.name) : [undefined];
  const style = options.style ?? DEFAULT_WALK_STYLE;
  // One arbitrary for every pass: guided walks are generated once and replayed to the later passes.
  const walks = pathArbitrary(machine, options.walkLength, style);
  const replayFrom = options.path ? Number(options.path.split(':')[0]) : 0;
  passes.forEach((name, i) => {
    const watch = new Set(name === undefined ? [] : [name]);
    const firstPass = i === 0;
    if (walks instanceof GuidedWalks) {
      walks.rewind(0);
      // Walk k depends on the walks before it, so a replay of case k first generates (or rewinds past) 0..k-1.
      if (replayFrom > walks.generated)
        fc.check(
          fc.property(walks, () => true),
          { seed: options.seed, numRuns: replayFrom },
        );
      walks.rewind(replayFrom);
    }
    const details = fc.check(
      fc.property(walks, (path) => {
        const result = runWalk(machine, path, watch, firstPass ? (s) => seen.add(stateKey(s)) : undefined);
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

export interface WalkMeasureOptions {
  readonly seed: number;
  readonly walkLength: number;
  readonly style: WalkStyle;
}

/**
 * The number of distinct states the first n walks visit, for each n of `marks` (ascending). Every state a
 * walk visits is reachable, so divided by the exhaustive count this is the share of the state space covered.
 */
export function walkCoverage(machine: AnyMachine, marks: readonly number[], options: WalkMeasureOptions): number[] {
  const seen = new Set<string | number>();
  const stateKey = stateKeyOf(machine);
  const out: number[] = [];
  let walks = 0;
  fc.check(
    fc.property(pathArbitrary(machine, options.walkLength, options.style), (path) => {
      runWalk(machine, path, new Set(), (s) => seen.add(stateKey(s)));
      walks++;
      while (out.length < marks.length && marks[out.length] === walks) out.push(seen.size);
    }),
    { seed: options.seed, numRuns: marks[marks.length - 1] },
  );
  return out;
}

/** The number of walks up to and including the first that violates `property`, or undefined if none of `runs` does. */
export function walksUntilViolation(machine: AnyMachine, property: string, runs: number, options: WalkMeasureOptions): number | undefined {
  const watch = new Set([property]);
  const details = fc.check(
    fc.property(pathArbitrary(machine, options.walkLength, options.style), (path) => runWalk(machine, path, watch).violation === undefined),
    { seed: options.seed, numRuns: runs, endOnFailure: true },
  );
  return details.failed ? details.numRuns : undefined;
}
