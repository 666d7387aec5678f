/**
 * alloc_pages()/__free_pages() around the buddy zone: gfp flags, page references, the frame
 * bookkeeping core's invariants read, and the three ways a page leaves the direct map (spec
 * linux.md §4): the per-folio zap (§4.1), __GFP_UNMAPPED freetypes with __rmqueue_direct_map and
 * its mirror path (§4.3), and the skip-flush bound.
 */
import { FrameState } from '@shootdown/core';
import { ArrayLease } from '@shootdown/mmu';
import type { LinuxArch } from './arch.js';
import { PAGE_SIZE } from './constants.js';
import { BuddyZone } from './buddy.js';
import type { FrameSink } from './frame-events.js';
import {
  FALLBACKS,
  FREETYPE_UNMOVABLE_UNMAPPED,
  freetypeUnmapped,
  GFP_ATOMIC,
  GFP_PGTABLE,
  GFP_UNMAPPED,
  GFP_TABLE_BACKING,
  GFP_ZERO,
  gfpMigratetype,
  MIGRATE_UNMOVABLE,
  PAGEBLOCK_NR_PAGES,
  PAGEBLOCK_ORDER,
} from './freetype.js';
import type { UnmappedAllocVariant } from './linux-mm-config.js';
import type { Mermap } from './mermap.js';
import type { MmStruct } from './mm.js';

/** Names, on each CPU, the mm whose mm-local region the mermap uses (LinuxMm: the running task's, else init_mm). */
export interface MermapMms {
  mermapMm(cpu: number): MmStruct;
}

export class LinuxPageAllocator {
  readonly zone: BuddyZone;
  /** page_ref_count per frame (0 = free or reserved). */
  readonly refcount: Int32Array;
  /** Order of the allocated block a frame heads (for __free_pages), -1 otherwise. */
  readonly allocOrder: Int8Array;
  /** 1 while the frame is out of the direct map because of this allocator. */
  readonly directMapRemoved: Uint8Array;
  /** Converted pageblocks (mapped → unmapped) and their shootdowns, for reports. */
  directMapConversions = 0;
  /** Frames whose zeroing went through the mermap. */
  mermapZeroed = 0;
  /** Installed by LinuxMm once the mermap exists (zeroing of unmapped pages): `useMermap`. */
  mermap: Mermap | null = null;
  /**
   * Who names the mm whose mm-local region the mermap uses on each CPU (set with the mermap): an object
   * with a method, not a closure — each kernel's own closure reached the optimised buddyAllocPages as a
   * call target never seen, and deoptimised it ("wrong call target").
   */
  mermapMms: MermapMms | null = null;
  /**
   * An arch's own entry point for `allocPages`, or null: arm64 kpkeys design C puts the pageblock's key
   * into the choice of every allocation (arm64-arch.ts attach); it calls `buddyAllocPages` for the buddy's
   * part. A field every allocator has from the start, not `allocPages` overwritten on the instance: that
   * gave the allocators two hidden classes, and everything optimised for one was deoptimised by the other.
   */
  allocHook: ((cpu: number, order: number, gfp: number, fresh: boolean) => number) | null = null;

  constructor(
    private readonly arch: LinuxArch,
    private readonly frames: FrameSink,
    readonly variant: UnmappedAllocVariant,
    nrFrames: number,
    reservedFrames: number,
  ) {
    const lease = arch.lease ?? new ArrayLease();
    this.zone = new BuddyZone(nrFrames, reservedFrames, lease);
    this.refcount = lease.take(Int32Array, nrFrames);
    this.allocOrder = lease.take(Int8Array, nrFrames, -1);
    this.directMapRemoved = lease.take(Uint8Array, nrFrames);
    for (let pfn = 0; pfn < reservedFrames; pfn++) frames.setState(pfn, FrameState.Reserved);
  }

  private directMapAddr(pfn: number): number {
    return this.arch.layout.directMapBase + pfn * PAGE_SIZE;
  }

  /**
   * alloc_pages(gfp, order): the first frame, or -1 when memory is exhausted or the request refused.
   * `fresh` (the scenario's `fresh-pageblock`) places the block at the start of a pageblock none of whose
   * frames is in use; for __GFP_UNMAPPED under freetypes that is a new direct-map conversion.
   */
  allocPages(cpu: number, order: number, gfp: number, fresh = false): number {
    const hook = this.allocHook;
    return hook === null ? this.buddyAllocPages(cpu, order, gfp, fresh) : hook(cpu, order, gfp, fresh);
  }

