/**
 * The arch-neutral software page-table entry the generic mm reasons about (Linux's pte_t seen
 * through pte_pfn()/pte_flags()): `pfn * 2^16 + flags`. It is a plain number so a whole table is
 * one Float64Array; pfns up to 2^37 stay exact. Each arch hook turns it into its own hardware
 * encoding (x86 NX is the inverse of PTE_EXEC; arm64 uses AP/UXN/PXN/POIndex).
 *
 * A non-present entry with PTE_SWP set is a swap entry whose "pfn" field is the swap slot; like
 * the kernel's swp_entry_t it carries no protection key (spec linux.md §6.2: the key comes back
 * from vma->vm_page_prot on the fault).
 */

export const PTE_PRESENT = 0x1;
export const PTE_WRITE = 0x2;
export const PTE_USER = 0x4;
/**
 * A PROT_NONE entry (x86 _PAGE_PROTNONE): the hardware sees it not present, but the kernel's
 * pte_present() is true — the frame stays mapped in the kernel's eyes and is freed by zap.
 */
export const PTE_PROTNONE = 0x8;
export const PTE_ACCESSED = 0x20;
export const PTE_DIRTY = 0x40;
/** Leaf above the PTE level (pmd_leaf/pud_leaf; x86 _PAGE_PSE). */
export const PTE_HUGE = 0x80;
export const PTE_GLOBAL = 0x100;
/** pte_special(): a VM_PFNMAP/VM_MIXEDMAP entry with no struct page behind it. */
export const PTE_SPECIAL = 0x200;
/** Executable (positive sense; the arch inverts for NX/XN). */
export const PTE_EXEC = 0x400;
/** Non-present swap entry. */
export const PTE_SWP = 0x800;
export const PTE_PKEY_SHIFT = 12;
/** Four key bits: x86 uses all 16 keys, arm64 POE the low 8. */
export const PTE_PKEY_MASK = 0xf000;

const FLAG_SPAN = 0x10000;

export const PTE_NONE = 0;

export function mkPte(pfn: number, flags: number): number {
  return pfn * FLAG_SPAN + (flags & 0xffff);
}

export function ptePfn(pte: number): number {
  return Math.floor(pte / FLAG_SPAN);
}

/**
 * pte mod 2^16, without `%`: a PTE of a frame above 2^15 is above 2^31, where `%` is a floating-point
 * remainder (a call into fmod) — and every PTE store and walk asks. Dividing by a power of two and
 * truncating are exact, so this is the remainder `%` gives for any finite pte.
 */
export function pteFlags(pte: number): number {
  return pte - Math.trunc(pte / FLAG_SPAN) * FLAG_SPAN;
}

export function ptePresent(pte: number): boolean {
  return (pteFlags(pte) & PTE_PRESENT) !== 0;
}

/** The kernel's pte_present(): present to the hardware, or PROT_NONE. */
export function pteMapped(pte: number): boolean {
  return (pteFlags(pte) & (PTE_PRESENT | PTE_PROTNONE)) !== 0;
}

export function pteNone(pte: number): boolean {
  return pte === PTE_NONE;
}

export function pteIsSwap(pte: number): boolean {
  return (pteFlags(pte) & (PTE_PRESENT | PTE_SWP)) === PTE_SWP;
}

export function ptePkey(pte: number): number {
  return (pteFlags(pte) & PTE_PKEY_MASK) >>> PTE_PKEY_SHIFT;
}

export function pkeyFlags(pkey: number): number {
  return (pkey << PTE_PKEY_SHIFT) & PTE_PKEY_MASK;
}

/** A table pointer (pmd_populate and friends): present, not a leaf, pfn = the child table frame. */
export function mkTableEntry(tablePfn: number): number {
  return mkPte(tablePfn, PTE_PRESENT);
}

export function entryIsLeaf(entry: number, level: number): boolean {
  return level === 1 || (pteFlags(entry) & PTE_HUGE) !== 0;
}

export function mkSwapPte(slot: number): number {
  return mkPte(slot, PTE_SWP);
}

/** pte_modify(): keep the frame and the hardware-owned A/D bits, take the rest from newprot. */
export function pteModify(pte: number, newprot: number): number {
  const keep = pteFlags(pte) & (PTE_ACCESSED | PTE_DIRTY | PTE_HUGE | PTE_SPECIAL);
  return mkPte(ptePfn(pte), (newprot & ~(PTE_ACCESSED | PTE_DIRTY)) | keep);
}
