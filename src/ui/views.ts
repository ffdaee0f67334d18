// What the browser UI shows, as plain JSON computed on the server (or at `html` time): the catalog, one trace
// step by step, and one state of manual exploration. A state is named by its path (initial-state index and the
// index of each action among those enabled), so a URL that carries model, variant, parameters and path is enough
// to rebuild it: shareable, and nothing has to be stored between requests.
import { structurallyEqual as isEqual } from '../shared/fingerprint';
import type { Path } from '../check/explore';
import { checkVariant, findModel, stateKeyOf, type AnyMachine, type AnyModel, type Params, type PropertyKind } from '../model/model';
import { resolveParams } from '../model/params';
import { fail } from '../shared/errors';
import { buildTrace, describeTrace, flattenState, renderMermaid, stateChanges, type FieldChange, type Trace } from '../trace/trace';
import { replayTrace } from '../trace/trace-file';

/** A model at one scope, as named in a URL: `model=…&variant=…&p.<name>=…`. */
export interface Scope {
  readonly model: AnyModel;
  readonly variant: string;
  readonly params: Params;
  readonly machine: AnyMachine;
}

export interface ModelSummary {
  readonly id: string;
  readonly title: string;
  readonly source: string;
  readonly scope: string;
  readonly params: readonly { readonly name: string; readonly type: string; readonly default: unknown; readonly description: string }[];
  readonly variants: readonly { readonly name: string; readonly description: string; readonly breaks?: string }[];
  readonly configurations: readonly {
    readonly name: string;
    readonly description?: string;
    readonly variant: string;
    readonly params: Params;
    readonly strategy: string;
    readonly expect: string;
  }[];
}

export function catalogView(models: readonly AnyModel[]): ModelSummary[] {
  return models.map((m) => ({
    id: m.id,
    title: m.title,
    source: m.source,
    scope: m.scope,
    params: Object.entries(m.params).map(([name, s]) => ({ name, type: s.type, default: s.default, description: s.description })),
    variants: m.variants.map((v) => ({ name: v.name, description: v.description, ...(v.breaks ? { breaks: v.breaks } : {}) })),
    configurations: m.configurations.map((c) => {
      const variant = m.variants.find((v) => v.name === c.variant);
      const expect =
        c.expect === 'pass'
          ? 'passes'
          : c.expect
            ? `violates ${c.expect.violates}`
            : variant?.breaks
              ? `violates ${variant.breaks}`
              : 'passes';
      return {
        name: c.name,
        ...(c.description ? { description: c.description } : {}),
        variant: c.variant,
        params: resolveParams(m, c.params ?? {}),
        strategy: c.strategy ?? 'bfs',
        expect,
      };
    }),
  }));
}

// ---------------------------------------------------------------------------------------------- URLs

/** Query string of a scope and a path: `model=…&variant=…&p.rms=3&init=0&path=1.4.2`. */
export function stateQuery(scope: { model: string; variant: string; params: Params }, path: Path): string {
  const q = new URLSearchParams({ model: scope.model, variant: scope.variant });
  for (const [k, v] of Object.entries(scope.params)) q.set(`p.${k}`, String(v));
  q.set('init', String(path.init));
  q.set('path', path.choices.join('.'));
  return q.toString();
}

/** Reads and validates a scope from a query; every problem is a UsageError (a 400 with one line). */
export function parseScope(models: readonly AnyModel[], q: URLSearchParams): Scope {
  const id = q.get('model');
  if (!id) fail(`missing 'model'`);
  const model = findModel(models, id);
  const variant = q.get('variant') ?? 'correct';
  checkVariant(model, variant);
  const given: Record<string, string> = {};
  for (const [k, v] of q) if (k.startsWith('p.')) given[k.slice(2)] = v;
  const params = resolveParams(model, given);
  return { model, variant, params, machine: model.machine(params, variant) };
}

/** Reads a path (`init`, `path` = choice indices joined by dots) and checks that every index names an enabled action. */
export function parsePath(machine: AnyMachine, q: URLSearchParams): Path {
  const initRaw = q.get('init') ?? '0';
  const pathRaw = q.get('path') ?? '';
  const index = (raw: string, what: string): number => {
    if (!/^\d{1,9}$/.test(raw)) fail(`${what} must be a non-negative integer, got '${raw}'`);
    return Number(raw);
  };
  const init = index(initRaw, `'init'`);
  if (init >= machine.init.length) fail(`'init' must be below ${machine.init.length} (the number of initial states), got ${init}`);
  const choices = pathRaw === '' ? [] : pathRaw.split('.').map((c, i) => index(c, `step ${i + 1} of 'path'`));
  if (choices.length > 10_000) fail(`'path' is too long (${choices.length} steps; at most 10,000)`);
  let state = machine.init[init];
  choices.forEach((c, i) => {
    const enabled = machine.actions(state);
    if (c >= enabled.length)
      fail(
        `step ${i + 1} of 'path' chooses action ${c}, but only ${enabled.length} action${enabled.length === 1 ? ' is' : 's are'} enabled there`,
      );
    state = machine.next(state, enabled[c]);
  });
  return { init, choices };
}

