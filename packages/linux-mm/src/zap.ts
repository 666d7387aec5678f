/**
 * zap_pte_range() … unmap_single_vma() and unmap_vmas() (mm/memory.c): clear every entry of a
 * VMA range into an mmu_gather. Present pages are queued for freeing after the flush (pte_special
 * PFN-map entries are not: the driver owns them); a full batch forces an intermediate flush;
 * swap entries release their slot.
 */
import { LEVEL_PMD, PAGE_SIZE, PMD_SIZE } from './constants.js';
import type { LinuxMm } from './linux-mm.js';
import type { MmuGather } from './mmu-gather.js';
import { tableIndex } from './pgtable.js';
import { entryIsLeaf, pteFlags, pteIsSwap, pteMapped, ptePfn, PTE_SPECIAL } from './pte.js';
import type { VmArea } from './vma.js';

/** zap_pte_range/zap_pmd_range over [start, end) of `vma`. */
export function zapRange(lm: LinuxMm, tlb: MmuGather, vma: VmArea, start: number, end: number): void {
  const store = lm.pgtables;
  const mm = tlb.mm;
  let addr = start;
  while (addr < end) {
    const pmdEnd = Math.min(end, Math.floor(addr / PMD_SIZE) * PMD_SIZE + PMD_SIZE);
    const pmdTable = store.walk(tlb.cpu, mm, addr, LEVEL_PMD, false);
    if (pmdTable < 0) {
      addr = pmdEnd;
      continue;
    }
    const pmdIndex = tableIndex(addr, 2);
    const pmd = store.get(pmdTable)[pmdIndex];
    if (pmd === 0) {
      addr = pmdEnd;
      continue;
    }
    if (entryIsLeaf(pmd, 2)) {
      // zap_huge_pmd(): the whole 2 MiB leaf goes (hugetlb VMAs are PMD aligned).
      const base = Math.floor(addr / PMD_SIZE) * PMD_SIZE;
      store.setEntry(tlb.cpu, mm, 2, pmdTable, pmdIndex, base, 0);
      tlb.removeHugeTlbEntry(2, base);
      if (tlb.removePage(ptePfn(pmd))) tlb.flushMmu();
      addr = pmdEnd;
      continue;
    }
    const pte = ptePfn(pmd);
    const entries = store.get(pte);
    for (; addr < pmdEnd; addr += PAGE_SIZE) {
      const index = tableIndex(addr, 1);
      const entry = entries[index];
      if (entry === 0) continue;
      store.setEntry(tlb.cpu, mm, 1, pte, index, addr, 0);
      if (pteIsSwap(entry)) {
        lm.swapUsed--;
        continue;
      }
      if (!pteMapped(entry)) continue;
      const flags = pteFlags(entry);
      tlb.removeTlbEntry(addr);
      // vm_normal_page() is NULL for a special (PFN-map) entry: nothing to free.
      if (flags & PTE_SPECIAL) continue;
      if (tlb.removePage(ptePfn(entry))) {
        // __tlb_remove_page returned "batch full": force_flush, then go on (zap_pte_range).
        tlb.flushMmu();
      }
    }
  }
  void vma;
}

/** unmap_single_vma() with tlb_start_vma/tlb_end_vma around it. */
export function unmapSingleVma(lm: LinuxMm, tlb: MmuGather, vma: VmArea, start: number, end: number): void {
  const s = Math.max(start, vma.vmStart);
  const e = Math.min(end, vma.vmEnd);
  if (s >= e) return;
  tlb.startVma(vma);
  zapRange(lm, tlb, vma, s, e);
  tlb.endVma(vma);
}

/** unmap_vmas(): every VMA of the list over [start, end). */
export function unmapVmas(
  lm: LinuxMm,
  tlb: MmuGather,
  vmas: readonly VmArea[],
  start: number,
  end: number,
): void {
  for (const vma of vmas) unmapSingleVma(lm, tlb, vma, start, end);
}
