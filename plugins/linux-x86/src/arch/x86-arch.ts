// The x86-64 LinuxArch: the hooks linux-mm calls, assembled over one simulated machine. Boot builds
// swapper_pg_dir and the direct map from frames below `reservedFrames` (memblock), in the leaf size the
// machine asks for (`directMap.leaf`), each entry PAGE_KERNEL (arch/x86/mm/init_64.c phys_*_init).
import {
  GFP_PGTABLE,
  setMemorySteps,
  type DirectMapArch,
  type KernelLayout,
  type LinuxArch,
  type LinuxMm,
} from '@shootdown/linux-mm';
import {
  ENTRIES_PER_TABLE,
  LEVEL_PAGES,
  LEVEL_SIZE,
  PAGE_SIZE,
  type ArrayLease,
  type Machine,
} from '@shootdown/mmu';
import { X86Cpa, type CpaHooks } from './cpa.js';
import { HW_PAGE_KERNEL } from './entry.js';
import { MachinePort } from './machine-port.js';
import { X86Pgtable } from './pgtable.js';
import { X86Pkeys } from './pkeys.js';
import { X86Tlb } from './tlb.js';
import type { X86Config } from './x86-config.js';

const GIB = 2 ** 30;
const MIB2 = 2 ** 21;
const GIB512 = 2 ** 39;

/**
 * The mm-local region of the RFC (the generalised LDT remap area) holds the mermap windows. The MMU
 * shares its whole kernel half between address spaces and tags it global, so an mm-local kernel region
 * cannot live there; it is placed at the top of the user half, mapped supervisor-only and non-global,
 * which gives it exactly the per-mm, PCID-tagged behaviour the RFC relies on.
 */
export const MERMAP_BASE = 0x7f8000000000;
/**
 * Pages per CPU mermap window: MERMAP_CPU_REGION_SIZE. The RFC's mm/mermap.c sizes each CPU's chunk by it;
 * the mermap.c it grew from defines it as PAGE_SIZE << MAX_PAGECACHE_ORDER, "the size of the maximum folio
 * size" — MAX_PAGECACHE_ORDER = min(MAX_XAS_ORDER, HPAGE_PMD_ORDER) = 9 on x86-64 with THP
 * (include/linux/pagemap.h), so 512 pages. The last page is reserved for mermap_get_reserved().
 */
export const MERMAP_WINDOW_PAGES = 512;

/** Boot page-table frames the direct map needs for `frames` frames with `leaf` leaves, plus the PGD. */
export function bootTableFrames(frames: number, leaf: '4K' | '2M' | '1G'): number {
  const bytes = frames * 4096;
  let n = 1 + Math.ceil(bytes / GIB512);
  if (leaf !== '1G') n += Math.ceil(bytes / GIB);
  if (leaf === '4K') n += Math.ceil(bytes / MIB2);
  return n;
}

/** Frames reserved at boot: the boot tables, and a few for the kernel image and early allocations. */
export function reservedFramesFor(frames: number, leaf: '4K' | '2M' | '1G'): number {
  return bootTableFrames(frames, leaf) + 16;
}

/** set_memory_* with its attributes in the kernel's order (linux-mm setMemorySteps), one CPA each — which
 *  also keeps an NX change from being processed on the direct-map alias ("No alias checking for _NX bit
 *  modifications"). */
function setMemory(cpa: X86Cpa, cpu: number, addr: number, n: number, set: number, clear: number): void {
  for (const [s, c] of setMemorySteps(set, clear)) cpa.changePageAttr(cpu, addr, n, s, c);
}

/**
 * CPA's hooks into the mm and the machine: one class, its methods on the prototype. They were a literal of
 * closures made by each boot, and every run's new ones reached the optimised cpaFlush as call targets never
 * seen ("wrong call target" at `count`).
 */
class X86CpaHooks implements CpaHooks {
  constructor(
    private readonly lm: LinuxMm,
    private readonly machine: Machine,
  ) {}

  vmUnmapAliases(cpu: number): void {
    this.lm.vmalloc.vmUnmapAliases(cpu);
  }

  /** pagetable_alloc: an order-0 page from the buddy, as the page tables' own frames (attach). */
  allocTable(): number {
    return this.lm.allocator.allocPages(0, 0, GFP_PGTABLE);
  }

  count(name: string, n?: number): void {
    this.machine.count(name, n);
  }
}

/**
 * set_direct_map_*_noflush and set_memory_* over CPA (arch/x86/mm/pat/set_memory.c). A class, not an object
 * of arrow functions: the allocator's hot paths call these on every machine, and an optimised caller that
 * inlined one machine's closure was thrown away when the next machine's closure came.
 */
class X86DirectMap implements DirectMapArch {
  constructor(private readonly cpa: X86Cpa) {}
  canSetDirectMap(): boolean {
    return true;
  }
  setDirectMapInvalidNoflush(cpu: number, pfn: number): void {
    this.cpa.setDirectMapNoflush(cpu, pfn, 1, false);
  }
  setDirectMapDefaultNoflush(cpu: number, pfn: number): void {
    this.cpa.setDirectMapNoflush(cpu, pfn, 1, true);
  }
  setDirectMapValidNoflush(cpu: number, pfn: number, nr: number, valid: boolean): void {
    this.cpa.setDirectMapNoflush(cpu, pfn, nr, valid);
  }
  setMemory(cpu: number, addr: number, numpages: number, set: number, clear: number): void {
    setMemory(this.cpa, cpu, addr, numpages, set, clear);
  }
}

