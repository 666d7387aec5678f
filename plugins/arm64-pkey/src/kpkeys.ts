// kpkeys_hardened_pgtables on the simulated machine: the selected PTP allocator, the linear map it keys, the
// POR_EL1 contexts, the enabling order (init from mem_init, init_late once the linear map can be split) and
// the stray write that tests it. Spec arm64-pkey.md §2.
import { Access, Mode, Outcome, type Machine } from '@shootdown/mmu';
import { FRAME_PT_PROTECTED, FrameState, type FrameBook } from '@shootdown/core';
import { KPKEYS_PKEY_PGTABLES, PMD_ORDER } from './constants.js';
import { LinearMap } from './linear-map.js';
import { KPKEYS_CTX_DEFAULT, KPKEYS_CTX_PGTABLES } from './poe.js';
import { BlockCachePtpAllocator, PBA_NR_RESERVED_PAGES } from './ptp/block-cache.js';
import { FreetypePtpAllocator } from './ptp/freetype.js';
import { PerPagePtpAllocator } from './ptp/per-page.js';
import { NO_PFN, type BuddyPort, type CounterPort, type PkeyPort, type PtpAllocator } from './ptp/types.js';
import { UnprotectedPtpAllocator } from './ptp/unprotected.js';
import {
  PT_PKEY_BLOCK_CACHE,
  PT_PKEY_BLOCK_CACHE_NORESERVE,
  PT_PKEY_FREETYPE,
  PT_PKEY_FREETYPE_DEFER,
  PT_PKEY_PER_PAGE,
  PT_UNPROTECTED,
} from './variants.js';

/** The privileged context a `stray-write` may name: the page-table kpkeys context. */
export const KPKEYS_PGTABLES_CONTEXT = 'kpkeys-pgtables';

export function makePtpAllocator(
  variant: string,
  buddy: BuddyPort,
  pkeys: PkeyPort,
  counters: CounterPort,
  nrFrames: number,
): PtpAllocator {
  switch (variant) {
    case PT_UNPROTECTED:
      return new UnprotectedPtpAllocator(buddy, pkeys);
    case PT_PKEY_PER_PAGE:
      return new PerPagePtpAllocator(buddy, pkeys, counters);
    case PT_PKEY_BLOCK_CACHE:
      return new BlockCachePtpAllocator(buddy, pkeys, counters, {
        variant,
        reserved: PBA_NR_RESERVED_PAGES,
        honourSplitFlag: true,
        nrFrames,
      });
    case PT_PKEY_BLOCK_CACHE_NORESERVE:
      return new BlockCachePtpAllocator(buddy, pkeys, counters, {
        variant,
        reserved: 0,
        honourSplitFlag: false,
        nrFrames,
      });
    case PT_PKEY_FREETYPE:
      return new FreetypePtpAllocator(buddy, pkeys, counters, nrFrames, 'fail');
    case PT_PKEY_FREETYPE_DEFER:
      return new FreetypePtpAllocator(buddy, pkeys, counters, nrFrames, 'defer');
    default:
      throw new Error(`arm64-pkey: unknown pt-protection variant ${variant}`);
  }
}

export class Kpkeys {
  readonly ptp: PtpAllocator;
  /** The static-key state: false between boot and kpkeys_hardened_pgtables_init(). */
  enabled = false;
  lateDone = false;

  constructor(
    readonly variant: string,
    private readonly machine: Machine,
    readonly linearMap: LinearMap,
    buddy: BuddyPort,
    private readonly book: FrameBook,
    counters: CounterPort,
  ) {
    const pkeys: PkeyPort = {
      setMemoryPkey: (pfn, nr, key) => linearMap.setMemoryPkey(pfn, nr, key),
      pteOnlyDirectMap: () => linearMap.pteOnly(),
      clearPage: (pfn) => this.clearPage(pfn),
    };
    this.ptp = makePtpAllocator(variant, buddy, pkeys, counters, machine.frames.count);
    // A split table is a page table like any other (pgd_pgtable_alloc_init_mm_gfp()): it goes through allocPtp so
    // the frame book and the MMU know it as one, and a stray write to it is judged.
    linearMap.setTableSource({
      alloc: (gfp) => this.allocPtp(gfp),
      prepareDirectMapSplit: () => this.ptp.prepareDirectMapSplit(),
      readyForDirectMapSplit: () => this.ptp.readyForDirectMapSplit(),
    });
  }

  get protects(): boolean {
    return this.ptp.protects;
  }

