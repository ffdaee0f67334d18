// Random-walk campaigns: walks until the time (or a number of rounds) is up, rather than a fixed --runs.
// A campaign is a sequence of rounds; round r is `checkRandom` with --runs walks under its own seed, derived
// from the campaign seed (round 0 runs under the campaign seed itself, so a campaign begins with exactly the
// walks of `check --strategy random --seed S --runs R`). A violation found in round r is replayed alone by
// `--seed <round seed> --path <path>`, as any random-walk counterexample. Shard i/n runs the rounds r with
// r mod n = i - 1, so n shards with --rounds N run, between them, the rounds of one campaign with --rounds N.
// Across rounds the campaign keeps the distinct states seen (as 64-bit fingerprints), the action instances
// taken (by their formatted names), and the distinct violations (property and shrunk path).
import { stateKeyOf, type AnyMachine, type PropertyKind } from '../model/model';
import { fmix32 } from '../shared/fingerprint';
import { FingerprintSet, fingerprintInto, FP } from './visited';
import fc from 'fast-check';
import { DEFAULT_WALK_STYLE, checkRandom, pathArbitrary, runWalk } from './walk';
import type { Path } from './types';

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

const NONE: ReadonlySet<string> = new Set();

export const WHOLE: Shard = { index: 1, count: 1 };

/** The seed of round r of a campaign: the campaign seed for round 0, a mix of both for the others. */
export function roundSeed(seed: number, round: number): number {
  if (round === 0) return seed;
  return fmix32((seed ^ Math.imul(round, 0x9e3779b9)) >>> 0) | 0;
}

export interface CampaignViolation {
  readonly property: string;
  readonly kind: PropertyKind;
  /** The shrunk walk, cut right after the violation. */
  readonly path: Path;
  readonly round: number;
  /** `--seed` and `--path` that replay it alone. */
  readonly seed: number;
  readonly replayPath: string;
}

/** Everything a campaign has found so far: what a campaign checkpoint and a shard's result hold. */
export interface CampaignState {
  /** The next round this shard would run. */
  readonly nextRound: number;
  readonly rounds: number;
  readonly walks: number;
  readonly statesGenerated: number;
  readonly longestWalk: number;
  /** Seconds spent so far (over every resumed part). */
  readonly seconds: number;
  readonly instances: readonly string[];
  /** Action names taken at least once. */
  readonly actions: readonly string[];
  readonly reached: readonly string[];
  readonly violations: readonly CampaignViolation[];
  /** Distinct states seen, as (hi, lo) fingerprint pairs. */
  readonly fingerprints: Uint32Array;
  /** Why it stopped: rounds, time, a violation, or not yet (a checkpoint of a running campaign). */
  readonly stopped: 'rounds' | 'time' | 'violation' | 'running';
}

export interface CampaignProgress {
  readonly rounds: number;
  readonly walks: number;
  readonly distinct: number;
  readonly instances: number;
  readonly actionsFired: number;
  readonly actionNames: number;
  readonly violations: number;
  readonly seconds: number;
}

export interface CampaignOptions {
  readonly seed: number;
  /** Walks per round. */
  readonly runs: number;
  readonly walkLength: number;
  readonly minutes?: number;
  /** Stop after the rounds below this index (all shards together run rounds 0..rounds-1). */
  readonly rounds?: number;
  readonly keepGoing: boolean;
  readonly shard: Shard;
  readonly resume?: CampaignState;
  readonly onProgress?: (p: CampaignProgress) => void;
  /** Whether SIGINT or SIGTERM came: the campaign stops after the round it is in. */
  readonly interrupted?: () => boolean;
  /** A checkpoint every so often (the state after a whole round). */
  readonly everyMs?: number;
  readonly onCheckpoint?: (state: CampaignState) => void;
}

/** A violation's identity: the property and the shrunk walk. */
export const violationKey = (v: { property: string; path: Path }): string => `${v.property} ${v.path.init}:${v.path.choices.join(',')}`;

