/**
 * The process half of core's Kernel contract, arch-independent: processes and their threads,
 * context switches, key rights (pkey_alloc/pkey_free, WRPKRU / POR_EL0 through the arch), fork,
 * exec, exit, revoke, and the read-only queries. A Linux plug-in's Kernel delegates these and adds
 * what needs its MMU (access, uaccess, strayWrite).
 */
import {
  errno,
  ok,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  type CpuId,
  type KeyAllocReport,
  type KeyRights,
  type OpReport,
  type Pfn,
  type Pid,
  type ProcessReport,
  type ProcessState,
  type Va,
} from '@shootdown/core';
import {
  PAGE_SIZE,
  PKEY_DISABLE_ACCESS,
  PKEY_DISABLE_EXECUTE,
  PKEY_DISABLE_READ,
  PKEY_DISABLE_WRITE,
} from './constants.js';
import { syscallReport } from './core-vm-map.js';
import type { LinuxMm } from './linux-mm.js';
import { pkeyAlloc, pkeyFree, setUserPkeyAccess } from './pkeys.js';
import { createProcess, execTask, exitTask, forkTask, runTask } from './process.js';
import { pteMapped, ptePfn } from './pte.js';
import { unmapMappingRange } from './revoke.js';
import type { Task } from './task.js';

export class LinuxProcesses {
  /** The thread of each process that runs (or last ran) on each CPU: key pid * 4096 + cpu. */
  private readonly cpuThreads = new Map<number, Task>();
  private readonly states = new Map<Pid, ProcessState>();

  constructor(private readonly lm: LinuxMm) {}

  /** PKEY_DISABLE_* bits for rights given as PROT_* bits of what the key allows. */
  disableBits(rights: KeyRights): number {
    if (this.lm.arch.pkeys.accessMask & PKEY_DISABLE_READ) {
      return (
        (rights & PROT_READ ? 0 : PKEY_DISABLE_READ) |
        (rights & PROT_WRITE ? 0 : PKEY_DISABLE_WRITE) |
        (rights & PROT_EXEC ? 0 : PKEY_DISABLE_EXECUTE)
      );
    }
    // x86 PKRU: access-disable covers read and write; instruction fetch is never checked.
    if (!(rights & PROT_READ)) return PKEY_DISABLE_ACCESS;
    return rights & PROT_WRITE ? 0 : PKEY_DISABLE_WRITE;
  }

  /** PROT_* bits a register allows for `key`. */
  allowedBits(register: number, key: number): KeyRights {
    const d = this.lm.arch.pkeys.rightsOf(register, key);
    let allow = PROT_READ | PROT_WRITE | PROT_EXEC;
    if (d & PKEY_DISABLE_ACCESS) allow &= ~(PROT_READ | PROT_WRITE);
    if (d & PKEY_DISABLE_WRITE) allow &= ~PROT_WRITE;
    if (d & PKEY_DISABLE_READ) allow &= ~PROT_READ;
    if (d & PKEY_DISABLE_EXECUTE) allow &= ~PROT_EXEC;
    return allow;
  }

  createProcess(_cpu: CpuId): ProcessReport {
    const task = createProcess(this.lm);
    this.states.set(task.pid, 'alive');
    return { outcome: 'ok', pid: task.pid };
  }

  /** The thread of `pid` for `cpu`: the main thread if it is free, else a clone(CLONE_VM) of it. */
  private threadFor(pid: Pid, cpu: CpuId): Task | undefined {
    const key = pid * 4096 + cpu;
    const known = this.cpuThreads.get(key);
    if (known && known.mm === this.lm.threads.get(pid)?.mm) return known;
    const main = this.lm.threads.get(pid);
    if (!main) return undefined;
    let task = main;
    if (this.lm.current.some((t, c) => t === main && c !== cpu)) {
      // clone(CLONE_VM): shares the mm, copies the creating thread's register.
      task = this.lm.newTaskThread(main);
    }
    this.cpuThreads.set(key, task);
    return task;
  }

