// The model API: what a protocol model declares, and the plain-data types the engine passes around.
// A model is metadata plus one pure function, `machine(params, variant)`, that returns the state machine
// for one scope. Everything the engine needs (init, actions, next, key, properties) lives on the machine,
// so variants and parameters are closed over once instead of being threaded through the hot path.

import { fail } from '../shared/errors';
import { structuralKey } from '../shared/fingerprint';
import type { Rollout } from './versions';

export type ParamValue = number | boolean | string;
export type Params = Readonly<Record<string, ParamValue>>;

/**
 * What every parameter spec may say: `appliesWhen` names values of other parameters under which this one means
 * anything (`{ link: ['bounded'] }`: a queue's capacity only on the bounded link). Runs always resolve every
 * parameter; reports and the CLI's header leave out those that do not apply.
 */
interface ParamSpecCommon {
  readonly description: string;
  readonly appliesWhen?: Readonly<Record<string, readonly ParamValue[]>>;
}
export interface IntParamSpec extends ParamSpecCommon {
  readonly type: 'int';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** A fault budget (reports print these as the budget explored). */
  readonly budget?: boolean;
}
export interface BooleanParamSpec extends ParamSpecCommon {
  readonly type: 'boolean';
  readonly default: boolean;
}
export interface EnumParamSpec<V extends string = string> extends ParamSpecCommon {
  readonly type: 'enum';
  readonly default: V;
  readonly values: readonly V[];
}
export type ParamSpec = IntParamSpec | BooleanParamSpec | EnumParamSpec;
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** The value type a parameter spec describes: a number, a boolean, or the union of an enum's values. */
export type ParamValueOf<P> = P extends { readonly type: 'int' }
  ? number
  : P extends { readonly type: 'boolean' }
    ? boolean
    : P extends { readonly type: 'enum'; readonly values: readonly (infer V)[] }
      ? V
      : never;

/** Resolved parameters, typed from their specs: `params.rms` is a number, `params.network` a union of strings. */
export type ParamsOf<PS extends ParamSpecs> = { readonly [K in keyof PS]: ParamValueOf<PS[K]> };

/** Every action instance is plain data with a name; the name is what coverage is counted by. */
export interface Action {
  readonly name: string;
}

export type PropertyKind = 'always' | 'sometimes' | 'step' | 'eventually' | 'leadsTo';

interface PropertyBase {
  readonly name: string;
  /** One sentence, shown in reports above a counterexample. */
  readonly description: string;
}

/** Invariant: holds in every reachable state. */
export interface AlwaysProperty<S> extends PropertyBase {
  readonly kind: 'always';
  readonly holds: (state: S) => boolean;
}

/** Reachability witness: some reachable state satisfies it. Never reached means the model is vacuous. */
export interface SometimesProperty<S> extends PropertyBase {
  readonly kind: 'sometimes';
  readonly holds: (state: S) => boolean;
}

/** Action invariant ([][P]_vars in TLA+): holds for every transition, e.g. a refinement mapping. */
export interface StepProperty<S, A> extends PropertyBase {
  readonly kind: 'step';
  readonly holds: (from: S, action: A, to: S) => boolean;
}

/** Liveness: every behaviour eventually reaches a state satisfying it, under the machine's fairness. */
export interface EventuallyProperty<S> extends PropertyBase {
  readonly kind: 'eventually';
  readonly holds: (state: S) => boolean;
}

/** Liveness: from every reachable state satisfying `from`, every fair behaviour reaches a state satisfying `to` (P ~> Q). */
export interface LeadsToProperty<S> extends PropertyBase {
  readonly kind: 'leadsTo';
  readonly from: (state: S) => boolean;
  readonly to: (state: S) => boolean;
}

export type Property<S, A> = AlwaysProperty<S> | SometimesProperty<S> | StepProperty<S, A> | EventuallyProperty<S> | LeadsToProperty<S>;

export const LIVENESS_KINDS: readonly PropertyKind[] = ['eventually', 'leadsTo'];

/** Names of a machine's liveness properties (the ones breadth-first search alone does not decide). */
export function livenessPropertyNames(machine: AnyMachine): string[] {
  return machine.properties.filter((p) => LIVENESS_KINDS.includes(p.kind)).map((p) => p.name);
}

/**
 * One arrow or note of a sequence diagram, derived from a transition. Labels are plain words ("receives Prepare,
 * votes yes"; a message by its name); action names belong to the step table. A step should give one event;
 * renderMermaid merges several into one arrow or note, so that each step number appears once.
 */
export type ViewEvent =
  | { readonly type: 'message'; readonly from: string; readonly to: string; readonly label: string }
  | { readonly type: 'note'; readonly over: string; readonly text: string };

