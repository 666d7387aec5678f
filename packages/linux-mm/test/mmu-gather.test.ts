import { describe, expect, it } from 'vitest';
import {
  createProcess,
  detachVmas,
  doMunmap,
  freePgtables,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  runTask,
  TASK_SIZE,
  unmapVmas,
  vmaUnlinker,
  type LinuxMmConfig,
  type MmuGatherConfig,
} from '../src/index.js';
import { makeMachine } from './fake-arch.js';
import { mmapAt } from './helpers.js';

function machine(gather: Partial<MmuGatherConfig>) {
  return makeMachine(4, 8192, (c: LinuxMmConfig) => ({ ...c, gather: { ...c.gather, ...gather } }));
}

describe('mmu_gather state through one munmap (spec linux.md §5.1, §5.2)', () => {
  it('tracks range, cleared levels and freed tables step by step, and flushes once on a merging arch', () => {
    const { arch, lm } = machine({ mergeVmas: true });
    const task = createProcess(lm);
    runTask(lm, 0, task);
    const mm = task.mm;
    mmapAt(lm, task, 0x400000, 3);
    arch.clear();
    const freeBefore = lm.allocator.freePageCount();

    const tlb = lm.newGather();
    tlb.gatherMmu(0, mm);
    // tlb_gather_mmu: start = TASK_SIZE, end = 0, every flag clear, tlb_flush_pending incremented.
    expect([tlb.start, tlb.end, tlb.freedTables, tlb.clearedPtes, tlb.vmaExec, tlb.vmaPfn]).toEqual([
      TASK_SIZE,
      0,
      false,
      false,
      false,
      false,
    ]);
    expect(mm.tlbFlushPending).toBe(1);

    const { vmas, floor, ceiling } = detachVmas(lm, mm, 0x400000, 0x403000);
    unmapVmas(lm, tlb, vmas, 0x400000, 0x403000);
    // Each cleared PTE adds [addr, addr + PAGE) and sets cleared_ptes; pages wait for the flush.
    expect([tlb.start, tlb.end, tlb.clearedPtes, tlb.clearedPmds, tlb.freedTables]).toEqual([
      0x400000,
      0x403000,
      true,
      false,
      false,
    ]);
    expect(tlb.pendingPages()).toBe(3);
    expect(arch.tlbFlushes).toHaveLength(0);

    freePgtables(lm.pgtables, tlb, vmas, floor, ceiling, vmaUnlinker(lm));
    // pte_free_tlb: cleared_pmds; pmd_free_tlb at the PUD-rounded start 0: cleared_puds; pud_free_tlb: cleared_p4ds.
    expect([tlb.freedTables, tlb.clearedPmds, tlb.clearedPuds, tlb.clearedP4ds]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(tlb.start).toBe(0);
    expect(tlb.pendingTables()).toBe(3);
    expect(arch.tableFrees).toHaveLength(0);

    tlb.finishMmu();
    expect(arch.tlbFlushes).toHaveLength(1);
    expect(arch.tlbFlushes[0]).toMatchObject({
      start: 0,
      end: 0x403000,
      freedTables: true,
      clearedPtes: true,
    });
    // Invalidate, then free: the flush precedes every table free.
    expect(arch.log[0]).toBe('tlbFlush freed');
    expect(arch.tableFrees.map(([level]) => level)).toEqual([1, 2, 3]);
    expect(lm.allocator.freePageCount()).toBe(freeBefore + 3 + 3);
    expect(mm.tlbFlushPending).toBe(0);
    // __tlb_reset_range after the flush.
    expect([tlb.start, tlb.end, tlb.freedTables, tlb.clearedPtes]).toEqual([TASK_SIZE, 0, false, false]);
  });

  it('without VMA merging flushes once per unmapped VMA at tlb_end_vma plus once for the tables', () => {
    const { arch, lm } = machine({ mergeVmas: false });
    const task = createProcess(lm);
    runTask(lm, 0, task);
    mmapAt(lm, task, 0x400000, 2, PROT_READ);
    mmapAt(lm, task, 0x402000, 2); // rw: does not merge with the r-- VMA
    expect(task.mm.vmas).toHaveLength(2);
    arch.clear();
    doMunmap(lm, 0, task, 0x400000, 4 * PAGE_SIZE);
    expect(arch.tlbFlushes.map((f) => f.freedTables)).toEqual([false, false, true]);
  });

  it('flushes nothing when no PTE was present and no table freed', () => {
    const { arch, lm } = machine({ mergeVmas: true });
    const task = createProcess(lm);
    runTask(lm, 0, task);
    mmapAt(lm, task, 0x400000, 4, PROT_READ, { populate: false });
    arch.clear();
    doMunmap(lm, 0, task, 0x400000, 4 * PAGE_SIZE);
    expect(arch.tlbFlushes).toHaveLength(0);
    expect(arch.tableFrees).toHaveLength(0);
  });

  it('keeps vma_exec/vma_huge across __tlb_reset_range', () => {
    const { lm } = machine({ mergeVmas: false });
    const task = createProcess(lm);
    runTask(lm, 0, task);
    mmapAt(lm, task, 0x400000, 1, PROT_READ | PROT_EXEC);
    const tlb = lm.newGather();
    tlb.gatherMmu(0, task.mm);
    const { vmas } = detachVmas(lm, task.mm, 0x400000, 0x401000);
    unmapVmas(lm, tlb, vmas, 0x400000, 0x401000); // tlb_end_vma flushes and resets the range
    expect(tlb.flushes).toBe(1);
    expect([tlb.vmaExec, tlb.clearedPtes, tlb.end]).toEqual([true, false, 0]);
    tlb.finishMmu();
  });

  it('forces an intermediate flush when the page batch is full', () => {
    const { arch, lm } = machine({ mergeVmas: true, maxGatherPages: 4 });
    const task = createProcess(lm);
    runTask(lm, 0, task);
    mmapAt(lm, task, 0x400000, 10);
    arch.clear();
    doMunmap(lm, 0, task, 0x400000, 10 * PAGE_SIZE);
    // Batch full after pages 4 and 8, then the final flush with the tables.
    expect(arch.tlbFlushes.map((f) => [f.start, f.end, f.freedTables])).toEqual([
      [0x400000, 0x404000, false],
      [0x404000, 0x408000, false],
      [0, 0x40a000, true],
    ]);
  });

  it('the default gather batch holds 9698 pages (mm/mmu_gather.c: 8 + 19 × 510)', async () => {
    const { MAX_GATHER_PAGES } = await import('../src/index.js');
    expect(MAX_GATHER_PAGES).toBe(9698);
  });
});

describe('nested gathers (spec linux.md §5.8)', () => {
  function nested(mode: 'fullmm' | 'reset') {
    const { arch, lm } = machine({ mergeVmas: true, nested: mode });
    const task = createProcess(lm);
    runTask(lm, 0, task);
    mmapAt(lm, task, 0x400000, 2);
    const outer = lm.newGather();
    outer.gatherMmu(0, task.mm, 0x400000, 0x402000);
    const inner = lm.newGather();
    inner.gatherMmu(1, task.mm, 0x400000, 0x402000);
    expect(task.mm.tlbFlushNested()).toBe(true);
    const { vmas, floor, ceiling } = detachVmas(lm, task.mm, 0x400000, 0x402000);
    unmapVmas(lm, inner, vmas, 0x400000, 0x402000);
    freePgtables(lm.pgtables, inner, vmas, floor, ceiling, vmaUnlinker(lm));
    arch.clear();
    inner.finishMmu();
    outer.finishMmu();
    return arch.tlbFlushes;
  }

  it('current code: fullmm = 1 and freed_tables = 1 (7a30df49f63a)', () => {
    const flushes = nested('fullmm');
    expect(flushes[0]).toMatchObject({ fullmm: true, freedTables: true });
  });

  it('pre-7a30df49f63a: the reset loses freed_tables and re-adds only the unmapped range', () => {
    const flushes = nested('reset');
    expect(flushes[0]).toMatchObject({ fullmm: false, freedTables: false, start: 0x400000, end: 0x402000 });
  });
});

describe('free_pgtables flags (spec linux.md §5.3, §5.6: Dickins on S004)', () => {
  // A r-- [0x400000, 0x404000) then B r-x [0x404000, 0x408000); one PTE table serves both.
  function tableFlushExec(mode: 'no-start-vma' | 'start-end-v1' | 'or-flags', order: 'A-B' | 'B-A' = 'A-B') {
    const { arch, lm } = machine({ mergeVmas: false, freePgtables: mode });
    const task = createProcess(lm);
    runTask(lm, 0, task);
    const [first, second] =
      order === 'A-B' ? [PROT_READ, PROT_READ | PROT_EXEC] : [PROT_READ | PROT_EXEC, PROT_READ];
    mmapAt(lm, task, 0x400000, 4, first);
    mmapAt(lm, task, 0x404000, 4, second);
    arch.clear();
    doMunmap(lm, 0, task, 0x400000, 8 * PAGE_SIZE);
    const tableFlush = arch.tlbFlushes.find((f) => f.freedTables);
    expect(tableFlush).toBeDefined();
    return tableFlush!.vmaExec;
  }

  it('mainline: the table flush carries the last unmapped VMA’s flags', () => {
    expect(tableFlushExec('no-start-vma', 'A-B')).toBe(true);
    expect(tableFlushExec('no-start-vma', 'B-A')).toBe(false);
  });

  it('the S004 patch captures the first gathered VMA (A, not exec) and flushes with it at tlb_end_vma(B)', () => {
    expect(tableFlushExec('start-end-v1', 'A-B')).toBe(false);
  });

  it('or-flags treats the gathered set as exec', () => {
    expect(tableFlushExec('or-flags', 'B-A')).toBe(true);
  });
});
