// Entering and leaving translation regimes on arm64 (DESIGN §2; Arm ARM D8.1: EL1&0 with or without
// stage 2, EL2): which registers each entry may load, the nesting of entries, the way back to the host's
// EL1&0 translation, and the trace events that name the regime.
import { describe, expect, it } from 'vitest';
import { Access, Mode, Outcome, Pte, Regime, createMachine, type MmuEvent } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const IPA = 0x80000000;

function hostAndGuest() {
  const r = rig({ arch: 'arm64', cpus: 2 });
  const { m, table, data } = r;
  const mm = m.createSpace(3, table);
  m.ensurePath(mm, USER_VA, 1, table);
  m.setLeaf(mm, USER_VA, 1, data(), Pte.WRITABLE | Pte.USER);
  const vm = m.createStage2Space(4, table);
  m.ensurePath(vm, IPA, 1, table);
  m.setLeaf(vm, IPA, 1, data(), Pte.WRITABLE);
  const hyp = m.createEl2Space(table);
  return { ...r, mm, vm, hyp };
}

describe('enterRegime: what each register takes', () => {
  it('refuses x86, a VTTBR that is not a stage-2 space, a TTBR0_EL2 that is not an EL2 space, TTBR0_EL2 at EL1', () => {
    const x86 = rig({ cpus: 1 }).m;
    expect(() => x86.enterRegime(0, { el: 2 })).toThrow(
      'enterRegime: translation regimes are arm64 (EL2, VTTBR_EL2)',
    );
    const { m, mm, vm, hyp } = hostAndGuest();
    expect(() => m.enterRegime(0, { el: 1, vttbr: mm })).toThrow(
      `enterRegime: space ${mm} is not a stage-2 space (VTTBR_EL2 takes one)`,
    );
    expect(() => m.enterRegime(0, { el: 2, el2: vm })).toThrow(
      `enterRegime: space ${vm} is not an EL2 space (TTBR0_EL2 takes one)`,
    );
    expect(() => m.enterRegime(0, { el: 1, el2: hyp })).toThrow(
      'enterRegime: TTBR0_EL2 is written at EL2 (el: 2)',
    );
    // Nothing was entered by the refused calls.
    expect([m.regimeDepth(0), m.regimeOn(0)]).toEqual([0, Regime.EL10]);
  });

  it('entries nest; each exit restores the regime before it', () => {
    const { m, mm, vm, hyp } = hostAndGuest();
    m.setRoot(0, mm);
    expect(m.regimeDepth(0)).toBe(0);
    m.enterRegime(0, { el: 2, el2: hyp, vttbr: vm });
    m.enterRegime(0, { el: 1, vttbr: vm });
    expect([m.regimeDepth(0), m.regimeOn(0), m.regimeDepth(1)]).toEqual([2, Regime.GUEST, 0]);
    m.exitRegime(0);
    expect([m.regimeDepth(0), m.regimeOn(0)]).toEqual([1, Regime.EL2]);
    m.exitRegime(0);
    expect([m.regimeDepth(0), m.regimeOn(0), m.currentSpace(0)]).toEqual([0, Regime.EL10, mm]);
    expect(m.access(0, USER_VA, Access.WRITE, Mode.USER)).toBe(Outcome.OK);
  });

  it('EL1 without a VTTBR from EL2 is the host EL1&0 again: its space, no stage 2', () => {
    const { m, mm, vm } = hostAndGuest();
    m.setRoot(1, mm);
    m.enterRegime(1, { el: 2, vttbr: vm });
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    m.enterRegime(1, { el: 1 });
    expect([m.regimeOn(1), m.currentSpace(1)]).toEqual([Regime.EL10, mm]);
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    // VTTBR_EL2 no longer names a VMID: IPAS2E1 needs one (and EL2).
    m.enterRegime(1, { el: 2 });
    expect(() => m.tlbi(1, 'IPAS2E1', { va: IPA })).toThrow(/no VTTBR_EL2 loaded/);
  });

  it('a CPU that never ran a host space has none to return to', () => {
    const { m, vm } = hostAndGuest();
    m.enterRegime(0, { el: 1, vttbr: vm });
    m.enterRegime(0, { el: 1 });
    expect([m.regimeOn(0), m.currentSpace(0)]).toEqual([Regime.EL10, -1]);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
  });
});

