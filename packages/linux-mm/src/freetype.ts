/**
 * Migratetypes, freetypes and the fallback order (mm/page_alloc.c `fallbacks[]`; spec linux.md
 * §4.2). A freetype is a migratetype plus flag bits; the RFC's only flag is FREETYPE_UNMAPPED and
 * only MIGRATE_UNMOVABLE has an unmapped list (S002 patch 10/19). Freetypes are small ints so free
 * lists index typed arrays: freetype = migratetype + FREETYPE_UNMAPPED_OFFSET for unmapped ones.
 */

export const MIGRATE_UNMOVABLE = 0;
export const MIGRATE_MOVABLE = 1;
export const MIGRATE_RECLAIMABLE = 2;
export const MIGRATE_PCPTYPES = 3;

export const FREETYPE_UNMAPPED_OFFSET = MIGRATE_PCPTYPES;
/** The one unmapped freetype the RFC defines. */
export const FREETYPE_UNMOVABLE_UNMAPPED = MIGRATE_UNMOVABLE + FREETYPE_UNMAPPED_OFFSET;
export const NR_FREETYPES = 2 * MIGRATE_PCPTYPES;

export const MIGRATETYPE_NAMES = ['Unmovable', 'Movable', 'Reclaimable'] as const;

export function freetypeMigratetype(freetype: number): number {
  return freetype % MIGRATE_PCPTYPES;
}

export function freetypeUnmapped(freetype: number): boolean {
  return freetype >= FREETYPE_UNMAPPED_OFFSET;
}

export function freetypeName(freetype: number): string {
  const mt = MIGRATETYPE_NAMES[freetypeMigratetype(freetype)];
  return freetypeUnmapped(freetype) ? `${mt}+unmapped` : mt;
}

/**
 * fallbacks[] (mm/page_alloc.c): where __rmqueue_fallback looks, in order, when a migratetype's own
 * lists are empty. Unmapped freetypes never fall back into mapped memory: __rmqueue_direct_map
 * converts a mapped block instead (S002 patch 17/19).
 */
export const FALLBACKS: readonly (readonly number[])[] = [
  [MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE],
  [MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE],
  [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE],
];

/** gfp_migratetype(): which migratetype an allocation asks for. */
export function gfpMigratetype(gfp: number): number {
  if (gfp & GFP_MOVABLE) return MIGRATE_MOVABLE;
  if (gfp & GFP_RECLAIMABLE) return MIGRATE_RECLAIMABLE;
  return MIGRATE_UNMOVABLE;
}

// gfp bits we model (values are ours; names follow include/linux/gfp_types.h).
export const GFP_MOVABLE = 0x1;
export const GFP_RECLAIMABLE = 0x2;
export const GFP_ZERO = 0x4;
/** __GFP_UNMAPPED (S002): the page must be absent from the direct map when handed out. */
export const GFP_UNMAPPED = 0x8;
/** ALLOC_NOBLOCK context (atomic): __rmqueue_direct_map refuses, a shootdown could deadlock. */
export const GFP_ATOMIC = 0x10;
/** The allocation is a page-table page (never __GFP_UNMAPPED, spec §4.2). */
export const GFP_PGTABLE = 0x20;
/**
 * The frames back a page-table allocator's own pool (arm64 kpkeys' PTP allocators take them from the
 * buddy without GFP_PGTABLE): page-table pages are priced by `ptalloc`, so they are not the shared
 * `page_alloc` / `zero_page` work of spec linux.md §7.4, whose counts must agree across policies.
 */
export const GFP_TABLE_BACKING = 0x40;

export const PAGEBLOCK_ORDER = 9;
export const PAGEBLOCK_NR_PAGES = 1 << PAGEBLOCK_ORDER;
/** MAX_PAGE_ORDER (10 since 6.8; NR_PAGE_ORDERS = 11). */
export const MAX_PAGE_ORDER = 10;
