// `pt-pkey-block-cache`: Design B, the kpkeys v6 pkeys block allocator (PBA), modelled on
// mm/kpkeys_hardened_pgtables.c (linux-mm tree, v6 14–17/30): pba_pgtable_alloc(), __refill_pages(),
// pba_pgtable_free(), pba_prepare_direct_map_split(), pba_ready_for_direct_map_split(), pba_init(),
// pba_init_late() and the shrinker pba_shrink_scan(). Spec arm64-pkey.md §5.
//
// The cache is a LIFO of order-0 frames already keyed KPKEYS_PKEY_PGTABLES (list_add + list_first_entry), so a
// free costs nothing: no key reset, no flush (§5.4). The last PBA_NR_RESERVED_PAGES frames are the reserve that
// only __GFP_PGTABLE_SPLIT allocations may take, so splitting the linear map never has to allocate (§5.5).
import { KPKEYS_PKEY_DEFAULT, KPKEYS_PKEY_PGTABLES, PMD_ORDER } from '../constants.js';
import {
  GFP_PGTABLE_SPLIT,
  GFP_ZERO,
  NO_PFN,
  type BuddyPort,
  type CounterPort,
  type PkeyPort,
  type PtpAllocator,
} from './types.js';
import { PerPagePtpAllocator } from './per-page.js';

/** BLOCK_ORDER = PMD_ORDER; BLOCK_NR_PAGES. */
export const BLOCK_ORDER = PMD_ORDER;
export const BLOCK_NR_PAGES = 1 << BLOCK_ORDER;
/** refill_orders[] with 4 KiB pages: a PMD block, a contpte run (64 KiB), then order 2 (must stay 2). */
export const REFILL_ORDERS: readonly number[] = [BLOCK_ORDER, 4, 2];
/** PBA_NR_RESERVED_PAGES: two tables for a split inside a refill + two for any other split. */
export const PBA_NR_RESERVED_PAGES = 4;
/** PBA_UNSHRINKABLE_PAGES and PBA_SHRINK_BLOCK_MIN_PAGES (v6 17/30). */
export const PBA_UNSHRINKABLE_PAGES = 16;
export const PBA_SHRINK_BLOCK_MIN_PAGES = BLOCK_NR_PAGES / 8;

export interface BlockCacheOptions {
  /** Variant name reported. */
  readonly variant: string;
  /** Reserve size; the `-noreserve` ablation sets 0. */
  readonly reserved: number;
  /** Whether __GFP_PGTABLE_SPLIT lets a split dip into the reserve; the ablation has no such flag. */
  readonly honourSplitFlag: boolean;
  /** Number of frames of the machine (sizes the per-frame arrays). */
  readonly nrFrames: number;
}

export class BlockCachePtpAllocator implements PtpAllocator {
  readonly variant: string;
  readonly protects = true;

  /** cached_list as a stack; `top` = nr_cached. */
  private cached: Int32Array = new Int32Array(1024);
  private top = 0;
  /** pba_page_data.in_block per frame, block_nr_free per block head (indexed by pfn >> BLOCK_ORDER). */
  private readonly inBlock: Uint8Array;
  private readonly blockNrFree: Uint32Array;
  /** alloc_mutex held: we are inside __refill_pages(). */
  private refilling = false;
  /** pba_enabled_key: off when the linear map is PTE-only (v6 falls back to the noblock allocator). */
  private enabled = false;
  /** pba_can_set_pkey: false until init_late, when the linear map can first be split. */
  private canSetPkey = false;
  /** pba_early_region: the one chunk refilled before keys could be set. */
  private earlyPfn = NO_PFN;
  private earlyOrder = 0;
  private readonly noblock: PerPagePtpAllocator;

  constructor(
    private readonly buddy: BuddyPort,
    private readonly pkeys: PkeyPort,
    private readonly counters: CounterPort,
    private readonly opts: BlockCacheOptions,
  ) {
    this.variant = opts.variant;
    this.inBlock = new Uint8Array(opts.nrFrames);
    this.blockNrFree = new Uint32Array((opts.nrFrames >> BLOCK_ORDER) + 1);
    this.noblock = new PerPagePtpAllocator(buddy, pkeys, counters);
  }

  get nrCached(): number {
    return this.top;
  }

  get caches(): boolean {
    return this.enabled;
  }

