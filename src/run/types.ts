// The results of checking, in one place: what a run is asked (RunRequest), what it gives, judged against its
// expectation with its findings as traces (RunOutcome), and a model's outcomes over its configurations. The
// explorer's own results, findings as paths, are in src/check/types.ts.
import type { ActionCoverage, ExploreOptions } from '../check/types';
import type { ModuleRef } from '../check/parallel';
import type { AnyModel, ConfigExpectation, Expectation, Params, Strategy } from '../model/model';
import type { GivenParams } from '../model/params';
import type { Trace } from '../trace/trace';

export interface RunRequest {
  readonly model: AnyModel;
  readonly variant: string;
  readonly params?: GivenParams;
  readonly strategy?: Strategy;
  readonly seed?: number;
  readonly runs?: number;
  readonly walkLength?: number;
  /** fast-check replay path (random strategy). */
  readonly path?: string;
  readonly explore?: ExploreOptions;
  readonly configuration?: string;
  readonly expect?: ConfigExpectation;
  /** Breadth-first over one state per orbit of the machine's symmetry. Liveness is still checked unreduced. */
  readonly symmetry?: boolean;
  /** Breadth-first search on this many worker threads (`runAsync` only); each imports the model from `modelModule`. */
  readonly workers?: number;
  readonly modelModule?: ModuleRef;
  /** Check only these properties, as a TLC configuration's INVARIANT and PROPERTY lines (default: all). */
  readonly properties?: readonly string[];
}

export interface ViolationReport {
  readonly property: string;
  readonly kind: Trace['kind'];
  readonly trace: Trace;
  /** For random walks: how to replay the failing case with `--seed S --path P`. */
  readonly seed?: number;
  readonly path?: string;
}

export interface RunOutcome {
  readonly model: string;
  readonly configuration?: string;
  readonly variant: string;
  readonly params: Params;
  readonly strategy: Strategy;
  /** Whether the breadth-first search counted orbits under the machine's symmetry. */
  readonly symmetry: boolean;
  readonly expected: Expectation;
  readonly result: 'pass' | 'violation' | 'limit';
  readonly asExpected: boolean;
  /** 0 as expected, 1 unexpected, 3 limit reached before a verdict. */
  readonly exitCode: 0 | 1 | 3;
  readonly verdict: string;
  readonly distinctStates: number;
  readonly statesGenerated: number;
  readonly depth: number;
  readonly violations: readonly ViolationReport[];
  readonly witnesses: readonly Trace[];
  readonly unreached: readonly string[];
  readonly unchecked: readonly string[];
  readonly coverage: readonly ActionCoverage[];
  readonly neverFired: readonly string[];
  readonly collisionProbability: number | null;
  readonly limit?: { readonly kind: string; readonly message: string };
  readonly random?: { readonly seed: number; readonly runs: number; readonly walkLength: number };
  /** The machine's metrics, each summed along the shortest witness it names (exhaustive runs only). */
  readonly metrics: Readonly<Record<string, number>>;
}

export interface ModelOutcomes {
  readonly model: AnyModel;
  readonly outcomes: readonly RunOutcome[];
}
