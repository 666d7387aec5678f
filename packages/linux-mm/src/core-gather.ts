/**
 * core's MmuGather / MmuGatherFactory over the generic mmu_gather, for the conformance kit and any
 * caller that drives a gather step by step. The Linux unmap paths use MmuGather directly.
 */
import type {
  CpuId,
  GatherVma,
  MmuGather as CoreMmuGather,
  MmuGatherFactory,
  MmuGatherState,
  Pfn,
  TableLevel,
  Va,
} from '@shootdown/core';
import { VM_EXEC, VM_HUGETLB, VM_PFNMAP, VM_READ } from './constants.js';
import type { LinuxMm } from './linux-mm.js';
import type { MmuGather } from './mmu-gather.js';
import { VmArea } from './vma.js';

/** A stand-in VMA carrying only what tlb_update_vma_flags reads. */
function fakeVma(v: GatherVma): VmArea {
  const flags = VM_READ | (v.exec ? VM_EXEC : 0) | (v.huge ? VM_HUGETLB : 0) | (v.pfnmap ? VM_PFNMAP : 0);
  return new VmArea(v.start, v.end, flags, 0, 0, 0);
}

export class LinuxCoreGather implements CoreMmuGather {
  constructor(
    private readonly lm: LinuxMm,
    private readonly pid: number,
    readonly tlb: MmuGather,
  ) {}

  begin(cpu: CpuId, fullmm: boolean): void {
    const mm = this.lm.mms.get(this.pid);
    if (!mm) throw new Error(`mmu_gather: no process ${this.pid}`);
    if (fullmm) this.tlb.gatherMmuFullmm(cpu, mm);
    else this.tlb.gatherMmu(cpu, mm);
  }

  startVma(vma: GatherVma): void {
    this.tlb.startVma(fakeVma(vma));
  }

  noteCleared(va: Va, level: TableLevel, pfn: Pfn | undefined): void {
    if (level === 'pte') this.tlb.removeTlbEntry(va);
    else this.tlb.removeHugeTlbEntry(level === 'pmd' ? 2 : 3, va);
    if (pfn !== undefined && this.tlb.removePage(pfn)) this.tlb.flushMmu();
  }

  noteFreedTable(va: Va, level: TableLevel, tablePfn: Pfn): void {
    if (level === 'pte') this.tlb.pteFreeTlb(tablePfn, va);
    else if (level === 'pmd') this.tlb.pmdFreeTlb(tablePfn, va);
    else this.tlb.pudFreeTlb(tablePfn, va);
  }

  endVma(vma: GatherVma): void {
    this.tlb.endVma(fakeVma(vma));
  }

  flush(): void {
    this.tlb.flushMmu();
  }

  finish(): void {
    this.tlb.finishMmu();
  }

  get state(): MmuGatherState {
    const t = this.tlb;
    const clearedLevels: TableLevel[] = [];
    if (t.clearedPtes) clearedLevels.push('pte');
    if (t.clearedPmds) clearedLevels.push('pmd');
    if (t.clearedPuds) clearedLevels.push('pud');
    if (t.clearedP4ds) clearedLevels.push('p4d');
    return {
      start: t.start,
      end: t.end,
      fullmm: t.fullmm,
      vmaExec: t.vmaExec,
      vmaHuge: t.vmaHuge,
      vmaPfn: t.vmaPfn,
      freedTables: t.freedTables,
      clearedLevels,
      pendingFrees: t.pendingPages() + t.pendingTables(),
      nested: t.active && t.mm.tlbFlushNested(),
    };
  }
}

export class LinuxGatherFactory implements MmuGatherFactory {
  constructor(private readonly lm: LinuxMm) {}

  create(pid: number): LinuxCoreGather {
    return new LinuxCoreGather(this.lm, pid, this.lm.newGather(false));
  }
}
