/**
 * handle_mm_fault() for user faults (arch/x86/mm/fault.c do_user_addr_fault → mm/memory.c): find
 * the VMA, check it (access_error + arch_vma_access_permitted for the key), then build the entry
 * from vma->vm_page_prot — demand-zero anonymous pages, shared/page-cache pages, hugetlb PMD
 * leaves, and swap-in — so the key always comes back from the VMA (spec §6.2).
 */
import type { Outcome } from '@shootdown/core';
import {
  LEVEL_PMD,
  LEVEL_PTE,
  PAGE_SIZE,
  PMD_SIZE,
  VM_EXEC,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
} from './constants.js';
import { GFP_MOVABLE, GFP_ZERO, PAGEBLOCK_ORDER } from './freetype.js';
import type { LinuxMm } from './linux-mm.js';
import { vmaAccessPermitted } from './pkeys.js';
import { tableIndex } from './pgtable.js';
import {
  mkPte,
  pteFlags,
  pteIsSwap,
  ptePfn,
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_HUGE,
  PTE_PRESENT,
  PTE_PROTNONE,
  PTE_SPECIAL,
} from './pte.js';
import type { Task } from './task.js';
import type { VmArea } from './vma.js';

export type FaultKind = 'read' | 'write' | 'exec';

/** access_error(): does the VMA allow this kind of access at all? */
function accessError(vma: VmArea, kind: FaultKind): Outcome | null {
  if (kind === 'write') return vma.vmFlags & VM_WRITE ? null : 'fault:write';
  if (kind === 'exec') return vma.vmFlags & VM_EXEC ? null : 'fault:exec';
  // vma_is_accessible(): any of read/write/exec lets a read through on x86 (exec-only needs a key).
  return vma.vmFlags & (VM_READ | VM_WRITE | VM_EXEC) ? null : 'fault:read';
}

/**
 * A user fault at `addr` by `task` on `cpu`. `ok` when the fault was resolved (the caller retries
 * the access), otherwise the fault the process gets (SIGSEGV: the caller kills it).
 */
export function handleMmFault(lm: LinuxMm, cpu: number, task: Task, addr: number, kind: FaultKind): Outcome {
  // Shared work (spec linux.md §7.4): the exception entry and exit of every user fault, resolved or not.
  lm.frames.charge?.('fault', 1);
  const mm = task.mm;
  const vma = mm.vmaLookup(addr);
  if (!vma) return 'fault:not-present';
  // arch/x86/mm/fault.c access_error() asks arch_vma_access_permitted() before looking at
  // VM_WRITE, and bad_area_access_error() reports such a fault as SEGV_PKUERR with the VMA's key.
  if (!vmaAccessPermitted(lm, task, vma, kind === 'write', kind === 'exec')) return 'fault:key';
  const denied = accessError(vma, kind);
  if (denied) return denied;
  return populateEntry(lm, cpu, vma, task, addr, kind === 'write') ? 'ok' : 'fault:not-present';
}

/**
 * Make the entry for `addr` present (do_anonymous_page / do_shared_fault / do_swap_page /
 * hugetlb_no_page). Returns false on OOM. An entry that is already present is a spurious fault
 * (another CPU raced or the TLB was stale): nothing to do.
 */
export function populateEntry(
  lm: LinuxMm,
  cpu: number,
  vma: VmArea,
  task: Task,
  addr: number,
  write: boolean,
): boolean {
  const mm = task.mm;
  const store = lm.pgtables;
  const prot = vma.vmPageProt;
  if (vma.isHugetlb()) {
    const base = Math.floor(addr / PMD_SIZE) * PMD_SIZE;
    const pmdTable = store.walk(cpu, mm, base, LEVEL_PMD, true);
    if (pmdTable < 0) return false;
    const index = tableIndex(base, LEVEL_PMD);
    if (store.get(pmdTable)[index] !== 0) return true;
    const pfn = lm.allocator.allocPages(cpu, PAGEBLOCK_ORDER, GFP_MOVABLE | GFP_ZERO);
    if (pfn < 0) return false;
    store.setEntry(cpu, mm, LEVEL_PMD, pmdTable, index, base, mkPte(pfn, prot | PTE_HUGE | PTE_ACCESSED));
    return true;
  }
  const table = store.walk(cpu, mm, addr, LEVEL_PTE, true);
  if (table < 0) return false;
  const index = tableIndex(addr, LEVEL_PTE);
  const old = store.get(table)[index];
  if (old !== 0 && pteFlags(old) & PTE_PRESENT) return true;
  if (prot === 0) return false;
  if (pteFlags(old) & PTE_PROTNONE) {
    // The VMA became accessible again but this entry was not rewritten: rebuild it in place.
    store.setEntry(cpu, mm, LEVEL_PTE, table, index, addr, mkPte(ptePfn(old), prot | PTE_ACCESSED));
    return true;
  }
  let pfn: number;
  let flags = prot | PTE_ACCESSED | (write ? PTE_DIRTY : 0);
  const as = vma.mapping !== 0 ? lm.mappings.get(vma.mapping) : undefined;
  if (as?.pfnmap) {
    // A PFN mapping is populated by remap_pfn_range at mmap time; a hole here stays a hole
    // (after revoke the driver's vm_ops->fault would SIGBUS).
    return false;
  } else if (as && vma.vmFlags & VM_SHARED) {
    const pgoff = vma.pgoffOf(addr);
    pfn = as.frames[pgoff];
    if (pfn < 0) {
      pfn = lm.allocator.allocPages(cpu, 0, GFP_MOVABLE | GFP_ZERO);
      if (pfn < 0) return false;
      as.frames[pgoff] = pfn; // the page cache holds this reference
    }
    lm.allocator.getPage(pfn);
  } else {
    // do_anonymous_page zeroes a fresh page; do_swap_page fills it from swap instead (a page copy's work).
    const swapped = pteIsSwap(old);
    pfn = lm.allocator.allocPages(cpu, 0, swapped ? GFP_MOVABLE : GFP_MOVABLE | GFP_ZERO);
    if (pfn < 0) return false;
    if (swapped) {
      lm.frames.charge?.('copy_page', 1);
      lm.swapUsed--; // do_swap_page: swap_free() once the page is back
    }
  }
  flags &= ~PTE_SPECIAL;
  store.setEntry(cpu, mm, LEVEL_PTE, table, index, addr, mkPte(pfn, flags));
  return true;
}

/** mm_populate() (MAP_POPULATE / mlock): fault every page of [start, end). */
export function mmPopulate(lm: LinuxMm, cpu: number, task: Task, start: number, end: number): boolean {
  for (let addr = start; addr < end; addr += PAGE_SIZE) {
    const vma = task.mm.vmaLookup(addr);
    if (!vma || vma.vmPageProt === 0 || vma.isPfnmap()) continue;
    if (!populateEntry(lm, cpu, vma, task, addr, (vma.vmFlags & VM_WRITE) !== 0)) return false;
    if (vma.isHugetlb()) addr = Math.floor(addr / PMD_SIZE) * PMD_SIZE + PMD_SIZE - PAGE_SIZE;
  }
  return true;
}
