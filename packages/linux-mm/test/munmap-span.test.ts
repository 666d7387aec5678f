// One munmap(2) over several VMAs is one mmu_gather: do_vmi_munmap (mm/vma.c) detaches every VMA in
// [start, end) — holes between them allowed — and unmap_region runs tlb_gather_mmu, unmap_vmas over all
// of them, free_pgtables across them and one tlb_finish_mmu. On a VMA-merging arch (x86 selects
// MMU_GATHER_MERGE_VMAS) that is exactly one flush (spec linux.md §5.2); two munmaps are two gathers.
import { describe, expect, it } from 'vitest';
import { createProcess, doMunmap, PAGE_SIZE, PROT_EXEC, PROT_READ, runTask } from '../src/index.js';
import { makeMachine } from './fake-arch.js';
import { mmapAt } from './helpers.js';

function twoVmas(gap: number) {
  const { arch, lm } = makeMachine(4, 8192, (c) => ({ ...c, gather: { ...c.gather, mergeVmas: true } }));
  const task = createProcess(lm);
  runTask(lm, 0, task);
  // r-x then r-- in one PTE page (the exec-then-readonly layout, spec §5.5); they cannot merge.
  mmapAt(lm, task, 0x400000, 4, PROT_READ | PROT_EXEC);
  mmapAt(lm, task, 0x404000 + gap, 4, PROT_READ);
  expect(task.mm.vmas).toHaveLength(2);
  arch.clear();
  return { arch, lm, task };
}

describe('one munmap over several VMAs (do_vmi_munmap → unmap_region, one mmu_gather)', () => {
  it('flushes once, tables included, for two adjacent VMAs unmapped by one call', () => {
    const { arch, lm, task } = twoVmas(0);
    expect(doMunmap(lm, 0, task, 0x400000, 8 * PAGE_SIZE)).toBe(0);
    expect(task.mm.vmas).toHaveLength(0);
    expect(arch.tlbFlushes).toHaveLength(1);
    // The gather's range covers both VMAs' PTEs (and is widened down by the freed upper tables).
    expect(arch.tlbFlushes[0]).toMatchObject({ end: 0x408000, freedTables: true, clearedPtes: true });
    expect(arch.tlbFlushes[0]!.start).toBeLessThanOrEqual(0x400000);
  });

  it('flushes twice for the same VMAs unmapped by two calls; only the second frees the PTE page', () => {
    const { arch, lm, task } = twoVmas(0);
    expect(doMunmap(lm, 0, task, 0x400000, 4 * PAGE_SIZE)).toBe(0);
    expect(doMunmap(lm, 0, task, 0x404000, 4 * PAGE_SIZE)).toBe(0);
    // free_pgd_range keeps the PTE page while the r-- VMA still lives in its 2 MiB (ceiling rule, §5.3).
    expect(arch.tlbFlushes.map((f) => f.freedTables)).toEqual([false, true]);
    expect(arch.tlbFlushes[0]).toMatchObject({ start: 0x400000, end: 0x404000 });
  });

  it('unmaps across a hole between the VMAs in one gather (munmap(2) allows holes)', () => {
    const { arch, lm, task } = twoVmas(4 * PAGE_SIZE);
    expect(doMunmap(lm, 0, task, 0x400000, 12 * PAGE_SIZE)).toBe(0);
    expect(task.mm.vmas).toHaveLength(0);
    expect(arch.tlbFlushes).toHaveLength(1);
    expect(arch.tlbFlushes[0]).toMatchObject({ end: 0x40c000, freedTables: true });
  });
});
