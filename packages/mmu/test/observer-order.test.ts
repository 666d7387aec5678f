// When an observer is told that a live leaf changed, the MMU's bookkeeping of the change is complete:
// the old translation is already a stale record (it may stay cached on every CPU that may hold its tag,
// Intel SDM Vol. 3A §4.10.4.1 / Arm ARM D8.13: a changed entry is not removed from a TLB without an
// invalidation). Told earlier, an observer saw neither the entry nor its cached copy.
import { describe, expect, it } from 'vitest';
import { Pte } from '../src/index.js';
import { rig, USER_VA } from './helpers.js';

describe('framesChanged after a leaf is replaced or cleared', () => {
  for (const arch of ['x86_64', 'arm64'] as const) {
    for (const how of ['replaced', 'cleared'] as const) {
      it(`${arch}: a leaf ${how}: the old translation is counted as stale at every notification`, () => {
        const r = rig({ arch, cpus: 2 });
        const space = r.m.createSpace(1, r.table);
        r.m.ensurePath(space, USER_VA, 1, r.table);
        const pfn = r.data();
        r.m.setLeaf(space, USER_VA, 1, pfn, Pte.PRESENT | Pte.WRITABLE | Pte.USER);
        r.m.setRoot(0, space);
        const seen: [number, number, number][] = [];
        r.m.observe({
          framesChanged: (first) => {
            if (first === pfn)
              seen.push([r.m.reverse.validRefs(pfn), r.m.reverse.staleRefs(pfn), r.m.reverse.staleW(pfn)]);
          },
        });
        if (how === 'replaced') r.m.setLeaf(space, USER_VA, 1, pfn, Pte.PRESENT | Pte.USER);
        else r.m.clearEntry(space, USER_VA, 1);
        expect(seen.length).toBeGreaterThan(0);
        // The writable copy may still be cached from the first notification on.
        for (const [, stale, staleW] of seen) expect([stale, staleW]).toEqual([1, 1]);
        expect(seen.at(-1)![0]).toBe(how === 'replaced' ? 1 : 0);
      });
    }
  }
});
