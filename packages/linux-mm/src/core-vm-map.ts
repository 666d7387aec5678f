/**
 * core's VmMap / VmMapTable over the Linux mm: each method is the system call or kernel path the
 * contract names, returning an OpReport (errors as `error:<ERRNO>`, never a throw).
 */
import {
  errno,
  ok,
  withIgnored,
  type AccessKind,
  type CallContext,
  type KeyAssignFlag,
  type MapReport,
  type MapRequest,
  type OpReport,
  type Pid,
  type Prot,
  type Va,
  type VmMap,
  type VmMapTable,
} from '@shootdown/core';
import { ERRNO_NAMES, PAGE_SIZE, PROT_EXEC } from './constants.js';
import { handleMmFault } from './fault.js';
import type { LinuxMm } from './linux-mm.js';
import { doMmap, doMunmap } from './mmap.js';
import { doMprotectPkey } from './mprotect.js';
import { madviseDontneed, msyncInvalidate, swapOut } from './reclaim.js';
import type { Task } from './task.js';

/** An OpReport for a syscall-style result (0 / positive = ok, -errno = error). */
export function syscallReport(result: number): OpReport {
  return result >= 0 ? ok() : errno(ERRNO_NAMES[-result] ?? `E${-result}`);
}

export class LinuxVmMap implements VmMap {
  constructor(
    private readonly lm: LinuxMm,
    readonly pid: Pid,
  ) {}

  /** The calling thread: the task on ctx.cpu if it belongs to this process, else the process's main thread. */
  private task(ctx: CallContext): Task | undefined {
    const t = this.lm.task(ctx.cpu);
    if (t && t.pid === this.pid) return t;
    return this.lm.threads.get(this.pid);
  }

  map(ctx: CallContext, req: MapRequest): MapReport {
    const task = this.task(ctx);
    if (!task) return errno('ESRCH');
    const has = (f: string): boolean => req.flags.includes(f as never);
    const prot = req.prot | (has('exec') ? PROT_EXEC : 0);
    const start = doMmap(this.lm, ctx.cpu, task, {
      addr: req.addr ?? 0,
      pages: req.pages,
      prot,
      align: req.align ?? 0,
      fixed: has('fixed'),
      fixedNoReplace: has('fixed-excl'),
      shared: has('shared'),
      populate: has('populate'),
      pfnmap: has('pfnmap'),
      huge: has('huge'),
    });
    if (start < 0) return syscallReport(start);
    return { outcome: 'ok', start };
  }

  unmap(ctx: CallContext, start: Va, end: Va): OpReport {
    const task = this.task(ctx);
    if (!task) return errno('ESRCH');
    return syscallReport(doMunmap(this.lm, ctx.cpu, task, start, end - start));
  }

  protect(ctx: CallContext, start: Va, end: Va, prot: Prot): OpReport {
    const task = this.task(ctx);
    if (!task) return errno('ESRCH');
    return syscallReport(doMprotectPkey(this.lm, ctx.cpu, task, start, end - start, prot, -1));
  }

  /** pkey_mprotect(start, len, prot, key) keeping each VMA's current protection (Linux has no EXCL/PERSIST). */
  assignKey(ctx: CallContext, start: Va, end: Va, key: number, flags: readonly KeyAssignFlag[]): OpReport {
    const task = this.task(ctx);
    if (!task) return errno('ESRCH');
    // do_mprotect_pkey refuses an unallocated key (EINVAL) before it looks for the VMA (ENOMEM).
    const vma = task.mm.vmaLookup(start);
    const prot = vma ? vma.vmFlags & 7 : 0;
    const report = syscallReport(doMprotectPkey(this.lm, ctx.cpu, task, start, end - start, prot, key));
    return withIgnored(report, flags);
  }

  clearKey(ctx: CallContext, start: Va, end: Va): OpReport {
    return this.assignKey(ctx, start, end, 0, []);
  }

  swapOut(ctx: CallContext, start?: Va, end?: Va): OpReport {
    const task = this.task(ctx);
    if (!task) return errno('ESRCH');
    const n = swapOut(this.lm, ctx.cpu, task.mm, start ?? 0, end ?? Number.MAX_SAFE_INTEGER);
    return ok({ value: n });
  }

  invalidate(ctx: CallContext, start: Va, end: Va): OpReport {
    const task = this.task(ctx);
    if (!task) return errno('ESRCH');
    return syscallReport(msyncInvalidate(task.mm, start, end));
  }

  discard(ctx: CallContext, start: Va, end: Va): OpReport {
    const task = this.task(ctx);
    if (!task) return errno('ESRCH');
    return syscallReport(madviseDontneed(this.lm, ctx.cpu, task.mm, start, end));
  }

  fault(ctx: CallContext, va: Va, kind: AccessKind): OpReport {
    const task = this.task(ctx);
    if (!task) return errno('ESRCH');
    const page = Math.floor(va / PAGE_SIZE) * PAGE_SIZE;
    return { outcome: handleMmFault(this.lm, ctx.cpu, task, page, kind) };
  }
}

export class LinuxVmMapTable implements VmMapTable {
  private readonly maps = new Map<Pid, LinuxVmMap>();

  constructor(private readonly lm: LinuxMm) {}

  of(pid: Pid): VmMap | undefined {
    if (!this.lm.threads.has(pid)) return undefined;
    let m = this.maps.get(pid);
    if (!m) this.maps.set(pid, (m = new LinuxVmMap(this.lm, pid)));
    return m;
  }
}
