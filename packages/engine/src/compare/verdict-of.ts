// The one-word judgement of a run, shared by comparison summaries and verdict files (DESIGN §4: a
// verdict file line is `<scenario> <selection> <verdict>`).
import type { RunResult } from '../result/types.js';

/**
 * `error` when the run did not complete (the plug-in threw, timed out or ran out of memory: nothing else
 * in the column can be trusted); otherwise `violates a,b` when claimed invariants broke (sorted ids: the finding matters most); otherwise
 * `expect-fails` when an expectation did not hold; `unsupported` when every step with an OS op was
 * unsupported; otherwise `holds`.
 */
export function verdictOf(r: RunResult): string {
  if (r.error !== undefined) return 'error';
  const claimed = [...new Set(r.violations.filter((v) => v.claimed).map((v) => v.invariant))].sort();
  if (claimed.length > 0) return `violates ${claimed.join(',')}`;
  if (r.totals.expectationsFailed > 0) return 'expect-fails';
  const real = r.steps.filter((s) => s.op !== 'check' && s.op !== 'repeat' && s.op !== 'interleave');
  if (real.length > 0 && real.every((s) => s.outcome === 'unsupported')) return 'unsupported';
  return 'holds';
}
