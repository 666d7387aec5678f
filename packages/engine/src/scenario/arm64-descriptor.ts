// A raw 64-bit arm64 translation-table descriptor as the hardware reads it: VMSAv8-64, 4 KiB granule,
// 48-bit output addresses (TCR_ELx.DS = 0, no FEAT_LPA2), Arm ARM (DDI 0487 K.a) D8.3 "Translation table
// descriptor formats". The value travels as two unsigned 32-bit halves so nothing here needs a bigint.
// The kind and output address depend on the lookup level only (D8.3.1, D8.3.2); the permission bits
// depend on the translation regime, stage 1 of EL1&0, stage 1 of EL2 (one privilege level) or stage 2
// (D8.4 "Memory access control", stage 2 S2AP / XN).
import { Pte, Regime } from '@shootdown/mmu';
import type { TableLevel } from './types.js';

/** Arm lookup level (0 = the root of a 4-level walk) of each table level name; p4d folds into pgd. */
export const ARM_LOOKUP_LEVEL: Readonly<Record<TableLevel, 0 | 1 | 2 | 3>> = {
  pgd: 0,
  p4d: 0,
  pud: 1,
  pmd: 2,
  pte: 3,
};

export type DescriptorKind = 'invalid' | 'table' | 'block' | 'page';

export interface DescriptorShape {
  readonly kind: DescriptorKind;
  /** Output address (next-level table, block or page), bytes; 0 for invalid. */
  readonly oa: number;
}

const TWO32 = 2 ** 32;

/** `0x…` (up to 16 digits) or a safe integer as [lo, hi] unsigned 32-bit halves; null when not one. */
export function descriptorHalves(v: unknown): readonly [number, number] | null {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) return null;
    return [v % TWO32, Math.floor(v / TWO32)];
  }
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{1,16}$/u.test(v)) return null;
  const digits = v.slice(2).padStart(16, '0');
  return [Number.parseInt(digits.slice(8), 16), Number.parseInt(digits.slice(0, 8), 16)];
}

/** The canonical spelling of a descriptor value: `0x` and 16 lower-case digits. */
export function descriptorHex(lo: number, hi: number): string {
  return `0x${hi.toString(16).padStart(8, '0')}${lo.toString(16).padStart(8, '0')}`;
}

/**
 * Kind and output address of descriptor (lo, hi) at Arm lookup `level`, or a reason it is not modelled.
 * bit[0] clear: invalid (D8.3: the other bits are ignored by hardware, free for software). bits[1:0] =
 * 0b11 below level 3: a table descriptor, next-level table address bits[47:12] (D8.3.1). At level 3,
 * 0b11 is a page (OA bits[47:12]) and 0b01 is reserved, which the architecture treats as invalid
 * (D8.3.2, "Reserved, invalid"). 0b01 at level 1 / 2 is a 1 GiB / 2 MiB block, OA bits[47:30] /
 * bits[47:21]; at level 0 the 4 KiB granule has blocks only with FEAT_LPA2 and DS = 1, not modelled.
 */
export function descriptorShape(lo: number, hi: number, level: 0 | 1 | 2 | 3): DescriptorShape | string {
  if ((lo & 1) === 0) return { kind: 'invalid', oa: 0 };
  const tableBit = (lo & 2) !== 0;
  const high = (hi & 0xffff) * TWO32; // OA bits[47:32]
  const page = (lo & 0xfffff000) >>> 0;
  if (level === 3) return tableBit ? { kind: 'page', oa: high + page } : { kind: 'invalid', oa: 0 };
  if (tableBit) return { kind: 'table', oa: high + page };
  if (level === 0) return 'a block descriptor at level 0 (the 4 KiB granule has none without FEAT_LPA2)';
  const mask = level === 1 ? 0xc0000000 : 0xffe00000;
  return { kind: 'block', oa: high + ((lo & mask) >>> 0) };
}

/** The model's flags for a block/page descriptor in a table of `regime`, and the fields it does not model. */
export interface LeafDecode {
  readonly flags: number;
  /** Non-zero descriptor fields the simulated MMU has no notion of (memory attributes, software bits, …). */
  readonly ignored: readonly string[];
}

