// The Kernel contract of linux-x86: processes and threads, context switches, keys, and every access
// through the simulated MMU with the x86 fault path (arch/x86/mm/fault.c): user faults go to
// handle_mm_fault and a fault it cannot resolve kills the process (SIGSEGV); kernel faults that
// spurious_kernel_fault() recognises — a write or instruction fetch whose current PTE allows it, i.e. a
// stale, less permissive TLB entry — are retried and counted `spurious` (spec linux.md §2.1 item 4).
import {
  deliverFaultSignal,
  errno,
  ok,
  unsupported,
  type AccessKind,
  type CpuId,
  type Kernel,
  type KeyAllocReport,
  type KeyRights,
  type OpReport,
  type Outcome,
  type Pfn,
  type Pid,
  type ProcessReport,
  type ProcessState,
  type SignalDelivery,
  type StrayContext,
  type UaccessKind,
  type Va,
} from '@shootdown/core';
import {
  createProcess,
  ERRNO_NAMES,
  execTask,
  exitTask,
  forkTask,
  handleMmFault,
  mmPkeyAllocationMap,
  pkeyAlloc,
  pkeyFree,
  runTask,
  setUserPkeyAccess,
  Task,
  currentEntryKey,
  unmapMappingRange,
  userFaultSignal,
  type LinuxMm,
} from '@shootdown/linux-mm';
import { Access, Mode, Outcome as Hw, OUTCOME_NAMES, type Machine } from '@shootdown/mmu';
import type { X86LinuxArch } from '../arch/x86-arch.js';
import { MERMAP_BASE, MERMAP_WINDOW_PAGES } from '../arch/x86-arch.js';
import { allowedOf, disableBitsOf } from './rights.js';

const KIND_CODE = { read: Access.READ, write: Access.WRITE, exec: Access.EXEC } as const;

export class X86Kernel implements Kernel {
  /** Thread per (pid, cpu): the same process on two CPUs is two threads sharing the mm. */
  private readonly threads = new Map<string, Task>();
  private readonly states = new Map<Pid, ProcessState>();

  constructor(
    private readonly lm: LinuxMm,
    private readonly arch: X86LinuxArch,
    private readonly machine: Machine,
    /** The runner's signal disposition (absent: every fault signal is fatal). */
    private readonly signals?: SignalDelivery,
  ) {}

  // ----- processes -----

  createProcess(_cpu: CpuId): ProcessReport {
    const task = createProcess(this.lm);
    this.states.set(task.pid, 'alive');
    return ok({ value: task.pid, pid: task.pid } as Omit<ProcessReport, 'outcome'>) as ProcessReport;
  }

  /** The thread of `pid` on `cpu`: the main thread the first time, else a clone(CLONE_VM) copying its PKRU. */
  private threadOn(cpu: CpuId, pid: Pid): Task | undefined {
    const key = `${pid}:${cpu}`;
    let t = this.threads.get(key);
    const main = this.lm.threads.get(pid);
    if (main === undefined) return undefined;
    if (t === undefined || t.mm !== main.mm) {
      const owned = [...this.threads.values()].some((x) => x === main);
      t = owned ? new Task(pid, main.mm, main.pkeyRegister) : main;
      this.threads.set(key, t);
    }
    return t;
  }

  run(cpu: CpuId, pid: Pid | null): OpReport {
    if (pid === null) {
      runTask(this.lm, cpu, null);
      return ok();
    }
    if (this.states.get(pid) !== 'alive') return errno('ESRCH');
    const t = this.threadOn(cpu, pid);
    if (t === undefined) return errno('ESRCH');
    runTask(this.lm, cpu, t);
    return ok();
  }

  current(cpu: CpuId): Pid | null {
    return this.lm.current[cpu]?.pid ?? null;
  }

  private task(cpu: CpuId): Task | null {
    return this.lm.current[cpu] ?? null;
  }

  setKeyRights(cpu: CpuId, key: number, rights: KeyRights): OpReport {
    const t = this.task(cpu);
    if (t === null) return errno('EPERM');
    if (key < 0 || key >= this.arch.pkeys.nrPkeys) return errno('EINVAL');
    setUserPkeyAccess(this.lm, cpu, t, key, disableBitsOf(rights));
    return ok();
  }

  keyRights(cpu: CpuId, key: number): KeyRights | undefined {
    const t = this.task(cpu);
    if (t === null) return undefined;
    return allowedOf(this.arch.pkeys.rightsOf(t.pkeyRegister, key));
  }

