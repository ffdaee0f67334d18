// How a run tells states apart: the one place that chooses between a model's hand-written key, its orbit key
// under symmetry, its projection (TLC's VIEW) and the engine's structural fingerprint of the plain state.
import type { AnyMachine } from '../model/model';
import { canonicalString, fingerprintValueInto, setParent } from '../shared/fingerprint';
import { orbitFingerprintInto, orbitKey } from '../shared/symmetry';
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

export function stateFingerprint(machine: AnyMachine, symmetry: boolean | undefined): StateFingerprint {
  if (symmetry) {
    if (machine.symmetry) {
      const key = machine.symmetry;
      return { parent: noParent, into: (s) => fingerprintInto(key(s)), exactKey: key };
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
