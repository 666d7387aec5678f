// core's Pmap contract over the amd64 pmaps. The kernel pmap and its direct map are not modelled by this
// plug-in (its questions are user protection keys): their methods report `unsupported`.
import type {
  CpuId,
  DirectMap,
  EnterRequest,
  EntryInfo,
  OpReport,
  Pid,
  Pmap,
  PmapTable,
  Va,
} from '@shootdown/core';
import { LEVEL_PAGES, Pte, type Machine } from '@shootdown/mmu';
import { AMD64_PKRU_EXCL, AMD64_PKRU_PERSIST } from '../constants.js';
import { pkruClear, pkruSet, type PkruCallOptions } from '../pkru/pmap-pkru.js';
import type { Amd64Pmap } from './pmap.js';

const UNSUPPORTED: OpReport = { outcome: 'unsupported' };

function errnoReport(err: string | null): OpReport {
  return err === null ? { outcome: 'ok' } : { outcome: `error:${err}` };
}

/** One user pmap behind core's Pmap. Ranges are bytes, rounded out to pages. */
export class Amd64PmapHandle implements Pmap {
  constructor(
    private readonly pmap: Amd64Pmap,
    private readonly pkru: PkruCallOptions,
  ) {}

  get pid(): Pid {
    return this.pmap.pid;
  }

  get space(): number {
    return this.pmap.space;
  }

  /** pmap_enter: the key is pmap_pkru_get's, never the caller's (a request's `key` is ignored). */
  enter(cpu: CpuId, req: EnterRequest): OpReport {
    if ((req.pages ?? 1) !== 1 || req.global === true || !req.user) return UNSUPPORTED;
    this.pmap.enter(cpu, Math.floor(req.va / 4096), req.pfn, req.prot, false);
    return req.key !== undefined ? { outcome: 'ok', ignored: ['key'] } : { outcome: 'ok' };
  }

  remove(cpu: CpuId, start: Va, end: Va): OpReport {
    this.pmap.remove(cpu, Math.floor(start / 4096), Math.ceil(end / 4096), 'other');
    return { outcome: 'ok' };
  }

  protect(cpu: CpuId, start: Va, end: Va, prot: number): OpReport {
    this.pmap.protect(cpu, Math.floor(start / 4096), Math.ceil(end / 4096), prot);
    return { outcome: 'ok' };
  }

  removeSwapout(cpu: CpuId, start: Va, end: Va): OpReport {
    this.pmap.removeSwapout(cpu, Math.floor(start / 4096), Math.ceil(end / 4096));
    return { outcome: 'ok' };
  }

  mapDelete(cpu: CpuId, start: Va, end: Va): OpReport {
    this.pmap.mapDelete(cpu, Math.floor(start / 4096), Math.ceil(end / 4096));
    return { outcome: 'ok' };
  }

  setKeyRange(cpu: CpuId, start: Va, end: Va, key: number, flags: readonly string[]): OpReport {
    const bits =
      (flags.includes('excl') ? AMD64_PKRU_EXCL : 0) | (flags.includes('persist') ? AMD64_PKRU_PERSIST : 0);
    const s = Math.floor(start / 4096);
    return errnoReport(pkruSet(cpu, this.pmap, s, Math.ceil(end / 4096), key, bits, this.pkru));
  }

  clearKeyRange(cpu: CpuId, start: Va, end: Va): OpReport {
    return errnoReport(pkruClear(cpu, this.pmap, Math.floor(start / 4096), Math.ceil(end / 4096), this.pkru));
  }

  keyFor(va: Va): number {
    return this.pmap.keyFor(Math.floor(va / 4096));
  }

  activate(cpu: CpuId): OpReport {
    this.pmap.activate(cpu);
    return { outcome: 'ok' };
  }

  lookup(va: Va): EntryInfo | undefined {
    const page = Math.floor(va / 4096);
    const pfn = this.pmap.pfnAt(page);
    if (pfn < 0) return undefined;
    const f = this.pmap.flagsAt(page);
    const prot = 1 | ((f & Pte.WRITABLE) !== 0 ? 2 : 0) | ((f & Pte.XUSER) !== 0 ? 4 : 0);
    return {
      present: true,
      pfn,
      prot,
      user: true,
      global: false,
      key: (f & Pte.KEY_MASK) >>> Pte.KEY_SHIFT,
      pages: 1,
    };
  }
}

/** The kernel pmap: read-only here (its entries are the boot-time direct map); changes are not modelled. */
function kernelPmap(space: number, lookup: (va: Va) => EntryInfo | undefined): Pmap {
  return {
    pid: 0,
    space,
    enter: () => UNSUPPORTED,
    remove: () => UNSUPPORTED,
    protect: () => UNSUPPORTED,
    removeSwapout: () => UNSUPPORTED,
    mapDelete: () => UNSUPPORTED,
    setKeyRange: () => UNSUPPORTED,
    clearKeyRange: () => UNSUPPORTED,
    keyFor: () => 0,
    activate: () => UNSUPPORTED,
    lookup,
  };
}

/** pmap_pte-like read of the machine's current entry (any leaf size), for the kernel pmap. */
export function machineLookup(m: Machine, space: number, va: Va): EntryInfo | undefined {
  const r = m.lookup(space, va);
  if (!r.present) return undefined;
  const f = r.flags;
  const user = (f & Pte.USER) !== 0;
  const x = user ? Pte.XUSER : Pte.XKERNEL;
  return {
    present: true,
    pfn: r.pfn,
    prot: 1 | ((f & Pte.WRITABLE) !== 0 ? 2 : 0) | ((f & x) !== 0 ? 4 : 0),
    user,
    global: (f & Pte.GLOBAL) !== 0,
    key: (f & Pte.KEY_MASK) >>> Pte.KEY_SHIFT,
    pages: LEVEL_PAGES[r.level],
  };
}

export class Amd64PmapTable implements PmapTable {
  readonly kernel: Pmap;
  readonly directMap: DirectMap;

  constructor(
    private readonly handles: (pid: Pid) => Pmap | undefined,
    m: Machine,
    kernelSpace: number,
  ) {
    this.kernel = kernelPmap(kernelSpace, (va) => machineLookup(m, kernelSpace, va));
    const directMapVa = (pfn: number): Va => m.directMapVa(pfn);
    this.directMap = {
      setProtection: () => UNSUPPORTED,
      invalidate: () => UNSUPPORTED,
      restoreDefault: () => UNSUPPORTED,
      addressOf: directMapVa,
    };
  }

  of(pid: Pid): Pmap | undefined {
    return this.handles(pid);
  }
}
