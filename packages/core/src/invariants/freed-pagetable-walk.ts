import { added, hex, liveForScan, NO_FRAMES, recordCounts, recordVa } from './bits.js';
import type { Invariant } from './invariant.js';

/**
 * `freed-pagetable-walk` (spec INV-FREED-PT): after the operation that freed a page-table frame
 * returned, a walk-cache (paging-structure cache) entry on some CPU still points at it — a speculative
 * walk may then read whatever the frame holds next. Judged when each operation returns, from the MMU's
 * stale walk-cache records captured before the frame's last free. A table freed while its parent entry
 * still points at it is reached the same way, by a walk through that stale parent — in a tree a CPU has
 * loaded, or below a stale walk-cache entry (the MMU's `freedTableWalks`).
 */
export const freedPagetableWalk: Invariant = {
  id: 'freed-pagetable-walk',
  description: 'A walk-cache entry points at a page-table frame after the operation that freed it returned.',
  operationReturned(ctx) {
    const m = ctx.m;
    let now = NO_FRAMES;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent — fast path: with nothing to scan the scan finds nothing
    if (m.reverse.walkAfterFreeTotal > 0) {
      const s = m.staleWalk;
      const live = liveForScan(s);
      // Stryker disable next-line EqualityOperator: equivalent — a step past the end reads an undefined record, which counts for no CPU
      for (let i = 0; i < live.length; i++) {
        const r = live[i];
        const f = s.out[r];
        if (!recordCounts(m, s, r)) continue;
        // Stryker disable next-line EqualityOperator: equivalent — records and judged frames are frames and spaces of this machine; store and free times are distinct ticks of one clock
        if (f >= m.frames.count || m.frames.freedAt[f] <= s.since[r]) continue;
        // Stryker disable next-line ConditionalExpression: equivalent — raising a raised key reports nothing (the monitor keeps one violation per key)
        if (now.has(f)) continue;
        now = added(now, f);
        const va = recordVa(s, r);
        ctx.raise('freed-pagetable-walk', f, {
          cpu: s.holders(r)[0] ?? null,
          address: va,
          frame: f,
          explanation: `page-table frame ${f} was freed but a walk-cache entry for ${hex(va)} may still point at it`,
        });
      }
    }
    for (const w of m.freedTableWalks?.() ?? []) {
      // Stryker disable next-line ConditionalExpression: equivalent — raising a raised key reports nothing (the monitor keeps one violation per key)
      if (now.has(w.pfn)) continue;
      now = added(now, w.pfn);
      ctx.raise('freed-pagetable-walk', w.pfn, {
        cpu: w.cpu,
        address: w.va,
        frame: w.pfn,
        explanation: `page-table frame ${w.pfn} was freed while ${w.via === 'parent' ? 'a parent entry' : 'a table below a stale walk-cache entry'} still points at it; a walk of ${hex(w.va)} reaches it`,
      });
    }
    for (const f of ctx.activeKeys('freed-pagetable-walk'))
      if (!now.has(f)) ctx.settle('freed-pagetable-walk', f);
  },
};
