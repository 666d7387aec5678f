/**
 * The mermap (RFC mm/mermap.c, spec linux.md §4.4): per-CPU windows in an mm-local kernel region
 * where a page can be mapped briefly (e.g. to zero an __GFP_UNMAPPED page that must never appear in
 * the direct map). Allocation bumps inside the CPU's window; when it runs out the window restarts
 * after the highest live allocation with one arch_mermap_flush_tlb() — a local flush on x86, never a
 * shootdown. mermap_put writes a non-none "unmapped" sentinel and does not flush.
 */
import { ArrayLease } from '@shootdown/mmu';
import type { LinuxArch } from './arch.js';
import { PAGE_SIZE } from './constants.js';
import type { FrameSink } from './frame-events.js';
import { FRAME_MERMAP } from '@shootdown/core';
import type { MmStruct } from './mm.js';
import type { PgtableStore } from './pgtable.js';
import { tableIndex } from './pgtable.js';
import { mkPte, PTE_GLOBAL, PTE_PRESENT, PTE_SPECIAL, PTE_WRITE } from './pte.js';

/** The sentinel mermap_put leaves behind: non-present but not pte_none (RFC mermap.c). */
export const MERMAP_UNMAPPED_PTE = mkPte(0, PTE_SPECIAL);

/** Live allocations tracked per CPU: `struct mermap_cpu { … struct mermap_alloc allocs[4]; }` (RFC
 *  include/linux/mermap_types.h). A limit on concurrent gets, not on their size. */
export const MERMAP_MAX_LIVE = 4;

export class Mermap {
  /** Next free page index inside each CPU's window. */
  private readonly next: Int32Array;
  /** Live allocations per CPU: start page index and page count (count 0 = slot free). */
  private readonly liveStart: Int32Array;
  private readonly liveCount: Int32Array;
  /** Frames mapped on each CPU since its last mermap flush (their stale entries may remain), in the order
   *  first mapped. */
  private readonly mappedSinceFlush: number[][];
  /**
   * The same as a bitmap over frames per CPU, made at the CPU's first get, so that each get asks in O(1) —
   * a populate maps a whole window between flushes (a Set per CPU cost more than the mapping itself).
   */
  private readonly mappedBits: (Uint32Array | null)[];
  /** For each frame, on how many CPUs it is pending (so the free path asks in O(1)). */
  private readonly pendingCpus: Uint16Array;
  /** Local flushes caused by window wrap (spec §4.4 cost: ⌈K/W⌉ − 1 for K one-page gets). */
  flushes = 0;

  constructor(
    private readonly arch: LinuxArch,
    private readonly store: PgtableStore,
    private readonly frames: FrameSink,
    private readonly global: boolean,
    private readonly nrFrames: number,
  ) {
    const n = arch.nrCpus;
    this.next = new Int32Array(n);
    this.liveStart = new Int32Array(n * MERMAP_MAX_LIVE);
    this.liveCount = new Int32Array(n * MERMAP_MAX_LIVE);
    this.mappedSinceFlush = Array.from({ length: n }, () => []);
    this.mappedBits = new Array<Uint32Array | null>(n).fill(null);
    this.pendingCpus = (arch.lease ?? new ArrayLease()).take(Uint16Array, nrFrames);
  }

  /** Was `pfn` mapped on `cpu` since that CPU's last mermap flush? */
  private mappedOn(cpu: number, pfn: number): boolean {
    const bits = this.mappedBits[cpu];
    return bits !== null && (bits[pfn >>> 5] & (1 << (pfn & 31))) !== 0;
  }

  /** Usable pages per window: the last one is reserved for mermap_get_reserved(). */
  usablePages(): number {
    return this.arch.layout.mermapWindowPages - 1;
  }

  windowBase(cpu: number): number {
    return this.arch.layout.mermapBase + cpu * this.arch.layout.mermapWindowPages * PAGE_SIZE;
  }