  /**
   * kpkeys_hardened_pgtables_init() (from mem_init, before any pagetable_alloc): the allocator is set up and the
   * default kpkeys context is loaded on every CPU, so page tables keyed from now on are read-only outside
   * set_pte(). The unprotected baseline has no kpkeys and leaves POR_EL1 open.
   */
  init(): void {
    if (!this.protects) return;
    for (let c = 0; c < this.machine.cpus; c++) this.machine.setPor(c, 1, KPKEYS_CTX_DEFAULT);
    this.ptp.init();
    if (this.ptp instanceof FreetypePtpAllocator) this.protectAllPageblocks(this.ptp);
    this.enabled = true;
  }

  /**
   * kpkeys_hardened_pgtables_init_late(): the block allocator's early region, then the early (boot) tables —
   * ppa_finalize() re-keys the recorded early chunks whole, arch_kpkeys_protect_static_pgtables() the static
   * ones — and, in the v4/v5 design, a walk of swapper_pg_dir keying every table page one by one.
   */
  initLate(earlyTables: readonly number[], earlyChunks: readonly [number, number][]): void {
    if (!this.protects) return;
    this.ptp.initLate();
    if (this.ptp instanceof BlockCachePtpAllocator && this.ptp.blockAllocatorEnabled) {
      for (const [pfn, nr] of earlyChunks) this.linearMap.setMemoryPkey(pfn, nr, KPKEYS_PKEY_PGTABLES);
    } else if (!(this.ptp instanceof FreetypePtpAllocator)) {
      for (const pfn of earlyTables) this.linearMap.setMemoryPkey(pfn, 1, KPKEYS_PKEY_PGTABLES);
    }
    for (const pfn of earlyTables) {
      if (this.linearMap.key[pfn] === KPKEYS_PKEY_PGTABLES) this.book.setFlag(pfn, FRAME_PT_PROTECTED, true);
    }
    this.lateDone = true;
  }

  /**
   * Design C at boot: the linear map was built keyed for page tables everywhere but the image (bootArm64 with
   * protectFromBoot), so the protected pageblocks are simply those whose linear map carries the key.
   */
  private protectAllPageblocks(ft: FreetypePtpAllocator): void {
    const blocks = ft.pageblockProtected.length;
    for (let b = 0; b < blocks; b++) {
      ft.pageblockProtected[b] = this.linearMap.key[b << PMD_ORDER] === KPKEYS_PKEY_PGTABLES ? 1 : 0;
    }
  }

  /**
   * A PTP for pagetable_alloc(). The frame book moves first and the MMU's tag second, the order the generic
   * frame sink keeps too: the invariants judge a frame when its book state changes, and a frame coming out of
   * an allocator is new, whatever the linear map held for it before.
   */
  allocPtp(gfp: number): number {
    const pfn = this.ptp.alloc(gfp);
    if (pfn === NO_PFN) return NO_PFN;
    this.book.setState(pfn, FrameState.PageTable);
    this.machine.frames.setTag(pfn, 'page-table');
    if (this.protects) this.book.setFlag(pfn, FRAME_PT_PROTECTED, true);
    return pfn;
  }

  /**
   * pagetable_free(): the table is gone as a table whether or not its frame reaches the buddy, so its
   * generation moves on (a walk-cache entry still pointing at it is a freed-table walk). A frame the allocator
   * keeps (the block cache) is then allocated again from the book's point of view: keyed, cached, not a table.
   */
  freePtp(pfn: number): void {
    this.book.setFlag(pfn, FRAME_PT_PROTECTED, false);
    this.book.setState(pfn, FrameState.Free);
    if (!this.machine.frames.isFree(pfn)) this.machine.frames.free(pfn);
    this.ptp.free(pfn);
    if (this.ptp.caches) this.book.setState(pfn, FrameState.Allocated);
  }

  /** clear_page() of a fresh PTP from the page-table context (prepare_page(): kpkeys_set_level + restore). */
  private clearPage(_pfn: number): void {
    // Zeroing a page-table page is part of what `ptalloc` prices, as under every other policy; the shared
    // `zero_page` work (spec linux.md §7.4) is data pages only, so its count compares across policies.
  }

  /**
   * A kernel write through the linear map at `pfn`, from the default context or the named privileged one. The
   * privileged context is entered and left around the write like kpkeys_set_level() / kpkeys_restore_pkey_reg().
   */
  strayWrite(cpu: number, pfn: number, context: string | null): number {
    const va = this.machine.directMapVa(pfn);
    if (context === null || !this.protects || !this.enabled) {
      return this.machine.access(cpu, va, Access.WRITE, Mode.KERNEL);
    }
    const saved = this.machine.por1[cpu];
    this.machine.setPor(cpu, 1, KPKEYS_CTX_PGTABLES);
    const o = this.machine.access(cpu, va, Access.WRITE, Mode.KERNEL);
    this.machine.setPor(cpu, 1, saved);
    return o;
  }

  /** Whether an outcome code means the write landed. */
  static landed(outcome: number): boolean {
    return outcome === Outcome.OK || outcome === Outcome.OK_STALE;
  }
}