/** Runs (or resumes) a campaign until its rounds, its time or (without keepGoing) its first violation. */
export async function runCampaign(machine: AnyMachine, options: CampaignOptions): Promise<CampaignState & { interrupted: boolean }> {
  const r0 = options.resume;
  const seen = new FingerprintSet(1 << 16);
  if (r0) for (let i = 0; i < r0.fingerprints.length; i += 2) seen.addFingerprint(r0.fingerprints[i], r0.fingerprints[i + 1]);
  const instances = new Set(r0?.instances ?? []);
  const reached = new Set(r0?.reached ?? []);
  const violations = [...(r0?.violations ?? [])];
  const known = new Set(violations.map(violationKey));
  let round = r0?.nextRound ?? options.shard.index - 1;
  let rounds = r0?.rounds ?? 0;
  let walks = r0?.walks ?? 0;
  let generated = r0?.statesGenerated ?? 0;
  let longest = r0?.longestWalk ?? 0;
  const before = r0?.seconds ?? 0;
  const started = performance.now();
  const seconds = (): number => before + (performance.now() - started) / 1000;
  const budget = options.minutes === undefined ? Infinity : options.minutes * 60;
  const names = new Set(r0?.actions ?? []);
  const stateKey = stateKeyOf(machine);
  const onState = (s: unknown): void => {
    fingerprintInto(stateKey(s));
    seen.addFingerprint(FP[0], FP[1]);
  };
  const onAction = (a: unknown): void => {
    const label = machine.formatAction(a);
    if (!instances.has(label)) {
      instances.add(label);
      names.add((a as { name: string }).name);
    }
  };
  const state = (stopped: CampaignState['stopped']): CampaignState => {
    const fingerprints: number[] = [];
    seen.forEach((h, l) => fingerprints.push(h, l));
    return {
      nextRound: round,
      rounds,
      walks,
      statesGenerated: generated,
      longestWalk: longest,
      seconds: seconds(),
      instances: [...instances].sort(),
      actions: [...names].sort(),
      reached: [...reached].sort(),
      violations,
      fingerprints: Uint32Array.from(fingerprints),
      stopped,
    };
  };
  const progress = (): void =>
    options.onProgress?.({
      rounds,
      walks,
      distinct: seen.size,
      instances: instances.size,
      actionsFired: names.size,
      actionNames: machine.actionNames.length,
      violations: violations.length,
      seconds: seconds(),
    });
  const always = machine.properties.filter((p) => p.kind === 'always') as { name: string; holds: (s: unknown) => boolean }[];
  const steps = machine.properties.filter((p) => p.kind === 'step') as {
    name: string;
    holds: (s: unknown, a: unknown, t: unknown) => boolean;
  }[];
  let nextCheckpoint = performance.now() + (options.everyMs ?? Infinity);
  let stopped: CampaignState['stopped'] = 'running';
  progress();
  for (;;) {
    if (options.rounds !== undefined && round >= options.rounds) stopped = 'rounds';
    else if (seconds() >= budget) stopped = 'time';
    else if (!options.keepGoing && violations.length > 0) stopped = 'violation';
    if (stopped !== 'running') break;
    const seed = roundSeed(options.seed, round);
    // One pass over the round's walks, watching every safety property and shrinking nothing; then each
    // property broken in the round is shrunk from the first walk that broke it, as `check` would replay it.
    const broken = new Map<string, number>();
    let k = 0;
    fc.check(
      fc.property(pathArbitrary(machine, options.walkLength, DEFAULT_WALK_STYLE), (walk) => {
        // Every property on every state and step of the walk, which goes on past a violation (as a pass of
        // checkRandom watching that property alone would).
        let prev: unknown;
        let action: unknown;
        const r = runWalk(
          machine,
          walk,
          NONE,
          (s) => {
            onState(s);
            for (const p of always) if (!broken.has(p.name) && !p.holds(s)) broken.set(p.name, k);
            if (prev !== undefined) for (const p of steps) if (!broken.has(p.name) && !p.holds(prev, action, s)) broken.set(p.name, k);
            prev = s;
          },
          (a) => {
            onAction(a);
            action = a;
          },
        );
        for (const name of r.reached) reached.add(name);
        walks++;
        generated += r.steps + 1;
        longest = Math.max(longest, r.steps);
        k++;
        return true;
      }),
      { seed, numRuns: options.runs },
    );
    for (const [property, walk] of broken) {
      const [v] = checkRandom(machine, {
        seed,
        runs: options.runs,
        walkLength: options.walkLength,
        path: String(walk),
        properties: [property],
      }).violations;
      if (!v) throw new Error(`walk ${walk} of round ${round} broke ${property}, and did not on its replay`);
      const found: CampaignViolation = { property: v.property, kind: v.kind, path: v.path, round, seed: v.seed, replayPath: v.replayPath };
      const key = violationKey(found);
      if (known.has(key)) continue;
      known.add(key);
      violations.push(found);
    }
    rounds++;
    round += options.shard.count;
    progress();
    // Between rounds, the event loop runs: a signal is seen here.
    await new Promise((resolve) => setImmediate(resolve));
    if (options.interrupted?.()) return { ...state('running'), interrupted: true };
    if (performance.now() >= nextCheckpoint) {
      options.onCheckpoint?.(state('running'));
      nextCheckpoint = performance.now() + (options.everyMs ?? Infinity);
    }
  }
  return { ...state(stopped), interrupted: false };
}

/** Several shards' (or checkpoints') states as one: the union of what they saw and found. */
export function mergeCampaigns(states: readonly CampaignState[]): CampaignState {
  const seen = new FingerprintSet(1 << 16);
  for (const s of states) for (let i = 0; i < s.fingerprints.length; i += 2) seen.addFingerprint(s.fingerprints[i], s.fingerprints[i + 1]);
  const fingerprints: number[] = [];
  seen.forEach((h, l) => fingerprints.push(h, l));
  const violations = new Map<string, CampaignViolation>();
  for (const v of states.flatMap((s) => s.violations).sort((a, b) => a.round - b.round))
    if (!violations.has(violationKey(v))) violations.set(violationKey(v), v);
  return {
    nextRound: Math.max(...states.map((s) => s.nextRound)),
    rounds: states.reduce((n, s) => n + s.rounds, 0),
    walks: states.reduce((n, s) => n + s.walks, 0),
    statesGenerated: states.reduce((n, s) => n + s.statesGenerated, 0),
    longestWalk: Math.max(...states.map((s) => s.longestWalk)),
    seconds: states.reduce((n, s) => n + s.seconds, 0),
    instances: [...new Set(states.flatMap((s) => s.instances))].sort(),
    actions: [...new Set(states.flatMap((s) => s.actions))].sort(),
    reached: [...new Set(states.flatMap((s) => s.reached))].sort(),
    violations: [...violations.values()],
    fingerprints: Uint32Array.from(fingerprints),
    stopped: states.every((s) => s.stopped === states[0].stopped) ? states[0].stopped : 'running',
  };
}
