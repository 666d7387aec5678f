// arm64 constants the plug-in models, with 4 KiB pages (the only granule the simulated machine has).

/** PAGE_SHIFT with the 4 KiB granule. */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

/** PTRS_PER_PTE: entries in one table with 4 KiB pages. */
export const PTRS_PER_PTE = 512;

/** PMD_ORDER: a level-2 block is 2 MiB = 2^9 pages. */
export const PMD_ORDER = 9;
export const PMD_NR_PAGES = 1 << PMD_ORDER;

/** PUD_ORDER: a level-1 block is 1 GiB = 2^18 pages. */
export const PUD_ORDER = 18;
export const PUD_NR_PAGES = 1 << PUD_ORDER;

/**
 * MAX_DVM_OPS (= PTRS_PER_PTE): above this many strides a range flush gives up on per-page TLBIs.
 * arch/arm64/include/asm/tlbflush.h, __flush_tlb_range() and flush_tlb_kernel_range() (renamed from
 * MAX_TLBI_OPS by "arm64: tlb: Refactor the core flush algorithm", same value).
 */
export const MAX_DVM_OPS = PTRS_PER_PTE;

/** KPKEYS_PKEY_DEFAULT: the overlay index of kernel text and ordinary data (spec arm64-pkey.md §2.1). */
export const KPKEYS_PKEY_DEFAULT = 0;
/** KPKEYS_PKEY_PGTABLES: the overlay index every page-table page carries in the linear map (§2.1). */
export const KPKEYS_PKEY_PGTABLES = 1;

/** arch_max_pkey() on arm64 POE: 8 overlay indices (spec arm64-pkey.md §1.3). */
export const ARM64_MAX_PKEY = 8;
