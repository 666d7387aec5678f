/**
 * unmap_region() (mm/vma.c; spec linux.md §5.2): gather → unmap_vmas → [PFNMAP forced flush, per
 * variant] → free_pgtables → tlb_finish_mmu. The order is the invariant: unhook, invalidate, free.
 * The phases `cleared`, `unlinked` and `flushed` are where a scenario's interleave runs (CVE-2022-39188).
 */
import type { LinuxMm } from './linux-mm.js';
import type { MmStruct } from './mm.js';
import { freePgtables, type VmaUnlinker } from './free-pgtables.js';
import type { VmArea } from './vma.js';
import { unmapVmas } from './zap.js';
import type { MmuGather } from './mmu-gather.js';

/** unlink_anon_vmas + unlink_file_vma: the VMA leaves its object's i_mmap (rmap can no longer find it). */
export function vmaUnlinker(lm: LinuxMm): VmaUnlinker {
  return {
    unlinkVma(vma: VmArea): void {
      if (vma.mapping !== 0) lm.mappings.get(vma.mapping)?.vmas.delete(vma);
    },
  };
}

/**
 * Unmap the detached `vmas` (address order) between `floor` (end of the VMA below, or 0) and
 * `ceiling` (start of the VMA above, or 0 = top). Returns the gather (for inspection).
 */
export function unmapRegion(
  lm: LinuxMm,
  cpu: number,
  mm: MmStruct,
  vmas: readonly VmArea[],
  start: number,
  end: number,
  floor: number,
  ceiling: number,
): MmuGather {
  const tlb = lm.newGather();
  tlb.gatherMmu(cpu, mm, start, end);
  unmapVmas(lm, tlb, vmas, start, end);
  lm.phases?.reach('cleared');
  const pfn = lm.config.gather.pfnmapFlush;
  // Stable 895428ee124a looked at the first VMA only; Horn's follow-up at all of them.
  if (pfn === 'stable-first' && vmas.length > 0 && vmas[0].isPfnmap()) tlb.flushMmu();
  if (pfn === 'stable-all' && vmas.some((v) => v.isPfnmap())) tlb.flushMmu();
  freePgtables(lm.pgtables, tlb, vmas, floor, ceiling, vmaUnlinker(lm));
  lm.phases?.reach('unlinked');
  tlb.finishMmu();
  return tlb;
}
