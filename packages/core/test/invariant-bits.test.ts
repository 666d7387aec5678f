// The helpers every invariant reads the machine with (invariants/bits.ts): entry rights, which stale
// records reach a frame and whether they count (DESIGN §3's two honesty rules), with and without the
// MMU's per-frame and per-address indexes — a view without them must give the same answers by scanning.
import { Pte, createMachine, type Machine } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import {
  directMapFlags,
  flagsReaching,
  hex,
  isDirectMapVa,
  isExec,
  isPresent,
  isWritable,
  keyOf,
  liveForScan,
  nextEntryStart,
  recordCounts,
  recordReaches,
  recordVaOf,
  rightsOf,
  staleDirectMapTo,
  staleGrantsMore,
  staleLeafTo,
  validBeforeFree,
} from '../src/invariants/bits.js';
import type { MachineView, StaleRecords } from '../src/index.js';

const USER_VA = 0x40000000;
const UDATA = Pte.PRESENT | Pte.WRITABLE | Pte.USER;
const KDATA = Pte.PRESENT | Pte.WRITABLE | Pte.GLOBAL;

/** The machine seen without the MMU's optional indexes (a third-party view offers only the required members). */
function plainView(m: Machine): MachineView {
  const s = m.staleLeaf;
  const bare: StaleRecords = {
    live: s.live,
    level: s.level,
    index: s.index,
    flags: s.flags,
    out: s.out,
    since: s.since,
    space: s.space,
    tag: s.tag,
    liveRecords: () => s.liveRecords(),
    holders: (r) => s.holders(r),
  };
  // Nor the MMU's translationFlags: the linear-map and stale-entry questions go through lookup.
  return new Proxy(m as unknown as MachineView, {
    get: (target, p) =>
      p === 'staleLeaf' ? bare : p === 'translationFlags' ? undefined : (Reflect.get(target, p) as unknown),
  });
}

function machine(): { m: Machine; user: number; table: () => number; data: () => number } {
  const m = createMachine({ cpus: 2, memory: '8MiB' });
  const table = () => m.frames.allocAny('page-table');
  const data = () => m.frames.allocAny('data');
  m.createKernelSpace(table);
  const user = m.createSpace(1, table);
  return { m, user, table, data };
}

describe('entry rights', () => {
  it('decode the MMU’s flag word', () => {
    expect([isPresent(Pte.PRESENT), isPresent(Pte.WRITABLE)]).toEqual([true, false]);
    expect([isWritable(Pte.WRITABLE), isWritable(Pte.PRESENT)]).toEqual([true, false]);
    expect([isExec(Pte.XUSER), isExec(Pte.XKERNEL), isExec(Pte.PRESENT | Pte.USER)]).toEqual([
      true,
      true,
      false,
    ]);
    expect([keyOf(0), keyOf(7 << Pte.KEY_SHIFT), keyOf(Pte.KEY_MASK | Pte.PRESENT)]).toEqual([0, 7, 15]);
    expect(rightsOf(0)).toBe(0);
    expect(rightsOf(Pte.PRESENT)).toBe(1);
    expect(rightsOf(Pte.PRESENT | Pte.WRITABLE)).toBe(3);
    expect(rightsOf(Pte.PRESENT | Pte.XKERNEL)).toBe(5);
    expect(rightsOf(Pte.PRESENT | Pte.USER)).toBe(9);
    expect(rightsOf(Pte.PRESENT | Pte.WRITABLE | Pte.XUSER | Pte.USER)).toBe(15);
  });

  it('print addresses in hex and find the next entry’s start', () => {
    expect(hex(0x40001000)).toBe('0x40001000');
    expect(nextEntryStart(0x40001000, 1)).toBe(0x40002000);
    expect(nextEntryStart(0x40000000, 1)).toBe(0x40001000);
    expect(nextEntryStart(0x40001000, 2)).toBe(0x40200000);
    expect(nextEntryStart(0x40001000, 3)).toBe(0x80000000);
  });
});

