/**
 * do_mmap()/mmap_region() and do_vmi_munmap() (mm/mmap.c, mm/vma.c). Placement is top-down below
 * the mmap base (x86-64 and arm64 default layout) unless a hint or MAP_FIXED says otherwise;
 * MAP_FIXED replaces what is there by a munmap first; MAP_FIXED_NOREPLACE fails with EEXIST.
 */
import {
  EEXIST,
  EINVAL,
  ENOMEM,
  PAGE_SIZE,
  PMD_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  TASK_SIZE,
  VM_EXEC,
  VM_HUGETLB,
  VM_IO,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_PFNMAP,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  MMAP_MIN_ADDR,
} from './constants.js';
import { mmPopulate } from './fault.js';
import type { LinuxMm } from './linux-mm.js';
import { executeOnlyPkey } from './pkeys.js';
import { tableIndex } from './pgtable.js';
import { mkPte, PTE_SPECIAL } from './pte.js';
import type { Task } from './task.js';
import { unmapRegion } from './unmap-region.js';
import { VmArea } from './vma.js';
import { detachVmas, insertVma, mergeAround } from './vma-ops.js';

/** mm->mmap_base for a 47-bit address space with the default stack gap [inference: typical layout]. */
export const MMAP_BASE = 0x7f0000000000;

export interface MmapRequest {
  addr: number;
  pages: number;
  prot: number;
  align: number;
  fixed: boolean;
  fixedNoReplace: boolean;
  shared: boolean;
  populate: boolean;
  pfnmap: boolean;
  huge: boolean;
}

/** calc_vm_prot_bits(). */
export function calcVmProtBits(prot: number): number {
  return (
    (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0)
  );
}

/** get_unmapped_area(): the hint if free, else the highest gap below MMAP_BASE (top-down). */
function getUnmappedArea(task: Task, addr: number, len: number, align: number): number {
  const mm = task.mm;
  if (addr && addr % align === 0 && addr >= MMAP_MIN_ADDR && addr + len <= TASK_SIZE) {
    const next = mm.findVma(addr);
    if (!next || next.vmStart >= addr + len) return addr;
  }
  let top = MMAP_BASE;
  for (let i = mm.vmas.length - 1; i >= 0; i--) {
    const v = mm.vmas[i];
    if (v.vmStart >= top) continue;
    if (v.vmEnd < top) {
      const candidate = Math.floor((top - len) / align) * align;
      if (candidate >= v.vmEnd) return candidate;
    }
    top = v.vmStart;
  }
  const candidate = Math.floor((top - len) / align) * align;
  if (candidate >= MMAP_MIN_ADDR) return candidate;
  return -ENOMEM;
}

/** do_mmap(): the start address, or -errno. */
export function doMmap(lm: LinuxMm, cpu: number, task: Task, req: MmapRequest): number {
  const mm = task.mm;
  if (req.pages <= 0) return -EINVAL;
  const align = Math.max(req.align || PAGE_SIZE, req.huge ? PMD_SIZE : PAGE_SIZE);
  const len = req.huge ? Math.ceil((req.pages * PAGE_SIZE) / PMD_SIZE) * PMD_SIZE : req.pages * PAGE_SIZE;
  let vmFlags = calcVmProtBits(req.prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  if (req.shared) vmFlags |= VM_SHARED | VM_MAYSHARE;
  if (req.huge) vmFlags |= VM_HUGETLB;
  if (req.pfnmap) vmFlags |= VM_PFNMAP | VM_IO | VM_SHARED | VM_MAYSHARE;
  // do_mmap(): "if (prot == PROT_EXEC) { pkey = execute_only_pkey(mm); if (pkey < 0) pkey = 0; }"
  let pkey = 0;
  if (req.prot === PROT_EXEC) pkey = Math.max(0, executeOnlyPkey(lm, cpu, task));

  let addr: number;
  if (req.fixed || req.fixedNoReplace) {
    addr = req.addr;
    if (addr % PAGE_SIZE !== 0 || addr + len > TASK_SIZE || addr < MMAP_MIN_ADDR) return -EINVAL;
    const overlap = mm.findVma(addr);
    if (overlap && overlap.vmStart < addr + len) {
      if (req.fixedNoReplace) return -EEXIST;
      doMunmap(lm, cpu, task, addr, len);
    }
  } else {
    addr = getUnmappedArea(task, req.addr, len, align);
    if (addr < 0) return addr;
  }

  let mapping = 0;
  let pgoff = addr / PAGE_SIZE;
  if (req.pfnmap) {
    // A driver's mmap: remap_pfn_range() over frames the driver owns (vm_pgoff = first pfn).
    const first = lm.allocator.allocPages(cpu, 0, 0);
    if (first < 0) return -ENOMEM;
    const pfns = [first];
    for (let i = 1; i < req.pages; i++) {
      const p = lm.allocator.allocPages(cpu, 0, 0);
      if (p < 0) return -ENOMEM;
      pfns.push(p);
    }
    const as = lm.newMapping(req.pages, true, first);
    as.pfns = pfns;
    mapping = as.id;
    pgoff = 0;
  } else if (req.shared || req.huge) {
    mapping = lm.newMapping(len / PAGE_SIZE, false, -1).id;
    pgoff = 0;
  }
  const vma = new VmArea(addr, addr + len, vmFlags, pkey, mapping, pgoff);
  insertVma(lm, mm, vma);
  lm.recordRange(mm.id, addr, addr + len, mapping);
  if (pkey !== 0) lm.frames.setExpectedKey(mm.id, addr, addr + len, pkey);
  if (req.pfnmap) remapPfnRange(lm, cpu, task, vma);
  else if (mapping === 0) mergeAround(lm, mm, mm.vmas.indexOf(vma));
  if (req.populate && !req.pfnmap && !mmPopulate(lm, cpu, task, addr, addr + len)) return -ENOMEM;
  return addr;
}

/** remap_pfn_range(): every PTE present at once, pte_special, built from vm_page_prot. */
function remapPfnRange(lm: LinuxMm, cpu: number, task: Task, vma: VmArea): void {
  const as = lm.mappings.get(vma.mapping)!;
  for (let i = 0; i < as.pfns.length; i++) {
    const addr = vma.vmStart + i * PAGE_SIZE;
    const table = lm.pgtables.walk(cpu, task.mm, addr, 1, true);
    if (table < 0 || vma.vmPageProt === 0) return;
    lm.pgtables.setEntry(
      cpu,
      task.mm,
      1,
      table,
      tableIndex(addr, 1),
      addr,
      mkPte(as.pfns[i], vma.vmPageProt | PTE_SPECIAL),
    );
  }
}

/** do_vmi_munmap(): 0 or -errno. Unmapping nothing is success. */
export function doMunmap(lm: LinuxMm, cpu: number, task: Task, start: number, len: number): number {
  if (start % PAGE_SIZE !== 0 || len <= 0 || start + len > TASK_SIZE) return -EINVAL;
  const end = start + Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  const mm = task.mm;
  const first = mm.findVma(start);
  if (!first || first.vmStart >= end) return 0;
  const { vmas, floor, ceiling } = detachVmas(lm, mm, start, end);
  for (const v of vmas) if (v.pkey !== 0) lm.frames.clearExpectedKey(mm.id, v.vmStart, v.vmEnd);
  unmapRegion(lm, cpu, mm, vmas, start, end, floor, ceiling);
  return 0;
}
