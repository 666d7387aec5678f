/**
 * The buddy allocator of one zone (mm/page_alloc.c): free lists per (order, freetype) as intrusive
 * doubly linked lists over typed arrays, pageblocks carrying a freetype, __rmqueue_smallest,
 * __rmqueue_fallback with the fallbacks[] order and pageblock stealing, expand() and
 * __free_one_page() merging. No object per page.
 */
import { ArrayLease } from '@shootdown/mmu';
import {
  FALLBACKS,
  freetypeUnmapped,
  MAX_PAGE_ORDER,
  MIGRATE_MOVABLE,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
  NR_FREETYPES,
  PAGEBLOCK_NR_PAGES,
  PAGEBLOCK_ORDER,
} from './freetype.js';

const NONE = -1;

export class BuddyZone {
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  /** Order of the free block starting at pfn, or -1 if pfn heads no free block. */
  private readonly freeOrder: Int8Array;
  private readonly heads: Int32Array;
  /** nr_free per (order, freetype). */
  readonly nrFree: Int32Array;
  /** The freetype of each pageblock (get_pageblock_migratetype + the unmapped flag). */
  readonly pageblockFreetype: Uint8Array;
  /** Free pages in the zone (NR_FREE_PAGES). */
  freePages = 0;
  /**
   * Per pageblock, how many __free_one_page() calls gave frames of it back (wrapping). A frame becomes free
   * only there — expand(), claims and takeFreePage() move frames that were free already — so a caller that
   * found frames of a pageblock in use may skip them while this count has not moved.
   */
  private readonly frees: Uint32Array;

  /**
   * @param nrPages frames in the zone
   * @param firstFree frames below it are reserved (kernel image, boot page tables) and never free
   * @param lease where the per-frame arrays come from (the machine's; default: new arrays)
   */
  constructor(
    readonly nrPages: number,
    firstFree = 0,
    lease: ArrayLease = new ArrayLease(),
  ) {
    this.next = lease.take(Int32Array, nrPages, NONE);
    this.prev = lease.take(Int32Array, nrPages, NONE);
    this.freeOrder = lease.take(Int8Array, nrPages, NONE);
    this.heads = new Int32Array((MAX_PAGE_ORDER + 1) * NR_FREETYPES).fill(NONE);
    this.nrFree = new Int32Array((MAX_PAGE_ORDER + 1) * NR_FREETYPES);
    // memmap_init: every pageblock starts MIGRATE_MOVABLE (set_pageblock_migratetype at boot).
    this.pageblockFreetype = new Uint8Array(Math.ceil(nrPages / PAGEBLOCK_NR_PAGES)).fill(MIGRATE_MOVABLE);
    this.frees = new Uint32Array(this.pageblockFreetype.length);
    // memblock_free_all → __free_pages_core: hand the free range over in the largest aligned blocks.
    let pfn = firstFree;
    while (pfn < nrPages) {
      let order = MAX_PAGE_ORDER;
      while (order > 0 && (pfn % (1 << order) !== 0 || pfn + (1 << order) > nrPages)) order--;
      this.freeOnePage(pfn, order, this.pageblockFreetype[pfn >>> PAGEBLOCK_ORDER]);
      pfn += 1 << order;
    }
  }

  pageblockOf(pfn: number): number {
    return pfn >>> PAGEBLOCK_ORDER;
  }

  getPageblockFreetype(pfn: number): number {
    return this.pageblockFreetype[pfn >>> PAGEBLOCK_ORDER];
  }

  /** set_pageblock_migratetype() / the RFC's pageblock unmapped flag, for every pageblock of a block. */
  setPageblockFreetype(pfn: number, order: number, freetype: number): void {
    const first = pfn >>> PAGEBLOCK_ORDER;
    const last = (pfn + (1 << order) - 1) >>> PAGEBLOCK_ORDER;
    for (let b = first; b <= last; b++) this.pageblockFreetype[b] = freetype;
  }

  /** Frees that gave frames of `pfn`'s pageblock back so far (see `frees`). */
  freesIn(pfn: number): number {
    return this.frees[pfn >>> PAGEBLOCK_ORDER];
  }

  isFreeHead(pfn: number): boolean {
    return this.freeOrder[pfn] >= 0;
  }

