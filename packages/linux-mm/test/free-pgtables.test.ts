import { describe, expect, it } from 'vitest';
import { createProcess, doMunmap, PAGE_SIZE, PROT_READ, runTask } from '../src/index.js';
import { makeMachine } from './fake-arch.js';
import { mmapAt } from './helpers.js';

/** Map `keep` and `drop` (one page each, populated), munmap `drop`, return the levels of freed tables. */
function freedLevels(keep: number[], drop: number[]): number[] {
  const { arch, lm } = makeMachine();
  const task = createProcess(lm);
  runTask(lm, 0, task);
  for (const a of [...keep, ...drop]) mmapAt(lm, task, a, 1, PROT_READ);
  arch.clear();
  for (const a of drop) doMunmap(lm, 0, task, a, PAGE_SIZE);
  return arch.tableFrees.map(([level]) => level);
}

describe('free_pgd_range floor and ceiling (mm/memory.c; spec linux.md §5.3)', () => {
  it('a lone VMA frees its PTE, PMD and PUD tables (the pgd stays)', () => {
    expect(freedLevels([], [0x400000])).toEqual([1, 2, 3]);
  });

  it('a surviving VMA below in the same 2 MiB keeps the PTE table (floor)', () => {
    expect(freedLevels([0x400000], [0x401000])).toEqual([]);
  });

  it('a surviving VMA above in the same 2 MiB keeps the PTE table (ceiling)', () => {
    expect(freedLevels([0x401000], [0x400000])).toEqual([]);
  });

  it('a survivor in the next 2 MiB: the PTE table goes, the PMD table (whole 1 GiB not free) stays', () => {
    expect(freedLevels([0x600000], [0x400000])).toEqual([1]);
    expect(freedLevels([0x400000], [0x600000])).toEqual([1]);
  });

  it('a survivor in the next 1 GiB: PTE and PMD tables go, the PUD table (512 GiB) stays', () => {
    expect(freedLevels([0x40000000], [0x400000])).toEqual([1, 2]);
  });

  it('a survivor in the next 512 GiB: PTE, PMD and PUD tables go', () => {
    expect(freedLevels([0x8000000000], [0x400000])).toEqual([1, 2, 3]);
  });
});

describe('the gather-nearby loop (spec linux.md §5.3)', () => {
  it('absorbs a VMA starting within PMD_SIZE of the previous end into one free_pgd_range', () => {
    const { arch, lm } = makeMachine();
    const task = createProcess(lm);
    runTask(lm, 0, task);
    mmapAt(lm, task, 0x400000, 1, PROT_READ);
    mmapAt(lm, task, 0x601000, 1, PROT_READ); // 0x601000 <= 0x401000 + PMD_SIZE
    arch.clear();
    doMunmap(lm, 0, task, 0x400000, 0x202000);
    expect(arch.tableFrees.map(([l]) => l)).toEqual([1, 1, 2, 3]);
  });

  it('the next VMA in the list being freed is the ceiling of the group before it', () => {
    const { arch, lm } = makeMachine();
    const task = createProcess(lm);
    runTask(lm, 0, task);
    // Two VMAs more than PMD_SIZE apart but sharing a PMD table: the first group's ceiling is the
    // second VMA's start, so its PMD table is kept for the second group to free.
    mmapAt(lm, task, 0x400000, 1, PROT_READ);
    mmapAt(lm, task, 0x1000000, 1, PROT_READ);
    arch.clear();
    doMunmap(lm, 0, task, 0x400000, 0x1000000 - 0x400000 + PAGE_SIZE);
    expect(arch.tableFrees.map(([l]) => l)).toEqual([1, 1, 2, 3]);
  });
});
