/**
 * LinuxMm: the assembled arch-independent mm of one simulated machine — page allocator, page-table
 * store, per-CPU lazy-TLB state, init_mm, the processes' mms and tasks, the mermap, vmalloc, the
 * page cache of shared mappings and the swap slots. A Linux policy builds one per run from its arch
 * hooks and selected variants; the operations live in their own files (mmap.ts, fault.ts, …).
 */
import type { PhaseHook } from '@shootdown/core';
import type { LinuxArch } from './arch.js';
import { CpuTlbState } from './cpu-state.js';
import type { FrameSink } from './frame-events.js';
import { NULL_FRAME_SINK } from './frame-events.js';
import { checkLinuxMmConfig, type LinuxMmConfig } from './linux-mm-config.js';
import { Mermap } from './mermap.js';
import { MmStruct } from './mm.js';
import { MmuGather, type GatherSink } from './mmu-gather.js';
import { LinuxPageAllocator } from './page-alloc.js';
import { PgtableStore } from './pgtable.js';
import { Task } from './task.js';
import type { VmArea } from './vma.js';
import { Vmalloc } from './vmalloc.js';
import { LinuxVmMapTable } from './core-vm-map.js';
import { LinuxPageAllocatorContract } from './core-page-allocator.js';
import { LinuxKernelMemory } from './core-kernel-memory.js';
import { LinuxGatherFactory } from './core-gather.js';
import { LinuxProcesses } from './linux-processes.js';

/** A device or file object several VMAs may map (i_mmap), with its frames per page offset. */
export class AddressSpace {
  /** VMAs currently linked into i_mmap (unlink_file_vma removes them in free_pgtables). */
  readonly vmas = new Set<VmArea>();
  /** Page cache / device frames by pgoff; -1 = not present yet. For a PFN mapping pgoff is the pfn. */
  readonly frames: Int32Array;

  constructor(
    readonly id: number,
    pages: number,
    /** A VM_PFNMAP device range: `firstPfn` .. + pages, owned by the driver. */
    readonly pfnmap: boolean,
    readonly firstPfn: number,
  ) {
    this.frames = new Int32Array(pfnmap ? 0 : pages).fill(-1);
  }

  /** The driver's frames of a PFN mapping, in page order. */
  pfns: number[] = [];
  /** Set once unmap_mapping_range revoked the PFNs and the driver took them back. */
  revoked = false;
}

export class LinuxMm implements GatherSink {
  readonly pgtables: PgtableStore;
  readonly cpus: CpuTlbState;
  readonly allocator: LinuxPageAllocator;
  readonly mermap: Mermap;
  readonly vmalloc: Vmalloc;
  /** init_mm: kernel page tables (vmalloc) and the mermap region of kernel threads. */
  readonly initMm: MmStruct;
  /** Processes by pid. */
  readonly mms = new Map<number, MmStruct>();
  /** The task running on each CPU (null: kernel thread or idle). */
  readonly current: (Task | null)[];
  /** Per-process thread registers when not running (pid → register of its main thread). */
  readonly threads = new Map<number, Task>();
  /** File/device objects by id (anonymous memory has id 0 and no entry). */
  readonly mappings = new Map<number, AddressSpace>();
  /** Which object each user range was created for (pid → [start, end, mapping id] triples). */
  readonly mappingRanges = new Map<number, number[]>();
  /** Swap slots in use (slot numbers are never reused: swap content is not modelled). */
  swapSlots = 0;
  swapUsed = 0;
  private nextPid = 1;
  private nextMapping = 1;

  constructor(
    readonly arch: LinuxArch,
    readonly config: LinuxMmConfig,
    readonly frames: FrameSink = NULL_FRAME_SINK,
    readonly phases: PhaseHook | null = null,
  ) {
    checkLinuxMmConfig(config);
    this.pgtables = new PgtableStore(arch);
    this.cpus = new CpuTlbState(arch.nrCpus);
    this.current = new Array<Task | null>(arch.nrCpus).fill(null);
    this.allocator = new LinuxPageAllocator(
      arch,
      frames,
      config.unmappedAlloc,
      config.nrFrames,
      config.reservedFrames,
    );
    this.allocator.mermapFreeNoflush = config.mermapFreeNoflush;
    arch.attach?.(this);
    this.initMm = new MmStruct(0, arch.nrCpus);
    this.pgtables.pgdAlloc(this.initMm);
    this.mermap = new Mermap(arch, this.pgtables, frames, config.mermapGlobal, config.nrFrames);
    this.allocator.useMermap(this.mermap, this);
    this.vmalloc = new Vmalloc(this);
    this.vmMaps = new LinuxVmMapTable(this);
    this.pageAllocator = new LinuxPageAllocatorContract(this.allocator);
    this.kernelMemory = new LinuxKernelMemory(this);
    this.gathers = new LinuxGatherFactory(this);
    this.processes = new LinuxProcesses(this);
  }

