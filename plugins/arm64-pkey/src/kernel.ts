// The Kernel contract for Linux on arm64: processes, scheduling, POR_EL0 rights, accesses with demand faults,
// uaccess, the stray write that tests kpkeys, revoke. The process side is linux-mm's; accesses go through the
// simulated MMU, whose POE check uses POR_EL0 for EL0 and unprivileged (LDTR/STTR) accesses and POR_EL1 for
// privileged ones (spec arm64-pkey.md §1.1–§1.3).
import { Access, Mode, OUTCOME_NAMES, type AccessKind as HwKind, type Machine } from '@shootdown/mmu';
import {
  deliverFaultSignal,
  errno,
  ok,
  unsupported,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
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
  currentEntryKey,
  ERRNO_NAMES,
  execTask,
  exitTask,
  forkTask,
  handleMmFault,
  pkeyAlloc,
  pkeyFree,
  runTask,
  setUserPkeyAccess,
  unmapMappingRange,
  userFaultSignal,
  PKEY_DISABLE_ACCESS,
  PKEY_DISABLE_EXECUTE,
  PKEY_DISABLE_READ,
  PKEY_DISABLE_WRITE,
  type LinuxMm,
  type Task,
} from '@shootdown/linux-mm';
import type { Arm64Arch } from './arch/arm64-arch.js';
import { IMAGE_FRAMES } from './arch/boot.js';
import { KPKEYS_PGTABLES_CONTEXT, Kpkeys } from './kpkeys.js';
import { POE_R, POE_W, POE_X, porPerm } from './poe.js';

const KERNEL_HALF = 2 ** 47;
const HW_KIND: Readonly<Record<AccessKind, HwKind>> = {
  read: Access.READ,
  write: Access.WRITE,
  exec: Access.EXEC,
};

function outcomeOf(code: number): Outcome {
  return OUTCOME_NAMES[code];
}

/** KeyRights (PROT_* bits a key allows) → pkey_alloc/pkey_set rights (PKEY_DISABLE_*). */
function disableBits(rights: KeyRights): number {
  let d = 0;
  if ((rights & PROT_WRITE) === 0) d |= PKEY_DISABLE_WRITE;
  if ((rights & PROT_READ) === 0) d |= PKEY_DISABLE_READ;
  if ((rights & (PROT_READ | PROT_WRITE)) === 0) d |= PKEY_DISABLE_ACCESS;
  if ((rights & PROT_EXEC) === 0) d |= PKEY_DISABLE_EXECUTE;
  return d;
}

export class Arm64Kernel implements Kernel {
  private readonly states = new Map<Pid, ProcessState>();

  constructor(
    private readonly lm: LinuxMm,
    private readonly arch: Arm64Arch,
    private readonly machine: Machine,
    /** The runner's signal disposition (absent: every fault signal is fatal). */
    private readonly signals?: SignalDelivery,
  ) {}

  private task(cpu: CpuId): Task | null {
    return this.lm.task(cpu);
  }

  private taskOf(pid: Pid): Task | undefined {
    return this.lm.threads.get(pid);
  }

  createProcess(_cpu: CpuId): ProcessReport {
    const t = createProcess(this.lm);
    this.states.set(t.pid, 'alive');
    return { outcome: 'ok', pid: t.pid };
  }

  run(cpu: CpuId, pid: Pid | null): OpReport {
    if (pid === null) {
      runTask(this.lm, cpu, null);
      return ok();
    }
    const t = this.taskOf(pid);
    if (!t || this.states.get(pid) !== 'alive') return errno('ESRCH');
    // The same process on two CPUs is two threads: each CPU gets its own task sharing the mm.
    const running = this.lm.current.find((c) => c?.mm === t.mm && c !== this.task(cpu));
    const thread = running ? this.lm.newTask(pid, t.mm, t.pkeyRegister) : t;
    if (running) t.mm.users++;
    runTask(this.lm, cpu, thread);
    return ok();
  }

  current(cpu: CpuId): Pid | null {
    return this.task(cpu)?.pid ?? null;
  }

