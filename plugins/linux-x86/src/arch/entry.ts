// The MMU's arch-neutral entry flags read back the x86 way. Forward, x86's leaf is exactly linux-mm's
// pteHwFlags (one NX bit: PTE_EXEC maps to XUSER or XKERNEL by the U/S bit, arch/x86/include/asm/
// pgtable_types.h _PAGE_NX); backward, CPA reads the kernel tables as software flags, and either execute bit
// means PROT_EXEC.
import {
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_EXEC,
  PTE_GLOBAL,
  PTE_PKEY_SHIFT,
  PTE_PRESENT,
  PTE_USER,
  PTE_WRITE,
} from '@shootdown/linux-mm';

/** The MMU's flag bits (packages/mmu constants `Pte`), repeated as numbers to keep this file pure. */
export const HW_PRESENT = 1 << 0;
export const HW_TABLE = 1 << 1;
export const HW_WRITABLE = 1 << 2;
export const HW_USER = 1 << 3;
export const HW_XUSER = 1 << 4;
export const HW_XKERNEL = 1 << 5;
export const HW_GLOBAL = 1 << 6;
export const HW_ACCESSED = 1 << 7;
export const HW_DIRTY = 1 << 8;
export const HW_KEY_SHIFT = 12;

/** PROT_* bits of a hardware leaf: readable when present; one NX bit, so either execute bit means PROT_EXEC. */
export function leafProt(hw: number): number {
  let prot = 1;
  if ((hw & HW_WRITABLE) !== 0) prot |= 2;
  if ((hw & (HW_XUSER | HW_XKERNEL)) !== 0) prot |= 4;
  return prot;
}

/** Hardware leaf flags → software PTE flags (for CPA, which reads the kernel tables back). */
export function swFlagsOf(hw: number): number {
  if ((hw & HW_PRESENT) === 0) return 0;
  let f = PTE_PRESENT;
  if ((hw & HW_USER) !== 0) f |= PTE_USER;
  if ((hw & HW_WRITABLE) !== 0) f |= PTE_WRITE;
  if ((hw & (HW_XUSER | HW_XKERNEL)) !== 0) f |= PTE_EXEC;
  if ((hw & HW_GLOBAL) !== 0) f |= PTE_GLOBAL;
  if ((hw & HW_ACCESSED) !== 0) f |= PTE_ACCESSED;
  if ((hw & HW_DIRTY) !== 0) f |= PTE_DIRTY;
  f |= ((hw >>> HW_KEY_SHIFT) & 0xf) << PTE_PKEY_SHIFT;
  return f;
}

/** PAGE_KERNEL: present, RW, NX, global, accessed, dirty — the default direct-map entry (§3.7 INV-DMAP-DEFAULT). */
export const HW_PAGE_KERNEL = HW_PRESENT | HW_WRITABLE | HW_GLOBAL | HW_ACCESSED | HW_DIRTY;
