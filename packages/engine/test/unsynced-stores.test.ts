// The record behind `walk: before-store` (runner/unsynced-stores.ts): which entries a CPU's walk may still
// read as the invalid entry they were before a store. Sources: herd7 (herd/herdtools7 5feffe4e8)
// herd/libdir/aarch64hwreqs.cat DSB-ob (its ETS2 branches), IFB-ob, ets-ob; herd/libdir/aarch64.cat
// TLBI-ob, TLBI-ca, TLBuncacheable-ca; catalogue/aarch64-VMSA/tests D15347-load, D15347-load-DSB-ISB,
// D15347-load-shoot, D15347-M-load, Ja2-TLBIDSB, CoWR.T.inv+po-addr with their kinds.txt verdicts.
import { describe, expect, it } from 'vitest';
import { UnsyncedStores } from '../src/runner/unsynced-stores.js';

const E: [number, number][] = [[7, 3]];

describe('UnsyncedStores', () => {
  it('offers an entry made valid to every CPU until that CPU’s ISB after the store', () => {
    const u = new UnsyncedStores();
    expect(u.active).toBe(false);
    u.sync(0); // an ISB before the store orders nothing
    u.store(0, 7, 3, false);
    expect(u.active).toBe(true);
    expect(u.mayMiss(0, E)).toBe(true);
    expect(u.mayMiss(1, E)).toBe(true);
    expect(u.mayMiss(0, [[7, 4]])).toBe(false);
    u.sync(1);
    expect(u.mayMiss(1, E)).toBe(false);
    expect(u.mayMiss(0, E)).toBe(true);
    u.sync(0);
    expect(u.mayMiss(0, E)).toBe(false);
  });

  it('only for an entry that was invalid: a valid one replaced keeps nothing, a later invalid one starts again', () => {
    const u = new UnsyncedStores();
    u.store(0, 7, 3, true);
    expect(u.mayMiss(0, E)).toBe(false);
    u.store(0, 7, 3, false);
    u.sync(0);
    u.store(1, 7, 3, false);
    expect(u.mayMiss(0, [[5, 0], ...E])).toBe(true);
  });

  it('a TLBI of another CPU ends it once the walking CPU has an ordering point after it', () => {
    const u = new UnsyncedStores();
    u.store(0, 7, 3, false);
    u.tlbi(0);
    expect(u.mayMiss(0, E)).toBe(true); // every store was CPU 0's own: its TLBIs do not order its walks
    expect(u.mayMiss(1, E)).toBe(true); // nothing of CPU 1 is ordered after the TLBI yet
    u.order(1);
    expect(u.mayMiss(1, E)).toBe(false);
    // an address register written after the TLBI is an ordering point of that access alone
    u.store(0, 9, 0, false);
    u.tlbi(0);
    const written = u.clock;
    expect(u.mayMiss(1, [[9, 0]])).toBe(true);
    expect(u.mayMiss(1, [[9, 0]], written)).toBe(false);
    // the walking CPU's own TLBI never ends it
    u.store(0, 8, 1, false);
    u.tlbi(1);
    u.order(1);
    expect(u.mayMiss(1, [[8, 1]])).toBe(true);
    // another CPU's TLBI does, after a barrier, even where every store was the walking CPU's own
    u.store(0, 6, 2, false);
    u.tlbi(1);
    expect(u.mayMiss(0, [[6, 2]])).toBe(true);
    u.order(0);
    expect(u.mayMiss(0, [[6, 2]])).toBe(false);
  });

  it('a walk or read of the entry ends it where another CPU stored, not for the CPU’s own store', () => {
    const u = new UnsyncedStores();
    u.store(0, 7, 3, false);
    u.saw(0, E);
    u.saw(1, E);
    expect(u.mayMiss(0, E)).toBe(true);
    expect(u.mayMiss(1, E)).toBe(false);
  });
});