  setKeyRights(cpu: CpuId, key: number, rights: KeyRights): OpReport {
    const t = this.task(cpu);
    if (!t) return errno('ESRCH');
    if (key < 0 || key >= this.arch.pkeys.nrPkeys) return errno('EINVAL');
    setUserPkeyAccess(this.lm, cpu, t, key, disableBits(rights));
    return ok();
  }

  keyRights(cpu: CpuId, key: number): KeyRights | undefined {
    const t = this.task(cpu);
    if (!t || key < 0 || key >= this.arch.pkeys.nrPkeys) return undefined;
    const perm = porPerm(t.pkeyRegister, key);
    return (perm & POE_R ? PROT_READ : 0) | (perm & POE_W ? PROT_WRITE : 0) | (perm & POE_X ? PROT_EXEC : 0);
  }

  keyAlloc(cpu: CpuId, rights: KeyRights | null): KeyAllocReport {
    const t = this.task(cpu);
    if (!t) return errno('ESRCH');
    const k = pkeyAlloc(this.lm, cpu, t, 0, rights === null ? 0 : disableBits(rights));
    if (k < 0) return errno(ERRNO_NAMES[-k] ?? 'EINVAL');
    return ok({ value: k, key: k });
  }

  keyFree(cpu: CpuId, key: number): OpReport {
    const t = this.task(cpu);
    if (!t) return errno('ESRCH');
    const r = pkeyFree(this.lm, t.mm, key);
    return r < 0 ? errno(ERRNO_NAMES[-r] ?? 'EINVAL') : ok();
  }

  fork(cpu: CpuId): ProcessReport {
    const t = this.task(cpu);
    if (!t) return errno('ESRCH');
    const child = forkTask(this.lm, cpu, t);
    this.states.set(child.pid, 'alive');
    return { outcome: 'ok', pid: child.pid };
  }

  exec(cpu: CpuId): OpReport {
    const t = this.task(cpu);
    if (!t) return errno('ESRCH');
    execTask(this.lm, cpu, t);
    return ok();
  }

  exit(cpu: CpuId): OpReport {
    const t = this.task(cpu);
    if (!t) return errno('ESRCH');
    exitTask(this.lm, cpu, t);
    this.states.set(t.pid, 'exited');
    return ok();
  }

  /** An access; a user-half fault goes to handle_mm_fault and is retried once resolved. */
  access(cpu: CpuId, va: Va, kind: AccessKind, user: boolean): OpReport {
    const mode = user ? Mode.USER : Mode.KERNEL;
    let code = this.machine.access(cpu, va, HW_KIND[kind], mode);
    let outcome = outcomeOf(code);
    const t = this.task(cpu);
    if (outcome !== 'ok' && outcome !== 'ok-stale' && va < KERNEL_HALF && t && user) {
      const handled = handleMmFault(this.lm, cpu, t, va, kind);
      if (handled === 'ok') {
        code = this.machine.access(cpu, va, HW_KIND[kind], mode);
        outcome = outcomeOf(code);
      } else {
        outcome = handled;
      }
      if (outcome !== 'ok' && outcome !== 'ok-stale') {
        // do_page_fault → arm64_force_sig_fault(_pkey): a handler lets the thread go on, else it dies.
        const signal = userFaultSignal(t, va, outcome);
        if (!deliverFaultSignal(this.signals, cpu, t.pid, signal)) this.states.set(t.pid, 'killed');
        return signal.pkey !== undefined ? { outcome, key: signal.pkey } : { outcome };
      }
    }
    const frame = this.machine.lastPfn;
    if (frame < 0 || (outcome !== 'ok' && outcome !== 'ok-stale')) return { outcome };
    return { outcome, frame, key: currentEntryKey(this.machine, cpu, va) };
  }

