// The arm64 linear map as kpkeys sees it: which granularity covers each frame (1 GiB PUD block, 2 MiB PMD block,
// or 4 KiB pages), which POIndex each frame carries, and the two ways a block becomes a table.
//
// set_memory_pkey() (kpkeys v6, arch/arm64/mm/pageattr.c) changes the POIndex of the leaves covering a range:
// blocks wholly inside the range change in place; a block the range only partly covers is first split at the
// range's edges by split_kernel_leaf_mapping() (arch/arm64/mm/mmu.c), then the kernel range is flushed once with
// flush_tlb_kernel_range(). Splitting needs page-table pages, which under kpkeys must themselves be keyed: the
// split protocol of v6 15/30 (kpkeys_prepare_direct_map_split() → take the split lock →
// kpkeys_ready_for_direct_map_split()) lets the block allocator's reserve serve them with __GFP_PGTABLE_SPLIT.
// A split requested while another split is under way would take pgtable_split_lock twice: that is the recursion
// of spec arm64-pkey.md §3.1 item 3, reported as `arm64.ptp_recursion` and failed.
//
// How a block is replaced (arch/arm64/mm/mmu.c, Linux v6.18): with FEAT_BBM level 2 and no TLB-conflict aborts
// (machine feature `bbml2-noabort`), split_pmd() / split_pud() build the table, DSB ISHST, and populate the parent
// entry in place (no invalid step, no TLBI at split time). Without it split_kernel_leaf_mapping() returns at once
// ("!BBML2_NOABORT systems should not be trying to change permissions on anything that is not pte-mapped in the
// first place") and the pageattr walk refuses a change that covers part of a block (pageattr_pmd_entry():
// WARN_ON_ONCE, -EINVAL): the kernel never breaks a live linear-map block. map_mem() makes that moot by building
// the linear map with PTEs on such CPUs (arch/map-mem.ts); a LinearMap built with blocks and no BBML2_NOABORT
// refuses partial-block changes the same way (`arm64.split_refused`).
import { ArrayLease } from '@shootdown/mmu';
import { KPKEYS_PKEY_DEFAULT, PAGE_SIZE, PMD_ORDER, PUD_ORDER } from './constants.js';
import { GFP_PGTABLE_SPLIT, GFP_ZERO, NO_PFN, type CounterPort } from './ptp/types.js';
import { flushTlbKernelRange, type TlbiPort } from './tlbflush.js';

/** Granularity of a 2 MiB slot of the linear map. */
export const GRAN_PUD_BLOCK = 0;
export const GRAN_PMD_BLOCK = 1;
export const GRAN_PTE = 2;

export type LinearMapLeaf = '4K' | '2M' | '1G';

/** Stores into the kernel page tables that back the linear map (the simulated MMU's entries). */
export interface LinearMapHw extends TlbiPort {
  /** Rewrites the POIndex of the leaf at `level` (1 PTE, 2 PMD block, 3 PUD block) covering `pfn`, in place. */
  setLeafKey(cpu: number, level: number, pfn: number, key: number): void;
  /**
   * Fills `table` with next-level leaves equal to the block (output, permissions, key) and links it where the
   * block at `level` covering `pfn` was, as one store of the parent entry (FEAT_BBM level 2).
   */
  installTable(cpu: number, level: number, pfn: number, table: number): void;
  /** page_address(pfn): the linear-map virtual address. */
  directMapVa(pfn: number): number;
  /** Rewrites the 4 KiB linear-map leaf of `pfn`: `set`/`clear` are MMU flag bits (PRESENT clears it). */
  updatePte(cpu: number, pfn: number, set: number, clear: number): void;
}

/** Where split tables come from: pgtable_alloc for init_mm, i.e. the selected PTP allocator. */
export interface SplitTableSource {
  alloc(gfp: number): number;
  prepareDirectMapSplit(): boolean;
  readyForDirectMapSplit(): boolean;
}