  /** PBA_NR_RESERVED_PAGES of this variant (0 in the ablation). */
  get reservedPages(): number {
    return this.opts.reserved;
  }

  /** Frames of pba_early_region (0 before the first refill or once nothing was refilled early). */
  get earlyRegionPages(): number {
    return this.earlyPfn === NO_PFN ? 0 : 1 << this.earlyOrder;
  }

  /** Whether the block allocator is active (false: PTE-only linear map, behaves as per-page). */
  get blockAllocatorEnabled(): boolean {
    return this.enabled;
  }

  /** pba_init(): unless the linear map is PTE-only, enable and refill once so the reserve exists. */
  init(): void {
    if (this.pkeys.pteOnlyDirectMap()) return;
    this.enabled = true;
    if (this.refill(false) === NO_PFN) this.counters.count('arm64.ptp_alloc_fail', 1);
  }

  /** pba_init_late(): keys can be set now; the early region gets its key with one set_memory_pkey. */
  initLate(): void {
    if (!this.enabled) return;
    this.canSetPkey = true;
    if (this.earlyPfn !== NO_PFN)
      this.pkeys.setMemoryPkey(this.earlyPfn, 1 << this.earlyOrder, KPKEYS_PKEY_PGTABLES);
  }

  alloc(gfp: number): number {
    if (!this.enabled) return this.noblock.alloc(gfp);
    let pfn = this.getCachedPage(gfp);
    if (pfn === NO_PFN) pfn = this.refill(true);
    if (pfn === NO_PFN) {
      this.counters.count('arm64.ptp_alloc_fail', 1);
      return NO_PFN;
    }
    if (gfp & GFP_ZERO) this.pkeys.clearPage(pfn);
    return pfn;
  }

  free(pfn: number): void {
    if (!this.enabled) {
      this.noblock.free(pfn);
      return;
    }
    this.push(pfn);
    if (this.inBlock[pfn]) this.blockNrFree[pfn >> BLOCK_ORDER]++;
  }

  prepareDirectMapSplit(): boolean {
    if (!this.enabled || this.readyForDirectMapSplit()) return true;
    return this.refill(false) !== NO_PFN;
  }

  readyForDirectMapSplit(): boolean {
    if (!this.enabled) return true;
    return this.top >= this.opts.reserved || this.refilling;
  }

  /** cached_page_available() + get_cached_page(). */
  private getCachedPage(gfp: number): number {
    const split = this.opts.honourSplitFlag && (gfp & GFP_PGTABLE_SPLIT) !== 0;
    if (split) {
      if (this.top === 0) return NO_PFN; // WARN_ON(!page) in the source: the reserve was not there
      if (this.top <= this.opts.reserved) this.counters.count('arm64.ptp_reserve_used', 1);
    } else if (this.top <= this.opts.reserved) {
      return NO_PFN;
    }
    const pfn = this.cached[--this.top];
    if (this.inBlock[pfn]) this.blockNrFree[pfn >> BLOCK_ORDER]--;
    return pfn;
  }

  /**
   * __refill_pages(alloc_one): the first refill order the buddy can serve, re-keyed as a whole with one
   * set_memory_pkey (before init_late: recorded as the early region instead; a second early chunk is left
   * unprotected, as register_early_region() warns), split into order-0 frames, one handed out if asked.
   * Re-entering while a refill holds alloc_mutex is the recursion the reserve exists to prevent: the real kernel
   * would deadlock on alloc_mutex, the simulator fails the allocation and counts `arm64.ptp_recursion`.
   */
  private refill(allocOne: boolean): number {
    if (this.refilling) {
      this.counters.count('arm64.ptp_recursion', 1);
      return NO_PFN;
    }
    let pfn = NO_PFN;
    let order = 0;
    for (const o of REFILL_ORDERS) {
      pfn = this.buddy.allocPages(o);
      if (pfn !== NO_PFN) {
        order = o;
        break;
      }
    }
    if (pfn === NO_PFN) return NO_PFN;
    this.counters.count('arm64.ptp_refill', 1);
    this.counters.count(`arm64.ptp_refill_order${order}`, 1);
    this.refilling = true;
    try {
      if (this.canSetPkey) {
        if (!this.pkeys.setMemoryPkey(pfn, 1 << order, KPKEYS_PKEY_PGTABLES)) {
          this.buddy.freePages(pfn, order);
          return NO_PFN;
        }
      } else if (this.earlyPfn === NO_PFN) {
        this.earlyPfn = pfn;
        this.earlyOrder = order;
      } else {
        this.counters.count('arm64.ptp_early_untracked', 1 << order);
      }
    } finally {
      this.refilling = false;
    }
    // __refill_pages_add_to_cache(): the head is handed out when alloc_one; a whole block is marked in_block.
    const first = allocOne ? pfn + 1 : pfn;
    const n = (1 << order) - (allocOne ? 1 : 0);
    if (order === BLOCK_ORDER) {
      this.blockNrFree[pfn >> BLOCK_ORDER] = n;
      for (let i = 0; i < n; i++) this.inBlock[first + i] = 1;
    }
    for (let i = 0; i < n; i++) this.push(first + i);
    return pfn;
  }