/** The state machine of one model at one scope and one variant. All functions are pure. */
export interface Machine<S, A extends Action> {
  readonly init: readonly S[];
  /** The enabled action instances, in a fixed order (indices into this list identify a step of a path). */
  readonly actions: (state: S) => readonly A[];
  readonly next: (state: S, action: A) => S;
  /**
   * Optional. By default the engine fingerprints the state as plain data (records, arrays, strings, numbers,
   * booleans, null, Sets and Maps, compared as values). A hand-written key overrides that: equal exactly for
   * states that are equal as values; a string, or a non-negative safe integer (exact, no collision possible).
   */
  readonly key?: (state: S) => string | number;
  /**
   * TLC's CONSTRAINT: states where it is false are counted and checked, but not expanded, and liveness does not
   * report them as stuck. For bounding an unbounded variable (a clock, a counter).
   */
  readonly constraint?: (state: S) => boolean;
  /** TLC's VIEW: states are told apart by this projection (e.g. the state without a history variable). */
  readonly projection?: (state: S) => unknown;
  /**
   * Symmetry by declaration, as TLC's Permutations(RM): these strings are interchangeable node ids wherever they
   * occur in the state (values, record keys, Set elements, Map keys). The engine computes the canonical form;
   * arrays are not permuted, so keep per-node data in records or Maps keyed by id.
   */
  readonly symmetricIds?: readonly string[];
  readonly properties: readonly Property<S, A>[];
  /** Every action name the machine can produce, so that actions that never fire can be reported. */
  readonly actionNames: readonly string[];
  readonly formatAction: (action: A) => string;
  /** Participants of the sequence diagram, in column order. */
  readonly actors?: readonly string[];
  readonly view?: (from: S, action: A, to: S) => readonly ViewEvent[];
  /** A friendlier plain-data view of a state for traces (e.g. arrays keyed by node name). Defaults to the state. */
  readonly display?: (state: S) => unknown;
  /**
   * Weak fairness, per action instance: a fair action that stays enabled is eventually taken. Liveness is
   * checked under it. Fault actions (crash, drop, partition) should not be fair. Default: every action is fair.
   */
  readonly fair?: (action: A) => boolean;
  /** The fairness assumption in one sentence, for reports. */
  readonly fairness?: string;
  /** Named figures summed along the shortest witness of a `sometimes` property (e.g. messages per decision). */
  readonly metrics?: readonly Metric<S, A>[];
  /** States where having no enabled action is a normal end, not a deadlock. */
  readonly terminal?: (state: S) => boolean;
  /**
   * Symmetry reduction by hand: a canonical key of the state's orbit under permutations of interchangeable nodes
   * (sort the per-node components, renaming node ids inside messages and sets). Equal exactly for states that are
   * permutations of each other. Every property must be symmetric. Used only when a run asks for symmetry. Prefer
   * `symmetricIds`; with both, the engine checks this key against the declaration on sampled states.
   */
  readonly symmetry?: (state: S) => string | number;
  /** Markdown shown under a counterexample's last state, e.g. a history checker's explanation; undefined for none. */
  readonly explain?: (state: S) => string | undefined;
  /** A rolling upgrade's rollout (set by `withVersions`): reports list the configuration under "Rolling upgrades". */
  readonly rollout?: Rollout;
}

/**
 * How states are told apart outside the breadth-first explorer (walks, liveness graphs, tests): the machine's
 * own key, else a structural key of the state (or of its projection). 53 bits of the 64-bit fingerprint.
 */
export function stateKeyOf<S>(machine: Pick<Machine<S, Action>, 'key' | 'projection'>): (state: S, near?: S) => string | number {
  const key = machine.key;
  if (key) return (s) => key(s);
  const projection = machine.projection;
  return projection ? (s) => structuralKey(projection(s)) : structuralKey;
}

/**
 * A named figure of a run: `perStep` is summed over the steps of the shortest witness of the `sometimes`
 * property `along`. E.g. messages sent along the shortest run in which every participant commits.
 */
export interface Metric<S, A> {
  readonly name: string;
  readonly along: string;
  readonly perStep: (from: S, action: A, to: S) => number;
}

export interface Variant {
  readonly name: string;
  readonly description: string;
  /** For a bug variant: the property it must break. Absent for a correct variant. */
  readonly breaks?: string;
}

export type Strategy = 'bfs' | 'random';

/**
 * What a configuration must give, when it differs from its variant's default: e.g. the correct 2PC must
 * violate liveness once its coordinator may crash (`violates`), while consistency still holds (`holds`).
 */
export type ConfigExpectation = 'pass' | { readonly violates: string; readonly holds?: readonly string[] };

export interface Configuration<PS extends ParamSpecs = ParamSpecs> {
  readonly name: string;
  /** What the configuration shows, in one sentence (used above its counterexamples). */
  readonly description?: string;
  readonly variant: string;
  readonly expect?: ConfigExpectation;
  readonly params?: Partial<ParamsOf<PS>>;
  readonly strategy?: Strategy;
  /** Explore one state per orbit of the machine's symmetry (breadth-first only). */
  readonly symmetry?: boolean;
  /** For random walks. */
  readonly seed?: number;
  readonly runs?: number;
  readonly walkLength?: number;
}

