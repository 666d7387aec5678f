// More of the invalidations that complete later (spec arm64-pkey.md §7.2, linux.md §2.2 item 6): AMD
// INVLPGB with "include global" and no PCID (Linux arch/x86/include/asm/tlb.h invlpgb_flush_addr_nosync:
// INVLPGB_FLAG_VA | INVLPGB_FLAG_INCLUDE_GLOBAL, every PCID), the TLBI forms' effect on which CPUs still
// count as holders of an ASID (DESIGN §3: a stale entry under an ID counts while a holder may use it),
// the Harvard-TLB side of a TLBI, and the trace events of deferred invalidations.
import { describe, expect, it } from 'vitest';
import { Access, KERNEL_HALF, Mode, Outcome, Pte, createMachine, type MmuEvent } from '../src/index.js';
import { USER_VA, rig, staleUserLeaf, tlbiDsb } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;

describe('INVLPGB', () => {
  it('x86 only, named in the refusal', () => {
    const arm = rig({ arch: 'arm64', cpus: 1 }).m;
    expect(() => arm.invlpgb(0, USER_VA, 1, 1)).toThrow('invlpgb: x86 only; use tlbi/dsb on arm64');
  });

  it('with include-global it names no PCID: the page goes in every PCID', () => {
    const { m, table, data } = rig({ cpus: 2, features: { invlpgb: true } });
    const mm = m.createSpace(5, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setRoot(1, mm);
    m.clearEntry(mm, USER_VA, 1);
    m.invlpgb(0, USER_VA, 1, 0, true);
    m.tlbsync(0);
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('trace events: the INVLPGB with its VA and page count, the TLBSYNC', () => {
    const m = createMachine({ cpus: 1, memory: '16MiB', features: { invlpgb: true } });
    const seen: MmuEvent[] = [];
    m.setEventSink((e) => seen.push(e));
    m.invlpgb(0, USER_VA, 3, 1);
    m.tlbsync(0);
    expect(seen.map((e) => [e.kind, e.va, e.detail])).toEqual([
      ['flush', USER_VA, 'invlpgb 3'],
      ['flush', undefined, 'tlbsync'],
    ]);
  });
});

describe('TLBI: holders of an ASID after whole-ASID and whole-context forms', () => {
  /** CPU 1 ran ASID 3, changed its leaf, then switched to ASID 4 (arm64: TTBR0 writes never flush). */
  function switchedAway() {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 2 });
    const a = m.createSpace(3, table);
    const b = m.createSpace(4, table);
    m.ensurePath(a, USER_VA, 1, table);
    m.setLeaf(a, USER_VA, 1, data(), RW_USER);
    m.setRoot(1, a);
    m.setLeaf(a, USER_VA, 1, data(), RW_USER);
    m.setRoot(1, b);
    return { m, a, b };
  }

  it('ASIDE1 of an ASID a CPU no longer runs: it holds nothing of it any more', () => {
    const { m, a } = switchedAway();
    expect(m.cachedCpus(a, USER_VA)).toEqual([1]);
    tlbiDsb(m, 0, 'ASIDE1', { asid: 3 });
    expect(m.cachedCpus(a, USER_VA)).toEqual([]);
  });

  it('VMALLE1 from the host: every CPU forgets the ASIDs it does not run', () => {
    const { m, a, b } = switchedAway();
    tlbiDsb(m, 0, 'VMALLE1');
    expect(m.cachedCpus(a, USER_VA)).toEqual([]);
    // The ASID CPU 1 runs may be cached again at once.
    m.ensurePath(b, USER_VA, 1, () => m.frames.allocAny('page-table'));
    m.setLeaf(b, USER_VA, 1, m.frames.allocAny('data'), RW_USER);
    expect(m.cachedCpus(b, USER_VA)).toEqual([1]);
  });

  it('VAE1 in an ASID takes the VA’s global entries too; VAALE1 keeps walk-cache entries, VAAE1 does not', () => {
    const { m, kernel, table, data } = rig({ arch: 'arm64', cpus: 2 });
    const kva = KERNEL_HALF + 9 * 4096;
    m.ensurePath(kernel, kva, 1, table);
    m.setLeaf(kernel, kva, 1, data(), Pte.WRITABLE | Pte.GLOBAL);
    m.clearEntry(kernel, kva, 1);
    tlbiDsb(m, 0, 'VAE1', { va: kva, asid: 6 });
    expect(m.access(1, kva, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
    const mm = m.createSpace(6, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setRoot(1, mm);
    m.clearEntry(mm, USER_VA, 2);
    tlbiDsb(m, 0, 'VAALE1', { va: USER_VA });
    expect(m.staleWalkEntries()).toHaveLength(1);
    tlbiDsb(m, 0, 'VAAE1', { va: USER_VA });
    expect(m.staleWalkEntries()).toEqual([]);
  });
});

describe('TLBI on a Harvard (split) TLB', () => {
  function splitStale() {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1, tlbSides: 'split' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), Pte.USER | Pte.XUSER);
    m.setRoot(0, mm);
    m.clearEntry(mm, USER_VA, 1);
    const read = () => m.access(0, USER_VA, Access.READ, Mode.USER);
    const exec = () => m.access(0, USER_VA, Access.EXEC, Mode.USER);
    return { m, read, exec };
  }

  it('an instruction-side TLBI leaves the data side’s stale entry, then a data-side one removes it', () => {
    const { m, read, exec } = splitStale();
    tlbiDsb(m, 0, 'VAE1', { va: USER_VA, asid: 1, side: 'instr' });
    expect([exec(), read()]).toEqual([Outcome.FAULT_NOT_PRESENT, Outcome.OK_STALE]);
    tlbiDsb(m, 0, 'VAE1', { va: USER_VA, asid: 1, side: 'data' });
    expect(read()).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('a data-side TLBI leaves the instruction side; a TLBI naming no side removes both', () => {
    const { m, read, exec } = splitStale();
    tlbiDsb(m, 0, 'VAE1', { va: USER_VA, asid: 1, side: 'data' });
    expect([read(), exec()]).toEqual([Outcome.FAULT_NOT_PRESENT, Outcome.OK_STALE]);
    const both = splitStale();
    both.m.tlbi(0, 'VAE1', { va: USER_VA, asid: 1 });
    both.m.dsb(0);
    expect([both.read(), both.exec()]).toEqual([Outcome.FAULT_NOT_PRESENT, Outcome.FAULT_NOT_PRESENT]);
  });
});

describe('TLBI: ASIDs, VMIDs and global entries', () => {
  it('ASIDE1 leaves global entries (they carry no ASID); the CPU running the ASID keeps holding it', () => {
    const { m, kernel, table, data } = rig({ arch: 'arm64', cpus: 2 });
    const kva = KERNEL_HALF + 4096;
    m.ensurePath(kernel, kva, 1, table);
    m.setLeaf(kernel, kva, 1, data(), Pte.WRITABLE | Pte.GLOBAL);
    m.clearEntry(kernel, kva, 1);
    const mm = m.createSpace(3, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setRoot(1, mm);
    tlbiDsb(m, 0, 'ASIDE1', { asid: 3 });
    expect(m.access(1, kva, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    // CPU 1 still runs ASID 3: a later change may stay cached there.
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    expect(m.cachedCpus(mm, USER_VA)).toEqual([1]);
  });

  it('in a guest of VMID 0, ASIDE1 leaves host entries and VAE1 removes the guest’s combined entry', () => {
    const r = rig({ arch: 'arm64', cpus: 2 });
    const { m, table, data } = r;
    staleUserLeaf(r, 3, 1);
    const vm = m.createStage2Space(0, table);
    const ipa = 0x80000000;
    m.ensurePath(vm, ipa, 1, table);
    m.setLeaf(vm, ipa, 1, data(), Pte.WRITABLE);
    m.enterRegime(0, { el: 1, vttbr: vm });
    expect(m.access(0, ipa, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
    tlbiDsb(m, 0, 'ASIDE1', { asid: 3 });
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    m.enterRegime(1, { el: 2, vttbr: vm });
    m.clearEntry(vm, ipa, 1);
    tlbiDsb(m, 1, 'IPAS2E1', { va: ipa });
    expect(m.access(0, ipa, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    tlbiDsb(m, 0, 'VAE1', { va: ipa, asid: 0 });
    expect(m.access(0, ipa, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('VMALLS12E1 at EL2 with no VTTBR flushes the host’s EL1&0 entries', () => {
    const r = rig({ arch: 'arm64', cpus: 2 });
    staleUserLeaf(r, 3, 1);
    const { m } = r;
    m.enterRegime(0, { el: 2 });
    tlbiDsb(m, 0, 'VMALLS12E1');
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('a kernel walk-cache entry: VAE1 in any ASID removes it; INVLPGB without include-global keeps it', () => {
    const arm = rig({ arch: 'arm64', cpus: 2 });
    const kva = KERNEL_HALF + 3 * 2 ** 21;
    arm.m.ensurePath(arm.kernel, kva, 1, arm.table);
    arm.m.clearEntry(arm.kernel, kva, 2);
    expect(arm.m.staleWalkEntries().map((e) => e.tag)).toEqual(['global']);
    arm.m.tlbi(0, 'VAE1', { va: kva, asid: 9 });
    arm.m.dsb(0);
    expect(arm.m.staleWalkEntries()).toEqual([]);
    const x = rig({ cpus: 2, features: { invlpgb: true } });
    x.m.ensurePath(x.kernel, kva, 1, x.table);
    x.m.clearEntry(x.kernel, kva, 2);
    x.m.invlpgb(0, kva, 1, 1);
    x.m.tlbsync(0);
    expect(x.m.staleWalkEntries()).toHaveLength(1);
    x.m.invlpgb(0, kva, 1, 1, true);
    x.m.tlbsync(0);
    expect(x.m.staleWalkEntries()).toEqual([]);
  });

  it('IPAS2LE1 keeps the stage-2 walk-cache entry to an unlinked table; IPAS2E1 removes it', () => {
    const { m, table } = rig({ arch: 'arm64', cpus: 2 });
    const vm = m.createStage2Space(1, table);
    const ipa = 0x80000000;
    m.ensurePath(vm, ipa, 1, table);
    m.enterRegime(1, { el: 1, vttbr: vm });
    m.enterRegime(0, { el: 2, vttbr: vm });
    m.clearEntry(vm, ipa, 2);
    expect(m.staleWalkEntries()).toHaveLength(1);
    tlbiDsb(m, 0, 'IPAS2LE1', { va: ipa });
    expect(m.staleWalkEntries()).toHaveLength(1);
    tlbiDsb(m, 0, 'IPAS2E1', { va: ipa });
    expect(m.staleWalkEntries()).toEqual([]);
  });
});

describe('TLBI refusals and trace events', () => {
  it('IPAS2LE1 needs a VTTBR_EL2 too', () => {
    const { m } = rig({ arch: 'arm64', cpus: 1 });
    m.enterRegime(0, { el: 2 });
    expect(() => m.tlbi(0, 'IPAS2LE1', { va: 0 })).toThrow(
      'tlbi IPAS2LE1: CPU 0 has no VTTBR_EL2 loaded (it invalidates by the current VMID)',
    );
  });

  it('a stage-2 space numbered 0 is a VTTBR like any other', () => {
    const m = createMachine({ arch: 'arm64', cpus: 2, memory: '16MiB' });
    const table = (): number => m.frames.allocAny('page-table');
    const vm = m.createStage2Space(1, table);
    expect(vm).toBe(0);
    const ipa = 0x80000000;
    m.ensurePath(vm, ipa, 1, table);
    m.setLeaf(vm, ipa, 1, m.frames.allocAny('data'), Pte.WRITABLE);
    m.enterRegime(1, { el: 1, vttbr: vm });
    m.clearEntry(vm, ipa, 1);
    m.enterRegime(0, { el: 2, vttbr: vm });
    m.tlbi(0, 'IPAS2E1', { va: ipa });
    tlbiDsb(m, 0, 'VMALLE1');
    expect(m.access(1, ipa, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('a TLBI names its inner-shareable or local form; the DSB follows', () => {
    const { m } = rig({ arch: 'arm64', cpus: 1 });
    const seen: MmuEvent[] = [];
    m.setEventSink((e) => seen.push(e));
    m.tlbi(0, 'VAE1', { va: USER_VA, asid: 1 });
    tlbiDsb(m, 0, 'VALE1', { va: USER_VA, asid: 1, broadcast: false });
    expect(seen.map((e) => [e.kind, e.va, e.detail])).toEqual([
      ['tlbi', USER_VA, 'VAE1IS'],
      ['tlbi', USER_VA, 'VALE1'],
      ['dsb', undefined, undefined],
    ]);
  });

  it('a range flush on a split TLB with its end before its start does nothing and counts nothing', () => {
    const { m } = rig({ cpus: 1, tlbSides: 'split' });
    m.flushRangeSide(0, USER_VA + 8192, USER_VA, 4096, 'both');
    expect([m.counter('invlpg'), m.counter('inv_dside'), m.counter('inv_iside')]).toEqual([0, 0, 0]);
  });
});
