/**
 * linux-mm's frame bookkeeping, sent to core's FrameBook (what the invariants read) and mirrored on the
 * MMU's frame tags: a frame going back to the buddy allocator is freed on the machine, so its generation
 * moves on and any translation captured before becomes a use-after-free path (DESIGN §2 "Frames"); a
 * frame handed out is tagged by its use. Both Linux plug-ins feed their LinuxMm through this.
 */
import {
  FrameState,
  SHARED_WORK,
  type FrameBook,
  type Pfn,
  type Pid,
  type SharedWork,
  type Va,
} from '@shootdown/core';
import type { Machine } from '@shootdown/mmu';
import type { FrameSink } from './frame-events.js';

/**
 * `reservedTag`: the tag a reserved frame (memblock-reserved, never given to the buddy allocator) gets
 * when the machine still holds it free; null when the arch's boot code tags its reserved frames itself
 * (arm64 tags the image and its early page-table chunks as it builds them).
 */
export function machineFrameSink(book: FrameBook, machine: Machine, reservedTag: string | null): FrameSink {
  return new MachineFrameSink(book, machine, reservedTag);
}

/**
 * A class, not an object of closures: the allocator calls the sink at every frame event on every machine, and
 * an optimised caller that inlined one machine's closure was thrown away when the next machine's came.
 */
class MachineFrameSink implements FrameSink {
  private readonly frames: Machine['frames'];
  // Tag ids, looked up once: the sink runs at every frame event (tens of thousands in a `pressure` step).
  private readonly pageTable: number;
  private readonly data: number;
  private readonly counters: Machine['counters'];
  /**
   * Counter ids of the shared work, each resolved at that work's first charge — registering a counter
   * earlier would add it to snapshots where it never moved. A populate charges two per page: by name, each
   * was a map lookup.
   */
  private readonly workIds = new Int32Array(SHARED_WORK.length).fill(-1);

  constructor(
    private readonly book: FrameBook,
    private readonly machine: Machine,
    private readonly reservedTag: string | null,
  ) {
    this.frames = machine.frames;
    this.pageTable = this.frames.tagId('page-table');
    this.data = this.frames.tagId('data');
    this.counters = machine.counters;
  }

  setState(pfn: number, state: FrameState): void {
    this.book.setState(pfn, state);
    const frames = this.frames;
    switch (state) {
      case FrameState.Free:
      case FrameState.UnmappedPool:
        if (!frames.isFree(pfn)) frames.free(pfn);
        break;
      case FrameState.PageTable:
        frames.setTag(pfn, this.pageTable);
        break;
      case FrameState.Reserved:
        if (this.reservedTag !== null && frames.isFree(pfn)) frames.setTag(pfn, this.reservedTag);
        break;
      default:
        // Allocated / Unmapped: data. Re-tagging an already-data frame is skipped (no free-count change).
        if (frames.tagIdOf(pfn) !== this.data) frames.setTag(pfn, this.data);
    }
  }

  setFlag(pfn: number, flag: number, on: boolean): void {
    this.book.setFlag(pfn, flag, on);
  }

  setExpectedKey(pid: Pid, start: Va, end: Va, key: number): void {
    this.book.setExpectedKey(pid, start, end, key);
  }

  clearExpectedKey(pid: Pid, start: Va, end: Va): void {
    this.book.clearExpectedKey(pid, start, end);
  }

  markRevoked(pfns: readonly Pfn[]): void {
    this.book.markRevoked(pfns);
  }

  charge(work: SharedWork, n: number): void {
    // A slot per kind of core's SHARED_WORK (five names: a scan of interned strings, no hashing).
    const slot = SHARED_WORK.indexOf(work);
    if (slot < 0) return this.machine.charge(work, n); // not a shared-work name (untyped caller): by name
    let id = this.workIds[slot];
    if (id < 0) id = this.workIds[slot] = this.counters.id(work);
    this.counters.bump(id, n); // what machine.charge(work, n) does, by name
  }
}
