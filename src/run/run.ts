// Runs one check (a model, a variant, a scope and a strategy) and judges it against the variant's expectation.
// Shared by the CLI's `check`, the report and the tests, so all three agree on what "as expected" means.
import { explore, type ExploreOptions, type ExploreResult, type Path } from '../check/explore';
import { exploreParallel } from '../check/parallel';
import { checkLiveness } from '../check/liveness';
import {
  checkVariant,
  livenessPropertyNames,
  expectedOutcome,
  withOnlyProperties,
  type AnyMachine,
  type AnyModel,
  type Configuration,
} from '../model/model';
import { resolveParams } from '../model/params';
import { buildTrace, pathStates } from '../trace/trace';
import type { RunOutcome, RunRequest } from './types';

export type { RunOutcome, RunRequest, ViolationReport } from './types';
import { checkRandom } from '../check/walk';

export const DEFAULT_RANDOM = { seed: 42, runs: 200, walkLength: 50 } as const;

export function requestFromConfiguration(model: AnyModel, config: Configuration, explore?: ExploreOptions): RunRequest {
  return {
    model,
    variant: config.variant,
    params: config.params ?? {},
    strategy: config.strategy ?? 'bfs',
    seed: config.seed,
    runs: config.runs,
    walkLength: config.walkLength,
    configuration: config.name,
    explore,
    ...(config.symmetry ? { symmetry: true } : {}),
    ...(config.expect ? { expect: config.expect } : {}),
  };
}

/** `run`, with the breadth-first search on `request.workers` threads when there are more than one. */
export async function runAsync(request: RunRequest): Promise<RunOutcome> {
  const { variant, workers = 1, modelModule } = request;
  const model = selected(request);
  if (workers <= 1 || (request.strategy ?? 'bfs') !== 'bfs') return run(request);
  if (!modelModule) throw new Error(`exploring ${model.id} on workers needs the module that exports it`);
  checkVariant(model, variant);
  const params = resolveParams(model, request.params ?? {});
  const source = { ...modelModule, model: model.id, params, variant, ...(request.properties ? { properties: request.properties } : {}) };
  return run(
    { ...request, model, properties: undefined }, // narrowed already
    await exploreParallel(model.machine(params, variant), { ...request.explore, symmetry: request.symmetry, workers, source }),
  );
}

/** The request's model, with only the properties it names (`--property`), if it names any. */
function selected(request: RunRequest): AnyModel {
  const { model, variant, properties } = request;
  if (!properties) return model;
  checkVariant(model, variant);
  const params = resolveParams(model, request.params ?? {});
  return withOnlyProperties(model, properties, params, variant, expectedOutcome(model, variant, request.expect));
}

