// What every page-table-page (PTP) allocator of the `pt-protection` mechanism needs and offers. The allocators
// model `kpkeys_pgtable_alloc()` / `kpkeys_pgtable_free()` (mm/kpkeys_hardened_pgtables.c, kpkeys v6) and the
// variants around them (spec arm64-pkey.md §4–§6, §9).

/** __GFP_ZERO: the PTP is cleared, under the page-table kpkeys context when it is protected. */
export const GFP_ZERO = 1;
/** __GFP_PGTABLE_SPLIT: a table for a linear-map split; may dip into the block allocator's reserve (v6 15/30). */
export const GFP_PGTABLE_SPLIT = 2;

/** No frame: an allocation failed (pagetable_alloc returned NULL). */
export const NO_PFN = -1;

/** The buddy allocator underneath (alloc_pages / __free_pages). */
export interface BuddyPort {
  /** First frame of a free block of 2^order frames, or NO_PFN. */
  allocPages(order: number): number;
  freePages(pfn: number, order: number): void;
  /** Whether `pfn` is free in the buddy. */
  isFree(pfn: number): boolean;
  /** Takes the free frame `pfn` out of the buddy as an order-0 page; false if it is not free. */
  takeFrame(pfn: number): boolean;
  /**
   * How many frees have given frames of `pfn`'s pageblock back so far: while it has not moved, no frame of
   * the pageblock became free. Absent: a search cannot tell, and looks at every frame again.
   */
  freesIn?(pfn: number): number;
}

/** set_memory_pkey() on the linear-map alias of frames, with the split protocol of the linear map. */
export interface PkeyPort {
  /**
   * Re-keys [pfn, pfn + nrPages) in the linear map, splitting blocks as needed, then flushes the kernel range.
   * False when it could not (a split found no table page, or the split would recurse).
   */
  setMemoryPkey(pfn: number, nrPages: number, pkey: number): boolean;
  /** The linear map is PTE-mapped everywhere (arch_has_pte_only_direct_map()). */
  pteOnlyDirectMap(): boolean;
  /** Zeroes a fresh PTP through the linear map from the page-table kpkeys context. */
  clearPage(pfn: number): void;
}

/** Named counters a variant bumps (under the `arm64.` prefix, DESIGN §2). */
export interface CounterPort {
  count(name: string, delta: number): void;
}

export interface PtpAllocator {
  /** Variant name as the spec gives it (`pt-pkey-block-cache` …). */
  readonly variant: string;
  /** Whether PTPs handed out are meant to carry KPKEYS_PKEY_PGTABLES (decides the claimed invariant). */
  readonly protects: boolean;
  /** kpkeys_hardened_pgtables_init(): from mem_init, before any pagetable_alloc(). */
  init(): void;
  /** kpkeys_hardened_pgtables_init_late(): the linear map can now be split; early regions get their key. */
  initLate(): void;
  /** A PTP frame, or NO_PFN. `gfp` carries GFP_ZERO / GFP_PGTABLE_SPLIT. */
  alloc(gfp: number): number;
  free(pfn: number): void;
  /** kpkeys_prepare_direct_map_split(): make sure a split will find its tables (may refill). */
  prepareDirectMapSplit(): boolean;
  /** kpkeys_ready_for_direct_map_split(), asked under the linear-map lock. */
  readyForDirectMapSplit(): boolean;
  /** Memory-pressure callback (the v6 17/30 shrinker); returns frames given back to the buddy. */
  shrink(nrToScan: number): number;
  /** Whether a freed PTP stays in the allocator's cache rather than going back to the buddy. */
  readonly caches: boolean;
  /** Frames held in the allocator's own cache (0 for allocators without one). */
  readonly nrCached: number;
}
