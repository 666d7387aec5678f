import type { Outcome } from '../../result/types.js';
import type { StepOutcome } from '../report.js';

/** One outcome per page → the step's outcome: the first page that was not `ok`, or `ok` (result/types). */
export function combinePages(pages: readonly StepOutcome[]): StepOutcome {
  if (pages.length === 1) return pages[0];
  const outcomes: Outcome[] = pages.map((p) => p.outcome);
  const first = pages.find((p) => p.outcome !== 'ok') ?? pages[0];
  const ignored = [...new Set(pages.flatMap((p) => p.ignored ?? []))].sort();
  const out: { -readonly [K in keyof StepOutcome]: StepOutcome[K] } = {
    outcome: first.outcome,
    pages: outcomes,
  };
  if (ignored.length > 0) out.ignored = ignored;
  if (first.frame !== undefined) out.frame = first.frame;
  if (first.key !== undefined) out.key = first.key;
  return out;
}
