// Small builders for hardware-level tests: a machine with a kernel half and user spaces.
import {
  Pte,
  createMachine,
  type Machine,
  type MachineParamsInput,
  type SpaceId,
  type TlbiArgs,
  type TlbiOp,
} from '../src/index.js';

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

/**
 * fast-check runs for a property: `full` normally. Under mutation testing the suite runs once per
 * mutant, so mutate/vitest.mmu.config.mjs sets SHOOTDOWN_PROPERTY_RUNS_SCALE (a fraction) and the
 * property runs that share of its cases, at least `least` (20 unless a property's cases are so heavy
 * that a surviving mutant, which runs every test covering it, would cost seconds). With the same seed
 * the shorter run is a prefix of the full one, so it checks the same first cases.
 */
export function propertyRuns(full: number, least = 20): number {
  const scale = Number(process.env['SHOOTDOWN_PROPERTY_RUNS_SCALE'] ?? '1');
  if (!(scale > 0 && scale < 1)) return full;
  return Math.min(full, Math.max(least, Math.ceil(full * scale)));
}

/**
 * Space `asid` maps USER_VA to a fresh data frame, `cpu` runs it, then the leaf is cleared with no
 * invalidation: `cpu` may still hold the old translation.
 */
export function staleUserLeaf(r: Rig, asid: number, cpu: number): { space: SpaceId; pfn: number } {
  const space = r.m.createSpace(asid, r.table);
  r.m.ensurePath(space, USER_VA, 1, r.table);
  const pfn = r.data();
  r.m.setLeaf(space, USER_VA, 1, pfn, Pte.WRITABLE | Pte.USER);
  r.m.setRoot(cpu, space);
  r.m.clearEntry(space, USER_VA, 1);
  return { space, pfn };
}

/** An arm64 TLBI, completed by the issuing CPU's DSB. */
export function tlbiDsb(m: Machine, cpu: number, op: TlbiOp, args?: TlbiArgs): void {
  m.tlbi(cpu, op, args);
  m.dsb(cpu);
}
