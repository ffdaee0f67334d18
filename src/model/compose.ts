// Composing a building block (faults, versions, clocks, pauses, membership) with a model's protocol: the block's
// actions come after the protocol's, its steps change only its part of the state (and whatever the model's hooks
// change), and its names, formatting, fairness and diagram notes are derived. Metrics count protocol steps only;
// properties see every step. Used by faults.ts, versions.ts, clocks.ts, pauses.ts and membership.ts.
import type { Action, IntParamSpec, Machine, Metric, Property, ViewEvent } from './model';

/**
 * A protocol machine to compose with a block whose actions are `X`: only protocol actions. Properties see every
 * step, the block's included, and also the steps of blocks composed around this one (`F`, e.g. `FaultAction`
 * when the result goes into `withFaults`); metrics count protocol steps only.
 */
export interface BlockProtocol<S, A extends Action, X extends Action, F extends Action = never> extends Omit<
  Machine<S, A | X>,
  'actions' | 'next' | 'formatAction' | 'view' | 'fair' | 'actionNames' | 'metrics' | 'key' | 'properties'
> {
  readonly actions: (state: S) => readonly A[];
  readonly next: (state: S, action: A) => S;
  readonly properties: readonly Property<S, A | X | F>[];
  readonly actionNames: readonly string[];
  readonly formatAction: (action: A) => string;
  readonly view?: (from: S, action: A, to: S) => readonly ViewEvent[];
  readonly fair?: (action: A) => boolean;
  readonly metrics?: readonly Metric<S, A>[];
}

/** What a block brings to the composition. */
export interface Block<S, A extends Action, X extends Action> {
  readonly is: (a: { readonly name: string }) => a is X;
  /** The block's actions enabled now (after the protocol's). */
  readonly actions: (state: S) => readonly X[];
  readonly next: (state: S, action: X) => S;
  /** The protocol actions that stay enabled (default: all of them). */
  readonly keep?: (state: S, action: A) => boolean;
  /** The block's action names the configuration can produce, for coverage reports. */
  readonly names: readonly string[];
  readonly format: (action: X) => string;
  readonly fair: (action: X) => boolean;
  readonly view: (from: S, action: X, to: S) => readonly ViewEvent[];
  /** The diagram columns when the protocol names none. */
  readonly actors: readonly string[];
  /**
   * Draw the block's steps only when the protocol has a view of its own (faults, versions): otherwise the machine has
   * no view and the renderer's default covers every step. By default the block's steps always get theirs.
   */
  readonly viewOnlyWithProtocolView?: boolean;
}

/** A composed machine: its properties are typed for the steps of outer blocks (`F`) too; no hand-written key. */
export type Composed<S, A extends Action, F extends Action = never> = Omit<Machine<S, A>, 'properties' | 'key'> & {
  readonly properties: readonly Property<S, A | F>[];
};

/** The protocol and the block as one machine. */
export function withBlock<S, A extends Action, X extends Action, F extends Action = never>(
  block: Block<S, A, X>,
  protocol: BlockProtocol<S, A, X, F>,
): Composed<S, A | X, F> {
  const { actions, next, actionNames, formatAction, view, fair, metrics, ...rest } = protocol;
  const actors = protocol.actors ?? block.actors;
  const keep = block.keep;
  return {
    ...rest,
    actions: (s) => [...(keep ? actions(s).filter((a) => keep(s, a)) : actions(s)), ...block.actions(s)],
    next: (s, a) => (block.is(a) ? block.next(s, a) : next(s, a as A)),
    actionNames: [...actionNames, ...block.names],
    formatAction: (a) => (block.is(a) ? block.format(a) : formatAction(a as A)),
    actors,
    fair: (a) => (block.is(a) ? block.fair(a) : (fair?.(a as A) ?? true)),
    // A protocol without a view keeps the default diagram (a note naming the step); the block's steps get theirs,
    // unless the block draws only beside a protocol's view.
    ...(view || !block.viewOnlyWithProtocolView
      ? {
          view: (from: S, a: A | X, to: S): readonly ViewEvent[] =>
            block.is(a)
              ? block.view(from, a, to)
              : view
                ? view(from, a as A, to)
                : [{ type: 'note', over: actors[0] ?? 'system', text: formatAction(a as A) }],
        }
      : {}),
    ...(metrics
      ? {
          metrics: metrics.map((m) => ({
            ...m,
            perStep: (from: S, a: A | X, to: S) => (block.is(a) ? 0 : m.perStep(from, a as A, to)),
          })),
        }
      : {}),
  };
}

/** One budget (or bound) a block offers as a model parameter: its range, default and (optionally) its wording. */
export interface BlockParamDeclaration {
  readonly max: number;
  readonly default?: number;
  readonly description?: string;
}

/** An `int` parameter from 0 to `max`; a budget is printed by reports as the budget explored. */
export function blockParam(d: BlockParamDeclaration, description: string, budget: boolean): IntParamSpec {
  return {
    type: 'int',
    default: d.default ?? 0,
    min: 0,
    max: d.max,
    ...(budget ? { budget: true } : {}),
    description: d.description ?? description,
  };
}
