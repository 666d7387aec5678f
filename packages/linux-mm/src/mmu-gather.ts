/**
 * The generic struct mmu_gather (include/asm-generic/tlb.h, mm/mmu_gather.c) with its whole
 * state (spec linux.md §5.1): the accumulated range, fullmm, need_flush_all, freed_tables, the
 * cleared_* levels, vma_exec/vma_huge/vma_pfn, the page batch (forcing an intermediate flush when
 * full) and the table batch freed only after the flush. The arch's tlb_flush() decides what the
 * state means for the TLB.
 */
import type { PhaseHook } from '@shootdown/core';
import type { LinuxArch } from './arch.js';
import { PAGE_SIZE, PMD_SIZE, PUD_SIZE, TASK_SIZE, VM_EXEC, VM_HUGETLB } from './constants.js';
import type { MmuGatherConfig } from './gather-config.js';
import type { MmStruct } from './mm.js';
import type { VmArea } from './vma.js';

/** Where the gather hands back what it deferred (the page allocator and the page-table store). */
export interface GatherSink {
  /** Drop one reference of each queued page (tlb_batch_pages_flush → free_pages_and_swap_cache). */
  releasePage(cpu: number, pfn: number): void;
  /** Free a page-table page after the flush that covers it (tlb_remove_table → __tlb_remove_table). */
  releaseTable(mm: MmStruct, level: number, table: number): void;
  /** The scenario's interleave points: every gather reaches `cleared` and `flushed` (DESIGN §4). */
  readonly phases?: PhaseHook | null;
}

/** "No range yet" for a fullmm gather (__tlb_reset_range sets start = end = ~0). */
const FULLMM_EMPTY = Number.MAX_SAFE_INTEGER;

export class MmuGather {
  mm!: MmStruct;
  /** The CPU running the unmap (it sends the IPIs). */
  cpu = 0;
  start = 0;
  end = 0;
  fullmm = false;
  needFlushAll = false;
  freedTables = false;
  clearedPtes = false;
  clearedPmds = false;
  clearedPuds = false;
  clearedP4ds = false;
  vmaExec = false;
  vmaHuge = false;
  vmaPfn = false;
  /** tlb_change_page_size() (only used by arches with CONFIG_MMU_GATHER_PAGE_SIZE). */
  pageSize = 0;
  /** Set between tlb_gather_mmu and tlb_finish_mmu. */
  active = false;

  /** Queued pages (pfns) and tables (pfn, level), freed after the covering flush. */
  private pages: Int32Array;
  private nrPages = 0;
  private tables = new Int32Array(64);
  private tableLevels = new Uint8Array(64);
  private nrTables = 0;
  /** The range the caller asked to unmap (old tlb_finish_mmu(tlb, start, end) arguments, §5.8 `reset`). */
  private unmapStart = 0;
  private unmapEnd = 0;

  /** Where a scenario's interleave hooks in (set by unmap_region only). */
  phaseHook: PhaseHook | null = null;

  /** Number of arch tlb_flush() calls this gather issued (for reports and tests). */
  flushes = 0;

  constructor(
    private readonly arch: LinuxArch,
    private readonly sink: GatherSink,
    readonly config: MmuGatherConfig,
  ) {
    this.pages = new Int32Array(Math.min(config.maxGatherPages, 1024));
  }

  /** tlb_gather_mmu(): the range is empty, flags clear, vma_pfn = 0, inc_tlb_flush_pending. */
  gatherMmu(cpu: number, mm: MmStruct, start = 0, end = TASK_SIZE): void {
    this.begin(cpu, mm, false);
    this.unmapStart = start;
    this.unmapEnd = end;
  }

  /** tlb_gather_mmu_fullmm(): exit/exec teardown of the whole address space. */
  gatherMmuFullmm(cpu: number, mm: MmStruct): void {
    this.begin(cpu, mm, true);
    this.unmapStart = 0;
    this.unmapEnd = TASK_SIZE;
  }

  private begin(cpu: number, mm: MmStruct, fullmm: boolean): void {
    if (this.active) throw new Error('mmu_gather: already active');
    this.mm = mm;
    this.cpu = cpu;
    this.fullmm = fullmm;
    this.needFlushAll = false;
    this.vmaExec = false;
    this.vmaHuge = false;
    // Gushchin v6 initialises vma_pfn once here and never clears it again (spec §5.7).
    this.vmaPfn = false;
    this.pageSize = 0;
    this.nrPages = 0;
    this.nrTables = 0;
    this.flushes = 0;
    // Every mmu_gather user — munmap, mprotect (change_protection), madvise(DONTNEED), revoke, exit —
    // is interleavable at the same two points.
    this.phaseHook = this.sink.phases ?? null;
    this.active = true;
    this.resetRange();
    // inc_tlb_flush_pending(mm): mm_tlb_flush_nested() sees concurrent gathers (spec §5.8).
    mm.tlbFlushPending++;
  }