  /** core's VmMapTable (register under Tokens.VmMap). */
  readonly vmMaps: LinuxVmMapTable;
  /** core's PageAllocator (Tokens.PageAllocator). */
  readonly pageAllocator: LinuxPageAllocatorContract;
  /** core's KernelMemory (Tokens.KernelMemory). */
  readonly kernelMemory: LinuxKernelMemory;
  /** core's MmuGatherFactory (Tokens.MmuGather). */
  readonly gathers: LinuxGatherFactory;
  /** The process half of core's Kernel (delegate to it from your Kernel). */
  readonly processes: LinuxProcesses;

  /** mm_alloc() + pgd_alloc(): an empty address space for `pid`. */
  mmAlloc(pid: number): MmStruct {
    const mm = new MmStruct(pid, this.arch.nrCpus);
    this.pgtables.pgdAlloc(mm);
    this.mms.set(pid, mm);
    return mm;
  }

  /** Remember which object [start, end) of process `pid` was created for (revoke finds it by address). */
  recordRange(pid: number, start: number, end: number, mapping: number): void {
    if (mapping === 0) return;
    let list = this.mappingRanges.get(pid);
    if (!list) this.mappingRanges.set(pid, (list = []));
    list.push(start, end, mapping);
  }

  /** The object a user address of `pid` was mapped from (the latest mapping covering it), or 0. */
  mappingAt(pid: number, addr: number): number {
    const list = this.mappingRanges.get(pid);
    if (!list) return 0;
    for (let i = list.length - 3; i >= 0; i -= 3)
      if (list[i] <= addr && addr < list[i + 1]) return list[i + 2];
    return 0;
  }

  allocPid(): number {
    return this.nextPid++;
  }

  newMapping(pages: number, pfnmap: boolean, firstPfn: number): AddressSpace {
    const as = new AddressSpace(this.nextMapping++, pages, pfnmap, firstPfn);
    this.mappings.set(as.id, as);
    return as;
  }

  /**
   * A gather bound to this machine's arch and variants. Internal paths take one from a pool (a
   * munmap is frequent; nested gathers each get their own idle one); pass `pooled = false` for a
   * gather an outside caller keeps.
   */
  newGather(pooled = true): MmuGather {
    if (pooled) {
      for (const g of this.gatherPool) if (!g.active) return g;
      const g = new MmuGather(this.arch, this, this.config.gather);
      this.gatherPool.push(g);
      return g;
    }
    return new MmuGather(this.arch, this, this.config.gather);
  }

  private readonly gatherPool: MmuGather[] = [];

  /** GatherSink: put_page() of a zapped page once the flush covering it is done. */
  releasePage(cpu: number, pfn: number): void {
    this.allocator.putPage(cpu, pfn);
  }

  /** GatherSink: __tlb_remove_table(): the page-table page goes back to the arch allocator. */
  releaseTable(mm: MmStruct, level: number, table: number): void {
    this.pgtables.forget(mm, table);
    this.arch.pgtable.pgtableFree(mm, level, table);
  }

  /** The task on `cpu`, or null. */
  task(cpu: number): Task | null {
    return this.current[cpu] ?? null;
  }

  /** The mm whose mm-local region the mermap uses on `cpu` (MermapMms): the running task's, else init_mm. */
  mermapMm(cpu: number): MmStruct {
    return this.current[cpu]?.mm ?? this.initMm;
  }

  /** pfn → direct-map virtual address (page_address()). */
  pageAddress(pfn: number): number {
    return this.arch.layout.directMapBase + pfn * 4096;
  }

  /** A process's main thread. */
  newTask(pid: number, mm: MmStruct, register: number): Task {
    const t = new Task(pid, mm, register);
    this.threads.set(pid, t);
    return t;
  }

  /** clone(CLONE_VM): another thread of `main`'s process, sharing the mm, copying the register. */
  newTaskThread(main: Task): Task {
    main.mm.users++;
    return new Task(main.pid, main.mm, main.pkeyRegister);
  }
}
