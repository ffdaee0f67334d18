// Small helpers for plain-data state: copies that change one element, so states stay immutable values.
import { withFaults, type FaultAction, type FaultBudget, type FaultState, type FaultTopology, type ProtocolMachine } from './faults';
import type { Action, Machine } from './model';

/** A copy of the array with element i replaced. */
export function replaceAt<T>(xs: readonly T[], i: number, value: T): T[] {
  const out = xs.slice();
  out[i] = value;
  return out;
}

/**
 * Action instances made once and handed out again: `act('RMPrepare', 2)` is always the same object
 * `{ name: 'RMPrepare', rm: 2 }` when `field` is 'rm'. Stable objects spare an allocation per enabled action.
 */
export function actionInstances<N extends string, F extends string>(
  field: F,
): (name: N, i: number) => { readonly name: N } & Readonly<Record<F, number>> {
  const made = new Map<string, { readonly name: N } & Readonly<Record<F, number>>>();
  return (name, i) => {
    const k = `${name}#${i}`;
    let a = made.get(k);
    if (a === undefined) {
      a = { name, [field]: i } as { readonly name: N } & Readonly<Record<F, number>>;
      made.set(k, a);
    }
    return a;
  };
}

/** One shared object per structural value, so that Sets of records (messages, votes) behave as sets of values. */
export { intern } from '../shared/fingerprint';

/** A copy of the set with the value added (the same set when it is already there, so an unchanged state stays one object). */
export function setAdd<T>(set: ReadonlySet<T>, value: T): ReadonlySet<T> {
  return set.has(value) ? set : new Set(set).add(value);
}

/** A copy of the set without the value (the same set when it is not there). */
export function setRemove<T>(set: ReadonlySet<T>, value: T): ReadonlySet<T> {
  if (!set.has(value)) return set;
  const out = new Set(set);
  out.delete(value);
  return out;
}

/**
 * `withFaults` for a plain state: the machine it returns has no `key`, so the engine fingerprints the whole state,
 * `faults` included (its network is a sorted array, its budget a record). withFaults composes a key from the
 * protocol's own, which a plain protocol does not write.
 */
export function withPlainFaults<S extends { readonly faults: FaultState }, A extends Action>(
  budget: FaultBudget,
  topology: FaultTopology<S>,
  protocol: Omit<ProtocolMachine<S, A>, 'key'>,
): Machine<S, A | FaultAction> {
  const { key: _composed, ...machine } = withFaults(budget, topology, { ...protocol, key: () => '' });
  return machine;
}
