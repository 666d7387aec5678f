// The `nested-gather` mechanism: what tlb_finish_mmu() does when another gather is pending on the same mm
// (spec linux.md §5.8). On arm64 it decides whether the page-table-freeing flush keeps `freed_tables`, i.e.
// whether tlb_flush() issues all-level or leaf-only invalidations.
import type { MechanismDefinition } from '@shootdown/core';

export const NESTED_GATHER = 'nested-gather';
export const NESTED_FULLMM = 'nested-fullmm';
export const NESTED_RESET = 'nested-reset';

export const nestedGather = {
  description:
    'tlb_finish_mmu() when mm_tlb_flush_nested() says another gather of the same mm is pending (munmap under ' +
    'the read side of mmap_lock since 4.20). arm64 chooses leaf-only (VALE1IS) or all-level (VAE1IS) ' +
    'invalidation from freed_tables alone, so losing that flag leaves walk-cache entries to freed tables.',
  default: NESTED_FULLMM,
  variants: {
    [NESTED_FULLMM]: {
      description:
        'Current code: on nesting the gather becomes fullmm with freed_tables set, and arm64 tlb_flush() issues ' +
        'flush_tlb_mm (TLBI ASIDE1IS), which drops every TLB and walk-cache entry of the ASID on every CPU.',
      source:
        '7a30df49f63a "mm: mmu_gather: remove __tlb_reset_range() for force flush"; include/asm-generic/tlb.h',
    },
    [NESTED_RESET]: {
      description:
        'Before 7a30df49f63a: __tlb_reset_range() cleared freed_tables and only the unmapped range was re-added, ' +
        'so arm64 flushed with TLBI VALE1IS (last level only). Walk caches kept pointing at the freed PMD/PTE ' +
        "tables — Jan Stancek's reproducer spun in page-fault loops until an explicit flush_tlb_all.",
      source:
        "mm/mmu_gather.c arch_tlb_finish_mmu before 7a30df49f63a (Jan Stancek's arm64 report, May 2019)",
    },
  },
} satisfies MechanismDefinition;
