import type { Outcome } from '../../result/types.js';
import { stepOutcome, type StepOutcome } from '../report.js';

/** One outcome per page → the step's outcome: the first page that was not `ok`, or `ok` (result/types). */
export function combinePages(pages: readonly StepOutcome[]): StepOutcome {
  if (pages.length === 1) return pages[0];
  // Pushed one by one, not `pages.map`: the list map makes is of another array class (V8 elements kind)
  // interpreted than optimised, and the runner's `pages.length`, optimised for one, was deoptimised by the
  // other.
  const outcomes: Outcome[] = [];
  for (const p of pages) outcomes.push(p.outcome);
  const first = pages.find((p) => p.outcome !== 'ok') ?? pages[0];
  const ignored = [...new Set(pages.flatMap((p) => p.ignored ?? []))].sort();
  return stepOutcome(
    first.outcome,
    outcomes,
    ignored.length > 0 ? ignored : undefined,
    first.frame,
    first.key,
  );
}
