// The `pt-protection` mechanism: every variant of spec arm64-pkey.md §9, with its description, source and claims.
import type { MechanismDefinition } from '@shootdown/core';

export const PT_PROTECTION = 'pt-protection';

export const PT_UNPROTECTED = 'pt-unprotected';
export const PT_PKEY_PER_PAGE = 'pt-pkey-per-page';
export const PT_PKEY_BLOCK_CACHE = 'pt-pkey-block-cache';
export const PT_PKEY_BLOCK_CACHE_NORESERVE = 'pt-pkey-block-cache-noreserve';
export const PT_PKEY_FREETYPE = 'pt-pkey-freetype';
export const PT_PKEY_FREETYPE_DEFER = 'pt-pkey-freetype-defer';

export const PT_VARIANTS: readonly string[] = [
  PT_UNPROTECTED,
  PT_PKEY_PER_PAGE,
  PT_PKEY_BLOCK_CACHE,
  PT_PKEY_BLOCK_CACHE_NORESERVE,
  PT_PKEY_FREETYPE,
  PT_PKEY_FREETYPE_DEFER,
];

export const ptProtection = {
  description:
    'How page-table pages (every level, kernel and user) are protected through their linear-map alias with ' +
    'POE overlay index 1 (KPKEYS_PKEY_PGTABLES): read-only in the default POR_EL1 context, writable only in the ' +
    'page-table context that set_pte() and friends enter. The variants differ in how a page becomes a keyed ' +
    'page-table page: what each allocation and free costs in kernel-range flushes, how often the block-mapped ' +
    'linear map has to be split, and what happens when memory runs short.',
  default: PT_UNPROTECTED,
  variants: {
    [PT_UNPROTECTED]: {
      description:
        'Upstream today: page-table pages come from the buddy allocator and keep overlay index 0 like all ' +
        'kernel data, so POR_EL1 never stands between a stray kernel write and a page table. No flush, no split, ' +
        'no reserve; a corrupted pointer that hits a page table rewrites translations.',
      source: 'mainline arm64 (no kpkeys); spec arm64-pkey.md §9 baseline',
    },
    [PT_PKEY_PER_PAGE]: {
      description:
        'Design A: every page-table allocation takes an order-0 page and calls set_memory_pkey(page, 1, ' +
        'KPKEYS_PKEY_PGTABLES); every free resets the key. One kernel-range flush (one broadcast VAALE1IS) per ' +
        'allocation and per free, on the PTE-mapped linear map the series runs it on (without BBML2_NOABORT the ' +
        'kernel maps the linear map with PTEs anyway: force_pte_mapping()). On a block-mapped linear map ' +
        '(BBML2_NOABORT and 2M/1G) the selection is unsupported: each key change would split a block whose new ' +
        'table must itself be keyed — the recursion Brodsky names as the reason this cannot work with large ' +
        'mappings. Every page-table page, early boot tables included (keyed at late init), is protected.',
      source: 'kpkeys_hardened_pgtables RFC v1–v5 (Aug 2025 v5, Brodsky); v6 noblock_pgtable_alloc()',
      claims: ['pagetable-write-protected'],
    },
    [PT_PKEY_BLOCK_CACHE]: {
      description:
        'Design B: a dedicated allocator caches order-0 pages already keyed for page tables. Refills try order 9 ' +
        '(a PMD block, re-keyed in place with one flush and no split), then order 4, then order 2 (one PMD split ' +
        'each); frees go back to the cache with no key reset and no flush. Four pages are a reserve only ' +
        '__GFP_PGTABLE_SPLIT allocations may use, so a linear-map split never allocates and never recurses. An ' +
        'early region keyed at late init and a shrinker that returns whole blocks with one key reset complete it; ' +
        'on a PTE-only linear map (every CPU without BBML2_NOABORT) it falls back to the per-page path.',
      source:
        '[PATCH v6 14–17/30] kpkeys page table hardening (Feb 2026, Brodsky), mm/kpkeys_hardened_pgtables.c',
      claims: ['pagetable-write-protected'],
    },
    [PT_PKEY_BLOCK_CACHE_NORESERVE]: {
      description:
        'Ablation of Design B: PBA_NR_RESERVED_PAGES = 0 and no __GFP_PGTABLE_SPLIT. As long as 2 MiB refills ' +
        'succeed nothing changes; once only order-4/order-2 chunks remain, re-keying a chunk splits a block, the ' +
        'split asks the same allocator for a table, the cache is empty, and the refill re-enters itself under ' +
        'alloc_mutex — the recursion the reserve exists to prevent (reported, and the allocation fails).',
      source: 'spec arm64-pkey.md §9 ablation of v6 15/30 (reserve + split flag removed)',
      claims: ['pagetable-write-protected'],
    },
    [PT_PKEY_FREETYPE]: {
      description:
        "Design C (never implemented): Jackman's inversion of the __GFP_UNMAPPED freetype argument. The linear " +
        'map is pageblock-granular from boot and every pageblock starts keyed for page tables; a page-table ' +
        'allocation takes a page from a protected pageblock with no flush; any other allocation that lands in a ' +
        'protected pageblock flips the whole pageblock to key 0 with one flush (never one holding a live page ' +
        'table). Block descriptors carry the key as PTEs do. When no protected page is left the page-table ' +
        'allocation fails.',
      source:
        'seed S002 thread "[PATCH RFC 00/19] mm: Add __GFP_UNMAPPED" (Jackman, Brodsky, Mar 2026); spec §6.3',
      claims: ['pagetable-write-protected'],
    },
    [PT_PKEY_FREETYPE_DEFER]: {
      description:
        'Design C with Jackman\'s "dodge": when no protected page is left, hand out an unprotected page-table ' +
        'page now and key it later. Stray writes land on such deferred tables until the re-key runs, and the ' +
        're-key can itself split the linear map — the cascade Brodsky objects to. It does not claim ' +
        'pagetable-write-protected: the design hands out writable page tables by intent, so each landed write ' +
        'is reported as a note.',
      source:
        'seed S002 thread (Jackman\'s "another potential dodge", Brodsky\'s reply); spec §6.3 onExhaustion=defer',
    },
  },
} satisfies MechanismDefinition;
