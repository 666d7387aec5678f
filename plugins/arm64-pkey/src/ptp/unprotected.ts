// `pt-unprotected`: the baseline. PTPs come straight from the buddy and keep KPKEYS_PKEY_DEFAULT, so a stray
// kernel write lands (spec arm64-pkey.md §9, §9.1 first column).
import { GFP_ZERO, NO_PFN, type BuddyPort, type PkeyPort, type PtpAllocator } from './types.js';

export class UnprotectedPtpAllocator implements PtpAllocator {
  readonly variant = 'pt-unprotected';
  readonly protects = false;
  readonly nrCached = 0;
  readonly caches = false;

  constructor(
    private readonly buddy: BuddyPort,
    private readonly pkeys: PkeyPort,
  ) {}

  init(): void {}
  initLate(): void {}

  alloc(gfp: number): number {
    const pfn = this.buddy.allocPages(0);
    if (pfn === NO_PFN) return NO_PFN;
    if (gfp & GFP_ZERO) this.pkeys.clearPage(pfn);
    return pfn;
  }

  free(pfn: number): void {
    this.buddy.freePages(pfn, 0);
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
