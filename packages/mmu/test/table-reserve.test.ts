// PageTables.reserve: room for the tables a boot is about to adopt in one step, instead of growing by half
// again and again (each growth copies every entry). Slots never used before are adopted without clearing:
// they must still read as empty tables.
import { describe, expect, it } from 'vitest';
import { PageTables } from '../src/tables.js';

describe('PageTables.reserve', () => {
  it('makes room for n more tables at once, and only when they would not fit', () => {
    const t = new PageTables(4096);
    const initial = t.bytes;
    t.reserve(10); // fits in the first arrays
    expect(t.bytes).toBe(initial);
    t.reserve(300);
    const reserved = t.bytes;
    expect(reserved).toBeGreaterThan(initial);
    for (let pfn = 0; pfn < 300; pfn++) t.adopt(pfn, 1);
    // The 300 tables fitted in what was reserved; the 301st needs more.
    expect(t.bytes).toBe(reserved);
    t.adopt(300, 1);
    expect(t.bytes).toBeGreaterThan(reserved);
    // Counted from the tables already held: nothing to add for none more, growth for 1,000 more.
    t.reserve(0);
    const now = t.bytes;
    t.reserve(1000);
    expect(t.bytes).toBeGreaterThan(now);
  });

  it('hands out fresh slots as empty tables, and recycled ones cleared', () => {
    const t = new PageTables(4096);
    t.reserve(64);
    const a = t.adopt(7, 1);
    const e = a * 512 + 3;
    t.write(e, 1, 99);
    t.since[e] = 5;
    for (let pfn = 100; pfn < 164; pfn++) {
      const s = t.adopt(pfn, 2);
      expect(Array.from(t.flags.subarray(s * 512, s * 512 + 512)).every((f) => f === 0)).toBe(true);
    }
    t.release(7);
    // Frame 8 gets the slot frame 7 had: its old entry is gone.
    expect(t.adopt(8, 1)).toBe(a);
    expect([t.flags[e], t.out[e], t.since[e]]).toEqual([0, 0, 0]);
  });
});
