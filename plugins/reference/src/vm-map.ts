// The reference VmMap: Linux-shaped (VMAs, keys as VMA attributes), every change fully flushed.
import {
  PAGE_SIZE,
  PROT_EXEC,
  type CallContext,
  type KeyAssignFlag,
  type MapReport,
  type MapRequest,
  type OpReport,
  type Prot,
  type Va,
  type VmMap,
} from '@shootdown/core';
import { Access } from '@shootdown/mmu';
import type { ReferenceMm } from './mm.js';
import type { Process } from './process.js';

/** Where anonymous mappings go when no address is asked for (above the first 1 GiB). */
const MMAP_BASE = 0x40000000;
const OK: OpReport = { outcome: 'ok' };

export class ReferenceVmMap implements VmMap {
  constructor(
    readonly mm: ReferenceMm,
    readonly proc: Process,
  ) {}

  get pid(): number {
    return this.proc.pid;
  }

  map(ctx: CallContext, req: MapRequest): MapReport {
    const p = this.proc;
    const bytes = req.pages * PAGE_SIZE;
    const fixed = req.flags.includes('fixed') || req.flags.includes('fixed-excl');
    const align = Math.max(PAGE_SIZE, req.align ?? PAGE_SIZE);
    if (req.addr !== undefined && req.addr % PAGE_SIZE !== 0) return { outcome: 'error:EINVAL' };
    let start: Va;
    if (fixed) {
      if (req.addr === undefined) return { outcome: 'error:EINVAL' };
      start = req.addr;
      if (p.overlaps(start, start + bytes)) {
        // MAP_FIXED_NOREPLACE fails with EEXIST (mm/mmap.c do_mmap); MAP_FIXED replaces.
        if (req.flags.includes('fixed-excl')) return { outcome: 'error:EEXIST' };
        this.#unmap(ctx.cpu, start, start + bytes);
      }
    } else {
      const hint = req.addr !== undefined && !p.overlaps(req.addr, req.addr + bytes) ? req.addr : undefined;
      start = hint ?? p.findGap(bytes, MMAP_BASE, align);
    }
    const prot = req.flags.includes('exec') ? req.prot | PROT_EXEC : req.prot;
    const vma = {
      start,
      end: start + bytes,
      prot,
      key: 0,
      pfnmap: req.flags.includes('pfnmap'),
      shared: req.flags.includes('shared'),
    };
    p.vmas = [...p.vmas, vma].sort((a, b) => a.start - b.start);
    if (vma.pfnmap) {
      // remap_pfn_range: the driver's frames are mapped at once and stay the driver's.
      for (let va = start; va < vma.end; va += PAGE_SIZE) {
        const pfn = this.mm.os.allocData();
        if (pfn < 0) return { outcome: 'error:ENOMEM', start };
        this.mm.driverOwned[pfn] = 1;
        this.mm.install(ctx.cpu, p, va, pfn, vma);
      }
    } else if (req.flags.includes('populate')) {
      for (let va = start; va < vma.end; va += PAGE_SIZE) this.mm.fault(ctx.cpu, p, va, Access.READ);
    }
    const ignored = req.flags.filter((f) => f === 'huge');
    return ignored.length > 0 ? { outcome: 'ok', start, ignored } : { outcome: 'ok', start };
  }

  unmap(ctx: CallContext, start: Va, end: Va): OpReport {
    if (start % PAGE_SIZE !== 0 || end <= start) return { outcome: 'error:EINVAL' };
    this.#unmap(ctx.cpu, start, end);
    return OK;
  }

  #unmap(cpu: number, start: Va, end: Va): void {
    this.proc.carve(start, end);
    for (let va = start; va < end; va += PAGE_SIZE) this.proc.swapped.delete(va);
    this.mm.zap(cpu, this.proc, start, end, true);
  }

  protect(ctx: CallContext, start: Va, end: Va, prot: Prot): OpReport {
    if (!this.#covered(start, end)) return { outcome: 'error:ENOMEM' };
    this.proc.modify(start, end, (v) => (v.prot = prot));
    this.mm.reprotect(ctx.cpu, this.proc, start, end);
    return OK;
  }

  assignKey(ctx: CallContext, start: Va, end: Va, key: number, flags: readonly KeyAssignFlag[]): OpReport {
    if (!this.proc.keys.has(key)) return { outcome: 'error:EINVAL' };
    if (!this.#covered(start, end)) return { outcome: 'error:ENOMEM' };
    this.proc.modify(start, end, (v) => (v.key = key));
    this.mm.reprotect(ctx.cpu, this.proc, start, end);
    // Keys are VMA attributes: EXCL and PERSIST (FreeBSD rangeset flags) have no meaning here.
    return flags.length > 0 ? { outcome: 'ok', ignored: [...flags] } : OK;
  }

  clearKey(ctx: CallContext, start: Va, end: Va): OpReport {
    if (!this.#covered(start, end)) return { outcome: 'error:ENOMEM' };
    this.proc.modify(start, end, (v) => (v.key = 0));
    this.mm.reprotect(ctx.cpu, this.proc, start, end);
    return OK;
  }

  swapOut(ctx: CallContext, start?: Va, end?: Va): OpReport {
    const ranges =
      start === undefined ? this.proc.vmas.map((v) => [v.start, v.end] as const) : [[start, end!] as const];
    for (const [s, e] of ranges) {
      for (const v of this.proc.vmas) {
        if (v.pfnmap || v.end <= s || v.start >= e) continue;
        const lo = Math.max(v.start, s);
        const hi = Math.min(v.end, e);
        // try_to_unmap: the page goes to swap, the mapping (and its key) stays.
        for (let va = lo; va < hi; va += PAGE_SIZE) {
          if (this.mm.os.m.lookup(this.proc.space, va).present) this.proc.swapped.add(va);
        }
        this.mm.zap(ctx.cpu, this.proc, lo, hi, false);
      }
    }
    return OK;
  }

  invalidate(_ctx: CallContext, start: Va, end: Va): OpReport {
    // Linux msync(MS_INVALIDATE) only checks for locked pages (mm/msync.c): nothing to do here.
    return this.#covered(start, end) ? OK : { outcome: 'error:ENOMEM' };
  }

  discard(ctx: CallContext, start: Va, end: Va): OpReport {
    if (!this.#covered(start, end)) return { outcome: 'error:ENOMEM' };
    for (const v of this.proc.vmas) {
      if (v.pfnmap || v.end <= start || v.start >= end) continue;
      this.mm.zap(ctx.cpu, this.proc, Math.max(v.start, start), Math.min(v.end, end), false);
    }
    return OK;
  }

  fault(ctx: CallContext, va: Va, kind: 'read' | 'write' | 'exec'): OpReport {
    const k = kind === 'write' ? Access.WRITE : kind === 'exec' ? Access.EXEC : Access.READ;
    return this.mm.fault(ctx.cpu, this.proc, va, k);
  }

  /** Every page of [start, end) lies in some VMA (Linux returns ENOMEM otherwise). */
  #covered(start: Va, end: Va): boolean {
    for (let va = start; va < end; va += PAGE_SIZE) if (this.proc.vmaAt(va) === undefined) return false;
    return true;
  }
}
