// The x86 page-table hooks (PgtableArch): pgd_alloc / pte_alloc_one / pte_free and set_pte_at & co as
// stores into the simulated MMU. x86-64 shares the kernel half of every PGD (pgd_alloc copies the kernel
// PGD entries, arch/x86/mm/pgtable.c pgd_ctor); the MMU models that by sending every kernel-half address
// to the kernel root, so a user pgd only needs its own space.
import { pteFlags, pteHwFlags, storeEntry, type MmStruct, type PgtableArch } from '@shootdown/linux-mm';
import type { MachineTables } from './machine.js';

/** `X86Pgtable.lastMm` when no mm was asked for yet. */
const NO_MM = {};

/** Where page-table frames come from once the buddy allocator exists (pagetable_alloc / pagetable_free). */
export interface PgtableFrames {
  alloc(): number;
  free(pfn: number): void;
}

export class X86Pgtable implements PgtableArch {
  /** mm → MMU space (by object: exec gives the new mm the old one's id). */
  private readonly spaces = new WeakMap<MmStruct, number>();
  /** Next PCID tag handed to a new space (each space keeps its own, like a never-reused ctx_id). */
  private nextTag = 1;
  private frames: PgtableFrames | null = null;
  /**
   * The mm `spaceOf` answered last and its space: every PTE store asks, mostly for one mm in a row. An object
   * even when there is none (NO_MM), so the comparison only ever sees objects — one that had seen only mms was
   * optimised for them, and meeting null threw that code away.
   */
  private lastMm: object = NO_MM;
  private lastSpace = -1;

  constructor(
    private readonly machine: MachineTables,
    /** Boot-time frames (memblock): swapper_pg_dir and the tables of the direct map. */
    private readonly bootFrame: () => number,
    private readonly count: (name: string, n?: number) => void,
    private readonly asidBits: number,
    /** Tell the TLB code which MMU space a root frame belongs to (CR3 loads name roots). */
    private readonly noteRoot: (root: number, space: number) => void,
  ) {}

  /** The buddy allocator becomes available after LinuxMm is built (late binding, like mm_init). */
  attachFrames(frames: PgtableFrames): void {
    this.frames = frames;
  }

  /** The MMU space of `mm`'s tables, or undefined when it has none (its pgd_alloc() failed). */
  lookupSpace(mm: MmStruct): number | undefined {
    return this.spaces.get(mm);
  }

  spaceOf(mm: MmStruct): number {
    if (mm === this.lastMm) return this.lastSpace;
    const s = this.spaces.get(mm);
    if (s === undefined) throw new Error(`mm ${mm.id} has no address space`);
    this.lastMm = mm;
    this.lastSpace = s;
    return s;
  }

  pgdAlloc(mm: MmStruct): number {
    if (mm.id === 0) {
      // init_mm: swapper_pg_dir is static; the MMU's kernel half is its upper entries.
      const root = this.bootFrame(); // swapper_pg_dir
      const space = this.machine.createKernelSpace(root);
      this.spaces.set(mm, space);
      this.lastMm = NO_MM;
      this.noteRoot(root, space);
      return root;
    }
    const root = this.allocFrame();
    if (root < 0) return -1;
    // The space's own tag only matters before the first CR3 load; PCIDs are chosen per CPU by switch_mm.
    const tags = 2 ** this.asidBits - 1;
    const space = this.machine.createSpace(1 + ((this.nextTag++ - 1) % tags), root);
    this.spaces.set(mm, space);
    this.lastMm = NO_MM;
    this.noteRoot(root, space);
    return root;
  }

  pgdFree(mm: MmStruct, pgd: number): void {
    const space = this.spaces.get(mm);
    if (space !== undefined) this.machine.retireSpace(space);
    this.spaces.delete(mm);
    this.lastMm = NO_MM;
    this.frames?.free(pgd);
  }

  pgtableAlloc(_mm: MmStruct, _level: number, _addr: number): number {
    const pfn = this.allocFrame();
    if (pfn >= 0) this.count('ptalloc');
    return pfn;
  }

  pgtableFree(_mm: MmStruct, _level: number, table: number): void {
    this.count('ptfree');
    this.frames?.free(table);
  }

  /** set_pte_at / pte_clear / pmd_populate / pmd_clear …: one plain store (linux-mm storeEntry). */
  setEntry(
    _cpu: number,
    mm: MmStruct,
    level: number,
    _table: number,
    _index: number,
    addr: number,
    entry: number,
  ): void {
    storeEntry(this.machine, this.spaceOf(mm), level, addr, entry, pteHwFlags(pteFlags(entry)));
  }

  private allocFrame(): number {
    return this.frames === null ? this.bootFrame() : this.frames.alloc();
  }
}