describe('stale records reaching a frame', () => {
  it('a 2 MiB record reaches its 512 frames, each through its own VA', () => {
    const { m, user, table } = machine();
    m.ensurePath(user, USER_VA, 2, table);
    m.setLeaf(user, USER_VA, 2, 512, UDATA);
    m.setRoot(0, user);
    m.clearEntry(user, USER_VA, 2);
    const s = m.staleLeaf;
    const [r] = s.liveRecords();
    expect([
      recordReaches(s, r, 511),
      recordReaches(s, r, 512),
      recordReaches(s, r, 1023),
      recordReaches(s, r, 1024),
    ]).toEqual([false, true, true, false]);
    expect(recordVaOf(s, r, 512 + 3)).toBe(USER_VA + 3 * 4096);
    for (const view of [m as unknown as MachineView, plainView(m)]) {
      expect(staleLeafTo(view, 512 + 3)).toEqual([r]);
      expect(staleLeafTo(view, 1024)).toEqual([]);
    }
  });

  it('second honesty rule: a record counts while a holder has its ASID loaded; global records always', () => {
    const { m, user, table, data } = machine();
    const other = m.createSpace(2, table);
    const f = data();
    const g = data();
    m.ensurePath(user, USER_VA, 1, table);
    m.setLeaf(user, USER_VA, 1, f, UDATA);
    const kva = m.arch.layout.vmallocBase;
    m.ensurePath(m.kernelSpace, kva, 1, table);
    m.setLeaf(m.kernelSpace, kva, 1, g, KDATA);
    m.setRoot(1, user);
    m.clearEntry(user, USER_VA, 1);
    m.clearEntry(m.kernelSpace, kva, 1);
    const s = m.staleLeaf;
    const [ru] = staleLeafTo(m, f);
    expect(recordCounts(m, s, ru)).toBe(true);
    m.setRoot(1, other, { noflush: true });
    // CPU 1 switched away: the record under ASID 1 is latent, the global one still counts.
    for (const view of [m as unknown as MachineView, plainView(m)]) {
      expect(staleLeafTo(view, f)).toEqual([]);
      expect(staleLeafTo(view, g)).toHaveLength(1);
    }
    expect(recordCounts(m, s, ru)).toBe(false);
    m.setRoot(1, user, { noflush: true });
    expect(recordCounts(m, s, ru)).toBe(true);
    expect(staleLeafTo(plainView(m), f)).toEqual([ru]);
  });

  it('liveForScan reads the MMU’s list in place when it can, else a snapshot in the same order', () => {
    const { m, user, table, data } = machine();
    m.ensurePath(user, USER_VA, 1, table);
    for (let i = 0; i < 3; i++) m.setLeaf(user, USER_VA + i * 4096, 1, data(), UDATA);
    m.setRoot(0, user);
    for (let i = 0; i < 3; i++) m.clearEntry(user, USER_VA + i * 4096, 1);
    const fast = Array.from(liveForScan(m.staleLeaf));
    expect(fast).toHaveLength(3);
    expect(Array.from(liveForScan(plainView(m).staleLeaf))).toEqual(fast);
  });
});

