// The block allocator's shrinker (v6 17/30, spec arm64-pkey.md §5.6): a wholly free 2 MiB block goes back with
// one key reset over the block — one flush, no split; with too little above PBA_UNSHRINKABLE_PAGES it bails out.
import { describe, expect, it } from 'vitest';
import { KPKEYS_PKEY_DEFAULT } from '../src/constants.js';
import { rig } from './support/harness.js';

describe('pt-pkey-block-cache shrinker', () => {
  it('bails out rather than split a free block when fewer than 512 pages are shrinkable', () => {
    const r = rig('pt-pkey-block-cache', '2M');
    expect(r.ptp.nrCached).toBe(512); // the boot chunk, one whole block; 512 − 16 = 496 shrinkable
    r.counters.reset();
    expect(r.ptp.shrink(1000)).toBe(0);
    expect(r.counters.get('kflush')).toBe(0);
  });

  it('returns a wholly free block with one key reset over 2 MiB: one flush, no split', () => {
    const r = rig('pt-pkey-block-cache', '2M');
    const got: number[] = [];
    for (let i = 0; i < 509; i++) got.push(r.ptp.alloc(0)); // the 509th refills a second block
    for (const pfn of got) r.ptp.free(pfn);
    expect(r.ptp.nrCached).toBe(1024);
    const before = r.buddy.freeCount();
    r.counters.reset();
    expect(r.ptp.shrink(1000)).toBe(512);
    expect(r.counters.get('kflush')).toBe(1);
    expect(r.counters.get('split')).toBe(0);
    expect(r.ptp.nrCached).toBe(512);
    expect(r.buddy.freeCount()).toBe(before + 512);
    // The returned block carries the default key again (release_whole_block()).
    const freed = got.filter((pfn) => r.map.key[pfn] === KPKEYS_PKEY_DEFAULT);
    expect(freed.length).toBeGreaterThanOrEqual(508);
  });
});
