// Refinement as a step property: every concrete step must map, through a refinement mapping, to a step of an
// abstract machine or to a stutter (the abstract state unchanged). This is TLA+'s `Spec => Abstract!Spec`
// for safety, checked edge by edge during exploration. The abstract successor sets are memoised by key,
// because abstract spaces are small and the same abstract step recurs across many concrete ones.
import type { Action, Machine, StepProperty } from './model';

export function refinementProperty<S, A, T, B extends Action>(options: {
  readonly name: string;
  readonly description: string;
  readonly abstract: Machine<T, B>;
  readonly mapping: (state: S) => T;
}): StepProperty<S, A> {
  const { abstract, mapping } = options;
  const successors = new Map<string | number, Set<string | number>>();
  const successorKeys = (from: T, fromKey: string | number): Set<string | number> => {
    let keys = successors.get(fromKey);
    if (!keys) {
      keys = new Set(abstract.actions(from).map((b) => abstract.key(abstract.next(from, b))));
      successors.set(fromKey, keys);
    }
    return keys;
  };
  // The explorer takes every action of one state in a row, so a one-entry cache of the source state's
  // abstract key saves all but one of its computations.
  let lastFrom: S | undefined;
  let lastAbstract: T | undefined;
  let lastKey: string | number = '';
  let fields: string[] | undefined;
  return {
    kind: 'step',
    name: options.name,
    description: options.description,
    holds: (from, _action, to) => {
      if (from !== lastFrom || lastAbstract === undefined) {
        lastFrom = from;
        lastAbstract = mapping(from);
        lastKey = abstract.key(lastAbstract);
      }
      const image = mapping(to);
      // Same references field by field means the same abstract state: a stutter, no key needed.
      fields ??= typeof image === 'object' && image !== null ? Object.keys(image) : [];
      if (sameFields(fields, lastAbstract, image)) return true;
      const toKey = abstract.key(image);
      return lastKey === toKey || successorKeys(lastAbstract, lastKey).has(toKey);
    },
  };
}

function sameFields(fields: readonly string[], a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (fields.length === 0) return false;
  for (const k of fields) if ((a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]) return false;
  return true;
}
