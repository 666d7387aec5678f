/**
 * linux-mm's software PTE (pte.ts) as the simulated MMU's arch-neutral entry, and the one store set_pte_at /
 * pte_clear / pmd_populate / pmd_clear … become. Both Linux arches translate the same way — one bit per
 * permission, PTE_EXEC executable at the level of the page's U/S (x86 _PAGE_NX; arm64 UXN for user pages,
 * PXN for kernel ones) — and each adds its own on top (arm64: kernel entries global, a 3-bit POIndex).
 */
import { Pte, type LeafLevel, type Level, type Machine } from '@shootdown/mmu';
import {
  entryIsLeaf,
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_EXEC,
  PTE_GLOBAL,
  PTE_PKEY_MASK,
  PTE_PKEY_SHIFT,
  PTE_PRESENT,
  PTE_USER,
  PTE_WRITE,
  ptePfn,
} from './pte.js';

/** Software PTE flags → hardware leaf flags; 0 when the software entry is not present to the hardware. */
export function pteHwFlags(swFlags: number): number {
  if ((swFlags & PTE_PRESENT) === 0) return 0;
  let f: number = Pte.PRESENT;
  const user = (swFlags & PTE_USER) !== 0;
  if (user) f |= Pte.USER;
  if ((swFlags & PTE_WRITE) !== 0) f |= Pte.WRITABLE;
  if ((swFlags & PTE_EXEC) !== 0) f |= user ? Pte.XUSER : Pte.XKERNEL;
  if ((swFlags & PTE_GLOBAL) !== 0) f |= Pte.GLOBAL;
  if ((swFlags & PTE_ACCESSED) !== 0) f |= Pte.ACCESSED;
  if ((swFlags & PTE_DIRTY) !== 0) f |= Pte.DIRTY;
  f |= ((swFlags & PTE_PKEY_MASK) >>> PTE_PKEY_SHIFT) << Pte.KEY_SHIFT;
  return f;
}

/** Bytes one entry at each level maps: 4 KiB, 2 MiB, 1 GiB, 512 GiB (index = level). */
const SPAN = [0, 2 ** 12, 2 ** 21, 2 ** 30, 2 ** 39];

/** The MMU's page-table stores (a structural part of mmu's Machine). */
export type EntryStores = Pick<Machine, 'clearEntry' | 'setLeaf' | 'setTable'>;

/**
 * One store of software `entry` into the slot covering `addr` at `level` of `space`, whose hardware leaf
 * flags the arch computed as `hw`: a software entry not present to the hardware (none, a swap entry, the
 * mermap's "unmapped" sentinel: hw 0) clears the slot; otherwise a leaf or a link to the next table.
 */
export function storeEntry(
  machine: EntryStores,
  space: number,
  level: number,
  addr: number,
  entry: number,
  hw: number,
): void {
  // The slot's own address: addr − addr mod span, computed as a truncated quotient. A kernel address is
  // above 2^31, so `%` would be a floating-point remainder (a call into fmod) at every PTE store; a
  // division by a power of two and a truncation are exact, and give the same value for any finite addr.
  const span = SPAN[level];
  const va = Math.trunc(addr / span) * span;
  if (hw === 0) machine.clearEntry(space, va, level as Level);
  else if (entryIsLeaf(entry, level)) machine.setLeaf(space, va, level as LeafLevel, ptePfn(entry), hw);
  else machine.setTable(space, va, level as 2 | 3 | 4, ptePfn(entry));
}
