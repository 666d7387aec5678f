// Change of page attributes on kernel addresses (arch/x86/mm/pat/set_memory.c): change_page_attr_set_clr
// with vm_unmap_aliases first, alias processing for vmalloc addresses, large-page preservation or splits
// (__split_large_page, each followed at once by flush_tlb_all), and cpa_flush with the ceiling. The
// set_direct_map_*_noflush family is the same walk without alias processing and without cpa_flush.
// Spec linux.md §2.4.
import { PAGE_SIZE, PTE_EXEC, TLB_FLUSH_ALL, pteHwFlags } from '@shootdown/linux-mm';
import { HW_PAGE_KERNEL, swFlagsOf } from './entry.js';
import type { MachineTables } from './machine.js';
import type { X86Tlb } from './tlb.js';
import type { CpaFlush } from './x86-config.js';

/** Pages covered by a leaf at level 1, 2, 3. */
const LEVEL_PAGES = [0, 1, 512, 512 * 512];

export interface CpaLayout {
  readonly directMapBase: number;
  readonly vmallocStart: number;
  readonly vmallocEnd: number;
  /** Frames of physical memory (the direct map's extent). */
  readonly nrFrames: number;
}

export interface CpaHooks {
  /** vm_unmap_aliases(): purge lazily freed vmalloc areas before changing attributes (mm/vmalloc.c). */
  vmUnmapAliases(cpu: number): void;
  /** A zeroed page for a split (alloc_pages in __split_large_page); -1 when memory is exhausted. */
  allocTable(): number;
  count(name: string, n?: number): void;
}

export class X86Cpa {
  /** Scratch list of the virtual addresses cpa_flush invalidates page by page. */
  private flushList = new Float64Array(64);
  private flushCount = 0;
  private hooks: CpaHooks | null = null;

  constructor(
    private readonly machine: MachineTables,
    private readonly tlb: X86Tlb,
    private readonly layout: CpaLayout,
    private readonly ceiling: number,
    private readonly flush: CpaFlush = 'flush-kernel-range',
  ) {}

  attach(hooks: CpaHooks): void {
    this.hooks = hooks;
  }

  private get h(): CpaHooks {
    if (this.hooks === null) throw new Error('CPA used before the mm was attached');
    return this.hooks;
  }

  isVmalloc(addr: number): boolean {
    return addr >= this.layout.vmallocStart && addr < this.layout.vmallocEnd;
  }

  directMapAddress(pfn: number): number {
    return this.layout.directMapBase + pfn * PAGE_SIZE;
  }

  /**
   * change_page_attr_set_clr(): `set` / `clear` are software PTE_* bits. vm_unmap_aliases() first; NX-only
   * changes skip alias checking ("No alias checking for _NX bit modifications"); a processed alias forces
   * a flush-all (force_flush_all, since "x86/mm/cpa: Fix cpa_flush_array() TLB invalidation"); otherwise
   * cpa_flush flushes page by page up to the ceiling.
   */
  changePageAttr(cpu: number, addr: number, numpages: number, set: number, clear: number): void {
    const h = this.h;
    h.vmUnmapAliases(cpu);
    const checkAlias = (set | clear) !== PTE_EXEC;
    this.flushCount = 0;
    let changed = false;
    let forceFlushAll = false;
    for (let i = 0; i < numpages; i++) {
      const va = addr + i * PAGE_SIZE;
      if (this.changeOne(cpu, va, set, clear, -1)) {
        changed = true;
        this.noteFlush(va);
      }
    }
    if (checkAlias && this.isVmalloc(addr)) {
      // cpa_process_alias: the direct-map alias of every backing page gets the same change.
      for (let i = 0; i < numpages; i++) {
        const look = this.machine.lookup(this.machine.kernelSpace, addr + i * PAGE_SIZE);
        if (!look.present) continue;
        forceFlushAll = true;
        if (this.changeOne(cpu, this.directMapAddress(look.pfn), set, clear, look.pfn)) changed = true;
      }
    }
    if (!changed) return;
    this.cpaFlush(cpu, addr, numpages, forceFlushAll);
  }

  /**
   * cpa_flush() (arch/x86/mm/pat/set_memory.c), as the mechanism `cpa-flush` selects (x86-config.ts).
   * Since 86e6815b316e "x86/mm: Change cpa_flush() to call flush_kernel_range() directly": one
   * flush_tlb_kernel_range(start, start + numpages pages, TLB_FLUSH_ALL when forced), which converts above
   * the ceiling and uses INVLPGB where the CPU has it. Before it: flush_tlb_all() when forced or above the
   * ceiling, else on_each_cpu(__cpa_flush_tlb) — an IPI to every other CPU and one INVLPG per changed page
   * on each, even on a CPU with INVLPGB.
   */
  private cpaFlush(cpu: number, addr: number, numpages: number, forceFlushAll: boolean): void {
    if (this.flush === 'flush-kernel-range') {
      const end = forceFlushAll ? TLB_FLUSH_ALL : addr + numpages * PAGE_SIZE;
      this.tlb.flushTlbKernelRange(cpu, addr, end);
      return;
    }
    if (forceFlushAll || numpages > this.ceiling) {
      this.tlb.flushTlbAll(cpu);
    } else {
      this.h.count('kflush');
      this.tlb.flushKernelPagesOnEachCpu(cpu, this.flushList, this.flushCount);
    }
  }