export class LinearMap {
  /** Per 2 MiB slot: GRAN_PUD_BLOCK / GRAN_PMD_BLOCK / GRAN_PTE. */
  readonly gran: Uint8Array;
  /** POIndex of each frame's linear-map leaf. */
  readonly key: Uint8Array;
  private readonly nrSlots: number;
  private splitting = false;
  private tables: SplitTableSource | undefined;
  /** The CPU performing the current kernel operation. */
  cpu = 0;
  /** Splits so far, and 4 KiB-mapped slots (for the 4 KiB fraction). */
  splitsPud = 0;
  splitsPmd = 0;
  private pteSlots = 0;

  constructor(
    readonly nrFrames: number,
    leaf: LinearMapLeaf,
    readonly bbml2NoAbort: boolean,
    private readonly hw: LinearMapHw,
    private readonly counters: CounterPort,
    /** Where the per-frame key array comes from (the machine's, recycled with it; default: a new one). */
    lease: ArrayLease = new ArrayLease(),
  ) {
    this.nrSlots = Math.ceil(nrFrames / (1 << PMD_ORDER));
    this.gran = new Uint8Array(this.nrSlots);
    // Blocks only where memory covers them whole (a 1 GiB block over 64 MiB would map absent memory).
    const fullPudSlots = Math.floor(nrFrames / (1 << PUD_ORDER)) << (PUD_ORDER - PMD_ORDER);
    const fullPmdSlots = nrFrames >> PMD_ORDER;
    for (let s = 0; s < this.nrSlots; s++) {
      const g =
        leaf === '4K' || s >= fullPmdSlots
          ? GRAN_PTE
          : leaf === '1G' && s < fullPudSlots
            ? GRAN_PUD_BLOCK
            : GRAN_PMD_BLOCK;
      this.gran[s] = g;
      if (g === GRAN_PTE) this.pteSlots++;
    }
    this.key = lease.take(Uint8Array, nrFrames, KPKEYS_PKEY_DEFAULT);
  }

  /** Connects the PTP allocator that serves split tables (they form a cycle: that is the point). */
  setTableSource(tables: SplitTableSource): void {
    this.tables = tables;
  }

  /** arch_has_pte_only_direct_map(). */
  pteOnly(): boolean {
    return this.pteSlots === this.nrSlots;
  }

  /** Fraction of the linear map mapped with 4 KiB pages (the long-term TLB-reach cost of splits). */
  fraction4K(): number {
    return this.pteSlots / this.nrSlots;
  }

  /** Level of the leaf that maps `pfn` (1 PTE, 2 PMD block, 3 PUD block). */
  leafLevel(pfn: number): number {
    const g = this.gran[pfn >> PMD_ORDER];
    return g === GRAN_PTE ? 1 : g === GRAN_PMD_BLOCK ? 2 : 3;
  }

  /**
   * set_memory_pkey(addr, nr, pkey): split at the range's edges, re-key every leaf inside, one kernel-range
   * flush. Returns false (nothing re-keyed) when a split could not get its table or would recurse.
   */
  setMemoryPkey(pfn: number, nrPages: number, pkey: number): boolean {
    const end = pfn + nrPages;
    if (!this.splitEdge(pfn) || !this.splitEdge(end)) return false;
    const cpu = this.cpu;
    let p = pfn;
    while (p < end) {
      const level = this.leafLevel(p);
      const span = level === 1 ? 1 : level === 2 ? 1 << PMD_ORDER : 1 << PUD_ORDER;
      if (this.key[p] !== pkey) {
        this.hw.setLeafKey(cpu, level, p, pkey);
        this.key.fill(pkey, p, Math.min(p + span, this.nrFrames));
      }
      p += span;
    }
    const va = this.hw.directMapVa(pfn);
    flushTlbKernelRange(this.hw, cpu, va, va + nrPages * PAGE_SIZE);
    return true;
  }

  /**
   * __change_memory_common() on the linear alias of [pfn, pfn + nr) at page granularity (set_direct_map_*,
   * set_memory_ro/rw on the alias): split to PTEs first, then rewrite each PTE. No flush: callers flush (or the
   * _noflush contract says they will). False when a split failed.
   */
  updatePtes(pfn: number, nrPages: number, set: number, clear: number): boolean {
    for (let p = pfn; p < pfn + nrPages; p++) {
      if (this.gran[p >> PMD_ORDER] !== GRAN_PTE && !this.splitToPte(p)) return false;
      this.hw.updatePte(this.cpu, p, set, clear);
    }
    return true;
  }

