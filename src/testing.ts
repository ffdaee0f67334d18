// The package's second entry point, `import { checkModel } from 'distcheck/testing'`: helpers for the test
// files of a project's own models (vitest, or any runner: nothing here imports a test framework).
export {
  assertModel,
  burnsideOrbits,
  checkModel,
  exploreModel,
  noShorterViolation,
  reachableStates,
  type CheckModelOptions,
  type ModelCheck,
} from './run/testing';
