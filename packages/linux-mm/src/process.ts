/**
 * Process-level mm operations: a new process, context switches (lazy TLB), fork (dup_mmap with the
 * pkey state and the thread's register), exec (exec_mmap: a fresh mm, register reset to
 * init_pkru_value) and exit (exit_mmap: the fullmm gather over everything, then pgd_free).
 */
import { dupMmap } from './fork.js';
import { FIRST_USER_ADDRESS, P4D_SIZE, PAGE_SIZE, TASK_SIZE, USER_PGTABLES_CEILING } from './constants.js';
import { freePgdRange, freePgtables } from './free-pgtables.js';
import type { LinuxMm } from './linux-mm.js';
import type { MmStruct } from './mm.js';
import type { Task } from './task.js';
import { vmaUnlinker } from './unmap-region.js';
import { unmapVmas } from './zap.js';

/** A process with an empty mm whose thread has the arch's initial key register. */
export function createProcess(lm: LinuxMm): Task {
  const pid = lm.allocPid();
  const mm = lm.mmAlloc(pid);
  return lm.newTask(pid, mm, lm.arch.pkeys.initRegister);
}

/**
 * context_switch() on `cpu` to `task` (null: a kernel thread, lazy TLB). The thread's key register
 * is loaded on the way in (x86 switch_fpu_return → write_pkru; arm64 POR_EL0 restore).
 */
export function runTask(lm: LinuxMm, cpu: number, task: Task | null): void {
  lm.current[cpu] = task;
  if (!task) {
    lm.cpus.enterLazy(lm.arch, cpu);
    return;
  }
  lm.cpus.switchTo(lm.arch, cpu, task.mm);
  lm.arch.pkeys.writeRegister(cpu, task.pkeyRegister);
}

/** fork(): the child gets a copy of the mm and the forking thread's register; it is not run. */
export function forkTask(lm: LinuxMm, cpu: number, parent: Task): Task {
  const pid = lm.allocPid();
  const child = lm.mmAlloc(pid);
  dupMmap(lm, cpu, parent.mm, child);
  return lm.newTask(pid, child, parent.pkeyRegister);
}

/**
 * exit_mmap(): tlb_gather_mmu_fullmm, unmap every VMA, free_pgtables from FIRST_USER_ADDRESS to
 * USER_PGTABLES_CEILING, tlb_finish_mmu; then, once no CPU holds the mm any more, pgd_free.
 */
export function exitMmap(lm: LinuxMm, cpu: number, mm: MmStruct): void {
  const vmas = mm.vmas.splice(0, mm.vmas.length);
  for (const v of vmas) if (v.pkey !== 0) lm.frames.clearExpectedKey(mm.id, v.vmStart, v.vmEnd);
  const tlb = lm.newGather();
  tlb.gatherMmuFullmm(cpu, mm);
  unmapVmas(lm, tlb, vmas, 0, TASK_SIZE);
  freePgtables(lm.pgtables, tlb, vmas, FIRST_USER_ADDRESS, USER_PGTABLES_CEILING, vmaUnlinker(lm));
  // The mm-local mermap region has no VMA: free its tables like x86 free_ldt_pgtables() frees the
  // LDT remap slot (free_pgd_range with floor/ceiling = the region's own PGD slot).
  const slot = Math.floor(lm.arch.layout.mermapBase / P4D_SIZE) * P4D_SIZE;
  const end = lm.arch.layout.mermapBase + lm.arch.nrCpus * lm.arch.layout.mermapWindowPages * PAGE_SIZE;
  freePgdRange(lm.pgtables, tlb, lm.arch.layout.mermapBase, end, slot, slot + P4D_SIZE);
  tlb.finishMmu();
  for (let c = 0; c < lm.arch.nrCpus; c++) if (lm.cpus.loadedMm[c] === mm) lm.cpus.leaveMm(c, mm);
  lm.pgtables.pgdFree(mm);
  mm.dead = true;
}

/**
 * execve() by the task on `cpu`: exec_mmap() switches the CPU to a fresh mm (pkey map 0x1,
 * execute_only_pkey -1), the old mm is torn down, and the register resets to the initial value.
 */
export function execTask(lm: LinuxMm, cpu: number, task: Task): void {
  const old = task.mm;
  // de_thread(): every other thread of the process is gone before the new mm is installed.
  for (let c = 0; c < lm.arch.nrCpus; c++) {
    const t = lm.current[c];
    if (c !== cpu && t && t.pid === task.pid && t !== task) runTask(lm, c, null);
  }
  old.users = 1;
  lm.threads.set(task.pid, task);
  const mm = lm.mmAlloc(old.id);
  task.mm = mm;
  task.pkeyRegister = lm.arch.pkeys.initRegister;
  if (lm.current[cpu] === task) runTask(lm, cpu, task);
  if (--old.users === 0) exitMmap(lm, cpu, old);
}

/**
 * exit_group(): every thread of the process leaves its CPU (which keeps the mm lazily, as a kernel
 * thread would), then the mm is torn down once.
 */
export function exitTask(lm: LinuxMm, cpu: number, task: Task): void {
  for (let c = 0; c < lm.arch.nrCpus; c++) {
    const t = lm.current[c];
    if (t && t.pid === task.pid) runTask(lm, c, null);
  }
  lm.threads.delete(task.pid);
  const mm = task.mm;
  if (mm.dead) return;
  mm.users = 0;
  exitMmap(lm, cpu, mm);
  lm.mms.delete(mm.id);
}
