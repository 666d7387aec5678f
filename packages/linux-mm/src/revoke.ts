/**
 * unmap_mapping_range() (mm/memory.c) as a driver revoking its PFN mapping: for every VMA still
 * linked in the object's i_mmap, zap_page_range_single() with its own mmu_gather. If a munmap of
 * the same mm is in flight, that gather sees mm_tlb_flush_nested() and forces a flush; if the
 * munmap already unlinked the VMA (free_pgtables), the driver finds nothing — the CVE-2022-39188
 * window the PFNMAP variants open or close (spec §5.7). When it returns the driver takes the PFNs
 * back (they are marked revoked for pfn-release, then freed for reuse).
 */
import type { LinuxMm } from './linux-mm.js';
import { unmapSingleVma } from './zap.js';

/** Returns the number of VMAs the revoke found, or -1 when the address was not a PFN mapping. */
export function unmapMappingRange(lm: LinuxMm, cpu: number, pid: number, addr: number): number {
  const id = lm.mappingAt(pid, addr);
  const as = id ? lm.mappings.get(id) : undefined;
  if (!as?.pfnmap || as.revoked) return -1;
  const vmas = [...as.vmas];
  for (const vma of vmas) {
    const mm = lm.mms.get(vma.owner);
    if (!mm) continue;
    const tlb = lm.newGather();
    tlb.gatherMmu(cpu, mm, vma.vmStart, vma.vmEnd);
    unmapSingleVma(lm, tlb, vma, vma.vmStart, vma.vmEnd);
    tlb.finishMmu();
  }
  as.revoked = true;
  lm.frames.markRevoked(as.pfns);
  for (const pfn of as.pfns) lm.allocator.putPage(cpu, pfn);
  return vmas.length;
}
