// What the breadth-first explorer takes and returns: its options, and findings as paths (choice indices from an
// initial state), which the layer above turns into traces. Shared by explore.ts and level.ts (and parallel.ts),
// so that neither has to import the other for its types.
import type { PropertyKind } from '../model/model';

/** A path is the index of an initial state and, per step, the index of the action in `actions(state)`. */
export interface Path {
  readonly init: number;
  readonly choices: readonly number[];
}

export interface Finding {
  readonly property: string;
  readonly kind: PropertyKind | 'deadlock';
  readonly path: Path;
}

export interface ActionCoverage {
  readonly action: string;
  /** Times an instance of the action was enabled and taken (TLC's "states found"). */
  readonly fired: number;
  /** Distinct new states it produced. */
  readonly distinctNew: number;
}

export type LimitKind = 'states' | 'depth' | 'time' | 'memory';

export interface Progress {
  readonly distinct: number;
  readonly generated: number;
  readonly queue: number;
  readonly depth: number;
  readonly seconds: number;
}

export interface ExploreOptions {
  /** Stop once this many distinct states are known. */
  readonly maxStates?: number;
  /** Do not expand states at this depth (initial states are depth 1). */
  readonly maxDepth?: number;
  readonly maxSeconds?: number;
  /** Stop before the JS heap holds this much; defaults to 3/4 of V8's heap limit. */
  readonly maxHeapMB?: number;
  /** Report states with no enabled action that the machine does not call terminal. */
  readonly checkDeadlock?: boolean;
  /** Keep whole keys instead of fingerprints (exact, more memory). */
  readonly exact?: boolean;
  /**
   * Symmetry reduction: states are told apart by the machine's orbit key, so one state per orbit is expanded
   * and counted. The expanded state is a concrete one, so every path stays a real run of the unreduced model.
   */
  readonly symmetry?: boolean;
  readonly onProgress?: (progress: Progress) => void;
  readonly progressIntervalMs?: number;
}

export interface ExploreResult {
  readonly status: 'complete' | 'limit';
  readonly limit?: { readonly kind: LimitKind; readonly message: string };
  readonly distinctStates: number;
  readonly statesGenerated: number;
  readonly depth: number;
  /** States discovered but not yet expanded when the run stopped. */
  readonly queueLeft: number;
  /** Shortest counterexample per violated `always` / `step` property, and the first deadlock. */
  readonly violations: readonly Finding[];
  /** Shortest witness per reached `sometimes` property. */
  readonly witnesses: readonly Finding[];
  /** `sometimes` properties never reached. Only conclusive when status is complete. */
  readonly unreached: readonly string[];
  /** Properties breadth-first search does not decide (liveness). */
  readonly unchecked: readonly string[];
  readonly coverage: readonly ActionCoverage[];
  /** TLC's optimistic fingerprint-collision estimate; 0 when every key was an integer; null with exact keys. */
  readonly collisionProbability: number | null;
}
