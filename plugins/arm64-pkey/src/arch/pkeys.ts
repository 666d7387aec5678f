// arm64 POE user keys for linux-mm (PkeyArch): 8 overlay indices in POR_EL0, execute gated too, no
// execute-only key (PROT_EXEC alone is already execute-only through EPAN), POR_EL0_INIT at exec (spec
// arm64-pkey.md §1.3). arch_set_user_pkey_access() in arch/arm64/mm/mmu.c starts from POE_RWX and removes W for
// PKEY_DISABLE_WRITE, R and W for PKEY_DISABLE_ACCESS, R for PKEY_DISABLE_READ, X for PKEY_DISABLE_EXECUTE.
import type { Machine } from '@shootdown/mmu';
import {
  PKEY_DISABLE_ACCESS,
  PKEY_DISABLE_EXECUTE,
  PKEY_DISABLE_READ,
  PKEY_DISABLE_WRITE,
  type PkeyArch,
} from '@shootdown/linux-mm';
import { ARM64_MAX_PKEY } from '../constants.js';
import { POE_R, POE_RWX, POE_W, POE_X, POR_EL0_INIT, porPerm, porWithPerm } from '../poe.js';

export function rightsToPoe(rights: number): number {
  let perm = POE_RWX;
  if (rights & PKEY_DISABLE_WRITE) perm &= ~POE_W;
  if (rights & PKEY_DISABLE_ACCESS) perm &= ~(POE_R | POE_W);
  if (rights & PKEY_DISABLE_READ) perm &= ~POE_R;
  if (rights & PKEY_DISABLE_EXECUTE) perm &= ~POE_X;
  return perm;
}

export function poeToRights(perm: number): number {
  let rights = 0;
  if ((perm & POE_W) === 0) rights |= PKEY_DISABLE_WRITE;
  if ((perm & POE_R) === 0) rights |= PKEY_DISABLE_READ;
  if ((perm & (POE_R | POE_W)) === 0) rights |= PKEY_DISABLE_ACCESS;
  if ((perm & POE_X) === 0) rights |= PKEY_DISABLE_EXECUTE;
  return rights;
}

export class Arm64Pkeys implements PkeyArch {
  readonly nrPkeys = ARM64_MAX_PKEY;
  readonly executeOnlyPkeys = false;
  /** PKEY_ACCESS_MASK on arm64: DISABLE_ACCESS | DISABLE_WRITE | DISABLE_READ | DISABLE_EXECUTE. */
  readonly accessMask = PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE | PKEY_DISABLE_READ | PKEY_DISABLE_EXECUTE;
  readonly initRegister = POR_EL0_INIT;

  constructor(private readonly machine: Machine) {}

  setRights(register: number, pkey: number, rights: number): number {
    return porWithPerm(register, pkey, rightsToPoe(rights));
  }

  rightsOf(register: number, pkey: number): number {
    return poeToRights(porPerm(register, pkey));
  }

  /** MSR POR_EL0 + ISB: local, never a TLBI (the register is not cached in the TLB, §1.2). */
  writeRegister(cpu: number, value: number): void {
    this.machine.setPor(cpu, 0, value);
  }
}
