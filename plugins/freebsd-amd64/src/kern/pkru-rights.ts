// PKRU as a thread's rights register: bit 2k = access-disable, bit 2k+1 = write-disable (spec
// freebsd-amd64.md §1.2; lib/libc/x86/sys/pkru.c x86_pkru_set_perm / x86_pkru_get_perm). Rights are core's
// KeyRights (PROT_* bits of what the key allows); x86 cannot deny reads while allowing writes, nor gate
// instruction fetches, so `w` alone is stored as no access and `x` is ignored.

export const PROT_READ = 1;
export const PROT_WRITE = 2;

export function pkruWithRights(pkru: number, key: number, rights: number): number {
  const ad = (rights & PROT_READ) === 0 ? 1 : 0;
  const wd = (rights & PROT_WRITE) === 0 ? 1 : 0;
  const bits = ad | (wd << 1);
  return ((pkru & ~(3 << (2 * key))) | (bits << (2 * key))) >>> 0;
}

export function rightsOf(pkru: number, key: number): number {
  const bits = (pkru >>> (2 * key)) & 3;
  if ((bits & 1) !== 0) return 0;
  return (bits & 2) !== 0 ? PROT_READ : PROT_READ | PROT_WRITE;
}

/**
 * The PKRU a new FreeBSD process starts with. The XSAVE init value of PKRU is 0 (every key readable and
 * writable); spec §1.5 assumes FreeBSD keeps it at exec **[unverified]**, unlike Linux's init_pkru_value.
 * Scenarios set the rights of every accessing thread explicitly.
 */
export const PKRU_INIT = 0;
