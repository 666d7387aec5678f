import { PAGE_SIZE } from '../contracts/addresses.js';
import { added, hex, keyOf, nextEntryStart, NO_FRAMES } from './bits.js';
import type { Invariant } from './invariant.js';

/**
 * `pkey-kept`: a key is silently dropped from a range that still holds it. The expected keys come from
 * the explicit operations only (key-assign sets, key-clear / munmap / a replacing mmap / exec remove,
 * fork copies) — never from the policy's implicit removals, which are what this detects (the FreeBSD
 * swap-out bug, spec freebsd-amd64.md §6: after `pmap_remove` on swap-out and a refault, the page comes
 * back with key 0). A present leaf inside an expected range whose key differs is the violation.
 * Judged when each operation returns.
 */
export const pkeyKept: Invariant = {
  id: 'pkey-kept',
  description:
    'A key is silently dropped from a range that still holds it (e.g. after swap-out and refault).',
  operationReturned(ctx) {
    let now = NO_FRAMES;
    for (const range of ctx.book.expectedKeyRanges()) {
      const space = ctx.env.spaceOf(range.pid);
      if (space === undefined) continue;
      for (let va = range.start; va < range.end;) {
        const cur = ctx.m.lookup(space, va);
        if (!cur.present) {
          // No table below this entry: nothing in the rest of its span is mapped. Skipping it visits only
          // the page-table pages that exist, as pmap_pkru_update_range does (sys/amd64/amd64/pmap.c) — a key
          // over the whole user address space costs what is resident, not 2^35 lookups (issue 10 defect 9).
          va = nextEntryStart(va, cur.level);
          continue;
        }
        const page = va;
        va += PAGE_SIZE;
        const key = keyOf(cur.flags);
        if (key === range.key || now.has(cur.pfn)) continue;
        now = added(now, cur.pfn);
        ctx.raise('pkey-kept', cur.pfn, {
          cpu: null,
          address: page,
          frame: cur.pfn,
          explanation: `${hex(page)} should carry key ${range.key} but its entry has key ${key}`,
        });
      }
    }
    for (const f of ctx.activeKeys('pkey-kept')) if (!now.has(f)) ctx.settle('pkey-kept', f);
  },
};
