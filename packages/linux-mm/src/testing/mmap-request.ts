/**
 * For tests that drive the generic mm directly: the MmapRequest of mmap(addr, pages, prot,
 * MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE), with any field overridden by `extra`.
 */
import { PROT_READ, PROT_WRITE } from '../constants.js';
import type { MmapRequest } from '../mmap.js';

export function mmapRequest(
  addr: number,
  pages: number,
  prot: number = PROT_READ | PROT_WRITE,
  extra: Partial<MmapRequest> = {},
): MmapRequest {
  return {
    addr,
    pages,
    prot,
    align: 0,
    fixed: true,
    fixedNoReplace: false,
    shared: false,
    populate: true,
    pfnmap: false,
    huge: false,
    ...extra,
  };
}
