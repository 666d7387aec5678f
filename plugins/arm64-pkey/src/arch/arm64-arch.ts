// The arm64 LinuxArch: everything linux-mm asks of the architecture, assembled on one machine. The kpkeys
// allocator is built in attach(), when LinuxMm's buddy exists and before the first page table is allocated —
// the place kpkeys_hardened_pgtables_init() has in mem_init().
import type { ArrayLease, Machine } from '@shootdown/mmu';
import type { FrameBook } from '@shootdown/core';
import {
  GFP_PGTABLE,
  GFP_TABLE_BACKING,
  type KernelLayout,
  type LinuxArch,
  type LinuxMm,
} from '@shootdown/linux-mm';
import { Kpkeys } from '../kpkeys.js';
import type { LinearMap } from '../linear-map.js';
import { FreetypePtpAllocator } from '../ptp/freetype.js';
import type { BuddyPort, CounterPort } from '../ptp/types.js';
import { Arm64DirectMap } from './direct-map.js';
import { Arm64Pgtable } from './pgtable.js';
import { Arm64Pkeys } from './pkeys.js';
import { Arm64Tlb, type MachineTlbiPort } from './tlb.js';

/** arm64 has no mm-local mermap region; the window sits in an unused corner of the kernel half. */
const MERMAP_BASE = 0xfd0000000000;

export class Arm64Arch implements LinuxArch {
  readonly name = 'arm64';
  readonly nrCpus: number;
  readonly layout: KernelLayout;
  readonly pgtable: Arm64Pgtable;
  readonly tlb: Arm64Tlb;
  readonly directMap: Arm64DirectMap;
  readonly pkeys: Arm64Pkeys;
  /** The mm's per-frame arrays come from the machine's lease (recycled with the machine's own). */
  readonly lease: ArrayLease;
  private kp: Kpkeys | null = null;

  constructor(
    readonly machine: Machine,
    readonly linearMap: LinearMap,
    private readonly variant: string,
    private readonly book: FrameBook,
    private readonly counters: CounterPort,
    readonly port: MachineTlbiPort,
    bootFrame: () => number,
  ) {
    this.nrCpus = machine.cpus;
    this.lease = machine.lease;
    const l = machine.arch.layout;
    this.layout = {
      directMapBase: l.directMapBase,
      vmallocStart: l.vmallocBase,
      vmallocEnd: l.vmallocEnd,
      mermapBase: MERMAP_BASE,
      mermapWindowPages: 16,
    };
    this.pgtable = new Arm64Pgtable(machine, bootFrame, machine.params.asidBits);
    this.tlb = new Arm64Tlb(
      machine,
      this.port,
      (mm) => this.pgtable.asidOf(mm),
      (mm) => this.pgtable.spaceOf(mm),
    );
    this.directMap = new Arm64DirectMap(machine, linearMap, this.port);
    this.pkeys = new Arm64Pkeys(machine);
  }

  get kpkeys(): Kpkeys {
    if (this.kp === null) throw new Error('arm64-pkey: kpkeys used before mem_init');
    return this.kp;
  }

  /** mem_init(): the buddy exists; kpkeys_hardened_pgtables_init() sets up the allocator and flips the key. */
  attach(lm: LinuxMm): void {
    const allocator = lm.allocator;
    const original = allocator.buddyAllocPages.bind(allocator);
    const buddy: BuddyPort = {
      allocPages: (order) => original(this.linearMap.cpu, order, GFP_TABLE_BACKING),
      freePages: (pfn, order) => allocator.freePages(this.linearMap.cpu, pfn, order),
      isFree: (pfn) => allocator.zone.isFree(pfn),
      takeFrame: (pfn) => allocator.allocSpecific([pfn], 0),
      freesIn: (pfn) => allocator.zone.freesIn(pfn),
    };
    const kp = new Kpkeys(this.variant, this.machine, this.linearMap, buddy, this.book, this.counters);
    this.kp = kp;
    const ft = kp.ptp;
    if (ft instanceof FreetypePtpAllocator) {
      // Design C puts the pageblock's key into the page allocator's choice: every allocation that is not a page
      // table goes through it (linux-mm's allocHook, the allocator's entry point; `fresh` is not honoured).
      // Named before it is stored: a function literal assigned straight to a property is allocated by V8 in
      // the old generation and would keep this run alive across scavenges (eslint.config.js).
      const keyedAllocPages: NonNullable<typeof allocator.allocHook> = (cpu, order, gfp) => {
        if (gfp & GFP_PGTABLE) return original(cpu, order, gfp);
        this.linearMap.cpu = cpu;
        return ft.allocData(order, (o) => original(cpu, o, gfp));
      };
      allocator.allocHook = keyedAllocPages;
    }
    this.pgtable.attach(kp);
    kp.init();
  }
}
