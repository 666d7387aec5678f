// The reference Pmap: the translation layer of one address space, every change followed by the full
// flush. Key ranges belong to VMAs here (Linux style), so the FreeBSD-only entry points are unsupported.
import {
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  PmapWithoutKeyRanges,
  unsupported,
  type DirectMap,
  type EnterRequest,
  type EntryInfo,
  type OpReport,
  type Pfn,
  type Pmap,
  type PmapTable,
  type Prot,
  type Va,
} from '@shootdown/core';
import { LEVEL_PAGES, Pte } from '@shootdown/mmu';
import type { ReferenceKernel } from './kernel.js';
import { DM_DEFAULT } from './os.js';

function protOf(flags: number): Prot {
  return (
    PROT_READ |
    ((flags & Pte.WRITABLE) !== 0 ? PROT_WRITE : 0) |
    ((flags & (Pte.XUSER | Pte.XKERNEL)) !== 0 ? PROT_EXEC : 0)
  );
}

export class ReferencePmap extends PmapWithoutKeyRanges {
  constructor(
    readonly kernel: ReferenceKernel,
    readonly pid: number,
    readonly space: number,
  ) {
    super();
  }

  lookup(va: Va): EntryInfo | undefined {
    const e = this.kernel.m.lookup(this.space, va);
    if (!e.present) return undefined;
    return {
      present: true,
      pfn: e.pfn,
      prot: protOf(e.flags),
      user: (e.flags & Pte.USER) !== 0,
      global: (e.flags & Pte.GLOBAL) !== 0,
      key: (e.flags & Pte.KEY_MASK) >>> Pte.KEY_SHIFT,
      pages: LEVEL_PAGES[e.level as 1 | 2 | 3],
    };
  }

  enter(cpu: number, req: EnterRequest): OpReport {
    const m = this.kernel.m;
    const os = this.kernel.mm.os;
    m.ensurePath(this.space, req.va, 1, () => os.allocTable(cpu));
    let f = Pte.PRESENT | ((req.key ?? 0) << Pte.KEY_SHIFT);
    if ((req.prot & PROT_WRITE) !== 0) f |= Pte.WRITABLE;
    if ((req.prot & PROT_EXEC) !== 0) f |= req.user ? Pte.XUSER : Pte.XKERNEL;
    if (req.user) f |= Pte.USER;
    if (req.global === true) f |= Pte.GLOBAL;
    const was = m.lookup(this.space, req.va).present;
    m.setLeaf(this.space, req.va, 1, req.pfn, f);
    if (was) os.flushAll(cpu);
    return req.pages !== undefined && req.pages > 1
      ? { outcome: 'ok', ignored: ['huge'] }
      : { outcome: 'ok' };
  }

  remove(cpu: number, start: Va, end: Va): OpReport {
    const p = this.kernel.proc(this.pid);
    if (p === undefined) return unsupported();
    this.kernel.mm.zap(cpu, p, start, end, false);
    return { outcome: 'ok' };
  }

  protect(cpu: number, start: Va, end: Va, prot: Prot): OpReport {
    const m = this.kernel.m;
    for (let va = start; va < end; va += 4096) {
      const e = m.lookup(this.space, va);
      if (!e.present) continue;
      let f = e.flags & ~(Pte.WRITABLE | Pte.XUSER | Pte.XKERNEL);
      if ((prot & PROT_WRITE) !== 0) f |= Pte.WRITABLE;
      if ((prot & PROT_EXEC) !== 0) f |= (e.flags & Pte.USER) !== 0 ? Pte.XUSER : Pte.XKERNEL;
      m.setLeaf(this.space, va, 1, e.pfn, f);
    }
    this.kernel.mm.os.flushAll(cpu);
    return { outcome: 'ok' };
  }

  keyFor(va: Va): number {
    return this.kernel.proc(this.pid)?.vmaAt(va)?.key ?? 0;
  }

  activate(cpu: number): OpReport {
    this.kernel.m.setRoot(cpu, this.space);
    return { outcome: 'ok' };
  }
}

export class ReferencePmapTable implements PmapTable {
  readonly kernel: ReferencePmap;
  readonly directMap: DirectMap;

  constructor(readonly k: ReferenceKernel) {
    const os = k.mm.os;
    this.kernel = new ReferencePmap(k, 0, os.kernelSpace);
    const m = os.m;
    const set = (cpu: number, pfn: Pfn, pages: number, flags: number | null): OpReport => {
      for (let i = 0; i < pages; i++) {
        if (flags === null) m.clearEntry(os.kernelSpace, m.directMapVa(pfn + i), 1);
        else m.setLeaf(os.kernelSpace, m.directMapVa(pfn + i), 1, pfn + i, flags);
      }
      os.flushAll(cpu);
      return { outcome: 'ok' };
    };
    this.directMap = {
      setProtection: (cpu, pfn, pages, prot) =>
        set(cpu, pfn, pages, Pte.PRESENT | Pte.GLOBAL | ((prot & PROT_WRITE) !== 0 ? Pte.WRITABLE : 0)),
      invalidate: (cpu, pfn, pages) => set(cpu, pfn, pages, null),
      restoreDefault: (cpu, pfn, pages) => set(cpu, pfn, pages, DM_DEFAULT),
      addressOf: (pfn) => m.directMapVa(pfn),
    };
  }

  of(pid: number): Pmap | undefined {
    const p = this.k.proc(pid);
    return p === undefined ? undefined : new ReferencePmap(this.k, pid, p.space);
  }
}
