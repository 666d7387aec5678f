import { hex, isPresent, keyOf, liveForScan, recordCounts, recordVa } from './bits.js';
import type { Invariant } from './invariant.js';

/**
 * `pkey-tag` (spec INV-PKEY-TAG): a possibly-cached entry carries another protection key than the
 * current entry for the same address and frame — an access checked against the cached key may be
 * allowed (or refused) by a key the page no longer has (Linux: pkey_mprotect without a flush of the
 * old key; FreeBSD: `pmap_pkru_update_range` before the invalidation). Judged when each operation returns.
 */
export const pkeyTag: Invariant = {
  id: 'pkey-tag',
  description: 'A cached entry carries another key than its current entry.',
  operationReturned(ctx) {
    const m = ctx.m;
    const s = m.staleLeaf;
    const now = new Set<number>();
    if (s.live > 0) {
      const live = liveForScan(s);
      for (let i = 0; i < live.length; i++) {
        const r = live[i];
        const space = s.space[r];
        if (space < 0 || space >= m.spaceCount || !recordCounts(m, s, r)) continue;
        const va = recordVa(s, r);
        const cur = m.lookup(space, va);
        const f = s.out[r];
        if (!cur.present || cur.pfn !== f || !isPresent(s.flags[r])) continue;
        const oldKey = keyOf(s.flags[r]);
        const newKey = keyOf(cur.flags);
        if (oldKey === newKey || now.has(f)) continue;
        now.add(f);
        ctx.raise('pkey-tag', f, {
          cpu: s.holders(r)[0] ?? null,
          address: va,
          frame: f,
          explanation: `a cached entry for ${hex(va)} carries key ${oldKey}, the current entry key ${newKey}`,
        });
      }
    }
    for (const f of ctx.activeKeys('pkey-tag')) if (!now.has(f)) ctx.settle('pkey-tag', f);
  },
};
