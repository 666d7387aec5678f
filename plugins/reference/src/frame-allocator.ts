// The reference page allocator: one byte per frame, first fit over naturally aligned blocks. Nothing
// clever — no per-CPU lists, no freetypes — because the baseline is about flushing, not allocation.
import type { Pfn } from '@shootdown/core';
import { ArrayLease } from '@shootdown/mmu';

export class FrameAllocator {
  readonly used: Uint8Array;
  #free: number;
  #cursor = 0;

  /** `lease`: where the per-frame array comes from (the machine's, recycled with it; default: a new one). */
  constructor(
    readonly count: number,
    lease: ArrayLease = new ArrayLease(),
  ) {
    this.used = lease.take(Uint8Array, count);
    this.#free = count;
  }

  get freeFrames(): number {
    return this.#free;
  }

  isFree(pfn: Pfn): boolean {
    return this.used[pfn] === 0;
  }

  /** A free, naturally aligned block of 2^order frames, or -1. `want` is tried first (scenario `reuse`). */
  take(order: number, want?: Pfn): Pfn {
    const n = 1 << order;
    if (want !== undefined && want % n === 0 && this.#blockFree(want, n)) return this.#mark(want, n);
    for (let k = 0; k < this.count; k += n) {
      const p = (((this.#cursor + k) % this.count) & ~(n - 1)) >>> 0;
      if (this.#blockFree(p, n)) {
        this.#cursor = p + n;
        return this.#mark(p, n);
      }
    }
    return -1;
  }

  release(pfn: Pfn, order: number): void {
    const n = 1 << order;
    for (let i = 0; i < n; i++) {
      if (this.used[pfn + i] === 0) throw new Error(`frame ${pfn + i} freed twice`);
      this.used[pfn + i] = 0;
    }
    this.#free += n;
  }

  #blockFree(p: Pfn, n: number): boolean {
    if (p < 0 || p + n > this.count) return false;
    for (let i = 0; i < n; i++) if (this.used[p + i] !== 0) return false;
    return true;
  }

  #mark(p: Pfn, n: number): Pfn {
    this.used.fill(1, p, p + n);
    this.#free -= n;
    return p;
  }
}
