// Small helpers for plain-data state: copies that change one element, so states stay immutable values.

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
import { intern, noteDerivedSet } from '../shared/fingerprint';
export { intern };

/** A copy of the set with the value added (the same set when it is already there, so an unchanged state stays one object). */
export function setAdd<T>(set: ReadonlySet<T>, value: T): ReadonlySet<T> {
  if (set.has(value)) return set;
  const out = new Set(set).add(value);
  noteDerivedSet(out, set, value, 1); // so the explorer hashes it from `set` and `value` alone
  return out;
}

/** A copy of the set without the value (the same set when it is not there). */
export function setRemove<T>(set: ReadonlySet<T>, value: T): ReadonlySet<T> {
  if (!set.has(value)) return set;
  const out = new Set(set);
  out.delete(value);
  noteDerivedSet(out, set, value, -1);
  return out;
}

/**
 * A constructor of interned values, memoised on its arguments (strings, numbers, booleans): `Prepared(rm)` returns
 * the same object for the same rm at the cost of one lookup, so it can be called freely in `actions` and `next`.
 */
export function interned<Args extends readonly (string | number | boolean)[], T extends object>(
  build: (...args: Args) => T,
): (...args: Args) => T {
  const made = new Map<string | number | boolean, T>();
  return (...args) => {
    const k = args.length === 1 ? args[0] : args.map((a) => `${typeof a}:${String(a)}`).join('\u0000');
    let v = made.get(k);
    if (v === undefined) {
      v = intern(build(...args));
      made.set(k, v);
    }
    return v;
  };
}
