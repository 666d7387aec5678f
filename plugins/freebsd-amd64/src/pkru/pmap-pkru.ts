// pmap_pkru_set / pmap_pkru_clear (sys/amd64/amd64/pmap.c), reached from sysarch(AMD64_SET_PKRU /
// AMD64_CLEAR_PKRU) with the calling thread's pmap (spec freebsd-amd64.md §3.1, §3.2, §10).
import { AMD64_PKRU_EXCL, AMD64_PKRU_PERSIST, Errno } from '../constants.js';
import type { ErrnoName } from '../constants.js';
import type { Amd64Pmap } from '../amd64/pmap.js';
import { checkUargs } from './pkru-args.js';
import { ENOMEM } from './rangeset.js';

export interface PkruCallOptions {
  readonly pku: boolean;
  /** pmap_pkru_update_range invalidates what it changed; false is the unsafe fault-injection variant. */
  readonly flush: boolean;
}

/**
 * pmap_pkru_set: check_uargs, then pmap_pkru_assign (EXCL → rangeset_check_empty, only PERSIST is stored,
 * rangeset_insert drops every overlapping node, PERSIST ones too), then pmap_pkru_update_range.
 * The kernel retries ENOMEM after vm_wait(); the model has no memory to wait for and returns it.
 */
export function pkruSet(
  cpu: number,
  pmap: Amd64Pmap,
  startPage: number,
  endPage: number,
  keyidx: number,
  flags: number,
  opt: PkruCallOptions,
): ErrnoName | null {
  const bad = checkUargs(startPage, endPage, keyidx, flags, opt.pku);
  if (bad !== null) return bad;
  if ((flags & AMD64_PKRU_EXCL) !== 0 && !pmap.pkru.checkEmpty(startPage, endPage)) return Errno.EBUSY;
  if (pmap.pkru.insert(startPage, endPage, keyidx, flags & AMD64_PKRU_PERSIST) === ENOMEM)
    return Errno.ENOMEM;
  pmap.updateKeys(cpu, startPage, endPage, keyidx, opt.flush);
  return null;
}

/** pmap_pkru_clear: rangeset_remove of every node (PERSIST too, splitting as needed), PTE keys back to 0. */
export function pkruClear(
  cpu: number,
  pmap: Amd64Pmap,
  startPage: number,
  endPage: number,
  opt: PkruCallOptions,
): ErrnoName | null {
  const bad = checkUargs(startPage, endPage, 0, 0, opt.pku);
  if (bad !== null) return bad;
  if (pmap.pkru.remove(startPage, endPage) === ENOMEM) return Errno.ENOMEM;
  pmap.updateKeys(cpu, startPage, endPage, 0, opt.flush);
  return null;
}
