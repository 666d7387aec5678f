import type { Outcome } from '../../result/types.js';
import { stepOutcome, type StepOutcome } from '../report.js';

/** One outcome per page → the step's outcome: the first page that was not `ok`, or `ok` (result/types). */
export function combinePages(pages: readonly StepOutcome[]): StepOutcome {
  if (pages.length === 1) return pages[0];
  const outcomes: Outcome[] = pages.map((p) => p.outcome);
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
