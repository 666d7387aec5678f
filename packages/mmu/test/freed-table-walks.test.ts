// INV-FREED-PT as the hardware reaches it (DESIGN §2: walk caches hold non-leaf entries, the walk then
// reads each table below from memory). A page-table frame freed while a parent entry still names it is
// reachable by every CPU that walks that parent: the CPUs with the space's ID loaded (its ASID in
// TTBR0_EL1 / CR3, its VMID in VTTBR_EL2 while running a guest), any CPU for the shared kernel half, and
// any CPU that may still hold a walk-cache entry for a pointer somewhere above the old parent entry.
import { describe, expect, it } from 'vitest';
import { Invpcid, KERNEL_HALF, LEVEL_SIZE, Pte, createMachine } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const TWO_MIB = LEVEL_SIZE[2];
const ONE_GIB = LEVEL_SIZE[3];

describe('freedTableWalks: which CPU walks the old parent entry', () => {
  it('the table at the very start of the kernel half is walked by every CPU (CPU 0 is reported)', () => {
    const { m, kernel, table } = rig({ cpus: 2 });
    m.ensurePath(kernel, KERNEL_HALF, 1, table);
    const [, l3, l2, pt] = m.lookup(kernel, KERNEL_HALF).tables;
    m.frames.free(pt);
    expect(m.freedTableWalks()).toEqual([
      { pfn: pt, cpu: 0, va: KERNEL_HALF, via: 'parent', relinked: false },
    ]);
    // Two freed tables come out by frame number, whatever order they were freed in.
    m.frames.free(l3);
    m.frames.free(l2);
    const pfns = [l3, l2, pt].sort((a, b) => a - b);
    expect(m.freedTableWalks().map((w) => [w.pfn, w.va, w.cpu])).toEqual(
      pfns.map((p) => [p, KERNEL_HALF, 0]),
    );
  });

  it('a user table only while some CPU has that ASID loaded; another space loaded does not count', () => {
    const { m, table, data } = rig({ cpus: 3 });
    const mm = m.createSpace(1, table);
    const other = m.createSpace(2, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), Pte.USER);
    const pt = m.lookup(mm, USER_VA).tables[3];
    m.setRoot(0, other);
    m.frames.free(pt);
    expect(m.freedTableWalks()).toEqual([]);
    m.setRoot(2, mm);
    expect(m.freedTableWalks()).toEqual([{ pfn: pt, cpu: 2, va: USER_VA, via: 'parent', relinked: false }]);
  });

  it('space 0 of a machine without a kernel half is walked where it is loaded', () => {
    const m = createMachine({ memory: '16MiB', cpus: 2 });
    const table = (): number => m.frames.allocAny('page-table');
    const mm = m.createSpace(3, table);
    expect(mm).toBe(0);
    m.ensurePath(mm, USER_VA, 1, table);
    const pt = m.lookup(mm, USER_VA).tables[3];
    m.frames.free(pt);
    expect(m.freedTableWalks()).toEqual([]);
    m.setRoot(1, mm);
    expect(m.freedTableWalks()).toEqual([{ pfn: pt, cpu: 1, va: USER_VA, via: 'parent', relinked: false }]);
  });

  it('a stage-2 table while a CPU runs a guest with its VMID in VTTBR_EL2 (not a guest of another VMID)', () => {
    const { m, table } = rig({ arch: 'arm64', cpus: 2 });
    const vm0 = m.createStage2Space(0, table);
    const vm1 = m.createStage2Space(1, table);
    const ipa = 0x80000000 + 5 * TWO_MIB;
    m.ensurePath(vm0, ipa, 1, table);
    const pt = m.lookup(vm0, ipa).tables[3];
    m.frames.free(pt);
    expect(m.freedTableWalks()).toEqual([]);
    m.enterRegime(0, { el: 1, vttbr: vm1 });
    expect(m.freedTableWalks()).toEqual([]);
    m.enterRegime(1, { el: 1, vttbr: vm0 });
    expect(m.freedTableWalks()).toEqual([{ pfn: pt, cpu: 1, va: ipa, via: 'parent', relinked: false }]);
  });
  it('a table freed from a space loaded nowhere and linked anew in a loaded space is not an old path', () => {
    const { m, table } = rig({ cpus: 2 });
    const a = m.createSpace(1, table);
    const b = m.createSpace(2, table);
    m.ensurePath(a, USER_VA, 1, table);
    m.ensurePath(b, USER_VA, 2, table);
    const pt = m.lookup(a, USER_VA).tables[3];
    m.setRoot(1, b);
    m.frames.free(pt);
    // Handed out again and linked under b: b's walks reach it through an entry stored after the free.
    m.setTable(b, USER_VA, 2, pt);
    expect(m.freedTableWalks()).toEqual([]);
    // Once a CPU loads a, a's old entry is a walk into the freed frame, now also linked elsewhere.
    m.setRoot(0, a);
    expect(m.freedTableWalks()).toEqual([{ pfn: pt, cpu: 0, va: USER_VA, via: 'parent', relinked: true }]);
  });
});

