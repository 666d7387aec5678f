// The allocator arithmetic the spec fixes exactly (arm64-pkey.md §9.1, §9.2) and the relations it gives.
import { describe, expect, it } from 'vitest';
import { KPKEYS_PKEY_DEFAULT, KPKEYS_PKEY_PGTABLES } from '../src/constants.js';
import { GFP_ZERO, NO_PFN } from '../src/ptp/types.js';
import { rig } from './support/harness.js';

describe('pt-pkey-block-cache, worked example (spec §9.2)', () => {
  it('1000 allocations from a reserve-only cache: 2 refills, 2 flushes, 0 splits; 1000 frees: 0 flushes', () => {
    const r = rig('pt-pkey-block-cache', '2M');
    // pba_init() refilled one 2 MiB chunk (512 cached); draw it down to the reserve.
    expect(r.ptp.nrCached).toBe(512);
    const held: number[] = [];
    for (let i = 0; i < 508; i++) held.push(r.ptp.alloc(GFP_ZERO));
    expect(r.ptp.nrCached).toBe(4);
    r.counters.reset();
    const got: number[] = [];
    for (let i = 0; i < 1000; i++) {
      got.push(r.ptp.alloc(GFP_ZERO));
      if (i === 0) expect(r.ptp.nrCached).toBe(515); // §9.2: #1 refills, 511 cached + the 4 reserve
      if (i === 511) expect(r.ptp.nrCached).toBe(4); // #2–#512 from the cache
    }
    expect(got.includes(NO_PFN)).toBe(false);
    expect(r.counters.get('arm64.ptp_refill')).toBe(2);
    expect(r.counters.get('kflush')).toBe(2);
    expect(r.counters.get('split')).toBe(0);
    r.counters.reset();
    for (const pfn of got) r.ptp.free(pfn);
    expect(r.counters.get('kflush')).toBe(0);
    expect(r.ptp.nrCached).toBe(1028);
    // Every page handed out carries KPKEYS_PKEY_PGTABLES in the linear map (§2.2).
    for (const pfn of [...held, ...got]) expect(r.map.key[pfn]).toBe(KPKEYS_PKEY_PGTABLES);
  });

  it('refills of order 4 split one PMD block each and take the split table from the reserve (§5.3, §5.5)', () => {
    const r = rig('pt-pkey-block-cache', '2M');
    for (let i = 0; i < 508; i++) r.ptp.alloc(0);
    r.buddy.fragment(9); // no free 2 MiB block left: refill falls back to order 4
    r.counters.reset();
    const pfn = r.ptp.alloc(0);
    expect(pfn).not.toBe(NO_PFN);
    expect(r.counters.get('arm64.ptp_refill_order4')).toBe(1);
    expect(r.counters.get('split')).toBe(1);
    expect(r.counters.get('arm64.ptp_reserve_used')).toBe(1);
    expect(r.counters.get('kflush')).toBe(1); // BBML2: the split itself issues no TLBI
    // 4 reserve − 1 split table + 15 of the chunk: the cache grows, so the reserve is whole again.
    expect(r.ptp.nrCached).toBe(18);
  });

  it('order-2-only memory: one flush per 3 allocations when each refill splits, per 4 when none does (§9.1)', () => {
    const split = rig('pt-pkey-block-cache', '2M');
    for (let i = 0; i < 508; i++) split.ptp.alloc(0);
    split.buddy.fragment(4); // only order-2 chunks, each in a PMD block not yet split
    split.map.gran.fill(1); // …and no slot split yet (draw-down took none)
    split.counters.reset();
    for (let i = 0; i < 30; i++) split.ptp.alloc(0);
    // Every slot holds several order-2 chunks; only the first refill in a slot splits it.
    expect(split.counters.get('arm64.ptp_refill_order2')).toBeGreaterThan(0);
    expect(split.counters.get('kflush')).toBe(split.counters.get('arm64.ptp_refill'));

    // Exact 1/3: every refill needs a split (one order-2 chunk per 2 MiB slot).
    const s3 = rig('pt-pkey-block-cache', '2M', 1 << 14);
    for (let i = 0; i < 508; i++) s3.ptp.alloc(0);
    for (let p = 0; p < s3.buddy.nrFrames; p++) s3.buddy.used[p] = 1;
    for (let slot = 2; slot < 32; slot++) s3.buddy.used.fill(0, slot * 512 + 64, slot * 512 + 68);
    s3.counters.reset();
    for (let i = 0; i < 30; i++) expect(s3.ptp.alloc(0)).not.toBe(NO_PFN);
    expect(s3.counters.get('arm64.ptp_refill')).toBe(10);
    expect(s3.counters.get('split')).toBe(10);

    // Exact 1/4: the order-2 chunks sit in a slot that is already PTE-mapped.
    const s4 = rig('pt-pkey-block-cache', '4K', 1 << 14);
    // A PTE-only linear map disables the block allocator (v6 pba_init): use a 2M map with one split slot instead.
    expect(s4.ptp.nrCached).toBe(0);
    const s = rig('pt-pkey-block-cache', '2M', 1 << 14);
    for (let i = 0; i < 508; i++) s.ptp.alloc(0);
    for (let p = 0; p < s.buddy.nrFrames; p++) s.buddy.used[p] = 1;
    s.buddy.used.fill(0, 4 * 512, 4 * 512 + 512);
    s.map.gran[4] = 2; // slot 4 already PTE-mapped
    s.buddy.used.fill(1, 4 * 512, 4 * 512 + 512);
    for (let c = 0; c < 10; c++) s.buddy.used.fill(0, 4 * 512 + c * 8, 4 * 512 + c * 8 + 4);
    s.counters.reset();
    for (let i = 0; i < 40; i++) expect(s.ptp.alloc(0)).not.toBe(NO_PFN);
    expect(s.counters.get('arm64.ptp_refill')).toBe(10);
    expect(s.counters.get('split')).toBe(0);
  });

  it('fails (NULL) only when no order-2 block is left; the reserve is never handed to a normal allocation', () => {
    const r = rig('pt-pkey-block-cache', '2M', 1 << 12);
    for (let i = 0; i < 508; i++) r.ptp.alloc(0);
    r.buddy.fragment(2);
    r.counters.reset();
    expect(r.ptp.alloc(0)).toBe(NO_PFN);
    expect(r.ptp.nrCached).toBe(4);
    expect(r.counters.get('arm64.ptp_alloc_fail')).toBe(1);
  });
});

