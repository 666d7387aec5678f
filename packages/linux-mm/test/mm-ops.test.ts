import { describe, expect, it } from 'vitest';
import {
  createProcess,
  doMmap,
  doMunmap,
  EEXIST,
  exitTask,
  madviseDontneed,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  runTask,
  swapOut,
  TLB_FLUSH_ALL,
} from '../src/index.js';
import { makeMachine } from './fake-arch.js';
import { mmapAt, req } from './helpers.js';

describe('VMA split and merge (mm/vma.c)', () => {
  it('munmap in the middle of a VMA splits it and keeps both ends', () => {
    const { lm } = makeMachine();
    const task = createProcess(lm);
    runTask(lm, 0, task);
    mmapAt(lm, task, 0x400000, 4);
    doMunmap(lm, 0, task, 0x401000, 2 * PAGE_SIZE);
    expect(task.mm.vmas.map((v) => [v.vmStart, v.vmEnd, v.pgoff])).toEqual([
      [0x400000, 0x401000, 0x400],
      [0x403000, 0x404000, 0x403],
    ]);
  });

  it('adjacent anonymous mappings with equal flags merge; MAP_FIXED_NOREPLACE fails with EEXIST', () => {
    const { lm } = makeMachine();
    const task = createProcess(lm);
    runTask(lm, 0, task);
    mmapAt(lm, task, 0x400000, 2);
    mmapAt(lm, task, 0x402000, 2);
    expect(task.mm.vmas).toHaveLength(1);
    expect(doMmap(lm, 0, task, req(0x401000, 1, PROT_READ, { fixed: false, fixedNoReplace: true }))).toBe(
      -EEXIST,
    );
  });

  it('without a hint, mappings go top-down below the mmap base', () => {
    const { lm } = makeMachine();
    const task = createProcess(lm);
    runTask(lm, 0, task);
    const a = doMmap(lm, 0, task, req(0, 1, PROT_READ, { fixed: false }));
    const b = doMmap(lm, 0, task, req(0, 1, PROT_READ | PROT_WRITE, { fixed: false }));
    expect(b).toBe(a - PAGE_SIZE);
  });
});

describe('reclaim and discard flush counts (spec linux.md §6.3)', () => {
  it('swap-out of P pages is one batched flush; nothing resident means no flush', () => {
    const { arch, lm } = makeMachine();
    const task = createProcess(lm);
    runTask(lm, 0, task);
    mmapAt(lm, task, 0x400000, 3);
    arch.clear();
    expect(swapOut(lm, 0, task.mm)).toBe(3);
    expect(arch.mmFlushes).toEqual([[0, TLB_FLUSH_ALL]]);
    expect(lm.swapUsed).toBe(3);
    expect(swapOut(lm, 0, task.mm)).toBe(0);
    expect(arch.mmFlushes).toHaveLength(1);
  });

  it('MADV_DONTNEED zaps under one gather and keeps the page tables', () => {
    const { arch, lm } = makeMachine(4, 8192, (c) => ({ ...c, gather: { ...c.gather, mergeVmas: true } }));
    const task = createProcess(lm);
    runTask(lm, 0, task);
    mmapAt(lm, task, 0x400000, 3);
    arch.clear();
    expect(madviseDontneed(lm, 0, task.mm, 0x400000, 0x403000)).toBe(0);
    expect(arch.tlbFlushes).toHaveLength(1);
    expect(arch.tlbFlushes[0]).toMatchObject({ start: 0x400000, end: 0x403000, freedTables: false });
    expect(arch.tableFrees).toHaveLength(0);
  });
});

describe('lazy TLB state (spec linux.md §2.3)', () => {
  it('a kernel thread keeps the mm loaded lazily; switching away clears the cpumask bit', () => {
    const { lm } = makeMachine();
    const a = createProcess(lm);
    const b = createProcess(lm);
    runTask(lm, 1, a);
    expect(a.mm.cpumask[1]).toBe(1);
    runTask(lm, 1, null);
    expect([lm.cpus.loadedMm[1], lm.cpus.isLazy[1], a.mm.cpumask[1]]).toEqual([a.mm, 1, 1]);
    runTask(lm, 1, b);
    expect([a.mm.cpumask[1], b.mm.cpumask[1], lm.cpus.isLazy[1]]).toEqual([0, 1, 0]);
  });

  it('exit tears the mm down with a fullmm gather and frees every table', () => {
    const { arch, lm } = makeMachine();
    const task = createProcess(lm);
    runTask(lm, 0, task);
    mmapAt(lm, task, 0x400000, 2);
    const mm = task.mm;
    arch.clear();
    exitTask(lm, 0, task);
    expect(arch.tlbFlushes).toHaveLength(1);
    expect(arch.tlbFlushes[0]).toMatchObject({ fullmm: true, freedTables: true });
    expect(mm.nrPgtables).toBe(0);
    expect(mm.cpumaskWeight()).toBe(0);
  });

  it('exit also frees the tables of the mm-local mermap region (x86 free_ldt_pgtables)', () => {
    const { lm } = makeMachine();
    const task = createProcess(lm);
    runTask(lm, 0, task);
    const va = lm.mermap.get(0, task.mm, 300, 1);
    lm.mermap.put(0, task.mm, va);
    expect(task.mm.nrPgtables).toBe(4); // pgd + PUD, PMD and PTE tables of the window
    const mm = task.mm;
    exitTask(lm, 0, task);
    expect(mm.nrPgtables).toBe(0);
  });
});

describe('hugetlb VMAs in the gather (spec linux.md §5.1)', () => {
  it('a cleared PMD leaf adds PMD_SIZE, sets cleared_pmds and vma_huge', () => {
    const { arch, lm } = makeMachine(4, 8192, (c) => ({ ...c, gather: { ...c.gather, mergeVmas: false } }));
    const task = createProcess(lm);
    runTask(lm, 0, task);
    mmapAt(lm, task, 0x40000000, 512, PROT_READ | PROT_WRITE, { huge: true });
    arch.clear();
    doMunmap(lm, 0, task, 0x40000000, 512 * PAGE_SIZE);
    expect(arch.tlbFlushes[0]).toMatchObject({
      start: 0x40000000,
      end: 0x40200000,
      clearedPmds: true,
      clearedPtes: false,
      vmaHuge: true,
      freedTables: false,
    });
  });
});

describe('threads and exit_group', () => {
  it('exit takes every thread of the process off its CPU and tears the mm down once', () => {
    const { arch, lm } = makeMachine();
    const { pid } = lm.processes.createProcess(0);
    lm.processes.run(0, pid!);
    lm.processes.run(1, pid!); // a second thread
    expect(lm.processes.current(1)).toBe(pid);
    const mm = lm.task(0)!.mm;
    expect(mm.users).toBe(2);
    arch.clear();
    expect(lm.processes.exit(0).outcome).toBe('ok');
    expect([lm.processes.current(0), lm.processes.current(1)]).toEqual([null, null]);
    expect(mm.dead).toBe(true);
    expect(lm.processes.processState(pid!)).toBe('exited');
    expect(lm.processes.run(0, pid!).outcome).toBe('error:ESRCH');
  });
});
