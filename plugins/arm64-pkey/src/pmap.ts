// The Pmap contract for Linux on arm64: the read side the engine's `entry`, `direct-map`, `cached` and
// `pagetable-of` questions use, and linear-map attribute changes on frames (arch/arm64/mm/pageattr.c). Logical
// operations go through linux-mm's VmMap; the FreeBSD-only pmap calls are `unsupported`.
import {
  ok,
  unsupported,
  type CpuId,
  type DirectMap,
  type EntryInfo,
  type OpReport,
  type Pfn,
  type Pid,
  type Pmap,
  type PmapTable,
  type Prot,
  type Va,
} from '@shootdown/core';
import { Pte, type Machine } from '@shootdown/mmu';
import type { LinuxMm } from '@shootdown/linux-mm';
import type { Arm64Arch } from './arch/arm64-arch.js';
import { keyOf } from './arch/entry.js';
import { flushTlbKernelRange } from './tlbflush.js';

const LEVEL_PAGES = [0, 1, 512, 512 * 512, 512 * 512 * 512];

class Arm64Pmap implements Pmap {
  constructor(
    readonly pid: Pid,
    readonly space: number,
    private readonly machine: Machine,
  ) {}

  lookup(va: Va): EntryInfo | undefined {
    const l = this.machine.lookup(this.space, va);
    if (!l.present) return undefined;
    const f = l.flags;
    const user = (f & Pte.USER) !== 0;
    const prot = 1 | (f & Pte.WRITABLE ? 2 : 0) | (f & (user ? Pte.XUSER : Pte.XKERNEL) ? 4 : 0);
    return {
      present: true,
      pfn: l.pfn,
      prot,
      user,
      global: (f & Pte.GLOBAL) !== 0,
      key: keyOf(f),
      pages: LEVEL_PAGES[l.level] ?? 1,
    };
  }

  enter(): OpReport {
    return unsupported();
  }
  remove(): OpReport {
    return unsupported();
  }
  protect(): OpReport {
    return unsupported();
  }
  removeSwapout(): OpReport {
    return unsupported();
  }
  mapDelete(): OpReport {
    return unsupported();
  }
  setKeyRange(): OpReport {
    return unsupported();
  }
  clearKeyRange(): OpReport {
    return unsupported();
  }
  keyFor(): number {
    return 0;
  }
  activate(): OpReport {
    return unsupported();
  }
}

/** set_memory_* / set_direct_map_* on frames' linear alias: split where block-mapped, rewrite, flush. */
class Arm64DirectMapView implements DirectMap {
  constructor(private readonly arch: Arm64Arch) {}

  addressOf(pfn: Pfn): Va {
    return this.arch.machine.directMapVa(pfn);
  }

  private finish(cpu: CpuId, pfn: Pfn, pages: number, flush: boolean, done: boolean): OpReport {
    if (!done) return { outcome: 'error:ENOMEM' };
    if (flush) flushTlbKernelRange(this.arch.port, cpu, this.addressOf(pfn), this.addressOf(pfn + pages));
    return ok();
  }

  setProtection(cpu: CpuId, pfn: Pfn, pages: number, prot: Prot, flush: boolean): OpReport {
    const set = Pte.PRESENT | (prot & 2 ? Pte.WRITABLE : 0) | (prot & 4 ? Pte.XKERNEL : 0);
    const clear =
      (prot & 2 ? 0 : Pte.WRITABLE) | (prot & 4 ? 0 : Pte.XKERNEL) | (prot === 0 ? Pte.PRESENT : 0);
    this.arch.linearMap.cpu = cpu;
    const done = this.arch.linearMap.updatePtes(pfn, pages, prot === 0 ? 0 : set, clear);
    return this.finish(cpu, pfn, pages, flush, done);
  }

  invalidate(cpu: CpuId, pfn: Pfn, pages: number, flush: boolean): OpReport {
    this.arch.linearMap.cpu = cpu;
    return this.finish(cpu, pfn, pages, flush, this.arch.linearMap.updatePtes(pfn, pages, 0, Pte.PRESENT));
  }

  restoreDefault(cpu: CpuId, pfn: Pfn, pages: number, flush: boolean): OpReport {
    this.arch.linearMap.cpu = cpu;
    const done = this.arch.linearMap.updatePtes(pfn, pages, Pte.PRESENT | Pte.WRITABLE, Pte.XKERNEL);
    return this.finish(cpu, pfn, pages, flush, done);
  }
}

export class Arm64PmapTable implements PmapTable {
  readonly kernel: Pmap;
  readonly directMap: DirectMap;

  constructor(
    private readonly lm: LinuxMm,
    private readonly arch: Arm64Arch,
    private readonly machine: Machine,
  ) {
    this.kernel = new Arm64Pmap(0, machine.kernelSpace, machine);
    this.directMap = new Arm64DirectMapView(arch);
  }

  of(pid: Pid): Pmap | undefined {
    if (pid === 0) return this.kernel;
    const mm = this.lm.mms.get(pid);
    if (mm === undefined || mm.dead) return undefined;
    return new Arm64Pmap(pid, this.arch.pgtable.spaceOf(mm), this.machine);
  }
}
