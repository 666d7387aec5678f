import { FrameState } from '../contracts/frame-book.js';
import { directMapFlags, isExec, isWritable } from './bits.js';
import type { Invariant } from './invariant.js';
import { FACT_FREED } from './frame-facts.js';

/**
 * `direct-map-default` (spec INV-DMAP-DEFAULT): when a frame reaches the page allocator (the frame book
 * moves it to `Free`), its linear-map entry must be the default one — present, writable, not
 * executable. Frames going to an unmapped pool (`UnmappedPool`) are exempt: having no direct-map entry
 * is their point. Linux keeps this with VM_FLUSH_RESET_PERMS (mm/vmalloc.c `vm_reset_perms`).
 */
export const directMapDefault: Invariant = {
  id: 'direct-map-default',
  description:
    'A frame reaches the page allocator with a non-default direct-map entry (not present, read-only or executable); unmapped-pool frames are exempt.',
  // Only a frame the book moves to Free is judged; any other move settles.
  quietUnless: { frameState: FACT_FREED },
  frameState(ctx, pfn, _from, to) {
    if (to !== FrameState.Free) {
      ctx.settle('direct-map-default', pfn);
      return;
    }
    const m = ctx.m;
    if (m.kernelSpace < 0) return;
    const flags = directMapFlags(m, pfn);
    const problem =
      flags < 0 ? 'not present' : !isWritable(flags) ? 'read-only' : isExec(flags) ? 'executable' : null;
    if (problem === null) {
      ctx.settle('direct-map-default', pfn);
      return;
    }
    ctx.raise('direct-map-default', pfn, {
      cpu: null,
      address: m.directMapVa(pfn),
      frame: pfn,
      explanation: `frame ${pfn} was returned to the page allocator with its direct-map entry ${problem}`,
    });
  },
};
