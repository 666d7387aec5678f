// A scenario that gives an OS policy nothing to do: every step is hardware-level (DESIGN §4: `unsupported`
// under a policy), a `repeat` of such steps, or a `check` that neither queries the policy nor drains its
// caches. Under a policy such a run's result depends only on what `configure` decides about the machine,
// so the runner asks the policy's `preflight` instead of booting it (run.ts).
import type { ResolvedSelection } from '@shootdown/core';
import { expectationFor } from '../scenario/expectations.js';
import type { Expectation, Step } from '../scenario/types.js';
import { isHardwareOp } from './dispatch.js';

export function asksOsNothing(steps: readonly Step[], selection: ResolvedSelection): boolean {
  return steps.every((s) => {
    if (!plainExpectations(s, selection)) return false;
    if (s.op === 'repeat') return s.iterations.every((body) => asksOsNothing(body, selection));
    if (s.op === 'check') return s.query === null && !s.drain;
    return isHardwareOp(s);
  });
}

/** Expectations that resolve nothing through the policy: no key, no frame but one of the `hw:` block's. */
function plainExpectations(s: Step, selection: ResolvedSelection): boolean {
  const plain = (e: Expectation | undefined): boolean =>
    e === undefined || (e.key === undefined && (e.frameOf === undefined || e.frameOf.hw === true));
  if (s.expect !== undefined && !plain(expectationFor(s.expect, selection))) return false;
  return (s.expectPages ?? []).every(plain);
}
