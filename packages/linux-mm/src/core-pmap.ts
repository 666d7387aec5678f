/**
 * core's Pmap contract for a Linux kernel. Linux has no pmap layer of its own (the generic mm drives page
 * tables through the arch hooks), so a Linux Pmap is the read side the engine's `entry`, `direct-map`,
 * `cached` and `pagetable-of` questions use, plus the arch's DirectMap (set_memory_* / set_direct_map_* on
 * frames' linear alias). Logical operations go through the VmMap (core-vm-map.ts); the FreeBSD pmap calls
 * (pmap_enter, pmap_remove, pmap_protect, pmap_pkru_*, …) have no Linux counterpart and are `unsupported`.
 */
import {
  PmapWithoutKeyRanges,
  unsupported,
  type DirectMap,
  type EntryInfo,
  type OpReport,
  type Pid,
  type Pmap,
  type PmapTable,
  type Prot,
  type Va,
} from '@shootdown/core';
import { KERNEL_HALF, Pte, type Machine } from '@shootdown/mmu';
import type { LinuxMm } from './linux-mm.js';
import type { MmStruct } from './mm.js';

/** 4 KiB pages a leaf covers, by MMU level (1 = PTE, 2 = PMD, 3 = PUD, 4 = PGD); both arches use 4 KiB granules. */
const LEVEL_PAGES = [0, 1, 512, 512 * 512, 512 * 512 * 512];

/** What the read side asks of an arch: where an mm's tables live on the MMU, and how to read a leaf back. */
export interface PmapArch {
  /** The MMU space holding `mm`'s page tables; undefined when its pgd_alloc() failed (no tables at all). */
  spaceOf(mm: MmStruct): number | undefined;
  /** PROT_* bits a hardware leaf grants (the arch decides which execute bit counts for whom). */
  leafProt(flags: number): Prot;
}

/**
 * The key of the entry that maps `va` now for the thread on `cpu` (x86 PKEY and arm64 POIndex share the
 * MMU's key field): what an access report names next to the frame it reached. 0 when nothing maps it.
 */
export function currentEntryKey(machine: Machine, cpu: number, va: Va): number {
  const space = va >= KERNEL_HALF ? machine.kernelSpace : machine.currentSpace(cpu);
  if (space < 0) return 0;
  const look = machine.lookup(space, va);
  return look.present ? (look.flags & Pte.KEY_MASK) >>> Pte.KEY_SHIFT : 0;
}

/** The read side of a Linux mm's page tables; keys live in VMAs, so the FreeBSD-only calls are unsupported. */
export class LinuxPmap extends PmapWithoutKeyRanges {
  constructor(
    readonly pid: Pid,
    readonly space: number,
    private readonly machine: Machine,
    private readonly arch: PmapArch,
  ) {
    super();
  }

  lookup(va: Va): EntryInfo | undefined {
    const look = this.machine.lookup(this.space, va);
    if (!look.present) return undefined;
    const f = look.flags;
    return {
      present: true,
      pfn: look.pfn,
      prot: this.arch.leafProt(f),
      user: (f & Pte.USER) !== 0,
      global: (f & Pte.GLOBAL) !== 0,
      // The MMU keeps x86's PKEY and arm64's POIndex in the same field.
      key: (f & Pte.KEY_MASK) >>> Pte.KEY_SHIFT,
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
  keyFor(): number {
    return 0;
  }
  activate(): OpReport {
    return unsupported();
  }
}

/** pid 0 is the kernel (init_mm); a live process's Pmap reads its mm's space; a dead mm has none. */
export class LinuxPmapTable implements PmapTable {
  readonly kernel: Pmap;

  constructor(
    private readonly lm: LinuxMm,
    private readonly machine: Machine,
    private readonly arch: PmapArch,
    readonly directMap: DirectMap,
  ) {
    this.kernel = new LinuxPmap(0, machine.kernelSpace, machine, arch);
  }

  of(pid: Pid): Pmap | undefined {
    if (pid === 0) return this.kernel;
    const mm = this.lm.mms.get(pid);
    if (mm === undefined || mm.dead) return undefined;
    // An mm whose pgd_alloc() failed (-ENOMEM: e.g. arm64 per-page keying recursing on a block-mapped
    // linear map) has no page tables, so there is no pmap to read.
    const space = this.arch.spaceOf(mm);
    return space === undefined ? undefined : new LinuxPmap(pid, space, this.machine, this.arch);
  }
}
