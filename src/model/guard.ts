// A user's model, guarded: every call into its code that throws becomes a ModelError that says where (init,
// actions, next, a property or the key), at which state and on which action, so the command line can report it
// as the model's error (exit 4) and not as distcheck's. The catalog's models are not wrapped (no cost to them).
import { ModelError, type ModelPhase } from '../shared/errors';
import type { Action, AnyMachine, AnyModel, Machine, Property } from './model';

function shown(machine: AnyMachine, state: unknown): unknown {
  try {
    return machine.display ? machine.display(state) : state;
  } catch {
    return state;
  }
}

function label(machine: AnyMachine, action: unknown): string {
  try {
    return machine.formatAction(action as Action);
  } catch {
    return JSON.stringify(action);
  }
}

const raw = new WeakMap<ModelError, unknown>();

/** The state a guarded machine's error happened at, as the machine has it (not in display form). */
export const errorState = (e: ModelError): unknown => raw.get(e);

type Where = { phase: ModelPhase; action?: string; property?: string; state?: unknown; raw?: unknown };

/** What a guarded call throws: a ModelError saying where (a ModelError passes through). */
function modelError(e: unknown, where: Where): unknown {
  if (e instanceof ModelError) return e;
  const { raw: state, ...details } = where;
  const error = new ModelError({ ...details, cause: e });
  if (state !== undefined) raw.set(error, state);
  return error;
}

/** Calls fn, turning what it throws into a ModelError. */
function guarded<T>(fn: () => T, where: () => Where): T {
  try {
    return fn();
  } catch (e) {
    throw modelError(e, where());
  }
}

export function guardMachine(m: AnyMachine): AnyMachine {
  const wrapProperty = (p: Property<unknown, Action>): Property<unknown, Action> => {
    const at = (state: unknown, action?: unknown): Where => ({
      phase: 'property' as const,
      property: p.name,
      state: shown(m, state),
      raw: state,
      ...(action !== undefined ? { action: label(m, action) } : {}),
    });
    switch (p.kind) {
      case 'step': {
        const holds = p.holds;
        return {
          ...p,
          holds: (from, a, to) => {
            try {
              return holds(from, a, to);
            } catch (e) {
              throw modelError(e, at(from, a));
            }
          },
        };
      }
      case 'leadsTo':
        return { ...p, from: (s) => guarded(() => p.from(s), () => at(s)), to: (s) => guarded(() => p.to(s), () => at(s)) };
      default: {
        const holds = p.holds as (s: unknown) => boolean;
        return {
          ...p,
          holds: (s: unknown) => {
            try {
              return holds(s);
            } catch (e) {
              throw modelError(e, at(s));
            }
          },
        } as Property<unknown, Action>;
      }
    }
  };
  // actions and next run on every expansion and transition: try/catch inline, so that no closure is made per call
  // (the guard cost a user's model about 10 % of its run time with two closures per call).
  const { actions, next } = m;
  const machine: Machine<unknown, Action> = {
    ...m,
    actions: (s) => {
      try {
        return actions(s);
      } catch (e) {
        throw modelError(e, { phase: 'actions', state: shown(m, s), raw: s });
      }
    },
    next: (s, a) => {
      try {
        return next(s, a);
      } catch (e) {
        throw modelError(e, { phase: 'next', action: label(m, a), state: shown(m, s), raw: s });
      }
    },
    properties: m.properties.map(wrapProperty),
  };
  if (typeof m.key === 'function') {
    const key = m.key;
    (machine as { key: AnyMachine['key'] }).key = (s) =>
      guarded(
        () => key(s),
        () => ({ phase: 'key', state: shown(m, s), raw: s }),
      );
  }
  return machine;
}

/** The model, with every machine it builds guarded; building the machine itself counts as `init`. */
export function guardModel(model: AnyModel): AnyModel {
  return {
    ...model,
    machine: (params, variant) =>
      guardMachine(
        guarded(
          () => model.machine(params, variant),
          () => ({ phase: 'init' }),
        ),
      ),
  } as AnyModel;
}
