// tlb_finish_mmu when another gather is pending on the same mm (spec linux.md §5.8).
import type { MechanismDefinition } from '@shootdown/core';

export const nestedGather = {
  description:
    'What tlb_finish_mmu flushes when mm_tlb_flush_nested() says another gather runs concurrently on the ' +
    'same mm (munmap under the read side of mmap_lock since 4.20).',
  default: 'nested-fullmm',
  variants: {
    'nested-fullmm': {
      description:
        'Current code: on nesting, fullmm = 1 and freed_tables = 1, so the final flush covers the whole mm ' +
        'including paging-structure caches (x86: a full flush to every CPU of mm_cpumask, lazy ones too).',
      source:
        '7a30df49f63a "mm: mmu_gather: remove __tlb_reset_range() for force flush" and later include/asm-generic/tlb.h',
    },
    'nested-reset': {
      description:
        'Before 7a30df49f63a: on nesting __tlb_reset_range cleared freed_tables and only the unmapped range ' +
        'was re-added. arm64 then issued a leaf-only TLBI and kept walk caches pointing at freed tables; ' +
        'x86 was unaffected because INVLPG drops every paging-structure-cache entry of the PCID — but a ' +
        'lazy CPU is no longer included.',
      source: "mm/mmu_gather.c tlb_finish_mmu before 7a30df49f63a (Jan Stancek's arm64 report, May 2019)",
    },
  },
} satisfies MechanismDefinition;
