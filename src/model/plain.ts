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
