// The Pmap contract for linux-x86: Linux has no pmap layer of its own (the mm drives page tables through
// the arch hooks), so this is the read side the engine's `entry`, `direct-map` and `cached` checks use,
// plus the direct-map attribute changes (set_memory_* / set_direct_map_*) on frames. Logical operations
// go through the VmMap (linux-mm); the FreeBSD-only pmap calls are `unsupported`.
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
import { PTE_EXEC, PTE_PRESENT, PTE_WRITE, type LinuxMm } from '@shootdown/linux-mm';
import type { Machine } from '@shootdown/mmu';
import { HW_GLOBAL, HW_KEY_SHIFT, HW_USER, HW_WRITABLE, HW_XKERNEL, HW_XUSER } from '../arch/entry.js';
import type { X86LinuxArch } from '../arch/x86-arch.js';

const LEVEL_PAGES = [0, 1, 512, 512 * 512, 512 * 512 * 512];

class X86Pmap implements Pmap {
  constructor(
    readonly pid: Pid,
    readonly space: number,
    private readonly machine: Machine,
  ) {}

  lookup(va: Va): EntryInfo | undefined {
    const look = this.machine.lookup(this.space, va);
    if (!look.present) return undefined;
    const f = look.flags;
    let prot = 1;
    if ((f & HW_WRITABLE) !== 0) prot |= 2;
    if ((f & (HW_XUSER | HW_XKERNEL)) !== 0) prot |= 4;
    return {
      present: true,
      pfn: look.pfn,
      prot,
      user: (f & HW_USER) !== 0,
      global: (f & HW_GLOBAL) !== 0,
      key: (f >>> HW_KEY_SHIFT) & 0xf,
      pages: LEVEL_PAGES[look.level] ?? 1,
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

export class X86PmapTable implements PmapTable {
  readonly kernel: Pmap;
  readonly directMap: DirectMap;

  constructor(
    private readonly lm: LinuxMm,
    private readonly arch: X86LinuxArch,
    private readonly machine: Machine,
  ) {
    this.kernel = new X86Pmap(0, machine.kernelSpace, machine);
    this.directMap = new X86DirectMap(arch);
  }

  of(pid: Pid): Pmap | undefined {
    if (pid === 0) return this.kernel;
    const mm = this.lm.mms.get(pid);
    if (mm === undefined || mm.dead) return undefined;
    return new X86Pmap(pid, this.arch.pgtable.spaceOf(mm), this.machine);
  }
}
