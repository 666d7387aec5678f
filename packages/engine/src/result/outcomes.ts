// How a reported outcome meets an expected one (DESIGN §4 "Expectations"): plain `fault` stands for any
// fault kind; every other pattern must match exactly; a list means any of its entries.
import type { ExpectedOutcome, Expectation } from '../scenario/types.js';
import type { Outcome } from './types.js';

export function outcomeMatches(expected: ExpectedOutcome, actual: Outcome): boolean {
  if (expected === 'fault') return actual.startsWith('fault:');
  return expected === actual;
}

/** True when `actual` meets the outcome part of the expectation (an empty any-of accepts everything). */
export function outcomeMeets(e: Expectation, actual: Outcome): boolean {
  return e.anyOf.length === 0 || e.anyOf.some((x) => outcomeMatches(x, actual));
}

/** True for outcomes that count as an access fault (the process is killed when no handler resolves it). */
export function isFault(o: Outcome): boolean {
  return o.startsWith('fault:');
}
