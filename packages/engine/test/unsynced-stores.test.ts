// The record behind `walk: before-store` (runner/unsynced-stores.ts): which entries a CPU's walk may still
// read as the invalid entry they were before that CPU's own store.
import { describe, expect, it } from 'vitest';
import { UnsyncedStores } from '../src/runner/unsynced-stores.js';

describe('UnsyncedStores', () => {
  it('offers an entry the CPU made valid, to that CPU only, until its ISB', () => {
    const u = new UnsyncedStores();
    u.store(0, 7, 3, false);
    expect(u.mayMiss(0, [[7, 3]])).toBe(true);
    expect(u.mayMiss(1, [[7, 3]])).toBe(false);
    expect(u.mayMiss(0, [[7, 4]])).toBe(false);
    u.sync(1);
    expect(u.mayMiss(0, [[7, 3]])).toBe(true);
    u.sync(0);
    expect(u.mayMiss(0, [[7, 3]])).toBe(false);
  });

  it('remembers an invalid value anywhere since the first store, not only the first one', () => {
    const u = new UnsyncedStores();
    u.store(0, 7, 3, true); // valid → something
    expect(u.mayMiss(0, [[7, 3]])).toBe(false);
    u.store(0, 7, 3, false); // the value it overwrote was invalid
    u.store(0, 7, 3, true);
    expect(
      u.mayMiss(0, [
        [5, 0],
        [7, 3],
      ]),
    ).toBe(true);
  });

  it('drops the entry from every other CPU when one stores to it', () => {
    const u = new UnsyncedStores();
    u.store(0, 7, 3, false);
    u.store(1, 7, 3, true);
    expect(u.mayMiss(0, [[7, 3]])).toBe(false);
    expect(u.mayMiss(1, [[7, 3]])).toBe(false);
  });
});
