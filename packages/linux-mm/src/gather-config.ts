/**
 * The mmu_gather variants of spec linux.md §5.10 as data. A Linux policy picks one value per
 * field; the generic code in mmu-gather.ts, unmap.ts and free-pgtables.ts reads them.
 */

/**
 * Where (and whether) the forced flush for VM_PFNMAP/VM_MIXEDMAP happens (spec §5.7):
 * - `late`: pre-5.19, none — the CVE-2022-39188 window;
 * - `stable-first`: stable 895428ee124a, flush in unmap_region only if the *first* VMA is PFNMAP;
 * - `stable-all`: Jann Horn's 5.15 stable follow-up, any unmapped VMA being PFNMAP forces it;
 * - `end-vma`: b67fbebd4cf9, tlb_end_vma flushes when vma_pfn (set per VMA, not sticky);
 * - `free-vmas-v5`: Gushchin v5, sticky vma_pfn cleared by __tlb_reset_range, flush in tlb_free_vmas;
 * - `free-vmas`: Gushchin v6 (merged), sticky vma_pfn never cleared, flush at the start of
 *   free_pgtables unless fullmm.
 */
export const PFNMAP_FLUSHES = [
  'late',
  'stable-first',
  'stable-all',
  'end-vma',
  'free-vmas-v5',
  'free-vmas',
] as const;
export type PfnmapFlush = (typeof PFNMAP_FLUSHES)[number];

/**
 * Which VMA flags the page-table-freeing flush sees (spec §5.3, §5.6):
 * - `no-start-vma`: mainline, free_pgtables calls no tlb_start_vma; flags of the last unmapped VMA;
 * - `start-end-v1`: the S004 patch, tlb_start_vma(first gathered VMA) … tlb_end_vma(last);
 * - `or-flags`: hypothetical correct variant, vma_exec = OR over the gathered VMAs, vma_huge = 0.
 */
export const FREE_PGTABLES_FLAGS = ['no-start-vma', 'start-end-v1', 'or-flags'] as const;
export type FreePgtablesFlags = (typeof FREE_PGTABLES_FLAGS)[number];

/**
 * tlb_finish_mmu with another gather pending (spec §5.8):
 * - `reset`: before 7a30df49f63a, __tlb_reset_range + re-add the unmapped range (freed_tables lost);
 * - `fullmm`: current, fullmm = 1 and freed_tables = 1.
 */
export const NESTED_FLUSHES = ['reset', 'fullmm'] as const;
export type NestedFlush = (typeof NESTED_FLUSHES)[number];

export interface MmuGatherConfig {
  /** CONFIG_MMU_GATHER_MERGE_VMAS (x86 since 5.19; before that x86 made start/end_vma no-ops). */
  readonly mergeVmas: boolean;
  readonly pfnmapFlush: PfnmapFlush;
  readonly freePgtables: FreePgtablesFlags;
  readonly nested: NestedFlush;
  /** Current kernels gather hugetlb VMAs in free_pgtables' nearby loop; 5.15 did not. */
  readonly gatherHugetlb: boolean;
  /**
   * Pages a gather queues before __tlb_remove_page_size reports "batch full" and the zap loop
   * forces an intermediate flush: MMU_GATHER_BUNDLE (8) in the on-stack batch plus
   * MAX_GATHER_BATCH_COUNT (10000 / MAX_GATHER_BATCH) batches of MAX_GATHER_BATCH
   * ((4096 - 16) / 8 = 510) pages (mm/mmu_gather.c __tlb_remove_page_size, tlb_next_batch).
   */
  readonly maxGatherPages: number;
}

/** 8 + floor(10000 / 510) * 510 = 9698 (spec §5.1 "~10 K pages"). */
export const MAX_GATHER_PAGES = 8 + Math.floor(10000 / 510) * 510;

/** Today's upstream generic behaviour; x86 additionally sets mergeVmas. */
export const DEFAULT_GATHER_CONFIG: MmuGatherConfig = {
  mergeVmas: false,
  pfnmapFlush: 'free-vmas',
  freePgtables: 'no-start-vma',
  nested: 'fullmm',
  gatherHugetlb: true,
  maxGatherPages: MAX_GATHER_PAGES,
};
