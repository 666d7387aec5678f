/**
 * free_pgtables() and free_pgd_range() … free_pte_range() from mm/memory.c (spec linux.md §5.3).
 * A table is freed only when its whole span is free of surviving VMAs: `floor` (end of the VMA
 * below) and `ceiling` (start of the next VMA, 0 = top of the address space) are rounded per level
 * exactly as the kernel does, with its unsigned `end - 1 > ceiling - 1` comparison.
 *
 * 4-level layout as on x86-64 and arm64 48-bit: the p4d level is folded into the pgd, so
 * free_pud_range's p4d_clear clears the pgd entry and pud_free_tlb frees the PUD table.
 */
import { PGDIR_SHIFT, PMD_SIZE, PUD_SIZE, P4D_SIZE } from './constants.js';
import type { MmuGather } from './mmu-gather.js';
import type { PgtableStore } from './pgtable.js';
import { tableIndex } from './pgtable.js';
import { ptePfn } from './pte.js';
import type { VmArea } from './vma.js';
import type { MmuGatherConfig } from './gather-config.js';

/** One past the highest user address the tables can describe (2^48): "ceiling 0" in unsigned terms. */
const TOP = 2 ** (PGDIR_SHIFT + 9);

function roundDown(addr: number, size: number): number {
  return Math.floor(addr / size) * size;
}

/** pgd_addr_end()/pud_addr_end()/pmd_addr_end(): the next boundary of `size`, capped at end. */
function addrEnd(addr: number, end: number, size: number): number {
  const boundary = roundDown(addr, size) + size;
  return boundary - 1 < end - 1 ? boundary : end;
}

/** The kernel's unsigned `x - 1` where 0 wraps to ULONG_MAX ("top"). */
function minusOne(x: number): number {
  return x === 0 ? TOP : x - 1;
}

/** free_pte_range(): unhook the PTE table and hand it to the gather (pte_free_tlb). */
function freePteRange(store: PgtableStore, tlb: MmuGather, pmdTable: number, addr: number): void {
  const index = tableIndex(addr, 2);
  const pte = ptePfn(store.get(pmdTable)[index]);
  store.setEntry(tlb.cpu, tlb.mm, 2, pmdTable, index, addr, 0);
  tlb.pteFreeTlb(pte, addr);
}

/** free_pmd_range(): every PMD slot in range, then the PMD table itself if its whole PUD span is free. */
function freePmdRange(
  store: PgtableStore,
  tlb: MmuGather,
  pudTable: number,
  addr: number,
  end: number,
  floor: number,
  ceiling: number,
): void {
  const pmdTable = ptePfn(store.get(pudTable)[tableIndex(addr, 3)]);
  const entries = store.get(pmdTable);
  let start = addr;
  do {
    const next = addrEnd(addr, end, PMD_SIZE);
    if (entries[tableIndex(addr, 2)] !== 0) freePteRange(store, tlb, pmdTable, addr);
    addr = next;
  } while (addr !== end);

  start = roundDown(start, PUD_SIZE);
  if (start < floor) return;
  if (ceiling) {
    ceiling = roundDown(ceiling, PUD_SIZE);
    if (!ceiling) return;
  }
  if (end - 1 > minusOne(ceiling)) return;
  store.setEntry(tlb.cpu, tlb.mm, 3, pudTable, tableIndex(start, 3), start, 0);
  tlb.pmdFreeTlb(pmdTable, start);
}

/** free_pud_range() (with p4d folded into the pgd). */
function freePudRange(
  store: PgtableStore,
  tlb: MmuGather,
  pgdTable: number,
  addr: number,
  end: number,
  floor: number,
  ceiling: number,
): void {
  const pudTable = ptePfn(store.get(pgdTable)[tableIndex(addr, 4)]);
  const entries = store.get(pudTable);
  let start = addr;
  do {
    const next = addrEnd(addr, end, PUD_SIZE);
    if (entries[tableIndex(addr, 3)] !== 0) freePmdRange(store, tlb, pudTable, addr, next, floor, ceiling);
    addr = next;
  } while (addr !== end);

  start = roundDown(start, P4D_SIZE);
  if (start < floor) return;
  if (ceiling) {
    ceiling = roundDown(ceiling, P4D_SIZE);
    if (!ceiling) return;
  }
  if (end - 1 > minusOne(ceiling)) return;
  store.setEntry(tlb.cpu, tlb.mm, 4, pgdTable, tableIndex(start, 4), start, 0);
  tlb.pudFreeTlb(pudTable, start);
}

