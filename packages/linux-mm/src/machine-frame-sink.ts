/**
 * linux-mm's frame bookkeeping, sent to core's FrameBook (what the invariants read) and mirrored on the
 * MMU's frame tags: a frame going back to the buddy allocator is freed on the machine, so its generation
 * moves on and any translation captured before becomes a use-after-free path (DESIGN §2 "Frames"); a
 * frame handed out is tagged by its use. Both Linux plug-ins feed their LinuxMm through this.
 */
import { FrameState, type FrameBook, type SharedWork } from '@shootdown/core';
import type { Machine } from '@shootdown/mmu';
import type { FrameSink } from './frame-events.js';

/**
 * `reservedTag`: the tag a reserved frame (memblock-reserved, never given to the buddy allocator) gets
 * when the machine still holds it free; null when the arch's boot code tags its reserved frames itself
 * (arm64 tags the image and its early page-table chunks as it builds them).
 */
export function machineFrameSink(book: FrameBook, machine: Machine, reservedTag: string | null): FrameSink {
  const frames = machine.frames;
  // Tag ids, looked up once: the sink runs at every frame event (tens of thousands in a `pressure` step).
  const pageTable = frames.tagId('page-table');
  const data = frames.tagId('data');
  // Counter ids of the shared work, each resolved at that work's first charge — registering a counter
  // earlier would add it to snapshots where it never moved. A populate charges two per page: by name, each
  // was a map lookup.
  const counters = machine.counters;
  const workIds = new Int32Array(WORK_SLOTS).fill(-1);
  return {
    setState(pfn, state) {
      book.setState(pfn, state);
      switch (state) {
        case FrameState.Free:
        case FrameState.UnmappedPool:
          if (!frames.isFree(pfn)) frames.free(pfn);
          break;
        case FrameState.PageTable:
          frames.setTag(pfn, pageTable);
          break;
        case FrameState.Reserved:
          if (reservedTag !== null && frames.isFree(pfn)) frames.setTag(pfn, reservedTag);
          break;
        default:
          // Allocated / Unmapped: data. Re-tagging an already-data frame is skipped (no free-count change).
          if (frames.tagIdOf(pfn) !== data) frames.setTag(pfn, data);
      }
    },
    setFlag: (pfn, flag, on) => book.setFlag(pfn, flag, on),
    setExpectedKey: (pid, start, end, key) => book.setExpectedKey(pid, start, end, key),
    clearExpectedKey: (pid, start, end) => book.clearExpectedKey(pid, start, end),
    markRevoked: (pfns) => book.markRevoked(pfns),
    charge(work, n) {
      const slot = workSlot(work);
      if (slot < 0) return machine.charge(work, n);
      let id = workIds[slot];
      if (id < 0) id = workIds[slot] = counters.id(work);
      counters.bump(id, n); // what machine.charge(work, n) does, by name
    },
  };
}

const WORK_SLOTS = 5;

/** A slot per kind of shared work (core's SHARED_WORK). */
function workSlot(work: SharedWork): number {
  switch (work) {
    case 'page_alloc':
      return 0;
    case 'zero_page':
      return 1;
    case 'fault':
      return 2;
    case 'copy_page':
      return 3;
    case 'syscall':
      return 4;
    default:
      return -1; // a kind added to SHARED_WORK later: charged by name
  }
}
