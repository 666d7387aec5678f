import type { AccessKind, CpuId, Pid, Prot, Va } from './addresses.js';
import type { OpReport } from './outcome.js';

/** Flags of an `mmap` step (DESIGN §4 "placement"). A policy that cannot express one reports it `ignored`. */
export type MapFlag = 'fixed' | 'fixed-excl' | 'populate' | 'exec' | 'huge' | 'pfnmap' | 'shared';

export interface MapRequest {
  /** Requested start (hint, or the exact place with `fixed` / `fixed-excl`). */
  readonly addr?: Va;
  /** Alignment in bytes when placement matters (a power of two ≥ 4096). */
  readonly align?: number;
  readonly pages: number;
  readonly prot: Prot;
  readonly flags: readonly MapFlag[];
}

export interface MapReport extends OpReport {
  /** Where the mapping landed (absent when the call failed). */
  readonly start?: Va;
}

/** Key flags of `key-assign` (FreeBSD AMD64_PKRU_EXCL / AMD64_PKRU_PERSIST; Linux has neither). */
export type KeyAssignFlag = 'excl' | 'persist';

/**
 * Who performs a VmMap operation: the CPU whose current thread made the system call. It decides
 * which CPU sends the shootdown IPIs, and whose key register a fault is checked against.
 */
export interface CallContext {
  readonly cpu: CpuId;
}

/**
 * One address space's logical mappings.
 *
 * Linux: `struct mm_struct` with its VMAs (mm/mmap.c, mm/vma.c). FreeBSD: `struct vm_map`
 * (sys/vm/vm_map.c). Every range is `[start, end)` in bytes, page aligned. Every method may
 * return `unsupported()`; a flag the policy cannot express goes into the report's `ignored`.
 */
export interface VmMap {
  readonly pid: Pid;

  /** mmap(2). Linux `do_mmap` → `mmap_region` (MAP_FIXED replaces via `do_vmi_munmap`, MAP_POPULATE
   *  via `mm_populate`); FreeBSD `vm_mmap_object` → `vm_map_find` / `vm_map_fixed` (MAP_FIXED
   *  replaces via `vm_map_delete`, MAP_EXCL fails with EINVAL when occupied). */
  map(ctx: CallContext, req: MapRequest): MapReport;

  /** munmap(2). Linux `do_vmi_munmap` → `vms_complete_munmap_vmas` → `unmap_region` (an mmu_gather,
   *  `unmap_vmas`, `free_pgtables`, `tlb_finish_mmu`); FreeBSD `vm_map_remove` → `vm_map_delete` →
   *  `pmap_map_delete` / `pmap_remove`. */
  unmap(ctx: CallContext, start: Va, end: Va): OpReport;

  /** mprotect(2). Linux `do_mprotect_pkey` → `mprotect_fixup` → `change_protection` +
   *  `flush_tlb_range`; FreeBSD `vm_map_protect` → `pmap_protect` (PROT_NONE on FreeBSD goes through
   *  `pmap_protect`, which removes write/exec but keeps the entries). */
  protect(ctx: CallContext, start: Va, end: Va, prot: Prot): OpReport;

  /** Bind a protection key to a range. Linux `pkey_mprotect` (`do_mprotect_pkey` with a pkey: the key
   *  becomes a VMA attribute, `arch_override_mprotect_pkey`); FreeBSD `sysarch(AMD64_SET_PKRU)` →
   *  `pmap_pkru_set` (rangeset insert, may cover holes, EXCL / PERSIST flags). */
  assignKey(ctx: CallContext, start: Va, end: Va, key: number, flags: readonly KeyAssignFlag[]): OpReport;

  /** Remove keys from a range. Linux: `pkey_mprotect(..., 0)` (back to the default key);
   *  FreeBSD `sysarch(AMD64_CLEAR_PKRU)` → `pmap_pkru_clear`. */
  clearKey(ctx: CallContext, start: Va, end: Va): OpReport;

  /** Reclaim the pages of a range (or, with no range, the whole process) but keep the mapping:
   *  Linux `shrink_folio_list` → `try_to_unmap` (rmap, `ptep_clear_flush`); FreeBSD
   *  `vm_swapout_map_deactivate_pages` / `vm_daemon` → `pmap_remove` or `pmap_remove_swapout`
   *  (the D39556 question, spec freebsd-amd64.md §6). */
  swapOut(ctx: CallContext, start?: Va, end?: Va): OpReport;

  /** msync(MS_INVALIDATE). Linux: only checks for mlocked pages (mm/msync.c `sys_msync`); FreeBSD
   *  `vm_map_sync` with invalidate → `pmap_remove` over the range (keeps the vm_map entry). */
  invalidate(ctx: CallContext, start: Va, end: Va): OpReport;

  /** madvise(MADV_DONTNEED). Linux `madvise_dontneed_single_vma` → `zap_page_range_single`
   *  (an mmu_gather without freeing tables); FreeBSD `vm_map_madvise` → `pmap_advise` / object
   *  `vm_object_madvise` (MADV_DONTNEED there only deactivates; zeroing is MADV_FREE's business). */
  discard(ctx: CallContext, start: Va, end: Va): OpReport;

  /** A fault at `va`: demand paging and swap-in. Linux `handle_mm_fault` (`do_anonymous_page`,
   *  `do_swap_page`, `do_wp_page`, pkey check `arch_vma_access_permitted`); FreeBSD `vm_fault` →
   *  `pmap_enter` (the key re-derived from the rangeset by `pmap_pkru_get`). The report is `ok` when
   *  the fault was resolved (the access is retried by the caller) or the fault the process gets. */
  fault(ctx: CallContext, va: Va, kind: AccessKind): OpReport;
}

/** The per-process VmMap lookup registered under `Tokens.VmMap` (one VmMap per address space). */
export interface VmMapTable {
  of(pid: Pid): VmMap | undefined;
}
