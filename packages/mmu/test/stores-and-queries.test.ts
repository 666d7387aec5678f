// Entry stores as the hardware sees them (plain stores into table frames, whatever links them) and the
// read-only questions invariants and explanations ask (DESIGN §2, §3: the per-frame reverse view and
// enumerations of the translations that reach a frame).
import { describe, expect, it } from 'vitest';
import { Access, KERNEL_HALF, LEVEL_SIZE, Mode, Outcome, Pte, x86_64 } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;
const TWO_MIB = LEVEL_SIZE[2];

describe('stores: what the hardware refuses', () => {
  it('setLeaf and clearEntry need an aligned 48-bit VA, an existing path and a frame number; setLeaf no table bit', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    expect(() => m.setLeaf(mm, USER_VA + 1, 1, data(), RW_USER)).toThrow(
      'VA 40000001 is not a 4096-byte aligned 48-bit address',
    );
    expect(() => m.setLeaf(mm, USER_VA + 4096, 2, data(), RW_USER)).toThrow(/2097152-byte aligned/);
    expect(() => m.setLeaf(mm, -4096, 1, data(), RW_USER)).toThrow(RangeError);
    expect(() => m.setLeaf(mm, 2 ** 48, 1, data(), RW_USER)).toThrow(RangeError);
    expect(() => m.setLeaf(mm, USER_VA, 1, data(), Pte.TABLE)).toThrow(
      'setLeaf: use setTable for table pointers',
    );
    expect(() => m.setLeaf(mm, USER_VA, 1, -1, RW_USER)).toThrow('bad frame -1');
    expect(() => m.setLeaf(mm, USER_VA, 1, 2 ** 32, RW_USER)).toThrow(RangeError);
    expect(() => m.setLeaf(mm, USER_VA, 1, 1.5, RW_USER)).toThrow(RangeError);
    expect(() => m.setLeaf(mm, USER_VA + 2 * TWO_MIB, 1, data(), RW_USER)).toThrow(
      `no level-1 table for ${(USER_VA + 2 * TWO_MIB).toString(16)}: the level-2 entry is empty`,
    );
    expect(() => m.clearEntry(mm, USER_VA + 8, 1)).toThrow(RangeError);
    expect(() => m.setLeaf(7, USER_VA, 1, data(), RW_USER)).toThrow('unknown address space 7');
  });

  it('a 2 MiB leaf stops the path: no table below it until it is split', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    expect(m.ensurePath(mm, USER_VA, 2, table)).toBe(2);
    expect(m.ensurePath(mm, USER_VA, 2, table)).toBe(0);
    m.setLeaf(mm, USER_VA, 2, 1024, RW_USER);
    expect(() => m.setLeaf(mm, USER_VA, 1, data(), RW_USER)).toThrow(/the level-2 entry is a leaf/);
    expect(() => m.ensurePath(mm, USER_VA + 4096, 1, table)).toThrow(
      `ensurePath: a level-2 leaf maps ${(USER_VA + 4096).toString(16)}; split it first`,
    );
  });

  it('createSpace: the tag must fit asidBits; the kernel half exists once and is needed for kernel VAs', () => {
    const m = rig({ cpus: 1, asidBits: 4 }).m;
    const table = (): number => m.frames.allocAny('page-table');
    expect(() => m.createSpace(16, table)).toThrow('asid 16 does not fit 4 bits');
    expect(() => m.createSpace(-1, table)).toThrow(RangeError);
    expect(m.asidOf(m.createSpace(15, table))).toBe(15);
    expect(() => m.createKernelSpace(table)).toThrow('the kernel space already exists');
    const bare = rig({ cpus: 1 });
    const m2 = bare.m;
    expect(m2.kernelSpace).toBe(0);
    expect(() => m2.rootOf(5)).toThrow('unknown address space 5');
  });
});

