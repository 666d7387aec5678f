// Argument checks of sysarch(AMD64_SET_PKRU / AMD64_CLEAR_PKRU), as pmap_pkru_set / pmap_pkru_clear do them
// (sys/amd64/amd64/pmap.c pmap_pkru_check_uargs; sys/amd64/amd64/sys_machdep.c sysarch). First failing check
// wins (spec freebsd-amd64.md §3.1 step 3, §10).
import {
  AMD64_PKRU_EXCL,
  AMD64_PKRU_PERSIST,
  Errno,
  PMAP_MAX_PKRU_IDX,
  VM_MAXUSER_PAGE,
} from '../constants.js';
import type { ErrnoName } from '../constants.js';

/** trunc_page(addr) .. round_page(addr + len), in pages. */
export function pageRange(addr: number, len: number): { startPage: number; endPage: number } {
  return { startPage: Math.floor(addr / 4096), endPage: Math.ceil((addr + len) / 4096) };
}

/**
 * pmap_pkru_check_uargs on the rounded range. `pku` is CPUID.(EAX=7,ECX=0):ECX.PKU with CR4.PKE set.
 * Returns the errno name or null.
 */
export function checkUargs(
  startPage: number,
  endPage: number,
  keyidx: number,
  flags: number,
  pku: boolean,
): ErrnoName | null {
  if (!Number.isInteger(keyidx) || keyidx < 0 || keyidx > PMAP_MAX_PKRU_IDX) return Errno.EINVAL;
  if ((flags & ~(AMD64_PKRU_PERSIST | AMD64_PKRU_EXCL)) !== 0) return Errno.EINVAL;
  if (endPage <= startPage || endPage > VM_MAXUSER_PAGE) return Errno.EFAULT;
  if (!pku) return Errno.ENOTSUP;
  return null;
}

/** sysarch's own check for CLEAR, made before pmap_pkru_clear: keyidx and flags must be zero. */
export function checkClearArgs(keyidx: number, flags: number): ErrnoName | null {
  return keyidx !== 0 || flags !== 0 ? Errno.EINVAL : null;
}
