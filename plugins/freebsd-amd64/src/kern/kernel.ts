// Processes, threads and traps of the model behind core's Kernel contract: fork1/vmspace_fork, exec
// (exec_new_vmspace reusing the vmspace: pmap_remove_pages then vm_map_remove), exit (vmspace_exit), context
// switch (cpu_switch → pmap_activate_sw, XRSTOR of the thread's PKRU), and trap_pfault
// (sys/amd64/amd64/trap.c): a PGEX_PK fault is a protection failure *before* vm_fault — a user access gets
// SIGSEGV/SEGV_PKUERR (trapsignal: a handler lets the thread go on, else the process dies), a copyin/copyout
// returns EFAULT through pcb_onfault.
import { deliverFaultSignal, segv } from '@shootdown/core';
import type {
  AccessKind,
  FaultSignal,
  Kernel,
  KeyAllocReport,
  OpReport,
  Outcome,
  Pid,
  ProcessReport,
  ProcessState,
  SignalDelivery,
  UaccessKind,
  Va,
} from '@shootdown/core';
import { Outcome as Hw, OUTCOME_NAMES, Pte } from '@shootdown/mmu';
import { PMAP_MAX_PKRU_IDX, VM_MAXUSER_PAGE } from '../constants.js';
import type { Amd64Hw, HwAccess, HwMode } from '../amd64/hw.js';
import { vmFault } from '../vm/fault.js';
import { vmspaceFork } from '../vm/fork.js';
import type { FreeBsdVmMap } from '../vm/vm-map.js';
import type { Proc } from './proc.js';
import { PKRU_INIT, pkruWithRights, rightsOf } from './pkru-rights.js';

const KIND: Record<AccessKind, HwAccess> = { read: 0, write: 1, exec: 2 };

export interface ProcFactory {
  /** A process with a fresh vmspace (vmspace_alloc → pmap_pinit). */
  create(pid: Pid): FreeBsdVmMap;
  /** pmap_release of a vmspace that is gone. */
  destroy(map: FreeBsdVmMap): void;
}

export class FreeBsdKernel implements Kernel {
  private readonly procs = new Map<Pid, Proc>();
  private nextPid = 1;
  private readonly running: Int32Array;

  constructor(
    private readonly hw: Amd64Hw,
    private readonly factory: ProcFactory,
    private readonly directMapVa: (pfn: number) => Va,
    /** pmap_invalidate_range(kernel_pmap, …) in pages [start, end) (the amd64 shootdown). */
    private readonly invalidateKernel: (cpu: number, startPage: number, endPage: number) => void = () => {},
    /** The runner's signal disposition (absent: every fault signal is fatal). */
    private readonly signals?: SignalDelivery,
  ) {
    this.running = new Int32Array(hw.cpus).fill(-1);
  }

  proc(pid: Pid): Proc | undefined {
    return this.procs.get(pid);
  }

  createProcess(_cpu: number): ProcessReport {
    const p = this.spawn();
    return { outcome: 'ok', pid: p.pid };
  }

  run(cpu: number, pid: Pid | null): OpReport {
    const next = pid === null ? undefined : this.procs.get(pid);
    if (pid !== null && (next === undefined || next.state !== 'alive')) return { outcome: 'error:ESRCH' };
    const prev = this.running[cpu];
    if (prev >= 0) this.procs.get(prev)?.map.vs.pmap.deactivate(cpu);
    if (next === undefined) {
      this.running[cpu] = -1;
      this.hw.loadCr3(cpu, null, true);
      return { outcome: 'ok' };
    }
    this.running[cpu] = next.pid;
    next.map.vs.pmap.activate(cpu);
    // A thread new on this CPU starts from the XSAVE init value (thread inheritance is [unverified], §1.5).
    if (next.pkru[cpu] < 0) next.pkru[cpu] = PKRU_INIT;
    this.hw.writePkru(cpu, next.pkru[cpu]);
    return { outcome: 'ok' };
  }

  current(cpu: number): Pid | null {
    const p = this.running[cpu];
    return p < 0 ? null : p;
  }

  /** WRPKRU by the thread on `cpu` (x86_pkru_set_perm): no shootdown, rights are not cached (spec §1.4). */
  setKeyRights(cpu: number, key: number, rights: number): OpReport {
    const p = this.currentProc(cpu);
    if (p === undefined) return { outcome: 'error:ESRCH' };
    if (!Number.isInteger(key) || key < 0 || key > PMAP_MAX_PKRU_IDX) return { outcome: 'error:EINVAL' };
    p.pkru[cpu] = pkruWithRights(p.pkru[cpu], key, rights);
    this.hw.writePkru(cpu, p.pkru[cpu]);
    return { outcome: 'ok' };
  }

  keyRights(cpu: number, key: number): number | undefined {
    const p = this.currentProc(cpu);
    if (p === undefined || key < 0 || key > PMAP_MAX_PKRU_IDX) return undefined;
    return rightsOf(p.pkru[cpu], key);
  }

