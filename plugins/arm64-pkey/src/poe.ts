// POR_EL0 / POR_EL1 values: 4-bit Perm<m> fields, one per overlay index (spec arm64-pkey.md §1.1).
// The register is consulted at access time and never cached in a TLB, so changing it costs an `msr` + `isb`
// on the local CPU only: no TLBI, no broadcast (§1.2).
import { ARM64_MAX_PKEY, KPKEYS_PKEY_DEFAULT, KPKEYS_PKEY_PGTABLES } from './constants.js';

/** POE_R, POE_X, POE_W, POE_RWX (arch/arm64/include/asm/por.h). */
export const POE_NONE = 0;
export const POE_R = 1;
export const POE_X = 2;
export const POE_W = 4;
export const POE_RX = POE_R | POE_X;
export const POE_RW = POE_R | POE_W;
export const POE_RWX = POE_R | POE_W | POE_X;

/** POR_BITS_PER_PKEY. */
export const POR_BITS_PER_PKEY = 4;

/** The Perm<key> field of a POR value; encodings 0b1xxx are reserved and behave as no access (§1.1). */
export function porPerm(por: number, key: number): number {
  const field = Math.floor(por / 2 ** (key * POR_BITS_PER_PKEY)) & 0xf;
  return field & 0x8 ? POE_NONE : field;
}

/** `por` with Perm<key> replaced by `perm`. Kept in plain numbers: 8 keys × 4 bits fit in 32 bits. */
export function porWithPerm(por: number, key: number, perm: number): number {
  const shift = key * POR_BITS_PER_PKEY;
  const cleared = (por & ~(0xf << shift)) >>> 0;
  return (cleared | ((perm & 0xf) << shift)) >>> 0;
}

/** Builds a POR value from one permission per key (missing keys: no access). */
export function porFrom(perms: readonly number[]): number {
  let por = 0;
  for (let key = 0; key < ARM64_MAX_PKEY && key < perms.length; key++)
    por = porWithPerm(por, key, perms[key] ?? 0);
  return por;
}

/**
 * POR_EL0_INIT: RWX for index 0 only, every other index no access (spec §1.3; arch/arm64/include/asm/por.h).
 * Loaded at exec and on signal delivery.
 */
export const POR_EL0_INIT = porFrom([POE_RWX]);

/**
 * The kernel's kpkeys contexts on POR_EL1 (spec §2.1; v5 14/18 `arch/arm64/include/asm/kpkeys.h`).
 * Default (boot value POR_EL1_INIT): key 0 RWX, key 1 read-only — page tables cannot be written.
 * Page-table context: key 1 RW, never executable.
 */
export const KPKEYS_CTX_DEFAULT = porWithPerm(
  porWithPerm(0, KPKEYS_PKEY_DEFAULT, POE_RWX),
  KPKEYS_PKEY_PGTABLES,
  POE_R,
);
export const KPKEYS_CTX_PGTABLES = porWithPerm(
  porWithPerm(0, KPKEYS_PKEY_DEFAULT, POE_RWX),
  KPKEYS_PKEY_PGTABLES,
  POE_RW,
);
/** Without kpkeys every key the kernel uses is fully open: the unprotected baseline's POR_EL1. */
export const POR_EL1_OPEN = porFrom([POE_RWX, POE_RWX, POE_RWX, POE_RWX, POE_RWX, POE_RWX, POE_RWX, POE_RWX]);

/** The named contexts a scenario's `stray-write` may run in (`from: pgtables`). */
export const KPKEYS_CONTEXTS: Readonly<Record<string, number>> = {
  default: KPKEYS_CTX_DEFAULT,
  pgtables: KPKEYS_CTX_PGTABLES,
};

/** Overlay check: what `perm` (POE_R / POE_W / POE_X) survives the register (the overlay only removes). */
export function porAllows(por: number, key: number, access: number): boolean {
  return (porPerm(por, key) & access) === access;
}
