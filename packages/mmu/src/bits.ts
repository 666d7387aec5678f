// Convenience between readable entry bits and the flags word the hot paths use.
import { Pte } from './constants.js';

/** Arch-neutral entry bits, for building a flags word once (not per access). */
export interface EntryBits {
  writable?: boolean;
  user?: boolean;
  xUser?: boolean;
  xKernel?: boolean;
  global?: boolean;
  accessed?: boolean;
  dirty?: boolean;
  key?: number;
}

/** Flags word of a present leaf with these bits. */
export function pteFlags(b: EntryBits): number {
  let f = Pte.PRESENT;
  if (b.writable === true) f |= Pte.WRITABLE;
  if (b.user === true) f |= Pte.USER;
  if (b.xUser === true) f |= Pte.XUSER;
  if (b.xKernel === true) f |= Pte.XKERNEL;
  if (b.global === true) f |= Pte.GLOBAL;
  if (b.accessed === true) f |= Pte.ACCESSED;
  if (b.dirty === true) f |= Pte.DIRTY;
  if (b.key !== undefined) {
    if (!Number.isInteger(b.key) || b.key < 0 || b.key > 15)
      throw new RangeError(`key ${b.key} outside 0..15`);
    f |= b.key << Pte.KEY_SHIFT;
  }
  return f;
}

/** Short readable form of a flags word, e.g. 'P W U XU G k3' (for messages and traces). */
export function describeFlags(f: number): string {
  if ((f & Pte.PRESENT) === 0) return '-';
  if ((f & Pte.TABLE) !== 0) return 'P T';
  const parts = ['P'];
  if ((f & Pte.WRITABLE) !== 0) parts.push('W');
  if ((f & Pte.USER) !== 0) parts.push('U');
  if ((f & Pte.XUSER) !== 0) parts.push('XU');
  if ((f & Pte.XKERNEL) !== 0) parts.push('XK');
  if ((f & Pte.GLOBAL) !== 0) parts.push('G');
  if ((f & Pte.ACCESSED) !== 0) parts.push('A');
  if ((f & Pte.DIRTY) !== 0) parts.push('D');
  const key = (f & Pte.KEY_MASK) >>> Pte.KEY_SHIFT;
  if (key !== 0) parts.push(`k${key}`);
  return parts.join(' ');
}
