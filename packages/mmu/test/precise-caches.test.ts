// The precise model's caches on their own (DESIGN §2 "TLB models"): a set-associative TLB per unit
// (CPU, or CPU side when split) and a fully-associative walk cache, both least-recently-used. A real
// TLB is set-associative with an implementation-defined replacement policy (Intel SDM Vol. 3A §4.10.2,
// Arm ARM D8.13); the model fixes LRU, so these tests hold it to LRU exactly.
import { describe, expect, it } from 'vitest';
import { PreciseCaches, keyIndex, keyTag } from '../src/precise.js';
import { staleKey } from '../src/stale.js';

/** Indices of `level` that fall into the same TLB set of `unit` as `first`, `n` of them. */
function sameSet(c: PreciseCaches, unit: number, level: number, first: number, n: number): number[] {
  const want = c.setIndex(unit, level, first);
  const out: number[] = [];
  for (let i = first; out.length < n; i++) if (c.setIndex(unit, level, i) === want) out.push(i);
  return out;
}

function fill(c: PreciseCaches, unit: number, level: number, index: number, tag: number): number {
  const s = c.victimTlb(unit, level, index);
  c.fillTlb(s, level, index, tag, 0x1, index & 0xffff, 0);
  return s;
}

describe('precise TLB: sets and ways', () => {
  it('a set holds `ways` entries; a fill into a full set evicts the least recently used one', () => {
    const c = new PreciseCaches(2, 16, 4, 4);
    const ix = sameSet(c, 0, 1, 1000, 6);
    const slots = ix.slice(0, 4).map((i) => fill(c, 0, 1, i, 7));
    expect(new Set(slots).size).toBe(4);
    const base = c.setBase(0, 1, ix[0]);
    for (const s of slots) expect(s >= base && s < base + 4).toBe(true);
    for (const [k, i] of ix.slice(0, 4).entries()) expect(c.findTlb(0, 1, i, 7)).toBe(slots[k]);
    // Use the first again: the second is now the least recently used, and the next fill replaces it.
    expect(c.findTlb(0, 1, ix[0], 7)).toBe(slots[0]);
    expect(fill(c, 0, 1, ix[4], 7)).toBe(slots[1]);
    expect(c.findTlb(0, 1, ix[1], 7)).toBe(-1);
    expect(c.findTlb(0, 1, ix[0], 7)).toBe(slots[0]);
    // Hits refresh: touch 2, 3 and 4 (4 by its fill); the next victim is 0, touched before them.
    c.findTlb(0, 1, ix[2], 7);
    c.findTlb(0, 1, ix[3], 7);
    c.findTlb(0, 1, ix[4], 7);
    expect(c.victimTlb(0, 1, ix[5])).toBe(slots[0]);
  });

  it('an entry is found only under its own level, index, tag and unit', () => {
    const c = new PreciseCaches(2, 16, 4, 4);
    const s = fill(c, 1, 2, 77, 3);
    expect(c.findTlb(1, 2, 77, 3)).toBe(s);
    expect([c.findTlb(1, 2, 77, 4), c.findTlb(1, 2, 78, 3), c.findTlb(0, 2, 77, 3)]).toEqual([-1, -1, -1]);
    // The same index at another level is another entry (4 KiB vs 2 MiB pages of one region).
    expect(c.findTlb(1, 1, 77, 3)).toBe(-1);
    expect(c.findTlb(1, 3, 77, 3)).toBe(-1);
    const t = fill(c, 1, 1, 77, 3);
    expect(t).not.toBe(s);
    expect([c.findTlb(1, 1, 77, 3), c.findTlb(1, 2, 77, 3)]).toEqual([t, s]);
    // Unit 1's sets lie after unit 0's.
    expect(s).toBeGreaterThanOrEqual(16);
    expect(s).toBeLessThan(32);
  });

  it('the highest level ever filled only grows', () => {
    const c = new PreciseCaches(1, 8, 2, 2);
    expect(c.maxLevel).toBe(1);
    fill(c, 0, 3, 1, 1);
    expect(c.maxLevel).toBe(3);
    fill(c, 0, 2, 1, 1);
    expect(c.maxLevel).toBe(3);
  });

  for (const [entries, ways] of [
    [64, 4],
    [48, 4],
  ] as const) {
    it(`${entries} entries, ${ways} ways: consecutive pages of each size, and far-apart indices, spread over every set`, () => {
      const c = new PreciseCaches(1, entries, ways, 0);
      const sets = entries / ways;
      for (const level of [1, 2, 3]) {
        const per = new Array<number>(sets).fill(0);
        for (let i = 0; i < sets * 8; i++) per[c.setIndex(0, level, 5 * sets * 8 + i)]++;
        // Every set used, none holding more than twice its share.
        expect(Math.min(...per)).toBeGreaterThan(0);
        expect(Math.max(...per)).toBeLessThanOrEqual(16);
      }
      // One 4 KiB index per 2^32 (the high word of a 36-bit index): not all in one set.
      const high = new Set<number>();
      for (let k = 0; k < sets; k++) high.add(c.setIndex(0, 1, k * 2 ** 32 + 5));
      expect(high.size).toBeGreaterThan(sets / 4);
      // The 4 KiB, 2 MiB and 1 GiB entries of one region do not all share a set.
      const region = new Set([1, 2, 3].map((l) => c.setIndex(0, l, 12345)));
      expect(region.size).toBeGreaterThan(1);
    });
  }
});

