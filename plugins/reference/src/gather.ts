// The reference mmu_gather: batch what an unmap clears, then one full flush on every CPU, then free.
// No per-VMA or ranged flushes (include/asm-generic/tlb.h `tlb_flush` with `fullmm` semantics): the
// flush cannot be too small, so `tlb_start_vma`, VM_PFNMAP and nested-gather subtleties cannot bite.
import type { GatherVma, MmuGather, MmuGatherState, Pfn, TableLevel, Va } from '@shootdown/core';
import type { ReferenceOs } from './os.js';

export class ReferenceGather implements MmuGather {
  #cpu = 0;
  #start = Infinity;
  #end = -Infinity;
  #fullmm = false;
  #exec = false;
  #huge = false;
  #pfn = false;
  #freedTables = false;
  #levels = new Set<TableLevel>();
  #data: Pfn[] = [];
  #tables: Pfn[] = [];

  constructor(
    private readonly os: ReferenceOs,
    /** Called with a data frame after the flush; returns whether the frame may be freed now. */
    private readonly releaseData: (pfn: Pfn) => boolean = () => true,
  ) {}

  begin(cpu: number, fullmm: boolean): void {
    this.#cpu = cpu;
    this.#fullmm = fullmm;
  }

  startVma(vma: GatherVma): void {
    this.#exec ||= vma.exec;
    this.#huge ||= vma.huge;
    this.#pfn ||= vma.pfnmap;
  }

  noteCleared(va: Va, level: TableLevel, pfn: Pfn | undefined): void {
    this.#start = Math.min(this.#start, va);
    this.#end = Math.max(this.#end, va + 4096);
    this.#levels.add(level);
    if (pfn !== undefined) this.#data.push(pfn);
  }

  noteFreedTable(va: Va, level: TableLevel, tablePfn: Pfn): void {
    this.#start = Math.min(this.#start, va);
    this.#end = Math.max(this.#end, va + 4096);
    this.#freedTables = true;
    this.#levels.add(level);
    this.#tables.push(tablePfn);
  }

  endVma(_vma: GatherVma): void {
    // Nothing to force: no frame is released before the one flush in `flush`.
  }

  flush(): void {
    if (this.#start >= this.#end) return;
    this.os.flushAll(this.#cpu);
    this.os.reach('flushed');
    const data = this.#data.filter((p) => this.releaseData(p));
    this.os.releaseFlushed(this.#cpu, data, this.#tables);
    this.#start = Infinity;
    this.#end = -Infinity;
    this.#data = [];
    this.#tables = [];
    this.#levels = new Set();
    this.#freedTables = false;
  }

  finish(): void {
    this.flush();
  }

  get state(): MmuGatherState {
    return {
      start: Number.isFinite(this.#start) ? this.#start : 0,
      end: Number.isFinite(this.#end) ? this.#end : 0,
      fullmm: this.#fullmm,
      vmaExec: this.#exec,
      vmaHuge: this.#huge,
      vmaPfn: this.#pfn,
      freedTables: this.#freedTables,
      clearedLevels: [...this.#levels].sort(),
      pendingFrees: this.#data.length + this.#tables.length,
      nested: false,
    };
  }
}