/**
 * free_pgd_range(tlb, addr, end, floor, ceiling): round addr down to a PMD, skip the first PMD if
 * it is shared with the VMA below `floor`, round the ceiling down and drop the last PMD if `end`
 * crosses it. Returns false when nothing could be freed.
 */
export function freePgdRange(
  store: PgtableStore,
  tlb: MmuGather,
  addr: number,
  end: number,
  floor: number,
  ceiling: number,
): boolean {
  addr = roundDown(addr, PMD_SIZE);
  if (addr < floor) {
    addr += PMD_SIZE;
    if (!addr) return false;
  }
  if (ceiling) {
    ceiling = roundDown(ceiling, PMD_SIZE);
    if (!ceiling) return false;
  }
  if (end - 1 > minusOne(ceiling)) end -= PMD_SIZE;
  if (addr > end - 1) return false;

  const pgd = tlb.mm.pgd;
  const entries = store.get(pgd);
  do {
    const next = addrEnd(addr, end, P4D_SIZE);
    if (entries[tableIndex(addr, 4)] !== 0) freePudRange(store, tlb, pgd, addr, next, floor, ceiling);
    addr = next;
  } while (addr !== end);
  return true;
}

/** How free_pgtables hides each VMA from rmap (unlink_anon_vmas + unlink_file_vma). */
export interface VmaUnlinker {
  unlinkVma(vma: VmArea): void;
}

/**
 * free_pgtables(tlb, vmas, floor, ceiling): `vmas` are the detached VMAs in address order. With
 * the free-vmas PFNMAP variants it starts with tlb_free_vmas(); each group of VMAs lying within
 * PMD_SIZE of one another is handed to one free_pgd_range. It never calls tlb_start_vma unless
 * the S004 variant is selected, so the flags in the gather are those of the last unmapped VMA.
 */
export function freePgtables(
  store: PgtableStore,
  tlb: MmuGather,
  vmas: readonly VmArea[],
  floor: number,
  ceiling: number,
  unlinker: VmaUnlinker,
): void {
  const cfg: MmuGatherConfig = tlb.config;
  // tlb_free_vmas() (Gushchin v5/v6): flush before any VMA leaves the rmap, unless fullmm.
  if ((cfg.pfnmapFlush === 'free-vmas' || cfg.pfnmapFlush === 'free-vmas-v5') && !tlb.fullmm && tlb.vmaPfn) {
    tlb.flushMmuTlbonly();
  }
  let i = 0;
  while (i < vmas.length) {
    const first = vmas[i];
    let last = first;
    unlinker.unlinkVma(first);
    i++;
    if (cfg.freePgtables === 'start-end-v1') tlb.startVma(first);
    let exec = first.isExec();
    // "Optimization: gather nearby vmas into one call down" (5.15 stopped at hugetlb VMAs).
    const gather = cfg.gatherHugetlb || !first.isHugetlb();
    while (
      gather &&
      i < vmas.length &&
      vmas[i].vmStart <= last.vmEnd + PMD_SIZE &&
      (cfg.gatherHugetlb || !vmas[i].isHugetlb())
    ) {
      last = vmas[i]!;
      unlinker.unlinkVma(last);
      exec ||= last.isExec();
      i++;
    }
    if (cfg.freePgtables === 'or-flags' && !tlb.fullmm) {
      tlb.vmaExec ||= exec;
      tlb.vmaHuge = false;
    }
    const groupCeiling = i < vmas.length ? vmas[i].vmStart : ceiling;
    freePgdRange(store, tlb, first.vmStart, last.vmEnd, floor, groupCeiling);
    if (cfg.freePgtables === 'start-end-v1') tlb.endVma(last);
  }
}
