// The PageAllocator contract on arm64: linux-mm's buddy for data, the kpkeys allocator of the selected variant
// for `pagetable` allocations (pagetable_alloc → kpkeys_pgtable_alloc), and `pressure`, which takes frames until
// the requested state holds and runs the block allocator's shrinker when asked (spec arm64-pkey.md §5.6).
import {
  allocReport,
  ok,
  type AllocFlag,
  type CpuId,
  type OpReport,
  type PageAllocReport,
  type PageAllocator,
  type Pfn,
  type PressureRequest,
} from '@shootdown/core';
import {
  allocReuse,
  freetypeName,
  GFP_UNMAPPED,
  GFP_ZERO,
  MAX_PAGE_ORDER,
  type LinuxMm,
} from '@shootdown/linux-mm';
import type { Kpkeys } from './kpkeys.js';
import { FreetypePtpAllocator, PAGEBLOCK_ORDER } from './ptp/freetype.js';
import { GFP_ZERO as PTP_GFP_ZERO, NO_PFN } from './ptp/types.js';

export class Arm64PageAllocator implements PageAllocator {
  /** Frames handed out as page tables through this contract (freed back through kpkeys). */
  private readonly ptps = new Set<number>();
  /** Frames taken by `pressure` (never given back: the state is the point). */
  readonly pressureHeld: number[] = [];

  constructor(
    private readonly lm: LinuxMm,
    private readonly kpkeys: Kpkeys,
    private readonly setCpu: (cpu: number) => void,
    /** The machine's counter (absent: kpkeys' counts are not kept). */
    private readonly counter: ((name: string) => void) | null = null,
  ) {}

  alloc(cpu: CpuId, order: number, flags: readonly AllocFlag[], reuse?: readonly Pfn[]): PageAllocReport {
    this.setCpu(cpu);
    if (flags.includes('pagetable')) {
      if (order !== 0) return allocReport('error:EINVAL');
      const pfn = this.kpkeys.allocPtp(flags.includes('zero') ? PTP_GFP_ZERO : 0);
      if (pfn === NO_PFN) return allocReport('error:ENOMEM');
      this.ptps.add(pfn);
      this.kpkeysCounter('ptalloc');
      return allocReport('ok', pfn, 0);
    }
    const gfp = (flags.includes('zero') ? GFP_ZERO : 0) | (flags.includes('unmapped') ? GFP_UNMAPPED : 0);
    if (reuse !== undefined && reuse.length > 0) return allocReuse(this.lm.allocator, reuse, gfp);
    const pfn = this.lm.allocator.allocPages(cpu, order, gfp, flags.includes('fresh-pageblock'));
    return pfn < 0 ? allocReport('error:ENOMEM') : allocReport('ok', pfn, order);
  }

  private kpkeysCounter(name: string): void {
    this.counter?.(name);
  }

  free(cpu: CpuId, pfn: Pfn, order: number): OpReport {
    this.setCpu(cpu);
    if (this.ptps.delete(pfn)) {
      this.kpkeys.freePtp(pfn);
      this.kpkeysCounter('ptfree');
      return ok();
    }
    this.lm.allocator.freePages(cpu, pfn, order);
    return ok();
  }

  pressure(cpu: CpuId, req: PressureRequest): OpReport {
    this.setCpu(cpu);
    const a = this.lm.allocator;
    if (req.shrink) this.kpkeys.ptp.shrink(Number.MAX_SAFE_INTEGER);
    if (req.fragmentOrder !== null) this.fragment(cpu, req.fragmentOrder);
    if (req.freePages !== null) {
      while (a.freePageCount() > req.freePages) {
        const pfn = a.allocPages(cpu, 0, 0);
        if (pfn < 0) break;
        this.pressureHeld.push(pfn);
      }
    }
    return ok();
  }

  /**
   * Leave no free block above `order`: take every larger block, then give back all of it but the first frame of
   * each aligned 2^(order+1) run, which can then merge up to `order` at most.
   */
  private fragment(cpu: CpuId, order: number): void {
    const a = this.lm.allocator;
    const run = 1 << (order + 1);
    for (let o = MAX_PAGE_ORDER; o > order; o--) {
      for (;;) {
        const pfn = a.allocPages(cpu, o, 0);
        if (pfn < 0) break;
        for (let base = pfn; base < pfn + (1 << o); base += run) {
          // Split the block into order-0 pages we can free one by one (split_page()).
          this.pressureHeld.push(base);
          for (let p = base + 1; p < base + run; p++) a.freePages(cpu, p, 0);
        }
      }
    }
  }

  pageblockFreetype(pfn: Pfn): string | undefined {
    const name = freetypeName(this.lm.allocator.zone.getPageblockFreetype(pfn));
    const ft = this.kpkeys.ptp;
    if (ft instanceof FreetypePtpAllocator) {
      return ft.pageblockProtected[pfn >> PAGEBLOCK_ORDER] ? `${name}+pgtable-protected` : name;
    }
    return name;
  }
}