  /** FreeBSD has no key allocator: any thread may use any index; key-alloc names the lowest unnamed one. */
  keyAlloc(cpu: number, rights: number | null): KeyAllocReport {
    const p = this.currentProc(cpu);
    if (p === undefined) return { outcome: 'error:ESRCH' };
    if (p.named >= PMAP_MAX_PKRU_IDX) return { outcome: 'error:ENOSPC' };
    p.named++;
    if (rights !== null) this.setKeyRights(cpu, p.named, rights);
    return { outcome: 'ok', key: p.named };
  }

  keyFree(_cpu: number, _key: number): OpReport {
    return { outcome: 'unsupported' };
  }

  fork(cpu: number): ProcessReport {
    const parent = this.currentProc(cpu);
    if (parent === undefined) return { outcome: 'error:ESRCH' };
    const child = this.spawn();
    const err = vmspaceFork(parent.map.vs, child.map.vs, cpu);
    if (err !== null) return { outcome: `error:${err}` };
    // The child's thread inherits the forking thread's PKRU (it is part of the copied XSAVE area).
    child.pkru.fill(parent.pkru[cpu]);
    child.named = parent.named;
    return { outcome: 'ok', pid: child.pid };
  }

  exec(cpu: number): OpReport {
    const p = this.currentProc(cpu);
    if (p === undefined) return { outcome: 'error:ESRCH' };
    // execve single-threads the process first (thread_single(SINGLE_EXIT)): its other threads are gone.
    for (let c = 0; c < this.hw.cpus; c++) if (c !== cpu && this.running[c] === p.pid) this.run(c, null);
    this.teardown(cpu, p);
    p.pkru.fill(-1);
    p.pkru[cpu] = PKRU_INIT;
    this.hw.writePkru(cpu, PKRU_INIT);
    p.named = 0;
    return { outcome: 'ok' };
  }

  exit(cpu: number): OpReport {
    const p = this.currentProc(cpu);
    if (p === undefined) return { outcome: 'error:ESRCH' };
    this.teardown(cpu, p);
    p.state = 'exited';
    for (let c = 0; c < this.hw.cpus; c++) if (this.running[c] === p.pid) this.run(c, null);
    this.factory.destroy(p.map);
    return { outcome: 'ok' };
  }

  access(cpu: number, va: Va, kind: AccessKind, user: boolean): OpReport {
    const p = this.currentProc(cpu);
    if (user && p === undefined) return { outcome: 'error:ESRCH' };
    const mode: HwMode = user ? 0 : 1;
    let code = this.hw.access(cpu, va, KIND[kind], mode);
    if (code === Hw.OK || code === Hw.OK_STALE) return this.done(p, va, code);
    if (!user || p === undefined) return { outcome: OUTCOME_NAMES[code] };
    // trap_pfault: a user fault on a kernel address is SEGV_MAPERR before anything else.
    if (code === Hw.FAULT_PRIVILEGE || va >= VM_MAXUSER_PAGE * 4096) {
      return this.trapsignal(p, cpu, OUTCOME_NAMES[code], segv('SEGV_MAPERR', va));
    }
    // PGEX_PK from user mode: SEGV_PKUERR without calling vm_fault. FreeBSD's siginfo has no key field;
    // the report still names the key of the entry (pmap_pkru_get at pmap_enter put it there).
    if (code === Hw.FAULT_KEY) return this.trapsignal(p, cpu, 'fault:key', segv('SEGV_PKUERR', va));
    const r = vmFault(p.map.vs, cpu, Math.floor(va / 4096), kind);
    if (r !== null) return this.trapsignal(p, cpu, r, vmFaultSignal(r, va));
    code = this.hw.access(cpu, va, KIND[kind], mode);
    if (code === Hw.OK || code === Hw.OK_STALE) return this.done(p, va, code);
    const again = OUTCOME_NAMES[code];
    return this.trapsignal(
      p,
      cpu,
      again,
      again === 'fault:key' ? segv('SEGV_PKUERR', va) : vmFaultSignal(again, va),
    );
  }

  /**
   * copyin/copyout run with the thread's PKRU (the hardware checks supervisor accesses to user pages):
   * a key fault or an unresolvable fault returns EFAULT. vm_fault_quick_hold_pages (GUP) and proc_rwmem
   * (remote read) fault pages in and then use the direct map, where keys do not apply **[inference from
   * sys/vm/vm_fault.c and sys/kern/sys_process.c]**.
   */
  uaccess(cpu: number, va: Va, kind: UaccessKind, target: Pid | null): OpReport {
    const p = target === null ? this.currentProc(cpu) : this.procs.get(target);
    if (p === undefined || p.state !== 'alive') return { outcome: 'error:ESRCH' };
    const page = Math.floor(va / 4096);
    if (kind === 'copyin' || kind === 'copyout') {
      const hwKind: HwAccess = kind === 'copyin' ? 0 : 1;
      let code = this.hw.access(cpu, va, hwKind, 2);
      if (code === Hw.OK || code === Hw.OK_STALE) return this.done(p, va, code);
      if (code === Hw.FAULT_KEY) return { outcome: 'error:EFAULT' };
      if (vmFault(p.map.vs, cpu, page, hwKind === 0 ? 'read' : 'write') !== null)
        return { outcome: 'error:EFAULT' };
      code = this.hw.access(cpu, va, hwKind, 2);
      return code === Hw.OK || code === Hw.OK_STALE ? this.done(p, va, code) : { outcome: 'error:EFAULT' };
    }
    const write = kind === 'gup-write';
    const pmap = p.map.vs.pmap;
    const held = pmap.pfnAt(page) >= 0 && (!write || (pmap.flagsAt(page) & Pte.WRITABLE) !== 0);
    if (!held && vmFault(p.map.vs, cpu, page, write ? 'write' : 'read') !== null)
      return { outcome: 'error:EFAULT' };
    return { outcome: 'ok', frame: pmap.pfnAt(page) };
  }

