/**
 * core's PageAllocator over the buddy allocator: alloc_pages/__free_pages with the contract's flags,
 * the `pressure` op (take or give back order-0 pages to reach a free count; fragment by freeing
 * every other page of what was taken) and the `pageblock-freetype` check.
 */
import {
  allocReport,
  errno,
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
  freetypeName,
  GFP_MOVABLE,
  GFP_PGTABLE,
  GFP_UNMAPPED,
  GFP_ZERO,
  MAX_PAGE_ORDER,
} from './freetype.js';
import type { LinuxPageAllocator } from './page-alloc.js';
import { allocReuse } from './core-alloc-reuse.js';

/** The gfp mask for the contract's flags (user data defaults to movable, like GFP_HIGHUSER_MOVABLE). */
export function gfpOf(flags: readonly AllocFlag[]): number {
  let gfp = 0;
  for (const f of flags) {
    if (f === 'unmapped') gfp |= GFP_UNMAPPED;
    else if (f === 'zero') gfp |= GFP_ZERO;
    else if (f === 'pagetable') gfp |= GFP_PGTABLE;
  }
  return gfp & (GFP_UNMAPPED | GFP_PGTABLE) ? gfp : gfp | GFP_MOVABLE;
}

export class LinuxPageAllocatorContract implements PageAllocator {
  /** Frames held by `pressure` (released first when the target rises again). */
  private readonly held: number[] = [];

  constructor(private readonly allocator: LinuxPageAllocator) {}

  alloc(cpu: CpuId, order: number, flags: readonly AllocFlag[], reuse?: readonly Pfn[]): PageAllocReport {
    if (order < 0 || order > MAX_PAGE_ORDER) return allocReport('error:EINVAL');
    const gfp = gfpOf(flags);
    if (reuse && reuse.length > 0) return allocReuse(this.allocator, reuse, gfp);
    const pfn = this.allocator.allocPages(cpu, order, gfp, flags.includes('fresh-pageblock'));
    return pfn < 0 ? allocReport('error:ENOMEM') : allocReport('ok', pfn, order);
  }

  free(cpu: CpuId, pfn: Pfn, order: number): OpReport {
    if (pfn < 0 || pfn >= this.allocator.refcount.length || this.allocator.refcount[pfn] === 0)
      return errno('EINVAL');
    this.allocator.freePages(cpu, pfn, order);
    return ok();
  }

  pressure(cpu: CpuId, req: PressureRequest): OpReport {
    const ignored: string[] = req.shrink ? ['shrink'] : [];
    if (req.freePages !== null) {
      while (this.allocator.freePageCount() > req.freePages) {
        const pfn = this.allocator.allocPages(cpu, 0, GFP_MOVABLE);
        if (pfn < 0) break;
        this.held.push(pfn);
      }
      while (this.allocator.freePageCount() < req.freePages && this.held.length > 0) {
        this.allocator.freePages(cpu, this.held.pop()!, 0);
      }
    }
    if (req.fragmentOrder !== null) this.fragment(cpu, req.fragmentOrder);
    return ignored.length ? { outcome: 'ok', ignored } : ok();
  }

  /**
   * Take every free page, then give back one page in each 2^(order+1) so no free block above `order` can
   * form again.
   *
   * Each loop is a method of its own. Both used to sit in `pressure`, which V8 compiled on-stack-replaced
   * while the first loop ran — before the second loop's `held.push` branch had ever run — and that cached
   * OSR code was entered again at every later fragment and thrown away at the push each time (about 70
   * deoptimisations over the catalogue's 54 runs of pt-reserve-exhaustion), the rest of the loop then run
   * by the interpreter.
   */
  private fragment(cpu: CpuId, order: number): void {
    const taken = this.takeAll(cpu);
    const stride = 2 << order;
    this.giveBack(cpu, taken, stride);
  }

  /** Every free page, order 0 one at a time (the order the buddy allocator hands them out). */
  private takeAll(cpu: CpuId): number[] {
    const taken: number[] = [];
    for (
      let pfn = this.allocator.allocPages(cpu, 0, GFP_MOVABLE);
      pfn >= 0;
      pfn = this.allocator.allocPages(cpu, 0, GFP_MOVABLE)
    )
      taken.push(pfn);
    return taken;
  }

  /** Free the first half of each aligned `stride` of `taken`, in the order taken; hold the rest. */
  private giveBack(cpu: CpuId, taken: readonly number[], stride: number): void {
    const half = stride / 2;
    for (let i = 0; i < taken.length; i++) {
      const pfn = taken[i];
      if (pfn % stride < half) this.allocator.freePages(cpu, pfn, 0);
      else this.held.push(pfn);
    }
  }

  pageblockFreetype(pfn: Pfn): string | undefined {
    if (pfn < 0 || pfn >= this.allocator.zone.nrPages) return undefined;
    return freetypeName(this.allocator.zone.getPageblockFreetype(pfn));
  }
}
