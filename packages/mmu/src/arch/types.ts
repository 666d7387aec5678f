// The shape of an architecture descriptor: entry encoding and key-register semantics.
import type { AccessKind, Level } from '../constants.js';

/** Arch-neutral entry: the flags word (Pte bits) and the output frame (leaf) or table frame (pointer). */
export interface DecodedEntry {
  flags: number;
  pfn: number;
}

/** Where the OS puts its kernel regions in the 48-bit VA space (bit 47 = kernel half). */
export interface KernelLayout {
  /** Linear map (x86 direct map / arm64 linear map) base: `directMapVa(pfn) = directMapBase + pfn * 4096`. */
  readonly directMapBase: number;
  readonly vmallocBase: number;
  readonly vmallocEnd: number;
  readonly kernelTextBase: number;
  /** First VA above user space. */
  readonly userTop: number;
}

export interface ArchDescriptor {
  readonly name: 'x86_64' | 'arm64';
  /** Number of protection keys / overlay indices the leaf encoding carries. */
  readonly keyCount: number;
  /** Reset value of the key register (x86 PKRU, arm64 POR_EL0/POR_EL1): the MMU's power-on state. */
  readonly keyRegisterReset: number;
  readonly layout: KernelLayout;
  /** Arch-neutral flags + frame → the real 64-bit descriptor. `level` decides page vs block encodings. */
  encode(flags: number, pfn: number, level: Level): bigint;
  /** The real descriptor → arch-neutral flags + frame. Inverse of `encode` on the bits both model. */
  decode(descriptor: bigint, level: Level): DecodedEntry;
  /** Does the key register value allow `kind` on a page carrying `key`? (Pure bit arithmetic.) */
  keyAllows(register: number, key: number, kind: AccessKind): boolean;
}
