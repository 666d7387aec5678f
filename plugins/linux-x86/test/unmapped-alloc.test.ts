// Unmapped allocation (spec linux.md §4, seed 002): the populate comparison of the RFC's cover letter and
// the mermap's two buggy variants, driven through the page allocator and the plug-in's mermap ops.
import { describe, expect, it } from 'vitest';
import { GFP_UNMAPPED, GFP_ZERO } from '@shootdown/linux-mm';
import { defaultCostModel } from '@shootdown/mmu';
import { mermapGet, mermapPut } from '../src/ops/mermap.js';
import { MERMAP_WINDOW_PAGES } from '../src/arch/x86-arch.js';
import { Run } from './harness.js';

const C = 8;
// Work of one IPI (§7.4): the target's entry/exit (ipi, 15 in §7.2) and the sender's per-target ipi_send.
const IPI = defaultCostModel.ipi! + defaultCostModel.ipi_send!;
const K = 2048;
// Shared work every variant pays per page (§7.4): the allocation and the zeroing of __GFP_ZERO.
const SHARED = K * (defaultCostModel.page_alloc! + defaultCostModel.zero_page!);

function populate(variant: string) {
  const r = new Run(`linux-x86:unmapped-alloc=${variant}`, { cpus: C, memory: '64MiB' });
  const lm = r.x86.lm;
  const step = r.step(() => {
    const pfns: number[] = [];
    for (let i = 0; i < K; i++) pfns.push(lm.allocator.allocPages(0, 0, GFP_UNMAPPED | GFP_ZERO));
    return pfns;
  });
  const read = r.step(() => r.kernel.access(3, r.kernel.directMapAddress(step.value[5]!), 'read', false));
  return { step, read };
}

describe('populate-unmapped: 2048 zeroed unmapped pages on 8 CPUs (catalogue unmapped-alloc)', () => {
  it('zap-per-folio: one per-page shootdown per 4 KiB folio, plus a split per 2 MiB leaf touched (§4.1)', () => {
    const { step, read } = populate('zap-per-folio');
    const splits = step.counters.split!;
    // The folios span 5 direct-map 2 MiB leaves; each first zap inside one splits it (flush_tlb_all).
    expect(splits).toBe(5);
    expect(step.counters).toEqual({
      kflush: K + splits,
      ipi: (K + splits) * (C - 1),
      invlpg: K * C,
      full: splits * C,
      split: splits,
      ptalloc: splits,
      page_alloc: K,
      zero_page: K,
    });
    // §7.3: K·(5 + 15(C−1) + C) + splits·(5 + 5 + 5 + 15(C−1) + 33C).
    expect(step.cycles).toBeCloseTo(
      SHARED + K * (5 + IPI * (C - 1) + C) + splits * (15 + IPI * (C - 1) + 33 * C),
      6,
    );
    expect(step.violations).toEqual([]);
    expect(read.value.outcome).toBe('fault:not-present');
  });

  it('gfp-unmapped: one flush-all per converted pageblock, no split, local mermap flushes only (§4.3)', () => {
    const { step, read } = populate('gfp-unmapped');
    const blocks = K / 512;
    // K consecutive one-page gets on CPU 0 with W usable pages per window: ⌈K/W⌉ − 1 local flushes (§4.4).
    const wraps = Math.ceil(K / (MERMAP_WINDOW_PAGES - 1)) - 1;
    expect(step.counters.kflush).toBe(blocks);
    expect(step.counters.ipi).toBe(blocks * (C - 1));
    expect(step.counters.full).toBe(blocks * C);
    expect(step.counters.lflush).toBe(wraps);
    expect(step.counters.split ?? 0).toBe(0);
    expect(step.counters.invlpg ?? 0).toBe(0);
    const ptalloc = step.counters.ptalloc ?? 0;
    expect(step.cycles).toBeCloseTo(
      SHARED + blocks * (5 + IPI * (C - 1) + 33 * C) + 33 * wraps + 5 * ptalloc,
      6,
    );
    expect(step.violations).toEqual([]);
    expect(read.value.outcome).toBe('fault:not-present');
  });

  it('unmapped-skip-flush: no shootdown of the zapped entries; a CPU may still read the page (§4.5)', () => {
    const { step, read } = populate('unmapped-skip-flush');
    // Only the splits flush (their flush_tlb_all is part of changing the direct map at all).
    expect(step.counters.kflush).toBe(step.counters.split);
    expect(step.counters.invlpg ?? 0).toBe(0);
    expect(step.violations).toEqual(['unmapped-stays-unmapped']);
    expect(read.value.outcome).toBe('fault:not-present');
  });

  it('gfp-unmapped lands within 6 % of skip-flush once the shared zero+copy work is priced; per-folio is far above', () => {
    // The allocation and zeroing are charged by linux-mm now; the write() that fills each page adds a copy.
    const shared = K * defaultCostModel.copy_page!;
    const base = populate('zap-per-folio').step.cycles + shared;
    const gfp = populate('gfp-unmapped').step.cycles + shared;
    const skip = populate('unmapped-skip-flush').step.cycles + shared;
    // Seed 002: 313 ms (gfp_unmapped) against 326 ms (skip-flush), "noise" by the author's account — within a
    // few per cent either way; with the RFC's 512-page mermap window gfp-unmapped is the cheaper, as there.
    expect(Math.abs(gfp / skip - 1)).toBeLessThan(0.06);
    expect(base / gfp).toBeGreaterThan(10);
  });
});

