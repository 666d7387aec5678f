/**
 * do_mprotect_pkey() and mprotect_fixup() (mm/mprotect.c): per VMA the new flags and key, a split
 * at the range ends, a merge with the neighbours, vm_page_prot rebuilt, and change_protection()
 * rewriting present PTEs under an mmu_gather (since 4a18419f71cd) — one flush if any PTE changed,
 * none if the flags did not change (spec §6.2, §6.3).
 */
import {
  EACCES,
  EINVAL,
  ENOMEM,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  VM_ACCESS_FLAGS,
} from './constants.js';
import type { LinuxMm } from './linux-mm.js';
import { calcVmProtBits } from './mmap.js';
import { mmPkeyIsAllocated, overrideMprotectPkey } from './pkeys.js';
import { tableIndex } from './pgtable.js';
import {
  entryIsLeaf,
  mkPte,
  pteFlags,
  pteMapped,
  pteModify,
  ptePfn,
  PTE_HUGE,
  PTE_PROTNONE,
  PTE_SPECIAL,
} from './pte.js';
import type { Task } from './task.js';
import type { MmuGather } from './mmu-gather.js';
import type { VmArea } from './vma.js';
import { mergeAround, splitVma } from './vma-ops.js';

/** do_mprotect_pkey(start, len, prot, pkey): 0 or -errno. pkey = -1 is plain mprotect(). */
export function doMprotectPkey(
  lm: LinuxMm,
  cpu: number,
  task: Task,
  start: number,
  len: number,
  prot: number,
  pkey: number,
): number {
  const mm = task.mm;
  if (start % PAGE_SIZE !== 0) return -EINVAL;
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) return -EINVAL;
  const end = start + Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  if (end <= start) return len === 0 ? 0 : -ENOMEM;
  // "if (pkey != -1 && !mm_pkey_is_allocated(current->mm, pkey)) goto out;" → EINVAL
  if (pkey !== -1 && !mmPkeyIsAllocated(lm, mm, pkey)) return -EINVAL;
  let vma = mm.findVma(start);
  if (!vma || vma.vmStart > start) return -ENOMEM;

  const tlb = lm.newGather();
  tlb.gatherMmu(cpu, mm, start, end);
  let nstart = start;
  let error = 0;
  while (vma && nstart < end) {
    if (vma.vmStart > nstart) {
      error = -ENOMEM; // a hole
      break;
    }
    const newKey = overrideMprotectPkey(lm, cpu, task, vma, prot, pkey);
    const newFlags = (vma.vmFlags & ~VM_ACCESS_FLAGS) | calcVmProtBits(prot);
    // newflags & ~(newflags >> 4): VM_MAY* must allow every requested bit.
    if (newFlags & ~(newFlags >> 4) & VM_ACCESS_FLAGS) {
      error = -EACCES;
      break;
    }
    const tmp = Math.min(vma.vmEnd, end);
    vma = mprotectFixup(lm, tlb, task, vma, nstart, tmp, newFlags, newKey);
    nstart = tmp;
    vma = mm.findVma(nstart);
  }
  if (lm.config.pkey === 'pkey-mprotect-noflush' && pkey !== -1) {
    // Unsafe variant: the key change is not flushed; drop what the gather collected.
    tlb.resetRange();
  }
  tlb.finishMmu();
  return error;
}

/** mprotect_fixup(): returns the VMA now covering [start, end) (after split/merge). */
function mprotectFixup(
  lm: LinuxMm,
  tlb: MmuGather,
  task: Task,
  vma: VmArea,
  start: number,
  end: number,
  newFlags: number,
  newKey: number,
): VmArea {
  const mm = task.mm;
  // "if (newflags == oldflags) { *pprev = vma; return 0; }" — nothing is touched, no flush.
  if (newFlags === vma.vmFlags && newKey === vma.pkey) return vma;
  if (vma.vmStart < start) vma = splitVma(lm, mm, vma, start);
  if (vma.vmEnd > end) splitVma(lm, mm, vma, end);
  const oldKey = vma.pkey;
  vma.setFlags(newFlags, newKey);
  if (newKey !== oldKey) {
    if (newKey !== 0) lm.frames.setExpectedKey(mm.id, start, end, newKey);
    else lm.frames.clearExpectedKey(mm.id, start, end);
  }
  changeProtection(lm, tlb, vma, start, end);
  return mergeAround(lm, mm, mm.vmas.indexOf(vma));
}

/** change_protection(): rewrite every present entry with the new vm_page_prot (pte_modify). */
function changeProtection(lm: LinuxMm, tlb: MmuGather, vma: VmArea, start: number, end: number): void {
  const store = lm.pgtables;
  const mm = tlb.mm;
  const newprot = vma.vmPageProt;
  for (let addr = start; addr < end; addr += PAGE_SIZE) {
    const pmdTable = store.walk(tlb.cpu, mm, addr, 2, false);
    if (pmdTable < 0) continue;
    const pmd = store.get(pmdTable)[tableIndex(addr, 2)];
    if (pmd === 0) continue;
    let level = 1;
    let table: number;
    if (entryIsLeaf(pmd, 2)) {
      level = 2;
      table = pmdTable;
    } else {
      table = store.walk(tlb.cpu, mm, addr, 1, false);
    }
    const index = tableIndex(addr, level);
    const old = store.get(table)[index];
    if (!pteMapped(old)) continue;
    // PROT_NONE: the frame stays, the hardware sees a non-present entry (_PAGE_PROTNONE).
    const extra = pteFlags(old) & (PTE_SPECIAL | PTE_HUGE);
    const updated =
      newprot === 0
        ? mkPte(ptePfn(old), PTE_PROTNONE | extra)
        : pteModify(old, (newprot | extra) & ~PTE_PROTNONE);
    if (updated === old) continue;
    store.setEntry(tlb.cpu, mm, level, table, index, addr, updated);
    if (level === 2) {
      tlb.removeHugeTlbEntry(2, addr - (addr % (2 * 1024 * 1024)));
      addr += 2 * 1024 * 1024 - PAGE_SIZE - (addr % (2 * 1024 * 1024));
    } else tlb.removeTlbEntry(addr);
  }
}
