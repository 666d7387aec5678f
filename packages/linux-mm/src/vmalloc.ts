/**
 * vmalloc (mm/vmalloc.c; spec linux.md §3): areas with a trailing guard page, their PTEs in
 * init_mm's tables, the lazy purge list with vmap_lazy_nr and lazy_max_pages(), per-CPU vmap blocks
 * with dirty ranges, _vm_unmap_aliases() and __purge_vmap_area_lazy(). The free paths of §3.3/§3.4
 * are in vfree.ts.
 */
import type { LinuxArch } from './arch.js';
import { PAGE_SIZE, VM_ALLOC, VM_NO_GUARD } from './constants.js';
import type { LinuxMm } from './linux-mm.js';
import { tableIndex } from './pgtable.js';
import { mkPte, PTE_GLOBAL, PTE_PRESENT, PTE_WRITE } from './pte.js';
import { VmapAreaSpace } from './vmap-area.js';
import { VmapBlocks } from './vmap-block.js';
import { vfreeArea } from './vfree.js';

/** PAGE_KERNEL: present, writable, global, not executable. */
export const PAGE_KERNEL = PTE_PRESENT | PTE_WRITE | PTE_GLOBAL;

/** struct vm_struct. */
export class VmStruct {
  /** PTE flags of the vmalloc alias now (updated by set_memory_* on it). */
  prot = PAGE_KERNEL;
  /** Was ever made executable (S000's VM_IMMEDIATE_UNMAP is this proxy, per Lutomirski). */
  everExec = false;
  /** VM_IMMEDIATE_UNMAP as the caller set it (seed 000: x86 module_alloc passed it, BPF set it beside
   *  VM_HAS_SPECIAL_PERMS); null when the scenario left it to the default, `everExec`. */
  immediateUnmap: boolean | null = null;
  constructor(
    readonly addr: number,
    /** Bytes, guard page included unless VM_NO_GUARD. */
    readonly size: number,
    readonly pages: Int32Array,
    public flags: number,
  ) {}

  get nrPages(): number {
    return this.pages.length;
  }
}

/** "No range" as _vm_unmap_aliases(ULONG_MAX, 0, …) passes it. */
export const NO_START = Number.MAX_SAFE_INTEGER;

export class Vmalloc {
  readonly space: VmapAreaSpace;
  readonly areas = new Map<number, VmStruct>();
  /** The purge list: [start, end) of lazily freed areas, address-sorted. */
  readonly purgeStarts: number[] = [];
  readonly purgeEnds: number[] = [];
  /** vmap_lazy_nr, in pages (guard pages included). */
  vmapLazyNr = 0;
  readonly blocks: VmapBlocks;
  /** __purge_vmap_area_lazy runs that flushed (linux.vmap_purge). */
  purges = 0;
  /** num_purged_areas of the last purge (its trace_purge_vmap_area_lazy(start, end, n) argument). */
  lastPurgedAreas = 0;
  private readonly arch: LinuxArch;

  constructor(readonly mm: LinuxMm) {
    this.arch = mm.arch;
    this.space = new VmapAreaSpace(mm.arch.layout.vmallocStart, mm.arch.layout.vmallocEnd);
    this.blocks = new VmapBlocks(this);
  }

  /** lazy_max_pages() = fls(num_online_cpus()) * (32 MiB / PAGE_SIZE) (spec §3.1). */
  lazyMaxPages(): number {
    const fls = 32 - Math.clz32(this.arch.nrCpus);
    return fls * ((32 * 1024 * 1024) / PAGE_SIZE);
  }

  /**
   * __vmalloc_node_range(): a VA range (guard page added unless VM_NO_GUARD), order-0 pages (or the
   * given `reuse` frames), mapped PAGE_KERNEL. Returns null when VA space or memory runs out.
   */
  vmalloc(cpu: number, nrPages: number, flags: number, reuse?: readonly number[]): VmStruct | null {
    const size = (nrPages + (flags & VM_NO_GUARD ? 0 : 1)) * PAGE_SIZE;
    let addr = this.space.alloc(size, PAGE_SIZE);
    if (addr < 0) {
      // alloc_vmap_area: on failure purge the lazy areas once and retry.
      this.purgeVmapAreaLazy(cpu, NO_START, 0);
      addr = this.space.alloc(size, PAGE_SIZE);
      if (addr < 0) return null;
    }
    const pages = new Int32Array(nrPages);
    if (reuse) {
      if (reuse.length !== nrPages || !this.mm.allocator.allocSpecific(reuse, 0)) {
        this.space.release(addr);
        return null;
      }
      pages.set(reuse);
    } else {
      for (let i = 0; i < nrPages; i++) {
        const pfn = this.mm.allocator.allocPages(cpu, 0, 0);
        if (pfn < 0) {
          for (let j = 0; j < i; j++) this.mm.allocator.freePages(cpu, pages[j], 0);
          this.space.release(addr);
          return null;
        }
        pages[i] = pfn;
      }
    }
    const area = new VmStruct(addr, size, pages, flags | VM_ALLOC);
    this.vmapPagesRange(cpu, addr, pages, PAGE_KERNEL);
    this.areas.set(addr, area);
    return area;
  }

  /** find_vm_area(). */
  findVmArea(addr: number): VmStruct | undefined {
    return this.areas.get(addr);
  }