describe('pt-pkey-block-cache-noreserve (spec §9 ablation)', () => {
  it('recurses once refills need a split', () => {
    const r = rig('pt-pkey-block-cache-noreserve', '2M');
    for (let i = 0; i < 512; i++) r.ptp.alloc(0);
    expect(r.ptp.nrCached).toBe(0);
    r.buddy.fragment(9);
    r.counters.reset();
    expect(r.ptp.alloc(0)).toBe(NO_PFN);
    expect(r.counters.get('arm64.ptp_recursion')).toBeGreaterThan(0);
  });

  it('behaves like the block cache while 2 MiB refills succeed (no split, no recursion)', () => {
    const r = rig('pt-pkey-block-cache-noreserve', '2M');
    r.counters.reset();
    for (let i = 0; i < 1000; i++) expect(r.ptp.alloc(0)).not.toBe(NO_PFN);
    expect(r.counters.get('arm64.ptp_recursion')).toBe(0);
    expect(r.counters.get('split')).toBe(0);
  });
});

describe('pt-pkey-per-page (spec §4)', () => {
  it('PTE-mapped linear map: one flush per allocation and per free, no split', () => {
    const r = rig('pt-pkey-per-page', '4K');
    r.counters.reset();
    const pfns: number[] = [];
    for (let i = 0; i < 100; i++) pfns.push(r.ptp.alloc(GFP_ZERO));
    expect(r.counters.get('kflush')).toBe(100);
    expect(r.counters.get('tlbi:vaale1is')).toBe(100); // one broadcast VAALE1IS per flush
    for (const pfn of pfns) r.ptp.free(pfn);
    expect(r.counters.get('kflush')).toBe(200);
    expect(r.counters.get('split')).toBe(0);
    for (const pfn of pfns) expect(r.map.key[pfn]).toBe(KPKEYS_PKEY_DEFAULT);
  });

  it('block-mapped linear map: the split table must be keyed too — recursion', () => {
    const r = rig('pt-pkey-per-page', '2M');
    r.counters.reset();
    expect(r.ptp.alloc(0)).toBe(NO_PFN);
    expect(r.counters.get('arm64.ptp_recursion')).toBeGreaterThan(0);
  });
});

