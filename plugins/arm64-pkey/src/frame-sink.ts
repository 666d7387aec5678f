// The frame bookkeeping linux-mm writes, forwarded to core's FrameBook (the invariants read it) and mirrored
// onto the MMU's frame tags: a frame going back to the allocator is freed on the machine (its generation moves
// on, so a translation captured before is a use-after-free path), a frame handed out is tagged by its use.
import type { Machine } from '@shootdown/mmu';
import { FrameState, type FrameBook } from '@shootdown/core';
import type { FrameSink } from '@shootdown/linux-mm';

export function machineFrameSink(book: FrameBook, machine: Machine): FrameSink {
  const frames = machine.frames;
  return {
    setState(pfn, state) {
      book.setState(pfn, state);
      if (state === FrameState.Free || state === FrameState.UnmappedPool) {
        if (!frames.isFree(pfn)) frames.free(pfn);
      } else if (state === FrameState.PageTable) {
        frames.setTag(pfn, 'page-table');
      } else if (state === FrameState.Allocated || state === FrameState.Unmapped) {
        frames.setTag(pfn, 'data');
      }
    },
    setFlag: (pfn, flag, on) => book.setFlag(pfn, flag, on),
    setExpectedKey: (pid, start, end, key) => book.setExpectedKey(pid, start, end, key),
    clearExpectedKey: (pid, start, end) => book.clearExpectedKey(pid, start, end),
    markRevoked: (pfns) => book.markRevoked(pfns),
  };
}
