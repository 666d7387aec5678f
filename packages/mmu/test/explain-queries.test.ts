// The enumerations that explain an invariant's finding (DESIGN §2, §3): which present leaves reach a
// frame, which possibly-cached translations and walk-cache entries outlive their entries, and on which
// CPUs a VA may be cached. Their order is part of the contract: same machine, same listing.
import { describe, expect, it } from 'vitest';
import { Access, KERNEL_HALF, LEVEL_SIZE, Mode, Outcome, Pte } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;
const TWO_MIB = LEVEL_SIZE[2];
const ONE_GIB = LEVEL_SIZE[3];

describe('validTranslations: present leaves in tables reachable from a root', () => {
  it('a 2 MiB leaf reaches its 512 frames and no other; each listed with its first frame', () => {
    const { m, table } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 2, table);
    m.setLeaf(mm, USER_VA, 2, 1024, RW_USER);
    const leaf = { space: mm, va: USER_VA, level: 2, flags: RW_USER | Pte.PRESENT, pfn: 1024 };
    expect(m.validTranslations(1024)).toEqual([leaf]);
    expect(m.validTranslations(1024 + 511)).toEqual([leaf]);
    expect(m.validTranslations(1023)).toEqual([]);
    expect(m.validTranslations(1024 + 512)).toEqual([]);
  });

  it('entries of an unlinked table translate nothing; listing is by space, then VA', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    const f = data();
    // The higher VA's tables are made first, so table storage order differs from VA order.
    const high = USER_VA + 5 * TWO_MIB;
    m.ensurePath(mm, high, 1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, high, 1, f, RW_USER);
    m.setLeaf(mm, USER_VA + 4096, 1, f, Pte.USER);
    expect(m.validTranslations(f).map((t) => [t.space, t.va])).toEqual([
      [mm, USER_VA + 4096],
      [mm, high],
    ]);
    // Unlink the level-1 table holding `high`: its entry is still in the frame but no walk reaches it.
    m.clearEntry(mm, high, 2);
    expect(m.validTranslations(f).map((t) => t.va)).toEqual([USER_VA + 4096]);
    expect(m.reachers(f).valid).toBe(1);
  });
});

describe('cachedTranslations and staleWalkEntries: a stable order', () => {
  it('stale leaves by level, then VA, then tag, then store time', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const a = m.createSpace(1, table);
    const b = m.createSpace(2, table);
    const f = data();
    for (const s of [a, b]) m.ensurePath(s, USER_VA, 1, table);
    m.ensurePath(a, USER_VA + ONE_GIB, 2, table);
    m.setRoot(0, a);
    // Space b (ASID 2) first, then a (ASID 1); the higher VA first; the 2 MiB leaf last.
    m.setLeaf(b, USER_VA, 1, f, RW_USER);
    m.setRoot(0, b, { noflush: true });
    m.clearEntry(b, USER_VA, 1);
    m.setRoot(0, a, { noflush: true });
    m.setLeaf(a, USER_VA + 4096, 1, f, RW_USER);
    m.clearEntry(a, USER_VA + 4096, 1);
    // The same entry changed twice: two stale translations, the older first.
    m.setLeaf(a, USER_VA, 1, f, RW_USER);
    m.setLeaf(a, USER_VA, 1, f, Pte.USER);
    m.clearEntry(a, USER_VA, 1);
    m.setLeaf(a, USER_VA + ONE_GIB, 2, f, Pte.USER);
    m.clearEntry(a, USER_VA + ONE_GIB, 2);
    expect(m.cachedTranslations(f).map((t) => [t.level, t.va, t.tag, t.flags & Pte.WRITABLE])).toEqual([
      [1, USER_VA, 1, Pte.WRITABLE],
      [1, USER_VA, 1, 0],
      [1, USER_VA, 2, Pte.WRITABLE],
      [1, USER_VA + 4096, 1, Pte.WRITABLE],
      [2, USER_VA + ONE_GIB, 1, 0],
    ]);
  });

  it('a kernel walk-cache entry is global; tableFreed only once the table frame is freed', () => {
    const { m, kernel, table } = rig({ cpus: 2 });
    const kva = KERNEL_HALF + 7 * TWO_MIB;
    m.ensurePath(kernel, kva, 1, table);
    const pt = m.lookup(kernel, kva).tables[3];
    m.clearEntry(kernel, kva, 2);
    expect(m.staleWalkEntries()).toEqual([
      { cpus: [0, 1], va: kva, level: 2, tag: 'global', tablePfn: pt, tableFreed: false },
    ]);
    m.frames.free(pt);
    expect(m.staleWalkEntries().map((e) => e.tableFreed)).toEqual([true]);
  });
});

describe('cachedCpus: where a VA may be cached', () => {
  it('a cleared kernel entry at the first kernel address may stay cached on every CPU', () => {
    const { m, kernel, table, data } = rig({ cpus: 3 });
    const mm = m.createSpace(1, table);
    m.ensurePath(kernel, KERNEL_HALF, 1, table);
    m.setLeaf(kernel, KERNEL_HALF, 1, data(), Pte.GLOBAL | Pte.WRITABLE);
    m.clearEntry(kernel, KERNEL_HALF, 1);
    expect(m.cachedCpus(mm, KERNEL_HALF)).toEqual([0, 1, 2]);
  });

  it('a cleared 1 GiB user leaf may stay cached where the ASID was loaded', () => {
    const { m, table } = rig({ cpus: 3 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 3, table);
    m.setLeaf(mm, USER_VA, 3, 0, RW_USER);
    m.setRoot(1, mm);
    m.clearEntry(mm, USER_VA, 3);
    expect(m.cachedCpus(mm, USER_VA + 123 * 4096)).toEqual([1]);
  });

  it('a guest’s stage-2 translation: the CPUs running that VMID', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 3 });
    const vm0 = m.createStage2Space(0, table);
    const ipa = 0x80000000;
    m.ensurePath(vm0, ipa, 1, table);
    m.setLeaf(vm0, ipa, 1, data(), Pte.WRITABLE);
    expect(m.cachedCpus(vm0, ipa)).toEqual([]);
    m.enterRegime(2, { el: 1, vttbr: vm0 });
    expect(m.cachedCpus(vm0, ipa)).toEqual([2]);
  });

  it('precise, split TLB: the CPU whose data-side TLB filled the entry, whichever side', () => {
    const { m, table, data } = rig({ cpus: 3, tlb: 'precise', tlbSides: 'split' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER | Pte.XUSER);
    for (const c of [0, 1, 2]) m.setRoot(c, mm);
    expect(m.access(2, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.cachedCpus(mm, USER_VA)).toEqual([2]);
    expect(m.access(1, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK);
    expect(m.cachedCpus(mm, USER_VA)).toEqual([1, 2]);
  });

  it('precise: a guest’s access caches a combined entry of its VMID', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 2, tlb: 'precise' });
    const vm0 = m.createStage2Space(0, table);
    const ipa = 0x80000000;
    m.ensurePath(vm0, ipa, 1, table);
    m.setLeaf(vm0, ipa, 1, data(), Pte.WRITABLE);
    m.enterRegime(1, { el: 1, vttbr: vm0 });
    m.enterRegime(0, { el: 1, vttbr: vm0 });
    expect(m.cachedCpus(vm0, ipa)).toEqual([]);
    expect(m.access(1, ipa, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
    expect(m.cachedCpus(vm0, ipa)).toEqual([1]);
  });
});
