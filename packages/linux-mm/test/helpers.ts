import { doMmap, type LinuxMm, type MmapRequest, type Task } from '../src/index.js';
import { mmapRequest } from '../src/testing/index.js';

/** An mmap request with defaults: fixed at `addr`, populated, private anonymous. */
export const req = mmapRequest;

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
