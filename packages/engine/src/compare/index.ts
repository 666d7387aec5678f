// Comparisons: N results of one scenario laid side by side.
export type * from './types.js';
export { compareResults, ComparisonError } from './compare.js';
export { verdictOf } from './verdict-of.js';
export { sweepOverrides, sweepResult, SweepError } from './sweep.js';
export type { SweepCell, SweepPoint, SweepResult, SweepSpec } from './sweep.js';
