// Binds the Amd64Hw port to the simulated machine of @shootdown/mmu. Page-table pages come from the kernel's
// allocator (vm_page_alloc_noobj for pmap_allocpte), each counted `ptalloc`; with PCID a user space is tagged
// with its own PCID (FreeBSD hands out per-CPU PCIDs with generations; one PCID per pmap keeps the tagging and
// the generation rule of pmap_activate_sw without modelling PCID exhaustion).
import type { Counters } from '@shootdown/core';
import { ENTRIES_PER_TABLE, Invpcid, LEVEL_PAGES, LEVEL_SIZE, pteFlags, type Machine } from '@shootdown/mmu';
import type { Amd64Hw, HwAccess, HwMode } from './hw.js';

export interface TableFrames {
  /** A zeroed frame for a page-table page. */
  allocTable(): number;
}

/**
 * Page-table frames create_pagetables below takes, at most, for `frames` frames of memory: the root and, per
 * level under it, one table per span an entry of the level above covers plus one where the direct map starts
 * inside a span — as if every leaf were 4 KiB, which a large leaf and its 4 KiB tail never exceed. The frames
 * come from anywhere in memory, so with at least this many the boot never runs out.
 */
export function bootTablesAtMost(frames: number): number {
  let tables = 1;
  for (const level of [2, 3, 4] as const) tables += Math.ceil(frames / LEVEL_PAGES[level]) + 1;
  return tables;
}

export class MachinePort implements Amd64Hw {
  readonly cpus: number;
  readonly pcid: boolean;
  readonly kernelSpace: number;
  private nextPcid = 1;

  constructor(
    private readonly m: Machine,
    private readonly tables: TableFrames,
    private readonly counters: Counters,
  ) {
    this.cpus = m.cpus;
    this.pcid = m.params.features.pcid;
    this.kernelSpace = m.createKernelSpace(() => this.allocTable());
    this.bootDirectMap();
  }

  /**
   * create_pagetables (sys/amd64/amd64/pmap.c): the direct map (DMAP) covers all of physical memory with global,
   * writable, non-executable pages of the machine's direct-map leaf size, placed where the machine's layout puts
   * the linear map so that `via: direct-map`, the `direct-map` check and the invariants find it. A tail that a
   * large leaf cannot cover uses 4 KiB pages.
   */
  private bootDirectMap(): void {
    const m = this.m;
    const flags = pteFlags({ writable: true, global: true, accessed: true, dirty: true });
    const leaf = m.params.directMap.leaf;
    const level = leaf === '1G' ? 3 : leaf === '2M' ? 2 : 1;
    const step = LEVEL_PAGES[level];
    const whole = Math.floor(m.frames.count / step) * step;
    this.mapDirect(0, whole, level, flags);
    this.mapDirect(whole, m.frames.count, 1, flags);
  }

  /**
   * Leaves of `level` for frames [first, end), one page-table page at a time: its path, then its run of
   * entries in address order — the stores, and the page-table pages taken, of an ensurePath and a setLeaf
   * per leaf, in the same order.
   */
  private mapDirect(first: number, end: number, level: 1 | 2 | 3, flags: number): void {
    const step = LEVEL_PAGES[level];
    for (let pfn = first; pfn < end;) {
      const va = this.m.directMapVa(pfn);
      const nr = Math.min(
        ENTRIES_PER_TABLE - (Math.floor(va / LEVEL_SIZE[level]) % ENTRIES_PER_TABLE),
        (end - pfn) / step,
      );
      this.m.ensurePath(this.kernelSpace, va, level, () => this.allocTable());
      this.m.setLeaves(this.kernelSpace, va, level, nr, pfn, flags);
      pfn += nr * step;
    }
  }

  createSpace(): number {
    const pcid = this.pcid ? this.nextPcid++ : 0;
    return this.m.createSpace(pcid, () => this.allocTable());
  }

  destroySpace(_space: number): void {
    // The emptied tree stays allocated: pmap_release frees it, nothing can walk it once no CPU has it loaded.
  }

  storeLeaf(_cpu: number, space: number, va: number, pfn: number, flags: number): void {
    this.m.ensurePath(space, va, 1, () => this.allocTable());
    this.m.setLeaf(space, va, 1, pfn, flags);
  }

  clearLeaf(_cpu: number, space: number, va: number): void {
    this.m.clearEntry(space, va, 1);
  }

  loadCr3(cpu: number, space: number | null, noFlush: boolean): void {
    this.m.setRoot(cpu, space ?? this.kernelSpace, { noflush: noFlush });
  }

  invlpg(cpu: number, va: number): void {
    this.m.invlpg(cpu, va);
  }

  invalidateSpace(cpu: number, space: number): void {
    if (this.pcid) this.m.invpcid(cpu, Invpcid.SINGLE_CONTEXT, this.m.asidOf(space));
    else this.m.setRoot(cpu, space);
  }

  invalidateGlobal(cpu: number): void {
    this.m.flushGlobal(cpu);
  }

  ipi(from: number, targets: readonly number[], handler: (cpu: number) => void): void {
    if (targets.length === 0) return;
    this.m.ipi(from, targets, handler);
  }

  writePkru(cpu: number, pkru: number): void {
    this.m.setPkru(cpu, pkru);
  }

  access(cpu: number, va: number, kind: HwAccess, mode: HwMode): number {
    return this.m.access(cpu, va, kind, mode);
  }

  lastFrame(): number {
    return this.m.lastPfn;
  }

  private allocTable(): number {
    this.counters.add('ptalloc');
    return this.tables.allocTable();
  }
}
