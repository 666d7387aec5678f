import { added, hex, liveForScan, NO_FRAMES, recordCounts, recordVa } from './bits.js';
import type { Invariant } from './invariant.js';

/**
 * `pagetable-reuse`: a frame is linked into a page-table tree again (after being freed) while a stale
 * walk-cache entry captured before that free still points at it: a walk through the stale entry lands
 * in a live table of another place or another address space. Judged when each operation returns.
 * Stale entries under an ASID that is no longer loaded are dropped by the MMU unless the ASID is reused
 * without a flush (DESIGN §3, second honesty rule). The stale pointer may also be a parent entry still
 * in the tables, stored before the frame was freed (the table was freed without being unlinked).
 */
export const pagetableReuse: Invariant = {
  id: 'pagetable-reuse',
  description:
    'A page-table frame is linked into a tree while a stale walk-cache entry still points at it under a live ASID.',
  operationReturned(ctx) {
    const m = ctx.m;
    let now = NO_FRAMES;
    const s = m.staleWalk;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent — fast path: with nothing to scan the scan finds nothing
    if (s.live > 0) {
      const live = liveForScan(s);
      // Stryker disable next-line EqualityOperator: equivalent — a step past the end reads an undefined record, which counts for no CPU
      for (let i = 0; i < live.length; i++) {
        const r = live[i];
        const f = s.out[r];
        if (!recordCounts(m, s, r)) continue;
        // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: equivalent — records and judged frames are frames and spaces of this machine; the rest is deduplication (raising a raised key reports nothing (the monitor keeps one violation per key))
        if (f >= m.frames.count || now.has(f)) continue;
        // Stryker disable next-line EqualityOperator: equivalent — store and free times are distinct ticks of one clock
        if (m.frames.freedAt[f] <= s.since[r]) continue; // not freed since
        const slot = m.tables.slotOf[f];
        if (slot < 0 || m.tables.slotLinks[slot] === 0) continue; // not linked at all
        // Linked only at its old place (a link older than the free, e.g. inside a table that was itself
        // unlinked): freed, not reused — freed-pagetable-walk's case.
        if (m.linkedAfterFree !== undefined && !m.linkedAfterFree(f)) continue;
        now = added(now, f);
        const va = recordVa(s, r);
        ctx.raise('pagetable-reuse', f, {
          cpu: s.holders(r)[0] ?? null,
          address: va,
          frame: f,
          explanation: `frame ${f} is a linked page table again while a stale walk-cache entry for ${hex(va)} still points at it`,
        });
      }
    }
    // A frame freed while a parent entry still pointed at it, and linked at a new place since: a walk
    // through the old parent lands in the new owner's table.
    for (const w of m.freedTableWalks?.() ?? []) {
      if (!w.relinked || now.has(w.pfn)) continue;
      now = added(now, w.pfn);
      ctx.raise('pagetable-reuse', w.pfn, {
        cpu: w.cpu,
        address: w.va,
        frame: w.pfn,
        explanation: `frame ${w.pfn} is a linked page table again while ${w.via === 'parent' ? 'the parent entry' : 'a table below a stale walk-cache entry'} from before its free still points at it (walk of ${hex(w.va)})`,
      });
    }
    for (const f of ctx.activeKeys('pagetable-reuse')) if (!now.has(f)) ctx.settle('pagetable-reuse', f);
  },
};