  /** __tlb_reset_range(): after every flush. vma_exec/vma_huge survive; vma_pfn only in free-vmas-v5 is cleared. */
  resetRange(): void {
    if (this.fullmm) {
      this.start = FULLMM_EMPTY;
      this.end = FULLMM_EMPTY;
    } else {
      this.start = TASK_SIZE;
      this.end = 0;
    }
    this.freedTables = false;
    this.clearedPtes = false;
    this.clearedPmds = false;
    this.clearedPuds = false;
    this.clearedP4ds = false;
    if (this.config.pfnmapFlush === 'free-vmas-v5') this.vmaPfn = false;
  }

  /** __tlb_adjust_range(): the range is the min/max of every address noted. */
  adjustRange(address: number, rangeSize: number): void {
    if (address < this.start) this.start = address;
    if (address + rangeSize > this.end) this.end = address + rangeSize;
  }

  /** tlb_remove_tlb_entry(): a present PTE was cleared at `address`. */
  removeTlbEntry(address: number): void {
    this.adjustRange(address, PAGE_SIZE);
    this.clearedPtes = true;
  }

  /** tlb_remove_pmd_tlb_entry() / tlb_remove_pud_tlb_entry(): a huge leaf was cleared. */
  removeHugeTlbEntry(level: number, address: number): void {
    if (level === 2) {
      this.adjustRange(address, PMD_SIZE);
      this.clearedPmds = true;
    } else {
      this.adjustRange(address, PUD_SIZE);
      this.clearedPuds = true;
    }
  }

  /**
   * __tlb_remove_page_size(): queue a page to free after the flush. Returns true when the batch
   * is full — the zap loop must then force a flush (tlb_flush_mmu) before going on.
   */
  removePage(pfn: number): boolean {
    if (this.nrPages === this.pages.length) {
      const grown = new Int32Array(Math.min(this.pages.length * 2, this.config.maxGatherPages));
      grown.set(this.pages);
      this.pages = grown;
    }
    this.pages[this.nrPages++] = pfn;
    return this.nrPages >= this.config.maxGatherPages;
  }

  /** pte_free_tlb(): range += one page at address, cleared_pmds, freed_tables; the table is queued. */
  pteFreeTlb(table: number, address: number): void {
    this.adjustRange(address, PAGE_SIZE);
    this.clearedPmds = true;
    this.freedTables = true;
    this.queueTable(table, 1);
  }

  /** pmd_free_tlb(): tlb_flush_pud_range(address, PAGE_SIZE). */
  pmdFreeTlb(table: number, address: number): void {
    this.adjustRange(address, PAGE_SIZE);
    this.clearedPuds = true;
    this.freedTables = true;
    this.queueTable(table, 2);
  }

  /** pud_free_tlb(): tlb_flush_p4d_range(address, PAGE_SIZE). */
  pudFreeTlb(table: number, address: number): void {
    this.adjustRange(address, PAGE_SIZE);
    this.clearedP4ds = true;
    this.freedTables = true;
    this.queueTable(table, 3);
  }

  private queueTable(table: number, level: number): void {
    if (this.nrTables === this.tables.length) {
      const t = new Int32Array(this.tables.length * 2);
      t.set(this.tables);
      const l = new Uint8Array(this.tables.length * 2);
      l.set(this.tableLevels);
      this.tables = t;
      this.tableLevels = l;
    }
    this.tables[this.nrTables] = table;
    this.tableLevels[this.nrTables++] = level;
  }

  /** tlb_update_vma_flags(); vma_pfn is sticky (|=) in the free-vmas variants (spec §5.7). */
  updateVmaFlags(vma: VmArea): void {
    this.vmaHuge = vma.isHugetlb();
    this.vmaExec = vma.isExec();
    const pfn = vma.isPfnmap();
    const sticky = this.config.pfnmapFlush === 'free-vmas' || this.config.pfnmapFlush === 'free-vmas-v5';
    this.vmaPfn = sticky ? this.vmaPfn || pfn : pfn;
  }

  /** tlb_start_vma(): nothing for fullmm; otherwise record the VMA's flags (flush_cache_range is a no-op here). */
  startVma(vma: VmArea): void {
    if (this.fullmm) return;
    this.updateVmaFlags(vma);
  }

