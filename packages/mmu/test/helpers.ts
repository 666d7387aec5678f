// Small builders for hardware-level tests: a machine with a kernel half and user spaces.
import { createMachine, type Machine, type MachineParamsInput, type SpaceId } from '../src/index.js';

export interface Rig {
  m: Machine;
  kernel: SpaceId;
  table: () => number;
  data: (tag?: string) => number;
}

export function rig(params: MachineParamsInput = {}): Rig {
  const m = createMachine({ memory: '16MiB', ...params });
  const table = (): number => m.frames.allocAny('page-table');
  const data = (tag = 'data'): number => m.frames.allocAny(tag);
  const kernel = m.createKernelSpace(table);
  return { m, kernel, table, data };
}

/** A user VA in the lower half, 2 MiB aligned, away from zero. */
export const USER_VA = 0x40000000;
