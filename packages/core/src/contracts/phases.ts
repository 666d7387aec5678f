/**
 * Named points inside one kernel operation where a scenario's `interleave` runs nested steps
 * (DESIGN §4). A policy calls `reach(phase)` when its operation gets there:
 * - `cleared`: entries of the range are cleared or changed, nothing flushed yet (inside `unmap_vmas` /
 *   `pmap_remove` before `pmap_invalidate_range`; every Linux mmu_gather user — mprotect, madvise(DONTNEED),
 *   revoke, exit — in `tlb_finish_mmu` before its flush, or in `tlb_end_vma` before its per-VMA flush on an
 *   arch without CONFIG_MMU_GATHER_MERGE_VMAS such as arm64; FreeBSD `pmap_protect` / `pmap_advise` /
 *   `pmap_pkru_update_range` before theirs);
 * - `unlinked`: page-table pages are unlinked from the tree but not yet freed (`free_pgtables`);
 * - `flushed`: the TLB flush of the operation is done, deferred frees not yet (`tlb_flush_mmu_tlbonly`
 *   returned, `tlb_batch_pages_flush` not yet).
 * An operation that has no such point never calls it for that phase; the runner then reports the
 * nested steps as not run. Registered under `Tokens.Phases` by the runner.
 */
export type Phase = 'cleared' | 'unlinked' | 'flushed';

export const PHASES: readonly Phase[] = ['cleared', 'unlinked', 'flushed'];

export interface PhaseHook {
  /** Called by the policy at `phase` of the operation in progress; runs whatever is armed for it. */
  reach(phase: Phase): void;
}