  private push(pfn: number): void {
    if (this.top === this.cached.length) {
      const grown = new Int32Array(this.cached.length * 2);
      grown.set(this.cached);
      this.cached = grown;
    }
    this.cached[this.top++] = pfn;
  }

  /**
   * pba_shrink_scan(): find the block with the most free pages. A wholly free block goes back with one key reset
   * over 2 MiB (no split) if enough is shrinkable; otherwise part of the best block only if worth it
   * (block_worth_shrinking()), else non-block pages; partial releases reset keys page by page.
   */
  shrink(nrToScan: number): number {
    if (!this.enabled) return 0;
    const shrinkable = this.top > PBA_UNSHRINKABLE_PAGES ? this.top - PBA_UNSHRINKABLE_PAGES : 0;
    let nonblock = 0;
    let target = -1;
    let targetFree = 0;
    for (let i = this.top - 1; i >= 0; i--) {
      const pfn = this.cached[i];
      if (!this.inBlock[pfn]) {
        nonblock++;
        continue;
      }
      const head = pfn >> BLOCK_ORDER;
      const free = this.blockNrFree[head];
      if (free > targetFree) {
        target = head;
        targetFree = free;
      }
      if (targetFree === BLOCK_NR_PAGES) break;
    }
    let scan: number;
    if (targetFree === BLOCK_NR_PAGES) {
      if (shrinkable < BLOCK_NR_PAGES) return 0;
      scan = BLOCK_NR_PAGES;
    } else if (nonblock < targetFree && nonblock < nrToScan && targetFree >= PBA_SHRINK_BLOCK_MIN_PAGES) {
      scan = Math.min(nrToScan, targetFree);
    } else {
      scan = Math.min(nrToScan, nonblock);
      target = -1;
    }
    // Take matching frames from the head of the list (top of the stack), keep the others in order.
    const taken: number[] = [];
    let w = this.top;
    const kept: number[] = [];
    for (let i = this.top - 1; i >= 0; i--) {
      const pfn = this.cached[i];
      const block = this.inBlock[pfn] ? pfn >> BLOCK_ORDER : -1;
      if (taken.length < scan && taken.length < shrinkable && block === target) taken.push(pfn);
      else kept.push(pfn);
    }
    w = 0;
    for (let i = kept.length - 1; i >= 0; i--) this.cached[w++] = kept[i]!;
    this.top = w;
    if (target >= 0) {
      // mark_block_noncached()
      const base = target << BLOCK_ORDER;
      for (let i = 0; i < BLOCK_NR_PAGES; i++) this.inBlock[base + i] = 0;
      this.blockNrFree[target] = 0;
    }
    if (targetFree === BLOCK_NR_PAGES && target >= 0) {
      const base = target << BLOCK_ORDER;
      if (!this.pkeys.setMemoryPkey(base, BLOCK_NR_PAGES, KPKEYS_PKEY_DEFAULT)) {
        for (const pfn of taken) this.push(pfn);
        return 0;
      }
      for (const pfn of taken) this.buddy.freePages(pfn, 0);
      this.counters.count('arm64.ptp_shrunk', taken.length);
      return taken.length;
    }
    let freed = 0;
    for (let i = 0; i < taken.length; i++) {
      const pfn = taken[i];
      if (!this.pkeys.setMemoryPkey(pfn, 1, KPKEYS_PKEY_DEFAULT)) {
        for (let j = i; j < taken.length; j++) this.push(taken[j]);
        break;
      }
      this.buddy.freePages(pfn, 0);
      freed++;
    }
    this.counters.count('arm64.ptp_shrunk', freed);
    return freed;
  }
}