  /**
   * split_kernel_leaf_mapping() for one edge: if `pfn` falls strictly inside a block, split the blocks above it
   * until it is a leaf boundary (a PUD block first becomes PMD blocks, then the PMD block PTEs).
   */
  private splitEdge(pfn: number): boolean {
    if (pfn >= this.nrFrames || pfn <= 0) return true;
    const slot = pfn >> PMD_ORDER;
    const g = this.gran[slot];
    const insidePud = g === GRAN_PUD_BLOCK && pfn % (1 << PUD_ORDER) !== 0;
    const insidePmd = g !== GRAN_PTE && pfn % (1 << PMD_ORDER) !== 0;
    if (!insidePud && !insidePmd) return true;
    if (!this.bbml2NoAbort) return this.refuseSplit();
    if (!this.beginSplit()) return false;
    try {
      if (insidePud && !this.split(3, pfn)) return false;
      if (insidePmd && !this.split(2, pfn)) return false;
      return true;
    } finally {
      this.splitting = false;
    }
  }

  /**
   * The v6 15/30 protocol: prepare (may refill, lock-free), then under the split lock ask ready; if not, drop the
   * lock and prepare again. The simulator is single-threaded, so one retry settles it. A split already running is
   * the recursion the reserve exists to prevent.
   */
  private beginSplit(): boolean {
    if (this.splitting) {
      this.counters.count('arm64.ptp_recursion', 1);
      return false;
    }
    const tables = this.tables;
    if (tables) {
      for (let attempt = 0; attempt < 2 && !tables.readyForDirectMapSplit(); attempt++) {
        if (!tables.prepareDirectMapSplit()) return false;
      }
    }
    this.splitting = true;
    return true;
  }

  /** Forces `pfn`'s slot to 4 KiB pages (splitting the PUD first if needed): for boot-time pageblock maps. */
  splitToPte(pfn: number): boolean {
    return this.splitEdge(((pfn >> PMD_ORDER) << PMD_ORDER) + 1);
  }

  /** Forces the PUD block over `pfn` down to PMD blocks. */
  splitToPmd(pfn: number): boolean {
    const slot = pfn >> PMD_ORDER;
    if (this.gran[slot] !== GRAN_PUD_BLOCK) return true;
    if (!this.bbml2NoAbort) return this.refuseSplit();
    if (!this.beginSplit()) return false;
    try {
      return this.split(3, pfn);
    } finally {
      this.splitting = false;
    }
  }

  /**
   * split_kernel_leaf_mapping() without BBML2_NOABORT returns 0 without splitting, and the pageattr walk then
   * fails the partial-block change with -EINVAL: nothing is stored, nothing is flushed.
   */
  private refuseSplit(): boolean {
    this.counters.count('arm64.split_refused', 1);
    return false;
  }

  /** split_pud() / split_pmd() (BBML2_NOABORT only): one table page, DSB ISHST, the table replaces the block. */
  private split(level: number, pfn: number): boolean {
    const tables = this.tables;
    const table = tables ? tables.alloc(GFP_PGTABLE_SPLIT | GFP_ZERO) : NO_PFN;
    if (table === NO_PFN) {
      this.counters.count('arm64.split_fail', 1);
      return false;
    }
    const cpu = this.cpu;
    const span = level === 3 ? 1 << PUD_ORDER : 1 << PMD_ORDER;
    const base = Math.floor(pfn / span) * span;
    this.hw.dsb(cpu, 'ishst');
    this.hw.installTable(cpu, level, base, table);
    this.counters.count('split', 1);
    if (level === 3) {
      this.splitsPud++;
      this.counters.count('arm64.split_pud', 1);
      const first = base >> PMD_ORDER;
      const last = Math.min(this.nrSlots, first + (1 << (PUD_ORDER - PMD_ORDER)));
      for (let s = first; s < last; s++) this.gran[s] = GRAN_PMD_BLOCK;
    } else {
      this.splitsPmd++;
      this.counters.count('arm64.split_pmd', 1);
      this.gran[base >> PMD_ORDER] = GRAN_PTE;
      this.pteSlots++;
    }
    return true;
  }
}
