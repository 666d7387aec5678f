// The runner's internal step outcome: a core OpReport widened with what expectations and results need.
import type { OpReport } from '@shootdown/core';
import type { Outcome } from '../result/types.js';
import type { JsonValue } from '../scenario/types.js';

export interface StepOutcome {
  readonly outcome: Outcome;
  readonly pages?: readonly Outcome[];
  /** Never empty: absent when nothing was ignored (every maker of an outcome leaves an empty list out). */
  readonly ignored?: readonly string[];
  readonly frame?: number;
  readonly key?: number;
  readonly value?: JsonValue;
}

/**
 * Every step outcome is made here, with all six fields (undefined where the step has none), so that all
 * have one hidden class whatever the op or the policy: `execute` and the ops read them at every step, and
 * each new shape (frozen constants, `{ outcome, ignored }`, `{ ...out, frame }`, …) reaching that code
 * after it was optimised deoptimised it.
 */
export function stepOutcome(
  outcome: Outcome,
  pages?: readonly Outcome[],
  ignored?: readonly string[],
  frame?: number,
  key?: number,
  value?: JsonValue,
): StepOutcome {
  return { outcome, pages, ignored, frame, key, value };
}

// Not frozen: a frozen object has a hidden class of its own (the fields are readonly to the compiler).
export const UNSUPPORTED: StepOutcome = stepOutcome('unsupported');
export const OK: StepOutcome = stepOutcome('ok');
export const SKIPPED: StepOutcome = stepOutcome('skipped');

/** A policy's report as the runner records it (its outcome strings are the result's). */
export function fromReport(r: OpReport): StepOutcome {
  return stepOutcome(
    r.outcome,
    r.pages,
    r.ignored !== undefined && r.ignored.length > 0 ? [...r.ignored] : undefined,
    r.frame,
    r.key,
    r.value,
  );
}

/** An error message for a step the runner itself cannot carry out (an undefined region under this
 *  policy, a process that was never created): the step is `skipped` and the reason goes to notes. */
export class StepSkipped extends Error {
  override readonly name = 'StepSkipped';
}
