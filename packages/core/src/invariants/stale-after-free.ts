import { FrameState } from '../contracts/frame-book.js';
import { hex, recordVaOf, staleGrantsMore, staleLeafTo, validBeforeFree } from './bits.js';
import { judgeRange, type RangeSelection } from './frame-range.js';
import type { Invariant, InvariantContext } from './invariant.js';
import { FACT_AFTER_FREE } from './frame-facts.js';

/** The frames of a changed range this invariant judges (frame-range.ts). */
const SELECT: RangeSelection = { reach: ['after-free'], active: 'stale-after-free' };

/**
 * `stale-after-free`: a frame was freed and handed out again while a translation captured before the
 * free — a present entry never removed, or a possibly-cached stale one — still reaches it. A stale entry
 * that is merely less permissive than its current entry is the soft `stale-direct-map`, not this.
 */
export const staleAfterFree: Invariant = {
  id: 'stale-after-free',
  description:
    'A translation (valid or possibly cached) captured before a frame was freed reaches it after it was reused.',
  // A frame not in use again, or without a reacher older than its last free, judge settles (not reused;
  // validBeforeFree is 0); a free (cause 'free') only settles.
  quietUnless: { frameState: FACT_AFTER_FREE, framesChanged: FACT_AFTER_FREE },
  framesChanged(ctx, first, count, cause) {
    // The MMU announces a free before it tags the frame free (its Frames.free calls beforeFree first):
    // the frame is being freed, not reused, whatever the tag still says. Judged as reused here, a frame
    // freed while mapped — machine first, book after — was reported at its free.
    if (cause === 'free') {
      for (let f = first; f < first + count; f++) ctx.settle('stale-after-free', f);
      return;
    }
    // Only a frame with a reacher older than its last free can be in breach.
    judgeRange(ctx, first, count, SELECT, judge);
  },
  frameState(ctx, pfn) {
    judge(ctx, pfn);
  },
};

function judge(ctx: InvariantContext, f: number): void {
  const m = ctx.m;
  // A device frame past RAM (ioremap, a PFN mapping of a BAR or ROM) is never freed nor reused: the
  // page allocator never owns it (test/device-frames.test.ts).
  if (f >= m.frames.count) return;
  const st = ctx.book.state(f);
  const reused = !m.frames.isFree(f) && st !== FrameState.Free && st !== FrameState.UnmappedPool;
  // A frame not reused settles whatever reaches it: decided before validBeforeFree, whose software walk
  // of the linear map is the judgement's cost, and which a frame being freed or handed out (the MMU still
  // holding it free) would otherwise pay at every frame event. The walk is made once per judgement.
  if (!reused) {
    ctx.settle('stale-after-free', f);
    return;
  }
  const validBefore = validBeforeFree(m, f);
  if (validBefore + m.reverse.staleAfterFree(f) === 0) {
    ctx.settle('stale-after-free', f);
    return;
  }
  const freedAt = m.frames.freedAt[f];
  // The kernel's linear-map alias reaches every frame for the machine's whole life (as validBeforeFree
  // says of its present entry): a cached copy of it from before the free is the translation the new owner
  // has too, not the old owner's path. A frame handed out unmapped is the exception, judged by
  // unmapped-stays-unmapped; there the old alias is the breach.
  const linearMapIsOwn = st !== FrameState.Unmapped && m.kernelSpace >= 0;
  const linearVa = linearMapIsOwn ? m.directMapVa(f) : -1;
  for (const rec of staleLeafTo(m, f)) {
    const s = m.staleLeaf;
    // Stryker disable next-line EqualityOperator: equivalent — store and free times are distinct ticks of one clock
    if (s.since[rec] >= freedAt || !staleGrantsMore(m, rec, f)) continue;
    const va = recordVaOf(s, rec, f);
    if (va === linearVa && s.space[rec] === m.kernelSpace) continue;
    ctx.raise('stale-after-free', f, {
      cpu: s.holders(rec)[0] ?? null,
      address: va,
      frame: f,
      explanation: `frame ${f} was freed and reused, but a stale entry for ${hex(va)} captured before the free may still be cached`,
    });
    return;
  }
  if (validBefore === 0) {
    ctx.settle('stale-after-free', f);
    return;
  }
  ctx.raise('stale-after-free', f, {
    cpu: null,
    address: null,
    frame: f,
    explanation: `frame ${f} was freed and reused while a present entry stored before the free still maps it`,
  });
}
