// arm64 VMSAv8-64 stage-1 descriptors, 4 KiB granule, 48-bit VA (Arm ARM D8.3), and FEAT_S1POE overlays
// (spec arm64-pkey.md §1). Linux names: arch/arm64/include/asm/pgtable-hwdef.h.
import { Access, Pte, type AccessKind, type Level } from '../constants.js';
import type { ArchDescriptor, DecodedEntry } from './types.js';

const VALID = 1n << 0n;
/** Bit 1: table (non-last level) or page (last level); clear = block. */
const TABLE_OR_PAGE = 1n << 1n;
const AP_USER = 1n << 6n; // AP[1]: EL0 access
const AP_RDONLY = 1n << 7n; // AP[2]: read-only
const AF = 1n << 10n;
const NG = 1n << 11n;
const PXN = 1n << 53n;
const UXN = 1n << 54n;
/** Linux PTE_DIRTY is a software bit (55); hardware DBM (51) is not modelled. */
const SW_DIRTY = 1n << 55n;
const POINDEX_SHIFT = 60n;
const ADDR_MASK = ((1n << 48n) - 1n) & ~0xfffn;

function encode(flags: number, pfn: number, level: Level): bigint {
  if ((flags & Pte.PRESENT) === 0) return 0n;
  const out = BigInt(pfn) << 12n;
  if ((flags & Pte.TABLE) !== 0) return VALID | TABLE_OR_PAGE | out;
  let d = VALID | out | (level === 1 ? TABLE_OR_PAGE : 0n);
  if ((flags & Pte.USER) !== 0) d |= AP_USER;
  if ((flags & Pte.WRITABLE) === 0) d |= AP_RDONLY;
  if ((flags & Pte.ACCESSED) !== 0) d |= AF;
  if ((flags & Pte.GLOBAL) === 0) d |= NG;
  if ((flags & Pte.XKERNEL) === 0) d |= PXN;
  if ((flags & Pte.XUSER) === 0) d |= UXN;
  if ((flags & Pte.DIRTY) !== 0) d |= SW_DIRTY;
  d |= BigInt(((flags & Pte.KEY_MASK) >>> Pte.KEY_SHIFT) & 7) << POINDEX_SHIFT;
  return d;
}

function decode(d: bigint, level: Level): DecodedEntry {
  if ((d & VALID) === 0n) return { flags: 0, pfn: 0 };
  const pfn = Number((d & ADDR_MASK) >> 12n);
  if (level === 4 || (level > 1 && (d & TABLE_OR_PAGE) !== 0n))
    return { flags: Pte.PRESENT | Pte.TABLE, pfn };
  // A level-3 (our L1) descriptor with bit 1 clear is reserved: treat as invalid.
  if (level === 1 && (d & TABLE_OR_PAGE) === 0n) return { flags: 0, pfn: 0 };
  let f = Pte.PRESENT;
  if ((d & AP_USER) !== 0n) f |= Pte.USER;
  if ((d & AP_RDONLY) === 0n) f |= Pte.WRITABLE;
  if ((d & AF) !== 0n) f |= Pte.ACCESSED;
  if ((d & NG) === 0n) f |= Pte.GLOBAL;
  if ((d & PXN) === 0n) f |= Pte.XKERNEL;
  if ((d & UXN) === 0n) f |= Pte.XUSER;
  if ((d & SW_DIRTY) !== 0n) f |= Pte.DIRTY;
  f |= Number((d >> POINDEX_SHIFT) & 7n) << Pte.KEY_SHIFT;
  return { flags: f, pfn };
}

/** POR_ELx Perm<m> at bits [4m+3:4m]: R=1, X=2, W=4; 0b1xxx reserved = no access (spec arm64-pkey.md §1.1). */
function keyAllows(por: number, key: number, kind: AccessKind): boolean {
  const perm = (por >>> (4 * key)) & 0xf;
  if ((perm & 8) !== 0) return false;
  const need = kind === Access.READ ? 1 : kind === Access.EXEC ? 2 : 4;
  return (perm & need) !== 0;
}

export const arm64: ArchDescriptor = {
  name: 'arm64',
  keyCount: 8,
  // All eight indices RWX: the overlay removes nothing until software programs it.
  keyRegisterReset: 0x77777777,
  // Upper half of the 48-bit space (TTBR1). The linear map sits at the bottom of our kernel half, as in
  // arm64 kernels before 5.4 (PAGE_OFFSET 0xffff800000000000 for VA_BITS=48).
  layout: {
    directMapBase: 0x800000000000,
    vmallocBase: 0xc00000000000,
    vmallocEnd: 0xfc0000000000,
    kernelTextBase: 0xfe0000000000,
    userTop: 0x7ffffffff000,
  },
  encode,
  decode,
  keyAllows,
};