  /**
   * The direct-map entries of `nr` frames from `pfn` without any flush (set_direct_map_*_noflush):
   * `valid` restores PAGE_KERNEL, `!valid` clears present and RW (§2.4). Splits still flush.
   */
  setDirectMapNoflush(cpu: number, pfn: number, nr: number, valid: boolean): void {
    let i = 0;
    while (i < nr) {
      const va = this.directMapAddress(pfn + i);
      i += this.setDirectMapRun(cpu, va, pfn + i, nr - i, valid);
    }
  }

  /** One direct-map entry (or a whole large leaf the request covers: try_preserve_large_page). */
  private setDirectMapRun(cpu: number, va: number, pfn: number, left: number, valid: boolean): number {
    const m = this.machine;
    const ks = m.kernelSpace;
    let look = m.lookup(ks, va);
    while (look.level > 1) {
      const pages = LEVEL_PAGES[look.level]!;
      const aligned = (va - this.layout.directMapBase) % (pages * PAGE_SIZE) === 0;
      const want = valid ? HW_PAGE_KERNEL : 0;
      const have = look.present ? look.flags : 0;
      if (aligned && left >= pages) {
        if (have !== want) this.storeDirect(va, look.level as 2 | 3, pfn, want);
        return pages;
      }
      if (have === want)
        return Math.min(left, pages - (((va - this.layout.directMapBase) / PAGE_SIZE) % pages));
      this.splitLargePage(cpu, va, look.level, look.present);
      look = m.lookup(ks, va);
    }
    const want = valid ? HW_PAGE_KERNEL : 0;
    const have = look.present ? look.flags : 0;
    if (have !== want) this.storeDirect(va, 1, pfn, want);
    return 1;
  }

  private storeDirect(va: number, level: 1 | 2 | 3, pfn: number, hw: number): void {
    if (hw === 0) this.machine.clearEntry(this.machine.kernelSpace, va, level);
    else this.machine.setLeaf(this.machine.kernelSpace, va, level, pfn, hw);
  }

  /** One page of a CPA request; returns whether its entry changed (CPA_FLUSHTLB). */
  private changeOne(cpu: number, va: number, set: number, clear: number, directPfn: number): boolean {
    const m = this.machine;
    const ks = m.kernelSpace;
    let look = m.lookup(ks, va);
    while (look.level > 1 && look.present) {
      const cur = swFlagsOf(look.flags);
      if (((cur & ~clear) | set) === cur) return false;
      this.splitLargePage(cpu, va, look.level, true);
      look = m.lookup(ks, va);
    }
    const pfn = look.present ? look.pfn : directPfn;
    if (pfn < 0) return false;
    const cur = swFlagsOf(look.present ? look.flags : 0);
    const next = (cur & ~clear) | set;
    if (next === cur) return false;
    const hw = pteHwFlags(next);
    if (hw === 0) m.clearEntry(ks, va, 1);
    else m.setLeaf(ks, va, 1, pfn, hw);
    return true;
  }

  /**
   * __split_large_page(): a new page-table page replaces the large leaf, then flush_tlb_all() at once,
   * inside the lock ("Do a global flush tlb after splitting the large page and before we do the actual
   * change page attribute in the PTE", arch/x86/mm/pat/set_memory.c). 1 GiB → 2 MiB and 2 MiB → 4 KiB are
   * separate splits. Counters: split 1, ptalloc 1, and the flush_tlb_all's kflush/ipi/full (§2.4).
   */
  private splitLargePage(cpu: number, va: number, level: number, present: boolean): void {
    const h = this.h;
    const table = h.allocTable();
    if (table < 0) throw new Error('CPA: no memory for a page-table page to split the direct map');
    h.count('split');
    h.count('ptalloc');
    const m = this.machine;
    if (present) {
      m.splitLeaf(m.kernelSpace, va, table);
    } else {
      // A not-present large entry keeps no frame in the MMU: its replacement is a table of not-present
      // entries, which is what splitting it would produce.
      const span = LEVEL_PAGES[level]! * PAGE_SIZE;
      m.setTable(m.kernelSpace, va - (va % span), level as 2 | 3, table);
    }
    this.tlb.flushTlbAll(cpu);
  }

  private noteFlush(va: number): void {
    if (this.flushCount === this.flushList.length) {
      const grown = new Float64Array(this.flushList.length * 2);
      grown.set(this.flushList);
      this.flushList = grown;
    }
    this.flushList[this.flushCount++] = va;
  }
}
