// Which VMA flags the page-table-freeing flush sees (spec linux.md §5.3–§5.6, seed 004).
import type { MechanismDefinition } from '@shootdown/core';

export const freePgtables = {
  description:
    'free_pgtables and tlb_start_vma: which VMA flags (vma_exec, vma_huge) the flush that follows the ' +
    'freeing of page-table pages carries (mm/memory.c free_pgtables, include/asm-generic/tlb.h). Matters ' +
    'only where tlb_flush honours the flags (see the tlb-flush mechanism); x86 ignores them.',
  default: 'pgt-no-start-vma',
  variants: {
    'pgt-no-start-vma': {
      description:
        'Mainline: free_pgtables calls no tlb_start_vma, so the table-freeing flush uses the flags the last ' +
        'VMA of unmap_vmas left in the gather. If that VMA was not executable, a flags-honouring flush ' +
        'skips the instruction side although an executable VMA shared the freed table.',
      source: 'mm/memory.c free_pgtables (5.15 and current)',
    },
    'pgt-start-end-v1': {
      description:
        "Nadav Amit's patch: tlb_start_vma(first VMA) before the gather-nearby loop and tlb_end_vma(last) " +
        'after it. The loop reassigns vma, so the flush carries the flags of the first gathered VMA: with ' +
        "A r-- followed by B r-x in one 2 MiB the instruction side is skipped (Hugh Dickins' objection).",
      source:
        '"mm: use correct VMA flags when freeing page-tables" (Amit, Oct 2021) and Dickins\' reply (seed 004)',
    },
    'pgt-or-flags': {
      description:
        'Hypothetical correct flush: the table-freeing flush treats the gathered set as executable (OR of ' +
        'VM_EXEC) and not huge, as the 2019 draft forcing vma_exec = 1, vma_huge = 0 for nested flushes did.',
      source: 'spec linux.md §5.10 (hypothetical), 7a30df49f63a discussion',
    },
  },
} satisfies MechanismDefinition;
