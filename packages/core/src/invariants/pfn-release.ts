import { FRAME_REVOKED } from '../contracts/frame-book.js';
import { directMapFlags, hex, isDirectMapVa, recordVaOf, staleLeafTo } from './bits.js';
import { judgeRange, type RangeSelection } from './frame-range.js';
import type { Invariant, InvariantContext } from './invariant.js';
import { FACT_REVOKED } from './frame-facts.js';

/** The frames of a changed range this invariant judges (frame-range.ts). */
const SELECT: RangeSelection = { marks: ['revoked'] };

/**
 * `pfn-release` (spec INV-PFN-RELEASE, CVE-2022-39188): after an operation revoking a PFN mapping
 * (`unmap_mapping_range`) returns, a CPU still translates to one of its frames — through a present user
 * entry or a possibly-cached stale one. The kernel's own linear-map alias does not count. Judged when
 * the revoking operation returns and at every store after it (DESIGN §3), not only when the process's
 * own unmap returns.
 */
export const pfnRelease: Invariant = {
  id: 'pfn-release',
  description: 'After an unmap of a PFN mapping returns, a CPU still translates to one of its PFNs.',
  // A frame is judged while revoked (judgeRevoked).
  quietUnless: { framesChanged: FACT_REVOKED },
  revoked(ctx, pfns) {
    for (const f of pfns) judgeRevoked(ctx, f);
  },
  framesChanged(ctx, first, count) {
    judgeRange(ctx, first, count, SELECT, judgeRevoked);
  },
};

/** A revoked frame (judgeRevoked is the only caller). */
function judge(ctx: InvariantContext, f: number): void {
  const m = ctx.m;
  for (const rec of staleLeafTo(m, f)) {
    const va = recordVaOf(m.staleLeaf, rec, f);
    if (isDirectMapVa(m, va)) continue;
    ctx.raise('pfn-release', f, {
      cpu: m.staleLeaf.holders(rec)[0] ?? null,
      address: va,
      frame: f,
      explanation: `PFN ${f} was revoked but a stale entry for ${hex(va)} may still translate to it`,
    });
    return;
  }
  const valid = m.reverse.validRefs(f) - (directMapFlags(m, f) >= 0 ? 1 : 0);
  if (valid > 0) {
    ctx.raise('pfn-release', f, {
      cpu: null,
      address: null,
      frame: f,
      explanation: `PFN ${f} was revoked but a present entry still maps it`,
    });
    return;
  }
  ctx.settle('pfn-release', f);
}

/**
 * A frame of a changed range, or one the revoking operation just marked: judged while revoked. No policy
 * clears the flag (a revoked PFN stays revoked for the run), and the frame book has a flag word for each of
 * the machine's frames only — a frame beyond it reads no flag and is not judged.
 */
function judgeRevoked(ctx: InvariantContext, f: number): void {
  if ((ctx.book.flags(f) & FRAME_REVOKED) !== 0) judge(ctx, f);
}