describe('the mermap (§4.4, §4.5)', () => {
  function mermapRun(variant: string) {
    const r = new Run(`linux-x86:unmapped-alloc=${variant}`, { cpus: 2, memory: '64MiB' });
    const a = r.kernel.createProcess(0).pid!;
    const b = r.kernel.createProcess(0).pid!;
    r.step(() => r.kernel.run(1, a));
    const got = r.step(() =>
      mermapGet.run({ container: r.container, cpu: 1, args: { pages: 1 }, id: 'win' }),
    );
    const win = got.value.region!.start;
    const write = r.step(() => r.kernel.access(1, win, 'write', false));
    r.step(() => mermapPut.run({ container: r.container, cpu: 1, args: { region: 'win' }, id: null }));
    return { r, a, b, win, pfn: got.value.region!.frames![0]!, write };
  }

  it('gfp-unmapped: the window entry is mm-local — after a switch another process cannot reach it', () => {
    const { r, b, win, write } = mermapRun('gfp-unmapped');
    expect(write.value.outcome).toBe('ok');
    r.step(() => r.kernel.run(1, b));
    expect(r.step(() => r.kernel.access(1, win, 'read', false)).value.outcome).toBe('fault:not-present');
  });

  it('mermap-global: the global entry survives the CR3 switch and serves the next process (ok-stale)', () => {
    const { r, b, win } = mermapRun('mermap-global');
    r.step(() => r.kernel.run(1, b));
    const read = r.step(() => r.kernel.access(1, win, 'read', false));
    expect(read.value.outcome).toBe('ok-stale');
  });

  it('freeing a mermapped page: the correct caller flushes locally first; mermap-free-noflush does not', () => {
    const good = mermapRun('gfp-unmapped');
    const freed = good.r.step(() => good.r.x86.lm.allocator.freePages(1, good.pfn, 0));
    expect(freed.violations).toEqual([]);
    expect(freed.counters.lflush).toBe(1);
    const bad = mermapRun('mermap-free-noflush');
    const freedBad = bad.r.step(() => bad.r.x86.lm.allocator.freePages(1, bad.pfn, 0));
    expect(freedBad.violations).toContain('mermap-free');
    expect(freedBad.counters.lflush ?? 0).toBe(0);
  });
});

describe('an unmapped pageblock handed back to the mapped lists (issue 10 defect 4)', () => {
  // RFC patch 17/19 __rmqueue_direct_map: the block is taken off the other freetype's lists with __rmqueue
  // under the zone lock first, and its direct map changed only after — so no frame is in the unmapped pool
  // while its direct-map entry is present again.
  it('maps the block back without reporting exposure, and the page is reachable through the direct map', () => {
    const r = new Run('linux-x86:unmapped-alloc=gfp-unmapped', { cpus: 2, memory: '8MiB' });
    const lm = r.x86.lm;
    // Convert every whole pageblock to the unmapped pool, then give the pages back to it.
    const unmapped = r.step(() => {
      const p: number[] = [];
      for (
        let x = lm.allocator.allocPages(0, 0, GFP_UNMAPPED);
        x >= 0;
        x = lm.allocator.allocPages(0, 0, GFP_UNMAPPED)
      )
        p.push(x);
      return p;
    });
    expect(unmapped.value.length % 512).toBe(0);
    r.step(() => unmapped.value.forEach((p) => lm.allocator.freePages(0, p, 0)));
    // Drain the mapped lists, so the next ordinary allocation takes the mirror path.
    const mappedLeft = lm.allocator.freePageCount() - unmapped.value.length;
    r.step(() => {
      for (let i = 0; i < mappedLeft; i++) expect(lm.allocator.allocPages(0, 0, 0)).toBeGreaterThanOrEqual(0);
    });
    const back = r.step(() => lm.allocator.allocPages(0, 0, 0));
    expect(unmapped.value).toContain(back.value);
    expect(back.violations).toEqual([]);
    // NP→P: no flush (spec §4.3 item 2); only the shared work of handing out one page (§7.4).
    expect(back.counters).toEqual({ page_alloc: 1 });
    const read = r.step(() => r.kernel.access(1, r.kernel.directMapAddress(back.value), 'read', false));
    expect(read.value.outcome).toBe('ok');
    expect(read.violations).toEqual([]);
  });
});
