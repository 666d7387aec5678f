// The reference Kernel: processes, scheduling, key rights, accesses with demand paging, stray writes
// and PFN revocation. x86-64 semantics where the hardware decides (PKRU, SMAP/SMEP in the MMU).
import {
  FRAME_REVOKED,
  deliverFaultSignal,
  segv,
  type FaultSignal,
  type SignalDelivery,
  type AccessKind,
  type Kernel,
  type KeyAllocReport,
  type KeyRights,
  type OpReport,
  type Outcome,
  type Pfn,
  type Pid,
  type ProcessReport,
  type ProcessState,
  type UaccessKind,
  type Va,
} from '@shootdown/core';
import { Access, KERNEL_HALF, Mode, Pte, outcomeName, type AccessMode } from '@shootdown/mmu';
import type { ReferenceMm } from './mm.js';
import { INIT_PKRU, KEY_COUNT, pkruWith, rightsIn } from './pkru.js';
import { Process } from './process.js';

const KIND = { read: Access.READ, write: Access.WRITE, exec: Access.EXEC } as const;

export class ReferenceKernel implements Kernel {
  readonly procs = new Map<Pid, Process>();
  readonly #current: (Pid | null)[];
  /** PKRU of each thread, keyed pid * 4096 + cpu (a process on two CPUs is two threads). */
  readonly #threads = new Map<number, number>();
  #nextPid = 1;

  constructor(
    readonly mm: ReferenceMm,
    /** The runner's signal disposition (absent: every fault signal is fatal). */
    private readonly signals?: SignalDelivery,
  ) {
    this.#current = new Array<Pid | null>(mm.os.m.cpus).fill(null);
  }

  get m() {
    return this.mm.os.m;
  }

  proc(pid: Pid): Process | undefined {
    return this.procs.get(pid);
  }