/** The path that re-executes a trace: per step, the enabled action with the recorded label and the recorded next state. */
export function tracePath(machine: AnyMachine, trace: Trace): Path {
  const init = machine.init.findIndex((s) => isEqual(s, trace.steps[0].state));
  if (init < 0) throw new Error(`trace of ${trace.model}: the first state is not an initial state`);
  // Re-executed from the model's own states, not the recorded ones: a recorded state may be a copy (a trace
  // file, a message between threads), and a model may rely on its interned values being the same objects.
  let from = machine.init[init];
  const choices = trace.steps.slice(1).map((step, i) => {
    const enabled = machine.actions(from);
    const c = enabled.findIndex((a: unknown) => machine.formatAction(a) === step.action && isEqual(machine.next(from, a), step.state));
    if (c < 0) throw new Error(`trace of ${trace.model}: step ${i + 2} (${step.action}) cannot be re-executed`);
    from = machine.next(from, enabled[c]);
    return c;
  });
  return { init, choices };
}

// ---------------------------------------------------------------------------------------------- traces

export interface StepView {
  readonly action: string | null;
  /** The index of the action among those enabled in the previous state (null for the initial state). */
  readonly choice: number | null;
  /** Every field of the state's display view, in order. */
  readonly fields: readonly (readonly [string, string])[];
  /** The fields that changed from the previous step (none for the first). */
  readonly changes: readonly FieldChange[];
}

export interface TraceView {
  readonly title: string;
  readonly model: string;
  readonly variant: string;
  readonly params: Params;
  readonly property: string;
  readonly kind: PropertyKind | 'deadlock';
  readonly outcome: Trace['outcome'];
  readonly propertyDescription: string;
  readonly loopStart?: number;
  readonly stutter?: boolean;
  readonly init: number;
  readonly steps: readonly StepView[];
  readonly mermaid: string;
  /** Whether the trace, re-executed on the model, ends the way it claims (always true for a checker's trace). */
  readonly replay: { readonly reproduced: boolean; readonly message: string };
}

export function traceView(model: AnyModel, machine: AnyMachine, trace: Trace): TraceView {
  const path = tracePath(machine, trace);
  const property = machine.properties.find((p) => p.name === trace.property);
  return {
    title: describeTrace(trace),
    model: trace.model,
    variant: trace.variant,
    params: trace.params,
    property: trace.property,
    kind: trace.kind,
    outcome: trace.outcome,
    propertyDescription:
      trace.kind === 'deadlock' ? 'a state with no enabled action that the model does not call terminal' : (property?.description ?? ''),
    ...(trace.loopStart !== undefined ? { loopStart: trace.loopStart } : {}),
    ...(trace.stutter ? { stutter: true } : {}),
    init: path.init,
    steps: trace.steps.map((step, i) => ({
      action: step.action,
      choice: i === 0 ? null : path.choices[i - 1],
      fields: [...flattenState(machine, step.state)],
      changes: i === 0 ? [] : stateChanges(machine, trace.steps[i - 1].state, step.state),
    })),
    mermaid: renderMermaid(trace, machine),
    replay: replayTrace(trace, model),
  };
}

/** Query of a trace view: the state query plus what the trace claims (`property`, `kind`, `loop`, `stutter`). */
export function traceQuery(trace: Trace, path: Path): string {
  const q = new URLSearchParams(stateQuery(trace, path));
  q.set('property', trace.property);
  q.set('kind', trace.kind);
  if (trace.loopStart !== undefined) q.set('loop', String(trace.loopStart));
  if (trace.stutter) q.set('stutter', '1');
  return q.toString();
}

const KINDS: readonly string[] = ['always', 'sometimes', 'step', 'eventually', 'leadsTo', 'deadlock'];