  strayWrite(): OpReport {
    return { outcome: 'unsupported' };
  }

  revoke(): OpReport {
    return { outcome: 'unsupported' };
  }

  processState(pid: Pid): ProcessState | undefined {
    return this.procs.get(pid)?.state;
  }

  /** pmap_invalidate_range(kernel_pmap, start, end) (sys/amd64/amd64/pmap.c): the `flush-kernel-range` op. */
  flushKernelRange(cpu: number, start: Va, end: Va): OpReport {
    this.invalidateKernel(cpu, Math.floor(start / 4096), Math.ceil(end / 4096));
    return { outcome: 'ok' };
  }

  directMapAddress(pfn: number): Va {
    return this.directMapVa(pfn);
  }

  framesOf(pid: Pid, start: Va, pages: number): readonly number[] {
    const p = this.procs.get(pid);
    const out: number[] = [];
    const first = Math.floor(start / 4096);
    for (let i = 0; i < pages; i++) out.push(p === undefined ? -1 : p.map.vs.pmap.pfnAt(first + i));
    return out;
  }

  allocatedKeys(pid: Pid): readonly number[] {
    const p = this.procs.get(pid);
    const out: number[] = [];
    for (let k = 1; p !== undefined && k <= p.named; k++) out.push(k);
    return out;
  }

  window(_name: string): undefined {
    return undefined;
  }

  private spawn(): Proc {
    const pid = this.nextPid++;
    const map = this.factory.create(pid);
    const p: Proc = { pid, map, state: 'alive', pkru: new Float64Array(this.hw.cpus).fill(-1), named: 0 };
    this.procs.set(pid, p);
    return p;
  }

  private currentProc(cpu: number): Proc | undefined {
    const pid = this.running[cpu];
    const p = pid < 0 ? undefined : this.procs.get(pid);
    return p !== undefined && p.state === 'alive' ? p : undefined;
  }

  /** exec_new_vmspace reusing the vmspace: pmap_remove_pages (keys dropped, PERSIST too), vm_map_remove. */
  private teardown(cpu: number, p: Proc): void {
    const vs = p.map.vs;
    vs.pmap.removePages(cpu);
    p.map.remove(cpu, 0, VM_MAXUSER_PAGE);
  }

  /**
   * trap_pfault returned a signal: trapsignal delivers it; with a handler the thread goes on, without one
   * the default action kills the process. A key fault reports the key of the entry it hit.
   */
  private trapsignal(p: Proc, cpu: number, outcome: Outcome, signal: FaultSignal): OpReport {
    if (!deliverFaultSignal(this.signals, cpu, p.pid, signal)) p.state = 'killed';
    if (outcome !== 'fault:key') return { outcome };
    const key = p.map.vs.pmap.keyAt(Math.floor(signal.addr / 4096));
    return key < 0 ? { outcome } : { outcome, key };
  }

  /** The access completed: report the frame it reached and the key of the current entry. */
  private done(p: Proc | undefined, va: Va, code: number): OpReport {
    const outcome: Outcome = code === Hw.OK ? 'ok' : 'ok-stale';
    const frame = this.hw.lastFrame();
    const key = p === undefined ? -1 : p.map.vs.pmap.keyAt(Math.floor(va / 4096));
    if (frame < 0) return { outcome };
    return key < 0 ? { outcome, frame } : { outcome, frame, key };
  }
}

/**
 * vm_fault_trap's translation of a failed vm_fault (sys/vm/vm_fault.c): KERN_INVALID_ADDRESS (no map
 * entry) → SIGSEGV/SEGV_MAPERR; KERN_PROTECTION_FAILURE → SIGSEGV/SEGV_ACCERR for a current-ABI binary
 * (p_osrel ≥ P_OSREL_SIGSEGV; older ones got SIGBUS); no memory (KERN_RESOURCE_SHORTAGE) → SIGBUS/BUS_OOMERR.
 */
function vmFaultSignal(outcome: Outcome, va: Va): FaultSignal {
  if (outcome === 'fault:not-present') return segv('SEGV_MAPERR', va);
  if (outcome.startsWith('error:')) return { signo: 'SIGBUS', code: 'BUS_OOMERR', addr: va };
  return segv('SEGV_ACCERR', va);
}
