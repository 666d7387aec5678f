// The scenario language: types, loading with located errors, and the helpers tools share.
export type * from './types.js';
export { HW_OPS } from './types.js';
export { formatScenarioError, type ScenarioError } from './errors.js';
export { loadScenarioFile, loadScenarioText, type LoadOptions, type LoadResult } from './load.js';
export type { Overrides } from './overrides.js';
export type { JsonSchema } from './schema-registry.js';
export { COUNTERS, INVARIANTS, CHECK_QUERIES, neutralOps } from './vocabulary.js';
export { closest, didYouMean } from './suggest.js';
export { describeStep } from './describe.js';
export { allSteps, stepAt } from './step-paths.js';
