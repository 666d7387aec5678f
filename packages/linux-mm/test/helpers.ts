import { doMmap, PROT_READ, PROT_WRITE, type LinuxMm, type MmapRequest, type Task } from '../src/index.js';

/** An mmap request with defaults: fixed at `addr`, populated, private anonymous. */
export function req(
  addr: number,
  pages: number,
  prot = PROT_READ | PROT_WRITE,
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

export function mmapAt(
  lm: LinuxMm,
  task: Task,
  addr: number,
  pages: number,
  prot?: number,
  extra?: Partial<MmapRequest>,
): number {
  const r = doMmap(lm, 0, task, req(addr, pages, prot, extra));
  if (r < 0) throw new Error(`mmap failed: ${r}`);
  return r;
}
