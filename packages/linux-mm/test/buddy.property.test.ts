import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BuddyZone, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE } from '../src/index.js';

const TYPES = [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE];

describe('buddy zone properties', () => {
  it('never hands out a frame twice, keeps NR_FREE_PAGES exact, and merges back completely', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            free: fc.boolean(),
            order: fc.integer({ min: 0, max: 4 }),
            type: fc.integer({ min: 0, max: 2 }),
          }),
          {
            maxLength: 200,
          },
        ),
        (ops) => {
          const zone = new BuddyZone(2048, 16);
          const initial = zone.freePages;
          const owned = new Uint8Array(2048);
          const live: [number, number][] = [];
          for (const op of ops) {
            if (op.free && live.length > 0) {
              const [pfn, order] = live.pop()!;
              for (let i = 0; i < 1 << order; i++) owned[pfn + i] = 0;
              zone.freeOnePage(pfn, order, zone.getPageblockFreetype(pfn));
            } else {
              const pfn = zone.rmqueue(op.order, TYPES[op.type]);
              if (pfn < 0) continue;
              expect(pfn % (1 << op.order)).toBe(0);
              for (let i = 0; i < 1 << op.order; i++) {
                expect(owned[pfn + i]).toBe(0);
                expect(pfn + i).toBeGreaterThanOrEqual(16);
                owned[pfn + i] = 1;
              }
              live.push([pfn, op.order]);
            }
            let held = 0;
            for (const [, o] of live) held += 1 << o;
            expect(zone.freePages).toBe(initial - held);
          }
          while (live.length > 0) {
            const [pfn, order] = live.pop()!;
            zone.freeOnePage(pfn, order, zone.getPageblockFreetype(pfn));
          }
          expect(zone.freePages).toBe(initial);
        },
      ),
      { seed: 42, numRuns: 100 },
    );
  });

  it('a frame becomes free only through a free counted in its pageblock (freesIn)', () => {
    const N = 2048;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('alloc', 'free', 'take'),
            order: fc.integer({ min: 0, max: 10 }),
            type: fc.integer({ min: 0, max: 2 }),
            pfn: fc.integer({ min: 0, max: N - 1 }),
          }),
          { maxLength: 80 },
        ),
        (ops) => {
          const zone = new BuddyZone(N, 16);
          const live: [number, number][] = [];
          const freeNow = (): boolean[] => Array.from({ length: N }, (_, p) => zone.isFree(p));
          for (const op of ops) {
            const before = freeNow();
            const frees = Array.from({ length: N / 512 }, (_, b) => zone.freesIn(b * 512));
            if (op.op === 'free' && live.length > 0) {
              const [pfn, order] = live.splice(op.pfn % live.length, 1)[0]!;
              zone.freeOnePage(pfn, order, zone.getPageblockFreetype(pfn));
            } else if (op.op === 'take') {
              if (zone.takeFreePage(op.pfn)) live.push([op.pfn, 0]);
            } else {
              // Orders up to 10: a free of order 10 gives back frames of two pageblocks.
              const pfn = zone.rmqueue(op.order, TYPES[op.type]);
              if (pfn >= 0) live.push([pfn, op.order]);
            }
            const after = freeNow();
            for (let p = 0; p < N; p++) {
              if (!before[p] && after[p]) expect(zone.freesIn(p)).not.toBe(frees[p >>> 9]);
            }
          }
        },
      ),
      { seed: 7, numRuns: 30 },
    );
  });
});
