import { added, hex, isDirectMapVa, isPresent, liveForScan, NO_FRAMES, recordVa, rightsOf } from './bits.js';
import type { Invariant } from './invariant.js';

/**
 * `stale-direct-map` (soft; spec `stale-dmap`): a possibly-cached linear-map entry is less permissive
 * than its current entry for the same frame — harmless for safety, it costs a spurious fault (x86
 * `spurious_kernel_fault`). Never a finding, always a note. Judged when each operation returns.
 */
export const staleDirectMap: Invariant = {
  id: 'stale-direct-map',
  soft: true,
  description: 'A cached direct-map entry is less permissive than its entry (costs a spurious fault).',
  operationReturned(ctx) {
    const m = ctx.m;
    const s = m.staleLeaf;
    let now = NO_FRAMES;
    // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: equivalent — fast path: with no live record the scan finds nothing, and without a kernel space the MMU stores nothing at a kernel-half address, so no record is at a linear-map one
    if (s.live > 0 && m.kernelSpace >= 0) {
      const live = liveForScan(s);
      // Stryker disable next-line EqualityOperator: equivalent — a step past the end reads an undefined record, whose address is no linear-map address
      for (let i = 0; i < live.length; i++) {
        const r = live[i];
        const va = recordVa(s, r);
        if (!isDirectMapVa(m, va)) continue;
        const cur = m.lookup(m.kernelSpace, va);
        const f = s.out[r];
        if (!cur.present || cur.pfn !== f || now.has(f)) continue;
        const old = rightsOf(s.flags[r]);
        const fresh = rightsOf(cur.flags);
        // Less permissive: the current entry grants everything the cached one did, and more.
        if (!isPresent(s.flags[r]) || (old & fresh) !== old || old === fresh) continue;
        now = added(now, f);
        ctx.raise('stale-direct-map', f, {
          cpu: s.holders(r)[0] ?? null,
          address: va,
          frame: f,
          explanation: `a cached direct-map entry for ${hex(va)} is less permissive than the current one (a spurious fault on access)`,
        });
      }
    }
    for (const f of ctx.activeKeys('stale-direct-map')) if (!now.has(f)) ctx.settle('stale-direct-map', f);
  },
};
