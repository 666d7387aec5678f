// Comparisons: N results of one scenario laid side by side.
export type * from './types.js';
export { compareResults, ComparisonError } from './compare.js';
export { verdictOf } from './verdict-of.js';
