// `pt-pkey-freetype` and `pt-pkey-freetype-defer`: Design C, Jackman's "inversion" of the __GFP_UNMAPPED freetype
// argument for protected PTPs (seed S002 thread; spec arm64-pkey.md §6). Never implemented: this is the spec's own
// runnable model (§6.3). The linear map is pageblock-granular (2 MiB) from boot and every pageblock starts keyed
// KPKEYS_PKEY_PGTABLES. A PTP takes a free frame in a protected pageblock (no flush, no split). Any other
// allocation prefers unprotected pageblocks; taking a frame in a protected one re-keys the whole pageblock to the
// default key with one flush (the PMD descriptor changes in place, no split) — only if no live PTP sits in it,
// otherwise another pageblock is tried. Pageblocks never flip back (`reprotectWhenFree` is off, as in §6.3).
// With no protected frame left, `fail` returns no page (ENOMEM) and `defer` hands out an unprotected frame and
// re-keys it later (stray writes land meanwhile).
import { KPKEYS_PKEY_DEFAULT, KPKEYS_PKEY_PGTABLES, PMD_ORDER } from '../constants.js';
import {
  GFP_ZERO,
  NO_PFN,
  type BuddyPort,
  type CounterPort,
  type PkeyPort,
  type PtpAllocator,
} from './types.js';

export const PAGEBLOCK_ORDER = PMD_ORDER;
const PAGEBLOCK_NR_PAGES = 1 << PAGEBLOCK_ORDER;
/** How many frames an allocation may set aside while looking for a pageblock of the right kind. */
const MAX_SKIPPED = 1 << 16;

export type OnExhaustion = 'fail' | 'defer';

export class FreetypePtpAllocator implements PtpAllocator {
  readonly variant: string;
  readonly protects = true;
  readonly nrCached = 0;
  readonly caches = false;
  /** Per pageblock: 1 = keyed KPKEYS_PKEY_PGTABLES. */
  readonly pageblockProtected: Uint8Array;
  /** Per pageblock: live PTPs in it (a pageblock holding one can never be flipped). */
  private readonly livePtps: Uint32Array;
  /** Frames handed out unprotected under `defer`, waiting for their key. */
  private deferred: number[] = [];
  /** Pageblock where the last protected frame was found. */
  private cursor = 0;
  /**
   * Per pageblock: its frames below this offset were all in use at the last search, when the buddy's count
   * of frees into the pageblock read `searchedFrees` — skipped while that count has not moved. Steady
   * allocation from one pageblock otherwise looked at every frame it had handed out before, at each call.
   */
  private readonly searchedTo: Uint16Array;
  private readonly searchedFrees: Uint32Array;
  private skipped: Int32Array = new Int32Array(64);

  constructor(
    private readonly buddy: BuddyPort,
    private readonly pkeys: PkeyPort,
    private readonly counters: CounterPort,
    private readonly nrFrames: number,
    readonly onExhaustion: OnExhaustion,
  ) {
    this.variant = onExhaustion === 'defer' ? 'pt-pkey-freetype-defer' : 'pt-pkey-freetype';
    const nrBlocks = Math.ceil(nrFrames / PAGEBLOCK_NR_PAGES);
    this.pageblockProtected = new Uint8Array(nrBlocks);
    this.livePtps = new Uint32Array(nrBlocks);
    this.searchedTo = new Uint16Array(nrBlocks);
    this.searchedFrees = new Uint32Array(nrBlocks);
  }

  /** Boot: which pageblocks start protected is the caller's (the linear map is built keyed, spec §6.3). */
  init(): void {}

  initLate(): void {}

  alloc(gfp: number): number {
    this.retryDeferred();
    let pfn = this.takeProtectedFrame();
    if (pfn === NO_PFN) {
      if (this.onExhaustion === 'fail') {
        this.counters.count('arm64.ptp_alloc_fail', 1);
        return NO_PFN;
      }
      // Jackman's "dodge": an unprotected PTP now, its key later.
      pfn = this.buddy.allocPages(0);
      if (pfn === NO_PFN) {
        this.counters.count('arm64.ptp_alloc_fail', 1);
        return NO_PFN;
      }
      this.deferred.push(pfn);
      this.counters.count('arm64.ptp_deferred', 1);
    }
    this.livePtps[pfn >> PAGEBLOCK_ORDER]!++;
    if (gfp & GFP_ZERO) this.pkeys.clearPage(pfn);
    return pfn;
  }

