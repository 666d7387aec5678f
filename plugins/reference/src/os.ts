// The reference kernel's shared state and its one rule: every change to a translation is followed by a
// full flush on every CPU (an IPI to each, CR4.PGE toggle there — Linux `flush_tlb_all`,
// arch/x86/mm/tlb.c), and nothing a translation reached is freed before that flush.
import {
  FrameState,
  type Counters,
  type FrameBook,
  type Pfn,
  type PhaseHook,
  type Phase,
} from '@shootdown/core';
import { ENTRIES_PER_TABLE, LEVEL_PAGES, Pte, type Machine } from '@shootdown/mmu';
import { FrameAllocator } from './frame-allocator.js';

/** Linear-map entry of an ordinary frame: present, writable, not executable, global. */
export const DM_DEFAULT = Pte.PRESENT | Pte.WRITABLE | Pte.GLOBAL;
/** Linear-map entry of a page-table frame: read-only, so a stray kernel write faults. */
export const DM_PAGETABLE = Pte.PRESENT | Pte.GLOBAL;
const KERNEL_TEXT_PAGES = 4;

/**
 * Frames the boot below takes, at most, on a machine of `frames` frames: the root, the linear map's tables
 * (4 KiB leaves over all memory: per level one table per span that level covers, plus one where the map
 * starts inside a span), the kernel text's pages and the three tables of its own path. The allocator hands
 * out any free frame, so with at least this many frames the boot never runs dry.
 */
export function bootFramesAtMost(frames: number): number {
  let tables = 1;
  for (const level of [2, 3, 4] as const) tables += Math.ceil(frames / LEVEL_PAGES[level]) + 1;
  return tables + KERNEL_TEXT_PAGES + 3;
}

export class ReferenceOs {
  readonly frames: FrameAllocator;
  readonly kernelSpace: number;
  readonly kernelText: { start: number; end: number };

  constructor(
    readonly m: Machine,
    readonly book: FrameBook,
    readonly counters: Counters,
    readonly phases: PhaseHook,
  ) {
    this.frames = new FrameAllocator(m.frames.count, m.lease);
    this.kernelSpace = m.createKernelSpace(() => this.#bootTable());
    // Room for the linear map's tables (one per 2 MiB, one per 1 GiB, one per 512 GiB) and the text's path.
    const n = m.frames.count;
    m.tables.reserve(Math.ceil(n / ENTRIES_PER_TABLE) + Math.ceil(n / ENTRIES_PER_TABLE ** 2) + 8);
    // The linear map covers all memory with 4 KiB leaves: no large page ever needs splitting. One run of
    // stores per leaf table, its table installed first (the order of one store per page).
    for (let p = 0; p < m.frames.count;) {
      const va = m.directMapVa(p);
      const n = Math.min(m.frames.count - p, ENTRIES_PER_TABLE - ((va / 4096) % ENTRIES_PER_TABLE));
      m.ensurePath(this.kernelSpace, va, 1, () => this.#bootTable());
      m.setLeaves(this.kernelSpace, va, 1, n, p, DM_DEFAULT);
      p += n;
    }
    const textBase = m.arch.layout.kernelTextBase;
    for (let i = 0; i < KERNEL_TEXT_PAGES; i++) {
      const p = this.frames.take(0);
      m.frames.setTag(p, 'kernel-text');
      book.setState(p, FrameState.Reserved);
      m.setLeaf(this.kernelSpace, m.directMapVa(p), 1, p, Pte.PRESENT | Pte.GLOBAL);
      m.ensurePath(this.kernelSpace, textBase + i * 4096, 1, () => this.#bootTable());
      m.setLeaf(this.kernelSpace, textBase + i * 4096, 1, p, Pte.PRESENT | Pte.XKERNEL | Pte.GLOBAL);
    }
    this.kernelText = { start: textBase, end: textBase + KERNEL_TEXT_PAGES * 4096 };
    // Last, once every boot table exists: page-table frames become read-only in the linear map.
    for (let p = 0; p < m.frames.count; p++) {
      if (book.state(p) === FrameState.PageTable)
        m.setLeaf(this.kernelSpace, m.directMapVa(p), 1, p, DM_PAGETABLE);
    }
    m.ipi(0, 'all', (c) => m.flushGlobal(c));
  }

  /** `flush_tlb_all` from `cpu`: one shootdown, an IPI to every other CPU, a full flush on each. */
  flushAll(cpu: number): void {
    this.counters.add('kflush');
    this.m.ipi(cpu, 'all', (c) => this.m.flushGlobal(c));
  }

  reach(phase: Phase): void {
    this.phases.reach(phase);
  }

  /** A frame for data (user page, vmalloc backing). */
  allocData(want?: Pfn): Pfn {
    const p = this.frames.take(0, want);
    if (p < 0) return -1;
    this.m.frames.setTag(p, 'data');
    this.book.setState(p, FrameState.Allocated);
    this.m.charge('page_alloc'); // shared work (spec linux.md §7.4)
    return p;
  }

  /** A page-table frame: its linear-map alias becomes read-only, and that change is flushed. */
  allocTable(cpu: number): Pfn {
    const p = this.frames.take(0);
    if (p < 0) throw new Error('out of memory for page tables');
    this.m.frames.setTag(p, 'page-table');
    this.book.setState(p, FrameState.PageTable);
    this.counters.add('ptalloc');
    this.m.setLeaf(this.kernelSpace, this.m.directMapVa(p), 1, p, DM_PAGETABLE);
    this.flushAll(cpu);
    return p;
  }

  /** Free frames whose translations were already flushed; page tables get their default alias back
   *  (a less permissive stale alias cannot remain: flushed again before the frame is handed out). */
  releaseFlushed(cpu: number, data: readonly Pfn[], tables: readonly Pfn[]): void {
    for (const p of tables) this.m.setLeaf(this.kernelSpace, this.m.directMapVa(p), 1, p, DM_DEFAULT);
    if (tables.length > 0) this.flushAll(cpu);
    for (const p of tables) {
      this.counters.add('ptfree');
      this.#free(p);
    }
    for (const p of data) this.#free(p);
  }

  #free(p: Pfn): void {
    this.frames.release(p, 0);
    this.m.frames.free(p);
    this.book.setState(p, FrameState.Free);
  }

  #bootTable(): Pfn {
    const p = this.frames.take(0);
    this.m.frames.setTag(p, 'page-table');
    this.book.setState(p, FrameState.PageTable);
    return p;
  }

  /** Pages a leaf at `level` covers. */
  static pages(level: number): number {
    return LEVEL_PAGES[level as 1 | 2 | 3];
  }
}
