import { FRAME_MERMAP, FrameState } from '../contracts/frame-book.js';
import { hex, recordVaOf, staleLeafTo } from './bits.js';
import type { Invariant } from './invariant.js';
import { FACT_FREED } from './frame-facts.js';

/** The window the Linux mermap lives in (spec linux.md §4.4); other policies have none. */
const MERMAP_WINDOW = 'linux.mermap';

/**
 * `mermap-free` (spec INV-MERMAP-FREE): a frame is freed (frame book → `Free` or `UnmappedPool`) while a
 * mermap entry still reaches it — the window is still marked on the frame (`FRAME_MERMAP`), or a
 * possibly-cached entry inside the policy's `linux.mermap` window translates to it on some CPU.
 */
export const mermapFree: Invariant = {
  id: 'mermap-free',
  description: 'A frame is freed while a mermap entry still reaches it.',
  // Only a frame the book moves to Free or UnmappedPool is judged; any other move settles.
  quietUnless: { frameState: FACT_FREED },
  frameState(ctx, pfn, _from, to) {
    if (to !== FrameState.Free && to !== FrameState.UnmappedPool) {
      ctx.settle('mermap-free', pfn);
      return;
    }
    if ((ctx.book.flags(pfn) & FRAME_MERMAP) !== 0) {
      ctx.raise('mermap-free', pfn, {
        cpu: null,
        address: null,
        frame: pfn,
        explanation: `frame ${pfn} was freed while still mapped in the mermap`,
      });
      return;
    }
    const w = ctx.env.window(MERMAP_WINDOW);
    if (w !== undefined) {
      for (const rec of staleLeafTo(ctx.m, pfn)) {
        const va = recordVaOf(ctx.m.staleLeaf, rec, pfn);
        if (va < w.start || va >= w.end) continue;
        ctx.raise('mermap-free', pfn, {
          cpu: ctx.m.staleLeaf.holders(rec)[0] ?? null,
          address: va,
          frame: pfn,
          explanation: `frame ${pfn} was freed while a mermap entry for ${hex(va)} may still be cached`,
        });
        return;
      }
    }
    ctx.settle('mermap-free', pfn);
  },
};
