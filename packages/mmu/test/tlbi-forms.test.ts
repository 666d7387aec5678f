// TLBI forms the other tests leave aside, against the Arm ARM's TLB maintenance rules (D8.13; C5.5 "TLBI")
// and the x86 INVPCID types (SDM Vol. 2A): the VMID a …E1 form acts in, EL2 last-level vs all-level
// forms, range forms and walk-cache entries, a wrong TTL hint, INVPCID with and without globals.
import { describe, expect, it } from 'vitest';
import { Access, Invpcid, KERNEL_HALF, LEVEL_SIZE, Mode, Outcome, Pte } from '../src/index.js';
import { USER_VA, rig, staleUserLeaf, tlbiDsb } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;
const IPA = 0x80000000;
const TWO_MIB = LEVEL_SIZE[2];

describe('…E1 forms act in the current VMID', () => {
  it('TLBI ASIDE1 issued in a guest leaves the host’s entries of that ASID; issued by the host it removes them', () => {
    const r = rig({ arch: 'arm64', cpus: 2 });
    const { m, table } = r;
    const { pfn: p } = staleUserLeaf(r, 3, 1);
    const vm = m.createStage2Space(2, table);
    m.enterRegime(0, { el: 1, vttbr: vm });
    tlbiDsb(m, 0, 'ASIDE1', { asid: 3 });
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(p);
    m.exitRegime(0);
    tlbiDsb(m, 0, 'ASIDE1', { asid: 3 });
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('TLBI VAE1 in a guest (flat stage 1: VA = IPA) removes the combined entry; the host’s VAE1 does not', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 2 });
    const vm = m.createStage2Space(2, table);
    m.ensurePath(vm, IPA, 1, table);
    m.setLeaf(vm, IPA, 1, data(), Pte.WRITABLE);
    m.enterRegime(1, { el: 1, vttbr: vm });
    expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
    m.enterRegime(0, { el: 2, vttbr: vm });
    m.clearEntry(vm, IPA, 1);
    tlbiDsb(m, 0, 'IPAS2E1', { va: IPA });
    m.exitRegime(0);
    // The host (no VTTBR) invalidates the same address in ASID 0: not the guest's entries.
    tlbiDsb(m, 0, 'VAE1', { va: IPA, asid: 0 });
    expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    m.enterRegime(0, { el: 1, vttbr: vm });
    tlbiDsb(m, 0, 'VAE1', { va: IPA + 4096, asid: 0 });
    expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    tlbiDsb(m, 0, 'VAE1', { va: IPA, asid: 0 });
    expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
  });
});

describe('walk-cache entries: last-level forms keep them, all-level and range forms remove them', () => {
  it('EL2: VALE2 leaves the walk-cache entry to an unlinked table, VAE2 removes it', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1 });
    const hyp = m.createEl2Space(table);
    const va = 0x10000000;
    m.ensurePath(hyp, va, 1, table);
    const pt = m.lookup(hyp, va).tables[3];
    m.setLeaf(hyp, va, 1, data(), Pte.WRITABLE);
    m.enterRegime(0, { el: 2, el2: hyp });
    m.clearEntry(hyp, va, 2);
    expect(m.staleWalkEntries().map((e) => e.tablePfn)).toEqual([pt]);
    tlbiDsb(m, 0, 'VALE2', { va });
    expect(m.staleWalkEntries().map((e) => e.tablePfn)).toEqual([pt]);
    tlbiDsb(m, 0, 'VAE2', { va });
    expect(m.staleWalkEntries()).toEqual([]);
  });

  it('RVAE1 removes the walk-cache entries its range covers, not those past it; RVALE1 none', () => {
    const { m, table } = rig({ arch: 'arm64', cpus: 2 });
    const mm = m.createSpace(1, table);
    const vas = [USER_VA, USER_VA + 2 * TWO_MIB];
    for (const va of vas) m.ensurePath(mm, va, 1, table);
    m.setRoot(1, mm);
    for (const va of vas) m.clearEntry(mm, va, 2);
    expect(m.staleWalkEntries().map((e) => e.va)).toEqual(vas);
    tlbiDsb(m, 0, 'RVALE1', { va: USER_VA, asid: 1, pages: 1024 });
    expect(m.staleWalkEntries().map((e) => e.va)).toEqual(vas);
    // 512 pages of 4 KiB from USER_VA: the first 2 MiB only.
    tlbiDsb(m, 0, 'RVAE1', { va: USER_VA, asid: 1, pages: 512 });
    expect(m.staleWalkEntries().map((e) => e.va)).toEqual([vas[1]]);
    // Another ASID's range leaves it.
    tlbiDsb(m, 0, 'RVAE1', { va: vas[1], asid: 2, pages: 512 });
    expect(m.staleWalkEntries().map((e) => e.va)).toEqual([vas[1]]);
  });

  it('precise: unlinking a table no CPU walked leaves no walk-cache entry', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 2, tlb: 'precise' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setRoot(1, mm);
    m.clearEntry(mm, USER_VA, 2);
    expect(m.staleWalkEntries()).toEqual([]);
  });
});

describe('TTL hints and all-ASID forms', () => {
  it('VAAE1 with a TTL naming another level leaves the 4 KiB entry; with level 1 it goes', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 2 });
    const mm = m.createSpace(5, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setRoot(1, mm);
    m.clearEntry(mm, USER_VA, 1);
    tlbiDsb(m, 0, 'VAAE1', { va: USER_VA, level: 2 });
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    tlbiDsb(m, 0, 'VAAE1', { va: USER_VA, level: 1 });
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
  });
});

describe('INVPCID all-contexts types (SDM Vol. 2A INVPCID)', () => {
  it('precise: type 3 keeps a global kernel entry, type 2 removes it', () => {
    const { m, kernel, table, data } = rig({ cpus: 1, tlb: 'precise' });
    const kva = KERNEL_HALF + 5 * 4096;
    m.ensurePath(kernel, kva, 1, table);
    const old = data();
    m.setLeaf(kernel, kva, 1, old, Pte.WRITABLE | Pte.GLOBAL);
    expect(m.access(0, kva, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
    const now = data();
    m.setLeaf(kernel, kva, 1, now, Pte.WRITABLE | Pte.GLOBAL);
    m.invpcid(0, Invpcid.ALL_NON_GLOBAL);
    expect(m.access(0, kva, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(old);
    m.invpcid(0, Invpcid.ALL_INCL_GLOBAL);
    expect(m.access(0, kva, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
    expect(m.lastPfn).toBe(now);
  });
});