describe('precise walk cache: fully associative, LRU', () => {
  it('free slots first, then the least recently used pointer', () => {
    const c = new PreciseCaches(2, 8, 2, 3);
    const put = (unit: number, level: number, index: number): number => {
      const s = c.victimWalk(unit);
      c.fillWalk(s, level, index, 5, 100 + index, 0);
      return s;
    };
    const a = put(1, 4, 0);
    const b = put(1, 3, 1);
    const d = put(1, 2, 512);
    expect(new Set([a, b, d]).size).toBe(3);
    expect([a, b, d].every((s) => s >= 3 && s < 6)).toBe(true);
    expect([c.findWalk(1, 4, 0, 5), c.findWalk(1, 3, 1, 5), c.findWalk(1, 2, 512, 5)]).toEqual([a, b, d]);
    expect([c.findWalk(1, 2, 512, 6), c.findWalk(1, 3, 512, 5), c.findWalk(0, 2, 512, 5)]).toEqual([
      -1, -1, -1,
    ]);
    // Use the level-4 pointer again: the level-3 one is now the oldest and goes first.
    expect(c.findWalk(1, 4, 0, 5)).toBe(a);
    expect(put(1, 2, 513)).toBe(b);
    expect(c.findWalk(1, 3, 1, 5)).toBe(-1);
    expect(c.wOut[c.findWalk(1, 2, 513, 5)]).toBe(613);
    // Hits through the per-level shortcut refresh the order too.
    expect(c.findWalk(1, 2, 512, 5)).toBe(d);
    expect(c.findWalk(1, 4, 0, 5)).toBe(a);
    expect(c.victimWalk(1)).toBe(b);
    expect(c.findWalk(1, 2, 513, 5)).toBe(b);
    expect(c.findWalk(1, 2, 513, 5)).toBe(b);
    expect(c.victimWalk(1)).toBe(d);
  });

  it('no walk cache: nothing is ever found', () => {
    const c = new PreciseCaches(1, 8, 2, 0);
    expect(c.findWalk(0, 2, 0, 0)).toBe(-1);
  });
});

describe('cache keys', () => {
  it('a key splits back into its index (36 bits) and tag (17 bits)', () => {
    for (const [index, tag] of [
      [0, 0],
      [1, 131071],
      [2 ** 36 - 1, 65536],
      [123456789, 4242],
    ]) {
      const k = staleKey(index, tag);
      expect([keyIndex(k), keyTag(k)]).toEqual([index, tag]);
    }
  });
});
