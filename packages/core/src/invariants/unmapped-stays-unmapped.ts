import { FrameState } from '../contracts/frame-book.js';
import { directMapFlags, hex, recordVaOf, staleDirectMapTo } from './bits.js';
import { judgeRange, type RangeSelection } from './frame-range.js';
import type { Invariant, InvariantContext } from './invariant.js';
import { FACT_UNMAPPED } from './frame-facts.js';

/** The frames of a changed range this invariant judges (frame-range.ts). */
const SELECT: RangeSelection = { marks: ['unmapped'], active: 'unmapped-stays-unmapped' };

/**
 * `unmapped-stays-unmapped` (spec INV-UNMAPPED): a frame handed out as unmapped (`__GFP_UNMAPPED`,
 * frame book `Unmapped`), or waiting in an unmapped pool (`UnmappedPool`), is reachable through a
 * direct-map entry — present in the kernel page tables, or possibly cached on some CPU. Judged when the
 * frame book hands the frame out and at every later change of the frame's reach.
 */
export const unmappedStaysUnmapped: Invariant = {
  id: 'unmapped-stays-unmapped',
  description: 'A frame handed out as unmapped is reachable through a direct-map entry, present or cached.',
  // A frame neither handed out unmapped nor in an unmapped pool is settled (judge, judgeMarked).
  quietUnless: { frameState: FACT_UNMAPPED, framesChanged: FACT_UNMAPPED },
  frameState(ctx, pfn) {
    judge(ctx, pfn);
  },
  framesChanged(ctx, first, count) {
    judgeRange(ctx, first, count, SELECT, judgeMarked);
  },
};

function judge(ctx: InvariantContext, f: number): void {
  const m = ctx.m;
  if (f >= m.frames.count) return;
  const st = ctx.book.state(f);
  if (st !== FrameState.Unmapped && st !== FrameState.UnmappedPool) {
    ctx.settle('unmapped-stays-unmapped', f);
    return;
  }
  if (directMapFlags(m, f) >= 0) {
    ctx.raise('unmapped-stays-unmapped', f, {
      cpu: null,
      address: m.directMapVa(f),
      frame: f,
      explanation: `frame ${f} was handed out unmapped but its direct-map entry is present`,
    });
    return;
  }
  for (const rec of staleDirectMapTo(m, f)) {
    const va = recordVaOf(m.staleLeaf, rec, f);
    ctx.raise('unmapped-stays-unmapped', f, {
      cpu: m.staleLeaf.holders(rec)[0] ?? null,
      address: va,
      frame: f,
      explanation: `frame ${f} was handed out unmapped but a direct-map entry for ${hex(va)} may still be cached`,
    });
    return;
  }
  ctx.settle('unmapped-stays-unmapped', f);
}

/** A frame of a changed range: judged while it is (or was, and its violation is raised) unmapped. */
function judgeMarked(ctx: InvariantContext, f: number): void {
  const st = ctx.book.state(f);
  if (
    st === FrameState.Unmapped ||
    st === FrameState.UnmappedPool ||
    ctx.active('unmapped-stays-unmapped', f)
  ) {
    judge(ctx, f);
  }
}
