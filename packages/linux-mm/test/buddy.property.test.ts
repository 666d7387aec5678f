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
});
