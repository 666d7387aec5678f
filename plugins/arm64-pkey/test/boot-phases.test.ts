// Boot phases (spec arm64-pkey.md §2.2 "Enabling order", §5.5 "Initial fill", §5.7): kpkeys_hardened_pgtables_init()
// runs in mem_init and switches POR_EL1 to the default context, but the tables built before it — the early
// page-table chunks of the linear map and the image, the block allocator's first refill (pba_early_region) — are
// keyed only by kpkeys_hardened_pgtables_init_late(). A stray write to an early table lands before late init
// and faults after; a second early refill (register_early_region) is never keyed.
import { describe, expect, it } from 'vitest';
import { kpkeysAllocatorProbe } from '../src/probe.js';
import { BLOCK_MAP_BBML2 as blockMap, Run } from './support/run.js';

function probe(r: Run) {
  return kpkeysAllocatorProbe.answer({ container: r.container, cpu: 0, args: {}, id: null }) as Record<
    string,
    unknown
  >;
}

describe('boot phases: before and after kpkeys_hardened_pgtables_init_late()', () => {
  it('block cache: an early table is writable during boot and read-only after late init', () => {
    const r = new Run('arm64-pkey:pt-protection=pt-pkey-block-cache', blockMap, true);
    const image = r.tableOf(r.machine.kernelSpace, r.kernel.window('kernel-image')!.start, 1);
    const before = r.strayWrite(0, image, null);
    expect(before.value.outcome).toBe('ok');
    // The variant claims the protection: a write that lands in the early window is a finding.
    expect(before.violations).toEqual(['pagetable-write-protected']);
    expect(probe(r)).toMatchObject({ phase: 'boot', blockAllocator: true, earlyRegion: 512, refills: 1 });
    const late = r.lateInit();
    expect(late.value.outcome).toBe('ok');
    // ppa_finalize() re-keys the early chunk whole and pba_init_late() the early region: one flush each.
    expect(late.counters.kflush).toBe(2);
    expect(late.counters.split ?? 0).toBe(0);
    expect(r.strayWrite(0, image, null).value.outcome).toBe('fault:key');
    expect(probe(r)).toMatchObject({ phase: 'late', reserve: 4, reserveRequired: 4 });
    expect(r.lateInit().value.outcome).toBe('error:EALREADY');
  });

  it('block cache: a second refill before late init stays unprotected for good (register_early_region)', () => {
    const r = new Run('arm64-pkey:pt-protection=pt-pkey-block-cache', blockMap, true);
    const pfns: number[] = [];
    const boot = r.step(() => {
      for (let i = 0; i < 600; i++) pfns.push(r.pages.alloc(0, 0, ['pagetable']).pfn!);
    });
    expect(boot.counters['arm64.ptp_refill']).toBe(1);
    expect(boot.counters['arm64.ptp_early_untracked']).toBe(512);
    r.lateInit();
    const last = pfns[pfns.length - 1]!;
    const w = r.strayWrite(0, last, null);
    expect(w.value.outcome).toBe('ok');
    expect(w.violations).toEqual(['pagetable-write-protected']);
    // The first early region was keyed at late init.
    expect(r.strayWrite(0, pfns[0]!, null).value.outcome).toBe('fault:key');
    expect(probe(r)).toMatchObject({ phase: 'late', earlyUntracked: 512, refills: 2 });
  });

  it('per-page (PTE-mapped): tables allocated during boot are keyed at once; only the early ones wait', () => {
    const r = new Run('arm64-pkey:pt-protection=pt-pkey-per-page', { cpus: 2, memory: '64MiB' }, true);
    const pt = r.pages.alloc(0, 0, ['pagetable']).pfn!;
    expect(r.strayWrite(0, pt, null).value.outcome).toBe('fault:key');
    const image = r.tableOf(r.machine.kernelSpace, r.kernel.window('kernel-image')!.start, 1);
    expect(r.strayWrite(0, image, null).value.outcome).toBe('ok');
    r.lateInit();
    expect(r.strayWrite(0, image, null).value.outcome).toBe('fault:key');
    expect(probe(r)).toMatchObject({ phase: 'late', blockAllocator: false, reserve: 0, cached: 0 });
  });
});
