// The FreeBSD vm_map of one process behind core's VmMap contract (sys/vm/vm_map.c, sys/vm/vm_mmap.c,
// sys/amd64/amd64/sys_machdep.c). Which pmap removal each path calls, and whether it drops keys, is the
// `pkru-remove` variant's KeyLifetime (spec freebsd-amd64.md §5.1, §9).
import type { CallContext, KeyAssignFlag, MapReport, MapRequest, OpReport, Va, VmMap } from '@shootdown/core';
import { AMD64_PKRU_EXCL, AMD64_PKRU_PERSIST, MMAP_BASE_PAGE, VM_MAXUSER_PAGE } from '../constants.js';
import { pkruClear, pkruSet } from '../pkru/pmap-pkru.js';
import { vmFault } from './fault.js';
import { swapOut } from './swapout.js';
import type { Vmspace } from './vmspace.js';

const VM_PROT_ALL = 7;

function report(outcome: string | null, extra?: { ignored?: string[] }): OpReport {
  const ignored = extra?.ignored !== undefined && extra.ignored.length > 0 ? { ignored: extra.ignored } : {};
  return outcome === null ? { outcome: 'ok', ...ignored } : { outcome: `error:${outcome}`, ...ignored };
}

export class FreeBsdVmMap implements VmMap {
  constructor(readonly vs: Vmspace) {}

  get pid(): number {
    return this.vs.pid;
  }

  /** mmap(2) anonymous: vm_map_find (first fit from the hint) or vm_map_fixed (MAP_FIXED deletes first). */
  map(ctx: CallContext, req: MapRequest): MapReport {
    const ignored: string[] = [];
    let populate = false;
    for (const f of req.flags) {
      if (f === 'populate') populate = true;
      else if (f !== 'fixed' && f !== 'fixed-excl') ignored.push(f);
    }
    const entries = this.vs.entries;
    const pages = req.pages;
    const fixed = req.flags.includes('fixed') || req.flags.includes('fixed-excl');
    let start: number;
    if (fixed) {
      if (req.addr === undefined || req.addr % 4096 !== 0) return report('EINVAL', { ignored });
      start = req.addr / 4096;
      if (start + pages > VM_MAXUSER_PAGE) return report('EINVAL', { ignored });
      // MAP_FIXED | MAP_EXCL: "the requested region is already used by a mapping" → EINVAL (mmap(2)).
      if (req.flags.includes('fixed-excl') && !entries.isFree(start, start + pages)) {
        return report('EINVAL', { ignored });
      }
      this.delete(ctx.cpu, start, start + pages);
    } else {
      const align = Math.max(1, Math.floor((req.align ?? 4096) / 4096));
      const hint = req.addr !== undefined ? Math.floor(req.addr / 4096) : MMAP_BASE_PAGE;
      start = entries.findSpace(hint, pages, align, VM_MAXUSER_PAGE);
      if (start < 0) return report('ENOMEM', { ignored });
    }
    entries.insert(start, start + pages, req.prot, VM_PROT_ALL);
    if (populate) {
      // MAP_PREFAULT_READ-like: touch every page so the entry gets its object and resident pages.
      for (let p = start; p < start + pages; p++) vmFault(this.vs, ctx.cpu, p, 'read');
    }
    const r: MapReport = { outcome: 'ok', start: start * 4096 };
    return ignored.length > 0 ? { ...r, ignored } : r;
  }

  /** munmap(2): vm_map_remove → vm_map_delete. */
  unmap(ctx: CallContext, start: Va, end: Va): OpReport {
    const s = Math.floor(start / 4096);
    const e = Math.ceil(end / 4096);
    if (e <= s || e > VM_MAXUSER_PAGE) return report('EINVAL');
    this.remove(ctx.cpu, s, e);
    return report(null);
  }

  /**
   * vm_map_remove: vm_map_lock, vm_map_delete, vm_map_unlock. A fault on the range meanwhile waits for the
   * lock and then finds no entry (vmFault). vm_map_fixed's delete (mmap MAP_FIXED, above) holds the lock
   * too, but a fault waiting there finds the new entry after the unlock — a retry after the interrupted
   * operation that a nested step cannot express — so that path is not marked.
   */
  remove(cpu: number, s: number, e: number): void {
    const vs = this.vs;
    vs.removeStart = s;
    vs.removeEnd = e;
    try {
      this.delete(cpu, s, e);
    } finally {
      vs.removeStart = -1;
      vs.removeEnd = -1;
    }
  }

