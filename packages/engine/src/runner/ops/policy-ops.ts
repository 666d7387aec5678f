// `<prefix>.<op>`: an op a plug-in contributed (DESIGN §4 "Policy-contributed ops"); every policy that
// did not declare it reports `unsupported`.
import type { PolicyOpStep } from '../../scenario/types.js';
import { UNSUPPORTED, fromReport, type StepOutcome } from '../report.js';
import { frameOfPage, regionOf } from '../resolve.js';
import type { RunState } from '../state.js';

export function policyOp(state: RunState, step: PolicyOpStep): StepOutcome {
  const op = state.registry.op(step.op);
  const container = state.container;
  if (op === undefined || container === null || !op.policies.includes(state.selection.policy))
    return UNSUPPORTED;
  const frameOf = (region: string, page: number): number =>
    frameOfPage(state, regionOf(state, region), page, step.cpu);
  const r = op.run({ container, cpu: step.cpu, args: step.args, id: step.id, frameOf });
  if (r.region !== undefined && step.id !== null) {
    state.names.defineRegion({
      id: step.id,
      kind: 'policy',
      start: r.region.start,
      pages: r.region.pages,
      frames: [...(r.region.frames ?? [])],
      order: null,
      space: r.region.space,
    });
  }
  return fromReport(r);
}
