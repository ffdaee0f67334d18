// How a run tells states apart: the one place that chooses between a model's hand-written key, its orbit key
// under symmetry, its projection (TLC's VIEW) and the engine's structural fingerprint of the plain state.
import type { AnyMachine } from '../model/model';
import { canonicalString, fingerprintValueInto, setParent } from '../shared/fingerprint';
import { orbitFingerprintInto, orbitKey, renameIds } from '../shared/symmetry';
import { fail } from '../shared/errors';
import { fingerprintInto } from './visited';

export interface StateFingerprint {
  /** The state about to be expanded; successors sharing parts with it hash only what is new. */
  readonly parent: (state: unknown) => void;
  /** Writes the state's 64-bit fingerprint to FP; true when it is exact (an integer key, no collision possible). */
  readonly into: (state: unknown) => boolean;
  /** An exact key, for runs that keep whole keys (tests that cross-check fingerprints). */
  readonly exactKey: (state: unknown) => string | number;
}

const noParent = (): void => {};

/** A hand-written orbit key is checked on the first CHECK_FIRST states, then on one in SAMPLE_EVERY. */
const CHECK_FIRST = 256;
const SAMPLE_EVERY = 61;

/**
 * A hand-written orbit key checked on sampled reachable states: the state with its declared ids permuted (a
 * rotation and a swap, in turn) must get the same key, or the run stops with one line. A key that forgets a
 * component would otherwise merge states that are not symmetric and report a smaller, wrong count.
 */
function sampledSymmetryCheck(key: (s: unknown) => string | number, ids: readonly string[]): (s: unknown) => void {
  let n = 0;
  return (s) => {
    if (ids.length < 2 || (++n > CHECK_FIRST && n % SAMPLE_EVERY !== 0)) return;
    const k = n % (ids.length - 1);
    const rotated = new Map(ids.map((id, i) => [id, ids[(i + 1 + k) % ids.length]]));
    const swapped = new Map<string, string>([
      [ids[k], ids[k + 1]],
      [ids[k + 1], ids[k]],
    ]);
    for (const perm of [rotated, swapped]) {
      const t = renameIds(s, perm);
      if (key(t) !== key(s))
        fail(
          `symmetry: the model's orbit key gives different keys to a state and its permutation (${[...perm].map(([a, b]) => `${a}→${b}`).join(', ')}): ${String(key(s)).slice(0, 80)} vs ${String(key(t)).slice(0, 80)}; fix the key or drop it and let symmetricIds compute the orbit`,
        );
    }
  };
}

export function stateFingerprint(machine: AnyMachine, symmetry: boolean | undefined): StateFingerprint {
  if (symmetry) {
    if (machine.symmetry) {
      const key = machine.symmetry;
      const check = machine.symmetricIds ? sampledSymmetryCheck(key, machine.symmetricIds) : noParent;
      return {
        parent: noParent,
        into: (s) => {
          check(s);
          return fingerprintInto(key(s));
        },
        exactKey: key,
      };
    }
    const ids = machine.symmetricIds;
    if (!ids || ids.length === 0) fail('this model declares no symmetry, so --symmetry cannot be used');
    const view = machine.projection ?? ((s: unknown) => s);
    return {
      parent: noParent,
      into: (s) => {
        orbitFingerprintInto(view(s), ids);
        return false;
      },
      exactKey: (s) => orbitKey(view(s), ids),
    };
  }
  if (machine.key) {
    const key = machine.key;
    return { parent: noParent, into: (s) => fingerprintInto(key(s)), exactKey: key };
  }
  const projection = machine.projection;
  if (projection) {
    return {
      parent: (s) => setParent(projection(s)),
      into: (s) => {
        fingerprintValueInto(projection(s));
        return false;
      },
      exactKey: (s) => canonicalString(projection(s)),
    };
  }
  let parent: unknown;
  return {
    parent: (s) => {
      setParent(s);
      parent = s;
    },
    into: (s) => {
      fingerprintValueInto(s, parent);
      return false;
    },
    exactKey: canonicalString,
  };
}
