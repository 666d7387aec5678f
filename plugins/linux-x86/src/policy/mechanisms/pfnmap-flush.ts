// The forced flush for VM_PFNMAP / VM_MIXEDMAP VMAs (spec linux.md §5.7, CVE-2022-39188).
import type { MechanismDefinition } from '@shootdown/core';

export const pfnmapFlush = {
  description:
    "When munmap flushes the TLB for a VM_PFNMAP VMA relative to unlinking it from the file's i_mmap: " +
    "a driver's unmap_mapping_range that no longer finds the VMA returns at once and frees the PFNs " +
    'while another CPU still translates to them (CVE-2022-39188).',
  default: 'pfnmap-free-vmas',
  variants: {
    'pfnmap-free-vmas': {
      description:
        "Roman Gushchin's v6 (Acked by Hugh Dickins): vma_pfn is sticky (|=), initialised once in " +
        '__tlb_gather_mmu and never cleared; tlb_free_vmas() at the start of free_pgtables flushes when it ' +
        'is set (unless fullmm), before any VMA is unlinked. The release it landed in is unverified (spec §9); ' +
        "we take it as today's upstream.",
      source:
        '"mmu_gather: move tlb flush for VM_PFNMAP/VM_MIXEDMAP vmas into free_pgtables()" v6 (Gushchin, 2025)',
    },
    'pfnmap-late': {
      description:
        'Before 5.19: no forced flush; x86 merges VMAs and defers the flush to tlb_finish_mmu, after ' +
        'free_pgtables has unlinked the VMA. A concurrent unmap_mapping_range finds nothing and the driver ' +
        'reuses PFNs that another CPU still translates (the CVE-2022-39188 window).',
      source: 'mm/memory.c unmap_region before b67fbebd4cf9',
    },
    'pfnmap-stable-first': {
      description:
        'The first stable backport: unmap_region flushes before free_pgtables only if the first VMA of the ' +
        'range is VM_PFNMAP/VM_MIXEDMAP; a PFN mapping behind an ordinary VMA still has the window. Jann ' +
        "Horn's 5.15 follow-up iterated over all of them.",
      source:
        'stable 895428ee124a and Horn\'s "Fix TLB flush for not-first PFNMAP mappings in unmap_region()"',
    },
    'pfnmap-end-vma': {
      description:
        'Mainline b67fbebd4cf9 (5.19 until the 2025 rework): tlb_update_vma_flags records vma_pfn and ' +
        'tlb_end_vma flushes when it is set, even on x86 where VMAs are otherwise merged. Correct, but every ' +
        'zap of a PFN VMA pays a flush, including paths that remove no VMA.',
      source: 'b67fbebd4cf9 "mmu_gather: Force tlb-flush VM_PFNMAP vmas"',
    },
    'pfnmap-free-vmas-v5': {
      description:
        "Gushchin's v5: the flush moves to tlb_free_vmas() with a sticky vma_pfn that __tlb_reset_range " +
        'clears. Jann Horn: an intermediate flush inside a PFN VMA (batch full) clears it and nothing sets it ' +
        'again, so the PTEs cleared after it are not flushed before the unlink.',
      source:
        '"mmu_gather: move tlb flush for VM_PFNMAP/VM_MIXEDMAP vmas into free_pgtables()" v5 and Horn\'s review',
    },
  },
} satisfies MechanismDefinition;
