// Results of one run: types, canonical serialisation, validation, outcome matching.
export type * from './types.js';
export { canonicalResult, serializeResult, sortKeys } from './serialize.js';
export {
  validateComparison,
  validateExploreShardResults,
  validateResult,
  validateShardResults,
  validateTrace,
} from './validate.js';
export { isFault, outcomeMatches, outcomeMeets } from './outcomes.js';
export { errorResult } from './error-result.js';
