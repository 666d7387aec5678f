// arm64 tlb_flush(): the arch hook the generic mmu_gather calls (arch/arm64/include/asm/tlb.h, tlb_flush()).
// The fake VMA carries no flags, so unlike the generic hook the VMA flags never matter here (spec linux.md §5.4,
// §5.5); what matters is `freed_tables`, which alone decides between leaf-only and all-level invalidation.
import { PAGE_SHIFT, PMD_ORDER, PUD_ORDER } from './constants.js';
import { flushTlbMm, flushTlbRange, type TlbiPort } from './tlbflush.js';

/** The part of `struct mmu_gather` the arm64 hook reads. */
export interface GatherView {
  readonly fullmm: boolean;
  readonly freedTables: boolean;
  readonly start: number;
  readonly end: number;
  readonly clearedPtes: boolean;
  readonly clearedPmds: boolean;
  readonly clearedPuds: boolean;
  readonly clearedP4ds: boolean;
}

/** tlb_get_unmap_size() (include/asm-generic/tlb.h): the stride is the smallest level that was cleared. */
export function tlbGetUnmapSize(g: GatherView): number {
  if (g.clearedPtes) return 2 ** PAGE_SHIFT;
  if (g.clearedPmds) return 2 ** (PAGE_SHIFT + PMD_ORDER);
  if (g.clearedPuds) return 2 ** (PAGE_SHIFT + PUD_ORDER);
  if (g.clearedP4ds) return 2 ** (PAGE_SHIFT + PUD_ORDER + 9);
  return 2 ** PAGE_SHIFT;
}

/**
 * tlb_flush(): `last_level = !freed_tables`. On a full-mm teardown only the walk cache matters (the ASID allocator
 * will not hand the ASID out again without invalidating it), so flush_tlb_mm only if tables were freed.
 * Otherwise __flush_tlb_range over the gathered range at the unmap stride.
 */
export function arm64TlbFlush(port: TlbiPort, cpu: number, asid: number, g: GatherView): void {
  const lastLevel = !g.freedTables;
  if (g.fullmm) {
    if (!lastLevel) flushTlbMm(port, cpu, asid);
    return;
  }
  if (g.end <= g.start) return;
  flushTlbRange(port, cpu, asid, g.start, g.end, tlbGetUnmapSize(g), lastLevel);
}