describe('the linear map', () => {
  it('knows its addresses and whether a frame’s entry is present and reaches it', () => {
    const { m, table } = machine();
    const pfn = 100;
    const va = m.directMapVa(pfn);
    expect([isDirectMapVa(m, va), isDirectMapVa(m, USER_VA)]).toEqual([true, false]);
    // The MMU's translationFlags, and lookup for a view without it: the same answers.
    const views = [m, plainView(m)];
    expect(views.map((v) => directMapFlags(v, pfn))).toEqual([-1, -1]);
    m.ensurePath(m.kernelSpace, va, 1, table);
    m.setLeaf(m.kernelSpace, va, 1, pfn, KDATA);
    expect(views.map((v) => directMapFlags(v, pfn))).toEqual([KDATA, KDATA]);
    // An entry at the frame's linear address that maps another frame does not count.
    m.setLeaf(m.kernelSpace, va, 1, pfn + 1, KDATA);
    expect(views.map((v) => directMapFlags(v, pfn))).toEqual([-1, -1]);
    // The question underneath: which frame the address reaches now, and through which flags.
    expect(views.map((v) => flagsReaching(v, m.kernelSpace, va, pfn + 1))).toEqual([KDATA, KDATA]);
    expect(views.map((v) => flagsReaching(v, m.kernelSpace, va + 4096, pfn + 1))).toEqual([-1, -1]);
    const before = createMachine({ cpus: 1, memory: '1MiB' });
    expect(directMapFlags(before, 1)).toBe(-1);
  });

  it('stale linear-map records of a frame, by the address index or by a scan: the same records', () => {
    const { m, user, table, data } = machine();
    const f = data();
    const va = m.directMapVa(f);
    m.ensurePath(m.kernelSpace, va, 1, table);
    m.setLeaf(m.kernelSpace, va, 1, f, KDATA);
    // A user alias of the same frame, also stale: not a linear-map record.
    m.ensurePath(user, USER_VA, 1, table);
    m.setLeaf(user, USER_VA, 1, f, UDATA);
    m.setRoot(0, user);
    m.setLeaf(m.kernelSpace, va, 1, f, Pte.PRESENT | Pte.GLOBAL); // made read-only, no flush
    m.clearEntry(user, USER_VA, 1);
    const indexed = staleDirectMapTo(m, f);
    expect(indexed).toHaveLength(1);
    expect(m.staleLeaf.flags[indexed[0]]).toBe(KDATA);
    expect(staleDirectMapTo(plainView(m), f)).toEqual(indexed);
    expect(staleDirectMapTo(m, data())).toEqual([]);
  });
});

describe('first honesty rule: a stale entry matters only if it grants more than the current one', () => {
  it('another frame, more rights, or no current entry: grants more; fewer or equal rights: does not', () => {
    const { m, user, table, data } = machine();
    const a = data();
    const b = data();
    m.ensurePath(user, USER_VA, 1, table);
    m.setRoot(0, user);
    const recordFor = (pfn: number): number => staleLeafTo(m, pfn).at(-1)!;

    m.setLeaf(user, USER_VA, 1, a, UDATA);
    m.setLeaf(user, USER_VA, 1, a, Pte.PRESENT | Pte.USER); // write taken away: the stale RW grants more
    expect(staleGrantsMore(m, recordFor(a), a)).toBe(true);
    m.invlpg(0, USER_VA);

    m.setLeaf(user, USER_VA, 1, a, UDATA); // rights added: the stale R-only grants less
    expect(staleGrantsMore(m, recordFor(a), a)).toBe(false);
    m.invlpg(0, USER_VA);

    m.setLeaf(user, USER_VA, 1, b, UDATA); // another frame now: the stale one reaches `a`
    expect(staleGrantsMore(m, recordFor(a), a)).toBe(true);
    m.invlpg(0, USER_VA);

    m.setLeaf(user, USER_VA, 1, a, UDATA);
    m.clearEntry(user, USER_VA, 1); // nothing current
    expect(staleGrantsMore(m, recordFor(a), a)).toBe(true);
  });

  it('validBeforeFree leaves out the linear-map alias of the frame', () => {
    const { m, user, table, data } = machine();
    const f = data();
    expect(validBeforeFree(m, f)).toBe(0);
    const va = m.directMapVa(f);
    m.ensurePath(m.kernelSpace, va, 1, table);
    m.setLeaf(m.kernelSpace, va, 1, f, KDATA);
    m.ensurePath(user, USER_VA, 1, table);
    m.setLeaf(user, USER_VA, 1, f, UDATA);
    m.frames.free(f);
    // Two present entries were stored before the free; one is the linear map's.
    expect(m.reverse.validAfterFree(f)).toBe(2);
    expect(validBeforeFree(m, f)).toBe(1);
    m.clearEntry(user, USER_VA, 1);
    expect(validBeforeFree(m, f)).toBe(0);
  });
});
