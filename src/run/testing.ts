// Small helpers for model test files, so a new model's tests read as sentences.
import { explore, type ExploreOptions, type ExploreResult } from '../check/explore';
import { renameIds } from '../shared/symmetry';
import { stateKeyOf, type Action, type AnyModel, type Machine } from '../model/model';
import { formatParams, resolveParams, type GivenParams } from '../model/params';
import { requestFromConfiguration, run, type RunOutcome } from './run';
import { renderTraceText } from '../trace/trace';

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

export interface CheckModelOptions {
  /** Run only these configurations, by name (default: every configuration the model declares). */
  readonly configurations?: readonly string[];
  /** Limits for every exploration (a run that hits one is not as expected). */
  readonly explore?: Pick<ExploreOptions, 'maxStates' | 'maxDepth' | 'maxSeconds'>;
}

/** What `checkModel` found: every configuration's outcome, and a message fit for a failing test. */
export interface ModelCheck {
  /** Every configuration gave its expected result: correct variants passed, bug variants were caught. */
  readonly ok: boolean;
  readonly outcomes: readonly RunOutcome[];
  /** The same outcomes by configuration name. */
  readonly byConfiguration: Readonly<Record<string, RunOutcome>>;
  /** One line per configuration, then the counterexample of each unexpected result as text (as `distcheck check` prints it). */
  readonly message: string;
}

/**
 * Runs a model's configurations (what `distcheck check --config NAME` does for each) and judges them, for a
 * test file: `const c = checkModel(model); expect(c.ok, c.message).toBe(true)`. Never throws on a verdict;
 * throws on bad input (an unknown configuration name, a parameter out of range).
 */
export function checkModel(model: AnyModel, options: CheckModelOptions = {}): ModelCheck {
  const wanted = options.configurations;
  const unknown = (wanted ?? []).filter((n) => !model.configurations.some((c) => c.name === n));
  if (unknown.length) {
    throw new Error(
      `unknown configuration ${unknown.join(', ')} for ${model.id} (known: ${model.configurations.map((c) => c.name).join(', ')})`,
    );
  }
  const configurations = wanted ? model.configurations.filter((c) => wanted.includes(c.name)) : model.configurations;
  const outcomes = configurations.map((c) => run(requestFromConfiguration(model, c, options.explore)));
  const lines = outcomes.map(
    (o) =>
      `${o.asExpected ? '✓' : '✗'} ${o.configuration} [${o.variant}; ${formatParams(o.params)}]: ${o.verdict} (${o.distinctStates.toLocaleString('en-US')} states)`,
  );
  for (const o of outcomes.filter((x) => !x.asExpected)) {
    const machine = model.machine(o.params, o.variant);
    for (const v of o.violations) lines.push('', renderTraceText(v.trace, machine));
    if (o.limit) lines.push('', `${o.configuration}: limit reached: ${o.limit.message}`);
  }
  return {
    ok: outcomes.every((o) => o.asExpected),
    outcomes,
    byConfiguration: Object.fromEntries(outcomes.map((o) => [o.configuration!, o])),
    message: `${model.id}: ${outcomes.filter((o) => o.asExpected).length}/${outcomes.length} configurations as expected\n${lines.join('\n')}`,
  };
}

/** `checkModel`, throwing an Error whose message is the report when some configuration is not as expected. */
export function assertModel(model: AnyModel, options: CheckModelOptions = {}): ModelCheck {
  const check = checkModel(model, options);
  if (!check.ok) throw new Error(check.message);
  return check;
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
  const key = stateKeyOf(machine);
  const seen = new Set<string | number>(machine.init.map((s) => key(s)));
  const queue = [...machine.init];
  for (let i = 0; i < queue.length; i++) {
    for (const a of machine.actions(queue[i])) {
      const t = machine.next(queue[i], a);
      const k = key(t);
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
/** The permutation `perm` of a model's declared ids (id i becomes id perm[i]) applied to a plain state, everywhere. */
export function permuteIds<S>(ids: readonly string[]): (s: S, perm: readonly number[]) => S {
  return (s, perm) => renameIds(s, new Map(ids.map((id, i) => [id, ids[perm[i]]])));
}

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

/** A model's configuration outcomes (as `runConfigurations`), and one of them by configuration name. */
export function configurationOutcomes(model: AnyModel): { outcomes: RunOutcome[]; outcome: (name: string) => RunOutcome } {
  const outcomes = runConfigurations(model);
  const outcome = (name: string): RunOutcome => {
    const o = outcomes.find((x) => x.configuration === name);
    if (!o) throw new Error(`${model.id} has no configuration '${name}' (known: ${outcomes.map((x) => x.configuration).join(', ')})`);
    return o;
  };
  return { outcomes, outcome };
}