describe('storeInTable: a plain store into a table frame, linked or not', () => {
  it('refuses non-tables, indices outside 0..511, pointers in a level-1 table and leaves at level 4', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    const d = data();
    expect(() => m.storeInTable(d, 0, Pte.PRESENT, 1)).toThrow(`frame ${d} is not a page table`);
    m.ensurePath(mm, USER_VA, 1, table);
    const l1 = m.lookup(mm, USER_VA).tables[3];
    expect(() => m.storeInTable(l1, 512, Pte.PRESENT, 1)).toThrow('index 512 outside 0..511');
    expect(() => m.storeInTable(l1, -1, Pte.PRESENT, 1)).toThrow(RangeError);
    expect(() => m.storeInTable(l1, 0, Pte.TABLE, table())).toThrow(
      'a table pointer cannot be stored in a level-1 table',
    );
    expect(() => m.storeInTable(m.rootOf(mm), 0, Pte.PRESENT, 1)).toThrow('no leaf at level 4');
  });

  it('a table filled while unlinked translates once linked again; flags 0 stores an invalid entry', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 2, table);
    const pt = table();
    m.setTable(mm, USER_VA, 2, pt);
    m.clearEntry(mm, USER_VA, 2);
    const a = data();
    const b = data();
    // Filled while unlinked: no translation reaches the frames yet.
    m.storeInTable(pt, 0, RW_USER, a);
    m.storeInTable(pt, 1, Pte.USER, b);
    expect(m.reachers(a).valid).toBe(0);
    m.setTable(mm, USER_VA, 2, pt);
    expect(m.lookup(mm, USER_VA)).toMatchObject({
      present: true,
      level: 1,
      pfn: a,
      flags: RW_USER | Pte.PRESENT,
    });
    expect(m.lookup(mm, USER_VA + 4096)).toMatchObject({ present: true, pfn: b });
    expect([m.reachers(a).valid, m.reachers(a).validWritable, m.reachers(b).validWritable]).toEqual([
      1, 1, 0,
    ]);
    // A plain store through the linked table changes the translation.
    m.storeInTable(pt, 1, 0, b);
    expect(m.lookup(mm, USER_VA + 4096)).toMatchObject({ present: false, level: 1, pfn: -1 });
    expect(m.readEntry(mm, USER_VA + 4096, 1)).toEqual({
      present: false,
      table: false,
      flags: 0,
      pfn: -1,
      level: 1,
    });
    // A pointer stored with storeInTable makes the frame a table one level down.
    const l1 = table();
    m.storeInTable(m.lookup(mm, USER_VA).tables[2], 5, Pte.TABLE, l1);
    expect(m.readEntry(mm, USER_VA + 5 * TWO_MIB, 2)).toMatchObject({ present: true, table: true, pfn: l1 });
    m.setLeaf(mm, USER_VA + 5 * TWO_MIB, 1, a, Pte.USER);
    expect(m.lookup(mm, USER_VA + 5 * TWO_MIB).pfn).toBe(a);
  });

  it('a table linked at two places translates through both, and validTranslations lists both', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const a = m.createSpace(1, table);
    const b = m.createSpace(2, table);
    m.ensurePath(a, USER_VA, 2, table);
    m.ensurePath(b, USER_VA, 2, table);
    const pt = table();
    m.setTable(a, USER_VA, 2, pt);
    m.setTable(b, USER_VA + TWO_MIB, 2, pt);
    const f = data();
    m.storeInTable(pt, 3, RW_USER, f);
    expect(m.lookup(a, USER_VA + 3 * 4096).pfn).toBe(f);
    expect(m.lookup(b, USER_VA + TWO_MIB + 3 * 4096).pfn).toBe(f);
    expect(m.reachers(f).valid).toBe(2);
    expect(m.validTranslations(f)).toEqual([
      { space: a, va: USER_VA + 3 * 4096, level: 1, flags: RW_USER | Pte.PRESENT, pfn: f },
      { space: b, va: USER_VA + TWO_MIB + 3 * 4096, level: 1, flags: RW_USER | Pte.PRESENT, pfn: f },
    ]);
    // Unlinking one place leaves the other.
    m.clearEntry(a, USER_VA, 2);
    expect(m.reachers(f).valid).toBe(1);
    expect(m.validTranslations(f).map((t) => t.space)).toEqual([b]);
  });

  it('zeroTable clears every present entry; what a CPU may hold of them stays cached', () => {
    const { m, table, data } = rig({ cpus: 2 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const pt = m.lookup(mm, USER_VA).tables[3];
    const frames = [data(), data(), data()];
    frames.forEach((f, i) => m.setLeaf(mm, USER_VA + i * 4096 * 100, 1, f, RW_USER));
    m.setRoot(1, mm);
    m.zeroTable(pt);
    for (let i = 0; i < 3; i++) expect(m.lookup(mm, USER_VA + i * 4096 * 100).present).toBe(false);
    expect(frames.map((f) => m.reachers(f).valid)).toEqual([0, 0, 0]);
    expect(frames.map((f) => m.cachedTranslations(f).map((t) => t.cpus))).toEqual([[[1]], [[1]], [[1]]]);
    expect(m.access(1, USER_VA + 4096 * 100, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(frames[1]);
    // Zeroing a frame that is no table does nothing.
    expect(() => m.zeroTable(frames[0])).not.toThrow();
  });
});

describe('reading entries back', () => {
  it('readEntry and readDescriptor give the software view and the architecture’s encoding (SDM Vol. 3A §4.5)', () => {
    const { m, table } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const l1 = m.lookup(mm, USER_VA).tables[3];
    m.setLeaf(mm, USER_VA, 1, 0x1234, RW_USER);
    expect(m.readEntry(mm, USER_VA, 1)).toEqual({
      present: true,
      table: false,
      flags: RW_USER | Pte.PRESENT,
      pfn: 0x1234,
      level: 1,
    });
    // P | RW | US, NX (not executable), frame at bits 51:12.
    expect(m.readDescriptor(mm, USER_VA, 1)).toBe((1n << 63n) | (0x1234n << 12n) | 0x7n);
    expect(m.readEntry(mm, USER_VA, 2)).toMatchObject({ present: true, table: true, pfn: l1, level: 2 });
    // Table pointers are Linux's _PAGE_TABLE: P | RW | US | A | D.
    expect(m.readDescriptor(mm, USER_VA, 2)).toBe(x86_64.encode(Pte.PRESENT | Pte.TABLE, l1, 2));
    expect(m.readDescriptor(mm, USER_VA, 2)).toBe((BigInt(l1) << 12n) | 0x67n);
    expect(() => m.readEntry(mm, USER_VA + 512 * TWO_MIB, 1)).toThrow(/no level-2 table/);
  });

  it('lookup: the frame inside a large leaf, the tables on the path, where a walk stops', () => {
    const { m, kernel, table } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 2, table);
    m.setLeaf(mm, USER_VA, 2, 1024, RW_USER);
    const r = m.lookup(mm, USER_VA + 3 * 4096 + 17);
    expect(r).toMatchObject({ present: true, level: 2, pfn: 1027, flags: RW_USER | Pte.PRESENT });
    expect(r.tables).toHaveLength(3);
    expect(r.tables[0]).toBe(m.rootOf(mm));
    const miss = m.lookup(mm, USER_VA + 512 * TWO_MIB);
    expect(miss).toEqual({ present: false, level: 3, flags: 0, pfn: -1, tables: r.tables.slice(0, 2) });
    const none = m.lookup(mm, 2 ** 39);
    expect([none.present, none.level, none.tables]).toEqual([false, 4, [m.rootOf(mm)]]);
    // The kernel half is walked from the kernel root, whatever the space.
    const k = m.lookup(mm, KERNEL_HALF);
    expect(k.tables[0]).toBe(m.rootOf(kernel));
  });

  it('translationFlags: the flags of the leaf through which an address reaches a given frame, else -1', () => {
    const { m, table } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 2, table);
    m.setLeaf(mm, USER_VA, 2, 1024, RW_USER);
    // Inside a large leaf the frame is the leaf's output plus the offset, as lookup has it.
    const va = USER_VA + 3 * 4096 + 17;
    expect(m.translationFlags(mm, va, 1027)).toBe(RW_USER | Pte.PRESENT);
    expect(m.translationFlags(mm, va, 1024)).toBe(-1);
    // Nothing present there (a walk stopping at level 3, at the root): -1, whatever frame is asked.
    expect(m.translationFlags(mm, USER_VA + 512 * TWO_MIB, 1024)).toBe(-1);
    expect(m.translationFlags(mm, 2 ** 39, 0)).toBe(-1);
    expect(m.translationFlags(mm, 2 ** 39, -1)).toBe(-1);
    // A lookup after it still reports where a walk stops and its flags (the two share the walk).
    expect(m.lookup(mm, USER_VA + 512 * TWO_MIB)).toMatchObject({ present: false, level: 3, flags: 0 });
    expect(m.lookup(mm, va)).toMatchObject({ present: true, level: 2, flags: RW_USER | Pte.PRESENT });
  });

  it('splitLeaf: 512 smaller leaves with the same bits over consecutive frames, in an empty unlinked table', () => {
    const { m, table } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 2, table);
    m.setLeaf(mm, USER_VA, 2, 1024, RW_USER | Pte.GLOBAL);
    expect(() => m.splitLeaf(mm, USER_VA + TWO_MIB, table())).toThrow(/is not mapped/);
    const busy = table();
    m.setTable(mm, USER_VA + TWO_MIB, 2, busy);
    expect(() => m.splitLeaf(mm, USER_VA, busy)).toThrow(
      `splitLeaf: frame ${busy} is not an empty unlinked table`,
    );
    const pt = table();
    expect(m.splitLeaf(mm, USER_VA + 5 * 4096, pt)).toBe(1);
    for (const i of [0, 1, 255, 511]) {
      expect(m.lookup(mm, USER_VA + i * 4096)).toMatchObject({
        present: true,
        level: 1,
        pfn: 1024 + i,
        flags: RW_USER | Pte.GLOBAL | Pte.PRESENT,
      });
    }
    expect(m.readEntry(mm, USER_VA, 2)).toMatchObject({ table: true, pfn: pt });
    expect(() => m.splitLeaf(mm, USER_VA, table())).toThrow(
      'splitLeaf: 40000000 is not mapped by a large leaf',
    );
  });

  it('page-table storage grows past its first slots and keeps every entry', () => {
    const { m, table, data } = rig({ cpus: 1, memory: '64MiB' });
    const mm = m.createSpace(1, table);
    const frames: number[] = [];
    for (let i = 0; i < 40; i++) {
      const va = USER_VA + i * TWO_MIB;
      m.ensurePath(mm, va, 1, table);
      frames.push(data());
      m.setLeaf(mm, va, 1, frames[i], RW_USER);
    }
    expect(m.tables.tableCount).toBeGreaterThan(40);
    for (let i = 0; i < 40; i++) {
      const r = m.lookup(mm, USER_VA + i * TWO_MIB);
      expect([r.present, r.pfn]).toEqual([true, frames[i]]);
      expect(m.reachers(frames[i]).valid).toBe(1);
    }
    // The heap-budget figure (DESIGN §8) is what the table arrays hold, after growth too.
    const t = m.tables;
    const held = [
      t.flags,
      t.out,
      t.since,
      t.slotPfn,
      t.slotLevel,
      t.slotLinks,
      t.slotUsed,
      t.slotBase,
      t.slotSpace,
      t.slotLive,
      t.slotLinkedAt,
      t.slotAliasSince,
      t.slotOf,
    ].reduce((sum, a) => sum + a.byteLength, 0);
    expect(t.bytes).toBe(held);
  });

  it('a table frame keeps its level: linking it one level up is refused', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const l1 = m.lookup(mm, USER_VA).tables[3];
    expect([m.tables.isTable(l1), m.tables.isTable(data())]).toEqual([true, false]);
    m.ensurePath(mm, USER_VA + 512 * TWO_MIB, 2, table);
    expect(() => m.setTable(mm, USER_VA + 512 * TWO_MIB, 3, l1)).toThrow(
      `frame ${l1} is already a level-1 table, not level 2`,
    );
  });
});

