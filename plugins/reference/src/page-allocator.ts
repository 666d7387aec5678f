// The reference PageAllocator: unmapped frames lose their linear-map entry (and that is flushed) before
// they are handed out, page-table frames get a read-only alias, and every frame gets its default
// linear-map entry back, flushed, before it returns to the free pool.
import {
  allocReport,
  FrameState,
  type AllocFlag,
  type OpReport,
  type PageAllocReport,
  type PageAllocator,
  type Pfn,
  type PressureRequest,
} from '@shootdown/core';
import { DM_DEFAULT, DM_PAGETABLE, type ReferenceOs } from './os.js';

export class ReferencePageAllocator implements PageAllocator {
  /** Frames taken by `pressure` to reach a free-page target. */
  readonly #balloon: Pfn[] = [];

  constructor(readonly os: ReferenceOs) {}

  alloc(cpu: number, order: number, flags: readonly AllocFlag[], reuse?: readonly Pfn[]): PageAllocReport {
    const m = this.os.m;
    const pfn = this.os.frames.take(order, reuse?.[0]);
    if (pfn < 0) return allocReport('error:ENOMEM');
    const n = 1 << order;
    const state = flags.includes('pagetable')
      ? FrameState.PageTable
      : flags.includes('unmapped')
        ? FrameState.Unmapped
        : FrameState.Allocated;
    for (let i = 0; i < n; i++) {
      const p = pfn + i;
      m.frames.setTag(p, state === FrameState.PageTable ? 'page-table' : 'data');
      if (state === FrameState.Unmapped) m.clearEntry(this.os.kernelSpace, m.directMapVa(p), 1);
      if (state === FrameState.PageTable)
        m.setLeaf(this.os.kernelSpace, m.directMapVa(p), 1, p, DM_PAGETABLE);
    }
    if (state !== FrameState.Allocated) this.os.flushAll(cpu);
    for (let i = 0; i < n; i++) this.os.book.setState(pfn + i, state);
    // Shared work (spec linux.md §7.4): every page handed out, every page zeroed.
    if (!flags.includes('pagetable')) m.charge('page_alloc', n);
    if (flags.includes('zero')) m.charge('zero_page', n);
    // First fit over one byte per frame: no pageblocks to place a block by.
    if (flags.includes('fresh-pageblock')) return allocReport('ok', pfn, order, ['fresh-pageblock']);
    return allocReport('ok', pfn, order);
  }

  free(cpu: number, pfn: Pfn, order: number): OpReport {
    const m = this.os.m;
    const n = 1 << order;
    let changed = false;
    for (let i = 0; i < n; i++) {
      const p = pfn + i;
      if (this.os.frames.isFree(p)) return { outcome: 'error:EINVAL' };
      const e = m.lookup(this.os.kernelSpace, m.directMapVa(p));
      if (!e.present || e.flags !== DM_DEFAULT) {
        m.setLeaf(this.os.kernelSpace, m.directMapVa(p), 1, p, DM_DEFAULT);
        changed = true;
      }
    }
    if (changed) this.os.flushAll(cpu);
    this.os.frames.release(pfn, order);
    for (let i = 0; i < n; i++) {
      m.frames.free(pfn + i);
      this.os.book.setState(pfn + i, FrameState.Free);
    }
    return { outcome: 'ok' };
  }

  pressure(cpu: number, req: PressureRequest): OpReport {
    if (req.freePages !== null) {
      while (this.os.frames.freeFrames > req.freePages) {
        const p = this.os.allocData();
        if (p < 0) break;
        this.#balloon.push(p);
      }
      while (this.os.frames.freeFrames < req.freePages && this.#balloon.length > 0) {
        this.free(cpu, this.#balloon.pop()!, 0);
      }
    }
    // No fragmentation model and no shrinkers: the reference allocator has nothing to compact or shrink.
    return req.fragmentOrder !== null ? { outcome: 'ok', ignored: ['fragment-order'] } : { outcome: 'ok' };
  }

  pageblockFreetype(_pfn: Pfn): string | undefined {
    return undefined;
  }
}