  /**
   * vm_map_delete: clip, then per entry — only if it has a backing object (or is a submap) — the pmap
   * removal over the *entry's* bounds, then vm_map_entry_delete. Never-touched entries and holes keep keys.
   */
  delete(cpu: number, s: number, e: number): void {
    const { entries, pmap, deps } = this.vs;
    let i = entries.firstEndingAfter(s);
    if (i < entries.count && entries.start[i] < s) i = entries.clipStart(i, s);
    while (i < entries.count && entries.start[i] < e) {
      entries.clipEnd(i, e);
      const es = entries.start[i];
      const ee = entries.end[i];
      const obj = entries.obj[i];
      if (obj >= 0) {
        if (deps.lifetime.deleteCallsMapDelete) pmap.mapDelete(cpu, es, ee);
        else pmap.remove(cpu, es, ee, 'munmap');
        deps.objects.release(cpu, obj, entries.offset[i], ee - es);
      }
      entries.remove(i);
    }
  }

  /**
   * mprotect(2): vm_map_protect clips and updates entries, then pmap_protect where access was restricted
   * (pmap_protect(VM_PROT_NONE) is pmap_remove). A hole in the range is ENOMEM.
   */
  protect(ctx: CallContext, start: Va, end: Va, prot: number): OpReport {
    const { entries, pmap } = this.vs;
    const s = Math.floor(start / 4096);
    const e = Math.ceil(end / 4096);
    if (!entries.isCovered(s, e)) return report('ENOMEM');
    let i = entries.firstEndingAfter(s);
    if (entries.start[i] < s) i = entries.clipStart(i, s);
    for (; i < entries.count && entries.start[i] < e; i++) {
      if ((prot & ~entries.maxProt[i]) !== 0) return report('EACCES');
      entries.clipEnd(i, e);
      const old = entries.prot[i];
      entries.prot[i] = prot;
      // "When restricting access, update the physical map" (vm_map_protect): widening waits for faults.
      if ((old & ~prot) !== 0) pmap.protect(ctx.cpu, entries.start[i], entries.end[i], prot);
    }
    return report(null);
  }

  /** sysarch(AMD64_SET_PKRU) → pmap_pkru_set on the calling thread's pmap. */
  assignKey(ctx: CallContext, start: Va, end: Va, key: number, flags: readonly KeyAssignFlag[]): OpReport {
    let bits = 0;
    if (flags.includes('excl')) bits |= AMD64_PKRU_EXCL;
    if (flags.includes('persist')) bits |= AMD64_PKRU_PERSIST;
    return this.sysarchSet(ctx.cpu, start, end - start, key, bits);
  }

  /** sysarch(AMD64_SET_PKRU) with raw arguments (addr, len, keyidx, flags), as `freebsd.sysarch` passes them. */
  sysarchSet(cpu: number, addr: number, len: number, keyidx: number, flags: number): OpReport {
    const s = Math.floor(addr / 4096);
    const e = Math.ceil((addr + len) / 4096);
    return report(pkruSet(cpu, this.vs.pmap, s, e, keyidx, flags, this.vs.deps.pkru));
  }

  /** sysarch(AMD64_CLEAR_PKRU) → pmap_pkru_clear. */
  clearKey(ctx: CallContext, start: Va, end: Va): OpReport {
    return this.sysarchClear(ctx.cpu, start, end - start);
  }

  sysarchClear(cpu: number, addr: number, len: number): OpReport {
    const s = Math.floor(addr / 4096);
    const e = Math.ceil((addr + len) / 4096);
    return report(pkruClear(cpu, this.vs.pmap, s, e, this.vs.deps.pkru));
  }

  swapOut(ctx: CallContext, start?: Va, end?: Va): OpReport {
    swapOut(this.vs, ctx.cpu, start, end);
    return report(null);
  }

  /**
   * msync(MS_INVALIDATE): vm_map_sync refuses holes (KERN_INVALID_ADDRESS → ENOMEM), then pmap_remove over
   * the range; anonymous pages stay in their object and come back on the next fault.
   */
  invalidate(ctx: CallContext, start: Va, end: Va): OpReport {
    const s = Math.floor(start / 4096);
    const e = Math.ceil(end / 4096);
    if (!this.vs.entries.isCovered(s, e)) return report('ENOMEM');
    this.vs.pmap.remove(ctx.cpu, s, e, 'msync-invalidate');
    return report(null);
  }

  /** madvise(MADV_DONTNEED): vm_map_madvise → pmap_advise (clears accessed/modified, keeps the entries). */
  discard(ctx: CallContext, start: Va, end: Va): OpReport {
    this.vs.pmap.advise(ctx.cpu, Math.floor(start / 4096), Math.ceil(end / 4096));
    return report(null);
  }

  fault(ctx: CallContext, va: Va, kind: 'read' | 'write' | 'exec'): OpReport {
    const r = vmFault(this.vs, ctx.cpu, Math.floor(va / 4096), kind);
    return r === null ? { outcome: 'ok' } : { outcome: r };
  }
}
