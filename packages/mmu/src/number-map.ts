// A map from non-negative integer keys (exact doubles, below 2^53) to non-negative int32 values, kept in two
// typed arrays: open addressing, linear probing, deletion by backward shift (no tombstones, so a map whose
// entries come and go — stale records do, all run long — never slows down). StaleSet's chain heads and its
// per-frame index were JS Maps; a stale key (VA index × 2^17 + tag) is past the small-integer range, so
// every `set` boxed a number, and each lookup in a Map of 10^5 entries cost cache misses: Map.get / set /
// delete were a third of the MMU's time in a vfree of 128 K pages.
import { ArrayLease } from './array-pool.js';

/** `get`'s answer for a key that is not in the map. */
export const ABSENT = -1;

const EMPTY = -1;

export class NumberMap {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  /** 32 − log2(capacity): the home slot is the product's top bits. */
  private shift: number;
  size = 0;

  /**
   * @param lease where the first (small) arrays come from; grown ones are new.
   * @param step the distance between neighbouring keys (a power of two): 1 for frame numbers, 2^17 for
   *   StaleSet's keys (VA index × 2^17 + tag). Neighbours share a run of slots (below).
   */
  constructor(
    lease: ArrayLease = new ArrayLease(),
    capacity = 16,
    private readonly step = 1,
  ) {
    this.keys = lease.take(Float64Array, capacity, EMPTY);
    this.values = lease.take(Int32Array, capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
  }

  /** The value of `key`, or ABSENT. */
  get(key: number): number {
    const keys = this.keys;
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const k = keys[i]!;
      if (k === key) return this.values[i]!;
      if (k === EMPTY) return ABSENT;
    }
  }

  set(key: number, value: number): void {
    this.exchange(key, value);
  }

  /**
   * Set `key` to `value` and return what it was (ABSENT when it was not in the map): `get` then `set` in one
   * probe — a stale record becomes the head of its chain and of its frame's list, each after reading the old head.
   */
  exchange(key: number, value: number): number {
    const keys = this.keys;
    let i = this.home(key);
    for (; keys[i] !== EMPTY; i = (i + 1) & this.mask) {
      if (keys[i] === key) {
        const old = this.values[i]!;
        this.values[i] = value;
        return old;
      }
    }
    keys[i] = key;
    this.values[i] = value;
    // At most half full: a probe ends within a few slots.
    if (++this.size * 2 > keys.length) this.resize(keys.length * 2);
    return ABSENT;
  }

  delete(key: number): void {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let i = this.home(key);
    for (; keys[i] !== key; i = (i + 1) & mask) if (keys[i] === EMPTY) return;
    // Backward shift: every later entry of the run that could sit at the hole moves into it.
    for (let j = i; ;) {
      j = (j + 1) & mask;
      const k = keys[j]!;
      if (k === EMPTY) break;
      const h = this.home(k);
      // Entry j may move to hole i unless its home lies cyclically in (i, j].
      if (i <= j ? h <= i || h > j : h <= i && h > j) {
        keys[i] = k;
        values[i] = values[j]!;
        i = j;
      }
    }
    keys[i] = EMPTY;
    this.size--;
  }

  /**
   * Keys come in runs of neighbours (the pages of a range, in order; frames allocated one after another), and
   * a table of 10^6 entries is far larger than the caches: a home slot drawn at random for each key cost a
   * cache miss per lookup. So eight neighbours (n = key / step, the same n div 8 and the same rest) share an
   * aligned run of eight slots, at n mod 8, and only the run is placed by Fibonacci hashing (the top bits of
   * a product with 2^32/φ) of n div 8's two 32-bit halves and the rest mixed.
   */
  private home(key: number): number {
    const n = Math.floor(key / this.step);
    const rest = key - n * this.step;
    const run = Math.floor(n / 8);
    const h = (run >>> 0) ^ Math.imul((run / 4294967296) | 0, 0x85ebca6b) ^ Math.imul(rest, 0x27d4eb2d);
    return ((Math.imul(h, 0x9e3779b1) >>> (this.shift + 3)) << 3) | (n & 7);
  }

  private resize(capacity: number): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Float64Array(capacity).fill(EMPTY);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k === EMPTY) continue;
      let j = this.home(k);
      while (this.keys[j] !== EMPTY) j = (j + 1) & this.mask;
      this.keys[j] = k;
      this.values[j] = values[i]!;
    }
  }
}