  /**
   * A free frame in a protected pageblock — the freetype's own free list in the RFC's terms. Pageblocks are
   * searched from where the last search succeeded, so steady allocation stays in one pageblock.
   */
  private takeProtectedFrame(): number {
    const blocks = this.pageblockProtected.length;
    for (let n = 0; n < blocks; n++) {
      const b = (this.cursor + n) % blocks;
      if (!this.pageblockProtected[b]) continue;
      const base = b << PAGEBLOCK_ORDER;
      const end = Math.min(base + PAGEBLOCK_NR_PAGES, this.nrFrames);
      const frees = this.buddy.freesIn?.(base);
      const from = frees !== undefined && frees === this.searchedFrees[b] ? base + this.searchedTo[b] : base;
      for (let p = from; p < end; p++) {
        if (this.buddy.isFree(p) && this.buddy.takeFrame(p)) {
          this.searched(b, p + 1 - base, frees);
          this.cursor = b;
          return p;
        }
      }
      this.searched(b, end - base, frees);
    }
    return NO_PFN;
  }

  /** Pageblock `b`'s frames below offset `to` are in use, as of `frees` frees into it (undefined: unknown). */
  private searched(b: number, to: number, frees: number | undefined): void {
    if (frees === undefined) return;
    this.searchedTo[b] = to;
    this.searchedFrees[b] = frees;
  }

  free(pfn: number): void {
    const i = this.deferred.indexOf(pfn);
    if (i >= 0) this.deferred.splice(i, 1);
    this.livePtps[pfn >> PAGEBLOCK_ORDER]--;
    this.buddy.freePages(pfn, 0);
  }

  /**
   * A non-PTP allocation of 2^order frames: prefer a block in unprotected pageblocks; a block in protected
   * pageblocks without live PTPs is flipped to the default key (one set_memory_pkey over the pageblock, no split);
   * blocks sitting in pageblocks that hold PTPs are passed over.
   */
  allocData(order: number, alloc: (order: number) => number = (o) => this.buddy.allocPages(o)): number {
    let n = 0;
    let pfn = NO_PFN;
    for (;;) {
      const p = alloc(order);
      if (p === NO_PFN) break;
      if (this.flipForData(p, 1 << order)) {
        pfn = p;
        break;
      }
      n = this.skip(n, p, order);
      if (n >= MAX_SKIPPED) break;
    }
    this.unskip(n, order);
    return pfn;
  }

  /** Flips every protected pageblock under [pfn, pfn + nr) to the default key; false if one holds a PTP. */
  flipForData(pfn: number, nr: number): boolean {
    const first = pfn >> PAGEBLOCK_ORDER;
    const last = (pfn + nr - 1) >> PAGEBLOCK_ORDER;
    for (let b = first; b <= last; b++) if (this.pageblockProtected[b] && this.livePtps[b]) return false;
    for (let b = first; b <= last; b++) {
      if (!this.pageblockProtected[b]) continue;
      if (!this.pkeys.setMemoryPkey(b << PAGEBLOCK_ORDER, PAGEBLOCK_NR_PAGES, KPKEYS_PKEY_DEFAULT))
        return false;
      this.pageblockProtected[b] = 0;
      this.counters.count('arm64.pageblock_flip', 1);
    }
    return true;
  }

  /**
   * The deferred re-key (Brodsky: "once you decide to set the pkey, you may very well end up splitting…"),
   * oldest first, stopping at the first that still cannot be keyed: the state that made it fail holds for the
   * rest too, and retrying all of them at every allocation would only repeat the failure.
   */
  private retryDeferred(): void {
    let done = 0;
    while (done < this.deferred.length) {
      if (!this.pkeys.setMemoryPkey(this.deferred[done]!, 1, KPKEYS_PKEY_PGTABLES)) break;
      this.counters.count('arm64.ptp_deferred_keyed', 1);
      done++;
    }
    if (done > 0) this.deferred.splice(0, done);
  }

  /** Frames handed out unprotected and not yet keyed. */
  get deferredCount(): number {
    return this.deferred.length;
  }

  private skip(n: number, pfn: number, _order = 0): number {
    if (n === this.skipped.length) {
      const grown = new Int32Array(n * 2);
      grown.set(this.skipped);
      this.skipped = grown;
    }
    this.skipped[n] = pfn;
    return n + 1;
  }

  private unskip(n: number, order = 0): void {
    for (let i = n - 1; i >= 0; i--) this.buddy.freePages(this.skipped[i], order);
  }

  prepareDirectMapSplit(): boolean {
    return true;
  }
  readyForDirectMapSplit(): boolean {
    return true;
  }
  shrink(): number {
    return 0;
  }
}
