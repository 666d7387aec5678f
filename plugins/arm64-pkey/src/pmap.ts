// The Pmap contract for Linux on arm64: linux-mm's read side (core-pmap.ts) with arm64's leaf decoding, and
// linear-map attribute changes on frames (arch/arm64/mm/pageattr.c).
import { ok, type CpuId, type DirectMap, type OpReport, type Pfn, type Prot, type Va } from '@shootdown/core';
import { Pte, type Machine } from '@shootdown/mmu';
import { LinuxPmapTable, type LinuxMm } from '@shootdown/linux-mm';
import type { Arm64Arch } from './arch/arm64-arch.js';
import { leafProt } from './arch/entry.js';
import { flushTlbKernelRange } from './tlbflush.js';

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

/** The read side is linux-mm's; reading a leaf back and the linear map are arm64's. */
export class Arm64PmapTable extends LinuxPmapTable {
  constructor(lm: LinuxMm, arch: Arm64Arch, machine: Machine) {
    super(
      lm,
      machine,
      { spaceOf: (mm) => arch.pgtable.lookupSpace(mm), leafProt },
      new Arm64DirectMapView(arch),
    );
  }
}
