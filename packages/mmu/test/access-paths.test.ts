// The access and speculative-walk paths of both TLB models (DESIGN §2): what a CPU without a user root,
// a guest and a speculative walk see; global entries across PCIDs (Intel SDM Vol. 3A §4.10.2.4: a global
// TLB entry is used whatever the current PCID, and MOV to CR3 keeps global entries, §4.10.4.1); a TLB
// entry refilled through a walk-cache entry that outlived its table pointer (Arm ARM D8.13: a last-level
// TLBI need not remove walk-cache entries).
import { describe, expect, it } from 'vitest';
import { Access, KERNEL_HALF, Mode, Outcome, Pte } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;

describe('accesses that no table can translate', () => {
  for (const tlb of ['adversarial', 'precise'] as const) {
    it(`${tlb}: a CPU with no user root loaded faults on user VAs and still reaches the kernel half`, () => {
      const { m, kernel, table, data } = rig({ cpus: 2, tlb });
      const mm = m.createSpace(1, table);
      m.ensurePath(mm, USER_VA, 1, table);
      m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
      const kva = KERNEL_HALF + 4096;
      const k = data();
      m.ensurePath(kernel, kva, 1, table);
      m.setLeaf(kernel, kva, 1, k, Pte.WRITABLE | Pte.GLOBAL);
      m.setRoot(0, mm);
      expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
      expect(m.access(1, kva, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
      expect(m.lastPfn).toBe(k);
      expect(m.speculate(1, USER_VA)).toBe(false);
      expect(m.speculate(1, kva)).toBe(true);
    });

    it(`${tlb}: a guest's addresses are IPAs below 2^47, so none reaches the host kernel half`, () => {
      const { m, kernel, table, data } = rig({ arch: 'arm64', cpus: 1, tlb });
      const kva = KERNEL_HALF;
      m.ensurePath(kernel, kva, 1, table);
      m.setLeaf(kernel, kva, 1, data(), Pte.WRITABLE | Pte.GLOBAL);
      expect(m.access(0, kva, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
      const vm = m.createStage2Space(1, table);
      m.enterRegime(0, { el: 1, vttbr: vm });
      expect(m.access(0, kva, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
      expect(m.speculate(0, kva)).toBe(false);
    });
  }
});

describe('speculate', () => {
  it('adversarial: a walk is paid and nothing else changes; the answer is whether the VA is mapped', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setRoot(0, mm);
    expect(m.speculate(0, USER_VA)).toBe(true);
    expect(m.speculate(0, USER_VA + 4096)).toBe(false);
    expect([m.counter('walk'), m.counter('fill')]).toEqual([2, 0]);
  });

  it('precise, split TLB: an instruction-side speculative walk fills the I-side only', () => {
    const { m, table, data } = rig({ cpus: 1, tlb: 'precise', tlbSides: 'split', walkCacheEntries: 0 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER | Pte.XUSER);
    m.setRoot(0, mm);
    expect(m.speculate(0, USER_VA, 'instr')).toBe(true);
    expect([m.counter('walk'), m.counter('fill')]).toEqual([1, 1]);
    expect(m.access(0, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK);
    expect(m.counter('walk')).toBe(1);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.counter('walk')).toBe(2);
  });
});

describe('precise: global entries and walk-cache refills', () => {
  it('an old global user entry is still used after a CR3 switch to another PCID', () => {
    const { m, table, data } = rig({ cpus: 1, tlb: 'precise' });
    const a = m.createSpace(1, table);
    const b = m.createSpace(2, table);
    m.ensurePath(a, USER_VA, 1, table);
    const old = data();
    m.setLeaf(a, USER_VA, 1, old, RW_USER | Pte.GLOBAL);
    m.setRoot(0, a);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    m.clearEntry(a, USER_VA, 1);
    m.setRoot(0, b);
    // b maps nothing at USER_VA; the global entry filled under PCID 1 answers anyway.
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(old);
    // INVLPG drops global entries for the page in every PCID.
    m.invlpg(0, USER_VA);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('a live global user entry filled under one PCID answers under another until INVLPG', () => {
    // No leaf was ever changed: the entry is current in space a, and global, so it matches whatever
    // PCID CR3 holds (SDM Vol. 3A §4.10.2.4) and the CR3 write keeps it (§4.10.4.1).
    const { m, table, data } = rig({ cpus: 2, tlb: 'precise' });
    const a = m.createSpace(1, table);
    const b = m.createSpace(2, table);
    m.ensurePath(a, USER_VA, 1, table);
    const p = data();
    m.setLeaf(a, USER_VA, 1, p, RW_USER | Pte.GLOBAL);
    m.setRoot(0, a);
    m.setRoot(1, b);
    // CPU 1 never ran a: its TLB has no such entry and b maps nothing there.
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    m.setRoot(0, b);
    const walks = m.counter('walk');
    expect(m.access(0, USER_VA, Access.WRITE, Mode.USER)).toBe(Outcome.OK);
    expect([m.lastPfn, m.counter('walk') - walks]).toEqual([p, 0]);
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    m.invlpg(0, USER_VA);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('arm64: after VALE1 the walk-cache entry to an unlinked table refills a stale TLB entry', () => {
    const { m, table, data } = rig({ arch: 'arm64', tlb: 'precise', cpus: 2 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const p = data();
    m.setLeaf(mm, USER_VA, 1, p, RW_USER);
    m.setRoot(1, mm);
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    // Unlink the level-1 table (its entry to p stays in it), then a last-level TLBI for the page.
    m.clearEntry(mm, USER_VA, 2);
    m.tlbi(0, 'VALE1', { va: USER_VA, asid: 1 });
    m.dsb(0);
    const walks = m.counter('walk');
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect([m.lastPfn, m.counter('walk') - walks]).toEqual([p, 1]);
    // The refilled entry is a stale translation CPU 1 holds; a TLBI by VA at all levels removes both.
    expect(m.cachedTranslations(p).map((t) => t.cpus)).toContainEqual([1]);
    m.tlbi(0, 'VAE1', { va: USER_VA, asid: 1 });
    m.dsb(0);
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.cachedTranslations(p)).toEqual([]);
  });
});

describe('precise: large pages in the TLB', () => {
  for (const level of [2, 3] as const) {
    it(`a level-${level} page is one TLB entry: the second access to another of its pages walks no more`, () => {
      const { m, table } = rig({ cpus: 1, tlb: 'precise' });
      const mm = m.createSpace(1, table);
      m.ensurePath(mm, USER_VA, level, table);
      m.setLeaf(mm, USER_VA, level, 0, RW_USER);
      m.setRoot(0, mm);
      expect(m.access(0, USER_VA + 4096, Access.READ, Mode.USER)).toBe(Outcome.OK);
      expect(m.access(0, USER_VA + 300 * 4096, Access.WRITE, Mode.USER)).toBe(Outcome.OK);
      expect([m.lastPfn, m.lastLevel, m.counter('walk'), m.counter('fill')]).toEqual([300, level, 1, 1]);
    });
  }
});