  /** `allocPages` without the arch's hook: the buddy allocator's own. */
  buddyAllocPages(cpu: number, order: number, gfp: number, fresh = false): number {
    let pfn: number;
    const unmapped = (gfp & GFP_UNMAPPED) !== 0 && (gfp & GFP_PGTABLE) === 0;
    if (unmapped && this.variant === 'gfp-unmapped') {
      pfn = this.rmqueueUnmapped(cpu, order, gfp, fresh);
    } else {
      const mt = gfpMigratetype(gfp);
      pfn = fresh ? this.zone.rmqueueFresh(order, mt, FALLBACKS[mt]) : this.rmqueueMapped(cpu, order, mt);
      if (pfn >= 0 && unmapped) this.zapDirectMap(cpu, pfn, 1 << order);
    }
    if (pfn < 0) return -1;
    this.allocOrder[pfn] = order;
    const state =
      gfp & GFP_PGTABLE ? FrameState.PageTable : unmapped ? FrameState.Unmapped : FrameState.Allocated;
    for (let i = 0; i < 1 << order; i++) {
      this.refcount[pfn + i] = 1;
      this.frames.setState(pfn + i, state);
    }
    // Shared work (spec linux.md §7.4): prep_new_page per page, and clear_page per page under __GFP_ZERO —
    // through the direct map, or through the mermap below; every variant zeroes, only the mapping differs.
    // Page-table pages are priced by `ptalloc` instead: table layouts differ between policies.
    if ((gfp & (GFP_PGTABLE | GFP_TABLE_BACKING)) === 0) {
      this.frames.charge?.('page_alloc', 1 << order);
      if (gfp & GFP_ZERO) this.frames.charge?.('zero_page', 1 << order);
    }
    if (gfp & GFP_ZERO && unmapped && this.variant === 'gfp-unmapped' && this.mermap) {
      // __GFP_UNMAPPED | __GFP_ZERO: zero through the mermap, never through the direct map (§4.3 item 5).
      const mm = this.mermapMm(cpu);
      for (let i = 0; i < 1 << order; i++) {
        const va = this.mermap.get(cpu, mm, pfn + i, 1);
        if (va >= 0) {
          this.mermapZeroed++;
          this.mermap.put(cpu, mm, va);
        }
      }
    }
    return pfn;
  }

  /**
   * Mapped allocation; when only unmapped blocks are left, map one back (the mirror path: NP→P, no flush).
   * Order as the RFC's __rmqueue_direct_map (patch 17/19, both directions): the block is first taken off
   * the other freetype's free lists with __rmqueue under the zone lock — from then on it is an allocated
   * block, no longer in the unmapped pool — and only then, lock dropped, is its direct map changed. Mapping
   * it back while the frames still counted as the unmapped pool reported exposure that never happened
   * (issue 10 defect 4).
   */
  private rmqueueMapped(cpu: number, order: number, migratetype: number): number {
    const pfn = this.zone.rmqueue(order, migratetype);
    if (pfn >= 0 || this.variant !== 'gfp-unmapped') return pfn;
    const block = this.zone.rmqueueSmallest(Math.max(order, PAGEBLOCK_ORDER), FREETYPE_UNMOVABLE_UNMAPPED);
    if (block < 0) return -1;
    const blockOrder = Math.max(order, PAGEBLOCK_ORDER);
    const nr = 1 << blockOrder;
    for (let i = 0; i < nr; i++) this.frames.setState(block + i, FrameState.Allocated);
    this.arch.directMap.setDirectMapValidNoflush(cpu, block, nr, true);
    for (let i = 0; i < nr; i++) {
      this.directMapRemoved[block + i] = 0;
      this.frames.setState(block + i, FrameState.Free);
    }
    this.zone.setPageblockFreetype(block, blockOrder, migratetype);
    this.zone.freeOnePage(block, blockOrder, migratetype);
    return this.zone.rmqueue(order, migratetype);
  }

  /**
   * __GFP_UNMAPPED under freetypes: the unmapped list first (no TLB work); otherwise
   * __rmqueue_direct_map converts a whole pageblock (or more) with one shootdown (§4.3).
   */
  private rmqueueUnmapped(cpu: number, order: number, gfp: number, fresh = false): number {
    const pfn = fresh ? -1 : this.zone.rmqueueSmallest(order, FREETYPE_UNMOVABLE_UNMAPPED);
    if (pfn >= 0) return pfn;
    // Refuse where a shootdown could deadlock, or where the arch cannot change the direct map.
    if (gfp & GFP_ATOMIC || !this.arch.directMap.canSetDirectMap()) return -1;
    const blockOrder = Math.max(order, PAGEBLOCK_ORDER);
    const block = this.zone.rmqueue(blockOrder, MIGRATE_UNMOVABLE);
    if (block < 0) return -1;
    const nr = 1 << blockOrder;
    this.arch.directMap.setDirectMapValidNoflush(cpu, block, nr, false);
    // [inference, spec §4.3] the shootdown is flush_tlb_kernel_range over the block.
    this.arch.tlb.flushTlbKernelRange(cpu, this.directMapAddr(block), this.directMapAddr(block + nr));
    this.directMapConversions++;
    for (let i = 0; i < nr; i++) {
      this.directMapRemoved[block + i] = 1;
      this.frames.setState(block + i, FrameState.UnmappedPool);
    }
    this.zone.setPageblockFreetype(block, blockOrder, FREETYPE_UNMOVABLE_UNMAPPED);
    if (fresh) {
      // The request is served from the start of the block it converted.
      this.zone.splitBlock(block, order, blockOrder, FREETYPE_UNMOVABLE_UNMAPPED);
      return block;
    }
    this.zone.freeOnePage(block, blockOrder, FREETYPE_UNMOVABLE_UNMAPPED);
    return this.zone.rmqueueSmallest(order, FREETYPE_UNMOVABLE_UNMAPPED);
  }

