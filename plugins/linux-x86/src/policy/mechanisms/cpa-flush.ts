// How cpa_flush() invalidates the pages a set_memory_* call changed (arch/x86/mm/pat/set_memory.c), before
// and after 86e6815b316e — which matters where the CPU has INVLPGB (spec linux.md §2.2 item 6, §2.4).
import type { MechanismDefinition } from '@shootdown/core';

export const cpaFlush = {
  description:
    'How cpa_flush() (arch/x86/mm/pat/set_memory.c) invalidates the pages a set_memory_* change touched: ' +
    'through flush_tlb_kernel_range (so INVLPGB broadcasts where the CPU has them), or with its own ' +
    'on_each_cpu IPIs per page as before 86e6815b316e.',
  default: 'flush-kernel-range',
  variants: {
    'flush-kernel-range': {
      description:
        'Since 86e6815b316e "x86/mm: Change cpa_flush() to call flush_kernel_range() directly" (Yu-cheng Yu, ' +
        'Rik van Riel; 6.18): one flush_tlb_kernel_range over the changed range, or TLB_FLUSH_ALL when an alias ' +
        'forced it. Above the single-page ceiling it is a flush-all; below, per page with IPIs, or with ' +
        'INVLPGB a broadcast per invlpgb_count_max pages and one TLBSYNC (invlpgb_kernel_range_flush).',
      source:
        '86e6815b316e "x86/mm: Change cpa_flush() to call flush_kernel_range() directly"; arch/x86/mm/tlb.c ' +
        'flush_tlb_kernel_range, invlpgb_kernel_range_flush',
    },
    'on-each-cpu': {
      description:
        'Before 86e6815b316e: cpa_flush calls flush_tlb_all() when an alias forced it or the change is above ' +
        'the ceiling, else on_each_cpu(__cpa_flush_tlb) — an IPI to every other CPU and one INVLPG per page ' +
        'on each, even where the CPU has INVLPGB (which then served only the flush-all).',
      source:
        'arch/x86/mm/pat/set_memory.c cpa_flush / __cpa_flush_tlb before 86e6815b316e (commit message: ' +
        '"cpa_flush() calls __flush_tlb_one_kernel() and flush_tlb_all()")',
    },
  },
} satisfies MechanismDefinition;
