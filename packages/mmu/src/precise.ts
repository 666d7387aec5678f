// The precise TLB model's caches: per CPU (and per side when split), a set-associative TLB of leaf
// translations and a small fully-associative walk cache of table pointers, both LRU, filled only by walks
// the scenario causes (accesses and `speculate`). Entries keep the content they were filled with, so a
// later store leaves them stale by construction; `rec` links such an entry to the stale record that
// represents it in the reverse view.
import { ArrayLease } from './array-pool.js';
import { staleKey } from './stale.js';

export class PreciseCaches {
  readonly entries: number;
  readonly sets: number;
  readonly ways: number;
  /** sets − 1 when sets is a power of two (then the set index is a mask), else −1. */
  private readonly setMask: number;
  readonly wcEntries: number;
  // TLB, indexed unit * entries + set * ways + way (unit = cpu * sides + side).
  readonly tKey: Float64Array;
  readonly tLevel: Uint8Array;
  readonly tFlags: Uint32Array;
  readonly tOut: Uint32Array;
  readonly tSince: Uint32Array;
  readonly tRec: Int32Array;
  readonly tLru: Float64Array;
  // Walk cache, indexed unit * wcEntries + i. Level = level of the cached pointer entry (2..4).
  readonly wKey: Float64Array;
  readonly wLevel: Uint8Array;
  readonly wOut: Uint32Array;
  readonly wSince: Uint32Array;
  readonly wRec: Int32Array;
  readonly wLru: Float64Array;
  private stamp = 1;
  /** Per TLB set: way of the last hit (a lookup shortcut). */
  private readonly tMru: Uint8Array;
  /** Per (unit, level): walk-cache slot of the last hit (a lookup shortcut). */
  private readonly wMru: Int32Array;

  constructor(
    units: number,
    entries: number,
    ways: number,
    wcEntries: number,
    /** Where the arrays come from (the machine's, recycled across machines). */
    lease: ArrayLease = new ArrayLease(),
  ) {
    this.entries = entries;
    this.ways = ways;
    this.sets = entries / ways;
    this.setMask = (this.sets & (this.sets - 1)) === 0 ? this.sets - 1 : -1;
    this.wcEntries = wcEntries;
    const n = units * entries;
    this.tKey = lease.take(Float64Array, n, -1);
    this.tLevel = lease.take(Uint8Array, n);
    this.tFlags = lease.take(Uint32Array, n);
    this.tOut = lease.take(Uint32Array, n);
    this.tSince = lease.take(Uint32Array, n);
    this.tRec = lease.take(Int32Array, n, -1);
    this.tLru = lease.take(Float64Array, n);
    this.tMru = lease.take(Uint8Array, units * this.sets);
    this.wMru = lease.take(Int32Array, units * 5);
    const w = units * wcEntries;
    this.wKey = lease.take(Float64Array, w, -1);
    this.wLevel = lease.take(Uint8Array, w);
    this.wOut = lease.take(Uint32Array, w);
    this.wSince = lease.take(Uint32Array, w);
    this.wRec = lease.take(Int32Array, w, -1);
    this.wLru = lease.take(Float64Array, w);
  }

  /** Global set number (unit * sets + set) where (level, index) lives in `unit`'s TLB. */
  setIndex(unit: number, level: number, index: number): number {
    // Integer hash of the 36-bit index (low word + high word) mixed with the level, so 4 KiB, 2 MiB and
    // 1 GiB entries of one region do not pile into one set. Int32 arithmetic only: no double modulo.
    const lo = index >>> 0;
    const hi = (index * 2 ** -32) | 0;
    const h = (lo ^ Math.imul(hi, 0x9e3779b1) ^ Math.imul(level, 0x85ebca6b)) >>> 0;
    return unit * this.sets + (this.setMask >= 0 ? h & this.setMask : h % this.sets);
  }

  /** First slot of the set where (level, index) lives in `unit`'s TLB. */
  setBase(unit: number, level: number, index: number): number {
    return this.setIndex(unit, level, index) * this.ways;
  }

  /** TLB slot holding (level, index, tag) in `unit`, or -1. */
  findTlb(unit: number, level: number, index: number, tag: number): number {
    const key = index * 131072 + tag;
    const si = this.setIndex(unit, level, index);
    const b = si * this.ways;
    // Most-recently-used way first: a lookup shortcut only, it changes no outcome. It already carries the
    // newest stamp of its set (hits and fills both set it), so the LRU order needs no update.
    const mru = b + this.tMru[si];
    if (this.tKey[mru] === key && this.tLevel[mru] === level) return mru;
    return this.scanTlb(si, level, key);
  }

