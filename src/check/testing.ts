// Small helpers for model test files, so a new model's tests read as sentences.
import { explore, type ExploreResult } from './explore';
import type { Action, AnyModel, Machine } from '../model/model';
import { resolveParams, type GivenParams } from '../model/params';
import { requestFromConfiguration, run, type RunOutcome } from './run';

export function exploreModel(model: AnyModel, variant: string, params: GivenParams = {}, options = {}): ExploreResult {
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
export function noShorterViolation(model: AnyModel, variant: string, params: GivenParams, property: string, steps: number): boolean {
  const r = exploreModel(model, variant, params, { maxDepth: steps });
  return !r.violations.some((v) => v.property === property);
}

/** Every reachable state of a machine, by plain breadth-first search on its (unreduced) key. Small scopes only. */
export function reachableStates<S, A extends Action>(machine: Machine<S, A>): S[] {
  const seen = new Set<string | number>(machine.init.map((s) => machine.key(s)));
  const queue = [...machine.init];
  for (let i = 0; i < queue.length; i++) {
    for (const a of machine.actions(queue[i])) {
      const t = machine.next(queue[i], a);
      const k = machine.key(t);
      if (!seen.has(k)) {
        seen.add(k);
        queue.push(t);
      }
    }
  }
  return queue;
}

/** Integer partitions of n, largest part first: the cycle types of the permutations of n elements. */
function cycleTypes(n: number, max = n): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (let k = Math.min(n, max); k >= 1; k--) for (const rest of cycleTypes(n - k, k)) out.push([k, ...rest]);
  return out;
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

/**
 * The number of orbits of a set of states under all permutations of `n` interchangeable nodes, by Burnside's
 * lemma: (1/n!) Σ over permutations g of |states fixed by g|. |Fix(g)| depends only on g's cycle type, so one
 * permutation per type, weighted by n! / Π k^m_k · m_k!, is enough. It needs only `permute` (rename node i to
 * perm[i] everywhere) and the unreduced key, so it checks a model's orbit key independently.
 */
export function burnsideOrbits<S>(
  states: readonly S[],
  n: number,
  permute: (s: S, perm: readonly number[]) => S,
  key: (s: S) => string | number,
): number {
  let total = 0;
  for (const type of cycleTypes(n)) {
    const perm: number[] = [];
    let at = 0;
    for (const len of type) {
      for (let i = 0; i < len; i++) perm.push(at + ((i + 1) % len));
      at += len;
    }
    const mult = new Map<number, number>();
    for (const len of type) mult.set(len, (mult.get(len) ?? 0) + 1);
    let permutationsOfType = factorial(n);
    for (const [len, count] of mult) permutationsOfType /= len ** count * factorial(count);
    total += permutationsOfType * states.filter((s) => key(permute(s, perm)) === key(s)).length;
  }
  return total / factorial(n);
}