export interface Model<S, A extends Action, PS extends ParamSpecs = ParamSpecs> {
  readonly id: string;
  readonly title: string;
  /** Paper or spec the model follows. */
  readonly source: string;
  /** What the model does and does not check. */
  readonly scope: string;
  readonly params: PS;
  readonly variants: readonly Variant[];
  /** The first configuration is the smallest scope: conformance tests sweep it. */
  readonly configurations: readonly Configuration<PS>[];
  readonly machine: (params: ParamsOf<PS>, variant: string) => Machine<S, A>;
}

// Registry-level erasure: the engine handles models of any state and action type.
/** A model of any state, action and parameter types, as the engine and the catalog hold it. */
export interface AnyModel extends Omit<Model<unknown, Action, ParamSpecs>, 'machine'> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly machine: (params: any, variant: string) => AnyMachine;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMachine = Machine<any, any>;

/**
 * Identity at runtime; gives models full type inference at the definition site: the state and action types
 * come from `machine`, and each parameter's type from its spec (no casts).
 */
export function defineModel<S, A extends Action, const PS extends ParamSpecs>(model: Model<S, A, PS>): Model<S, A, PS> {
  return model;
}

export type Expectation =
  { readonly result: 'pass' } | { readonly result: 'violation'; readonly property: string; readonly holds?: readonly string[] };

/** A configuration's own expectation, else its variant's: a bug variant must break its property. */
export function expectedOutcome(model: AnyModel, variantName: string, override?: ConfigExpectation): Expectation {
  if (override === 'pass') return { result: 'pass' };
  if (override) return { result: 'violation', property: override.violates, ...(override.holds ? { holds: override.holds } : {}) };
  const variant = model.variants.find((v) => v.name === variantName);
  if (!variant) throw new Error(`model ${model.id} has no variant ${variantName}`);
  return variant.breaks ? { result: 'violation', property: variant.breaks } : { result: 'pass' };
}

/** A figure taken from one configuration's outcome, for side-by-side comparisons in the report. */
export type ComparisonMetric =
  'distinctStates' | { readonly metric: string } | { readonly ifViolated: string; readonly yes: string; readonly no: string };

/** A table comparing protocols, declared as data next to the models and rendered by the report. */
export interface Comparison {
  readonly id: string;
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly {
    readonly question: string;
    readonly cells: readonly { readonly model: string; readonly configuration: string; readonly metric: ComparisonMetric }[];
  }[];
}

/**
 * A measured figure (tables, charts) that is not a state machine, rendered into reports/<id>.md. Must be
 * deterministic. Rendering may be asynchronous (a figure that drives a library answering through promises).
 */
export interface Figure {
  readonly id: string;
  readonly title: string;
  readonly render: () => string | Promise<string>;
}

/** Everything the command line and the reports work on: the models, the comparisons between them, the figures. */
export interface Catalog {
  readonly models: readonly AnyModel[];
  readonly comparisons: readonly Comparison[];
  readonly figures: readonly Figure[];
}

export function findModel(models: readonly AnyModel[], id: string): AnyModel {
  const model = models.find((m) => m.id === id);
  if (!model) fail(`unknown model '${id}' (known: ${models.map((m) => m.id).join(', ')})`);
  return model;
}

export function checkVariant(model: AnyModel, variant: string): void {
  if (!model.variants.some((v) => v.name === variant)) {
    fail(`unknown variant '${variant}' for ${model.id} (known: ${model.variants.map((v) => v.name).join(', ')})`);
  }
}

/**
 * The model with only the named properties checked, as a TLC configuration lists its INVARIANTs and PROPERTYs:
 * the others are neither checked nor reported (a `sometimes` left out is not "unreached"). An unknown name, or
 * leaving out the property the run is expected to violate, is one line (exit 2).
 */
export function withOnlyProperties(
  model: AnyModel,
  names: readonly string[],
  params: Params,
  variant: string,
  expected: Expectation,
): AnyModel {
  const known = model.machine(params, variant).properties.map((p) => p.name);
  for (const name of names) if (!known.includes(name)) fail(`unknown property '${name}' for ${model.id} (known: ${known.join(', ')})`);
  if (expected.result === 'violation' && !names.includes(expected.property))
    fail(`--property leaves out ${expected.property}, which this run is expected to violate (add --property ${expected.property})`);
  return { ...model, machine: (p, v) => onlyProperties(model.machine(p, v), names) };
}

export function onlyProperties(machine: AnyMachine, names: readonly string[] | undefined): AnyMachine {
  return names ? { ...machine, properties: machine.properties.filter((p) => names.includes(p.name)) } : machine;
}
