// Which tlb_flush(mmu_gather) the policy uses: x86's own, or asm-generic's flags-honouring one on a
// split instruction/data TLB (spec linux.md §5.4, §5.5). The free_pgtables question needs an
// architecture where the flags matter; x86 ignores them, so without this knob every free-pgtables
// variant would be equal by construction.
import type { MechanismDefinition } from '@shootdown/core';

export const tlbFlush = {
  description:
    'The arch tlb_flush() behind every mmu_gather flush: x86 ignores vma_exec/vma_huge, asm-generic builds a ' +
    'fake VMA from them and, on a split I/D TLB (ARMv6-class Harvard TLB), invalidates the instruction side only when ' +
    'VM_EXEC is set.',
  default: 'x86',
  variants: {
    x86: {
      description:
        'arch/x86/include/asm/tlb.h tlb_flush(): flush_tlb_mm_range over [start, end) with the stride of the ' +
        'lowest cleared level and freed_tables passed through; vma_exec and vma_huge are never read. INVLPG ' +
        'drops the page for instruction and data fetches and every paging-structure-cache entry of the PCID.',
      source: 'arch/x86/include/asm/tlb.h tlb_flush',
    },
    'generic-split': {
      description:
        'asm-generic tlb_flush() with a fake VMA carrying VM_EXEC if vma_exec, on a machine with split ' +
        'instruction and data TLBs (`tlbSides: split`): every page is invalidated on the data side, the ' +
        'instruction side only when VM_EXEC is set, as ARMv6 v6wbi_flush_user_tlb_range does (HARVARD_TLB). On a unified ' +
        'TLB it behaves as x86. This is the architecture where the free-pgtables variants differ.',
      source:
        'include/asm-generic/tlb.h tlb_flush (generic), arch/arm/mm/tlb-v6.S v6wbi_flush_user_tlb_range',
    },
  },
} satisfies MechanismDefinition;
