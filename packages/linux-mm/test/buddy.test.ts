import { describe, expect, it } from 'vitest';
import {
  BuddyZone,
  FALLBACKS,
  FREETYPE_UNMOVABLE_UNMAPPED,
  freetypeName,
  GFP_ATOMIC,
  GFP_RECLAIMABLE,
  GFP_UNMAPPED,
  GFP_ZERO,
  MIGRATE_MOVABLE,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
  PAGE_SIZE,
  PAGEBLOCK_NR_PAGES,
  type UnmappedAllocVariant,
} from '../src/index.js';
import { makeMachine } from './fake-arch.js';

describe('buddy zone and fallbacks (mm/page_alloc.c; spec linux.md §4.2)', () => {
  it('fallbacks[] order', () => {
    expect(FALLBACKS[MIGRATE_UNMOVABLE]).toEqual([MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE]);
    expect(FALLBACKS[MIGRATE_MOVABLE]).toEqual([MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE]);
    expect(FALLBACKS[MIGRATE_RECLAIMABLE]).toEqual([MIGRATE_UNMOVABLE, MIGRATE_MOVABLE]);
  });

  it('an unmovable request with only movable pageblocks claims the largest movable block', () => {
    const zone = new BuddyZone(4096);
    expect(zone.freePages).toBe(4096);
    const pfn = zone.rmqueue(0, MIGRATE_UNMOVABLE);
    expect(pfn).toBeGreaterThanOrEqual(0);
    // The MAX_PAGE_ORDER (1024-page) block changed type whole: both its pageblocks are unmovable.
    expect(zone.getPageblockFreetype(pfn)).toBe(MIGRATE_UNMOVABLE);
    const blockStart = pfn - (pfn % 1024);
    expect(zone.getPageblockFreetype(blockStart + PAGEBLOCK_NR_PAGES)).toBe(MIGRATE_UNMOVABLE);
    // Other MAX-order blocks stay movable.
    expect(zone.getPageblockFreetype((blockStart + 1024) % 4096)).toBe(MIGRATE_MOVABLE);
    // A second unmovable request is served from the claimed block without a new claim.
    const second = zone.rmqueue(0, MIGRATE_UNMOVABLE);
    expect(second - (second % 1024)).toBe(blockStart);
  });

  it('freeing merges the buddies back into MAX-order blocks', () => {
    const zone = new BuddyZone(4096);
    const pfns = [0, 1, 2, 3].map(() => zone.rmqueue(0, MIGRATE_MOVABLE));
    expect(zone.freePages).toBe(4092);
    for (const p of pfns) zone.freeOnePage(p, 0, zone.getPageblockFreetype(p));
    expect(zone.freePages).toBe(4096);
    expect(zone.listCount(10, MIGRATE_MOVABLE)).toBe(4);
  });

  it('reserved frames below firstFree never enter the free lists', () => {
    const zone = new BuddyZone(1024, 16);
    expect(zone.freePages).toBe(1008);
    expect(zone.isFree(15)).toBe(false);
    expect(zone.isFree(16)).toBe(true);
  });

  it('takeFreePage hands out exactly the requested frame and keeps the rest free', () => {
    const zone = new BuddyZone(1024);
    expect(zone.takeFreePage(700)).toBe(true);
    expect(zone.isFree(700)).toBe(false);
    expect(zone.isFree(699)).toBe(true);
    expect(zone.isFree(701)).toBe(true);
    expect(zone.freePages).toBe(1023);
    expect(zone.takeFreePage(700)).toBe(false);
  });
});

