// Small helpers for model test files, so a new model's tests read as sentences.
import { explore, type ExploreResult } from './explore';
import type { AnyModel, ParamValue } from '../model/model';
import { resolveParams } from '../model/params';
import { requestFromConfiguration, run, type RunOutcome } from './run';

export function exploreModel(model: AnyModel, variant: string, params: Record<string, ParamValue> = {}, options = {}): ExploreResult {
  return explore(model.machine(resolveParams(model, params), variant), options);
}

// Outcomes are pure functions of the model and its configurations, so test files that share a worker
// (vitest runs them without isolation) share one run per model instead of repeating it.
const memo = new Map<string, RunOutcome[]>();

/** Runs every configuration a model declares (what `npm run check` does for it), once per worker. */
export function runConfigurations(model: AnyModel): RunOutcome[] {
  let outcomes = memo.get(model.id);
  if (!outcomes) {
    outcomes = model.configurations.map((c) => run(requestFromConfiguration(model, c)));
    memo.set(model.id, outcomes);
  }
  return outcomes;
}

/**
 * True when no path shorter than `steps` violates the property: explores every state reachable in fewer
 * than `steps` steps (depth counts the initial state as 1).
 */
export function noShorterViolation(
  model: AnyModel,
  variant: string,
  params: Record<string, ParamValue>,
  property: string,
  steps: number,
): boolean {
  const r = exploreModel(model, variant, params, { maxDepth: steps });
  return !r.violations.some((v) => v.property === property);
}