  keyAlloc(cpu: CpuId, rights: KeyRights | null): KeyAllocReport {
    const t = this.task(cpu);
    if (t === null) return errno('EPERM');
    const k = pkeyAlloc(this.lm, cpu, t, 0, rights === null ? 0 : disableBitsOf(rights));
    if (k < 0) return errno(ERRNO_NAMES[-k] ?? `E${-k}`);
    return { outcome: 'ok', key: k, value: k };
  }

  keyFree(cpu: CpuId, key: number): OpReport {
    const t = this.task(cpu);
    if (t === null) return errno('EPERM');
    const r = pkeyFree(this.lm, t.mm, key);
    return r < 0 ? errno(ERRNO_NAMES[-r] ?? `E${-r}`) : ok();
  }

  allocatedKeys(pid: Pid): readonly number[] {
    const mm = this.lm.mms.get(pid);
    if (mm === undefined) return [];
    // The allocation map, execute-only key included (linux-mm mmPkeyAllocationMap).
    return mmPkeyAllocationMap(this.lm, mm);
  }

  window(name: string): { readonly start: Va; readonly end: Va } | undefined {
    if (name !== 'linux.mermap') return undefined;
    // Asked by the mermap invariants at every frame freed: one object for the run, not one per question.
    this.mermapWindow ??= {
      start: MERMAP_BASE,
      end: MERMAP_BASE + this.arch.nrCpus * MERMAP_WINDOW_PAGES * 4096,
    };
    return this.mermapWindow;
  }

  private mermapWindow: { readonly start: Va; readonly end: Va } | undefined;

  fork(cpu: CpuId): ProcessReport {
    const t = this.task(cpu);
    if (t === null) return errno('EPERM');
    const child = forkTask(this.lm, cpu, t);
    this.states.set(child.pid, 'alive');
    return { outcome: 'ok', pid: child.pid, value: child.pid };
  }

  exec(cpu: CpuId): OpReport {
    const t = this.task(cpu);
    if (t === null) return errno('EPERM');
    execTask(this.lm, cpu, t);
    return ok();
  }

  exit(cpu: CpuId): OpReport {
    const t = this.task(cpu);
    if (t === null) return errno('EPERM');
    exitTask(this.lm, cpu, t);
    this.states.set(t.pid, 'exited');
    return ok();
  }

  processState(pid: Pid): ProcessState | undefined {
    return this.states.get(pid);
  }

  // ----- accesses -----

  access(cpu: CpuId, va: Va, kind: AccessKind, user: boolean): OpReport {
    return user ? this.userAccess(cpu, va, kind, Mode.USER) : this.kernelAccess(cpu, va, kind);
  }

  /**
   * do_user_addr_fault(): resolve with handle_mm_fault and retry; a fault it cannot resolve is the
   * process's SIGSEGV. The x86 fault itself dropped the faulting TLB entry (SDM §4.10.4.1), so a retry
   * after a stale, less permissive user entry walks the current tables.
   */
  private userAccess(cpu: CpuId, va: Va, kind: AccessKind, mode: 0 | 2): OpReport {
    const m = this.machine;
    for (let attempt = 0; attempt < 3; attempt++) {
      const o = m.access(cpu, va, KIND_CODE[kind], mode);
      if (o === Hw.OK || o === Hw.OK_STALE) return this.served(o, m, cpu, va);
      const t = this.task(cpu);
      if (t === null) return { outcome: OUTCOME_NAMES[o] as Outcome };
      const r = handleMmFault(this.lm, cpu, t, va, kind);
      if (r !== 'ok') return mode === Mode.USER ? this.userFault(cpu, t, va, r) : { outcome: r };
    }
    return { outcome: 'fault:not-present' };
  }

  /** A kernel access: spurious_kernel_fault() retries write / fetch faults whose PTE allows them. */
  private kernelAccess(cpu: CpuId, va: Va, kind: AccessKind): OpReport {
    const m = this.machine;
    const o = m.access(cpu, va, KIND_CODE[kind], Mode.KERNEL);
    if (o === Hw.OK || o === Hw.OK_STALE) return this.served(o, m, cpu, va);
    if (m.lastFaultSpurious && (kind === 'write' || kind === 'exec') && o !== Hw.FAULT_NOT_PRESENT) {
      m.count('spurious');
      const again = m.access(cpu, va, KIND_CODE[kind], Mode.KERNEL);
      if (again === Hw.OK || again === Hw.OK_STALE) return { outcome: 'spurious', frame: m.lastPfn };
      return { outcome: OUTCOME_NAMES[again] as Outcome };
    }
    return { outcome: OUTCOME_NAMES[o] as Outcome };
  }

