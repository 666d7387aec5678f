/**
 * core's KernelMemory over vmalloc: kalloc = __vmalloc_node_range (VM_FLUSH_RESET_PERMS for
 * `reset-perms`), kprotect = set_memory_* on the vmalloc alias or set_direct_map_* on the frames'
 * linear-map alias, kfree = the selected vfree variant, drain = the lazy purge worker.
 */
import {
  errno,
  ok,
  withIgnored,
  type CpuId,
  type KallocFlag,
  type KallocHints,
  type KallocReport,
  type KernelAlias,
  type KernelMemory,
  type OpReport,
  type Pfn,
  type Prot,
  type Va,
} from '@shootdown/core';
import {
  PAGE_SIZE,
  PROT_EXEC,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  VM_FLUSH_RESET_PERMS,
  VM_NO_GUARD,
} from './constants.js';
import type { LinuxMm } from './linux-mm.js';
import { PTE_EXEC, PTE_PRESENT, PTE_WRITE } from './pte.js';
import type { VmStruct } from './vmalloc.js';

/** set/clear PTE bits for a protection: set_memory_rw/ro, _x/_nx, and _np for none. */
export function protBits(prot: Prot): { set: number; clear: number } {
  if (prot === PROT_NONE) return { set: 0, clear: PTE_PRESENT };
  const set = PTE_PRESENT | (prot & PROT_WRITE ? PTE_WRITE : 0) | (prot & PROT_EXEC ? PTE_EXEC : 0);
  return { set, clear: (PTE_WRITE | PTE_EXEC) & ~set };
}

export class LinuxKernelMemory implements KernelMemory {
  constructor(private readonly lm: LinuxMm) {}

  allocate(
    cpu: CpuId,
    pages: number,
    flags: readonly KallocFlag[],
    reuse?: readonly Pfn[],
    hints?: KallocHints,
  ): KallocReport {
    if (pages <= 0) return errno('EINVAL');
    let vmFlags = 0;
    if (flags.includes('reset-perms')) vmFlags |= VM_FLUSH_RESET_PERMS;
    if (flags.includes('no-guard')) vmFlags |= VM_NO_GUARD;
    const area = this.lm.vmalloc.vmalloc(cpu, pages, vmFlags, reuse);
    if (!area) return errno(reuse ? 'EBUSY' : 'ENOMEM');
    if (flags.includes('exec')) area.everExec = true;
    const report: KallocReport = { outcome: 'ok', start: area.addr, frames: Array.from(area.pages) };
    const ignored = flags.includes('huge') ? ['huge'] : [];
    // Before 868b104d7379 there was no VM_FLUSH_RESET_PERMS: those variants cannot express the flag.
    const v = this.lm.config.vfree;
    if (flags.includes('reset-perms') && (v === 'vfree-lazy-noreset' || v === 'module-free-pre52'))
      ignored.push('reset-perms');
    // VM_IMMEDIATE_UNMAP existed only in the 2018 arch_vunmap series (seed 000); no merged vfree reads it.
    if (hints?.immediate !== undefined) {
      if (v === 'arch-vunmap-v2') area.immediateUnmap = hints.immediate;
      else ignored.push('immediate');
    }
    return withIgnored(report, ignored);
  }

  private areaOf(start: Va): VmStruct | undefined {
    for (const area of this.lm.vmalloc.areas.values())
      if (start >= area.addr && start < area.addr + area.nrPages * PAGE_SIZE) return area;
    return undefined;
  }

  protect(cpu: CpuId, start: Va, pages: number, prot: Prot, via: KernelAlias, flush: boolean): OpReport {
    const area = this.areaOf(start);
    if (!area) return errno('EINVAL');
    const { set, clear } = protBits(prot);
    const dm = this.lm.arch.directMap;
    if (via === 'own') {
      // set_memory_*(): CPA on the vmalloc alias, which processes the direct-map alias and flushes. The
      // present bit is a call of its own (set_memory_p / set_memory_valid) only when the area is not
      // present: `rx` on a mapped area is set_memory_rox(), which include/linux/set_memory.h makes
      // set_memory_ro() then set_memory_x() — two changes, each with its flush (arm64 pageattr.c
      // change_memory_common), never a third for the present bit alone (issue 10 defect 6).
      dm.setMemory(cpu, start, pages, set & ~(area.prot & PTE_PRESENT), clear);
      area.prot = (area.prot | set) & ~clear;
      if (area.prot & PTE_EXEC) area.everExec = true;
      return flush ? ok() : { outcome: 'ok', ignored: ['flush'] };
    }
    const first = (start - area.addr) / PAGE_SIZE;
    let ignored: string[] = [];
    for (let i = first; i < first + pages && i < area.nrPages; i++) {
      const pfn = area.pages[i];
      if (!flush && prot === PROT_NONE) dm.setDirectMapInvalidNoflush(cpu, pfn);
      else if (!flush && prot === (PROT_READ | PROT_WRITE)) dm.setDirectMapDefaultNoflush(cpu, pfn);
      else {
        // Only set_memory_* can express other protections; it always flushes.
        if (!flush) ignored = ['flush'];
        dm.setMemory(cpu, this.lm.pageAddress(pfn), 1, set, clear);
      }
    }
    return ignored.length ? { outcome: 'ok', ignored } : ok();
  }

  free(cpu: CpuId, start: Va): OpReport {
    return this.lm.vmalloc.vfree(cpu, start) ? ok() : errno('EINVAL');
  }

  drain(cpu: CpuId): OpReport {
    this.lm.vmalloc.drain(cpu);
    return ok();
  }
}
