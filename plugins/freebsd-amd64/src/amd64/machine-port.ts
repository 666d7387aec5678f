// Binds the Amd64Hw port to the simulated machine of @shootdown/mmu. Page-table pages come from the kernel's
// allocator (vm_page_alloc_noobj for pmap_allocpte), each counted `ptalloc`; with PCID a user space is tagged
// with its own PCID (FreeBSD hands out per-CPU PCIDs with generations; one PCID per pmap keeps the tagging and
// the generation rule of pmap_activate_sw without modelling PCID exhaustion).
import type { Counters } from '@shootdown/core';
import { Invpcid, LEVEL_PAGES, pteFlags, type Machine } from '@shootdown/mmu';
import type { Amd64Hw, HwAccess, HwMode } from './hw.js';

export interface TableFrames {
  /** A zeroed frame for a page-table page. */
  allocTable(): number;
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
    let pfn = 0;
    for (; pfn + step <= m.frames.count; pfn += step) this.mapDirect(pfn, level, flags);
    for (; pfn < m.frames.count; pfn++) this.mapDirect(pfn, 1, flags);
  }

  private mapDirect(pfn: number, level: 1 | 2 | 3, flags: number): void {
    const va = this.m.directMapVa(pfn);
    this.m.ensurePath(this.kernelSpace, va, level, () => this.allocTable());
    this.m.setLeaf(this.kernelSpace, va, level, pfn, flags);
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