  /** Whether pfn lies in any free block (slow: for checks and tests). */
  isFree(pfn: number): boolean {
    for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
      const head = pfn - (pfn % (1 << order));
      if (this.freeOrder[head] === order) return true;
    }
    return false;
  }

  listCount(order: number, freetype: number): number {
    return this.nrFree[order * NR_FREETYPES + freetype];
  }

  private addToFreeList(pfn: number, order: number, freetype: number): void {
    const idx = order * NR_FREETYPES + freetype;
    const head = this.heads[idx];
    this.next[pfn] = head;
    this.prev[pfn] = NONE;
    if (head !== NONE) this.prev[head] = pfn;
    this.heads[idx] = pfn;
    this.freeOrder[pfn] = order;
    this.nrFree[idx]++;
    this.freePages += 1 << order;
  }

  private delFromFreeList(pfn: number, order: number, freetype: number): void {
    const idx = order * NR_FREETYPES + freetype;
    const n = this.next[pfn];
    const p = this.prev[pfn];
    if (p !== NONE) this.next[p] = n;
    else this.heads[idx] = n;
    if (n !== NONE) this.prev[n] = p;
    this.next[pfn] = NONE;
    this.prev[pfn] = NONE;
    this.freeOrder[pfn] = NONE;
    this.nrFree[idx]--;
    this.freePages -= 1 << order;
  }

  /** The freetype list a free block sits on (its pageblock's freetype). */
  private listFreetype(pfn: number): number {
    return this.pageblockFreetype[pfn >>> PAGEBLOCK_ORDER];
  }

  /**
   * __free_one_page(): merge with free buddies while they sit on the same freetype — an unmapped
   * block never merges with a mapped one, and above pageblock order two blocks of different
   * freetypes stay apart (the RFC keeps free lists freetype-pure).
   */
  freeOnePage(pfn: number, order: number, freetype: number): void {
    const last = (pfn + (1 << order) - 1) >>> PAGEBLOCK_ORDER;
    for (let b = pfn >>> PAGEBLOCK_ORDER; b <= last; b++) this.frees[b]++;
    while (order < MAX_PAGE_ORDER) {
      const buddy = pfn ^ (1 << order);
      if (buddy + (1 << order) > this.nrPages || this.freeOrder[buddy] !== order) break;
      if (this.listFreetype(buddy) !== freetype) break;
      this.delFromFreeList(buddy, order, freetype);
      pfn = Math.min(pfn, buddy);
      order++;
    }
    this.addToFreeList(pfn, order, freetype);
  }

  /** expand(): split a block of order `high` down to `low`, returning the upper halves to `freetype`. */
  private expand(pfn: number, low: number, high: number, freetype: number): void {
    while (high > low) {
      high--;
      this.addToFreeList(pfn + (1 << high), high, freetype);
    }
  }

  /**
   * A request served from a pageblock none of whose frames is in use: __rmqueue_smallest() when every
   * smaller free block of the list is taken — the smallest free block of at least pageblock order is split
   * by expand() and the request gets its first frame (blocks of that order are pageblock-aligned). With
   * `fallbacks`, a whole free pageblock of a fallback migratetype is claimed first (try_to_claim_block()
   * moves whole blocks of pageblock order or more). -1 when no such block is free.
   */
  rmqueueFresh(order: number, freetype: number, fallbacks: readonly number[] = []): number {
    const low = Math.max(order, PAGEBLOCK_ORDER);
    for (const ft of [freetype, ...fallbacks]) {
      for (let current = low; current <= MAX_PAGE_ORDER; current++) {
        const pfn = this.heads[current * NR_FREETYPES + ft];
        if (pfn === NONE) continue;
        this.delFromFreeList(pfn, current, ft);
        if (ft !== freetype) this.setPageblockFreetype(pfn, current, freetype);
        this.expand(pfn, order, current, freetype);
        return pfn;
      }
    }
    return NONE;
  }

  /** Serve `order` from the start of a block of `high` just taken off the lists, the rest to `freetype`. */
  splitBlock(pfn: number, order: number, high: number, freetype: number): void {
    this.expand(pfn, order, high, freetype);
  }

  /** __rmqueue_smallest(): the smallest block of at least `order` on `freetype`'s lists. */
  rmqueueSmallest(order: number, freetype: number): number {
    for (let current = order; current <= MAX_PAGE_ORDER; current++) {
      const pfn = this.heads[current * NR_FREETYPES + freetype];
      if (pfn === NONE) continue;
      this.delFromFreeList(pfn, current, freetype);
      this.expand(pfn, order, current, freetype);
      return pfn;
    }
    return NONE;
  }

  /**
   * __rmqueue_fallback(): take the *largest* block of a fallback migratetype (to steal whole
   * pageblocks and limit fragmentation), claim its pageblock when can_steal_fallback() says so,
   * and serve the request from it. Only mapped freetypes take part.
   */
  rmqueueFallback(order: number, migratetype: number): number {
    for (let current = MAX_PAGE_ORDER; current >= order; current--) {
      for (const fallback of FALLBACKS[migratetype]) {
        const pfn = this.heads[current * NR_FREETYPES + fallback];
        if (pfn === NONE) continue;
        if (
          this.canStealFallback(current, migratetype) &&
          this.claimBlock(pfn, current, fallback, migratetype)
        ) {
          return this.rmqueueSmallest(order, migratetype);
        }
        // Not claimed: serve from the fallback list, the block and its remainder keep their type.
        this.delFromFreeList(pfn, current, fallback);
        this.expand(pfn, order, current, fallback);
        return pfn;
      }
    }
    return NONE;
  }

  /** can_steal_fallback() (mm/page_alloc.c). */
  private canStealFallback(order: number, startMigratetype: number): boolean {
    if (order >= PAGEBLOCK_ORDER) return true;
    return (
      order >= PAGEBLOCK_ORDER / 2 ||
      startMigratetype === MIGRATE_RECLAIMABLE ||
      startMigratetype === MIGRATE_UNMOVABLE
    );
  }

  /**
   * try_to_claim_block()/steal_suitable_fallback(): a block of pageblock order or more changes type
   * whole; a smaller one claims its pageblock when at least half of it is free, moving the free
   * pages over (move_freepages_block). Returns false when the pageblock stays with `from`.
   */
  private claimBlock(pfn: number, order: number, from: number, to: number): boolean {
    if (order >= PAGEBLOCK_ORDER) {
      this.delFromFreeList(pfn, order, from);
      this.setPageblockFreetype(pfn, order, to);
      this.addToFreeList(pfn, order, to);
      return true;
    }
    const blockStart = pfn - (pfn % PAGEBLOCK_NR_PAGES);
    const blockEnd = Math.min(blockStart + PAGEBLOCK_NR_PAGES, this.nrPages);
    let free = 0;
    for (let p = blockStart; p < blockEnd;) {
      const o = this.freeOrder[p];
      if (o >= 0) {
        free += 1 << o;
        p += 1 << o;
      } else p++;
    }
    if (free >= PAGEBLOCK_NR_PAGES / 2) {
      for (let p = blockStart; p < blockEnd;) {
        const o = this.freeOrder[p];
        if (o >= 0) {
          this.delFromFreeList(p, o, from);
          this.addToFreeList(p, o, to);
          p += 1 << o;
        } else p++;
      }
      this.pageblockFreetype[blockStart >>> PAGEBLOCK_ORDER] = to;
      return true;
    }
    return false;
  }

  /** __rmqueue() for a mapped freetype: own lists first, then the fallbacks. */
  rmqueue(order: number, migratetype: number): number {
    const pfn = this.rmqueueSmallest(order, migratetype);
    return pfn !== NONE ? pfn : this.rmqueueFallback(order, migratetype);
  }

  /**
   * Take exactly the order-0 frame `pfn` out of the free lists, splitting the free block around it
   * (what a scenario's `reuse: <region>` needs). Returns false when pfn is not free.
   */
  takeFreePage(pfn: number): boolean {
    for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
      const head = pfn - (pfn % (1 << order));
      if (this.freeOrder[head] !== order) continue;
      const ft = this.listFreetype(head);
      this.delFromFreeList(head, order, ft);
      // Give back every half that does not hold pfn (expand() towards pfn).
      let lo = head;
      let o = order;
      while (o > 0) {
        o--;
        const upper = lo + (1 << o);
        if (pfn >= upper) {
          this.addToFreeList(lo, o, ft);
          lo = upper;
        } else {
          this.addToFreeList(upper, o, ft);
        }
      }
      return true;
    }
    return false;
  }

  /** Whether the zone holds free memory on any unmapped freetype list. */
  hasFreeUnmapped(): boolean {
    for (let o = 0; o <= MAX_PAGE_ORDER; o++)
      for (let ft = 0; ft < NR_FREETYPES; ft++)
        if (freetypeUnmapped(ft) && this.nrFree[o * NR_FREETYPES + ft] > 0) return true;
    return false;
  }
}
