// The EL2 / stage-2 regime: VMID-tagged stage-2 trees, guests, TLBI by IPA / VMID / EL2, the TTL hint,
// entering and leaving a regime. Expectations follow the Arm ARM (DDI 0487) TLB maintenance rules as
// KVM relies on them (arch/arm64/kvm/hyp/nvhe/tlb.c) and Casemate's examples (examples/tests/*VMID*.c).
import { describe, expect, it } from 'vitest';
import { Access, Mode, Outcome, Pte, Regime, type BbmViolation, type TagOverlap } from '../src/index.js';
import { rig } from './helpers.js';

const IPA = 0x80000000;
const S2_RW = Pte.WRITABLE;

function guestRig(tlb: 'adversarial' | 'precise' = 'adversarial') {
  const r = rig({ arch: 'arm64', cpus: 2, tlb });
  const vm0 = r.m.createStage2Space(0, r.table);
  const vm1 = r.m.createStage2Space(1, r.table);
  r.m.ensurePath(vm0, IPA, 1, r.table);
  const p = r.data();
  r.m.setLeaf(vm0, IPA, 1, p, S2_RW);
  return { ...r, vm0, vm1, p };
}

describe('stage 2: translation and permissions', () => {
  it('a guest translates IPA → PA through its VTTBR; S2AP write and XN decide', () => {
    const { m, vm0, p } = guestRig();
    m.enterRegime(0, { el: 1, vttbr: vm0 });
    expect(m.regimeOn(0)).toBe(Regime.GUEST);
    expect(m.access(0, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
    expect(m.lastPfn).toBe(p);
    expect(m.access(0, IPA, Access.WRITE, Mode.KERNEL)).toBe(Outcome.OK);
    expect(m.access(0, IPA, Access.EXEC, Mode.KERNEL)).toBe(Outcome.FAULT_EXEC);
    expect(m.access(0, IPA + 4096, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
    m.exitRegime(0);
    expect(m.regimeOn(0)).toBe(Regime.EL10);
    expect(() => m.exitRegime(0)).toThrow(/has not entered/);
  });

  it('refuses a stage-2 space where a TTBR0_EL1 is loaded, and IPAs at or above 2^47', () => {
    const { m, vm0, table } = guestRig();
    expect(() => m.setRoot(0, vm0)).toThrow(/stage-2 or EL2 space/);
    expect(() => m.ensurePath(vm0, 2 ** 47, 1, table)).toThrow(/below 2\^47/);
  });
});

describe('TLBI IPAS2E1IS and the combined entries it leaves (Arm ARM D8.13; KVM __kvm_tlb_flush_vmid_ipa)', () => {
  for (const tlb of ['adversarial', 'precise'] as const) {
    it(`${tlb}: IPAS2E1IS + DSB alone leaves the guest's combined entry; VMALLE1IS removes it`, () => {
      const { m, vm0, p } = guestRig(tlb);
      m.enterRegime(1, { el: 1, vttbr: vm0 });
      expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
      // The hypervisor on CPU 0 unmaps the IPA, in the guest's VMID context.
      m.enterRegime(0, { el: 2, vttbr: vm0 });
      m.clearEntry(vm0, IPA, 1);
      m.tlbi(0, 'IPAS2E1', { va: IPA });
      m.dsb(0);
      expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
      expect(m.lastPfn).toBe(p);
      m.tlbi(0, 'VMALLE1');
      m.dsb(0);
      expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
    });
  }

  it('VMALLE1IS alone leaves the stage-2-only walk of an unlinked stage-2 table', () => {
    const { m, vm0, table } = guestRig();
    m.enterRegime(1, { el: 1, vttbr: vm0 });
    m.enterRegime(0, { el: 2, vttbr: vm0 });
    // Replace the level-1 table under IPA with an empty one: the old walk may stay cached.
    m.clearEntry(vm0, IPA, 2);
    m.tlbi(0, 'VMALLE1');
    m.dsb(0);
    expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    m.tlbi(0, 'IPAS2E1', { va: IPA });
    m.dsb(0);
    expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
    void table;
  });

  it('VMALLS12E1IS removes both kinds; a TLBI under another VMID removes neither', () => {
    const { m, vm0, vm1 } = guestRig();
    m.enterRegime(1, { el: 1, vttbr: vm0 });
    m.enterRegime(0, { el: 2, vttbr: vm1 });
    m.clearEntry(vm0, IPA, 1);
    m.tlbi(0, 'VMALLS12E1');
    m.tlbi(0, 'ALLE2');
    m.dsb(0);
    expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    m.exitRegime(0);
    m.enterRegime(0, { el: 2, vttbr: vm0 });
    m.tlbi(0, 'VMALLS12E1');
    m.dsb(0);
    expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('ALLE1IS removes every VMID, and needs no VTTBR; IPAS2E1 without one is refused', () => {
    const { m, vm0 } = guestRig();
    m.enterRegime(1, { el: 1, vttbr: vm0 });
    m.clearEntry(vm0, IPA, 1);
    expect(() => m.tlbi(0, 'ALLE1')).toThrow(/an EL2 instruction/);
    m.enterRegime(0, { el: 2 });
    expect(() => m.tlbi(0, 'IPAS2E1', { va: IPA })).toThrow(/no VTTBR_EL2/);
    m.tlbi(0, 'ALLE1');
    m.dsb(0);
    expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('a host VMALLE1IS (no VTTBR) leaves guest entries; a guest VMALLE1IS leaves host entries', () => {
    const { m, vm0, table, data } = guestRig();
    const host = m.createSpace(5, table);
    m.ensurePath(host, 0x40000000, 1, table);
    const hp = data();
    m.setLeaf(host, 0x40000000, 1, hp, Pte.WRITABLE | Pte.USER);
    m.setRoot(0, host);
    m.enterRegime(1, { el: 1, vttbr: vm0 });
    m.clearEntry(vm0, IPA, 1);
    m.clearEntry(host, 0x40000000, 1);
    m.tlbi(0, 'VMALLE1');
    m.dsb(0);
    expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    expect(m.access(0, 0x40000000, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
  });
});

describe('break-before-make on stage 2 (Casemate good_bbm_by_VMID / bad_bbm_by_wrong_VMID)', () => {
  function bbmRun(tlbiVmid: 0 | 1): BbmViolation[] {
    const { m, vm0, vm1, data } = guestRig();
    const seen: BbmViolation[] = [];
    m.observe({ bbmViolation: (v) => seen.push(v) });
    m.enterRegime(1, { el: 1, vttbr: vm0 });
    m.access(1, IPA, Access.READ, Mode.KERNEL);
    m.enterRegime(0, { el: 2, vttbr: vm0 });
    m.clearEntry(vm0, IPA, 1);
    m.dsb(0);
    m.tlbi(0, 'IPAS2E1', { va: IPA });
    m.dsb(0);
    if (tlbiVmid === 1) m.enterRegime(0, { el: 2, vttbr: vm1 });
    m.tlbi(0, 'VMALLE1');
    m.dsb(0);
    if (tlbiVmid === 1) m.exitRegime(0);
    m.setLeaf(vm0, IPA, 1, data(), S2_RW);
    return seen;
  }
  it('IPAS2E1IS + VMALLE1IS in the tree VMID: the new descriptor makes no conflict', () => {
    expect(bbmRun(0)).toEqual([]);
  });
  it('VMALLE1IS under VMID 1: VMID 0 may still hold the combined entry — a conflict', () => {
    const v = bbmRun(1);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ reason: 'conflict', cpus: [1] });
  });
});

describe('the TTL hint (FEAT_TTL)', () => {
  it('a wrong level leaves the entry; the right one removes it', () => {
    const { m, vm0 } = guestRig();
    m.enterRegime(1, { el: 1, vttbr: vm0 });
    m.enterRegime(0, { el: 2, vttbr: vm0 });
    m.clearEntry(vm0, IPA, 1);
    m.tlbi(0, 'IPAS2E1', { va: IPA, level: 2 });
    m.tlbi(0, 'VMALLE1');
    m.dsb(0);
    // The stage-2-only 4 KiB entry survives a hint that says 2 MiB: the guest may still use it.
    expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    m.tlbi(0, 'IPAS2E1', { va: IPA, level: 1 });
    m.dsb(0);
    expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(() => m.tlbi(0, 'VMALLE1', { level: 1 })).toThrow(/by-address forms only/);
  });
});

describe('the EL2 regime (TTBR0_EL2; TLBI VAE2IS / VALE2IS / ALLE2IS)', () => {
  it('EL2 translates through its own tables; VAE2IS removes its stale entry, VMALLE1IS does not', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 2 });
    const hyp = m.createEl2Space(table);
    const va = 0x10000000;
    m.ensurePath(hyp, va, 1, table);
    const p = data();
    m.setLeaf(hyp, va, 1, p, Pte.WRITABLE | Pte.XKERNEL);
    m.enterRegime(1, { el: 2, el2: hyp });
    expect(m.access(1, va, Access.EXEC, Mode.KERNEL)).toBe(Outcome.OK);
    m.exitRegime(1);
    m.clearEntry(hyp, va, 1);
    m.enterRegime(0, { el: 2, el2: hyp });
    m.tlbi(0, 'VMALLE1');
    m.tlbi(0, 'ALLE1');
    m.dsb(0);
    // Back at EL2 later (TTBR0_EL2 kept its value): the old entry may still serve.
    m.enterRegime(1, { el: 2 });
    expect(m.access(1, va, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    m.tlbi(0, 'VALE2', { va });
    m.dsb(0);
    expect(m.access(1, va, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
  });
});

describe('one VMID, two roots (Casemate bad_overlap_VMID)', () => {
  it('reports loading another root under a VMID whose entries may still be held; not after VMALLS12E1', () => {
    const { m, vm0, table, p } = guestRig();
    const other = m.createStage2Space(0, table);
    const seen: TagOverlap[] = [];
    m.observe({ tagOverlap: (o) => seen.push(o) });
    m.enterRegime(0, { el: 1, vttbr: vm0 });
    m.exitRegime(0);
    m.enterRegime(0, { el: 2, vttbr: other });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ register: 'vttbr_el2', id: 0, holders: [0] });
    // The TLB is tagged by VMID, not by root: a guest run under `other` may use vm0's entries.
    m.enterRegime(0, { el: 1, vttbr: other });
    expect(m.access(0, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(p);
    m.exitRegime(0);
    m.tlbi(0, 'VMALLS12E1');
    m.dsb(0);
    m.exitRegime(0);
    // CPU 0 flushed VMID 0 everywhere: loading vm0 again finds nobody holding `other`'s entries.
    m.enterRegime(0, { el: 2, vttbr: vm0 });
    expect(seen).toHaveLength(1);
    m.enterRegime(0, { el: 1, vttbr: other });
    expect(m.access(0, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
  });
});

describe('who may hold a stage-2 or EL2 translation (cachedCpus)', () => {
  for (const tlb of ['adversarial', 'precise'] as const) {
    it(`${tlb}: the guest CPU that used it, not the host or EL2 CPUs`, () => {
      const { m, vm0 } = guestRig(tlb);
      m.enterRegime(1, { el: 1, vttbr: vm0 });
      m.access(1, IPA, Access.READ, Mode.KERNEL);
      m.enterRegime(0, { el: 2, vttbr: vm0 });
      expect(m.cachedCpus(vm0, IPA)).toEqual([1]);
      m.clearEntry(vm0, IPA, 1);
      expect(m.cachedCpus(vm0, IPA)).toEqual([1]);
      m.tlbi(0, 'VMALLS12E1');
      m.dsb(0);
      expect(m.cachedCpus(vm0, IPA)).toEqual([]);
    });
  }
});

describe('one EL2 regime, two roots (Casemate bad_overlap_ASID, TTBR0_EL2)', () => {
  it('precise: switching TTBR0_EL2 to another root without ALLE2 leaves the first root’s entry usable', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1, tlb: 'precise' });
    const a = m.createEl2Space(table);
    const b = m.createEl2Space(table);
    const va = 0x10000000;
    m.ensurePath(a, va, 1, table);
    const p = data();
    m.setLeaf(a, va, 1, p, Pte.WRITABLE);
    const seen: TagOverlap[] = [];
    m.observe({ tagOverlap: (o) => seen.push(o) });
    m.enterRegime(0, { el: 2, el2: a });
    expect(m.access(0, va, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
    m.exitRegime(0);
    m.enterRegime(0, { el: 2, el2: b });
    expect(seen).toMatchObject([{ register: 'ttbr0_el2', id: -1, holders: [0] }]);
    expect(m.access(0, va, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    m.tlbi(0, 'ALLE2');
    m.dsb(0);
    expect(m.access(0, va, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
  });
});