/** Runs the request; `explored` is its breadth-first search when that was already done (by `runAsync`). */
export function run(request: RunRequest, explored?: ExploreResult): RunOutcome {
  const { variant } = request;
  const model = selected(request);
  checkVariant(model, variant);
  const params = resolveParams(model, request.params ?? {});
  const machine: AnyMachine = model.machine(params, variant);
  const strategy = request.strategy ?? 'bfs';
  const ctx = { model: model.id, variant, params };
  const expected = expectedOutcome(model, variant, request.expect);
  const base = {
    model: model.id,
    ...(request.configuration ? { configuration: request.configuration } : {}),
    variant,
    params,
    strategy,
    symmetry: strategy === 'bfs' && request.symmetry === true,
    expected,
  };

  if (strategy === 'random') {
    const seed = request.seed ?? DEFAULT_RANDOM.seed;
    const runs = request.runs ?? DEFAULT_RANDOM.runs;
    const walkLength = request.walkLength ?? DEFAULT_RANDOM.walkLength;
    const r = checkRandom(machine, { seed, runs, walkLength, ...(request.path ? { path: request.path } : {}) });
    const violations = r.violations.map((v) => ({
      property: v.property,
      kind: v.kind,
      trace: buildTrace(machine, ctx, v),
      seed: v.seed,
      path: v.replayPath,
    }));
    return judge({
      ...base,
      distinctStates: r.distinctStates,
      statesGenerated: r.statesGenerated,
      depth: r.longestWalk + 1,
      violations,
      witnesses: [],
      unreached: r.unreached,
      unchecked: livenessPropertyNames(machine),
      coverage: [],
      neverFired: [],
      collisionProbability: null,
      metrics: {},
      random: { seed, runs, walkLength },
    });
  }

  const r = explored ?? explore(machine, { ...request.explore, symmetry: request.symmetry });
  const hasLiveness = livenessPropertyNames(machine).length > 0;
  // Liveness needs the whole graph, so it runs only when the safety pass saw the whole space.
  const live = hasLiveness && r.status === 'complete' ? checkLiveness(machine) : undefined;
  const liveDone = live?.status === 'complete';
  const witnesses = r.witnesses.map((f) => buildTrace(machine, ctx, f));
  return judge({
    ...base,
    distinctStates: r.distinctStates,
    statesGenerated: r.statesGenerated,
    depth: r.depth,
    violations: [...r.violations, ...(live?.violations ?? [])].map((f) => ({
      property: f.property,
      kind: f.kind,
      trace: buildTrace(machine, ctx, f),
    })),
    witnesses,
    metrics: metricValues(machine, r.witnesses),
    // Unreached witnesses only count once the whole space was seen.
    unreached: r.status === 'complete' ? r.unreached : [],
    unchecked: liveDone ? [] : r.unchecked,
    coverage: r.coverage,
    neverFired: r.status === 'complete' ? r.coverage.filter((c) => c.fired === 0).map((c) => c.action) : [],
    collisionProbability: r.collisionProbability,
    ...(r.limit ? { limit: r.limit } : {}),
  });
}

/** Each metric summed along the shortest witness it names; a metric whose witness was never reached is left out. */
function metricValues(machine: AnyMachine, witnesses: readonly { property: string; path: Path }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const metric of machine.metrics ?? []) {
    const w = witnesses.find((x) => x.property === metric.along);
    if (!w) continue;
    const { states, actions } = pathStates(machine, w.path);
    let total = 0;
    for (let i = 0; i < actions.length; i++) total += metric.perStep(states[i], actions[i], states[i + 1]);
    out[metric.name] = total;
  }
  return out;
}

export type Unjudged = Omit<RunOutcome, 'result' | 'asExpected' | 'exitCode' | 'verdict'>;

export function judge(o: Unjudged): RunOutcome {
  const violated = o.violations.map((v) => v.property);
  const result: RunOutcome['result'] = o.limit ? 'limit' : violated.length > 0 ? 'violation' : 'pass';
  let asExpected: boolean;
  let exitCode: RunOutcome['exitCode'];
  let verdict: string;
  if (o.expected.result === 'violation') {
    const target = o.expected.property;
    const broken = (o.expected.holds ?? []).filter((p) => violated.includes(p));
    asExpected = violated.includes(target) && broken.length === 0;
    exitCode = asExpected ? 0 : o.limit ? 3 : 1;
    const alsoHeld = o.expected.holds?.length ? `, while ${o.expected.holds.join(', ')} held` : '';
    verdict = asExpected
      ? `caught: ${target} violated${alsoHeld}`
      : broken.length > 0
        ? `UNEXPECTED VIOLATION: ${broken.join(', ')} (only ${target} should break)`
        : o.limit
          ? `limit reached before ${target} was violated: ${o.limit.message}`
          : `BUG MISSED: ${target} was never violated`;
  } else {
    const vacuous = o.unreached.length > 0;
    asExpected = violated.length === 0 && !vacuous && !o.limit;
    exitCode = asExpected ? 0 : violated.length > 0 || vacuous ? 1 : 3;
    verdict =
      violated.length > 0
        ? `UNEXPECTED VIOLATION: ${violated.join(', ')}`
        : vacuous
          ? `VACUOUS: never reached ${o.unreached.join(', ')}`
          : o.limit
            ? `limit reached: ${o.limit.message}`
            : 'pass';
  }
  return { ...o, result, asExpected, exitCode, verdict };
}
