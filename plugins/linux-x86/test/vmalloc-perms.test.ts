// vfree of executable memory under every `vfree` variant (spec linux.md §3.3–§3.5, seeds 000 and 001),
// C = 4 CPUs. Counts are those of the free operation alone.
import { describe, expect, it } from 'vitest';
import { defaultCostModel } from '@shootdown/mmu';
import { vfreeExecReuse } from './vmalloc-fixture.js';

const C = 4;
// Work of one IPI (§7.4): the target's entry/exit (ipi, 15 in §7.2) and the sender's per-target ipi_send.
const IPI = defaultCostModel.ipi! + defaultCostModel.ipi_send!;

describe('vfree-exec-reuse (catalogue vmalloc-perms)', () => {
  it('reset-perms: exactly one TLB flush, a flush-all, and nothing survives (§3.3)', () => {
    const r = vfreeExecReuse('reset-perms');
    expect(r.free.counters).toEqual({ kflush: 1, ipi: C - 1, full: C });
    // §7.3: one flush-all = 5 + 15(C−1) + 33C.
    expect(r.free.cycles).toBeCloseTo(5 + IPI * (C - 1) + 33 * C, 6);
    expect(r.free.violations).toEqual([]);
    expect(r.execAfter).toBe('fault:not-present');
    expect(r.writeDirect).toBe('ok');
  });

  it('set_memory_ro on a vmalloc area processes the direct-map alias: split + flush-all (§2.4)', () => {
    const r = vfreeExecReuse('reset-perms');
    // One 2 MiB direct-map split (split, ptalloc, flush_tlb_all) and cpa_flush forced to a flush-all.
    expect(r.protectRo.counters).toEqual({ kflush: 2, ipi: 2 * (C - 1), full: 2 * C, split: 1, ptalloc: 1 });
  });

  it('vfree-lazy-noreset: no flush; a stale executable alias of a freed page and a RO direct map (§3.4 row 1)', () => {
    const r = vfreeExecReuse('vfree-lazy-noreset');
    expect(r.free.counters).toEqual({});
    expect(r.free.violations).toEqual(['direct-map-default', 'stale-exec-alias']);
    expect(r.execAfter).toBe('ok-stale');
    // "the first write to the reused page through the direct map is a real protection fault".
    expect(r.writeDirect).toBe('fault:write');
  });

  it('vfree-lazy-noreset: the reuse breaks stale-after-free as well as the stale-exec-alias of the free (issue 10 defect 3)', () => {
    // mm/vmalloc.c vfree → remove_vm_area → free_unmap_vmap_area clears the vmalloc PTEs without a flush
    // (the area waits for __purge_vmap_area_lazy) and vfree hands the pages back to the buddy allocator at
    // once. CPU 2's executable entry therefore reaches a free frame (stale-exec-alias, at the free) and
    // then the same frame handed out again (stale-after-free, at the reuse): one entry, two rules.
    const r = vfreeExecReuse('vfree-lazy-noreset');
    expect(r.free.violations).toContain('stale-exec-alias');
    expect(r.reuse.violations).toEqual(['stale-after-free']);
    // The merged path flushes before the pages are freed: nothing reaches them when they are reused.
    expect(vfreeExecReuse('reset-perms').reuse.violations).toEqual([]);
  });

  it('module-free-pre52: set_memory_rw makes the text W+X, one flush-all, then a lazy free (§3.4 row 2)', () => {
    const r = vfreeExecReuse('module-free-pre52');
    expect(r.free.counters).toEqual({ kflush: 1, ipi: C - 1, full: C });
    expect(r.free.violations).toEqual(['stale-exec-alias', 'wx-alias']);
    expect(r.execAfter).toBe('ok-stale');
  });

  it('reset-perms-setmemory: NX before RW, three flushes, no W+X (§3.4 row 6)', () => {
    const r = vfreeExecReuse('reset-perms-setmemory');
    expect(r.free.counters.kflush).toBe(3);
    expect(r.free.violations).toEqual([]);
    expect(r.execAfter).toBe('fault:not-present');
  });

  it('reset-then-flush: the direct map is writable before the flush while CPU 2 may still execute (§3.4 row 7)', () => {
    const r = vfreeExecReuse('reset-then-flush');
    expect(r.free.counters).toEqual({ kflush: 1, ipi: C - 1, full: C });
    expect(r.free.violations).toEqual(['wx-alias']);
    expect(r.execAfter).toBe('fault:not-present');
  });

  it('vfree-skip-flush: no flush; stale X alias, W+X and stale RO direct-map entries (§3.4 row 8)', () => {
    const r = vfreeExecReuse('vfree-skip-flush');
    expect(r.free.counters).toEqual({});
    expect(r.free.violations).toEqual(['stale-direct-map', 'stale-exec-alias', 'wx-alias']);
    expect(r.execAfter).toBe('ok-stale');
    expect(r.writeDirect).toBe('spurious');
  });
});

describe("Nadav Amit's threshold: the flush of the vmalloc range alone (§3.5, seed 000)", () => {
  for (const v of ['arch-vunmap-v2', 'reset-perms-5.2rc', 'vmalloc-range-only']) {
    it(`${v}, 32 pages: span 33 ≤ ceiling → per-page flush; the RO direct-map entries survive (spurious)`, () => {
      const r = vfreeExecReuse(v, 32);
      expect(r.free.counters).toEqual({ kflush: 1, ipi: C - 1, invlpg: 33 * C });
      expect(r.free.violations).toEqual(['stale-direct-map']);
      expect(r.writeDirect).toBe('spurious');
      expect(r.execAfter).toBe('fault:not-present');
    });

    it(`${v}, 33 pages: span 34 > ceiling → flush-all; the direct map is clean by accident`, () => {
      const r = vfreeExecReuse(v, 33);
      expect(r.free.counters).toEqual({ kflush: 1, ipi: C - 1, full: C });
      expect(r.free.violations).toEqual([]);
      expect(r.writeDirect).toBe('ok');
    });
  }

  it('"Even this threshold is configurable": with the ceiling at 0, 32 pages are flushed all too', () => {
    const r = vfreeExecReuse('arch-vunmap-v2', 32, 'x86-ceiling-0');
    expect(r.free.counters).toEqual({ kflush: 1, ipi: C - 1, full: C });
    expect(r.free.violations).toEqual([]);
  });

  it('reset-perms does not depend on the ceiling: one flush-all for 4, 32 and 33 pages', () => {
    for (const n of [4, 32, 33]) {
      expect(vfreeExecReuse('reset-perms', n).free.counters).toEqual({ kflush: 1, ipi: C - 1, full: C });
    }
  });
});