  /**
   * tlb_end_vma(): nothing for fullmm; otherwise flush now unless the arch merges VMAs — and, since
   * b67fbebd4cf9, always for a PFN mapping (spec §5.7 `end-vma`).
   */
  endVma(_vma: VmArea): void {
    if (this.fullmm) return;
    const pfnForce = this.vmaPfn && this.config.pfnmapFlush === 'end-vma';
    if (!pfnForce && this.config.mergeVmas) return;
    // Without CONFIG_MMU_GATHER_MERGE_VMAS (arm64) unmap_page_range() and change_protection_range() flush
    // here, before tlb_finish_mmu: the window in which other CPUs reach the old entries ends at this
    // flush, so the scenario's `cleared` phase (entries changed, nothing flushed) is here, not in finishMmu.
    if (this.needsFlush()) this.phaseHook?.reach('cleared');
    this.flushMmuTlbonly();
  }

  /** Whether anything was cleared or freed since the last flush. */
  needsFlush(): boolean {
    return this.freedTables || this.clearedPtes || this.clearedPmds || this.clearedPuds || this.clearedP4ds;
  }

  /** tlb_flush_mmu_tlbonly(): arch tlb_flush if anything is pending, then __tlb_reset_range. */
  flushMmuTlbonly(): void {
    if (!this.needsFlush()) return;
    this.flushes++;
    this.arch.tlb.tlbFlush(this.cpu, this);
    this.resetRange();
  }

  /** tlb_flush_mmu(): flush, then free the queued tables and pages (the order the kernel relies on). */
  flushMmu(): void {
    this.flushMmuTlbonly();
    this.flushMmuFree();
  }

  private flushMmuFree(): void {
    for (let i = 0; i < this.nrTables; i++)
      this.sink.releaseTable(this.mm, this.tableLevels[i], this.tables[i]);
    this.nrTables = 0;
    for (let i = 0; i < this.nrPages; i++) this.sink.releasePage(this.cpu, this.pages[i]);
    this.nrPages = 0;
  }

  /**
   * tlb_finish_mmu(): with another gather pending on the mm, the current code forces a fullmm flush
   * with freed_tables; the pre-7a30df49f63a code reset the range (losing freed_tables) and re-added
   * the unmapped range, so the final flush could be leaf-only (spec §5.8).
   */
  finishMmu(): void {
    if (!this.active) throw new Error('mmu_gather: finish without gather');
    if (this.mm.tlbFlushNested()) {
      if (this.config.nested === 'fullmm') {
        this.fullmm = true;
        this.resetRange();
        this.freedTables = true;
      } else {
        const wasFullmm = this.fullmm;
        this.resetRange();
        this.adjustRange(this.unmapStart, this.unmapEnd - this.unmapStart);
        // 5.1's tlb_flush_mmu_tlbonly tested only tlb->end, so the re-added range is flushed even
        // though every cleared_* bit is now zero; stride falls back to PAGE_SIZE.
        if (!wasFullmm && this.end > this.start) this.clearedPtes = true;
      }
    }
    // The scenario's `cleared` phase, for users that have no earlier point of their own (unmap_region
    // reaches it before free_pgtables, endVma before a per-VMA flush; the dispatcher fires a phase
    // once): entries changed, not flushed.
    this.phaseHook?.reach('cleared');
    this.flushMmuTlbonly();
    // The scenario's `flushed` phase: invalidated, nothing freed yet.
    this.phaseHook?.reach('flushed');
    this.flushMmuFree();
    this.mm.tlbFlushPending--;
    this.active = false;
  }

  /** Pages queued but not yet freed (for inspection). */
  pendingPages(): number {
    return this.nrPages;
  }

  pendingTables(): number {
    return this.nrTables;
  }

  /** The flags of the asm-generic fake VMA (tlb_flush in include/asm-generic/tlb.h). */
  fakeVmaFlags(): number {
    return (this.vmaExec ? VM_EXEC : 0) | (this.vmaHuge ? VM_HUGETLB : 0);
  }
}

/**
 * The asm-generic tlb_flush() for arches without their own (e.g. 32-bit ARM): flush_tlb_mm for
 * fullmm/need_flush_all, else flush_tlb_range on a fake VMA carrying only VM_EXEC/VM_HUGETLB.
 */
export function genericTlbFlush(arch: LinuxArch, tlb: MmuGather): void {
  if (tlb.fullmm || tlb.needFlushAll) {
    arch.tlb.flushTlbMm(tlb.cpu, tlb.mm);
  } else if (tlb.end) {
    arch.tlb.flushTlbRange(tlb.cpu, tlb.mm, tlb.fakeVmaFlags(), tlb.start, tlb.end);
  }
}

/**
 * tlb_get_unmap_shift() (asm-generic/tlb.h): the smallest level cleared decides the flush stride
 * (x86 and arm64 both use it).
 */
export function tlbGetUnmapShift(tlb: MmuGather): number {
  if (tlb.clearedPtes) return 12;
  if (tlb.clearedPmds) return 21;
  if (tlb.clearedPuds) return 30;
  if (tlb.clearedP4ds) return 39;
  return 12;
}