  /** The report of a completed access: the frame reached and the key of the entry that maps `va` now. */
  private served(o: number, m: Machine, cpu: CpuId, va: Va): OpReport {
    return {
      outcome: o === Hw.OK_STALE ? 'ok-stale' : 'ok',
      frame: m.lastPfn,
      key: currentEntryKey(m, cpu, va),
    };
  }

  /**
   * A user fault handle_mm_fault could not resolve: the signal do_user_addr_fault forces (SEGV_MAPERR,
   * SEGV_ACCERR, SEGV_PKUERR with si_pkey = vma_pkey(vma)); a handler lets the thread go on, else the
   * default action kills the process. A key fault reports the key si_pkey carries.
   */
  private userFault(cpu: CpuId, t: Task, va: Va, outcome: Outcome): OpReport {
    const signal = userFaultSignal(t, va, outcome);
    if (!deliverFaultSignal(this.signals, cpu, t.pid, signal)) this.states.set(t.pid, 'killed');
    return signal.pkey !== undefined ? { outcome, key: signal.pkey } : { outcome };
  }

  /**
   * The kernel on behalf of the thread on `cpu`: copy_from_user / copy_to_user run with user permissions
   * and PKRU (uaccess honours keys, Documentation/core-api/protection-keys.rst); get_user_pages resolves
   * in software and checks keys only for the current mm (arch_vma_access_permitted, foreign = false);
   * access_remote_vm is foreign, no key check. A failing copy is EFAULT, never a SIGSEGV.
   */
  uaccess(cpu: CpuId, va: Va, kind: UaccessKind, target: Pid | null): OpReport {
    if (kind === 'copyin' || kind === 'copyout') {
      const r = this.userAccess(cpu, va, kind === 'copyin' ? 'read' : 'write', Mode.UACCESS);
      return r.outcome === 'ok' || r.outcome === 'ok-stale' ? r : errno('EFAULT');
    }
    const self = this.task(cpu);
    const pid = target ?? self?.pid;
    if (pid === undefined) return errno('EFAULT');
    const owner = this.lm.threads.get(pid);
    if (owner === undefined) return errno('ESRCH');
    const write = kind === 'gup-write';
    const foreign = kind === 'remote-read' || owner.mm !== self?.mm;
    // A foreign access skips the key check: resolve as the owner would with keys wide open.
    const actor = foreign ? new Task(pid, owner.mm, 0) : (self ?? owner);
    const r = handleMmFault(this.lm, cpu, actor, va, write ? 'write' : 'read');
    if (r !== 'ok') return errno('EFAULT');
    const frames = this.framesOf(pid, va - (va % 4096), 1);
    return ok({ frame: frames[0] ?? -1 });
  }

  /** A kernel write through the linear map (x86 has no kpkeys context: a named one is unsupported). */
  strayWrite(cpu: CpuId, pfn: Pfn, context: StrayContext): OpReport {
    if (context !== null) return unsupported();
    return this.kernelAccess(cpu, this.directMapAddress(pfn), 'write');
  }

  revoke(cpu: CpuId, pid: Pid, start: Va, _end: Va): OpReport {
    const n = unmapMappingRange(this.lm, cpu, pid, start);
    return n < 0 ? errno('EINVAL') : ok({ value: n });
  }

  /** flush_tlb_kernel_range(start, end) (arch/x86/mm/tlb.c; arm64 asm/tlbflush.h): the `flush-kernel-range` op. */
  flushKernelRange(cpu: CpuId, start: Va, end: Va): OpReport {
    this.lm.arch.tlb.flushTlbKernelRange(cpu, start, end);
    return ok();
  }

  directMapAddress(pfn: Pfn): Va {
    return this.lm.pageAddress(pfn);
  }

  framesOf(pid: Pid, start: Va, pages: number): readonly Pfn[] {
    const mm = this.lm.mms.get(pid);
    const out: Pfn[] = [];
    if (mm === undefined || mm.dead) return new Array<Pfn>(pages).fill(-1);
    const space = this.arch.pgtable.spaceOf(mm);
    for (let i = 0; i < pages; i++) {
      const look = this.machine.lookup(space, start + i * 4096);
      out.push(look.present ? look.pfn : -1);
    }
    return out;
  }
}
