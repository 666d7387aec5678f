// sortSmall (small-sort.ts) orders as Array.prototype.sort does — stable, by the same comparator — whether it
// sorts by insertion (a few elements) or hands over to Array.prototype.sort (more than a few).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortSmall } from '../src/small-sort.js';

describe('sortSmall', () => {
  it('gives the order of a stable Array.prototype.sort, for short and long lists with equal keys', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 3 }), id: fc.nat() }), { maxLength: 20 }),
        (items) => {
          const byKey = (a: { key: number }, b: { key: number }): number => a.key - b.key;
          const got = sortSmall([...items], byKey);
          expect(got).toEqual([...items].sort(byKey));
        },
      ),
      { seed: 3, numRuns: 300 },
    );
  });

  it('sorts in place and returns the list it was given', () => {
    const a = [3, 1, 2];
    expect(sortSmall(a, (x, y) => x - y)).toBe(a);
    expect(a).toEqual([1, 2, 3]);
  });
});
