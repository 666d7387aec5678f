// `validate` and `run` must agree: every check the MMU makes when `run` builds the machine
// (createMachine: memory within one frame .. 2^26 frames, tlbEntries a multiple of the ways, key width
// per architecture, the cost model) is made here too, on the machine block the runner will pass, so a
// scenario `validate` accepts never fails to build later.
import { validateCostModel, validateMachineParams } from '@shootdown/mmu';
import type { MachineBlock } from './types.js';

export interface MachineProblem {
  /** JSON pointer into the scenario (`/machine/memory`). */
  readonly pointer: string;
  readonly message: string;
}

const COSTS_FIELD = 'costs';

export function machineProblems(block: MachineBlock): MachineProblem[] {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(block)) if (k !== COSTS_FIELD) params[k] = v;
  const out: MachineProblem[] = [];
  const m = validateMachineParams(params);
  if (!m.ok) for (const e of m.errors) out.push({ pointer: `/machine${e.pointer}`, message: e.message });
  const costs = block[COSTS_FIELD];
  const c = validateCostModel(typeof costs === 'object' && costs !== null ? costs : {});
  if (!c.ok)
    for (const e of c.errors)
      out.push({ pointer: `/machine/${COSTS_FIELD}${e.pointer}`, message: e.message });
  return out;
}
