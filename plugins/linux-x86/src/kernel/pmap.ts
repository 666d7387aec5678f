// The Pmap contract for linux-x86: linux-mm's read side (core-pmap.ts) with x86's leaf decoding, and the
// direct-map attribute changes (set_memory_* through CPA, set_direct_map_*_noflush) on frames.
import { ok, type CpuId, type DirectMap, type OpReport, type Pfn, type Prot, type Va } from '@shootdown/core';
import { LinuxPmapTable, PTE_EXEC, PTE_PRESENT, PTE_WRITE, type LinuxMm } from '@shootdown/linux-mm';
import type { Machine } from '@shootdown/mmu';
import { leafProt } from '../arch/entry.js';
import type { X86LinuxArch } from '../arch/x86-arch.js';

/** set_memory_* on frames' linear-map alias, and set_direct_map_*_noflush. */
class X86DirectMap implements DirectMap {
  constructor(private readonly arch: X86LinuxArch) {}

  addressOf(pfn: Pfn): Va {
    return this.arch.layout.directMapBase + pfn * 4096;
  }

  setProtection(cpu: CpuId, pfn: Pfn, pages: number, prot: Prot, flush: boolean): OpReport {
    const set = PTE_PRESENT | (prot & 2 ? PTE_WRITE : 0) | (prot & 4 ? PTE_EXEC : 0);
    const clear = (prot & 2 ? 0 : PTE_WRITE) | (prot & 4 ? 0 : PTE_EXEC);
    if (flush) {
      this.arch.cpa.changePageAttr(cpu, this.addressOf(pfn), pages, set, clear);
    } else {
      for (let i = 0; i < pages; i++) this.arch.cpa.setDirectMapNoflush(cpu, pfn + i, 1, prot !== 0);
    }
    return ok();
  }

  invalidate(cpu: CpuId, pfn: Pfn, pages: number, flush: boolean): OpReport {
    this.arch.cpa.setDirectMapNoflush(cpu, pfn, pages, false);
    if (flush) this.arch.tlb.flushTlbKernelRange(cpu, this.addressOf(pfn), this.addressOf(pfn + pages));
    return ok();
  }

  restoreDefault(cpu: CpuId, pfn: Pfn, pages: number, flush: boolean): OpReport {
    this.arch.cpa.setDirectMapNoflush(cpu, pfn, pages, true);
    if (flush) this.arch.tlb.flushTlbKernelRange(cpu, this.addressOf(pfn), this.addressOf(pfn + pages));
    return ok();
  }
}

/** The read side is linux-mm's; reading a leaf back and the direct map are x86's. */
export class X86PmapTable extends LinuxPmapTable {
  constructor(lm: LinuxMm, arch: X86LinuxArch, machine: Machine) {
    super(lm, machine, { spaceOf: (mm) => arch.pgtable.lookupSpace(mm), leafProt }, new X86DirectMap(arch));
  }
}
