// The x86 shootdown paths against the counts of spec linux.md §2.2, §2.3 and §7.3, on a recording port.
import { describe, expect, it } from 'vitest';
import {
  CpuTlbState,
  DEFAULT_GATHER_CONFIG,
  MmStruct,
  MmuGather,
  PMD_SHIFT,
  TLB_FLUSH_ALL,
  type LinuxArch,
} from '@shootdown/linux-mm';
import { X86Tlb } from '../src/arch/tlb.js';
import type { X86Config } from '../src/arch/x86-config.js';
import { RecordingPort } from './recording-port.js';

const PAGE = 4096;
const VMALLOC = 0xc90000000000;

function setup(cpus: number, over: Partial<X86Config> = {}) {
  const port = new RecordingPort(cpus);
  const config: X86Config = {
    ceiling: 33,
    shootdown: 'ipi',
    pti: false,
    skipLazyAlways: false,
    pcid: true,
    genericSplitFlush: false,
    invlpgbCountMax: 8,
    cpaFlush: 'flush-kernel-range',
    ...over,
  };
  const tlb = new X86Tlb(port, config, () => 1);
  const arch = { name: 'x86_64', nrCpus: cpus, tlb } as unknown as LinuxArch;
  const state = new CpuTlbState(cpus);
  tlb.attach(arch, state);
  return { port, tlb, arch, state };
}

function mmOf(id: number, cpus: number): MmStruct {
  const mm = new MmStruct(id, cpus);
  mm.pgd = 100 + id;
  return mm;
}

describe('flush_tlb_kernel_range (spec §2.2)', () => {
  it('flushes 33 pages page by page on every CPU: kflush 1, ipi C−1, invlpg 33·C', () => {
    const { port, tlb } = setup(4);
    tlb.flushTlbKernelRange(0, VMALLOC, VMALLOC + 33 * PAGE);
    expect([port.get('kflush'), port.get('ipi'), port.get('invlpg'), port.get('full')]).toEqual([
      1, 3, 132, 0,
    ]);
  });

  it('turns 34 pages into a flush-all: kflush 1, ipi C−1, full C (ceiling 33 is inclusive)', () => {
    const { port, tlb } = setup(4);
    tlb.flushTlbKernelRange(0, VMALLOC, VMALLOC + 34 * PAGE);
    expect([port.get('kflush'), port.get('ipi'), port.get('invlpg'), port.get('full')]).toEqual([1, 3, 0, 4]);
  });

  it('flushes everything for TLB_FLUSH_ALL and reaches every CPU, lazy or idle', () => {
    const { port, tlb } = setup(8);
    tlb.flushTlbKernelRange(5, 0, TLB_FLUSH_ALL);
    expect([port.get('ipi'), port.get('full')]).toEqual([7, 8]);
  });

  it('with the ceiling at 0 (x86-ceiling-0) even one page is a full flush (DOC-TLB, §2.2 item 7)', () => {
    const { port, tlb } = setup(4, { ceiling: 0 });
    tlb.flushTlbKernelRange(0, VMALLOC, VMALLOC + PAGE);
    expect([port.get('invlpg'), port.get('full')]).toEqual([0, 4]);
  });

  it('uses broadcasts and no IPIs under INVLPGB (§2.2 item 6)', () => {
    const { port, tlb } = setup(4, { shootdown: 'invlpgb' });
    tlb.flushTlbKernelRange(0, VMALLOC, VMALLOC + 20 * PAGE);
    // ⌈20 / invlpgb_count_max (8)⌉ = 3 broadcasts + TLBSYNC.
    expect([port.get('ipi'), port.get('invlpgb'), port.get('tlbsync')]).toEqual([0, 3, 1]);
    port.reset();
    tlb.flushTlbKernelRange(0, VMALLOC, VMALLOC + 34 * PAGE);
    expect([port.get('ipi'), port.get('invlpgb')]).toEqual([0, 1]);
  });
});