describe('__GFP_UNMAPPED and the direct map (spec linux.md §4.1, §4.3, §4.5)', () => {
  function unmappedMachine(variant: UnmappedAllocVariant) {
    return makeMachine(4, 4096, (c) => ({ ...c, unmappedAlloc: variant }));
  }

  it('gfp-unmapped converts one whole pageblock with one shootdown, then serves 511 pages with no TLB work', () => {
    const { arch, lm } = unmappedMachine('gfp-unmapped');
    arch.clear();
    const first = lm.allocator.allocPages(0, 0, GFP_UNMAPPED);
    expect(arch.kernelFlushes).toHaveLength(1);
    const block = first - (first % PAGEBLOCK_NR_PAGES);
    expect(arch.kernelFlushes[0]).toEqual([
      lm.pageAddress(block),
      lm.pageAddress(block + PAGEBLOCK_NR_PAGES),
    ]);
    expect(arch.log).toContain(`dmapValid ${block} ${PAGEBLOCK_NR_PAGES} false`);
    expect(lm.allocator.zone.getPageblockFreetype(first)).toBe(FREETYPE_UNMOVABLE_UNMAPPED);
    expect(freetypeName(FREETYPE_UNMOVABLE_UNMAPPED)).toBe('Unmovable+unmapped');
    for (let i = 1; i < PAGEBLOCK_NR_PAGES; i++) lm.allocator.allocPages(0, 0, GFP_UNMAPPED);
    expect(arch.kernelFlushes).toHaveLength(1);
    lm.allocator.allocPages(0, 0, GFP_UNMAPPED);
    expect(arch.kernelFlushes).toHaveLength(2);
  });

  it('freeing an unmapped page returns it to the unmapped list with no flush and no remap', () => {
    const { arch, lm } = unmappedMachine('gfp-unmapped');
    const pfn = lm.allocator.allocPages(0, 0, GFP_UNMAPPED);
    arch.clear();
    lm.allocator.freePages(0, pfn, 0);
    expect(arch.log).toEqual([]);
    expect(lm.allocator.zone.getPageblockFreetype(pfn)).toBe(FREETYPE_UNMOVABLE_UNMAPPED);
    // The next unmapped request needs no conversion.
    lm.allocator.allocPages(0, 0, GFP_UNMAPPED);
    expect(arch.kernelFlushes).toHaveLength(0);
  });

  it('__rmqueue_direct_map refuses ALLOC_NOBLOCK and arches that cannot change the direct map', () => {
    const { arch, lm } = unmappedMachine('gfp-unmapped');
    expect(lm.allocator.allocPages(0, 0, GFP_UNMAPPED | GFP_ATOMIC)).toBe(-1);
    arch.canSetDirectMapValue = false;
    expect(lm.allocator.allocPages(0, 0, GFP_UNMAPPED)).toBe(-1);
    expect(arch.kernelFlushes).toHaveLength(0);
  });

  it('zap-per-folio: one flush of the folio per allocation, restore on free without a flush', () => {
    const { arch, lm } = unmappedMachine('zap-per-folio');
    arch.clear();
    const a = lm.allocator.allocPages(0, 0, GFP_UNMAPPED);
    const b = lm.allocator.allocPages(0, 0, GFP_UNMAPPED);
    expect(arch.kernelFlushes).toEqual([
      [lm.pageAddress(a), lm.pageAddress(a) + PAGE_SIZE],
      [lm.pageAddress(b), lm.pageAddress(b) + PAGE_SIZE],
    ]);
    arch.clear();
    lm.allocator.freePages(0, a, 0);
    expect(arch.log).toEqual([`dmapValid ${a} 1 true`]);
  });

  it('unmapped-skip-flush removes the direct map entry and never flushes', () => {
    const { arch, lm } = unmappedMachine('unmapped-skip-flush');
    arch.clear();
    const a = lm.allocator.allocPages(0, 0, GFP_UNMAPPED);
    expect(arch.log).toEqual([`dmapValid ${a} 1 false`]);
  });

  it('a mapped request with only unmapped blocks left maps one back without a flush (mirror path)', () => {
    const { arch, lm } = makeMachine(2, 2048, (c) => ({ ...c, unmappedAlloc: 'gfp-unmapped' }));
    // Convert every whole free pageblock (the first ones hold reserved frames and page tables).
    const taken: number[] = [];
    for (;;) {
      const p = lm.allocator.allocPages(0, 0, GFP_UNMAPPED);
      if (p < 0) break;
      taken.push(p);
    }
    expect(taken.length % 512).toBe(0);
    expect(taken.length).toBeGreaterThan(0);
    for (const p of taken) lm.allocator.freePages(0, p, 0);
    arch.clear();
    // Drain the remaining mapped memory; the first page that comes from the unmapped block shows the mirror path.
    const unmapped = new Set(taken);
    let p = -1;
    do p = lm.allocator.allocPages(0, 0, GFP_RECLAIMABLE);
    while (p >= 0 && !unmapped.has(p));
    expect(p).toBeGreaterThanOrEqual(0);
    expect(arch.kernelFlushes).toHaveLength(0);
    expect(arch.log.filter((l) => l.startsWith('dmapValid'))).toEqual([
      `dmapValid ${p - (p % 512)} 512 true`,
    ]);
  });
});

describe('the mermap (spec linux.md §4.4)', () => {
  it('K one-page get/put pairs on one CPU cost ⌈K/W⌉ − 1 local flushes, W = window − 1 reserved page', () => {
    const { arch, lm } = makeMachine(2, 4096);
    const w = lm.mermap.usablePages();
    expect(w).toBe(7);
    const k = 15;
    for (let i = 0; i < k; i++) {
      const va = lm.mermap.get(0, lm.initMm, 100 + i, 1);
      expect(va).toBeGreaterThanOrEqual(lm.mermap.windowBase(0));
      lm.mermap.put(0, lm.initMm, va);
    }
    expect(arch.mermapFlushes).toBe(Math.ceil(k / w) - 1);
    expect(arch.kernelFlushes).toHaveLength(0);
  });

  it('__GFP_UNMAPPED | __GFP_ZERO zeroes through the mermap, never through the direct map', () => {
    const { lm } = makeMachine(2, 4096);
    lm.allocator.allocPages(0, 0, GFP_UNMAPPED | GFP_ZERO);
    expect(lm.allocator.mermapZeroed).toBe(1);
  });

  it('a live allocation blocks the restart: the window fails instead of flushing over it', () => {
    const { lm } = makeMachine(2, 4096);
    const va = lm.mermap.get(0, lm.initMm, 100, 6);
    expect(va).toBe(lm.mermap.windowBase(0));
    expect(lm.mermap.get(0, lm.initMm, 200, 2)).toBe(-1);
  });
});
