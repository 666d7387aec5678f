import { hex } from './bits.js';
import type { Invariant } from './invariant.js';

/**
 * `double-use` (Casemate's "double-use pte", rems-project/casemate src/lib/src/model.c `mark_cb`): a
 * page-table frame is linked into a tree at a second place without having been freed since its first
 * link — either while that link is still in place, or after it was unlinked but before a TLBI + DSB
 * made the unlink clean (a walk-cache entry of the old link may still point at it; Casemate unmarks a
 * table only once its parent's invalid entry is clean, examples/tests/bad_reuse_page.c). A frame that
 * was freed and handed out again is not double-used: that case is `pagetable-reuse`. Judged at the
 * store that links it.
 */
export const doubleUse: Invariant = {
  id: 'double-use',
  description:
    'A page-table frame is linked at a second place without being freed first: still linked elsewhere, or unlinked without TLBI + DSB since.',
  tableLinked(ctx, l) {
    if (l.freedSince) return; // its first place predates a free: pagetable-reuse's case
    if (l.otherLinks === 0 && !l.unclean) return;
    const why =
      l.otherLinks > 0
        ? `it is still linked at ${l.otherLinks} other place${l.otherLinks > 1 ? 's' : ''}`
        : 'its previous link was removed without TLBI + DSB (a walk-cache entry may still point at it)';
    // Each offending link is its own event.
    ctx.raise('double-use', l.pfn, {
      cpu: null,
      address: l.space >= 0 ? l.va : null,
      frame: l.pfn,
      explanation: `page-table frame ${l.pfn} was linked${l.space >= 0 ? ` at ${hex(l.va)}` : ''} while ${why}`,
    });
    ctx.settle('double-use', l.pfn);
  },
};
