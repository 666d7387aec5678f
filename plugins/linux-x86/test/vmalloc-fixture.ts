// The vmalloc-perms scenarios as calls on the policy (catalogue topic vmalloc-perms): an executable
// vmalloc area on 4 CPUs, its pages reused after vfree, accesses through both aliases.
import { PTE_EXEC, PTE_WRITE, VM_FLUSH_RESET_PERMS } from '@shootdown/linux-mm';
import { Run, type StepResult } from './harness.js';

export interface VfreeRun {
  readonly run: Run;
  readonly protectRo: StepResult;
  readonly free: StepResult;
  /** The frames handed out again (scenario `reuse:`). */
  readonly reuse: StepResult;
  /** CPU 2 executes the old vmalloc address after the pages were reused. */
  readonly execAfter: string;
  /** CPU 1 writes the reused first page through the direct map. */
  readonly writeDirect: string;
}

/** kalloc + kprotect rx + exec on CPU 2 (+ a direct-map read on CPU 1) + kfree + reuse + accesses. */
export function vfreeExecReuse(vfree: string, pages = 4, ceiling = 'x86-ceiling-33'): VfreeRun {
  const run = new Run(`linux-x86:vfree=${vfree},shootdown=${ceiling}`, { cpus: 4, memory: '64MiB' });
  const lm = run.x86.lm;
  const dm = run.x86.arch.directMap;
  const area = run.step(() => lm.vmalloc.vmalloc(0, pages, VM_FLUSH_RESET_PERMS)).value!;
  const pfns = [...area.pages];
  // set_memory_ro then set_memory_x, as module_enable_ro/_x do (the direct map follows RO, stays NX).
  // set_memory_*() as linux-mm's KernelMemory issues it: the CPA, then the area's recorded protection.
  const setMemory = (set: number, clear: number): void => {
    dm.setMemory(0, area.addr, pages, set, clear);
    area.prot = (area.prot | set) & ~clear;
    if ((area.prot & PTE_EXEC) !== 0) area.everExec = true;
  };
  const protectRo = run.step(() => setMemory(0, PTE_WRITE));
  run.step(() => setMemory(PTE_EXEC, 0));
  run.step(() => run.kernel.access(1, run.kernel.directMapAddress(pfns[0]!), 'read', false));
  run.step(() => run.kernel.access(2, area.addr, 'exec', false));
  const free = run.step(() => lm.vmalloc.vfree(0, area.addr));
  const reuse = run.step(() => lm.allocator.allocSpecific(pfns, 0));
  const execAfter = run.step(() => run.kernel.access(2, area.addr, 'exec', false)).value.outcome;
  const writeDirect = run.step(() =>
    run.kernel.access(1, run.kernel.directMapAddress(pfns[0]!), 'write', false),
  ).value.outcome;
  return { run, protectRo, free, reuse, execAfter, writeDirect };
}
