// Symmetry reduction from a declaration: the model names its interchangeable node ids (TLC's Permutations(RM)),
// and the engine computes one canonical representative per orbit, renaming the ids wherever they occur.
//
// Without enumerating the n! permutations: each id gets a colour, the fingerprint of the state with that id
// marked and every other id anonymous, which does not depend on how the ids are named. Sorting by colour orders
// the ids into cells of equal colour. If the state renamed in that order is unchanged by swapping neighbours
// within each cell, every order within the cells gives the same state (neighbour swaps generate the symmetric
// group), so that state is the canonical one; otherwise every order within the cells is tried and the least
// fingerprint wins. Both choices depend only on the orbit, so two states get the same key exactly when one is
// a permutation of the other (up to the fingerprint's collision probability).
import { FP, canonicalString, fingerprintRenamedInto } from './fingerprint';
import { fail } from './errors';

const SELF = '\u0000self';
const OTHER = '\u0000other';
const MAX_TIED_ORDERS = 40320;

/** The ids in colour order, and where each cell of equal colour starts and ends. */
function cells(state: unknown, ids: readonly string[]): { order: string[]; bounds: [number, number][] } {
  const colours = ids.map((id) => {
    const rename = new Map(ids.map((other) => [other, other === id ? SELF : OTHER]));
    fingerprintRenamedInto(state, rename);
    return [FP[0], FP[1]] as const;
  });
  const idx = ids.map((_, i) => i).sort((i, j) => colours[i][0] - colours[j][0] || colours[i][1] - colours[j][1]);
  const bounds: [number, number][] = [];
  for (let i = 0; i < idx.length; ) {
    let j = i + 1;
    while (j < idx.length && colours[idx[j]][0] === colours[idx[i]][0] && colours[idx[j]][1] === colours[idx[i]][1]) j++;
    if (j - i > 1) bounds.push([i, j]);
    i = j;
  }
  return { order: idx.map((i) => ids[i]), bounds };
}

/** Renames order[p] to ids[p]: the state as if its ids had been handed out in this order. */
const renameTo = (order: readonly string[], ids: readonly string[]): Map<string, string> => new Map(order.map((id, p) => [id, ids[p]]));

/** Every order of the ids that keeps each cell in place, tied ids permuted among themselves. */
function* tiedOrders(order: readonly string[], bounds: readonly [number, number][]): Generator<string[]> {
  const count = bounds.reduce((n, [a, b]) => n * factorial(b - a), 1);
  if (count > MAX_TIED_ORDERS)
    fail(`symmetry: ${count} orders of tied ids in one state, more than ${MAX_TIED_ORDERS}; declare fewer symmetric ids`);
  const rec = function* (k: number, cur: string[]): Generator<string[]> {
    if (k === bounds.length) {
      yield cur;
      return;
    }
    const [a, b] = bounds[k];
    for (const perm of permutations(cur.slice(a, b))) yield* rec(k + 1, [...cur.slice(0, a), ...perm, ...cur.slice(b)]);
  };
  yield* rec(0, [...order]);
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}

function* permutations<T>(xs: readonly T[]): Generator<T[]> {
  if (xs.length <= 1) {
    yield [...xs];
    return;
  }
  for (let i = 0; i < xs.length; i++)
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) yield [xs[i], ...rest];
}

/** True when swapping neighbours within each cell leaves the renamed state's fingerprint unchanged. */
function cellsInvariant(state: unknown, order: readonly string[], ids: readonly string[], bounds: readonly [number, number][]): boolean {
  fingerprintRenamedInto(state, renameTo(order, ids));
  const a = FP[0];
  const b = FP[1];
  for (const [lo, hi] of bounds)
    for (let p = lo; p + 1 < hi; p++) {
      const swapped = [...order];
      [swapped[p], swapped[p + 1]] = [swapped[p + 1], swapped[p]];
      fingerprintRenamedInto(state, renameTo(swapped, ids));
      if (FP[0] !== a || FP[1] !== b) return false;
    }
  return true;
}

/** The 64-bit fingerprint of the state's orbit under permutations of `ids`, into FP. */
export function orbitFingerprintInto(state: unknown, ids: readonly string[]): void {
  const { order, bounds } = cells(state, ids);
  if (bounds.length === 0 || cellsInvariant(state, order, ids, bounds)) {
    fingerprintRenamedInto(state, renameTo(order, ids));
    return;
  }
  let bestA = -1;
  let bestB = -1;
  for (const o of tiedOrders(order, bounds)) {
    fingerprintRenamedInto(state, renameTo(o, ids));
    if (bestA === -1 || FP[0] < bestA || (FP[0] === bestA && FP[1] < bestB)) {
      bestA = FP[0];
      bestB = FP[1];
    }
  }
  FP[0] = bestA;
  FP[1] = bestB;
}

/** An exact key of the state's orbit: the canonical text of the least renamed state. */
export function orbitKey(state: unknown, ids: readonly string[]): string {
  const { order, bounds } = cells(state, ids);
  let best: string | undefined;
  for (const o of bounds.length === 0 ? [order] : tiedOrders(order, bounds)) {
    const text = canonicalString(renameIds(state, renameTo(o, ids)));
    if (best === undefined || text < best) best = text;
  }
  return best!;
}

/** A copy of a plain value with strings renamed wherever they occur: values, record keys, Set elements, Map keys. */
export function renameIds<T>(v: T, rename: ReadonlyMap<string, string>): T {
  const r = (x: unknown): unknown => {
    if (typeof x === 'string') return rename.get(x) ?? x;
    if (typeof x !== 'object' || x === null) return x;
    if (Array.isArray(x)) return x.map(r);
    if (x instanceof Set) return new Set([...x].map(r));
    if (x instanceof Map) return new Map([...x].map(([k, y]) => [r(k), r(y)]));
    return Object.fromEntries(Object.entries(x).map(([k, y]) => [rename.get(k) ?? k, r(y)]));
  };
  return r(v) as T;
}
