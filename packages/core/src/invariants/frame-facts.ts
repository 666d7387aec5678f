// What one frame is, as far as a one-frame judgement cares: a few facts read from the frame book and the
// MMU's reach counts. An invariant names the facts without which its one-frame judgement only settles a key
// (Invariant.frameFacts); the monitor reads a frame's facts once per event and skips the judgements that
// could do nothing — at a `pressure` step that is nearly all of them, tens of thousands of times.
import { FRAME_MERMAP, FRAME_REVOKED, FrameState } from '../contracts/frame-book.js';
import type { FrameBook } from '../contracts/frame-book.js';
import type { FrameMark } from './frame-table.js';
import type { MachineView } from './machine-view.js';

/** The frame book marks it revoked (a PFN mapping of it was revoked). */
export const FACT_REVOKED = 1;
/** The frame book marks it as mapped in a mermap window. */
export const FACT_MERMAP = 2;
/** The frame book has it handed out unmapped, or in an unmapped pool. */
export const FACT_UNMAPPED = 4;
/** Something executes it: a present or a possibly-cached stale translation with an execute right. */
export const FACT_EXEC = 8;
/**
 * In use again (neither the MMU nor the frame book holds it free) while a translation older than its last
 * free reaches it (present or stale).
 */
export const FACT_AFTER_FREE = 16;
/** Frame-state events only: the book has just moved it to `Free` or `UnmappedPool`. */
export const FACT_FREED = 32;
/** Every fact: a frame the book and the MMU do not both describe (a device frame past RAM). */
export const ALL_FACTS = 63;

/**
 * The facts of `pfn` now; `to`: the state the frame book just gave it (a frame-state event), else -1.
 *
 * Every comparison and every `|=` below runs at every call, whatever the frame: V8 inlines this into the
 * monitor's event handlers, and an `if (…) facts |= X` or a short-circuited comparison that had not run by
 * the time those were optimised (the first revoked, mermap or executable frame, scenarios later) had no type
 * feedback, so reaching it threw the compiled handlers away to be compiled again. Reading every count for
 * every frame costs a few loads.
 */
export function frameFacts(m: MachineView, book: FrameBook, pfn: number, to: number): number {
  if (pfn >= m.frames.count || pfn >= book.frames) return ALL_FACTS;
  const r = m.reverse;
  const flags = book.flags(pfn);
  const st = book.state(pfn);
  const exec = r.validX(pfn) + r.staleX(pfn) > 0;
  const reachedAfterFree = r.validAfterFree(pfn) + r.staleAfterFree(pfn) > 0;
  const mmuFree = m.frames.isFree(pfn);
  const stFree = st === FrameState.Free;
  const stPool = st === FrameState.UnmappedPool;
  const stUnmapped = st === FrameState.Unmapped;
  const toFreed = to === FrameState.Free;
  const toPool = to === FrameState.UnmappedPool;
  let facts = (flags & FRAME_REVOKED) !== 0 ? FACT_REVOKED : 0;
  facts |= (flags & FRAME_MERMAP) !== 0 ? FACT_MERMAP : 0;
  facts |= stUnmapped || stPool ? FACT_UNMAPPED : 0;
  facts |= exec ? FACT_EXEC : 0;
  facts |= reachedAfterFree && !mmuFree && !stFree && !stPool ? FACT_AFTER_FREE : 0;
  facts |= toFreed || toPool ? FACT_FREED : 0;
  return facts;
}

/**
 * The facts any frame of [first, first+count) may have (a superset: a fact not in it, no frame of the range
 * has), read from the per-chunk counts of the MMU's reverse view and of the frame book, for a change that
 * reaches a block of frames. An invariant's range judgement judges its frames one by one; with none of its
 * facts anywhere in the range, each would only settle keys that are not raised, so the monitor skips the
 * whole range as it skips one quiet frame — a 1 GiB block is then judged by the two invariants about
 * executable frames, not by six. Without a source's chunk counts (a MachineView or book that cannot say),
 * that source's facts are assumed.
 */
export function rangeFacts(
  m: MachineView,
  book: FrameBook,
  first: number,
  count: number,
  anyMarked: ((mark: FrameMark, first: number, end: number) => boolean) | undefined,
): number {
  const end = first + count;
  if (end > m.frames.count || end > book.frames) return ALL_FACTS;
  const r = m.reverse;
  let facts = 0;
  if (r.anyWhere === undefined) facts |= FACT_EXEC | FACT_AFTER_FREE;
  else {
    facts |= r.anyWhere('exec', first, end) ? FACT_EXEC : 0;
    facts |= r.anyWhere('after-free', first, end) ? FACT_AFTER_FREE : 0;
  }
  if (anyMarked === undefined) facts |= FACT_REVOKED | FACT_MERMAP | FACT_UNMAPPED;
  else {
    facts |= anyMarked('revoked', first, end) ? FACT_REVOKED : 0;
    facts |= anyMarked('mermap', first, end) ? FACT_MERMAP : 0;
    facts |= anyMarked('unmapped', first, end) ? FACT_UNMAPPED : 0;
  }
  return facts;
}
