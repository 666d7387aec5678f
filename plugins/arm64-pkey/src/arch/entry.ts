// linux-mm's software PTE → the MMU's arch-neutral entry flags, the arm64 way (arch/arm64/include/asm/
// pgtable-prot.h): user pages are never executable by the kernel (PXN set on every PAGE_* user protection),
// kernel pages never by EL0 (UXN); POIndex carries the VMA's pkey (VM_PKEY_BIT0..2) or the kernel's kpkey.
import { Pte } from '@shootdown/mmu';
import { pteHwFlags } from '@shootdown/linux-mm';

/** Software flags → hardware leaf flags; 0 when the software entry is not present to the hardware. */
export function hwLeafFlags(swFlags: number): number {
  const f = pteHwFlags(swFlags);
  if (f === 0) return 0;
  // Kernel entries are global (nG clear); user entries are tagged with the ASID (spec arm64-pkey.md §7.1).
  const g = (f & Pte.USER) === 0 ? f | Pte.GLOBAL : f;
  // POIndex is three bits (PTE bits 60..62).
  return withKey(g, (g & Pte.KEY_MASK) >>> Pte.KEY_SHIFT);
}

/**
 * PROT_* bits of a hardware leaf: readable when present; executable by the side it is for — UXN for a user
 * page, PXN for a kernel page (the other bit is set on every PAGE_* protection of that side).
 */
export function leafProt(f: number): number {
  const user = (f & Pte.USER) !== 0;
  return 1 | (f & Pte.WRITABLE ? 2 : 0) | (f & (user ? Pte.XUSER : Pte.XKERNEL) ? 4 : 0);
}

/** PAGE_KERNEL for the linear map: RW, PXN/UXN (not executable), global, AF set, POIndex 0. */
export const HW_PAGE_KERNEL = Pte.PRESENT | Pte.WRITABLE | Pte.GLOBAL | Pte.ACCESSED | Pte.DIRTY;
/** PAGE_KERNEL_ROX for the kernel image text. */
export const HW_PAGE_KERNEL_ROX = Pte.PRESENT | Pte.XKERNEL | Pte.GLOBAL | Pte.ACCESSED;

/** A leaf's flags with its POIndex replaced. */
export function withKey(flags: number, key: number): number {
  return (flags & ~Pte.KEY_MASK) | ((key & 7) << Pte.KEY_SHIFT);
}
