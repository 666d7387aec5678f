// linux-mm's frame bookkeeping, sent to core's FrameBook (what the invariants read) and mirrored on the
// MMU's frame tags: a frame returning to the buddy allocator is freed on the machine, so its generation
// moves on and any translation captured before becomes a use-after-free path (DESIGN §2 "Frames").
import { FrameState, type FrameBook } from '@shootdown/core';
import type { FrameSink } from '@shootdown/linux-mm';
import type { Machine } from '@shootdown/mmu';

export function frameSinkFor(book: FrameBook, machine: Machine): FrameSink {
  const frames = machine.frames;
  return {
    setState(pfn, state) {
      book.setState(pfn, state);
      switch (state) {
        case FrameState.Free:
        case FrameState.UnmappedPool:
          if (!frames.isFree(pfn)) frames.free(pfn);
          break;
        case FrameState.PageTable:
          frames.setTag(pfn, 'page-table');
          break;
        case FrameState.Reserved:
          if (frames.isFree(pfn)) frames.setTag(pfn, 'kernel-text');
          break;
        default:
          if (frames.tag(pfn) !== 'data') frames.setTag(pfn, 'data');
      }
    },
    setFlag: (pfn, flag, on) => book.setFlag(pfn, flag, on),
    setExpectedKey: (pid, start, end, key) => book.setExpectedKey(pid, start, end, key),
    clearExpectedKey: (pid, start, end) => book.clearExpectedKey(pid, start, end),
    markRevoked: (pfns) => book.markRevoked(pfns),
  };
}
