// Key rights as the x86 PKRU register holds them: two bits per key, AD (access disable) at 2k and
// WD (write disable) at 2k+1 (SDM Vol. 3A §4.6.2). Execute is not governed by PKRU.
import { PROT_READ, PROT_WRITE, type KeyRights } from '@shootdown/core';

/** Linux `init_pkru_value`: every key but 0 access-disabled (arch/x86/mm/pkeys.c). */
export const INIT_PKRU = 0x55555554;
export const KEY_COUNT = 16;

export function pkruWith(pkru: number, key: number, rights: KeyRights): number {
  const ad = (rights & PROT_READ) === 0 && (rights & PROT_WRITE) === 0 ? 1 : 0;
  const wd = (rights & PROT_WRITE) === 0 ? 1 : 0;
  const cleared = pkru & ~(3 << (2 * key));
  return (cleared | (ad << (2 * key)) | (wd << (2 * key + 1))) >>> 0;
}

export function rightsIn(pkru: number, key: number): KeyRights {
  const ad = (pkru >>> (2 * key)) & 1;
  const wd = (pkru >>> (2 * key + 1)) & 1;
  if (ad === 1) return 0;
  return wd === 1 ? PROT_READ : PROT_READ | PROT_WRITE;
}