  /** The other ways of set `si` (findTlb's slow half, apart so that the MRU probe stays small to inline). */
  private scanTlb(si: number, level: number, key: number): number {
    // The arrays and the way count in locals: read through `this` inside the loop, each is loaded again (with
    // a map check) on every iteration — the JIT does not hoist them past the loop's interrupt check.
    const keys = this.tKey;
    const levels = this.tLevel;
    const ways = this.ways;
    const b = si * ways;
    for (let w = 0; w < ways; w++) {
      const s = b + w;
      if (keys[s] === key && levels[s] === level) {
        this.tLru[s] = this.stamp++;
        this.tMru[si] = w;
        return s;
      }
    }
    return -1;
  }

  /** Slot to fill for (level, index) in `unit`: a free way or the least recently used. */
  victimTlb(unit: number, level: number, index: number): number {
    const b = this.setBase(unit, level, index);
    // Locals, as in scanTlb. The oldest stamp is carried along, not read again per way.
    const keys = this.tKey;
    const lru = this.tLru;
    const ways = this.ways;
    let best = b;
    let oldest = lru[b];
    for (let w = 0; w < ways; w++) {
      const s = b + w;
      if (keys[s] === -1) return s;
      if (lru[s] < oldest) {
        best = s;
        oldest = lru[s];
      }
    }
    return best;
  }

  /** Highest leaf level ever filled: lookups skip the probes for sizes never cached (a shortcut only). */
  maxLevel = 1;

  fillTlb(
    s: number,
    level: number,
    index: number,
    tag: number,
    flags: number,
    out: number,
    since: number,
  ): void {
    if (level > this.maxLevel) this.maxLevel = level;
    const si = (s / this.ways) | 0;
    this.tMru[si] = s - si * this.ways;
    this.tKey[s] = staleKey(index, tag);
    this.tLevel[s] = level;
    this.tFlags[s] = flags;
    this.tOut[s] = out;
    this.tSince[s] = since;
    this.tRec[s] = -1;
    this.tLru[s] = this.stamp++;
  }

  findWalk(unit: number, level: number, index: number, tag: number): number {
    if (this.wcEntries === 0) return -1;
    const key = staleKey(index, tag);
    // Last hit per (unit, level) first: consecutive walks mostly share their upper-level pointers.
    const m = this.wMru[unit * 5 + level];
    if (this.wKey[m] === key && this.wLevel[m] === level) {
      this.wLru[m] = this.stamp++;
      return m;
    }
    return this.scanWalk(unit, level, key);
  }

  /** Every entry of `unit`'s walk cache (findWalk's slow half, apart so that the MRU probe inlines). */
  private scanWalk(unit: number, level: number, key: number): number {
    // Locals, as in scanTlb.
    const keys = this.wKey;
    const levels = this.wLevel;
    const n = this.wcEntries;
    const b = unit * n;
    for (let i = 0; i < n; i++) {
      const s = b + i;
      if (keys[s] === key && levels[s] === level) {
        this.wLru[s] = this.stamp++;
        this.wMru[unit * 5 + level] = s;
        return s;
      }
    }
    return -1;
  }

  victimWalk(unit: number): number {
    // Locals and the oldest stamp carried along, as in victimTlb.
    const keys = this.wKey;
    const lru = this.wLru;
    const n = this.wcEntries;
    const b = unit * n;
    let best = b;
    let oldest = lru[b];
    for (let i = 0; i < n; i++) {
      const s = b + i;
      if (keys[s] === -1) return s;
      if (lru[s] < oldest) {
        best = s;
        oldest = lru[s];
      }
    }
    return best;
  }

  fillWalk(s: number, level: number, index: number, tag: number, out: number, since: number): void {
    this.wKey[s] = staleKey(index, tag);
    this.wLevel[s] = level;
    this.wOut[s] = out;
    this.wSince[s] = since;
    this.wRec[s] = -1;
    this.wLru[s] = this.stamp++;
  }
}

/** Tag part of a cache key (see staleKey). */
export function keyTag(key: number): number {
  // `| 0`: the key is a double past 2^31, and so is its remainder; a tag is below 2^17 — as a small integer it
  // is stored and compared as one wherever it goes (StaleSet's tag lists).
  return (key % 131072) | 0;
}

/** VA-index part of a cache key. */
export function keyIndex(key: number): number {
  return Math.floor(key / 131072);
}
