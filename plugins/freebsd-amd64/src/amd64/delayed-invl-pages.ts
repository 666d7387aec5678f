// Delayed invalidation, per page (sys/amd64/amd64/pmap.c pmap_delayed_invl_start / _page / _finish / _wait;
// spec freebsd-amd64.md §7.4). pmap_remove may drop the PV list lock before its shootdown completed; a page it
// removed is stamped with the removing thread's DI generation, and whoever needs "no mapping of m anywhere,
// TLBs included" waits in pmap_delayed_invl_wait(m) until that block finished. Here the waiter is the frame
// free: a frame stamped by an open block is returned to the allocator only when the block finishes, so a
// nested operation (an `interleave` at `cleared`) cannot hand it out while a CPU may still cache it.
import type { Counters } from '@shootdown/core';
import { ArrayLease } from '@shootdown/mmu';

export class DelayedInvl {
  /** Open DI blocks that stamped each frame. */
  private readonly pending: Uint16Array;
  private readonly deferred: number[] = [];
  private stamped: number[] = [];
  private depth = 0;

  constructor(
    frames: number,
    private readonly counters: Counters,
    private readonly release: (pfn: number) => void,
    /** Where the per-frame array comes from (the machine's, recycled with it; default: a new one). */
    lease: ArrayLease = new ArrayLease(),
  ) {
    this.pending = lease.take(Uint16Array, frames);
  }

  /** pmap_delayed_invl_start. */
  start(): void {
    this.depth++;
  }

  /** pmap_delayed_invl_page(m). */
  page(pfn: number): void {
    this.pending[pfn]++;
    this.stamped.push(pfn);
  }

  /** pmap_delayed_invl_finish: the block's shootdown is complete; waiters on its pages proceed. */
  finish(): void {
    for (const p of this.stamped) this.pending[p]--;
    this.stamped = [];
    this.depth--;
    if (this.depth > 0) return;
    const ready = this.deferred.splice(0);
    for (const p of ready) this.release(p);
  }

  /** Free `pfn` now, or — pmap_delayed_invl_wait — once the blocks that stamped it finished. */
  free(pfn: number): void {
    if (this.pending[pfn]! > 0) {
      this.counters.add('freebsd.di_wait');
      this.deferred.push(pfn);
      return;
    }
    this.release(pfn);
  }
}