describe('pt-pkey-freetype (spec §6.3)', () => {
  it('page-table allocations cost no flush and no split; a data allocation flips its whole pageblock once', () => {
    const r = rig('pt-pkey-freetype', '2M');
    r.counters.reset();
    for (let i = 0; i < 100; i++) expect(r.ptp.alloc(0)).not.toBe(NO_PFN);
    expect(r.counters.get('kflush')).toBe(0);
    const ft = r.ptp as import('../src/ptp/freetype.js').FreetypePtpAllocator;
    const data = ft.allocData(0);
    expect(data >> 9).not.toBe(0); // pageblock 0 holds live page tables: passed over
    expect(r.counters.get('arm64.pageblock_flip')).toBe(1);
    expect(r.counters.get('kflush')).toBe(1);
    expect(r.counters.get('split')).toBe(0);
    ft.allocData(0);
    expect(r.counters.get('kflush')).toBe(1); // same pageblock, already flipped
  });

  it('fail: no protected page left → NULL; defer: an unprotected table, keyed later', () => {
    for (const variant of ['pt-pkey-freetype', 'pt-pkey-freetype-defer']) {
      const r = rig(variant, '2M', 1 << 11);
      const ft = r.ptp as import('../src/ptp/freetype.js').FreetypePtpAllocator;
      // Data fills every pageblock but the last (each flipped whole), then page tables fill the last.
      for (let b = 0; b < 3; b++) expect(ft.allocData(9)).toBe(b * 512);
      expect(r.counters.get('arm64.pageblock_flip')).toBe(3);
      for (let i = 0; i < 512; i++) expect(ft.alloc(0)).not.toBe(NO_PFN);
      r.buddy.freePages(5, 0); // one free frame left, in an unprotected pageblock
      const pfn = ft.alloc(0);
      if (variant === 'pt-pkey-freetype') expect(pfn).toBe(NO_PFN);
      else {
        expect(pfn).not.toBe(NO_PFN);
        expect(r.map.key[pfn]).toBe(KPKEYS_PKEY_DEFAULT);
        expect(ft.deferredCount).toBe(1);
      }
    }
  });
});

describe('pt-pkey-freetype: the search for a protected frame', () => {
  // takeProtectedFrame skips the frames of a pageblock it found in use while the buddy counts no free into
  // the pageblock (BuddyPort.freesIn); the answer must be the first free protected frame all the same.
  for (const counted of [true, false]) {
    it(`takes the lowest free frame again after a frame below it is given back (${counted ? 'with' : 'without'} the buddy's free count)`, () => {
      const r = rig('pt-pkey-freetype', '2M', 1 << 11);
      if (!counted) Object.defineProperty(r.buddy, 'freesIn', { value: undefined });
      const ft = r.ptp;
      const first = [ft.alloc(0), ft.alloc(0), ft.alloc(0)];
      expect(first).toEqual([first[0], first[0] + 1, first[0] + 2]);
      // Frame first+1 goes back to the buddy by another path than the allocator's free (a data free).
      r.buddy.freePages(first[1], 0);
      expect(ft.alloc(0)).toBe(first[1]);
      expect(ft.alloc(0)).toBe(first[2] + 1);
      // A pageblock searched to its end is searched again once a frame of it is freed.
      const rest: number[] = [];
      for (let pfn = ft.alloc(0); pfn !== NO_PFN; pfn = ft.alloc(0)) rest.push(pfn);
      r.buddy.freePages(rest[rest.length - 1], 0);
      expect(ft.alloc(0)).toBe(rest[rest.length - 1]);
      expect(ft.alloc(0)).toBe(NO_PFN);
    });
  }
});

describe('pt-unprotected', () => {
  it('no flush, no split, key 0', () => {
    const r = rig('pt-unprotected', '2M');
    r.counters.reset();
    const pfn = r.ptp.alloc(GFP_ZERO);
    expect(r.counters.get('kflush')).toBe(0);
    expect(r.map.key[pfn]).toBe(KPKEYS_PKEY_DEFAULT);
  });
});
