/**
 * A tiny fake arch for the unit tests: it records every hook call so a test can assert the exact
 * sequence and count of flushes, stores and table frees the generic code issues. Page-table pages
 * come from the LinuxMm's own buddy allocator (as pte_alloc_one → pagetable_alloc does).
 */
import {
  GFP_PGTABLE,
  LinuxMm,
  defaultLinuxMmConfig,
  type KernelLayout,
  type LinuxArch,
  type LinuxMmConfig,
  type MmStruct,
  type MmuGather,
} from '../src/index.js';

/** What the fake saw of a gather when the arch tlb_flush() ran. */
export interface FlushRecord {
  start: number;
  end: number;
  fullmm: boolean;
  freedTables: boolean;
  clearedPtes: boolean;
  clearedPmds: boolean;
  clearedPuds: boolean;
  vmaExec: boolean;
  vmaHuge: boolean;
  vmaPfn: boolean;
}

export const LAYOUT: KernelLayout = {
  // 48-bit canonical addresses with the sign extension dropped (x86-64 0xffff888000000000 …).
  directMapBase: 0x888000000000,
  vmallocStart: 0xc90000000000,
  vmallocEnd: 0xe90000000000,
  mermapBase: 0xff0000000000,
  mermapWindowPages: 8,
};

export class FakeArch implements LinuxArch {
  readonly name = 'fake';
  readonly layout = LAYOUT;
  lm!: LinuxMm;
  /** Every hook call in order, as short text. */
  readonly log: string[] = [];
  readonly tlbFlushes: FlushRecord[] = [];
  readonly kernelFlushes: [number, number][] = [];
  readonly mmFlushes: [number, number][] = [];
  readonly tableFrees: [number, number][] = [];
  stores = 0;
  mermapFlushes = 0;
  canSetDirectMapValue = true;

  constructor(readonly nrCpus: number) {}

  attach(lm: LinuxMm): void {
    this.lm = lm;
  }

  readonly pgtable = {
    pgdAlloc: (_mm: MmStruct): number => this.lm.allocator.allocPages(0, 0, GFP_PGTABLE),
    pgdFree: (_mm: MmStruct, pgd: number): void => this.lm.allocator.freePages(0, pgd, 0),
    pgtableAlloc: (_mm: MmStruct, _level: number, _addr: number): number =>
      this.lm.allocator.allocPages(0, 0, GFP_PGTABLE),
    pgtableFree: (_mm: MmStruct, level: number, table: number): void => {
      this.tableFrees.push([level, table]);
      this.log.push(`pgtableFree L${level}`);
      this.lm.allocator.freePages(0, table, 0);
    },
    setEntry: (): void => {
      this.stores++;
    },
  };

  readonly tlb = {
    tlbFlush: (_cpu: number, tlb: MmuGather): void => {
      this.tlbFlushes.push({
        start: tlb.start,
        end: tlb.end,
        fullmm: tlb.fullmm,
        freedTables: tlb.freedTables,
        clearedPtes: tlb.clearedPtes,
        clearedPmds: tlb.clearedPmds,
        clearedPuds: tlb.clearedPuds,
        vmaExec: tlb.vmaExec,
        vmaHuge: tlb.vmaHuge,
        vmaPfn: tlb.vmaPfn,
      });
      this.log.push(`tlbFlush${tlb.freedTables ? ' freed' : ''}`);
    },
    flushTlbMmRange: (_cpu: number, _mm: MmStruct, start: number, end: number): void => {
      this.mmFlushes.push([start, end]);
      this.log.push('flushTlbMmRange');
    },
    flushTlbRange: (): void => {
      this.log.push('flushTlbRange');
    },
    flushTlbMm: (): void => {
      this.log.push('flushTlbMm');
    },
    flushTlbKernelRange: (_cpu: number, start: number, end: number): void => {
      this.kernelFlushes.push([start, end]);
      this.log.push('flushTlbKernelRange');
    },
    mermapFlushTlb: (): void => {
      this.mermapFlushes++;
      this.log.push('mermapFlush');
    },
    switchMm: (cpu: number): void => {
      this.log.push(`switchMm ${cpu}`);
    },
    enterLazyTlb: (cpu: number): void => {
      this.log.push(`enterLazy ${cpu}`);
    },
  };

  readonly directMap = {
    canSetDirectMap: (): boolean => this.canSetDirectMapValue,
    setDirectMapInvalidNoflush: (_cpu: number, pfn: number): void => {
      this.log.push(`dmapInvalid ${pfn}`);
    },
    setDirectMapDefaultNoflush: (_cpu: number, pfn: number): void => {
      this.log.push(`dmapDefault ${pfn}`);
    },
    setDirectMapValidNoflush: (_cpu: number, pfn: number, nr: number, valid: boolean): void => {
      this.log.push(`dmapValid ${pfn} ${nr} ${valid}`);
    },
    setMemory: (_cpu: number, _addr: number, numpages: number, set: number, clear: number): void => {
      this.log.push(`setMemory ${numpages} +${set} -${clear}`);
    },
  };

  /** x86 PKRU: two bits per key, AD at 2k and WD at 2k+1 (spec linux.md §6.1). */
  readonly pkeys = {
    nrPkeys: 16,
    executeOnlyPkeys: true,
    accessMask: 0x3,
    initRegister: 0x55555554,
    setRights: (register: number, pkey: number, rights: number): number =>
      ((register & ~(3 << (2 * pkey))) | ((rights & 3) << (2 * pkey))) >>> 0,
    rightsOf: (register: number, pkey: number): number => (register >>> (2 * pkey)) & 3,
    writeRegister: (cpu: number, value: number): void => {
      this.log.push(`wrpkru ${cpu} ${value.toString(16)}`);
    },
  };

  /** Forget what was recorded so far. */
  clear(): void {
    this.log.length = 0;
    this.tlbFlushes.length = 0;
    this.kernelFlushes.length = 0;
    this.mmFlushes.length = 0;
    this.tableFrees.length = 0;
    this.stores = 0;
  }
}

/** A machine: fake arch + LinuxMm over `frames` frames (the first 16 reserved). */
export function makeMachine(
  nrCpus = 4,
  frames = 8192,
  tweak: (c: LinuxMmConfig) => LinuxMmConfig = (c) => c,
): { arch: FakeArch; lm: LinuxMm } {
  const arch = new FakeArch(nrCpus);
  const config = tweak(defaultLinuxMmConfig(frames, 16));
  const lm = new LinuxMm(arch, config);
  return { arch, lm };
}