const bit = (w: number, n: number): boolean => ((w >>> n) & 1) !== 0;

/**
 * Leaf permissions per regime (Arm ARM D8.3.2 attribute fields):
 * - EL1&0 stage 1: AP[1] (bit 6) EL0 access, AP[2] (bit 7) read-only, AF (10), nG (11), PXN (53),
 *   UXN (54), POIndex bits[62:60] (FEAT_S1POE, the overlay index the model calls a key).
 * - EL2 stage 1, one privilege level (non-VHE): AP[2] read-only, XN (54); AP[1] and nG have no effect.
 * - stage 2: S2AP[0] (bit 6) read, S2AP[1] (bit 7) write, XN[1:0] (bits 54:53, FEAT_XNX: 0b00 both
 *   ELs may execute, 0b01 EL0 only, 0b10 neither, 0b11 EL1 only), AF (10). The model has no unreadable
 *   present entry, so S2AP[0] = 0 is reported ignored (the entry reads as readable).
 * Memory attributes (AttrIndx / MemAttr, NS, SH), DBM (51), Contiguous (52), GP (50), the software
 * bits [58:55], PBHA, a block's nT (16) and the bits a block leaves RES0 below its output address or a
 * 48-bit OA leaves above it ([49:48]) are listed in `ignored` when set: the MMU does not model them.
 */
export function leafDecode(lo: number, hi: number, regime: number, level: 1 | 2 | 3): LeafDecode {
  const ignored: string[] = [];
  let f = Pte.PRESENT;
  if (bit(lo, 10)) f |= Pte.ACCESSED;
  if (regime === Regime.STAGE2) {
    if (!bit(lo, 6)) ignored.push('s2ap-read');
    if (bit(lo, 7)) f |= Pte.WRITABLE;
    const xn = (hi >>> 21) & 3;
    if (xn === 0 || xn === 1) f |= Pte.XUSER;
    if (xn === 0 || xn === 3) f |= Pte.XKERNEL;
    if (((lo >>> 2) & 0xf) !== 0) ignored.push('memattr');
  } else if (regime === Regime.EL2) {
    if (!bit(lo, 7)) f |= Pte.WRITABLE;
    if (!bit(hi, 22)) f |= Pte.XKERNEL;
    if (((lo >>> 2) & 7) !== 0) ignored.push('attrindx');
  } else {
    if (bit(lo, 6)) f |= Pte.USER;
    if (!bit(lo, 7)) f |= Pte.WRITABLE;
    if (!bit(lo, 11)) f |= Pte.GLOBAL;
    if (!bit(hi, 21)) f |= Pte.XKERNEL;
    if (!bit(hi, 22)) f |= Pte.XUSER;
    f |= ((hi >>> 28) & 7) << Pte.KEY_SHIFT;
    if (((lo >>> 2) & 7) !== 0) ignored.push('attrindx');
  }
  if (regime !== Regime.STAGE2 && bit(lo, 5)) ignored.push('ns');
  if (((lo >>> 8) & 3) !== 0) ignored.push('sh');
  // A block's OA starts at bit 30 / 21; below it, bit 16 is nT (FEAT_BBM), the rest RES0 here.
  const below = level === 1 ? 0x3ffff000 : level === 2 ? 0x001ff000 : 0;
  if (level !== 3 && bit(lo, 16)) ignored.push('nt');
  if ((lo & below & ~0x10000) !== 0 || (hi & 0x30000) !== 0) ignored.push('res0');
  if (bit(hi, 18)) ignored.push('gp');
  if (bit(hi, 19)) ignored.push('dbm');
  if (bit(hi, 20)) ignored.push('contiguous');
  if (((hi >>> 23) & 0xf) !== 0) ignored.push('software');
  // Bits [62:59] are PBHA, except [62:60] in EL1&0 stage 1 where they are the POIndex used above.
  if (((hi >>> 27) & (regime === Regime.EL10 ? 1 : 0xf)) !== 0) ignored.push('pbha');
  if (bit(hi, 31)) ignored.push('bit63');
  return { flags: f, ignored };
}
