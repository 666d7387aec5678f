import { describe, expect, it } from 'vitest';
import type { Phase, PhaseHook } from '@shootdown/core';
import {
  createProcess,
  defaultLinuxMmConfig,
  doMunmap,
  LinuxMm,
  PAGE_SIZE,
  runTask,
  unmapMappingRange,
  type PfnmapFlush,
} from '../src/index.js';
import { FakeArch } from './fake-arch.js';
import { mmapAt } from './helpers.js';

/** munmap a PFNMAP VMA (optionally behind a normal one) on a merging arch (x86); report the flush count at `unlinked`. */
function flushesBeforeUnlink(
  variant: PfnmapFlush,
  normalFirst: boolean,
): { atUnlink: number; total: number } {
  const arch = new FakeArch(4);
  let atUnlink = -1;
  const phases: PhaseHook = {
    reach(phase: Phase) {
      if (phase === 'unlinked') atUnlink = arch.tlbFlushes.length;
    },
  };
  const base = defaultLinuxMmConfig(8192, 16);
  const lm = new LinuxMm(
    arch,
    { ...base, gather: { ...base.gather, mergeVmas: true, pfnmapFlush: variant } },
    undefined,
    phases,
  );
  const task = createProcess(lm);
  runTask(lm, 0, task);
  if (normalFirst) mmapAt(lm, task, 0x400000, 2);
  mmapAt(lm, task, 0x402000, 2, undefined, { pfnmap: true, populate: false });
  arch.clear();
  doMunmap(lm, 0, task, 0x400000, 4 * PAGE_SIZE);
  return { atUnlink, total: arch.tlbFlushes.length };
}

describe('VM_PFNMAP forced flush placement (spec linux.md §5.7)', () => {
  it('pre-5.19 (late): nothing is flushed before the VMA leaves i_mmap', () => {
    expect(flushesBeforeUnlink('late', false)).toEqual({ atUnlink: 0, total: 1 });
  });

  it('b67fbebd4cf9 (end-vma), stable backports and Gushchin v6 flush before unlinking', () => {
    for (const v of ['end-vma', 'stable-first', 'stable-all', 'free-vmas'] as const) {
      expect(flushesBeforeUnlink(v, false).atUnlink, v).toBe(1);
    }
  });

  it('the botched stable backport checks only the first VMA', () => {
    expect(flushesBeforeUnlink('stable-first', true).atUnlink).toBe(0);
    expect(flushesBeforeUnlink('stable-all', true).atUnlink).toBe(1);
  });

  it('v5 clears the sticky vma_pfn on an intermediate flush; v6 keeps it (Horn’s objection)', () => {
    for (const [variant, expected] of [
      ['free-vmas-v5', false],
      ['free-vmas', true],
    ] as const) {
      const arch = new FakeArch(2);
      const base = defaultLinuxMmConfig(4096, 16);
      const lm = new LinuxMm(arch, { ...base, gather: { ...base.gather, pfnmapFlush: variant } });
      const task = createProcess(lm);
      runTask(lm, 0, task);
      mmapAt(lm, task, 0x400000, 2, undefined, { pfnmap: true, populate: false });
      const vma = task.mm.vmas[0];
      const tlb = lm.newGather();
      tlb.gatherMmu(0, task.mm);
      tlb.startVma(vma);
      tlb.removeTlbEntry(0x400000);
      tlb.flushMmuTlbonly(); // intermediate flush inside the PFNMAP VMA
      tlb.removeTlbEntry(0x401000);
      expect(tlb.vmaPfn, variant).toBe(expected);
      tlb.finishMmu();
    }
  });
});

describe('unmap_mapping_range against an in-flight munmap (CVE-2022-39188)', () => {
  function revokeAt(
    variant: PfnmapFlush,
    at: Phase = 'unlinked',
  ): { found: number; flushesBeforeRevoke: number; revokeFlush?: { fullmm: boolean; freedTables: boolean } } {
    const arch = new FakeArch(4);
    let found = -2;
    let flushesBeforeRevoke = -1;
    let revokeFlush: { fullmm: boolean; freedTables: boolean } | undefined;
    const machine: { lm?: LinuxMm } = {};
    let fired = false;
    const phases: PhaseHook = {
      reach(phase: Phase) {
        // As the runner's dispatcher: a phase fires once, marked before the nested steps run (the revoke's
        // own gather reaches phases too).
        if (phase !== at || fired) return;
        fired = true;
        flushesBeforeRevoke = arch.tlbFlushes.length;
        found = unmapMappingRange(machine.lm!, 1, 1, 0x400000);
        revokeFlush = arch.tlbFlushes[flushesBeforeRevoke];
      },
    };
    const base = defaultLinuxMmConfig(8192, 16);
    const lm = new LinuxMm(
      arch,
      { ...base, gather: { ...base.gather, mergeVmas: true, pfnmapFlush: variant } },
      undefined,
      phases,
    );
    machine.lm = lm;
    const task = createProcess(lm);
    runTask(lm, 0, task);
    mmapAt(lm, task, 0x400000, 2, undefined, { pfnmap: true, populate: false });
    doMunmap(lm, 0, task, 0x400000, 2 * PAGE_SIZE);
    return revokeFlush ? { found, flushesBeforeRevoke, revokeFlush } : { found, flushesBeforeRevoke };
  }

  it('the driver finds no VMA once free_pgtables unlinked it; only the fixed variants flushed before', () => {
    expect(revokeAt('late')).toEqual({ found: 0, flushesBeforeRevoke: 0 });
    expect(revokeAt('free-vmas')).toEqual({ found: 0, flushesBeforeRevoke: 1 });
  });

  it('a revoke that still finds the VMA sees mm_tlb_flush_nested and forces a full flush', () => {
    const r = revokeAt('late', 'cleared');
    expect(r.found).toBe(1);
    expect(r.flushesBeforeRevoke).toBe(0);
    expect(r.revokeFlush).toMatchObject({ fullmm: true, freedTables: true });
  });
});
