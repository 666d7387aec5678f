// Which page-table entries map a frame: the reverse of the tables' `out` words, for the questions that
// must name every present leaf reaching one frame (`validTranslations`: cross-mm-alias, wx-alias). Without
// it each question scanned every entry of every table — the direct map's alone is 16 K entries on a
// 64 MiB machine, and the mermap invariant asks once per frame changed — so a scenario mapping N frames
// paid N table scans. Entries of level-1 tables (4 KiB leaves) are chained by output frame; entries of
// higher tables (blocks: 2 MiB, 1 GiB — few) are kept apart and checked one by one. The index is built
// on the first question (a scenario that never asks pays nothing) and kept from then on by every entry
// write (`PageTables.write`).
import { ArrayLease } from './array-pool.js';
import { LEVEL_PAGES, type Level } from './constants.js';
import { grown } from './grown.js';

export class LeafIndex {
  /** First entry of each frame's chain, -1 when none. */
  private readonly head: Int32Array;
  private next: Int32Array;
  private prev: Int32Array;
  /**
   * Entries of level-2/3 tables holding a present leaf (blocks), each with its first frame and level as
   * `out × 4 + level`: a question takes only the blocks whose frames hold its frame (a 2 MiB direct map has
   * one block per 512 frames, and each question took and sorted all of them).
   */
  private readonly blocks = new Map<number, number>();

  constructor(frameCount: number, entryCapacity: number, lease: ArrayLease) {
    this.head = lease.take(Int32Array, frameCount, -1);
    this.next = lease.take(Int32Array, entryCapacity);
    this.prev = lease.take(Int32Array, entryCapacity);
  }

  /** Entry `e` (of a table at `level`) now holds a present leaf to `out`. */
  add(e: number, level: number, out: number): void {
    if (level !== 1) {
      this.blocks.set(e, out * 4 + level);
      return;
    }
    if (out >= this.head.length) return; // outside the machine's memory: no frame to answer for
    const h = this.head[out];
    this.prev[e] = -1;
    this.next[e] = h;
    if (h >= 0) this.prev[h] = e;
    this.head[out] = e;
  }

  /** Entry `e` (of a table at `level`), which held a present leaf to `out`, no longer does. */
  remove(e: number, level: number, out: number): void {
    if (level !== 1) {
      this.blocks.delete(e);
      return;
    }
    if (out >= this.head.length) return;
    const p = this.prev[e];
    const n = this.next[e];
    if (p >= 0) this.next[p] = n;
    else this.head[out] = n;
    if (n >= 0) this.prev[n] = p;
  }

  /** The tables grew to `entryCapacity` entries. */
  grow(entryCapacity: number): void {
    this.next = grown(this.next, entryCapacity);
    this.prev = grown(this.prev, entryCapacity);
  }

  /**
   * Entries that may map `pfn`, ascending: its 4 KiB chain and the block entries whose frames hold it (the
   * caller checks each entry's flags and whether its table still counts).
   */
  candidates(pfn: number): number[] {
    const out: number[] = [];
    if (pfn < this.head.length) for (let e = this.head[pfn]; e >= 0; e = this.next[e]) out.push(e);
    for (const [e, v] of this.blocks) {
      const level = v % 4;
      const first = (v - level) / 4;
      if (pfn >= first && pfn < first + LEVEL_PAGES[level as Level]) out.push(e);
    }
    if (out.length > 1) out.sort((a, b) => a - b);
    return out;
  }
}
