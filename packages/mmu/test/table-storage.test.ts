// Page-table storage (DESIGN §2: page tables live in frames; §8: typed arrays, no object per entry). A
// frame given back while unlinked loses its table content, and the next table frame starts zeroed
// (a fresh table is all invalid entries, whatever slot stored the old one); growing the storage keeps
// every table's entries and its bookkeeping (level, links, where it is reachable from).
import { describe, expect, it } from 'vitest';
import { LEVEL_SIZE, Pte, createMachine } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;
const TWO_MIB = LEVEL_SIZE[2];

describe('table storage', () => {
  it('counts table frames; an unlinked table frame given back stops being a table', () => {
    const { m, table, data } = rig({ cpus: 1 });
    expect(m.tables.tableCount).toBe(1); // the kernel root
    const mm = m.createSpace(1, table);
    expect(m.ensurePath(mm, USER_VA, 1, table)).toBe(3);
    expect(m.tables.tableCount).toBe(5);
    const pt = m.lookup(mm, USER_VA).tables[3];
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setLeaf(mm, USER_VA + 4096, 1, data(), RW_USER);
    m.clearEntry(mm, USER_VA, 2);
    m.frames.free(pt);
    expect([m.tables.isTable(pt), m.tables.tableCount]).toEqual([false, 4]);
    // The next table frame takes the freed storage and starts with 512 invalid entries.
    const fresh = table();
    m.setTable(mm, USER_VA, 2, fresh);
    expect(m.tables.tableCount).toBe(5);
    expect(m.lookup(mm, USER_VA)).toMatchObject({ present: false, level: 1 });
    expect(m.lookup(mm, USER_VA + 4096)).toMatchObject({ present: false, level: 1 });
    expect(m.readEntry(mm, USER_VA + 4096, 1)).toEqual({
      present: false,
      table: false,
      flags: 0,
      pfn: -1,
      level: 1,
    });
  });

  it('a reused table frame is empty: a large leaf splits into it', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const pt = m.lookup(mm, USER_VA).tables[3];
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.clearEntry(mm, USER_VA, 2);
    m.frames.free(pt);
    m.setLeaf(mm, USER_VA, 2, 1024, RW_USER);
    const fresh = table();
    expect(m.splitLeaf(mm, USER_VA, fresh)).toBe(1);
    expect(m.lookup(mm, USER_VA + 5 * 4096)).toMatchObject({ present: true, level: 1, pfn: 1029 });
  });

  it('after growing, an early table keeps its level, its links, its place and its leaves', () => {
    const { m, table, data } = rig({ cpus: 2, memory: '64MiB' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const early = m.lookup(mm, USER_VA).tables[3];
    const f = data();
    m.setLeaf(mm, USER_VA, 1, f, RW_USER);
    m.setRoot(1, mm);
    const before = m.tables.bytes;
    for (let i = 1; i < 40; i++) m.ensurePath(mm, USER_VA + i * TWO_MIB, 1, table);
    expect(m.tables.bytes).toBeGreaterThan(before);
    // Its level: it cannot become a level-2 table.
    m.ensurePath(mm, USER_VA + 512 * TWO_MIB, 2, table);
    expect(() => m.setTable(mm, USER_VA + 512 * TWO_MIB, 3, early)).toThrow(/already a level-1 table/);
    // Its place: a store into it translates at its own VA in its own space.
    m.storeInTable(early, 7, RW_USER, f);
    expect(m.validTranslations(f).map((t) => [t.space, t.va])).toEqual([
      [mm, USER_VA],
      [mm, USER_VA + 7 * 4096],
    ]);
    // Its leaves: unlinking it retires both, which CPU 1 may still hold.
    m.clearEntry(mm, USER_VA, 2);
    expect(m.reachers(f)).toMatchObject({ valid: 0, stale: 2 });
    expect(m.cachedCpus(mm, USER_VA + 7 * 4096)).toEqual([1]);
    // Its links: linked again and then freed, the parent entry still reaches it.
    m.setTable(mm, USER_VA, 2, early);
    m.frames.free(early);
    expect(m.freedTableWalks()).toEqual([
      { pfn: early, cpu: 1, va: USER_VA, via: 'parent', relinked: false },
    ]);
  });

  it('the first table frame is a table too, and rooting a second space at it keeps its entries', () => {
    const { m, kernel, table, data } = rig({ cpus: 1 });
    const root = m.rootOf(kernel);
    expect(m.tables.isTable(root)).toBe(true);
    // The kernel space's lower half has a leaf; a space rooted at the same frame translates through it.
    m.ensurePath(kernel, USER_VA, 1, table);
    const f = data();
    m.setLeaf(kernel, USER_VA, 1, f, RW_USER);
    const twin = m.createSpace(7, root);
    expect(m.lookup(twin, USER_VA)).toMatchObject({ present: true, pfn: f });
  });

  it('a freed table’s storage is reused: no growth for a table made after one is given back', () => {
    const { m, table } = rig({ cpus: 1, memory: '64MiB' });
    const mm = m.createSpace(1, table);
    // Fill the first 16 slots exactly: the kernel root, mm's root, then L3 + L2 + L1s.
    m.ensurePath(mm, USER_VA, 1, table);
    for (let i = 1; m.tables.tableCount < 16; i++) m.ensurePath(mm, USER_VA + i * TWO_MIB, 1, table);
    const bytes = m.tables.bytes;
    const pt = m.lookup(mm, USER_VA).tables[3];
    m.clearEntry(mm, USER_VA, 2);
    m.frames.free(pt);
    m.ensurePath(mm, USER_VA, 1, table);
    expect([m.tables.tableCount, m.tables.bytes]).toEqual([16, bytes]);
  });

  it('a table frame at the first storage slot, given back unlinked, stops being a table', () => {
    const m = createMachine({ memory: '16MiB', cpus: 1 });
    const t = m.frames.allocAny('page-table');
    m.tables.adopt(t, 1);
    expect(m.tables.isTable(t)).toBe(true);
    m.frames.free(t);
    expect([m.tables.isTable(t), m.tables.tableCount]).toEqual([false, 0]);
  });
});
