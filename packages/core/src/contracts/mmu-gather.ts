import type { CpuId, Pfn, Va } from './addresses.js';

/** Page-table levels by their Linux names (L4 = pgd on 4-level x86-64 … L1 = pte). */
export type TableLevel = 'pgd' | 'p4d' | 'pud' | 'pmd' | 'pte';

/** The VMA attributes `tlb_start_vma` / `tlb_update_vma_flags` copy into the gather. */
export interface GatherVma {
  readonly start: Va;
  readonly end: Va;
  readonly exec: boolean;
  readonly huge: boolean;
  /** VM_PFNMAP | VM_MIXEDMAP: the b67fbebd4cae forced flush before the mmap lock is dropped. */
  readonly pfnmap: boolean;
}

/** Read-only view of a gather's state, for the scenario's `check` and the conformance kit. */
export interface MmuGatherState {
  /** Accumulated range `[start, end)`; `start >= end` means empty (`__tlb_reset_range`). */
  readonly start: Va;
  readonly end: Va;
  readonly fullmm: boolean;
  /** `tlb->vma_exec`: the range covers an executable VMA (arm64/… flush the I-side too). */
  readonly vmaExec: boolean;
  /** `tlb->vma_huge`. */
  readonly vmaHuge: boolean;
  /** `tlb->vma_pfn`: forces the flush at `tlb_end_vma` (CVE-2022-39188). */
  readonly vmaPfn: boolean;
  /** `tlb->freed_tables`: page-table pages were freed, so walk caches must go too. */
  readonly freedTables: boolean;
  /** `cleared_ptes` … `cleared_p4ds`: levels at which entries were cleared (decides the stride and,
   *  on arm64, the TLBI level hint). */
  readonly clearedLevels: readonly TableLevel[];
  /** Frames batched for freeing after the flush (`tlb_remove_page`, `tlb_remove_table`). */
  readonly pendingFrees: number;
  /** Nesting: `mm->tlb_flush_pending` (`inc_tlb_flush_pending`), see 7a30df49f63a. */
  readonly nested: boolean;
}

/**
 * Batching of invalidations and deferred freeing during an unmap.
 *
 * Linux: `struct mmu_gather` (include/asm-generic/tlb.h, mm/mmu_gather.c): `tlb_gather_mmu` (begin),
 * `tlb_start_vma`, `tlb_remove_tlb_entry` / `tlb_flush_pte_range` (noteCleared), `pte_free_tlb` /
 * `tlb_remove_table` (noteFreedTable), `tlb_end_vma`, `tlb_flush_mmu_tlbonly` (flush),
 * `tlb_finish_mmu` (finish). FreeBSD has none: its pmap invalidates inside `pmap_remove`
 * (`pmap_invalidate_range`, or delayed invalidation `pmap_delayed_invl_start/finish`), so a FreeBSD
 * policy implements this contract in those terms (flush at each `noteCleared` batch end, frees after).
 */
export interface MmuGather {
  /** `tlb_gather_mmu(tlb, mm)` / `tlb_gather_mmu_fullmm` on exit. */
  begin(cpu: CpuId, fullmm: boolean): void;
  /** `tlb_start_vma`: flushes what a previous VMA left when attributes differ (arch-dependent) and
   *  records the VMA's flags. The `free-pgtables` variant without it is the seed's bug. */
  startVma(vma: GatherVma): void;
  /** `tlb_remove_tlb_entry` + `tlb_remove_page`: an entry of `level` at `va` was cleared; its frame
   *  (if any) is freed only after the flush. */
  noteCleared(va: Va, level: TableLevel, pfn: Pfn | undefined): void;
  /** `pte_free_tlb` / `pmd_free_tlb` …: a page-table page covering `va` was unlinked; freed after the flush. */
  noteFreedTable(va: Va, level: TableLevel, tablePfn: Pfn): void;
  /** `tlb_end_vma`: flush now if the arch asks for per-VMA flushes, or the VMA is VM_PFNMAP. */
  endVma(vma: GatherVma): void;
  /** `tlb_flush_mmu`: invalidate the accumulated range (arch `tlb_flush`), then free batched pages. */
  flush(): void;
  /** `tlb_finish_mmu`: a final flush (forced when nested), then free everything batched. */
  finish(): void;
  /** Inspectable state. */
  readonly state: MmuGatherState;
}

/** Registered under `Tokens.MmuGather`: a new gather for an address space (one per unmap). */
export interface MmuGatherFactory {
  create(pid: number): MmuGather;
}
