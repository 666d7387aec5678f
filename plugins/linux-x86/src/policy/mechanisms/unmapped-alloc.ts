// Allocation of pages that are absent from the direct map (spec linux.md §4.5): the per-folio zap of
// guest_memfd / secretmem today, and Brendan Jackman's __GFP_UNMAPPED RFC with freetypes and the mermap.
import type { MechanismDefinition } from '@shootdown/core';

export const unmappedAlloc = {
  description:
    'How a page is taken out of the direct map for its owner (guest_memfd, secretmem, ASI): one shootdown ' +
    'per folio, or pageblocks of already-unmapped pages whose flush is amortised (__GFP_UNMAPPED), with ' +
    'the mermap to zero them.',
  default: 'zap-per-folio',
  variants: {
    'zap-per-folio': {
      description:
        "Today's upstream baseline (__GFP_UNMAPPED is not merged): each folio is removed separately with " +
        'set_direct_map_valid_noflush(folio, nr, false) and flush_tlb_kernel_range over it, and restored on ' +
        'free without a flush (not-present entries are never cached). One shootdown per 4 KiB folio; the ' +
        'first zap inside a 2 MiB or 1 GiB direct-map leaf also splits it, and the map is never re-merged.',
      source: 'guest_memfd direct-map removal v10, folio_zap_direct_map() (Kalyazin, Jan 2026)',
    },
    'gfp-unmapped': {
      description:
        '__GFP_UNMAPPED: unmapped pages come from free lists of freetype FREETYPE_UNMAPPED. When they are ' +
        'empty, __rmqueue_direct_map takes a whole pageblock (2 MiB) from the mapped lists, removes it from ' +
        'the direct map and issues one shootdown for the block (512 pages > ceiling: a flush-all), then ' +
        'serves the rest of the block with no TLB work. __GFP_ZERO zeroes through the mermap, whose ' +
        'window wraps cost a local flush only.',
      source: '[PATCH RFC 00/19] mm: Add __GFP_UNMAPPED (Jackman, Feb 2026), patches 04 and 17',
    },
    'unmapped-skip-flush': {
      description:
        'The RFC\'s "skip-flush" reference: unmap from the direct map and never flush. Fastest, and any CPU ' +
        'that had the direct-map address cached can still read the "unmapped" page.',
      source: '[PATCH RFC 00/19] mm: Add __GFP_UNMAPPED, cover letter performance table',
      disclaims: ['unmapped-stays-unmapped'],
    },
    'mermap-global': {
      description:
        'Buggy mermap: its PTEs are global, so an entry survives a CR3 switch and another process on that ' +
        "CPU resolving the same mermap address sees the previous process's page. The RFC forbids it with " +
        'arch_mermap_pgprot_allowed rejecting _PAGE_GLOBAL.',
      source: 'RFC arch/x86/include/asm/mermap.h arch_mermap_pgprot_allowed (counterfactual)',
    },
    'mermap-free-noflush': {
      description:
        'Buggy mermap caller: a page is freed after mermap_put without the full flush of the region that ' +
        'include/linux/mermap.h requires; the stale mermap entry on that CPU reaches a page now owned by ' +
        'someone else.',
      source: 'RFC include/linux/mermap.h caller obligations (counterfactual)',
    },
  },
} satisfies MechanismDefinition;
