// Small helpers for plain-data state: copies that change one element, so states stay immutable values.

/** A copy of the array with element i replaced. */
export function replaceAt<T>(xs: readonly T[], i: number, value: T): T[] {
  const out = xs.slice();
  out[i] = value;
  return out;
}
