// x86-64 4-level paging (SDM Vol. 3A §4.5) and PKU (§4.6.2). Linux names: arch/x86/include/asm/pgtable_types.h.
import { Access, Pte, type AccessKind, type Level } from '../constants.js';
import type { ArchDescriptor, DecodedEntry } from './types.js';

const P = 1n << 0n;
const RW = 1n << 1n;
const US = 1n << 2n;
const A = 1n << 5n;
const D = 1n << 6n;
const PS = 1n << 7n;
const G = 1n << 8n;
const NX = 1n << 63n;
const PKEY_SHIFT = 59n;
const ADDR_MASK = ((1n << 52n) - 1n) & ~0xfffn;

function encode(flags: number, pfn: number, level: Level): bigint {
  if ((flags & Pte.PRESENT) === 0) return 0n;
  let d = P | (BigInt(pfn) << 12n);
  if ((flags & Pte.TABLE) !== 0) {
    // Linux _PAGE_TABLE: P|RW|US|A|D — table entries never restrict, the leaf decides.
    return d | RW | US | A | D;
  }
  if (level > 1) d |= PS;
  if ((flags & Pte.WRITABLE) !== 0) d |= RW;
  if ((flags & Pte.USER) !== 0) d |= US;
  if ((flags & Pte.ACCESSED) !== 0) d |= A;
  if ((flags & Pte.DIRTY) !== 0) d |= D;
  if ((flags & Pte.GLOBAL) !== 0) d |= G;
  // One NX bit: a user page executes at user level, a supervisor page at kernel level (SMEP forbids the rest).
  const x = (flags & Pte.USER) !== 0 ? Pte.XUSER : Pte.XKERNEL;
  if ((flags & x) === 0) d |= NX;
  d |= BigInt((flags & Pte.KEY_MASK) >>> Pte.KEY_SHIFT) << PKEY_SHIFT;
  return d;
}

function decode(d: bigint, level: Level): DecodedEntry {
  if ((d & P) === 0n) return { flags: 0, pfn: 0 };
  const pfn = Number((d & ADDR_MASK) >> 12n);
  if (level > 1 && level < 4 && (d & PS) === 0n) return { flags: Pte.PRESENT | Pte.TABLE, pfn };
  if (level === 4) return { flags: Pte.PRESENT | Pte.TABLE, pfn };
  let f = Pte.PRESENT;
  if ((d & RW) !== 0n) f |= Pte.WRITABLE;
  if ((d & US) !== 0n) f |= Pte.USER;
  if ((d & A) !== 0n) f |= Pte.ACCESSED;
  if ((d & D) !== 0n) f |= Pte.DIRTY;
  if ((d & G) !== 0n) f |= Pte.GLOBAL;
  if ((d & NX) === 0n) f |= (d & US) !== 0n ? Pte.XUSER : Pte.XKERNEL;
  f |= Number((d >> PKEY_SHIFT) & 0xfn) << Pte.KEY_SHIFT;
  return { flags: f, pfn };
}

/** PKRU: bit 2k = access-disable, bit 2k+1 = write-disable; instruction fetches are not checked (SDM §4.6.2). */
function keyAllows(pkru: number, key: number, kind: AccessKind): boolean {
  if (kind === Access.EXEC) return true;
  const bits = (pkru >>> (2 * key)) & 3;
  if ((bits & 1) !== 0) return false;
  return kind === Access.READ || (bits & 2) === 0;
}

export const x86_64: ArchDescriptor = {
  name: 'x86_64',
  keyCount: 16,
  keyRegisterReset: 0,
  // Documentation/arch/x86/x86_64/mm.rst (4-level): direct map at ffff888000000000, vmalloc at
  // ffffc90000000000 (32 TiB), kernel text at ffffffff80000000.
  layout: {
    directMapBase: 0x888000000000,
    vmallocBase: 0xc90000000000,
    vmallocEnd: 0xe90000000000,
    kernelTextBase: 0xffff80000000,
    userTop: 0x7ffffffff000,
  },
  encode,
  decode,
  keyAllows,
};