describe('trace events name the regime entered or returned to', () => {
  it('el2 / guest with their VMID, el1', () => {
    const { m, mm, vm } = hostAndGuest();
    m.setRoot(0, mm);
    const seen: MmuEvent[] = [];
    m.setEventSink((e) => seen.push(e));
    m.enterRegime(0, { el: 2, vttbr: vm });
    m.enterRegime(0, { el: 1, vttbr: vm });
    m.exitRegime(0);
    m.exitRegime(0);
    expect(seen.filter((e) => e.kind === 'regime').map((e) => [e.cpu, e.detail])).toEqual([
      [0, 'el2 vmid 4'],
      [0, 'guest vmid 4'],
      [0, 'el2 vmid 4'],
      [0, 'el1'],
    ]);
  });
});

describe('one VMID, two roots, no observer', () => {
  it('the other root’s leaves may still translate for the VMID (the TLB is tagged by VMID, not root)', () => {
    const { m, vm, table, data } = hostAndGuest();
    const p = m.lookup(vm, IPA).pfn;
    const other = m.createStage2Space(4, table);
    m.ensurePath(other, IPA + 4096, 1, table);
    m.setLeaf(other, IPA + 4096, 1, data(), Pte.WRITABLE);
    m.enterRegime(1, { el: 1, vttbr: vm });
    m.exitRegime(1);
    m.enterRegime(1, { el: 1, vttbr: other });
    expect(m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(p);
    expect(m.access(1, IPA + 4096, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
  });
});

describe('one VMID, two roots: every leaf of the first root may translate for the second', () => {
  it('4 KiB leaves at any index and a 2 MiB block, under the VMID, on the CPU that ran it', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 2 });
    const first = m.createStage2Space(6, table);
    const page = IPA + 5 * 4096;
    const block = IPA + 2 * 2 ** 21;
    m.ensurePath(first, page, 1, table);
    m.ensurePath(first, block, 2, table);
    const p = data();
    m.setLeaf(first, page, 1, p, Pte.WRITABLE);
    m.setLeaf(first, block, 2, 2048, Pte.WRITABLE);
    const second = m.createStage2Space(6, table);
    m.enterRegime(1, { el: 1, vttbr: first });
    m.exitRegime(1);
    m.enterRegime(1, { el: 1, vttbr: second });
    expect(m.access(1, page, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(p);
    expect(m.access(1, block + 3 * 4096, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(2048 + 3);
    // CPU 0 never ran VMID 6: nothing of the first root reaches it.
    m.enterRegime(0, { el: 1, vttbr: second });
    expect(m.access(0, page, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('a stage-2 space numbered 0: a guest runs on it, and is back after a nested EL2 entry', () => {
    const m = createMachine({ arch: 'arm64', cpus: 1, memory: '16MiB' });
    const table = (): number => m.frames.allocAny('page-table');
    const vm = m.createStage2Space(2, table);
    expect(vm).toBe(0);
    m.ensurePath(vm, IPA, 1, table);
    m.setLeaf(vm, IPA, 1, m.frames.allocAny('data'), Pte.WRITABLE);
    const seen: MmuEvent[] = [];
    m.setEventSink((e) => seen.push(e));
    m.enterRegime(0, { el: 1, vttbr: vm });
    expect(m.access(0, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
    m.enterRegime(0, { el: 2 });
    m.exitRegime(0);
    expect(m.access(0, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
    expect(seen.filter((e) => e.kind === 'regime').map((e) => e.detail)).toEqual([
      'guest vmid 2',
      'el2 vmid 2',
      'guest vmid 2',
    ]);
  });
});