/** Rebuilds a trace from its query (see traceQuery) and shows it, with the replay's verdict on its claim. */
export function traceViewFromQuery(models: readonly AnyModel[], q: URLSearchParams): TraceView {
  const scope = parseScope(models, q);
  const path = parsePath(scope.machine, q);
  const property = q.get('property');
  if (!property) fail(`missing 'property'`);
  const kind = q.get('kind') ?? scope.machine.properties.find((p) => p.name === property)?.kind;
  if (!kind || !KINDS.includes(kind)) fail(`'kind' must be one of ${KINDS.join(', ')}, got '${kind ?? ''}'`);
  if (kind !== 'deadlock' && !scope.machine.properties.some((p) => p.name === property && p.kind === kind))
    fail(`${scope.model.id} has no ${kind} property '${property}'`);
  const loopRaw = q.get('loop');
  let loopStart: number | undefined;
  if (loopRaw !== null) {
    if (!/^\d{1,9}$/.test(loopRaw) || Number(loopRaw) >= path.choices.length)
      fail(`'loop' must be a step index below ${path.choices.length}, got '${loopRaw}'`);
    loopStart = Number(loopRaw);
  }
  const trace = buildTrace(
    scope.machine,
    { model: scope.model.id, variant: scope.variant, params: scope.params },
    { property, kind: kind as Trace['kind'], path, ...(loopStart !== undefined ? { loopStart } : {}), stutter: q.get('stutter') === '1' },
  );
  return traceView(scope.model, scope.machine, trace);
}

// ---------------------------------------------------------------------------------------------- exploration

export interface PropertyStatus {
  readonly name: string;
  readonly kind: PropertyKind;
  readonly description: string;
  /**
   * always / sometimes / eventually: whether the predicate holds in this state; step: whether the step that led
   * here satisfies it (null at an initial state); leadsTo: whether `to` holds, with `from` in `premise`.
   */
  readonly holds: boolean | null;
  readonly premise?: boolean;
}

export interface ExploreView {
  readonly model: string;
  readonly title: string;
  readonly variant: string;
  readonly params: Params;
  readonly initCount: number;
  readonly init: number;
  readonly choices: readonly number[];
  /** The steps taken so far: the action label of each (null for the initial state). */
  readonly trail: readonly (string | null)[];
  readonly fields: readonly (readonly [string, string])[];
  readonly changes: readonly FieldChange[];
  readonly actions: readonly { readonly index: number; readonly label: string; readonly fair: boolean; readonly stutter: boolean }[];
  /** No action is enabled here: the machine calls it terminal, or it is a deadlock. */
  readonly end: null | 'terminal' | 'deadlock';
  readonly properties: readonly PropertyStatus[];
  readonly mermaid: string | null;
}

/** A longer path is shown without its diagram: mermaid takes seconds on thousands of steps, and nobody reads it. */
const MAX_DIAGRAM_STEPS = 300;

export function exploreView(scope: Scope, path: Path): ExploreView {
  const { machine } = scope;
  let state = machine.init[path.init];
  let previous: unknown;
  let lastAction: unknown;
  const trail: (string | null)[] = [null];
  const steps: { action: string | null; state: unknown }[] = [{ action: null, state }];
  for (const c of path.choices) {
    const action = machine.actions(state)[c];
    previous = state;
    lastAction = action;
    state = machine.next(state, action);
    trail.push(machine.formatAction(action));
    steps.push({ action: machine.formatAction(action), state });
  }
  const fair = machine.fair ?? (() => true);
  const keyOf = stateKeyOf(machine);
  const key = keyOf(state);
  const enabled = machine.actions(state);
  const properties: PropertyStatus[] = machine.properties.map((p) => {
    const base = { name: p.name, kind: p.kind, description: p.description };
    switch (p.kind) {
      case 'always':
      case 'sometimes':
      case 'eventually':
        return { ...base, holds: p.holds(state) };
      case 'step':
        return { ...base, holds: previous === undefined ? null : p.holds(previous, lastAction, state) };
      case 'leadsTo':
        return { ...base, holds: p.to(state), premise: p.from(state) };
    }
  });
  let mermaid: string | null = null;
  if (path.choices.length > 0 && path.choices.length <= MAX_DIAGRAM_STEPS) {
    // The trail drawn as a trace; the last line of a trace's diagram is its verdict note, which a trail does not have.
    const trace: Trace = {
      model: scope.model.id,
      variant: scope.variant,
      params: scope.params,
      property: '',
      kind: 'sometimes',
      outcome: 'witness',
      steps,
    };
    mermaid = renderMermaid(trace, machine).split('\n').slice(0, -1).join('\n');
  }
  return {
    model: scope.model.id,
    title: scope.model.title,
    variant: scope.variant,
    params: scope.params,
    initCount: machine.init.length,
    init: path.init,
    choices: path.choices,
    trail,
    fields: [...flattenState(machine, state)],
    changes: previous === undefined ? [] : stateChanges(machine, previous, state),
    actions: enabled.map((a: unknown, index: number) => {
      const to = machine.next(state, a);
      return { index, label: machine.formatAction(a), fair: fair(a), stutter: to === state || keyOf(to) === key };
    }),
    end: enabled.length > 0 ? null : machine.terminal?.(state) ? 'terminal' : 'deadlock',
    properties,
    mermaid,
  };
}
