// Runs every configuration of the given models, and tallies the verdicts: what `npm run check` computes
// before anything is rendered.
import type { AnyModel } from '../model/model';
import { requestFromConfiguration, run } from '../run/run';
import type { ModelOutcomes, RunOutcome } from '../run/types';

export type { ModelOutcomes } from '../run/types';

/** `include(k)` picks the configurations to run by their place k in the whole run (a shard's share). */
export function runAllConfigurations(
  models: readonly AnyModel[],
  onDone?: (o: RunOutcome, k: number) => void,
  include: (k: number) => boolean = () => true,
): ModelOutcomes[] {
  let k = 0;
  return models.map((model) => ({
    model,
    outcomes: model.configurations.flatMap((config) => {
      const at = k++;
      if (!include(at)) return [];
      const outcome = run(requestFromConfiguration(model, config));
      onDone?.(outcome, at);
      return [outcome];
    }),
  }));
}

export function variantTally(all: readonly ModelOutcomes[]): { caught: number; bugs: number; passed: number; correct: number } {
  const outcomes = all.flatMap((m) => m.outcomes);
  const bugs = outcomes.filter((o) => o.expected.result === 'violation');
  const correct = outcomes.filter((o) => o.expected.result === 'pass');
  return {
    caught: bugs.filter((o) => o.asExpected).length,
    bugs: bugs.length,
    passed: correct.filter((o) => o.asExpected).length,
    correct: correct.length,
  };
}

export function tallyLine(all: readonly ModelOutcomes[]): string {
  const t = variantTally(all);
  return `variants: caught ${t.caught}/${t.bugs} bugs, passed ${t.passed}/${t.correct} correct`;
}
