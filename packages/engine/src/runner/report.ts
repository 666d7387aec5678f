// The runner's internal step outcome: a core OpReport widened with what expectations and results need.
import type { OpReport } from '@shootdown/core';
import type { Outcome } from '../result/types.js';
import type { JsonValue } from '../scenario/types.js';

export interface StepOutcome {
  readonly outcome: Outcome;
  readonly pages?: readonly Outcome[];
  readonly ignored?: readonly string[];
  readonly frame?: number;
  readonly key?: number;
  readonly value?: JsonValue;
}

export const UNSUPPORTED: StepOutcome = Object.freeze({ outcome: 'unsupported' });
export const OK: StepOutcome = Object.freeze({ outcome: 'ok' });

/** A policy's report as the runner records it (its outcome strings are the result's). */
export function fromReport(r: OpReport): StepOutcome {
  const out: { -readonly [K in keyof StepOutcome]: StepOutcome[K] } = { outcome: r.outcome };
  if (r.pages !== undefined) out.pages = r.pages;
  if (r.ignored !== undefined && r.ignored.length > 0) out.ignored = [...r.ignored];
  if (r.frame !== undefined) out.frame = r.frame;
  if (r.key !== undefined) out.key = r.key;
  if (r.value !== undefined) out.value = r.value;
  return out;
}

/** An error message for a step the runner itself cannot carry out (an undefined region under this
 *  policy, a process that was never created): the step is `skipped` and the reason goes to notes. */
export class StepSkipped extends Error {
  override readonly name = 'StepSkipped';
}
