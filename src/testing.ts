// Small helpers for model test files, so a new model's tests read as sentences.
import { explore, type ExploreResult } from './explore';
import type { AnyModel, ParamValue } from './model';
import { resolveParams } from './params';
import { requestFromConfiguration, run, type RunOutcome } from './runner';

export function exploreModel(model: AnyModel, variant: string, params: Record<string, ParamValue> = {}, options = {}): ExploreResult {
  return explore(model.machine(resolveParams(model, params), variant), options);
}

/** Runs every configuration a model declares (what `npm run check` does for it). */
export function runConfigurations(model: AnyModel): RunOutcome[] {
  return model.configurations.map((c) => run(requestFromConfiguration(model, c)));
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