  /**
   * copy_from_user / copy_to_user are LDTR/STTR: unprivileged, so POR_EL0 applies (arm64 uaccess). GUP and remote
   * reads resolve the page through the VMA (arch_vma_access_permitted only for the current mm) and then touch it
   * through the linear map.
   */
  uaccess(cpu: CpuId, va: Va, kind: UaccessKind, target: Pid | null): OpReport {
    const t = target === null ? this.task(cpu) : (this.taskOf(target) ?? null);
    if (!t) return errno('ESRCH');
    if (kind === 'copyin' || kind === 'copyout') {
      const k = kind === 'copyin' ? Access.READ : Access.WRITE;
      let code = this.machine.access(cpu, va, k, Mode.UACCESS);
      if (outcomeOf(code) === 'fault:not-present') {
        const h = handleMmFault(this.lm, cpu, t, va, kind === 'copyin' ? 'read' : 'write');
        if (h !== 'ok') return errno('EFAULT');
        code = this.machine.access(cpu, va, k, Mode.UACCESS);
      }
      const o = outcomeOf(code);
      return o === 'ok' || o === 'ok-stale' ? { outcome: o, frame: this.machine.lastPfn } : errno('EFAULT');
    }
    const write = kind === 'gup-write';
    const foreign = kind === 'remote-read' && target !== null && target !== this.task(cpu)?.pid;
    const vma = t.mm.vmaLookup(va);
    if (!vma) return errno('EFAULT');
    const h = foreign
      ? this.faultInForeign(cpu, t, va, write)
      : handleMmFault(this.lm, cpu, t, va, write ? 'write' : 'read');
    if (h !== 'ok') return errno('EFAULT');
    const frames = this.framesOf(t.pid, va - (va % 4096), 1);
    return frames[0] >= 0 ? ok({ frame: frames[0] }) : errno('EFAULT');
  }

  /** FOLL_REMOTE: no key check against a foreign mm (arch_vma_access_permitted returns true for it). */
  private faultInForeign(cpu: CpuId, t: Task, va: Va, write: boolean): Outcome {
    const saved = t.pkeyRegister;
    t.pkeyRegister = this.arch.pkeys.initRegister | 0x77777777;
    const r = handleMmFault(this.lm, cpu, t, va, write ? 'write' : 'read');
    t.pkeyRegister = saved;
    return r;
  }

  strayWrite(cpu: CpuId, pfn: Pfn, context: StrayContext): OpReport {
    if (context !== null && context !== KPKEYS_PGTABLES_CONTEXT) return unsupported();
    const code = this.arch.kpkeys.strayWrite(cpu, pfn, context);
    const outcome = outcomeOf(code);
    return Kpkeys.landed(code) ? { outcome, frame: pfn } : { outcome };
  }

  revoke(cpu: CpuId, pid: Pid, start: Va, _end: Va): OpReport {
    const n = unmapMappingRange(this.lm, cpu, pid, start);
    return n < 0 ? errno('EINVAL') : ok();
  }

  allocatedKeys(pid: Pid): readonly number[] {
    const mm = this.lm.mms.get(pid);
    if (!mm) return [];
    const out: number[] = [];
    for (let k = 0; k < this.arch.pkeys.nrPkeys; k++) {
      if (mm.pkeyAllocationMap & (1 << k) && k !== mm.executeOnlyPkey) out.push(k);
    }
    return out;
  }

  /** `kernel-image`: the image's text mapping, whose tables come from the early allocator. */
  window(name: string): { readonly start: Va; readonly end: Va } | undefined {
    if (name !== 'kernel-image') return undefined;
    const start = this.machine.arch.layout.kernelTextBase;
    return { start, end: start + IMAGE_FRAMES * 4096 };
  }

  processState(pid: Pid): ProcessState | undefined {
    return this.states.get(pid);
  }

  /** flush_tlb_kernel_range(start, end) (arch/x86/mm/tlb.c; arm64 asm/tlbflush.h): the `flush-kernel-range` op. */
  flushKernelRange(cpu: CpuId, start: Va, end: Va): OpReport {
    this.lm.arch.tlb.flushTlbKernelRange(cpu, start, end);
    return ok();
  }

  directMapAddress(pfn: Pfn): Va {
    return this.machine.directMapVa(pfn);
  }

  framesOf(pid: Pid, start: Va, pages: number): readonly Pfn[] {
    const mm = this.lm.mms.get(pid);
    const out: Pfn[] = [];
    if (!mm || mm.pgd < 0) return new Array<Pfn>(pages).fill(-1);
    const space = this.arch.pgtable.spaceOf(mm);
    for (let i = 0; i < pages; i++) {
      const l = this.machine.lookup(space, start + i * 4096);
      out.push(l.present ? l.pfn : -1);
    }
    return out;
  }
}
