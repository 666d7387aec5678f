// The arm64 page-table hooks (PgtableArch): pgd_alloc with an ASID per mm, pagetable_alloc / pagetable_free
// through the kpkeys allocator of the selected variant, and set_pte() & co as stores into the MMU. The kernel
// half has its own root (TTBR1: swapper_pg_dir), so a user pgd holds only user entries.
import type { Machine } from '@shootdown/mmu';
import { pteFlags, storeEntry, type MmStruct, type PgtableArch } from '@shootdown/linux-mm';
import type { Kpkeys } from '../kpkeys.js';
import { GFP_ZERO } from '../ptp/types.js';
import { hwLeafFlags } from './entry.js';

export class Arm64Pgtable implements PgtableArch {
  /**
   * mm → MMU space. Keyed by the mm itself, not its id: exec gives the task a new mm under the same pid
   * while the old one is still being torn down (fs/exec.c exec_mmap → mmput), and both must keep their
   * own tables until then.
   */
  private readonly spaces = new WeakMap<MmStruct, number>();
  /**
   * The next ASID handed out. arch/arm64/mm/context.c new_context() gives every new mm a free ASID from
   * asid_map; an exec'd mm's old ASID stays reserved until the next rollover, so the new mm never
   * inherits it (a scenario's few mms never reach a rollover).
   */
  private nextAsid = 1;
  private kpkeys: Kpkeys | null = null;

  constructor(
    private readonly machine: Machine,
    /** Boot-time frames (memblock / the early page-table allocator). */
    private readonly bootFrame: () => number,
    private readonly asidBits: number,
  ) {}

  /** Once LinuxMm and its buddy exist, tables come from the kpkeys allocator (mm_init order). */
  attach(kpkeys: Kpkeys): void {
    this.kpkeys = kpkeys;
  }

  /** The MMU space of `mm`'s tables, or undefined when it has none (its pgd_alloc() failed). */
  lookupSpace(mm: MmStruct): number | undefined {
    return this.spaces.get(mm);
  }

  spaceOf(mm: MmStruct): number {
    const s = this.spaces.get(mm);
    if (s === undefined) throw new Error(`mm ${mm.id} has no address space`);
    return s;
  }

  asidOf(mm: MmStruct): number {
    return this.machine.asidOf(this.spaceOf(mm));
  }

  pgdAlloc(mm: MmStruct): number {
    if (mm.id === 0) {
      // init_mm: swapper_pg_dir is the kernel root the boot code already installed (TTBR1).
      this.spaces.set(mm, this.machine.kernelSpace);
      return this.machine.rootOf(this.machine.kernelSpace);
    }
    const root = this.allocFrame();
    if (root < 0) return -1;
    const tags = 2 ** this.asidBits - 1;
    this.spaces.set(mm, this.machine.createSpace(1 + ((this.nextAsid++ - 1) % tags), root));
    return root;
  }

  pgdFree(mm: MmStruct, pgd: number): void {
    const space = this.spaces.get(mm);
    if (space !== undefined) this.machine.retireSpace(space);
    this.spaces.delete(mm);
    this.freeFrame(pgd);
  }

  pgtableAlloc(_mm: MmStruct, _level: number, _addr: number): number {
    const pfn = this.allocFrame();
    if (pfn >= 0) this.machine.count('ptalloc');
    return pfn;
  }

  pgtableFree(_mm: MmStruct, _level: number, table: number): void {
    this.machine.count('ptfree');
    this.freeFrame(table);
  }

  /** set_pte() / pmd_populate() / pte_clear() …: one store (under kpkeys, from the page-table context). */
  setEntry(
    _cpu: number,
    mm: MmStruct,
    level: number,
    _table: number,
    _index: number,
    addr: number,
    entry: number,
  ): void {
    storeEntry(this.machine, this.spaceOf(mm), level, addr, entry, hwLeafFlags(pteFlags(entry)));
  }

  private allocFrame(): number {
    return this.kpkeys === null ? this.bootFrame() : this.kpkeys.allocPtp(GFP_ZERO);
  }

  private freeFrame(pfn: number): void {
    if (this.kpkeys !== null) this.kpkeys.freePtp(pfn);
  }
}
