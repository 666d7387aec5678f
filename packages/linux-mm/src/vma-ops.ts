/**
 * VMA list surgery (mm/vma.c): __split_vma, insertion, detaching a range, and vma_merge's
 * "merge with the neighbours when flags, key, object and pgoff line up". Per-VMA objects, no
 * per-page work.
 */
import type { LinuxMm } from './linux-mm.js';
import type { MmStruct } from './mm.js';
import { VmArea, vmaCanMerge } from './vma.js';

/** vma_link(): sorted insert plus i_mmap linking. */
export function insertVma(lm: LinuxMm, mm: MmStruct, vma: VmArea): void {
  const i = mm.findVmaIndex(vma.vmStart);
  mm.vmas.splice(i, 0, vma);
  vma.owner = mm.id;
  if (vma.mapping !== 0) lm.mappings.get(vma.mapping)?.vmas.add(vma);
}

/** __split_vma(vma, addr): `vma` keeps [start, addr), a new VMA takes [addr, end). Returns the new one. */
export function splitVma(lm: LinuxMm, mm: MmStruct, vma: VmArea, addr: number): VmArea {
  const tail = new VmArea(addr, vma.vmEnd, vma.vmFlags, vma.pkey, vma.mapping, vma.pgoffOf(addr));
  vma.vmEnd = addr;
  insertVma(lm, mm, tail);
  return tail;
}

/**
 * Split so that [start, end) is covered by whole VMAs, then detach them from the mm (they stay in
 * i_mmap until free_pgtables unlinks them). Returns the detached VMAs with the floor and ceiling
 * unmap_region needs (end of the VMA below, start of the VMA above; 0 when none).
 */
export function detachVmas(
  lm: LinuxMm,
  mm: MmStruct,
  start: number,
  end: number,
): { vmas: VmArea[]; floor: number; ceiling: number } {
  let i = mm.findVmaIndex(start);
  const first = mm.vmas[i];
  if (first && first.vmStart < start && first.vmEnd > start) {
    splitVma(lm, mm, first, start);
    i++;
  }
  let j = i;
  while (j < mm.vmas.length && mm.vmas[j].vmStart < end) {
    const v = mm.vmas[j];
    if (v.vmEnd > end) splitVma(lm, mm, v, end);
    j++;
  }
  const vmas = mm.vmas.splice(i, j - i);
  const floor = i > 0 ? mm.vmas[i - 1].vmEnd : 0;
  const ceiling = i < mm.vmas.length ? mm.vmas[i].vmStart : 0;
  return { vmas, floor, ceiling };
}

/** vma_merge() around index i: absorb the next VMA and/or fold into the previous one. */
export function mergeAround(lm: LinuxMm, mm: MmStruct, i: number): VmArea {
  let vma = mm.vmas[i];
  const next = mm.vmas[i + 1];
  if (next && vmaCanMerge(vma, next)) {
    vma.vmEnd = next.vmEnd;
    mm.vmas.splice(i + 1, 1);
    if (next.mapping !== 0) lm.mappings.get(next.mapping)?.vmas.delete(next);
  }
  const prev = i > 0 ? mm.vmas[i - 1] : undefined;
  if (prev && vmaCanMerge(prev, vma)) {
    prev.vmEnd = vma.vmEnd;
    mm.vmas.splice(i, 1);
    if (vma.mapping !== 0) lm.mappings.get(vma.mapping)?.vmas.delete(vma);
    vma = prev;
  }
  return vma;
}

/** Whether [start, end) is fully covered by VMAs without holes. */
export function rangeCovered(mm: MmStruct, start: number, end: number): boolean {
  let addr = start;
  for (let i = mm.findVmaIndex(start); i < mm.vmas.length && addr < end; i++) {
    const v = mm.vmas[i];
    if (v.vmStart > addr) return false;
    addr = v.vmEnd;
  }
  return addr >= end;
}