export class X86LinuxArch implements LinuxArch {
  readonly name = 'x86_64';
  readonly nrCpus: number;
  readonly layout: KernelLayout;
  readonly pgtable: X86Pgtable;
  readonly tlb: X86Tlb;
  readonly directMap: DirectMapArch;
  readonly pkeys: X86Pkeys;
  /** The mm's per-frame arrays come from the machine's lease (recycled with the machine's own). */
  readonly lease: ArrayLease;
  readonly cpa: X86Cpa;
  readonly port: MachinePort;
  readonly reservedFrames: number;
  private nextBootFrame = 0;
  private booted = false;
  private readonly rootSpace = new Map<number, number>();

  constructor(
    readonly machine: Machine,
    readonly config: X86Config,
  ) {
    const p = machine.params;
    this.nrCpus = machine.cpus;
    this.lease = machine.lease;
    this.reservedFrames = reservedFramesFor(p.frames, p.directMap.leaf);
    const l = machine.arch.layout;
    this.layout = {
      directMapBase: l.directMapBase,
      vmallocStart: l.vmallocBase,
      vmallocEnd: l.vmallocEnd,
      mermapBase: MERMAP_BASE,
      mermapWindowPages: MERMAP_WINDOW_PAGES,
    };
    this.port = new MachinePort(machine, (root) => this.spaceOfRoot(root));
    this.pgtable = new X86Pgtable(
      machine,
      () => this.bootFrame(),
      (n, k) => machine.count(n, k),
      p.asidBits,
      (root, space) => {
        this.rootSpace.set(root, space);
        if (space === machine.kernelSpace && !this.booted) this.bootDirectMap();
      },
    );
    this.tlb = new X86Tlb(this.port, config, () => machine.rootOf(machine.kernelSpace));
    this.cpa = new X86Cpa(
      machine,
      this.tlb,
      {
        directMapBase: l.directMapBase,
        vmallocStart: l.vmallocBase,
        vmallocEnd: l.vmallocEnd,
        nrFrames: p.frames,
      },
      config.ceiling,
      config.cpaFlush,
    );
    this.directMap = new X86DirectMap(this.cpa);
    this.pkeys = new X86Pkeys((cpu, value) => machine.setPkru(cpu, value));
  }

  /**
   * Called by the LinuxMm constructor once its buddy allocator exists and before init_mm's pgd_alloc:
   * page tables come from the buddy from now on (pagetable_alloc), vm_unmap_aliases from its vmalloc.
   */
  attach(lm: LinuxMm): void {
    const frames = {
      alloc: (): number => lm.allocator.allocPages(0, 0, GFP_PGTABLE),
      free: (pfn: number): void => lm.allocator.freePages(0, pfn, 0),
    };
    this.pgtable.attachFrames(frames);
    this.tlb.attach(this, lm.cpus);
    this.cpa.attach(new X86CpaHooks(lm, this.machine));
  }

  spaceOfRoot(root: number): number {
    const s = this.rootSpace.get(root);
    if (s === undefined) throw new Error(`no address space has root frame ${root}`);
    return s;
  }

  private bootFrame(): number {
    if (this.nextBootFrame >= this.reservedFrames) throw new Error('x86 boot: out of reserved frames');
    return this.nextBootFrame++;
  }

  /** kernel_physical_mapping_init(): the direct map of every frame, PAGE_KERNEL, in the machine's leaf size. */
  private bootDirectMap(): void {
    this.booted = true;
    const frames = this.machine.params.frames;
    const leaf = this.machine.params.directMap.leaf;
    const level = leaf === '1G' ? 3 : leaf === '2M' ? 2 : 1;
    const pages = LEVEL_PAGES[level];
    // A partial last block falls back to 4 KiB leaves, as phys_pmd_init does for unaligned ends.
    const whole = Math.floor(frames / pages) * pages;
    this.bootLeaves(0, whole, level);
    this.bootLeaves(whole, frames, 1);
  }

  /**
   * Leaves of `level` for frames [first, end), one page table at a time: the path first, then the table's
   * run of entries in address order (phys_pte_init / phys_pmd_init fill a table in one loop) — the same
   * stores, in the same order, as one ensurePath and setLeaf per leaf.
   */
  private bootLeaves(first: number, end: number, level: 1 | 2 | 3): void {
    const m = this.machine;
    const ks = m.kernelSpace;
    const pages = LEVEL_PAGES[level];
    const alloc = (): number => this.bootFrame();
    for (let pfn = first; pfn < end;) {
      const va = this.layout.directMapBase + pfn * PAGE_SIZE;
      const slot = Math.floor(va / LEVEL_SIZE[level]) % ENTRIES_PER_TABLE;
      const nr = Math.min(ENTRIES_PER_TABLE - slot, (end - pfn) / pages);
      m.ensurePath(ks, va, level, alloc);
      m.setLeaves(ks, va, level, nr, pfn, HW_PAGE_KERNEL);
      pfn += nr * pages;
    }
  }
}
