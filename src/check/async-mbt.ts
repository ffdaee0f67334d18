// Model-based testing of an asynchronous library against a pure model, with fc.commands + fc.asyncModelRun.
// The asynchronous twin of src/check/mbt.ts: each command is a choice number read modulo the actions the
// model enables, so every generated and every shrunk command list is valid. After each step the library's
// observation must equal the model's; the first difference is a divergence, reported with the command list
// fast-check shrank it to, after dropping every single step that the divergence does not need.
import fc from 'fast-check';
import { isDeepStrictEqual as isEqual } from 'node:util';
import type { Action, Machine } from '../model/model';

export interface AsyncDriver<S, A extends Action, R> {
  /** A fresh system under test, matching the machine's first initial state. */
  readonly create: () => R;
  /** Performs the model's action on the system and waits until it has reacted. */
  readonly apply: (real: R, action: A) => Promise<void>;
  /** What must agree, read from the system after a step. */
  readonly observe: (real: R) => unknown;
  /** The same view, from the model's step. */
  readonly expected: (from: S, action: A, to: S) => unknown;
  readonly dispose?: (real: R) => void;
  /** Wraps one whole run (e.g. installs a fake clock). */
  readonly around: <T>(body: () => Promise<T>) => Promise<T>;
}

export interface DivergenceStep {
  readonly action: string;
  /** The library's observation and the model's, after this step. */
  readonly library: unknown;
  readonly model: unknown;
}

export interface Divergence {
  /** The shrunk command list, one step per command; the last step is where the two disagree. */
  readonly steps: readonly DivergenceStep[];
}

export interface ConformanceResult {
  readonly runs: number;
  /** Commands executed over all runs, shrinking included. */
  readonly commands: number;
  readonly divergence?: Divergence;
}

export interface CampaignOptions {
  readonly seed: number;
  readonly numRuns: number;
  readonly maxCommands: number;
}

class DivergenceError extends Error {}

interface Box<S> {
  state: S;
}

class StepCommand<S, A extends Action, R> implements fc.AsyncCommand<Box<S>, R> {
  constructor(
    private readonly machine: Machine<S, A>,
    private readonly driver: AsyncDriver<S, A, R>,
    private readonly counter: { commands: number },
    readonly choice: number,
  ) {}

  check(): boolean {
    return true;
  }

  async run(box: Box<S>, real: R): Promise<void> {
    this.counter.commands++;
    const step = await applyAction(this.machine, this.driver, box, real, byChoice<A>(this.choice)(this.machine.actions(box.state))!);
    if (!isEqual(step.library, step.model)) {
      throw new DivergenceError(`after ${step.action}: library ${JSON.stringify(step.library)}, model ${JSON.stringify(step.model)}`);
    }
  }

  toString(): string {
    return `choice ${this.choice}`;
  }
}

/** Picks the action of one step among the enabled ones, or none. */
type Pick<A> = (enabled: readonly A[]) => A | undefined;

const byChoice =
  <A>(choice: number): Pick<A> =>
  (enabled) =>
    enabled[choice % enabled.length];

async function applyAction<S, A extends Action, R>(
  machine: Machine<S, A>,
  driver: AsyncDriver<S, A, R>,
  box: Box<S>,
  real: R,
  action: A,
): Promise<DivergenceStep> {
  await driver.apply(real, action);
  const to = machine.next(box.state, action);
  const model = driver.expected(box.state, action, to);
  box.state = to;
  return { action: machine.formatAction(action), library: driver.observe(real), model };
}

/** Runs one step per pick, stopping at the first divergence (unless told to go on); null if a pick finds nothing. */
async function runSteps<S, A extends Action, R>(
  machine: Machine<S, A>,
  driver: AsyncDriver<S, A, R>,
  picks: readonly Pick<A>[],
  stopAtDivergence: boolean,
): Promise<DivergenceStep[] | null> {
  return driver.around(async () => {
    const real = driver.create();
    const box = { state: machine.init[0] };
    const steps: DivergenceStep[] = [];
    try {
      for (const pick of picks) {
        const action = pick(machine.actions(box.state));
        if (!action) return null;
        const step = await applyAction(machine, driver, box, real, action);
        steps.push(step);
        if (stopAtDivergence && !isEqual(step.library, step.model)) break;
      }
    } finally {
      driver.dispose?.(real);
    }
    return steps;
  });
}

/**
 * Runs the steps once, each named by its action label, and stops at the first step where library and model
 * disagree (unless told to go on). Returns null if some label is not enabled when its turn comes.
 */
export function replay<S, A extends Action, R>(
  machine: Machine<S, A>,
  driver: AsyncDriver<S, A, R>,
  labels: readonly string[],
  stopAtDivergence = true,
): Promise<DivergenceStep[] | null> {
  const byLabel =
    (label: string): Pick<A> =>
    (enabled) =>
      enabled.find((a) => machine.formatAction(a) === label);
  return runSteps(machine, driver, labels.map(byLabel), stopAtDivergence);
}

const diverges = (steps: readonly DivergenceStep[] | null): steps is DivergenceStep[] =>
  steps !== null && steps.length > 0 && !isEqual(steps.at(-1)!.library, steps.at(-1)!.model);

/**
 * Drops single steps from a divergent run for as long as the rest still diverges. fast-check's shrinking
 * works on choice numbers, which change meaning when an earlier command goes; this pass works on actions.
 */
async function withoutNeedlessSteps<S, A extends Action, R>(
  machine: Machine<S, A>,
  driver: AsyncDriver<S, A, R>,
  steps: DivergenceStep[],
): Promise<DivergenceStep[]> {
  let best = steps;
  for (let i = 0; i < best.length;) {
    const shorter = await replay(
      machine,
      driver,
      best.filter((_, j) => j !== i).map((s) => s.action),
    );
    if (diverges(shorter)) best = shorter;
    else i++;
  }
  return best;
}

/** Checks the library against the machine over `numRuns` random command lists (fixed seed). */
export async function checkConformance<S, A extends Action, R>(
  machine: Machine<S, A>,
  driver: AsyncDriver<S, A, R>,
  options: CampaignOptions,
): Promise<ConformanceResult> {
  const counter = { commands: 0 };
  const commands = fc.commands([fc.nat().map((c) => new StepCommand(machine, driver, counter, c))], {
    maxCommands: options.maxCommands,
    size: 'max',
  });
  const property = fc.asyncProperty(commands, (cmds) =>
    driver.around(async () => {
      const real = driver.create();
      try {
        await fc.asyncModelRun(() => ({ model: { state: machine.init[0] }, real }), cmds);
      } finally {
        driver.dispose?.(real);
      }
    }),
  );
  const details = await fc.check(property, { seed: options.seed, numRuns: options.numRuns });
  if (!details.failed) return { runs: details.numRuns, commands: counter.commands };
  if (!(details.errorInstance instanceof DivergenceError)) throw details.errorInstance;
  // fast-check wraps each command and marks the ones that ran before the failure.
  const ran = [...details.counterexample![0]] as unknown as { hasRan: boolean; cmd: StepCommand<S, A, R> }[];
  const choices = ran.filter((w) => w.hasRan).map((w) => w.cmd.choice);
  const steps = await runSteps(machine, driver, choices.map(byChoice<A>), true);
  if (!diverges(steps)) throw new Error(`a divergence did not reproduce: ${JSON.stringify(steps)}`);
  return { runs: details.numRuns, commands: counter.commands, divergence: { steps: await withoutNeedlessSteps(machine, driver, steps) } };
}
