import { hex, recordCounts, recordVa } from './bits.js';
import type { Invariant } from './invariant.js';

/**
 * `freed-pagetable-walk` (spec INV-FREED-PT): after the operation that freed a page-table frame
 * returned, a walk-cache (paging-structure cache) entry on some CPU still points at it — a speculative
 * walk may then read whatever the frame holds next. Judged when each operation returns, from the MMU's
 * stale walk-cache records captured before the frame's last free.
 */
export const freedPagetableWalk: Invariant = {
  id: 'freed-pagetable-walk',
  description: 'A walk-cache entry points at a page-table frame after the operation that freed it returned.',
  operationReturned(ctx) {
    const m = ctx.m;
    const now = new Set<number>();
    if (m.reverse.walkAfterFreeTotal > 0) {
      const s = m.staleWalk;
      const live = s.liveRecords();
      for (let i = 0; i < live.length; i++) {
        const r = live[i];
        const f = s.out[r];
        if (!recordCounts(m, s, r)) continue;
        if (f >= m.frames.count || m.frames.freedAt[f] <= s.since[r]) continue;
        if (now.has(f)) continue;
        now.add(f);
        const va = recordVa(s, r);
        ctx.raise('freed-pagetable-walk', f, {
          cpu: s.holders(r)[0] ?? null,
          address: va,
          frame: f,
          explanation: `page-table frame ${f} was freed but a walk-cache entry for ${hex(va)} may still point at it`,
        });
      }
    }
    for (const f of ctx.activeKeys('freed-pagetable-walk'))
      if (!now.has(f)) ctx.settle('freed-pagetable-walk', f);
  },
};
