import type { CpuId, Pfn, Pid, Prot, Va } from './addresses.js';
import type { OpReport } from './outcome.js';

export interface EnterRequest {
  readonly va: Va;
  readonly pfn: Pfn;
  readonly prot: Prot;
  readonly user: boolean;
  /** Leaf size in pages: 1 (4 KiB), 512 (2 MiB), 262144 (1 GiB). */
  readonly pages?: number;
  /** Protection key to tag the entry with (0 = default key). */
  readonly key?: number;
  readonly global?: boolean;
}

/** The current entry of an address, as the `entry` and `direct-map` checks report it. */
export interface EntryInfo {
  readonly present: boolean;
  readonly pfn: Pfn;
  readonly prot: Prot;
  readonly user: boolean;
  readonly global: boolean;
  readonly key: number;
  /** Leaf size in 4 KiB pages (1, 512, 262144). */
  readonly pages: number;
}

/**
 * The machine-dependent translation layer of one address space: the page-table tree, its ASID/PCID,
 * and the TLB invalidations that go with every change.
 *
 * FreeBSD: `struct pmap` (sys/amd64/amd64/pmap.c). Linux: the arch side of `mm_struct` — page-table
 * helpers (`set_pte_at`, `ptep_get_and_clear`, `ptep_modify_prot_start/commit`), `flush_tlb_mm_range`
 * / `flush_tlb_range` (arch/x86/mm/tlb.c) or `__flush_tlb_range` (arch/arm64/include/asm/tlbflush.h).
 * Every method may return `unsupported()`.
 */
export interface Pmap {
  /** The address space this pmap translates (`kernelPid` = 0 for the kernel pmap). */
  readonly pid: Pid;
  /** The MMU address space (root + ASID/PCID) this pmap drives, for the engine's `cached` check. */
  readonly space: number;

  /** Read the current leaf entry of `va` (FreeBSD `pmap_pte` / `pmap_extract`, Linux `follow_pte`);
   *  `undefined` when no leaf maps it. Read-only: no counters move. */
  lookup(va: Va): EntryInfo | undefined;

  /** FreeBSD `pmap_enter`; Linux `set_pte_at` from the fault path (`do_anonymous_page`, `finish_fault`). */
  enter(cpu: CpuId, req: EnterRequest): OpReport;

  /** FreeBSD `pmap_remove` (clears entries, invalidates, frees emptied tables; in `fbsd-original` also
   *  drops PKRU ranges); Linux `zap_page_range_single` / `unmap_page_range` with an mmu_gather. */
  remove(cpu: CpuId, start: Va, end: Va): OpReport;

  /** FreeBSD `pmap_protect`; Linux `change_protection` + `flush_tlb_range`. */
  protect(cpu: CpuId, start: Va, end: Va, prot: Prot): OpReport;

  /** FreeBSD D39556 first revision: `pmap_remove_swapout` — like `pmap_remove` but keeps the PKRU
   *  ranges of the swapped-out range. Linux has no analogue (keys live in the VMA): `unsupported`. */
  removeSwapout(cpu: CpuId, start: Va, end: Va): OpReport;

  /** FreeBSD rG1e0e335b0f0d: `pmap_map_delete` — the logical unmap from `vm_map_delete` that alone
   *  drops PKRU ranges (non-PERSIST). Linux: `unsupported` (VMA removal does it). */
  mapDelete(cpu: CpuId, start: Va, end: Va): OpReport;

  /** Key range insert: FreeBSD `pmap_pkru_set` (rangeset, EXCL, PERSIST); Linux: `unsupported` at
   *  this layer (keys are VMA attributes written into PTEs by `change_protection`). */
  setKeyRange(cpu: CpuId, start: Va, end: Va, key: number, flags: readonly string[]): OpReport;

  /** FreeBSD `pmap_pkru_clear` / `pmap_pkru_deassign`. */
  clearKeyRange(cpu: CpuId, start: Va, end: Va): OpReport;

  /** The key a new entry at `va` gets: FreeBSD `pmap_pkru_get` (rangeset lookup); Linux the VMA's key. */
  keyFor(va: Va): number;

  /** Make this address space current on `cpu`. Linux `switch_mm_irqs_off` (CR3 with PCID and the
   *  `tlb_gen` check, or TTBR0 with ASID); FreeBSD `pmap_activate_sw` (`pmap_activate_sw_pcid_nopti`). */
  activate(cpu: CpuId): OpReport;
}

/**
 * The kernel pmap's linear-map (direct-map) attribute changes: Linux `set_memory_ro/rw/x/nx`,
 * `set_direct_map_invalid_noflush` / `set_direct_map_default_noflush` (arch/x86/mm/pat/set_memory.c:
 * `__change_page_attr_set_clr`, `cpa_flush`; arm64 arch/arm64/mm/pageattr.c); FreeBSD
 * `pmap_change_attr` / `pmap_change_prot`. Splitting a large direct-map page is counted (`split`).
 */
export interface DirectMap {
  /** Change the linear-map entry of `pages` frames from `pfn`; `flush: false` is the `_noflush`
   *  family (the caller flushes later, or never — that is what the invariants watch). */
  setProtection(cpu: CpuId, pfn: Pfn, pages: number, prot: Prot, flush: boolean): OpReport;
  /** Remove (not-present) the linear-map entries: `set_direct_map_invalid_noflush`. */
  invalidate(cpu: CpuId, pfn: Pfn, pages: number, flush: boolean): OpReport;
  /** Back to the default (present, RW, NX): `set_direct_map_default_noflush`. */
  restoreDefault(cpu: CpuId, pfn: Pfn, pages: number, flush: boolean): OpReport;
  /** The linear-map address of a frame (`__va(pfn << PAGE_SHIFT)`, FreeBSD `PHYS_TO_DMAP`). */
  addressOf(pfn: Pfn): Va;
}

/** The lookup registered under `Tokens.Pmap`: one pmap per address space, plus the kernel's. */
export interface PmapTable {
  of(pid: Pid): Pmap | undefined;
  readonly kernel: Pmap;
  readonly directMap: DirectMap;
}
