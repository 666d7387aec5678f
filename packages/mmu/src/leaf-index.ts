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
import { sortSmall } from './small-sort.js';

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
  /**
   * The 2 MiB blocks by the 2 MiB chunks of frames they map (an unaligned output spans two): a question
   * looks at its frame's chunk only — going through every block made a [key, value] pair per block per
   * question (the mermap invariant asks at every frame a window store changes).
   */
  private readonly byChunk = new Map<number, number[]>();
  /** The 1 GiB blocks (few): a question checks each. */
  private readonly large: number[] = [];

  constructor(frameCount: number, entryCapacity: number, lease: ArrayLease) {
    this.head = lease.take(Int32Array, frameCount, -1);
    this.next = lease.take(Int32Array, entryCapacity);
    this.prev = lease.take(Int32Array, entryCapacity);
  }

  /** Entry `e` (of a table at `level`) now holds a present leaf to `out`. */
  add(e: number, level: number, out: number): void {
    if (level !== 1) {
      this.blocks.set(e, out * 4 + level);
      if (level !== 2) this.large.push(e);
      else for (let c = chunkOf(out); c <= chunkOf(out + 511); c++) this.chunkList(c).push(e);
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
      if (level !== 2) drop(this.large, e);
      else for (let c = chunkOf(out); c <= chunkOf(out + 511); c++) drop(this.chunkList(c), e);
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
    const inChunk = this.byChunk.get(chunkOf(pfn));
    if (inChunk !== undefined) for (const e of inChunk) this.pushIfHolds(out, e, pfn);
    for (const e of this.large) this.pushIfHolds(out, e, pfn);
    return sortSmall(out, ascending);
  }

  /** Push block entry `e` if its frames hold `pfn`. */
  private pushIfHolds(out: number[], e: number, pfn: number): void {
    const v = this.blocks.get(e)!;
    const level = v % 4;
    const first = (v - level) / 4;
    if (pfn >= first && pfn < first + LEVEL_PAGES[level as Level]) out.push(e);
  }

  private chunkList(c: number): number[] {
    let list = this.byChunk.get(c);
    if (list === undefined) this.byChunk.set(c, (list = []));
    return list;
  }
}

/** The 2 MiB chunk of frames `pfn` is in. */
function chunkOf(pfn: number): number {
  return Math.floor(pfn / 512);
}

/** Remove one occurrence of `e` (a block entry is listed once per chunk it maps). */
function drop(list: number[], e: number): void {
  const i = list.indexOf(e);
  if (i >= 0) list.splice(i, 1);
}

function ascending(a: number, b: number): number {
  return a - b;
}
