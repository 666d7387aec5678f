/**
 * vm_area_struct: one VMA. One object per VMA is fine (VMAs are few); the per-page state lives in
 * the page tables. vm_flags stays a 32-bit int; the protection key sits in `pkey` because the
 * kernel's VM_PKEY_BIT* are bits 32+ (include/linux/mm.h VM_HIGH_ARCH_BIT_0).
 */
import {
  PAGE_SHIFT,
  VM_EXEC,
  VM_HUGETLB,
  VM_MIXEDMAP,
  VM_PFNMAP,
  VM_SHARED,
  VM_WRITE,
  VM_READ,
} from './constants.js';
import { pkeyFlags, PTE_EXEC, PTE_PRESENT, PTE_USER, PTE_WRITE } from './pte.js';

export class VmArea {
  constructor(
    public vmStart: number,
    public vmEnd: number,
    public vmFlags: number,
    /** vma_pkey(vma). */
    public pkey: number,
    /**
     * Identity of the backing object: 0 for anonymous memory, otherwise a file/device mapping id.
     * Two VMAs merge only when this matches and pgoff is contiguous (mm/vma.c is_mergeable_vma).
     */
    public mapping: number,
    /** vm_pgoff in pages. For VM_PFNMAP it is the first PFN (remap_pfn_range sets vm_pgoff = pfn). */
    public pgoff: number,
  ) {
    this.vmPageProt = vmGetPageProt(vmFlags, pkey);
  }

  /** vma->vm_mm, as the id (pid) of the owning mm; set when the VMA is linked. */
  owner = -1;

  /** vma->vm_page_prot, rebuilt by vma_set_page_prot() whenever vm_flags or the key change. */
  vmPageProt: number;

  setFlags(vmFlags: number, pkey: number): void {
    this.vmFlags = vmFlags;
    this.pkey = pkey;
    this.vmPageProt = vmGetPageProt(vmFlags, pkey);
  }

  pages(): number {
    return (this.vmEnd - this.vmStart) / 2 ** PAGE_SHIFT;
  }

  isPfnmap(): boolean {
    return (this.vmFlags & (VM_PFNMAP | VM_MIXEDMAP)) !== 0;
  }

  isHugetlb(): boolean {
    return (this.vmFlags & VM_HUGETLB) !== 0;
  }

  isExec(): boolean {
    return (this.vmFlags & VM_EXEC) !== 0;
  }

  /** linear_page_index(): the pgoff of `addr` inside the backing object. */
  pgoffOf(addr: number): number {
    return this.pgoff + (addr - this.vmStart) / 2 ** PAGE_SHIFT;
  }
}

/**
 * vm_get_page_prot() (mm/mmap.c protection_map) plus arch_vm_get_page_prot()'s key bits. Private
 * writable mappings get a writable PTE on the write fault in the kernel; the simulator maps the
 * page writable directly (no copy-on-write, see README). A VMA without VM_READ|VM_WRITE|VM_EXEC
 * is PROT_NONE: no present PTE is ever built from it.
 */
export function vmGetPageProt(vmFlags: number, pkey: number): number {
  if ((vmFlags & (VM_READ | VM_WRITE | VM_EXEC)) === 0) return 0;
  let prot = PTE_PRESENT | PTE_USER | pkeyFlags(pkey);
  if (vmFlags & VM_WRITE) prot |= PTE_WRITE;
  if (vmFlags & VM_EXEC) prot |= PTE_EXEC;
  return prot;
}

/** is_mergeable_vma() + the pgoff check of can_vma_merge_after(): may `next` follow `prev` as one VMA? */
export function vmaCanMerge(prev: VmArea, next: VmArea): boolean {
  if (prev.vmEnd !== next.vmStart) return false;
  if (prev.vmFlags !== next.vmFlags || prev.pkey !== next.pkey || prev.mapping !== next.mapping) return false;
  // Anonymous VMAs carry pgoff = vm_start >> PAGE_SHIFT in the kernel, so contiguity holds for them too.
  if (prev.pgoffOf(prev.vmEnd) !== next.pgoff) return false;
  // A hugetlb VMA or a PFN mapping is never merged with a neighbour by mprotect in our model:
  // the kernel refuses VM_SPECIAL (VM_PFNMAP|VM_MIXEDMAP|VM_IO|VM_DONTEXPAND) merges.
  return (
    (prev.vmFlags & (VM_PFNMAP | VM_MIXEDMAP)) === 0 &&
    (prev.vmFlags & VM_SHARED) === (next.vmFlags & VM_SHARED)
  );
}