describe('freedTableWalks: through a cached pointer above the old parent entry', () => {
  // CPU 1 may keep the L4 entry's walk-cache entry to table A after A is unlinked. A walk through it reads
  // A's entries as they are now: a pointer stored into A later (to B), and B's entries below it.
  function unlinkedBranch() {
    const { m, table } = rig({ cpus: 2 });
    const mm = m.createSpace(1, table);
    const va = USER_VA + 3 * TWO_MIB;
    m.ensurePath(mm, va, 3, table);
    const a = m.lookup(mm, va).tables[1];
    m.setRoot(1, mm);
    m.clearEntry(mm, 0, 4);
    const b = table();
    m.storeInTable(a, USER_VA / ONE_GIB, Pte.TABLE, b);
    return { m, mm, va, a, b, table };
  }

  it('finds the freed table two levels below the cached pointer, at the VA whose walk passes there', () => {
    const { m, va, a, b, table } = unlinkedBranch();
    const pt = table();
    m.storeInTable(b, 3, Pte.TABLE, pt);
    expect(m.staleWalkEntries().map((e) => [e.level, e.va, e.tablePfn, e.cpus])).toEqual([[4, 0, a, [1]]]);
    m.frames.free(pt);
    expect(m.freedTableWalks()).toEqual([{ pfn: pt, cpu: 1, va, via: 'walk-cache', relinked: false }]);
    // Once CPU 1 has dropped every cached entry of PCID 1, nothing walks there.
    m.invpcid(1, Invpcid.SINGLE_CONTEXT, 1);
    expect(m.freedTableWalks()).toEqual([]);
  });

  it('a holder counts only while it has the ASID loaded (CR3 no-flush switch away and back)', () => {
    const { m, mm, va, b, table } = unlinkedBranch();
    const pt = table();
    m.storeInTable(b, 3, Pte.TABLE, pt);
    const other = m.createSpace(2, table);
    m.setRoot(1, other, { noflush: true });
    m.frames.free(pt);
    expect(m.freedTableWalks()).toEqual([]);
    m.setRoot(1, mm, { noflush: true });
    expect(m.freedTableWalks()).toEqual([{ pfn: pt, cpu: 1, va, via: 'walk-cache', relinked: false }]);
  });

  it('a pointer stored after the free is not an old path to the frame', () => {
    const { m, b, table } = unlinkedBranch();
    // pt is linked in another space's tree, loaded nowhere: freed while linked, walked by no CPU.
    const mm2 = m.createSpace(2, table);
    m.ensurePath(mm2, USER_VA, 1, table);
    const pt = m.lookup(mm2, USER_VA).tables[3];
    m.frames.free(pt);
    expect(m.freedTableWalks()).toEqual([]);
    // The frame is handed out again and linked under B, below CPU 1's cached pointer: a new tree, not
    // a walk through a parent entry stored before the free.
    m.storeInTable(b, 3, Pte.TABLE, pt);
    expect(m.frames.isFree(pt)).toBe(false);
    expect(m.freedTableWalks()).toEqual([]);
  });
});

describe('linkedAfterFree: a table frame back in a tree through a link made after its free', () => {
  it('no for a frame that is no table, for the old place alone, and for a link inside an unlinked table', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const [, , l2, pt] = m.lookup(mm, USER_VA).tables;
    expect(m.linkedAfterFree(data())).toBe(false);
    m.frames.free(pt);
    // Freed while linked: its one link is its old place.
    expect(m.linkedAfterFree(pt)).toBe(false);
    // Unlinked l2 still holds its old pointer; a new pointer into l2 reaches no tree either.
    m.clearEntry(mm, USER_VA, 3);
    m.storeInTable(l2, 1, Pte.TABLE, pt);
    expect(m.linkedAfterFree(pt)).toBe(false);
  });

  it('yes once a reachable table links it anew, as the first or as a further place', () => {
    const { m, table } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.ensurePath(mm, USER_VA + 8 * TWO_MIB, 2, table);
    const pt = m.lookup(mm, USER_VA).tables[3];
    m.frames.free(pt);
    // A further place (the old one is still linked): an extra alias newer than the free.
    m.setTable(mm, USER_VA + 8 * TWO_MIB, 2, pt);
    expect(m.linkedAfterFree(pt)).toBe(true);
    // The old place goes: the new link is the only (first) alias now.
    m.clearEntry(mm, USER_VA, 2);
    expect(m.linkedAfterFree(pt)).toBe(true);
    // Unlinked everywhere: no place in a tree.
    m.clearEntry(mm, USER_VA + 8 * TWO_MIB, 2);
    expect(m.linkedAfterFree(pt)).toBe(false);
  });
});
