// The x86 shootdown mechanism (spec linux.md §2.6): how flush_tlb_kernel_range / flush_tlb_mm_range
// reach the other CPUs, and the single-page ceiling above which a range becomes a full flush.
import type { MechanismDefinition } from '@shootdown/core';

export const shootdown = {
  description:
    'How x86 TLB shootdowns reach other CPUs (arch/x86/mm/tlb.c): IPIs to every online CPU for kernel ' +
    'ranges, to mm_cpumask for user ranges, and the tlb_single_page_flush_ceiling above which a range ' +
    'becomes a full flush.',
  default: 'x86-ceiling-33',
  variants: {
    'x86-ceiling-33': {
      description:
        'Mainline: a range of at most tlb_single_page_flush_ceiling pages (the machine parameter ' +
        '`flushCeiling`, 33 by default) is flushed page by page with INVLPG on every target CPU, a larger ' +
        'one with a full flush. Kernel ranges IPI every online CPU, user ranges the non-lazy CPUs of ' +
        'mm_cpumask (all of them when page tables were freed); CPUs that hold the mm under a dormant PCID ' +
        'catch up through tlb_gen when they switch back.',
      source:
        'arch/x86/mm/tlb.c flush_tlb_kernel_range, flush_tlb_mm_range, flush_tlb_func (tlb_single_page_flush_ceiling = 33)',
    },
    'x86-ceiling-0': {
      description:
        'The debugfs knob /sys/kernel/debug/x86/tlb_single_page_flush_ceiling set to 0 (spec §2.2 item 7): ' +
        'every kernel and user range flush is a full flush. Costs more, leaves nothing outside a ' +
        'per-page list, so the direct-map entries Nadav Amit worried about are always flushed.',
      source: 'Documentation/arch/x86/tlb.rst (tlb_single_page_flush_ceiling)',
    },
    'x86-invlpgb': {
      description:
        'AMD INVLPGB broadcast invalidation (Rik van Riel, 2025): no IPIs; a flush-all is one broadcast, a ' +
        'range ceil(pages / invlpgb_count_max) broadcasts followed by TLBSYNC. Lazy CPUs are covered ' +
        'because the broadcast reaches every CPU.',
      source: 'x86/mm: INVLPGB series (Riel, 2025), arch/x86/mm/tlb.c broadcast_tlb_flush',
    },
    'x86-pti': {
      description:
        'Page-table isolation: kernel entries are not global, so a kernel INVLPG only cleans the current ' +
        'PCID pair and every other ASID is marked for invalidation on its next use (invalidate_other), ' +
        'counted as an lflush when the CPU switches.',
      source: 'arch/x86/mm/tlb.c invalidate_user_asid / invalidate_other (PTI, 4.15)',
    },
    'x86-skip-lazy-always': {
      description:
        'Buggy reference: lazy CPUs are skipped even when page tables were freed. A lazy CPU still has ' +
        'the old CR3 loaded and keeps paging-structure-cache entries that point at the freed page-table ' +
        'pages (the reason for the freed_tables exception in flush_tlb_mm_range).',
      source: 'spec linux.md §2.3 item 3 (counterfactual of the freed_tables test in native_flush_tlb_multi)',
    },
    'arm64-tlbi': {
      description:
        'Comparison model: arm64-style broadcast TLBI instead of IPIs (no interrupts, every CPU drops the ' +
        'entries), with the x86 ceiling converting long ranges to a full flush; used to price the same ' +
        'scenario without IPI costs.',
      source: 'spec linux.md §5.4 (arch/arm64/include/asm/tlbflush.h __flush_tlb_range)',
    },
  },
} satisfies MechanismDefinition;
