// The access and speculative-walk paths of both TLB models (DESIGN §2): what a CPU without a user root,
// a guest and a speculative walk see; global entries across PCIDs (Intel SDM Vol. 3A §4.10.2.4: a global
// TLB entry is used whatever the current PCID, and MOV to CR3 keeps global entries, §4.10.4.1); a TLB
// entry refilled through a walk-cache entry that outlived its table pointer (Arm ARM D8.13: a last-level
// TLBI need not remove walk-cache entries).
import { describe, expect, it } from 'vitest';
import { Access, Invpcid, KERNEL_HALF, Mode, Outcome, Pte } from '../src/index.js';
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

describe('a live global user entry, under another PCID or ASID', () => {
  // No leaf is ever changed: the entry is current in space a, and global, so once a CPU that ran a may have
  // cached it, it matches whatever PCID CR3 holds (SDM Vol. 3A §4.10.2.4) and the CR3 write keeps it
  // (§4.10.4.1); on arm64 an entry with nG = 0 matches any ASID (Arm ARM D8.13). In space b, which maps
  // nothing there, it is not the current translation: the access is `ok-stale` (only a cached entry allows
  // it), in both models — the adversarial one faulted here, as if switching spaces dropped global entries.
  function twoSpaces(params: Parameters<typeof rig>[0]) {
    const r = rig({ cpus: 2, ...params });
    const a = r.m.createSpace(1, r.table);
    const b = r.m.createSpace(2, r.table);
    r.m.ensurePath(a, USER_VA, 1, r.table);
    const p = r.data();
    r.m.setLeaf(a, USER_VA, 1, p, RW_USER | Pte.GLOBAL);
    r.m.setRoot(0, a);
    r.m.setRoot(1, b);
    return { ...r, a, b, p };
  }

  for (const tlb of ['adversarial', 'precise'] as const) {
    it(`${tlb}: answers on the CPU that ran a until INVLPG, never on one that did not`, () => {
      const { m, b, p } = twoSpaces({ tlb });
      expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
      m.setRoot(0, b);
      const walks = m.counter('walk');
      expect(m.access(0, USER_VA, Access.WRITE, Mode.USER)).toBe(Outcome.OK_STALE);
      expect([m.lastPfn, m.counter('walk') - walks]).toEqual([p, 0]);
      expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
      // INVPCID single-context and a CR3 write without PCIDs keep global entries; INVLPG drops them.
      m.invpcid(0, Invpcid.SINGLE_CONTEXT, 2);
      m.invpcid(0, Invpcid.SINGLE_CONTEXT, 1);
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
      m.invlpg(0, USER_VA);
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    });

    it(`${tlb}: back in space a the entry is the current one again; INVPCID of globals drops it`, () => {
      const { m, a, b, p } = twoSpaces({ tlb });
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
      m.setRoot(0, b);
      m.setRoot(0, a);
      m.setRoot(0, b);
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
      m.setRoot(0, a);
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
      expect(m.lastPfn).toBe(p);
      m.setRoot(0, b);
      m.invpcid(0, Invpcid.ALL_INCL_GLOBAL);
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    });
  }

  it('adversarial: leaving a space twice records one copy, held by that CPU alone', () => {
    const { m, a, b } = twoSpaces({ tlb: 'adversarial' });
    m.setRoot(0, b);
    m.setRoot(0, a);
    m.setRoot(0, b);
    expect(m.staleLeaf.live).toBe(1);
    expect(m.staleLeaf.holders(m.staleLeaf.liveRecords()[0]!)).toEqual([0]);
  });

  it('adversarial: without PCIDs the CR3 write keeps it too', () => {
    const { m, b, p } = twoSpaces({ tlb: 'adversarial', features: { pcid: false } });
    m.setRoot(0, b);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(p);
  });

  for (const tlb of ['adversarial', 'precise'] as const) {
    it(`${tlb}, arm64: an ASID switch keeps it; TLBI ASIDE1 of the old ASID does not remove it, VAE1 does`, () => {
      const { m, b, p } = twoSpaces({ tlb, arch: 'arm64' });
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
      m.setRoot(0, b);
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
      expect(m.lastPfn).toBe(p);
      m.tlbi(0, 'ASIDE1', { asid: 1 });
      m.dsb(0);
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
      m.tlbi(0, 'VAE1', { va: USER_VA, asid: 2 });
      m.dsb(0);
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    });
  }
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
