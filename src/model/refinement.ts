// Refinement as a step property: every concrete step must map, through a refinement mapping, to a step of an
// abstract machine or to a stutter (the abstract state unchanged). This is TLA+'s `Spec => Abstract!Spec`
// for safety, checked edge by edge during exploration. The abstract successor sets are memoised by key,
// because abstract spaces are small and the same abstract step recurs across many concrete ones.
import { stateKeyOf, type Action, type Machine, type StepProperty } from './model';

export function refinementProperty<S, A, T, B extends Action>(options: {
  readonly name: string;
  readonly description: string;
  readonly abstract: Machine<T, B>;
  readonly mapping: (state: S) => T;
  /**
   * Optional shortcut: `abstract.key(mapping(state))` computed straight from the concrete state, without building
   * the abstract image. It must return exactly what that composition returns.
   */
  readonly abstractKey?: (state: S) => string | number;
}): StepProperty<S, A> {
  const { abstract, mapping } = options;
  const key = stateKeyOf(abstract);
  const abstractKey = options.abstractKey ?? ((s: S) => key(mapping(s)));
  const successors = new Map<string | number, Set<string | number>>();
  const successorKeys = (from: T, fromKey: string | number): Set<string | number> => {
    let keys = successors.get(fromKey);
    if (!keys) {
      keys = new Set(abstract.actions(from).map((b) => key(abstract.next(from, b))));
      successors.set(fromKey, keys);
    }
    return keys;
  };
  // The explorer takes every action of one state in a row, so a one-entry cache of the source state's
  // abstract key (and of its abstract successors) saves all but one of their computations.
  let lastFrom: S | undefined;
  let lastAbstract: T | undefined;
  let lastKey: string | number = '';
  let lastSuccessors: Set<string | number> | undefined;
  let fields: string[] | undefined;
  const enter = (from: S): void => {
    if (from === lastFrom && lastAbstract !== undefined) return;
    lastFrom = from;
    lastAbstract = mapping(from);
    lastKey = abstractKey(from);
    lastSuccessors = undefined;
  };
  const step = (toKey: string | number): boolean => {
    if (toKey === lastKey) return true;
    lastSuccessors ??= successorKeys(lastAbstract!, lastKey);
    return lastSuccessors.has(toKey);
  };
  return {
    kind: 'step',
    name: options.name,
    description: options.description,
    holds: options.abstractKey
      ? (from, _action, to) => {
          enter(from);
          return step(abstractKey(to));
        }
      : (from, _action, to) => {
          enter(from);
          const image = mapping(to);
          // Same references field by field means the same abstract state: a stutter, no key needed.
          fields ??= typeof image === 'object' && image !== null ? Object.keys(image) : [];
          return sameFields(fields, lastAbstract, image) || step(key(image, lastAbstract));
        },
  };
}

function sameFields(fields: readonly string[], a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (fields.length === 0) return false;
  for (const k of fields) if ((a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]) return false;
  return true;
}
