// The entry point: validate parameters and costs, build the machine.
import { validateCostModel, type CostModel, type CostModelInput } from './costs.js';
import { Machine } from './machine.js';
import {
  formatSchemaErrors,
  validateMachineParams,
  type MachineParams,
  type MachineParamsInput,
} from './params.js';

/** Thrown for invalid machine parameters or cost models; `errors` carry JSON pointers. */
export class MachineConfigError extends Error {
  constructor(
    message: string,
    readonly errors: readonly { pointer: string; message: string }[],
  ) {
    super(message);
    this.name = 'MachineConfigError';
  }
}

/** Parameters and cost model checked, every default filled in: what a `Machine` is built from. */
export interface ValidMachine {
  readonly params: MachineParams;
  readonly costs: CostModel;
}

/** Check machine parameters and a cost model as `createMachine` does, without building the machine (a
 *  caller building many machines from one description checks it once). Throws `MachineConfigError`. */
export function validateMachine(params: MachineParamsInput = {}, costs: CostModelInput = {}): ValidMachine {
  const p = validateMachineParams(params);
  if (!p.ok)
    throw new MachineConfigError(formatSchemaErrors('invalid machine parameters', p.errors), p.errors);
  // A machine block may carry its cost model (`costs`, already checked above with the machine); weights
  // given as the argument override it, so a caller holding both gets one model.
  const c = validateCostModel({ ...params.costs, ...costs });
  if (!c.ok) throw new MachineConfigError(formatSchemaErrors('invalid cost model', c.errors), c.errors);
  return { params: p.value, costs: c.value };
}

export function createMachine(params: MachineParamsInput = {}, costs: CostModelInput = {}): Machine {
  const v = validateMachine(params, costs);
  return new Machine(v.params, v.costs);
}