  #newProcess(): Process {
    const pid = this.#nextPid++;
    const space = this.m.createSpace(pid % (1 << this.m.params.asidBits), () => this.mm.os.allocTable(0));
    const p = new Process(pid, space);
    this.procs.set(pid, p);
    return p;
  }

  createProcess(_cpu: number): ProcessReport {
    return { outcome: 'ok', pid: this.#newProcess().pid };
  }

  run(cpu: number, pid: Pid | null): OpReport {
    if (pid === null) {
      // A kernel thread borrows the previous mm (lazy TLB): nothing to switch.
      this.#current[cpu] = null;
      return { outcome: 'ok' };
    }
    const p = this.procs.get(pid);
    if (p === undefined) return { outcome: 'error:ESRCH' };
    this.#current[cpu] = pid;
    this.m.setRoot(cpu, p.space);
    const key = pid * 4096 + cpu;
    const pkru = this.#threads.get(key) ?? p.threadTemplate;
    this.#threads.set(key, pkru);
    this.m.setPkru(cpu, pkru);
    return { outcome: 'ok' };
  }

  current(cpu: number): Pid | null {
    return this.#current[cpu] ?? null;
  }

  #thread(cpu: number): { p: Process; key: number } | undefined {
    const pid = this.#current[cpu];
    const p = pid === null || pid === undefined ? undefined : this.procs.get(pid);
    return p === undefined ? undefined : { p, key: p.pid * 4096 + cpu };
  }

  setKeyRights(cpu: number, key: number, rights: KeyRights): OpReport {
    const t = this.#thread(cpu);
    if (t === undefined || key < 0 || key >= KEY_COUNT) return { outcome: 'error:EINVAL' };
    const pkru = pkruWith(this.#threads.get(t.key) ?? t.p.threadTemplate, key, rights);
    this.#threads.set(t.key, pkru);
    this.m.setPkru(cpu, pkru);
    return { outcome: 'ok' };
  }

  keyRights(cpu: number, key: number): KeyRights | undefined {
    const t = this.#thread(cpu);
    return t === undefined ? undefined : rightsIn(this.#threads.get(t.key) ?? t.p.threadTemplate, key);
  }

  keyAlloc(cpu: number, rights: KeyRights | null): KeyAllocReport {
    const t = this.#thread(cpu);
    if (t === undefined) return { outcome: 'error:EINVAL' };
    for (let k = 1; k < KEY_COUNT; k++) {
      if (t.p.keys.has(k)) continue;
      t.p.keys.add(k);
      if (rights !== null) this.setKeyRights(cpu, k, rights);
      return { outcome: 'ok', key: k };
    }
    return { outcome: 'error:ENOSPC' };
  }

  keyFree(cpu: number, key: number): OpReport {
    const t = this.#thread(cpu);
    if (t === undefined || key === 0 || !t.p.keys.delete(key)) return { outcome: 'error:EINVAL' };
    return { outcome: 'ok' };
  }

  fork(cpu: number): ProcessReport {
    const t = this.#thread(cpu);
    if (t === undefined) return { outcome: 'error:EINVAL' };
    const child = this.#newProcess();
    child.vmas = t.p.vmas.map((v) => ({ ...v }));
    child.keys = new Set(t.p.keys);
    child.threadTemplate = this.#threads.get(t.key) ?? t.p.threadTemplate;
    for (const va of t.p.swapped) child.swapped.add(va);
    // Eager copy (no copy-on-write): nothing in the parent changes, so nothing needs a flush.
    for (const v of child.vmas) {
      for (let va = v.start; va < v.end; va += 4096) {
        const cur = this.m.lookup(t.p.space, va);
        if (!cur.present) continue;
        let pfn = cur.pfn;
        if (!v.shared && !v.pfnmap) {
          pfn = this.mm.os.allocData();
          if (pfn < 0) return { outcome: 'error:ENOMEM' };
          this.m.charge('copy_page');
        }
        this.mm.install(cpu, child, va, pfn, v);
      }
    }
    return { outcome: 'ok', pid: child.pid };
  }

  #destroy(cpu: number, p: Process): void {
    for (const v of p.vmas) this.mm.zap(cpu, p, v.start, v.end, true);
    p.vmas = [];
    p.swapped.clear();
  }

  exec(cpu: number): OpReport {
    const t = this.#thread(cpu);
    if (t === undefined) return { outcome: 'error:EINVAL' };
    this.#destroy(cpu, t.p);
    t.p.keys = new Set([0]);
    t.p.threadTemplate = INIT_PKRU;
    for (const k of [...this.#threads.keys()]) if (Math.floor(k / 4096) === t.p.pid) this.#threads.delete(k);
    return this.run(cpu, t.p.pid);
  }

  exit(cpu: number): OpReport {
    const t = this.#thread(cpu);
    if (t === undefined) return { outcome: 'error:EINVAL' };
    this.#destroy(cpu, t.p);
    t.p.state = 'exited';
    this.#current[cpu] = null;
    return { outcome: 'ok' };
  }

  access(cpu: number, va: Va, kind: AccessKind, user: boolean): OpReport {
    return this.#access(cpu, va, KIND[kind], user ? Mode.USER : Mode.KERNEL, user);
  }

  #access(cpu: number, va: Va, kind: 0 | 1 | 2, mode: AccessMode, killOnFault: boolean): OpReport {
    const m = this.m;
    let spurious = false;
    for (let attempt = 0; attempt < 3; attempt++) {
      const code = m.access(cpu, va, kind, mode);
      const name = outcomeName(code) as Outcome;
      if (name === 'ok' || name === 'ok-stale') {
        const frame = m.lastPfn;
        return { outcome: spurious && name === 'ok' ? 'spurious' : name, frame, key: this.#keyAt(cpu, va) };
      }
      if (m.lastFaultSpurious) {
        // spurious_kernel_fault: the entry allows it, a stale cached one did not; the fault dropped it.
        this.mm.os.counters.add('spurious');
        spurious = true;
        continue;
      }
      const t = this.#thread(cpu);
      if (name === 'fault:not-present' && va < KERNEL_HALF && t !== undefined && t.p.state === 'alive') {
        const r = this.mm.fault(cpu, t.p, va, kind);
        if (r.outcome === 'ok') continue;
        return this.#fail(cpu, va, r.outcome, killOnFault);
      }
      return this.#fail(cpu, va, name, killOnFault, this.#keyAt(cpu, va));
    }
    return { outcome: 'fault:not-present' };
  }

  /**
   * A user fault raises SIGSEGV with the x86 si_code (arch/x86/mm/fault.c: no mapping or a kernel address
   * SEGV_MAPERR, a key SEGV_PKUERR with the entry's key, else SEGV_ACCERR); a handler lets the thread go
   * on, without one the default action kills the process.
   */
  #fail(cpu: number, va: Va, outcome: Outcome, user: boolean, key?: number): OpReport {
    const t = this.#thread(cpu);
    if (user && t !== undefined && outcome.startsWith('fault:')) {
      const signal: FaultSignal =
        outcome === 'fault:key'
          ? segv('SEGV_PKUERR', va, key)
          : segv(outcome === 'fault:not-present' || va >= KERNEL_HALF ? 'SEGV_MAPERR' : 'SEGV_ACCERR', va);
      if (!deliverFaultSignal(this.signals, cpu, t.p.pid, signal)) t.p.state = 'killed';
    }
    return key === undefined ? { outcome } : { outcome, key };
  }

  #keyAt(cpu: number, va: Va): number {
    const t = this.#thread(cpu);
    const space = va >= KERNEL_HALF || t === undefined ? this.mm.os.kernelSpace : t.p.space;
    const e = this.m.lookup(space, va);
    return e.present ? (e.flags & Pte.KEY_MASK) >>> Pte.KEY_SHIFT : 0;
  }

  uaccess(cpu: number, va: Va, kind: UaccessKind, target: Pid | null): OpReport {
    const t = this.#thread(cpu);
    if (kind === 'remote-read' || kind === 'gup-read' || kind === 'gup-write') {
      // get_user_pages / access_remote_vm: a software walk of the target mm, faulting pages in; keys
      // are checked only for the current mm (arch_vma_access_permitted with foreign = false).
      const p = kind === 'remote-read' && target !== null ? this.procs.get(target) : t?.p;
      if (p === undefined) return { outcome: 'error:EFAULT' };
      const r = this.mm.fault(cpu, p, va, kind === 'gup-write' ? Access.WRITE : Access.READ);
      if (r.outcome !== 'ok') return { outcome: 'error:EFAULT' };
      return { outcome: 'ok', frame: this.m.lookup(p.space, va - (va % 4096)).pfn };
    }
    // copy_from_user / copy_to_user: the CPU's own access at user permissions, PKRU applies.
    const r = this.#access(cpu, va, kind === 'copyin' ? Access.READ : Access.WRITE, Mode.UACCESS, false);
    return r.outcome.startsWith('fault:') ? { outcome: 'error:EFAULT' } : r;
  }

  strayWrite(cpu: number, pfn: Pfn, context: string | null): OpReport {
    if (context !== null) {
      // A privileged context (e.g. kpkeys-pgtables) writes page tables through its own path.
      return { outcome: 'ok', frame: pfn };
    }
    const code = this.m.access(cpu, this.m.directMapVa(pfn), Access.WRITE, Mode.KERNEL);
    const outcome = outcomeName(code) as Outcome;
    return { outcome, frame: pfn };
  }

  revoke(cpu: number, pid: Pid, start: Va, end: Va): OpReport {
    const p = this.procs.get(pid);
    if (p === undefined) return { outcome: 'error:ESRCH' };
    // unmap_mapping_range → zap_page_range_single; the full flush happens before it returns.
    const frames = this.mm.zap(cpu, p, start, end, false, true);
    this.mm.os.book.markRevoked(frames);
    for (const f of frames) this.mm.os.book.setFlag(f, FRAME_REVOKED, true);
    return { outcome: 'ok' };
  }

  allocatedKeys(pid: Pid): readonly number[] {
    return [...(this.procs.get(pid)?.keys ?? [])].filter((k) => k !== 0).sort((a, b) => a - b);
  }

  window(name: string): { start: Va; end: Va } | undefined {
    return name === 'kernel-image' ? this.mm.os.kernelText : undefined;
  }

  processState(pid: Pid): ProcessState | undefined {
    return this.procs.get(pid)?.state;
  }

  /** The reference has one kernel flush: `flushAll` (every CPU, global entries included) for any range. */
  flushKernelRange(cpu: number, _start: Va, _end: Va): OpReport {
    this.mm.os.flushAll(cpu);
    return { outcome: 'ok' };
  }

  directMapAddress(pfn: Pfn): Va {
    return this.m.directMapVa(pfn);
  }

  framesOf(pid: Pid, start: Va, pages: number): readonly Pfn[] {
    const p = this.procs.get(pid);
    const out: Pfn[] = [];
    for (let i = 0; i < pages; i++)
      out.push(p === undefined ? -1 : this.m.lookup(p.space, start + i * 4096).pfn);
    return out;
  }
}
