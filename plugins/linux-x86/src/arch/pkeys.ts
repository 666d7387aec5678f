// x86 PKU (arch/x86/mm/pkeys.c, arch/x86/include/asm/pkru.h): 16 keys, PKRU with an access-disable and a
// write-disable bit per key, data accesses only (spec linux.md §6.1).
import { PKEY_DISABLE_ACCESS, PKEY_DISABLE_WRITE, type PkeyArch } from '@shootdown/linux-mm';

export const PKRU_AD_BIT = 0x1;
export const PKRU_WD_BIT = 0x2;
export const PKRU_BITS_PER_PKEY = 2;

/** init_pkru_value: access-disable for keys 1–15, key 0 open (arch/x86/mm/pkeys.c). */
export const INIT_PKRU_VALUE = 0x55555554;

export class X86Pkeys implements PkeyArch {
  readonly nrPkeys = 16;
  /** mprotect(PROT_EXEC) may take an execute-only key (arch/x86/mm/pkeys.c __execute_only_pkey). */
  readonly executeOnlyPkeys = true;
  readonly initRegister = INIT_PKRU_VALUE;
  /** PKEY_ACCESS_MASK (include/uapi/asm-generic/mman-common.h): x86 knows access- and write-disable only. */
  readonly accessMask = PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE;

  constructor(private readonly wrpkru: (cpu: number, value: number) => void) {}

  /** arch_set_user_pkey_access(): replace `pkey`'s two bits; PKEY_DISABLE_* map onto AD / WD. */
  setRights(register: number, pkey: number, rights: number): number {
    const shift = pkey * PKRU_BITS_PER_PKEY;
    let bits = 0;
    if ((rights & PKEY_DISABLE_ACCESS) !== 0) bits |= PKRU_AD_BIT;
    if ((rights & PKEY_DISABLE_WRITE) !== 0) bits |= PKRU_WD_BIT;
    return ((register & ~((PKRU_AD_BIT | PKRU_WD_BIT) << shift)) | (bits << shift)) >>> 0;
  }

  rightsOf(register: number, pkey: number): number {
    const bits = (register >>> (pkey * PKRU_BITS_PER_PKEY)) & 3;
    let rights = 0;
    if ((bits & PKRU_AD_BIT) !== 0) rights |= PKEY_DISABLE_ACCESS;
    if ((bits & PKRU_WD_BIT) !== 0) rights |= PKEY_DISABLE_WRITE;
    return rights;
  }

  writeRegister(cpu: number, value: number): void {
    this.wrpkru(cpu, value);
  }
}
