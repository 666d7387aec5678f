// Steady page-table allocation and pressure through the PageAllocator contract (catalogue pagetable-protection,
// pt-alloc-steady, pt-reserve-exhaustion): the counts spec arm64-pkey.md §9.1/§9.2 fixes, and its relations.
import { describe, expect, it } from 'vitest';
import { Tokens } from '@shootdown/core';
import { configured, Run } from './support/run.js';

const blockMap = {
  cpus: 4,
  memory: '64MiB',
  directMap: { leaf: '2M' },
  features: { 'bbml2-noabort': true },
} as const;
const pteMap = { cpus: 4, memory: '64MiB', directMap: { leaf: '4K' } } as const;

function steady(variant: string, machine: object, n = 1000) {
  const r = new Run(`arm64-pkey:pt-protection=${variant}`, machine);
  const pfns: number[] = [];
  const alloc = r.step(() => {
    let failed = 0;
    for (let i = 0; i < n; i++) {
      const rep = r.pages.alloc(0, 0, ['pagetable', 'zero']);
      if (rep.outcome === 'ok') pfns.push(rep.pfn!);
      else failed++;
    }
    return failed;
  });
  const free = r.step(() => {
    for (const pfn of pfns) r.pages.free(0, pfn, 0);
  });
  return { r, alloc, free, pfns };
}

describe('pt-alloc-steady (2 MiB linear map, BBML2_NOABORT)', () => {
  it('pt-pkey-block-cache: 1000 allocations from the boot chunk and two refills; no split, no IPI; frees free', () => {
    const s = steady('pt-pkey-block-cache', blockMap);
    expect(s.alloc.value).toBe(0);
    // The boot chunk holds 512 (§5.5 "initial fill"); #509 finds only the reserve and refills, #1020 would again.
    expect(s.alloc.counters['arm64.ptp_refill']).toBe(1);
    expect(s.alloc.counters.kflush).toBe(1);
    expect(s.alloc.counters.split ?? 0).toBe(0);
    expect(s.alloc.counters.ipi ?? 0).toBe(0);
    expect(s.free.counters.kflush ?? 0).toBe(0);
    expect(s.r.arm.arch.kpkeys.ptp.nrCached).toBe(1024 - 1000 + 1000);
  });

  it('pt-pkey-per-page is unsupported on a block-mapped linear map, with the reason (spec §4, §9.1), not ENOMEM', () => {
    const { container } = configured('arm64-pkey:pt-protection=pt-pkey-per-page', blockMap);
    expect(container.isRegistered(Tokens.Unsupported, true)).toBe(true);
    expect(container.resolve(Tokens.Unsupported)).toMatch(/block-mapped linear map.*recurses/s);
    // No contract: every OS-level op of a scenario is `unsupported` rather than an error of some op.
    for (const t of [Tokens.Kernel, Tokens.PageAllocator, Tokens.VmMap, Tokens.KernelMemory] as symbol[]) {
      expect(container.isRegistered(t, true)).toBe(false);
    }
  });

  it('pt-pkey-per-page runs on the same machine without BBML2_NOABORT: map_mem() maps the linear map with PTEs', () => {
    const s = steady('pt-pkey-per-page', { ...blockMap, features: { 'bbml2-noabort': false } }, 10);
    expect(s.alloc.value).toBe(0);
    expect(s.r.arm.arch.linearMap.pteOnly()).toBe(true);
    expect(s.alloc.counters.split ?? 0).toBe(0);
    expect(s.alloc.counters.kflush).toBe(10);
  });

  it('pt-unprotected and pt-pkey-freetype: no flush per allocation', () => {
    for (const v of ['pt-unprotected', 'pt-pkey-freetype']) {
      const s = steady(v, blockMap);
      expect(s.alloc.value).toBe(0);
      expect(s.alloc.counters.kflush ?? 0).toBe(0);
      expect(s.free.counters.kflush ?? 0).toBe(0);
      expect(s.alloc.counters.split ?? 0).toBe(0);
    }
  });
});

describe('pt-alloc-steady-pte-map (PTE-mapped linear map)', () => {
  it('pt-pkey-per-page: exactly one kernel-range flush per allocation and per free, one VAALE1IS each, no split', () => {
    const s = steady('pt-pkey-per-page', pteMap);
    expect(s.alloc.value).toBe(0);
    expect(s.alloc.counters.kflush).toBe(1000);
    expect(s.alloc.counters.tlbi_leaf).toBe(1000);
    expect(s.free.counters.kflush).toBe(1000);
    expect(s.alloc.counters.split ?? 0).toBe(0);
    expect(s.alloc.counters.ipi ?? 0).toBe(0);
  });

  it('pt-pkey-block-cache: the block allocator is disabled on a PTE-only map and behaves per page (v6 pba_init)', () => {
    const s = steady('pt-pkey-block-cache', pteMap);
    expect(s.alloc.counters.kflush).toBe(1000);
    expect(s.free.counters.kflush).toBe(1000);
  });
});

describe('pt-reserve-exhaustion (2 MiB linear map, BBML2_NOABORT)', () => {
  function exhaust(variant: string) {
    const r = new Run(`arm64-pkey:pt-protection=${variant}`, blockMap);
    r.step(() => r.pages.pressure(0, { freePages: null, fragmentOrder: 8, shrink: false }));
    const first = r.step(() => {
      let failed = 0;
      for (let i = 0; i < 600; i++) if (r.pages.alloc(0, 0, ['pagetable']).outcome !== 'ok') failed++;
      return failed;
    });
    r.step(() => r.pages.pressure(0, { freePages: null, fragmentOrder: 1, shrink: false }));
    const second = r.step(() => {
      let failed = 0;
      for (let i = 0; i < 600; i++) if (r.pages.alloc(0, 0, ['pagetable']).outcome !== 'ok') failed++;
      return failed;
    });
    return { r, first, second };
  }

  it('block cache: falls back to order-4 refills (one split each, table from the reserve), then fails', () => {
    const s = exhaust('pt-pkey-block-cache');
    expect(s.first.value).toBe(0);
    expect(s.first.counters['arm64.ptp_refill_order4']).toBeGreaterThan(0);
    expect(s.first.counters['arm64.ptp_refill_order9'] ?? 0).toBe(0);
    expect(s.first.counters.split).toBe(s.first.counters['arm64.ptp_refill_order4']);
    expect(s.first.counters['arm64.ptp_reserve_used']).toBe(s.first.counters.split);
    expect(s.second.value).toBeGreaterThan(0);
    expect(s.second.counters['arm64.ptp_recursion'] ?? 0).toBe(0);
    // The reserve is never handed to a normal allocation (§5.3 item 1).
    expect(s.r.arm.arch.kpkeys.ptp.nrCached).toBeGreaterThanOrEqual(4);
  });

  it('noreserve: the first split needing a table recurses', () => {
    const s = exhaust('pt-pkey-block-cache-noreserve');
    expect(s.first.value).toBeGreaterThan(0);
    expect(s.first.counters['arm64.ptp_recursion']).toBeGreaterThan(0);
  });

  it('per-page keeps allocating order-0 pages only where no split is needed; unprotected never fails', () => {
    const u = exhaust('pt-unprotected');
    expect(u.first.value).toBe(0);
    expect(u.second.value).toBe(0);
  });
});
