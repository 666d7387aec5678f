import { FrameState } from '../contracts/frame-book.js';
import { hex, isExec, recordVaOf, staleGrantsMore, staleLeafTo, validBeforeFree } from './bits.js';
import { judgeRange, type RangeSelection } from './frame-range.js';
import type { Invariant, InvariantContext } from './invariant.js';
import { FACT_EXEC } from './frame-facts.js';

/**
 * The frames of a changed range this invariant judges (frame-range.ts): executable through something,
 * and free (to the MMU or the page allocator) or reached by a translation older than their last free —
 * the two conditions of a raise below.
 */
const SELECT: RangeSelection = {
  reach: ['exec'],
  within: { free: true, marks: ['free'], reach: ['after-free'] },
  active: 'stale-exec-alias',
};

/**
 * `stale-exec-alias` (spec INV-XALIAS): a CPU holds, or may hold, an executable translation of a frame
 * that is free, or that was freed and handed out again while the translation predates the free.
 * Judged for every frame whose reach changes (each store, invalidation, free) and whenever the frame
 * book moves a frame. Valid entries count as possibly cached everywhere (adversarial model).
 */
export const staleExecAlias: Invariant = {
  id: 'stale-exec-alias',
  description:
    'A CPU holds (or may hold) an executable entry for a frame that is free, or that was reallocated after the entry was captured.',
  // A frame nothing executes is settled (judge's first test).
  quietUnless: { frameState: FACT_EXEC, framesChanged: FACT_EXEC },
  framesChanged(ctx, first, count) {
    // Only a frame executable through something can be in breach.
    judgeRange(ctx, first, count, SELECT, judge);
  },
  frameState(ctx, pfn) {
    judge(ctx, pfn);
  },
};

function isFreeFrame(ctx: InvariantContext, f: number): boolean {
  const s = ctx.book.state(f);
  return s === FrameState.Free || s === FrameState.UnmappedPool || ctx.m.frames.isFree(f);
}

function judge(ctx: InvariantContext, f: number): void {
  const r = ctx.m.reverse;
  if (f >= ctx.m.frames.count) return;
  if (r.validX(f) + r.staleX(f) === 0) {
    ctx.settle('stale-exec-alias', f);
    return;
  }
  const free = isFreeFrame(ctx, f);
  const freedAt = ctx.m.frames.freedAt[f];
  // The stale records are named when they carry the exec right (and, for a reused frame, predate the free).
  for (const rec of staleLeafTo(ctx.m, f)) {
    const s = ctx.m.staleLeaf;
    if (!isExec(s.flags[rec])) continue;
    // Stryker disable next-line EqualityOperator: equivalent — store and free times are distinct ticks of one clock
    if (!free && s.since[rec] >= freedAt) continue;
    if (!staleGrantsMore(ctx.m, rec, f)) continue;
    const va = recordVaOf(s, rec, f);
    ctx.raise('stale-exec-alias', f, {
      cpu: s.holders(rec)[0] ?? null,
      address: va,
      frame: f,
      explanation: `frame ${f} is ${free ? 'free' : 'reused'} but a stale executable entry for ${hex(va)} may still be cached`,
    });
    return;
  }
  if (r.validX(f) > 0 && (free || validBeforeFree(ctx.m, f) > 0)) {
    ctx.raise('stale-exec-alias', f, {
      cpu: null,
      address: null,
      frame: f,
      explanation: `frame ${f} is ${free ? 'free' : 'reused'} but a present executable entry still maps it`,
    });
    return;
  }
  ctx.settle('stale-exec-alias', f);
}
