// A base for the pmap of an OS whose protection keys live in the VMA (Linux, the reference model): the
// FreeBSD-only calls of the Pmap contract (PKRU rangesets, `pmap_remove_swapout`, `pmap_map_delete`)
// answer `unsupported`, as the contract's comments require, written once instead of in every such pmap.
import type { CpuId, Pid, Prot, Va } from './addresses.js';
import { unsupported, type OpReport } from './outcome.js';
import type { EnterRequest, EntryInfo, Pmap } from './pmap.js';

export abstract class PmapWithoutKeyRanges implements Pmap {
  abstract readonly pid: Pid;
  abstract readonly space: number;
  abstract lookup(va: Va): EntryInfo | undefined;
  abstract enter(cpu: CpuId, req: EnterRequest): OpReport;
  abstract remove(cpu: CpuId, start: Va, end: Va): OpReport;
  abstract protect(cpu: CpuId, start: Va, end: Va, prot: Prot): OpReport;
  abstract keyFor(va: Va): number;
  abstract activate(cpu: CpuId): OpReport;

  /** Linux has no analogue: swap-out never touches keys, they stay in the VMA. */
  removeSwapout(): OpReport {
    return unsupported();
  }

  /** Linux: VMA removal drops the key with the VMA; there is no separate logical unmap. */
  mapDelete(): OpReport {
    return unsupported();
  }

  /** Linux: keys are VMA attributes written into PTEs by `change_protection`, not pmap ranges. */
  setKeyRange(): OpReport {
    return unsupported();
  }

  clearKeyRange(): OpReport {
    return unsupported();
  }
}
