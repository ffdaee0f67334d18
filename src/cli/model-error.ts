// A model error without a path (the explorer does not know it yet, or a random walk threw): the shortest path to
// the state it happened at, found by a breadth-first search that stops there. It re-runs at most the states the
// failed run had already seen, bounded, and gives up quietly (the error is reported without a path).
import { isDeepStrictEqual } from 'node:util';
import { errorState } from '../model/guard';
import type { AnyMachine } from '../model/model';
import { canonicalJson } from '../shared/canonical';
import { ModelError } from '../shared/errors';

const MAX_STATES = 1_000_000;

/** Choice indices (the initial state's index first) from an initial state to the state of the error. */
export function pathToError(e: ModelError, machine: AnyMachine): number[] | undefined {
  const target = errorState(e);
  if (target === undefined) return undefined;
  try {
    const keyOf = (s: unknown): string | number => (typeof machine.key === 'function' ? machine.key(s) : canonicalJson(s));
    const goal = keyOf(target);
    const parent = new Map<string | number, { from: string | number | null; choice: number }>();
    const queue: { state: unknown; key: string | number }[] = [];
    machine.init.forEach((state, i) => {
      const key = keyOf(state);
      if (!parent.has(key)) {
        parent.set(key, { from: null, choice: i });
        queue.push({ state, key });
      }
    });
    for (let head = 0; head < queue.length && parent.size < MAX_STATES; head++) {
      const { state, key } = queue[head];
      if (key === goal && isDeepStrictEqual(state, target)) {
        const path: number[] = [];
        for (let k: string | number | null = key; k !== null; k = parent.get(k)!.from) path.unshift(parent.get(k)!.choice);
        return path;
      }
      machine.actions(state).forEach((a, choice) => {
        const next = machine.next(state, a);
        const k = keyOf(next);
        if (!parent.has(k)) {
          parent.set(k, { from: key, choice });
          queue.push({ state: next, key: k });
        }
      });
    }
  } catch {
    // The model threw on the way (at an earlier state than the one reported): no path.
  }
  return undefined;
}