  run(cpu: CpuId, pid: Pid | null): OpReport {
    if (pid === null) {
      runTask(this.lm, cpu, null);
      return ok();
    }
    if (this.states.get(pid) !== 'alive') return errno('ESRCH');
    const task = this.threadFor(pid, cpu);
    if (!task) return errno('ESRCH');
    runTask(this.lm, cpu, task);
    return ok();
  }

  current(cpu: CpuId): Pid | null {
    return this.lm.task(cpu)?.pid ?? null;
  }

  setKeyRights(cpu: CpuId, key: number, rights: KeyRights): OpReport {
    const task = this.lm.task(cpu);
    if (!task) return errno('ESRCH');
    if (key < 0 || key >= this.lm.arch.pkeys.nrPkeys) return errno('EINVAL');
    setUserPkeyAccess(this.lm, cpu, task, key, this.disableBits(rights));
    return ok();
  }

  keyRights(cpu: CpuId, key: number): KeyRights | undefined {
    const task = this.lm.task(cpu);
    if (!task || key < 0 || key >= this.lm.arch.pkeys.nrPkeys) return undefined;
    return this.allowedBits(task.pkeyRegister, key);
  }

  keyAlloc(cpu: CpuId, rights: KeyRights | null): KeyAllocReport {
    const task = this.lm.task(cpu);
    if (!task) return errno('ESRCH');
    const r = pkeyAlloc(this.lm, cpu, task, 0, rights === null ? 0 : this.disableBits(rights));
    return r < 0 ? syscallReport(r) : { outcome: 'ok', key: r, value: r };
  }

  keyFree(cpu: CpuId, key: number): OpReport {
    const task = this.lm.task(cpu);
    if (!task) return errno('ESRCH');
    return syscallReport(pkeyFree(this.lm, task.mm, key));
  }

  fork(cpu: CpuId): ProcessReport {
    const parent = this.lm.task(cpu);
    if (!parent) return errno('ESRCH');
    const child = forkTask(this.lm, cpu, parent);
    this.states.set(child.pid, 'alive');
    return { outcome: 'ok', pid: child.pid };
  }

  exec(cpu: CpuId): OpReport {
    const task = this.lm.task(cpu);
    if (!task) return errno('ESRCH');
    execTask(this.lm, cpu, task);
    return ok();
  }

  exit(cpu: CpuId): OpReport {
    const task = this.lm.task(cpu);
    if (!task) return errno('ESRCH');
    exitTask(this.lm, cpu, task);
    this.states.set(task.pid, 'exited');
    return ok();
  }

  /** A user fault nobody handles: SIGSEGV kills the process (every thread, then the mm). */
  kill(cpu: CpuId, pid: Pid): void {
    const main = this.lm.threads.get(pid);
    if (!main || this.states.get(pid) !== 'alive') return;
    this.states.set(pid, 'killed');
    exitTask(this.lm, cpu, main);
  }

  revoke(cpu: CpuId, pid: Pid, start: Va, _end: Va): OpReport {
    return unmapMappingRange(this.lm, cpu, pid, start) < 0 ? errno('EINVAL') : ok();
  }

  processState(pid: Pid): ProcessState | undefined {
    return this.states.get(pid);
  }

  directMapAddress(pfn: Pfn): Va {
    return this.lm.pageAddress(pfn);
  }

  framesOf(pid: Pid, start: Va, pages: number): readonly Pfn[] {
    const mm = this.lm.mms.get(pid);
    const out: Pfn[] = [];
    for (let i = 0; i < pages; i++) {
      const entry = mm ? this.lm.pgtables.readEntry(mm, start + i * PAGE_SIZE, 1) : 0;
      out.push(pteMapped(entry) ? ptePfn(entry) : -1);
    }
    return out;
  }
}