  /**
   * mermap_get(page, size, prot) on `cpu` in `mm` (the current process's mm-local region; init_mm for
   * a kernel thread): `pages` physically consecutive frames from `pfn`, one allocation. Returns the
   * virtual address, or -1 when the window cannot fit the request. `useReserve` is
   * mermap_get_reserved(): one page, allowed into the window's last page (mermap_alloc() drops
   * `cpu_end -= PAGE_SIZE` only for it; RFC mm/mermap.c).
   */
  get(cpu: number, mm: MmStruct, pfn: number, pages: number, useReserve = false): number {
    if (useReserve && pages !== 1) return -1; // WARN_ON_ONCE(size != PAGE_SIZE)
    const usable = useReserve ? this.arch.layout.mermapWindowPages : this.usablePages();
    let slot = -1;
    for (let i = 0; i < MERMAP_MAX_LIVE; i++) {
      if (this.liveCount[cpu * MERMAP_MAX_LIVE + i] === 0) {
        slot = i;
        break;
      }
    }
    if (slot < 0 || pages > usable) return -1;
    let start = this.next[cpu];
    if (start + pages > usable) {
      // Restart after the highest live allocation; entries below it may be stale → flush locally.
      let restart = 0;
      for (let i = 0; i < MERMAP_MAX_LIVE; i++) {
        const c = this.liveCount[cpu * MERMAP_MAX_LIVE + i];
        if (c > 0) restart = Math.max(restart, this.liveStart[cpu * MERMAP_MAX_LIVE + i] + c);
      }
      if (restart + pages > usable) return -1;
      this.flushWindow(cpu);
      start = restart;
    }
    this.liveStart[cpu * MERMAP_MAX_LIVE + slot] = start;
    this.liveCount[cpu * MERMAP_MAX_LIVE + slot] = pages;
    this.next[cpu] = start + pages;
    const base = this.windowBase(cpu) + start * PAGE_SIZE;
    // arch_mermap_pgprot_allowed() rejects _PAGE_GLOBAL; the buggy variant sets it anyway.
    const prot = PTE_PRESENT | PTE_WRITE | (this.global ? PTE_GLOBAL : 0);
    for (let i = 0; i < pages; i++) {
      const addr = base + i * PAGE_SIZE;
      const table = this.store.walk(cpu, mm, addr, 1, true);
      if (table < 0) throw new Error('mermap: page tables were not prepared');
      // Marked before the store, so the invariants judging the store already see a mermap frame.
      this.frames.setFlag(pfn + i, FRAME_MERMAP, true);
      this.store.setEntry(cpu, mm, 1, table, tableIndex(addr, 1), addr, mkPte(pfn + i, prot));
      const f = pfn + i;
      if (!this.mappedOn(cpu, f)) {
        const bits = (this.mappedBits[cpu] ??= new Uint32Array(Math.ceil(this.nrFrames / 32)));
        bits[f >>> 5] |= 1 << (f & 31);
        this.mappedSinceFlush[cpu].push(f);
        this.pendingCpus[f]++;
      }
    }
    return base;
  }

  /** mermap_put(): sentinel PTEs, no flush; the allocation slot is released. */
  put(cpu: number, mm: MmStruct, addr: number): void {
    const index = (addr - this.windowBase(cpu)) / PAGE_SIZE;
    for (let i = 0; i < MERMAP_MAX_LIVE; i++) {
      const k = cpu * MERMAP_MAX_LIVE + i;
      if (this.liveCount[k] > 0 && this.liveStart[k] === index) {
        for (let p = 0; p < this.liveCount[k]; p++) {
          const va = addr + p * PAGE_SIZE;
          const table = this.store.walk(cpu, mm, va, 1, false);
          if (table >= 0) this.store.setEntry(cpu, mm, 1, table, tableIndex(va, 1), va, MERMAP_UNMAPPED_PTE);
        }
        this.liveCount[k] = 0;
        return;
      }
    }
    throw new Error(`mermap: no live allocation at ${addr}`);
  }

  /** arch_mermap_flush_tlb() on `cpu`: every frame mapped there since the last flush is unreachable after it. */
  flushWindow(cpu: number): void {
    this.arch.tlb.mermapFlushTlb(cpu);
    this.flushes++;
    const list = this.mappedSinceFlush[cpu];
    const bits = this.mappedBits[cpu];
    for (const pfn of list) {
      bits![pfn >>> 5] &= ~(1 << (pfn & 31));
      if (--this.pendingCpus[pfn] === 0) this.frames.setFlag(pfn, FRAME_MERMAP, false);
    }
    list.length = 0;
  }

  /** The caller's obligation before freeing a mermapped page: flush every CPU that mapped it. */
  flushBeforeFree(pfn: number): void {
    for (let cpu = 0; cpu < this.mappedSinceFlush.length && this.pending(pfn); cpu++) {
      if (this.mappedOn(cpu, pfn)) this.flushWindow(cpu);
    }
  }

  /** Whether `pfn` was mapped on some CPU since that CPU's last mermap flush. */
  pending(pfn: number): boolean {
    return pfn >= 0 && pfn < this.nrFrames && this.pendingCpus[pfn] > 0;
  }
}
