// Model-based testing of a real (mutable, imperative) implementation against a pure model, with
// fc.commands + fc.modelRun. The model's own action space drives the commands: each command is a choice
// number read modulo the actions enabled in the model, so every generated and every shrunk command list is
// valid, and after each step the real system's observable state must equal the model's.
import fc from 'fast-check';
import { isDeepStrictEqual as isEqual } from 'node:util';
import type { Action, Machine } from '../model/model';

export interface Driver<S, A extends Action, R> {
  /** A fresh real system, in the state that matches the machine's first initial state. */
  readonly create: () => R;
  /** Performs the model's action on the real system. */
  readonly apply: (real: R, action: A) => void;
  /** The part of the real system that must agree with the model. */
  readonly observe: (real: R) => unknown;
  /** The same view of a model state (default: the state itself). */
  readonly expected?: (state: S) => unknown;
}

interface ModelBox<S> {
  state: S;
}

class StepCommand<S, A extends Action, R> implements fc.Command<ModelBox<S>, R> {
  private label = '';
  constructor(
    private readonly machine: Machine<S, A>,
    private readonly driver: Driver<S, A, R>,
    readonly choice: number,
  ) {}

  check(model: Readonly<ModelBox<S>>): boolean {
    return this.machine.actions(model.state).length > 0;
  }

  run(model: ModelBox<S>, real: R): void {
    const enabled = this.machine.actions(model.state);
    const action = enabled[this.choice % enabled.length];
    this.label = this.machine.formatAction(action);
    this.driver.apply(real, action);
    model.state = this.machine.next(model.state, action);
    const want = this.driver.expected ? this.driver.expected(model.state) : model.state;
    const got = this.driver.observe(real);
    if (!isEqual(got, want)) {
      throw new Error(`after ${this.label}: implementation shows ${JSON.stringify(got)}, model expects ${JSON.stringify(want)}`);
    }
  }

  toString(): string {
    return this.label || `choice ${this.choice}`;
  }
}

/** The fc.commands arbitrary that drives a real system along the machine's action space. */
export function machineCommands<S, A extends Action, R>(
  machine: Machine<S, A>,
  driver: Driver<S, A, R>,
  maxCommands = 50,
): fc.Arbitrary<Iterable<fc.Command<ModelBox<S>, R>>> {
  return fc.commands([fc.nat().map((c) => new StepCommand(machine, driver, c))], { maxCommands });
}

/** The property: every command list keeps the implementation in step with the model. */
export function conformsToModel<S, A extends Action, R>(
  machine: Machine<S, A>,
  driver: Driver<S, A, R>,
  maxCommands = 50,
): fc.IPropertyWithHooks<[Iterable<fc.Command<ModelBox<S>, R>>]> {
  return fc.property(machineCommands(machine, driver, maxCommands), (cmds) => {
    fc.modelRun(() => ({ model: { state: machine.init[0] }, real: driver.create() }), cmds);
  });
}
