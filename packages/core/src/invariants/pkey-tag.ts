import {
  added,
  countingHolder,
  hex,
  isPresent,
  keyOf,
  liveForScan,
  NO_FRAMES,
  recordCounts,
  recordVa,
} from './bits.js';
import type { Invariant } from './invariant.js';

/**
 * `pkey-tag` (spec INV-PKEY-TAG): a possibly-cached entry carries another protection key than the
 * current entry for the same address and frame — an access checked against the cached key may be
 * allowed (or refused) by a key the page no longer has (Linux: pkey_mprotect without a flush of the
 * old key; FreeBSD: `pmap_pkru_update_range` before the invalidation). Judged when each operation returns.
 * Where keys do not gate instruction fetches (x86 PKU, Intel SDM vol. 3A §4.6.2), an entry held only by an
 * instruction TLB (a split TLB) is never checked against its key: only data-side holders count.
 */
export const pkeyTag: Invariant = {
  id: 'pkey-tag',
  description: 'A cached entry carries another key than its current entry.',
  operationReturned(ctx) {
    const m = ctx.m;
    const s = m.staleLeaf;
    let now = NO_FRAMES;
    const dataSideOnly = m.keysGateFetch === false && s.sideHolders !== undefined;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent — fast path: with nothing to scan the scan finds nothing
    if (s.live > 0) {
      const live = liveForScan(s);
      // Stryker disable next-line EqualityOperator: equivalent — a step past the end reads an undefined record, which counts for no CPU
      for (let i = 0; i < live.length; i++) {
        const r = live[i];
        const space = s.space[r];
        // Stryker disable next-line LogicalOperator,EqualityOperator: equivalent — records and judged frames are frames and spaces of this machine
        if (space < 0 || space >= m.spaceCount || !recordCounts(m, s, r)) continue;
        const va = recordVa(s, r);
        const cur = m.lookup(space, va);
        const f = s.out[r];
        if (!cur.present || cur.pfn !== f || !isPresent(s.flags[r])) continue;
        const oldKey = keyOf(s.flags[r]);
        const newKey = keyOf(cur.flags);
        if (oldKey === newKey || now.has(f)) continue;
        let holders = s.holders(r);
        if (dataSideOnly) {
          holders = s.sideHolders?.(r, 0) ?? holders;
          if (countingHolder(m, s, r, holders) < 0) continue;
        }
        now = added(now, f);
        ctx.raise('pkey-tag', f, {
          cpu: holders[0] ?? null,
          address: va,
          frame: f,
          explanation: `a cached entry for ${hex(va)} carries key ${oldKey}, the current entry key ${newKey}`,
        });
      }
    }
    for (const f of ctx.activeKeys('pkey-tag')) if (!now.has(f)) ctx.settle('pkey-tag', f);
  },
};
