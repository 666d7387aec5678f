// The frame book of a hardware-level run. At the OS level the policy keeps the book (its page allocator
// says which frames are free, data, page tables); under `raw-mmu` there is no OS, so the MMU's own frame
// tags are the only record of what a frame is: the `hw:` block and `table-alloc` tag frames in use,
// `table-free` frees them. Reading the state from the tags keeps every invariant that asks "is this frame
// free?" (stale-exec-alias, stale-after-free) from taking a frame in use for a free one — an executable
// mapping of a declared frame is not a stale executable alias of free memory.
import { FrameState, FrameTable, type FrameMark } from '@shootdown/core';
import { TAG_FREE, TAG_PAGE_TABLE, type Machine } from '@shootdown/mmu';

export class MachineFrameBook extends FrameTable {
  constructor(private readonly machine: Machine) {
    super(machine.frames.count);
  }

  override state(pfn: number): FrameState {
    const tag = this.machine.frames.tagIdOf(pfn);
    if (tag === TAG_FREE) return FrameState.Free;
    return tag === TAG_PAGE_TABLE ? FrameState.PageTable : FrameState.Allocated;
  }

  // The `free` mark follows the state: free is what the MMU's tags say.
  override anyMarked(mark: FrameMark, first: number, end: number): boolean {
    return mark === 'free' ? this.machine.frames.anyFree(first, end) : super.anyMarked(mark, first, end);
  }

  override framesMarked(mark: FrameMark, first: number, end: number, visit: (pfn: number) => void): void {
    if (mark !== 'free') return super.framesMarked(mark, first, end, visit);
    const frames = this.machine.frames;
    for (let f = first, e = Math.min(end, frames.count); f < e; f++) if (frames.isFree(f)) visit(f);
  }
}
