/**
 * Reclaim and discard on user ranges: swap-out (shrink_folio_list → try_to_unmap with a batched
 * flush, TTU_BATCH_FLUSH → arch_tlbbatch_flush), MADV_DONTNEED (zap_page_range_single: an
 * mmu_gather that frees no tables) and msync(MS_INVALIDATE) (Linux: nothing to unmap).
 */
import { EBUSY, EINVAL, ENOMEM, PAGE_SIZE, VM_LOCKED, VM_SHARED } from './constants.js';
import { TLB_FLUSH_ALL } from './arch.js';
import type { LinuxMm } from './linux-mm.js';
import type { MmStruct } from './mm.js';
import { tableIndex } from './pgtable.js';
import { mkSwapPte, pteFlags, ptePfn, PTE_PRESENT, PTE_SPECIAL } from './pte.js';
import { rangeCovered } from './vma-ops.js';
import { unmapSingleVma } from './zap.js';

/**
 * Swap out every resident private page of [start, end) (the whole mm when start/end are omitted):
 * each PTE becomes a swap entry — which holds no key — and one batched flush precedes freeing the
 * pages. Shared (page-cache) pages are only unmapped. Returns the number of pages reclaimed.
 */
export function swapOut(
  lm: LinuxMm,
  cpu: number,
  mm: MmStruct,
  start = 0,
  end = Number.MAX_SAFE_INTEGER,
): number {
  const store = lm.pgtables;
  const freed: number[] = [];
  let unmapped = 0;
  for (const vma of mm.vmas) {
    if (vma.vmEnd <= start || vma.vmStart >= end) continue;
    // PFN maps, hugetlb and mlocked memory are not reclaimed.
    if (vma.isPfnmap() || vma.isHugetlb() || vma.vmFlags & VM_LOCKED) continue;
    const s = Math.max(start, vma.vmStart);
    const e = Math.min(end, vma.vmEnd);
    for (let addr = s; addr < e; addr += PAGE_SIZE) {
      const table = store.walk(cpu, mm, addr, 1, false);
      if (table < 0) continue;
      const index = tableIndex(addr, 1);
      const entry = store.get(table)[index];
      const flags = pteFlags(entry);
      if ((flags & PTE_PRESENT) === 0 || flags & PTE_SPECIAL) continue;
      if (vma.vmFlags & VM_SHARED) {
        store.setEntry(cpu, mm, 1, table, index, addr, 0);
      } else {
        store.setEntry(cpu, mm, 1, table, index, addr, mkSwapPte(++lm.swapSlots));
        lm.swapUsed++;
      }
      freed.push(ptePfn(entry));
      unmapped++;
    }
  }
  if (unmapped === 0) return 0;
  // arch_tlbbatch_flush(): x86 flushes everything for the batch (flush_tlb_multi with TLB_FLUSH_ALL).
  lm.arch.tlb.flushTlbMmRange(cpu, mm, 0, TLB_FLUSH_ALL, 12, false);
  for (const pfn of freed) lm.allocator.putPage(cpu, pfn);
  return unmapped;
}

/**
 * madvise(MADV_DONTNEED): per VMA zap_page_range_single under one gather; page tables stay. EINVAL
 * for VM_LOCKED/VM_PFNMAP VMAs, ENOMEM (after doing the mapped parts) when the range has holes.
 */
export function madviseDontneed(lm: LinuxMm, cpu: number, mm: MmStruct, start: number, end: number): number {
  if (start % PAGE_SIZE !== 0 || end < start) return -EINVAL;
  for (const vma of mm.vmas) {
    if (vma.vmEnd <= start || vma.vmStart >= end) continue;
    if (vma.vmFlags & VM_LOCKED || vma.isPfnmap()) return -EINVAL;
  }
  const tlb = lm.newGather();
  tlb.gatherMmu(cpu, mm, start, end);
  for (const vma of mm.vmas) {
    if (vma.vmEnd <= start || vma.vmStart >= end) continue;
    unmapSingleVma(lm, tlb, vma, start, end);
  }
  tlb.finishMmu();
  return rangeCovered(mm, start, end) ? 0 : -ENOMEM;
}

/** msync(MS_INVALIDATE): Linux only refuses mlocked ranges (mm/msync.c); nothing is unmapped. */
export function msyncInvalidate(mm: MmStruct, start: number, end: number): number {
  if (!rangeCovered(mm, start, end)) return -ENOMEM;
  for (const vma of mm.vmas) {
    if (vma.vmEnd <= start || vma.vmStart >= end) continue;
    if (vma.vmFlags & VM_LOCKED) return -EBUSY;
  }
  return 0;
}
