// `pt-pkey-per-page`: Design A (kpkeys RFC v1–v5; the v6 `noblock` path). Every PTP is keyed when allocated and
// re-keyed to the default when freed, one kernel-range flush each (spec arm64-pkey.md §4), modelled on
// noblock_pgtable_alloc() / noblock_pgtable_free() in mm/kpkeys_hardened_pgtables.c (linux-mm tree, v6).
// On a block-mapped linear map, keying one page splits its block, the split needs a table that must itself be
// keyed, and so on: the recursion the linear map reports (§3.1 item 3).
import { KPKEYS_PKEY_DEFAULT, KPKEYS_PKEY_PGTABLES } from '../constants.js';
import {
  GFP_ZERO,
  NO_PFN,
  type BuddyPort,
  type CounterPort,
  type PkeyPort,
  type PtpAllocator,
} from './types.js';

export class PerPagePtpAllocator implements PtpAllocator {
  readonly variant: string = 'pt-pkey-per-page';
  readonly protects = true;
  readonly nrCached = 0;
  readonly caches = false;

  constructor(
    private readonly buddy: BuddyPort,
    private readonly pkeys: PkeyPort,
    private readonly counters: CounterPort,
  ) {}

  init(): void {}
  initLate(): void {}

  alloc(gfp: number): number {
    const pfn = this.buddy.allocPages(0);
    if (pfn === NO_PFN) {
      this.counters.count('arm64.ptp_alloc_fail', 1);
      return NO_PFN;
    }
    // set_pkey_pgtable(): on failure the page goes back and the allocation fails; no unprotected PTP escapes.
    if (!this.pkeys.setMemoryPkey(pfn, 1, KPKEYS_PKEY_PGTABLES)) {
      this.buddy.freePages(pfn, 0);
      this.counters.count('arm64.ptp_alloc_fail', 1);
      return NO_PFN;
    }
    if (gfp & GFP_ZERO) this.pkeys.clearPage(pfn);
    return pfn;
  }

  free(pfn: number): void {
    this.pkeys.setMemoryPkey(pfn, 1, KPKEYS_PKEY_DEFAULT);
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