  /** vmap_pages_range(): PTEs in init_mm (kernel tables allocated on the way, pte_alloc_kernel). */
  vmapPagesRange(cpu: number, addr: number, pfns: ArrayLike<number>, prot: number): void {
    const store = this.mm.pgtables;
    for (let i = 0; i < pfns.length; i++) {
      const va = addr + i * PAGE_SIZE;
      const table = store.walk(cpu, this.mm.initMm, va, 1, true);
      if (table < 0) throw new Error('vmalloc: out of memory for kernel page tables');
      store.setEntry(cpu, this.mm.initMm, 1, table, tableIndex(va, 1), va, mkPte(pfns[i], prot));
    }
  }

  /** vunmap_range_noflush(): clear the PTEs, no flush (the lazy purge flushes later). */
  vunmapRangeNoflush(cpu: number, addr: number, end: number): void {
    const store = this.mm.pgtables;
    for (let va = addr; va < end; va += PAGE_SIZE) {
      const table = store.walk(cpu, this.mm.initMm, va, 1, false);
      if (table < 0) continue;
      const index = tableIndex(va, 1);
      if (store.get(table)[index] !== 0) store.setEntry(cpu, this.mm.initMm, 1, table, index, va, 0);
    }
  }

  /** The vmalloc PTE of a kernel address (0 if none): for the arch's CPA on vmalloc aliases. */
  vmallocPte(addr: number): number {
    return this.mm.pgtables.readEntry(this.mm.initMm, addr, 1);
  }

  /** remove_vm_area(): unmap without flush and put the range on the purge list. */
  removeVmArea(cpu: number, addr: number): VmStruct | undefined {
    const area = this.areas.get(addr);
    if (!area) return undefined;
    this.areas.delete(addr);
    this.vunmapRangeNoflush(cpu, addr, addr + area.nrPages * PAGE_SIZE);
    this.freeVmapAreaNoflush(cpu, addr, addr + area.size);
    return area;
  }

  /**
   * free_vmap_area_noflush(): the range joins the purge list, vmap_lazy_nr grows by its pages (guard
   * included); past lazy_max_pages() the drain worker runs — here, at the trigger (DESIGN §4).
   */
  freeVmapAreaNoflush(cpu: number, start: number, end: number): void {
    let i = 0;
    while (i < this.purgeStarts.length && this.purgeStarts[i] < start) i++;
    this.purgeStarts.splice(i, 0, start);
    this.purgeEnds.splice(i, 0, end);
    this.vmapLazyNr += (end - start) / PAGE_SIZE;
    if (this.vmapLazyNr > this.lazyMaxPages()) this.purgeVmapAreaLazy(cpu, NO_START, 0);
  }

  /**
   * vmap_areas on the lazy list, as __purge_vmap_area_lazy() counts them (num_purged_areas). Since Rezki's
   * per-node vmap series (2024) free_vmap_area_noflush() uses insert_vmap_area() on vn->lazy, so abutting
   * areas stay apart; before it, merge_or_add_vmap_area() merged them (mm/vmalloc.c).
   */
  lazyAreas(): number {
    return this.purgeStarts.length;
  }

  /**
   * __purge_vmap_area_lazy(start, end): nothing to do on an empty list; otherwise widen [start, end)
   * to the first and last listed area, one flush_tlb_kernel_range, recycle every range (spec §3.2).
   */
  purgeVmapAreaLazy(cpu: number, start: number, end: number): boolean {
    const n = this.purgeStarts.length;
    if (n === 0) return false;
    start = Math.min(start, this.purgeStarts[0]);
    for (let i = 0; i < n; i++) if (this.purgeEnds[i] > end) end = this.purgeEnds[i];
    this.arch.tlb.flushTlbKernelRange(cpu, start, end);
    this.purges++;
    this.lastPurgedAreas = this.lazyAreas();
    for (let i = 0; i < n; i++) this.space.release(this.purgeStarts[i]);
    this.purgeStarts.length = 0;
    this.purgeEnds.length = 0;
    this.vmapLazyNr = 0;
    return true;
  }

  /**
   * _vm_unmap_aliases(start, end, flush): widen by every dirty vmap-block range (then flush = 1),
   * free fully dirty blocks, purge; if nothing was purged but a flush is due, flush [start, end).
   */
  vmUnmapAliasesRange(cpu: number, start: number, end: number, flush: boolean): void {
    const dirty = this.blocks.collectDirty(cpu);
    if (dirty) {
      start = Math.min(start, dirty[0]);
      end = Math.max(end, dirty[1]);
      flush = true;
    }
    if (!this.purgeVmapAreaLazy(cpu, start, end) && flush) this.arch.tlb.flushTlbKernelRange(cpu, start, end);
  }

  /** vm_unmap_aliases() = _vm_unmap_aliases(ULONG_MAX, 0, 0): nothing lazy, nothing dirty → no flush. */
  vmUnmapAliases(cpu: number): void {
    this.vmUnmapAliasesRange(cpu, NO_START, 0, false);
  }

  /** vfree(): the selected variant's free path (vfree.ts). Returns false for an unknown address. */
  vfree(cpu: number, addr: number): boolean {
    const area = this.areas.get(addr);
    if (!area) return false;
    vfreeArea(this.mm, cpu, area);
    return true;
  }

  /** The drain worker / `check drain: true`: purge everything lazy now. */
  drain(cpu: number): boolean {
    return this.purgeVmapAreaLazy(cpu, NO_START, 0);
  }
}
