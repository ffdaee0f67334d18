// The package's public entry point, `import { … } from 'distcheck'`: what a model author and a checker need.
// Everything not re-exported here (the command line, the report renderer, the fingerprint table, the catalog
// of built-in models) is internal: package.json's `exports` map lets no other path in. Test-file helpers are
// the second entry point, `distcheck/testing` (src/testing.ts).

// Writing a model: defineModel infers state, action and parameter types; properties, variants, configurations.
export { defineModel, expectedOutcome } from './model/model';
export type {
  Action,
  AlwaysProperty,
  AnyMachine,
  AnyModel,
  BooleanParamSpec,
  ConfigExpectation,
  Configuration,
  EnumParamSpec,
  EventuallyProperty,
  Expectation,
  Figure,
  IntParamSpec,
  LeadsToProperty,
  Machine,
  Metric,
  Model,
  ParamSpec,
  ParamSpecs,
  ParamValue,
  ParamValueOf,
  Params,
  ParamsOf,
  Property,
  PropertyKind,
  SometimesProperty,
  StepProperty,
  Strategy,
  Variant,
  ViewEvent,
} from './model/model';
export { formatParams, resolveParams, type GivenParams } from './model/params';
export { actionInstances, replaceAt } from './model/plain';
export { refinementProperty } from './model/refinement';
// Fault building blocks (budgets, crash/restart, partitions, timeouts, withFaults) and the network helpers.
export * from './model/faults';
// Mixed protocol versions (rolling upgrades: withVersions, byVersion, stamped messages) and bounded channels.
export * from './model/versions';
export * from './model/channels';
// Clocks (skew, backward jumps, stalls, now(state, node)), process pauses and membership (join/leave) as blocks.
export * from './model/clocks';
export * from './model/pauses';
export * from './model/membership';

// Checkers: one judged run, the breadth-first explorer, liveness, fast-check random walks, model-based testing.
export { DEFAULT_RANDOM, requestFromConfiguration, run, type RunOutcome, type RunRequest, type ViolationReport } from './run/run';
export {
  DEFAULT_MAX_STATES,
  explore,
  type ActionCoverage,
  type ExploreOptions,
  type ExploreResult,
  type Finding,
  type LimitKind,
  type Path,
  type Progress,
} from './check/explore';
export { checkLiveness, type LivenessFinding, type LivenessResult } from './check/liveness';
export {
  checkRandom,
  pathArbitrary,
  runWalk,
  type RandomOptions,
  type RandomResult,
  type RandomViolation,
  type WalkInput,
} from './check/walk';
export { conformsToModel, machineCommands, type Driver } from './check/mbt';

// Traces: text, Markdown table, Mermaid sequence diagram, JSON files with a digest, replay.
export { buildTrace, describeTrace, renderMermaid, renderStepTable, renderTraceText, type Trace, type TraceStep } from './trace/trace';
export { parseTraceFile, replayTrace, traceToJson, type ReplayResult } from './trace/trace-file';
export { canonicalJson } from './shared/canonical';
export { UsageError } from './shared/errors';
