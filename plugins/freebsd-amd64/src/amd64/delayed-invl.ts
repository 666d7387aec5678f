// core's MmuGather in FreeBSD's terms: amd64 has no mmu_gather. pmap_remove brackets a removal with
// pmap_delayed_invl_start / pmap_delayed_invl_finish, remembers whether a non-global valid entry went
// ("anyvalid") and issues one pmap_invalidate_all at the end; page-table pages and pages whose last mapping
// went are freed only after that (vm_page_free_pages_toq after the invalidation; spec freebsd-amd64.md §7.2,
// §7.4). Frames noted here return to the allocator at flush.
import type {
  GatherVma,
  MmuGather,
  MmuGatherFactory,
  MmuGatherState,
  Pfn,
  TableLevel,
  Va,
} from '@shootdown/core';
import type { Amd64Pmap } from './pmap.js';
import type { Shootdown } from './shootdown.js';

export class DelayedInvalidation implements MmuGather {
  private cpu = 0;
  private start = Number.MAX_SAFE_INTEGER;
  private end = 0;
  private fullmm = false;
  private readonly levels = new Set<TableLevel>();
  private pending: Pfn[] = [];
  private freedTables = false;
  private active = false;

  constructor(
    private readonly pmap: Amd64Pmap,
    private readonly shootdown: Shootdown,
    private readonly freeFrame: (cpu: number, pfn: Pfn) => void,
  ) {}

  begin(cpu: number, fullmm: boolean): void {
    this.cpu = cpu;
    this.fullmm = fullmm;
    this.active = true;
  }

  startVma(_vma: GatherVma): void {}

  noteCleared(va: Va, level: TableLevel, pfn: Pfn | undefined): void {
    this.start = Math.min(this.start, va);
    this.end = Math.max(this.end, va + 4096);
    this.levels.add(level);
    if (pfn !== undefined) this.pending.push(pfn);
  }

  noteFreedTable(va: Va, _level: TableLevel, tablePfn: Pfn): void {
    this.start = Math.min(this.start, va);
    this.end = Math.max(this.end, va + 4096);
    this.freedTables = true;
    this.pending.push(tablePfn);
  }

  endVma(_vma: GatherVma): void {}

  /** One pmap_invalidate_all if anything was cleared (one pmap_invalidate_page for a single page), then frees. */
  flush(): void {
    if (this.end > this.start) {
      if (this.end - this.start === 4096 && !this.freedTables)
        this.shootdown.page(this.cpu, this.pmap, this.start);
      else this.shootdown.all(this.cpu, this.pmap);
    }
    for (const p of this.pending) this.freeFrame(this.cpu, p);
    this.pending = [];
    this.start = Number.MAX_SAFE_INTEGER;
    this.end = 0;
    this.levels.clear();
    this.freedTables = false;
  }

  /** pmap_delayed_invl_finish. */
  finish(): void {
    this.flush();
    this.active = false;
  }

  get state(): MmuGatherState {
    return {
      start: this.end > this.start ? this.start : 0,
      end: this.end > this.start ? this.end : 0,
      fullmm: this.fullmm,
      vmaExec: false,
      vmaHuge: false,
      vmaPfn: false,
      freedTables: this.freedTables,
      clearedLevels: [...this.levels],
      pendingFrees: this.pending.length,
      nested: this.active && false,
    };
  }
}

export function gatherFactory(
  pmapOf: (pid: number) => Amd64Pmap | undefined,
  shootdown: Shootdown,
  freeFrame: (cpu: number, pfn: Pfn) => void,
): MmuGatherFactory {
  return {
    create(pid: number): MmuGather {
      const pmap = pmapOf(pid);
      if (pmap === undefined) throw new Error(`no address space ${pid}`);
      return new DelayedInvalidation(pmap, shootdown, freeFrame);
    },
  };
}