  /**
   * folio_zap_direct_map() (K-ZAP): set_direct_map_valid_noflush(false) + flush_tlb_kernel_range
   * over the folio; the skip-flush bound omits the flush.
   */
  private zapDirectMap(cpu: number, pfn: number, nr: number): void {
    this.arch.directMap.setDirectMapValidNoflush(cpu, pfn, nr, false);
    if (this.variant !== 'unmapped-skip-flush') {
      this.arch.tlb.flushTlbKernelRange(cpu, this.directMapAddr(pfn), this.directMapAddr(pfn + nr));
    }
    for (let i = 0; i < nr; i++) this.directMapRemoved[pfn + i] = 1;
  }

  /** get_page(). */
  getPage(pfn: number): void {
    this.refcount[pfn]++;
  }

  /** put_page(): free the block when the last reference goes. */
  putPage(cpu: number, pfn: number): void {
    if (this.refcount[pfn] <= 0) throw new Error(`put_page: frame ${pfn} is not allocated`);
    if (--this.refcount[pfn] === 0) this.freeFrames(cpu, pfn, Math.max(this.allocOrder[pfn], 0));
  }

  /** __free_pages(page, order). */
  freePages(cpu: number, pfn: number, order: number): void {
    for (let i = 0; i < 1 << order; i++) this.refcount[pfn + i] = 0;
    this.freeFrames(cpu, pfn, order);
  }

  private freeFrames(cpu: number, pfn: number, order: number): void {
    const nr = 1 << order;
    const freetype = this.zone.getPageblockFreetype(pfn);
    const toUnmappedPool = freetypeUnmapped(freetype);
    if (this.mermap) {
      // Caller obligation (K-MER): flush the mermap region before a mermapped page is freed.
      for (let i = 0; i < nr; i++) {
        if (this.mermap.pending(pfn + i) && !this.mermapFreeNoflush) this.mermap.flushBeforeFree(pfn + i);
      }
    }
    if (!toUnmappedPool && this.directMapRemoved[pfn]) {
      // Restore on free: NP→P needs no flush (K-ZAP, spec §4.1).
      this.arch.directMap.setDirectMapValidNoflush(cpu, pfn, nr, true);
      for (let i = 0; i < nr; i++) this.directMapRemoved[pfn + i] = 0;
    }
    this.allocOrder[pfn] = -1;
    for (let i = 0; i < nr; i++) {
      this.refcount[pfn + i] = 0;
      this.frames.setState(pfn + i, toUnmappedPool ? FrameState.UnmappedPool : FrameState.Free);
    }
    this.zone.freeOnePage(pfn, order, freetype);
  }

  /** `linux-mermap-free-noflush`: the buggy caller frees without the mermap flush. */
  mermapFreeNoflush = false;

  /** Zero unmapped pages through `mermap`, in the mm `mms.mermapMm(cpu)` names on each CPU. */
  useMermap(mermap: Mermap, mms: MermapMms): void {
    this.mermap = mermap;
    this.mermapMms = mms;
  }

  /** The mm whose mm-local region the mermap uses on `cpu`. */
  mermapMm(cpu: number): MmStruct {
    if (this.mermapMms === null) throw new Error('page allocator: no mermap mm');
    return this.mermapMms.mermapMm(cpu);
  }

  /** Hand out exactly these frames (scenario `reuse:`), each as an order-0 page. */
  allocSpecific(pfns: readonly number[], gfp: number): boolean {
    for (const pfn of pfns) if (!this.zone.isFree(pfn)) return false;
    const state = gfp & GFP_PGTABLE ? FrameState.PageTable : FrameState.Allocated;
    for (const pfn of pfns) {
      this.zone.takeFreePage(pfn);
      this.allocOrder[pfn] = 0;
      this.refcount[pfn] = 1;
      this.frames.setState(pfn, state);
    }
    return true;
  }

  freePageCount(): number {
    return this.zone.freePages;
  }

  /** Pages per pageblock (for reports). */
  static readonly pageblockPages = PAGEBLOCK_NR_PAGES;
}