describe('queries on the reverse view', () => {
  it('reachers count valid and stale, writable and executable, and after-free paths', () => {
    const { m, kernel, table, data } = rig({ cpus: 2 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const f = data();
    m.setLeaf(mm, USER_VA, 1, f, RW_USER);
    m.setLeaf(mm, USER_VA + 4096, 1, f, Pte.USER | Pte.XUSER);
    expect(m.reachers(f)).toEqual({
      valid: 2,
      validWritable: 1,
      validExecutable: 1,
      stale: 0,
      staleWritable: 0,
      staleExecutable: 0,
      validAfterFree: 0,
      staleAfterFree: 0,
      staleWalks: 0,
    });
    expect([m.isWritableAnywhere(f), m.isExecutableAnywhere(f), m.isWxAnywhere(f), m.wxFrameCount]).toEqual([
      true,
      true,
      true,
      1,
    ]);
    m.setRoot(0, mm);
    m.clearEntry(mm, USER_VA + 4096, 1);
    // The executable alias is gone from the tables but may be cached on CPU 0: still W+X.
    expect(m.reachers(f)).toMatchObject({ valid: 1, validExecutable: 0, stale: 1, staleExecutable: 1 });
    expect(m.isWxAnywhere(f)).toBe(true);
    expect([m.cachedAfterFree(f), m.reachableAfterFree(f), m.afterFreeFrameCount]).toEqual([false, false, 0]);
    m.frames.free(f);
    // Both the present entry and the cached one were captured before the free.
    expect(m.reachers(f)).toMatchObject({ validAfterFree: 1, staleAfterFree: 1 });
    expect([m.cachedAfterFree(f), m.reachableAfterFree(f), m.afterFreeFrameCount]).toEqual([true, true, 1]);
    expect(m.cachedTranslations(f)).toEqual([
      {
        cpus: [0],
        va: USER_VA + 4096,
        level: 1,
        tag: 1,
        flags: Pte.USER | Pte.XUSER | Pte.PRESENT,
        pfn: f,
        afterFree: true,
        space: mm,
      },
    ]);
    m.invlpg(0, USER_VA + 4096);
    expect([m.cachedAfterFree(f), m.reachableAfterFree(f), m.isExecutableAnywhere(f)]).toEqual([
      false,
      true,
      false,
    ]);
    m.clearEntry(mm, USER_VA, 1);
    m.invlpg(0, USER_VA);
    expect([m.reachableAfterFree(f), m.isWritableAnywhere(f), m.afterFreeFrameCount]).toEqual([
      false,
      false,
      0,
    ]);
    expect(() => m.reachers(m.frames.count)).toThrow(RangeError);
    // A global kernel entry is cached under the global tag.
    const kva = m.arch.layout.vmallocBase;
    const g = data();
    m.ensurePath(kernel, kva, 1, table);
    m.setLeaf(kernel, kva, 1, g, Pte.GLOBAL);
    m.clearEntry(kernel, kva, 1);
    expect(m.cachedTranslations(g).map((t) => [t.tag, t.cpus, t.afterFree])).toEqual([
      ['global', [0, 1], false],
    ]);
  });

  it('a 2 MiB stale translation reaches each of its 512 frames and nothing past them', () => {
    const { m, table } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 2, table);
    m.setLeaf(mm, USER_VA, 2, 1024, RW_USER);
    m.setRoot(0, mm);
    m.clearEntry(mm, USER_VA, 2);
    expect(m.cachedTranslations(1024).map((t) => [t.va, t.level, t.pfn])).toEqual([[USER_VA, 2, 1024]]);
    expect(m.cachedTranslations(1024 + 511)).toHaveLength(1);
    expect(m.cachedTranslations(1023)).toEqual([]);
    expect(m.cachedTranslations(1024 + 512)).toEqual([]);
    expect(m.reachers(1024 + 511).stale).toBe(1);
    expect(m.reachers(1024 + 512).stale).toBe(0);
  });

  it('stale walk-cache entries: which table, whether it was freed since, and the O(1) INV-FREED-PT test', () => {
    const { m, table, data } = rig({ cpus: 2 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const pt = m.lookup(mm, USER_VA).tables[3];
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setRoot(1, mm);
    m.clearEntry(mm, USER_VA, 2);
    expect(m.staleWalkEntries()).toEqual([
      { cpus: [1], va: USER_VA, level: 2, tag: 1, tablePfn: pt, tableFreed: false },
    ]);
    expect([m.staleWalkRefs(pt), m.staleWalkToFreedTable()]).toEqual([1, false]);
    m.frames.free(pt);
    expect(m.staleWalkEntries()[0].tableFreed).toBe(true);
    expect(m.staleWalkToFreedTable()).toBe(true);
    m.invlpg(1, USER_VA);
    expect([m.staleWalkEntries(), m.staleWalkRefs(pt), m.staleWalkToFreedTable()]).toEqual([[], 0, false]);
  });

  it('cachedCpus: adversarial — every CPU that loaded the tag, plus holders of stale records', () => {
    const { m, kernel, table, data } = rig({ cpus: 4 });
    const mm = m.createSpace(1, table);
    const other = m.createSpace(2, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    expect(m.cachedCpus(mm, USER_VA)).toEqual([]);
    m.setRoot(2, mm);
    m.setRoot(0, mm);
    m.setRoot(3, other);
    expect(m.cachedCpus(mm, USER_VA)).toEqual([0, 2]);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setRoot(1, mm);
    // CPUs 0 and 2 may hold the old entry; 0, 1, 2 the new one.
    expect(m.cachedCpus(mm, USER_VA)).toEqual([0, 1, 2]);
    expect(m.cachedCpus(mm, USER_VA + 4096)).toEqual([]);
    // Kernel addresses are global: every CPU may hold a global entry.
    const kva = m.arch.layout.vmallocBase;
    m.ensurePath(kernel, kva, 1, table);
    m.setLeaf(kernel, kva, 1, data(), Pte.GLOBAL);
    expect(m.cachedCpus(mm, kva)).toEqual([0, 1, 2, 3]);
  });

  it('cachedCpus: precise — only CPUs whose TLB filled the entry', () => {
    const { m, table, data } = rig({ cpus: 3, tlb: 'precise' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    for (const c of [0, 1, 2]) m.setRoot(c, mm);
    expect(m.cachedCpus(mm, USER_VA)).toEqual([]);
    expect(m.access(2, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.cachedCpus(mm, USER_VA)).toEqual([0, 2]);
    expect(m.cachedCpus(mm, USER_VA + 4096)).toEqual([]);
    m.invlpg(2, USER_VA);
    expect(m.cachedCpus(mm, USER_VA)).toEqual([0]);
  });
});

describe('freedTableWalks: a page-table frame freed while a parent entry still points at it (INV-FREED-PT)', () => {
  it('through the parent entry, while a CPU has the space loaded; gone once the parent is cleared', () => {
    const { m, table, data } = rig({ cpus: 2 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const pt = m.lookup(mm, USER_VA).tables[3];
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    expect(m.freedTableWalks()).toEqual([]);
    m.frames.free(pt);
    // No CPU walks the space yet.
    expect(m.freedTableWalks()).toEqual([]);
    m.setRoot(1, mm);
    expect(m.freedTableWalks()).toEqual([{ pfn: pt, cpu: 1, va: USER_VA, via: 'parent', relinked: false }]);
    m.clearEntry(mm, USER_VA, 2);
    expect(m.freedTableWalks()).toEqual([]);
  });

  it('a kernel table is walked by any CPU; a frame linked again after its free is reported relinked', () => {
    const { m, kernel, table } = rig({ cpus: 2 });
    const kva = m.arch.layout.vmallocBase;
    m.ensurePath(kernel, kva, 1, table);
    const pt = m.lookup(kernel, kva).tables[3];
    m.frames.free(pt);
    expect(m.freedTableWalks()).toEqual([{ pfn: pt, cpu: 0, va: kva, via: 'parent', relinked: false }]);
    m.frames.setTag(pt, 'page-table');
    m.setTable(kernel, kva + TWO_MIB, 2, pt);
    expect(m.freedTableWalks()).toEqual([{ pfn: pt, cpu: 0, va: kva, via: 'parent', relinked: true }]);
  });

  it('through a stale walk-cache entry to a table above the old parent entry', () => {
    const { m, table, data } = rig({ cpus: 2 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const [, , l2, pt] = m.lookup(mm, USER_VA).tables;
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setRoot(1, mm);
    // Unlink the L2 table (its pointer to `pt` stays inside it) while CPU 1 may cache the L3 entry.
    m.clearEntry(mm, USER_VA, 3);
    m.frames.free(pt);
    expect(m.freedTableWalks()).toEqual([
      { pfn: pt, cpu: 1, va: USER_VA, via: 'walk-cache', relinked: false },
    ]);
    // CPU 1 may hold both pointers of the unlinked path: the L3 entry to l2 and l2's entry to pt.
    expect(m.staleWalkEntries().map((e) => [e.level, e.tablePfn, e.tableFreed])).toEqual([
      [2, pt, true],
      [3, l2, false],
    ]);
    m.invlpg(1, USER_VA);
    expect(m.freedTableWalks()).toEqual([]);
  });
});
