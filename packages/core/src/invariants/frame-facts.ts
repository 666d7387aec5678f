// What one frame is, as far as a one-frame judgement cares: a few facts read from the frame book and the
// MMU's reach counts. An invariant names the facts without which its one-frame judgement only settles a key
// (Invariant.frameFacts); the monitor reads a frame's facts once per event and skips the judgements that
// could do nothing — at a `pressure` step that is nearly all of them, tens of thousands of times.
import { FRAME_MERMAP, FRAME_REVOKED, FrameState } from '../contracts/frame-book.js';
import type { FrameBook } from '../contracts/frame-book.js';
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
