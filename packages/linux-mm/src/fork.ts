/**
 * dup_mmap() and copy_page_range() (kernel/fork.c, mm/memory.c): VMAs (with their key bits) are
 * copied unless VM_DONTCOPY; the pkey allocation map and execute-only key come along
 * (arch_dup_pkeys). Without copy-on-write in the model, private pages are copied eagerly, shared
 * and PFN-map pages are shared (get_page / pte_special), and swap entries get their own slot.
 */
import { PAGE_SIZE, VM_DONTCOPY, VM_SHARED } from './constants.js';
import { GFP_MOVABLE } from './freetype.js';
import type { LinuxMm } from './linux-mm.js';
import type { MmStruct } from './mm.js';
import { tableIndex } from './pgtable.js';
import { entryIsLeaf, mkPte, mkSwapPte, pteFlags, pteIsSwap, pteMapped, ptePfn, PTE_SPECIAL } from './pte.js';
import { VmArea } from './vma.js';
import { insertVma } from './vma-ops.js';

export function dupMmap(lm: LinuxMm, cpu: number, parent: MmStruct, child: MmStruct): void {
  child.pkeyAllocationMap = parent.pkeyAllocationMap;
  child.executeOnlyPkey = parent.executeOnlyPkey;
  for (const vma of parent.vmas) {
    if (vma.vmFlags & VM_DONTCOPY) continue;
    const copy = new VmArea(vma.vmStart, vma.vmEnd, vma.vmFlags, vma.pkey, vma.mapping, vma.pgoff);
    insertVma(lm, child, copy);
    lm.recordRange(child.id, copy.vmStart, copy.vmEnd, copy.mapping);
    if (copy.pkey !== 0) lm.frames.setExpectedKey(child.id, copy.vmStart, copy.vmEnd, copy.pkey);
    copyPageRange(lm, cpu, parent, child, vma);
  }
}

function copyPageRange(lm: LinuxMm, cpu: number, src: MmStruct, dst: MmStruct, vma: VmArea): void {
  const store = lm.pgtables;
  const step = vma.isHugetlb() ? 2 * 1024 * 1024 : PAGE_SIZE;
  const level = vma.isHugetlb() ? 2 : 1;
  for (let addr = vma.vmStart; addr < vma.vmEnd; addr += step) {
    const table = store.walk(cpu, src, addr, level, false);
    if (table < 0) continue;
    const entry = store.get(table)[tableIndex(addr, level)];
    if (entry === 0 || (level === 2 && !entryIsLeaf(entry, 2))) continue;
    let copied: number;
    if (pteIsSwap(entry)) {
      copied = mkSwapPte(++lm.swapSlots);
      lm.swapUsed++;
    } else if (!pteMapped(entry)) {
      continue;
    } else if (pteFlags(entry) & PTE_SPECIAL) {
      copied = entry;
    } else if (vma.vmFlags & VM_SHARED || vma.isHugetlb()) {
      lm.allocator.getPage(ptePfn(entry));
      copied = entry;
    } else {
      const pfn = lm.allocator.allocPages(cpu, 0, GFP_MOVABLE);
      if (pfn < 0) continue;
      lm.frames.charge?.('copy_page', 1); // the eager copy of a private page (no copy-on-write here)
      copied = mkPte(pfn, pteFlags(entry));
    }
    const dstTable = store.walk(cpu, dst, addr, level, true);
    if (dstTable < 0) return;
    store.setEntry(cpu, dst, level, dstTable, tableIndex(addr, level), addr, copied);
  }
}
