// The physical page allocator (sys/vm/vm_page.c vm_page_alloc / vm_page_free over vm_phys): lowest free frame
// first, so runs are deterministic. It keeps the machine's frame tags and the kernel FrameBook the invariants
// read in step with every hand-out and return.
import type { AllocFlag, FrameBook, OpReport, PageAllocator, PageAllocReport, Pfn } from '@shootdown/core';
import { allocReport, FrameState } from '@shootdown/core';
import type { Machine } from '@shootdown/mmu';
import type { TableFrames } from '../amd64/machine-port.js';
import type { FrameSource } from '../vm/objects.js';

export class VmPhys implements PageAllocator, FrameSource, TableFrames {
  private readonly isFreeFrame: Uint8Array;
  /** No free frame below this index. */
  private low = 0;

  constructor(
    private readonly m: Machine,
    private readonly book: FrameBook,
  ) {
    const frames = m.frames;
    // Recycled with the machine's arrays. A machine whose every frame is free (each run's, so far) gets the
    // array filled with 1 by the lease; otherwise each frame is asked (16,384 calls on a 64 MiB machine, a
    // quarter of a millisecond per run before they are optimised).
    const allFree = frames.freeFrames === frames.count;
    this.isFreeFrame = m.lease.take(Uint8Array, frames.count, allFree ? 1 : 0);
    if (!allFree) for (let p = 0; p < frames.count; p++) this.isFreeFrame[p] = frames.isFree(p) ? 1 : 0;
  }

  allocFrame(_cpu: number): number {
    const pfn = this.take(this.lowest(), 'user', FrameState.Allocated);
    if (pfn >= 0) this.m.charge('page_alloc'); // shared work (spec linux.md §7.4): vm_page_alloc
    return pfn;
  }

  freeFrame(_cpu: number, pfn: number): void {
    this.give(pfn);
  }

  allocTable(): number {
    const pfn = this.take(this.lowest(), 'page-table', FrameState.PageTable);
    if (pfn < 0) throw new Error('out of frames for page-table pages');
    return pfn;
  }

  /** vm_page_alloc_contig for order > 0; `reuse` takes back exactly the named frames if they are free. */
  alloc(_cpu: number, order: number, flags: readonly AllocFlag[], reuse?: readonly Pfn[]): PageAllocReport {
    const n = 2 ** order;
    // vm_phys has no pageblocks to place by (its superpage reservations are vm_reserv's, not the caller's).
    const ignored = flags.filter((f) => f === 'unmapped' || f === 'fresh-pageblock');
    const state = flags.includes('pagetable') ? FrameState.PageTable : FrameState.Allocated;
    const tag = flags.includes('pagetable') ? 'page-table' : 'data';
    let first = -1;
    if (reuse !== undefined && reuse.length >= n) {
      const want = reuse.slice(0, n);
      if (want.every((p) => this.isFreeFrame[p] === 1) && want.every((p, i) => p === want[0] + i)) {
        first = want[0];
      }
    } else first = this.findRun(n);
    if (first < 0) return allocReport('error:ENOMEM');
    for (let p = first; p < first + n; p++) this.take(p, tag, state);
    // Shared work (spec linux.md §7.4): every page handed out (page-table pages are `ptalloc`'s), and
    // VM_ALLOC_ZERO's pmap_zero_page per page.
    if (state !== FrameState.PageTable) this.m.charge('page_alloc', n);
    if (flags.includes('zero')) this.m.charge('zero_page', n);
    return allocReport('ok', first, order, ignored.length > 0 ? ignored : undefined);
  }

  free(_cpu: number, pfn: Pfn, order: number): OpReport {
    for (let p = pfn; p < pfn + 2 ** order; p++) {
      if (this.isFreeFrame[p] === 1) return { outcome: 'error:EINVAL' };
    }
    for (let p = pfn; p < pfn + 2 ** order; p++) this.give(p);
    return { outcome: 'ok' };
  }

  pressure(): OpReport {
    return { outcome: 'unsupported' };
  }

  pageblockFreetype(): undefined {
    return undefined;
  }

  private lowest(): number {
    while (this.low < this.isFreeFrame.length && this.isFreeFrame[this.low] === 0) this.low++;
    return this.low < this.isFreeFrame.length ? this.low : -1;
  }

  private findRun(n: number): number {
    for (let s = this.lowest(); s >= 0 && s + n <= this.isFreeFrame.length; s++) {
      let ok = true;
      for (let p = s; p < s + n && ok; p++) ok = this.isFreeFrame[p] === 1;
      if (ok) return s;
    }
    return -1;
  }

  private take(pfn: number, tag: string, state: FrameState): number {
    if (pfn < 0) return -1;
    this.isFreeFrame[pfn] = 0;
    this.m.frames.setTag(pfn, tag);
    this.book.setState(pfn, state);
    return pfn;
  }

  private give(pfn: number): void {
    this.book.setState(pfn, FrameState.Free);
    this.m.frames.free(pfn);
    this.isFreeFrame[pfn] = 1;
    if (pfn < this.low) this.low = pfn;
  }
}
