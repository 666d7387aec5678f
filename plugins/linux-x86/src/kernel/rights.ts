// Core's neutral key rights (PROT_* bits a key *allows*) ↔ Linux's PKEY_DISABLE_* rights. x86 PKRU has
// access-disable and write-disable only, so `rw`, `rwx` and `rx` all mean "open" and `x` cannot be said.
import { PKEY_DISABLE_ACCESS, PKEY_DISABLE_WRITE } from '@shootdown/linux-mm';

const PROT_READ = 1;
const PROT_WRITE = 2;

export function disableBitsOf(allowed: number): number {
  if ((allowed & (PROT_READ | PROT_WRITE)) === 0) return PKEY_DISABLE_ACCESS;
  if ((allowed & PROT_WRITE) === 0) return PKEY_DISABLE_WRITE;
  return 0;
}

export function allowedOf(disable: number): number {
  if ((disable & PKEY_DISABLE_ACCESS) !== 0) return 0;
  if ((disable & PKEY_DISABLE_WRITE) !== 0) return PROT_READ;
  return PROT_READ | PROT_WRITE;
}