describe('flush_tlb_mm_range (spec §2.3)', () => {
  function threeLoadedOneLazy(over: Partial<X86Config> = {}) {
    const s = setup(4, over);
    const mm = mmOf(1, 4);
    for (let c = 0; c < 4; c++) s.state.switchTo(s.arch, c, mm);
    s.state.enterLazy(s.arch, 3);
    s.port.reset();
    return { ...s, mm };
  }

  it('IPIs only the non-lazy CPUs of mm_cpumask when no table was freed, INVLPG per page', () => {
    const { port, tlb, mm, state } = threeLoadedOneLazy();
    tlb.flushTlbMmRange(0, mm, 0x400000, 0x400000 + 4 * PAGE, 12, false);
    expect([port.get('kflush'), port.get('ipi'), port.get('invlpg'), port.get('lflush')]).toEqual([
      1, 2, 12, 0,
    ]);
    expect(state.loadedMm[3]).toBe(mm);
  });

  it('IPIs the lazy CPU too when tables were freed; it leaves the mm for init_mm (lflush)', () => {
    const { port, tlb, mm, state } = threeLoadedOneLazy();
    tlb.flushTlbMmRange(0, mm, 0x400000, 0x400000 + 4 * PAGE, 12, true);
    expect([port.get('ipi'), port.get('invlpg'), port.get('lflush')]).toEqual([3, 12, 1]);
    expect(state.loadedMm[3]).toBeNull();
    expect(mm.cpumask[3]).toBe(0);
  });

  it('x86-skip-lazy-always leaves the lazy CPU on the mm even when tables were freed', () => {
    const { port, tlb, mm, state } = threeLoadedOneLazy({ skipLazyAlways: true });
    tlb.flushTlbMmRange(0, mm, 0x400000, 0x400000 + 4 * PAGE, 12, true);
    expect([port.get('ipi'), port.get('lflush')]).toEqual([2, 0]);
    expect(state.loadedMm[3]).toBe(mm);
  });

  it('measures the ceiling in strides: 64 MiB at PMD stride is 32 units, a range', () => {
    const { port, tlb, mm } = threeLoadedOneLazy();
    tlb.flushTlbMmRange(0, mm, 0x40000000, 0x40000000 + 64 * 2 ** 20, PMD_SHIFT, false);
    expect([port.get('invlpg'), port.get('full')]).toEqual([32 * 3, 0]);
  });

  it('turns 34 pages into a full flush of the PCID on each target', () => {
    const { port, tlb, mm } = threeLoadedOneLazy();
    tlb.flushTlbMmRange(0, mm, 0x400000, 0x400000 + 34 * PAGE, 12, false);
    expect([port.get('invlpg'), port.get('full')]).toEqual([0, 3]);
  });

  it('a lazy CPU that missed a flush catches up when it returns to the mm (tlb_gen), and not otherwise', () => {
    const { port, tlb, mm, state, arch } = threeLoadedOneLazy();
    state.switchTo(arch, 3, mm);
    expect(port.cr3).toEqual([]);
    state.enterLazy(arch, 3);
    tlb.flushTlbMmRange(0, mm, 0x400000, 0x400000 + PAGE, 12, false);
    state.switchTo(arch, 3, mm);
    expect(port.cr3).toEqual(['3:1:true']);
  });

  it('a dormant PCID is flushed when its mm comes back after flushes it did not receive (§2.3 item 6)', () => {
    const { port, tlb, arch, state } = setup(2);
    const a = mmOf(1, 2);
    const b = mmOf(2, 2);
    state.switchTo(arch, 0, a);
    state.switchTo(arch, 1, a);
    state.switchTo(arch, 1, b);
    state.switchTo(arch, 1, a);
    // Nothing happened to `a` meanwhile: its PCID is reused without a flush.
    expect(port.cr3.slice(-1)).toEqual(['1:1:false']);
    state.switchTo(arch, 1, b);
    port.reset();
    tlb.flushTlbMmRange(0, a, 0x400000, 0x400000 + PAGE, 12, false);
    expect(port.get('ipi')).toBe(0);
    state.switchTo(arch, 1, a);
    expect(port.cr3).toEqual(['1:1:true']);
  });
});

describe('tlb_flush() (spec §2.3 item 7, §5.4)', () => {
  function gatherOn(tlbExec: boolean, over: Partial<X86Config> = {}) {
    const s = setup(2, over);
    const mm = mmOf(1, 2);
    s.state.switchTo(s.arch, 0, mm);
    s.state.switchTo(s.arch, 1, mm);
    s.port.reset();
    const g = new MmuGather(s.arch, { releasePage() {}, releaseTable() {} }, DEFAULT_GATHER_CONFIG);
    g.mm = mm;
    g.start = 0x400000;
    g.end = 0x400000 + 2 * PAGE;
    g.clearedPtes = true;
    g.freedTables = true;
    g.vmaExec = tlbExec;
    s.tlb.tlbFlush(0, g);
    return s.port;
  }

  it('x86 ignores vma_exec: the same INVLPGs with or without it', () => {
    expect(gatherOn(false).invlpgs).toEqual(gatherOn(true).invlpgs);
    expect(gatherOn(false).get('invlpg')).toBe(4);
  });

  it('the asm-generic flush on a split TLB invalidates the instruction side only with VM_EXEC', () => {
    const noExec = gatherOn(false, { genericSplitFlush: true });
    expect([noExec.get('invlpg'), noExec.get('invlpg_data'), noExec.get('invlpg_instr')]).toEqual([0, 4, 0]);
    // With VM_EXEC both sides get their per-MVA invalidate (tlb-v6.S: D side always, I side for VM_EXEC).
    const exec = gatherOn(true, { genericSplitFlush: true });
    expect([exec.get('invlpg'), exec.get('invlpg_data'), exec.get('invlpg_instr')]).toEqual([0, 4, 4]);
  });
});
