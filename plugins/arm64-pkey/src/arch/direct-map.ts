// The arm64 direct-map hooks for linux-mm (DirectMapArch): set_direct_map_*_noflush() and set_memory_*() as
// arch/arm64/mm/pageattr.c does them — change_memory_common() rewrites the PTEs of the range (splitting the
// linear map first where it is block-mapped, split_kernel_leaf_mapping()) and then flush_tlb_kernel_range();
// with rodata=full, a read-only change of a vmalloc range is applied to each page's linear alias too.
import { Pte, type Machine } from '@shootdown/mmu';
import { PTE_EXEC, PTE_PRESENT, PTE_WRITE, setMemorySteps, type DirectMapArch } from '@shootdown/linux-mm';
import type { LinearMap } from '../linear-map.js';
import { flushTlbKernelRange, type TlbiPort } from '../tlbflush.js';

/** Software PTE bits of a set_memory_* request → MMU flag bits (kernel pages: PTE_EXEC is PXN clear). */
function hwBits(sw: number): number {
  let f = 0;
  if (sw & PTE_PRESENT) f |= Pte.PRESENT;
  if (sw & PTE_WRITE) f |= Pte.WRITABLE;
  if (sw & PTE_EXEC) f |= Pte.XKERNEL;
  return f;
}

export class Arm64DirectMap implements DirectMapArch {
  constructor(
    private readonly machine: Machine,
    private readonly linearMap: LinearMap,
    private readonly port: TlbiPort,
  ) {}

  canSetDirectMap(): boolean {
    return true;
  }

  setDirectMapInvalidNoflush(cpu: number, pfn: number): void {
    this.linearMap.cpu = cpu;
    this.linearMap.updatePtes(pfn, 1, 0, Pte.PRESENT);
  }

  setDirectMapDefaultNoflush(cpu: number, pfn: number): void {
    this.linearMap.cpu = cpu;
    this.linearMap.updatePtes(pfn, 1, Pte.PRESENT | Pte.WRITABLE, Pte.XKERNEL);
  }

  setDirectMapValidNoflush(cpu: number, pfn: number, nr: number, valid: boolean): void {
    this.linearMap.cpu = cpu;
    this.linearMap.updatePtes(pfn, nr, valid ? Pte.PRESENT : 0, valid ? 0 : Pte.PRESENT);
  }

  /** set_memory_* with its attributes in the kernel's order (linux-mm setMemorySteps): one
   *  change_memory_common() — with its own flush — per attribute, restrictive first, so a kprotect rx
   *  never leaves a writable entry cached while the new one is executable (set_memory_rox). */
  setMemory(cpu: number, addr: number, numpages: number, set: number, clear: number): void {
    for (const [s, c] of setMemorySteps(set, clear)) this.changeMemoryCommon(cpu, addr, numpages, s, c);
  }

  /** change_memory_common(addr, numpages, set_mask, clear_mask) (arch/arm64/mm/pageattr.c). */
  private changeMemoryCommon(cpu: number, addr: number, numpages: number, set: number, clear: number): void {
    const hs = hwBits(set);
    const hc = hwBits(clear);
    const space = this.machine.kernelSpace;
    const first = this.machine.directMapPfn(addr);
    this.linearMap.cpu = cpu;
    if (first >= 0) {
      this.linearMap.updatePtes(first, numpages, hs, hc);
    } else {
      const rdonlyChange = (hc & Pte.WRITABLE) !== 0 || (hs & Pte.WRITABLE) !== 0;
      for (let i = 0; i < numpages; i++) {
        const va = addr + i * 4096;
        const l = this.machine.lookup(space, va);
        if (!l.present) continue;
        this.machine.setLeaf(space, va, 1, l.pfn, (l.flags | hs) & ~hc);
        // rodata_full: the linear alias follows a read-only change, each page through its own
        // __change_memory_common(), whose flush_tlb_kernel_range() covers that page (pageattr.c
        // change_memory_common()) — without it a stale writable linear entry outlives set_memory_ro.
        if (rdonlyChange && this.linearMap.updatePtes(l.pfn, 1, hs & Pte.WRITABLE, hc & Pte.WRITABLE)) {
          const lva = this.machine.directMapVa(l.pfn);
          flushTlbKernelRange(this.port, cpu, lva, lva + 4096);
        }
      }
    }
    flushTlbKernelRange(this.port, cpu, addr, addr + numpages * 4096);
  }
}
