// Possibly-cached translations that no longer match the page tables ("stale records"). One record per
// changed entry, with a CPU mask (per TLB side) of the CPUs that may still hold it — so a change seen by
// 64 CPUs costs one record, not 64 — indexed by (level, VA at that level, tag) for O(1) hits.
// Used twice: for leaf TLB entries, and for walk-cache entries (non-leaf pointers to a table).
//
// Records share their mask in a *cohort*: records added one after another with the same tag, the same
// global bit and the same holders (every change of a space live on N CPUs, until one of them flushes) have
// one mask, so a CPU's full flush clears its bit once per cohort instead of once per record, and a record
// joining a cohort counts nothing per CPU. A record is split off into a cohort of its own before anything
// changes its mask alone. Records join cohorts only while nobody watches the set between its changes
// (`setBatched`: no observer, no trace): a batched full flush clears every cohort's bit first and frees the
// emptied records after, in the order a record-by-record scan frees them, so the records, their order and
// the free list end the same, but an observer told of a freed record in between would see the others
// already cleared.
import { ArrayLease } from './array-pool.js';
import { LEVEL_PAGES, LEVEL_SIZE, Pte, type Level } from './constants.js';
import { ABSENT, NumberMap } from './number-map.js';
import { sortSmall } from './small-sort.js';

/** Up to this many freed records are ordered by insertion (no subarray object); more by a typed sort. */
const SORT_IN_PLACE = 64;

/** Live records of one tag. */
interface TagCount {
  n: number;
}

export interface StaleListener {
  staleAdded(set: StaleSet, rec: number): void;
  staleRemoved(set: StaleSet, rec: number): void;
}

/** The distance between the keys of neighbouring VA indexes under one tag. */
const STALE_KEY_STEP = 131072;

/** Key of (VA index at a level, tag): tag < 2^17, index < 2^36, so the key stays an exact double. */
export function staleKey(indexAtLevel: number, tag: number): number {
  return indexAtLevel * STALE_KEY_STEP + tag;
}

export class StaleSet {
  private cap = 64;
  level: Uint8Array;
  tag: Int32Array;
  /** VA >> LEVEL_SHIFT[level]: the record covers [index*size, (index+1)*size). */
  index: Float64Array;
  flags: Uint32Array;
  out: Uint32Array;
  since: Uint32Array;
  /** Space that owned the entry (for explanations only). */
  space: Int32Array;
  /** Per cohort, per side, per 32 CPUs: who may hold the cohort's records. */
  private masks: Uint32Array;
  /** Per record: its cohort; the cohort's records in a doubly linked list. */
  private cohort: Int32Array;
  private memberNext: Int32Array;
  private memberPrev: Int32Array;
  /** Per cohort: records, first record, position in the live cohort list. */
  private cohortSize: Int32Array;
  private cohortFirst: Int32Array;
  private cohortPos: Int32Array;
  private cohortList: Int32Array;
  private cohortsLive = 0;
  private cohortTop = 0;
  private readonly freeCohorts: number[] = [];
  /** The cohort the last added record went to: the next one may join it. */
  private open = -1;
  /** Records join cohorts, full flushes go cohort by cohort, and cpuRefs counts cohorts (setBatched). */
  private batched = false;
  /** Live-list positions of the records a batched full flush emptied (scratch, grown as needed). */
  private emptied = new Int32Array(64);
  private next: Int32Array;
  private prev: Int32Array;
  private livePos: Int32Array;
  private liveList: Int32Array;
  /** Per level: the first record of each chain (level, index, tag), by staleKey. */
  private readonly heads: NumberMap[];
  private readonly freeRecs: number[] = [];
  /** The tags with live records, in the order they got their first: a question about one VA under every tag
   *  asks each tag in use (a few), not every record — an array, walked with no iterator object (a broadcast
   *  TLBI asks on every CPU it reaches). */
  private readonly liveTags: number[] = [];
  /** Live records per tag: a box per tag, kept for good once made. */
  private readonly tagCounts = new Map<number, TagCount>();
  /** The tag last counted and its box (boxes are never dropped): records come and go in runs of one tag
   *  (a flush frees a window's or a block's records), so most adds and frees look up no map at all. */
  private lastTag = -1;
  private lastCount: TagCount = { n: 0 };
  /**
   * The chain head `head` found last, for (memoLevel, memoIndex, memoTag); memoIndex NaN = none. A flush of one
   * VA on every CPU (a kernel-range flush IPI'd to 48 CPUs) asks the same chain once per CPU, and only `add`
   * and `remove` change a head: each forgets the memo where it changes the map.
   */
  private memoLevel = 0;
  // NaN for none, here and in askedVa / snapVa (only ever compared with ===): a double from the start. A VA
  // or a VA index passes the small-integer range (kernel addresses), and a field first holding a small
  // integer then changed representation, which gave StaleSet a new hidden class and deoptimised the code
  // optimised for the old one.
  private memoIndex = NaN;
  private memoTag = 0;
  private memoHead = -1;
  /** Adds and removes so far: what `recordsAt` snapshot holds until this moves. */
  private changes = 0;
  /** The VA `recordsAt` was asked first, by which CPU, and `changes` then. */
  private askedVa = NaN;
  private askedCpu = -1;
  private askedChanges = -1;
  /** The snapshot `recordsAt` made: of `snapVa`, valid while `changes` is `snapChanges`. */
  private snapVa = NaN;
  private snapChanges = -1;
  private snapN = 0;
  /** The records of the snapshot, `vaRecords[0 … n − 1]` (scratch: longer than n, never truncated). */
  readonly vaRecords: number[] = [];
  /**
   * Per-frame index (leaf set only): 4 KiB records chained by output frame, so the invariants judging
   * one frame visit only the records that reach it instead of every live record (vfree of N pages judged
   * N frames against N records: quadratic). Larger leaves, few, are kept apart and checked one by one.
   */
  private readonly byFrame: NumberMap | null;
  private frameNext: Int32Array;
  private framePrev: Int32Array;
  private readonly largeLeaves = new Set<number>();
  private top = 0;
  live = 0;
  /** Live records per level (index 1..4). */
  private readonly levelLive = new Int32Array(5);
  /**
   * Per CPU: records whose mask (any side) has this CPU — lets an access skip the lookup entirely, and the
   * trace samples it. While batched, cohorts instead (non-zero exactly when the CPU holds a record).
   */
  readonly cpuRefs: Int32Array;
  readonly stride: number;

  constructor(
    readonly cpus: number,
    /** 1 (unified) or 2 (split I/D: side 0 = data, side 1 = instruction). */
    readonly sides: number,
    private readonly listener: StaleListener,
    /** Keep the per-frame index (the leaf set: records whose `out` is a data frame). */
    indexFrames = false,
    /** Where the first arrays come from (the machine's, recycled across machines); grown ones are new. */
    lease: ArrayLease = new ArrayLease(),
  ) {
    const cap = this.cap;
    this.level = lease.take(Uint8Array, cap);
    this.tag = lease.take(Int32Array, cap);
    this.index = lease.take(Float64Array, cap);
    this.flags = lease.take(Uint32Array, cap);
    this.out = lease.take(Uint32Array, cap);
    this.since = lease.take(Uint32Array, cap);
    this.space = lease.take(Int32Array, cap);
    this.next = lease.take(Int32Array, cap);
    this.prev = lease.take(Int32Array, cap);
    this.livePos = lease.take(Int32Array, cap);
    this.liveList = lease.take(Int32Array, cap);
    this.byFrame = indexFrames ? new NumberMap(lease) : null;
    // Pushed into a list, not `[0, 1, 2, 3, 4].map(…)`: map's result is of another array class (V8 elements
    // kind) made by optimised code than by the interpreter, so sets built before and after the constructor
    // was optimised had `heads` of two classes, and every reader optimised for one was deoptimised by the
    // other (add, remove, gather, heldAt, chain, conflictsUnder).
    const heads: NumberMap[] = [];
    for (let level = 0; level <= 4; level++) heads.push(new NumberMap(lease, 16, STALE_KEY_STEP));
    this.heads = heads;
    this.frameNext = lease.take(Int32Array, indexFrames ? cap : 0);
    this.framePrev = lease.take(Int32Array, indexFrames ? cap : 0);
    this.words = Math.ceil(cpus / 32);
    this.stride = this.words * sides;
    this.masks = lease.take(Uint32Array, cap * this.stride);
    this.cohort = lease.take(Int32Array, cap);
    this.memberNext = lease.take(Int32Array, cap);
    this.memberPrev = lease.take(Int32Array, cap);
    this.cohortSize = lease.take(Int32Array, cap);
    this.cohortFirst = lease.take(Int32Array, cap);
    this.cohortPos = lease.take(Int32Array, cap);
    this.cohortList = lease.take(Int32Array, cap);
    this.cpuRefs = lease.take(Int32Array, cpus);
  }
  readonly words: number;

  /**
   * Batched (nobody looks between changes) or exact. Switching recounts cpuRefs: records per CPU when
   * exact, cohorts per CPU when batched.
   */
  setBatched(on: boolean): void {
    if (on === this.batched) return;
    this.batched = on;
    this.open = -1;
    this.cpuRefs.fill(0);
    for (let i = 0; i < this.cohortsLive; i++) {
      const k = this.cohortList[i];
      this.recount(k, on ? 1 : this.cohortSize[k]);
    }
  }

  /**
   * Add a record for the CPUs of `holders` (a mask of `words` words, same for every side selected by
   * `sideMask`: 1 data, 2 instruction, 3 both) — or, with `perSide`, one mask per side laid out side after
   * side. Returns the record, or -1 when no CPU may hold it.
   */
  add(
    level: number,
    tag: number,
    index: number,
    flags: number,
    out: number,
    since: number,
    space: number,
    holders: Uint32Array,
    holdersOffset: number,
    sideMask: number,
    perSide = false,
  ): number {
    let any = 0;
    const span = perSide ? this.stride : this.words;
    for (let w = 0; w < span; w++) any |= holders[holdersOffset + w];
    if (any === 0) return -1;
    const r = this.freeRecs.length > 0 ? this.freeRecs.pop()! : this.top++;
    if (r >= this.cap) this.grow();
    this.level[r] = level;
    this.tag[r] = tag;
    this.index[r] = index;
    this.flags[r] = flags;
    this.out[r] = out;
    this.since[r] = since;
    this.space[r] = space;
    let k = this.open;
    if (k < 0 || !this.joins(k, tag, flags, holders, holdersOffset, sideMask, perSide)) {
      k = this.newCohort();
      const base = k * this.stride;
      for (let s = 0; s < this.sides; s++) {
        const on = this.sides === 1 || (sideMask & (1 << s)) !== 0;
        const src = holdersOffset + (perSide ? s * this.words : 0);
        for (let w = 0; w < this.words; w++)
          this.masks[base + s * this.words + w] = on ? holders[src + w] : 0;
      }
      this.recount(k, 1);
      if (this.batched) this.open = k;
    }
    this.enter(r, k);
    const head = this.heads[level].exchange(staleKey(index, tag), r);
    this.memoIndex = NaN;
    this.changes++;
    this.prev[r] = -1;
    this.next[r] = head;
    if (head !== ABSENT) this.prev[head] = r;
    this.levelLive[level]++;
    this.livePos[r] = this.live;
    this.liveList[this.live++] = r;
    const count = this.countOf(tag);
    // `| 0`: a tag (< 2^17) reckoned in floating point by a caller arrives as a heap number; pushed as one it
    // turned liveTags into an array of doubles (a new hidden class for it, and deoptimised readers).
    if (count.n++ === 0) this.liveTags.push(tag | 0);
    if (this.byFrame !== null) this.indexFrame(r);
    this.listener.staleAdded(this, r);
    return r;
  }

  /** First record for (level, index, tag) that `cpu` may hold on `side` (0 data, 1 instruction), or -1. */
  find(cpu: number, side: number, level: number, index: number, tag: number): number {
    const r = this.head(level, index, tag);
    return r < 0 ? -1 : this.heldFrom(r, cpu, side);
  }

  /**
   * First record of the chain (level, index, tag), or -1. A level without records answers without the map.
   */
  private head(level: number, index: number, tag: number): number {
    if (this.levelLive[level] === 0) return -1;
    if (index === this.memoIndex && tag === this.memoTag && level === this.memoLevel) return this.memoHead;
    const r = this.heads[level].get(staleKey(index, tag));
    this.memoLevel = level;
    this.memoIndex = index;
    this.memoTag = tag | 0; // a small integer, whatever the caller reckoned it in (add's liveTags)
    this.memoHead = r;
    return r;
  }

  /** The record after `r` in its chain (same level, index, tag) that `cpu` may hold on `side`, or -1. */
  findNext(r: number, cpu: number, side: number): number {
    const n = this.next[r]!;
    return n < 0 ? -1 : this.heldFrom(n, cpu, side);
  }

  private heldFrom(r: number, cpu: number, side: number): number {
    const w = cpu >>> 5;
    const bit = 1 << (cpu & 31);
    const s = this.sides === 1 ? 0 : side;
    while (r >= 0) {
      if ((this.masks[this.cohort[r] * this.stride + s * this.words + w] & bit) !== 0) return r;
      r = this.next[r]!;
    }
    return -1;
  }

  /** Does `cpu` hold record `r` on any side? */
  holds(r: number, cpu: number): boolean {
    const w = cpu >>> 5;
    const bit = 1 << (cpu & 31);
    const base = this.cohort[r] * this.stride + w;
    if (this.sides === 1) return (this.masks[base] & bit) !== 0;
    return ((this.masks[base] | this.masks[base + this.words]) & bit) !== 0;
  }

  /** CPUs that may hold record `r` (any side), ascending. */
  holders(r: number): number[] {
    const out: number[] = [];
    for (let c = 0; c < this.cpus; c++) if (this.holds(r, c)) out.push(c);
    return out;
  }

  /** CPUs that may hold record `r` on `side` (0 data, 1 instruction), ascending; unified: every holder. */
  sideHolders(r: number, side: number): number[] {
    if (this.sides === 1) return this.holders(r);
    const out: number[] = [];
    const off = this.cohort[r] * this.stride + side * this.words;
    for (let c = 0; c < this.cpus; c++)
      if ((this.masks[off + (c >>> 5)] & (1 << (c & 31))) !== 0) out.push(c);
    return out;
  }

  /** Drop `cpu`'s copy of record `r` on the sides of `sideMask`; frees the record when nobody holds it. */
  drop(r: number, cpu: number, sideMask: number): void {
    let k = this.cohort[r];
    const base = k * this.stride + (cpu >>> 5);
    const bit = 1 << (cpu & 31);
    // Nothing to clear: the record stays as it is (and, being live, held by someone).
    const m =
      this.sides === 1
        ? this.masks[base]
        : ((sideMask & 1) !== 0 ? this.masks[base] : 0) |
          ((sideMask & 2) !== 0 ? this.masks[base + this.words] : 0);
    if ((m & bit) === 0) return;
    if (this.cohortSize[k] > 1) k = this.split(r);
    if (this.clear(k, cpu, sideMask)) this.remove(r);
  }

  /**
   * Every CPU's copy of record `r` on the sides of `sideMask` dropped: what `drop(r, c, sideMask)` for c = 0, 1, …
   * does until `r` is freed — a page's one record at the DSB of a broadcast TLBI that reaches it on every CPU,
   * at a kernel-range INVLPG round. On a unified TLB in one go, the record freed: the first holder's drop would
   * split `r` off its cohort, each holder's clears its bit and its count, the last one's frees `r`; here the
   * split, the bits and counts, then the free: nobody hears of the set in between (its listener only of the
   * free), so it ends the same, records and cohorts included. A split TLB's sides are dropped CPU by CPU.
   */
  dropEverywhere(r: number, sideMask: number): void {
    if (this.sides !== 1) {
      for (let c = 0; c < this.cpus; c++) {
        const before = this.live;
        this.drop(r, c, sideMask);
        if (this.live !== before) return;
      }
      return;
    }
    let k = this.cohort[r];
    if (this.cohortSize[k] > 1) k = this.split(r);
    const base = k * this.stride;
    for (let w = 0; w < this.words; w++) {
      let bits = this.masks[base + w];
      this.masks[base + w] = 0;
      while (bits !== 0) {
        const low = bits & -bits;
        this.cpuRefs[w * 32 + 31 - Math.clz32(low)]--;
        bits ^= low;
      }
    }
    this.remove(r);
  }

  /** The highest CPU that may hold record `r` on any side (a live record has one). */
  lastHolder(r: number): number {
    const base = this.cohort[r] * this.stride;
    for (let w = this.words - 1; w >= 0; w--) {
      let bits = 0;
      for (let s = 0; s < this.sides; s++) bits |= this.masks[base + s * this.words + w];
      if (bits !== 0) return w * 32 + 31 - Math.clz32(bits);
    }
    return -1;
  }

  /**
   * A full flush on `cpu`: drop its copy (sides of `sideMask`) of every live record whose tag `reaches(want,
   * tag, global)` accepts — global ones (flag `globalFlag` set) kept when
   * `keepGlobal` — as a scan of the live list from its end drops them (`liveAt`). Batched, cohort by
   * cohort, the emptied records freed after in that scan's order; either way the scan stops once it has
   * passed everything the CPU held.
   */
  dropWhere(
    cpu: number,
    sideMask: number,
    want: number,
    keepGlobal: boolean,
    globalFlag: number,
    reaches: (want: number, have: number, global: boolean) => boolean,
  ): void {
    const w = cpu >>> 5;
    const bit = 1 << (cpu & 31);
    const words = this.words;
    const stride = this.stride;
    const unified = this.sides === 1;
    const masks = this.masks;
    let left = this.cpuRefs[cpu];
    if (!this.batched) {
      for (let i = this.live - 1; i >= 0 && left > 0; i--) {
        const r = this.liveList[i];
        const base = this.cohort[r] * stride + w;
        if (((unified ? masks[base] : masks[base] | masks[base + words]) & bit) === 0) continue;
        left--;
        const global = (this.flags[r] & globalFlag) !== 0;
        if ((keepGlobal && global) || !reaches(want, this.tag[r], global)) continue;
        this.drop(r, cpu, sideMask);
      }
      return;
    }
    let n = 0;
    for (let i = this.cohortsLive - 1; i >= 0 && left > 0; i--) {
      const k = this.cohortList[i];
      const base = k * stride + w;
      if (((unified ? masks[base] : masks[base] | masks[base + words]) & bit) === 0) continue;
      left--;
      const r0 = this.cohortFirst[k];
      const global = (this.flags[r0] & globalFlag) !== 0;
      if ((keepGlobal && global) || !reaches(want, this.tag[r0], global)) continue;
      if (!this.clear(k, cpu, sideMask)) continue;
      // A cohort lists its records newest first (highest position, mostly): stored backwards, they come
      // nearly in ascending order.
      const size = this.cohortSize[k];
      if (n + size > this.emptied.length) this.growEmptied(n + size);
      for (let r = r0, j = n + size - 1; r >= 0; r = this.memberNext[r]) this.emptied[j--] = this.livePos[r];
      n += size;
    }
    if (n === 0) return;
    // Freed from the highest live position down, as the scan would: freeing the record at position p moves
    // the last record, which is above p and not to be freed, into p, so the lower positions still hold.
    const pos = this.emptied;
    if (n > SORT_IN_PLACE) pos.subarray(0, n).sort();
    else
      for (let i = 1; i < n; i++) {
        const p = pos[i];
        let j = i - 1;
        for (; j >= 0 && pos[j] > p; j--) pos[j + 1] = pos[j];
        pos[j + 1] = p;
      }
    for (let j = n - 1; j >= 0; j--) this.remove(this.liveList[pos[j]]);
  }

  /** Is any live record tagged `tag`? */
  hasTag(tag: number): boolean {
    // The tag counted last answers from its box (live exactly while its count is positive); and when that is
    // the only tag live, no other tag is — an INVLPG asks its PCID's records and the global ones on every CPU.
    if (tag === this.lastTag) return this.lastCount.n > 0;
    if (this.liveTags.length === (this.lastCount.n > 0 ? 1 : 0)) return false;
    return (this.tagCounts.get(tag)?.n ?? 0) > 0;
  }

  /**
   * The live records at `va` — every level, every tag — as `vaRecords[0 … n − 1]`: level by level, each
   * level's tags in liveTags order, each chain in its order (so the records of one tag come as that tag's
   * chains list them, level by level). −1 instead when `va` was not asked by another CPU since the set last
   * changed: an invalidation on one CPU asks once or twice and walks the chains itself. A flush of one page on
   * every CPU (a kernel-range flush IPI'd to 48 CPUs, a broadcast TLBI) asks the same VA on each: from the
   * second CPU on, one snapshot answers every tag and level, until an add or a remove changes a chain.
   */
  recordsAt(va: number, cpu: number): number {
    if (va === this.snapVa && this.changes === this.snapChanges) return this.snapN;
    if (va !== this.askedVa || this.changes !== this.askedChanges || cpu === this.askedCpu) {
      this.askedVa = va;
      this.askedCpu = cpu;
      this.askedChanges = this.changes;
      return -1;
    }
    const n = this.gather(va, 1, 4, -1, 0, null, this.vaRecords);
    this.snapVa = va;
    this.snapChanges = this.changes;
    this.snapN = n;
    return n;
  }

  /**
   * The one live record at `va` of levels `lo`..`hi`, whatever its tag: the record, −1 when there is none, −2
   * when there are more (an IPI round that INVLPGs one page on every CPU drops it CPU after CPU, asking
   * nothing else per CPU: `Machine.ipiInvlpg`).
   */
  soleAt(va: number, lo: number, hi: number): number {
    let found = -1;
    for (let l = lo; l <= hi; l++) {
      if (this.levelLive[l] === 0) continue;
      const index = Math.floor(va / LEVEL_SIZE[l as Level]);
      for (let k = 0; k < this.liveTags.length; k++) {
        for (let r = this.head(l, index, this.liveTags[k]); r >= 0; r = this.next[r]) {
          if (found >= 0) return -2;
          found = r;
        }
      }
    }
    return found;
  }

  /** Records for (level, index, tag) — all of them, for checks that look at every CPU. */
  chain(level: number, index: number, tag: number): number {
    return this.head(level, index, tag);
  }

  nextInChain(r: number): number {
    return this.next[r];
  }

  /**
   * Live record at position `i` (0 ≤ i < live). Iterate from live − 1 down to 0: dropping the record at
   * `i` moves an already-visited one into its place, so nothing is skipped and nothing is allocated.
   */
  liveAt(i: number): number {
    return this.liveList[i];
  }

  /**
   * Live records whose output range (a leaf of LEVEL_PAGES[level] frames from `out`) holds `pfn`, in
   * live-list order — the order a scan of `liveAt(0 … live − 1)` finds them. Needs the per-frame index.
   */
  reaching(pfn: number): number[] {
    const out: number[] = [];
    for (let r = this.byFrame!.get(pfn); r >= 0; r = this.frameNext[r]) out.push(r);
    for (const r of this.largeLeaves) {
      const first = this.out[r];
      if (pfn >= first && pfn < first + LEVEL_PAGES[this.level[r] as Level]) out.push(r);
    }
    return out.length > 1 ? sortSmall(out, (a, b) => this.livePos[a] - this.livePos[b]) : out;
  }

  /** Is the per-frame index kept (so `reaching` answers)? */
  get framesIndexed(): boolean {
    return this.byFrame !== null;
  }

  private indexFrame(r: number): void {
    if (this.level[r] !== 1) {
      this.largeLeaves.add(r);
      return;
    }
    const head = this.byFrame!.exchange(this.out[r], r);
    this.framePrev[r] = -1;
    this.frameNext[r] = head;
    if (head !== ABSENT) this.framePrev[head] = r;
  }

  private unindexFrame(r: number): void {
    if (this.level[r] !== 1) {
      this.largeLeaves.delete(r);
      return;
    }
    const p = this.framePrev[r];
    const n = this.frameNext[r];
    if (p >= 0) this.frameNext[p] = n;
    else if (n >= 0) this.byFrame!.set(this.out[r], n);
    else this.byFrame!.delete(this.out[r]);
    if (n >= 0) this.framePrev[n] = p;
  }

  /**
   * The records `cpu` may hold for `va` at levels `lo`..`hi` under a tag `match(want, tag)` accepts (a plain
   * function and its argument, not a closure: a flush to every CPU asks once per CPU), into `out`, in
   * descending live-list position: the order a scan of the live list from its end finds them in. Dropping
   * them in that order leaves the live list and the record free list exactly as that scan would (a drop
   * moves only the last record, already passed), and so what later reports name. Returns how many: they
   * are `out[0 … n − 1]` (the array is scratch, reused without being truncated).
   */
  heldAt(
    va: number,
    lo: number,
    hi: number,
    cpu: number,
    want: number,
    match: (want: number, tag: number) => boolean,
    out: number[],
  ): number {
    // The order gather finds them in does not matter here: the sort orders them.
    const n = this.gather(va, lo, hi, cpu, want, match, out);
    this.byDescendingPosition(out, n);
    return n;
  }

  /**
   * The records at `va` of levels `lo`..`hi`, of the tags `match(want, tag)` accepts (every tag: `match` null),
   * that `cpu` holds (any CPU: `cpu` < 0), as `out[0 … n − 1]`; returns n. Level by level, each level's tags
   * in liveTags order, each chain in its order; a level without records is skipped before its index is
   * computed or any tag asked (a broadcast TLBI asks on every CPU; records are mostly of one size).
   */
  private gather(
    va: number,
    lo: number,
    hi: number,
    cpu: number,
    want: number,
    match: ((want: number, tag: number) => boolean) | null,
    out: number[],
  ): number {
    let n = 0;
    for (let l = lo; l <= hi; l++) {
      if (this.levelLive[l] === 0) continue;
      const index = Math.floor(va / LEVEL_SIZE[l as Level]);
      for (let k = 0; k < this.liveTags.length; k++) {
        const t = this.liveTags[k];
        if (match !== null && !match(want, t)) continue;
        for (let r = this.head(l, index, t); r >= 0; r = this.next[r])
          if (cpu < 0 || this.holds(r, cpu)) out[n++] = r;
      }
    }
    return n;
  }

  /**
   * Order records `out[0 … n − 1]` by descending live-list position (the order a scan of the live list from its
   * end finds them): an insertion sort of the few found (positions are distinct), no comparator closure.
   */
  byDescendingPosition(out: number[], n: number): void {
    for (let i = 1; i < n; i++) {
      const r = out[i];
      const pos = this.livePos[r];
      let j = i - 1;
      for (; j >= 0 && this.livePos[out[j]] < pos; j--) out[j + 1] = out[j];
      out[j + 1] = r;
    }
  }

  /** The live records in place (no copy): valid until the next add or drop. */
  liveView(): Int32Array {
    return this.liveList.subarray(0, this.live);
  }

  /** Snapshot of live records (safe to drop while iterating it). */
  liveRecords(): Int32Array {
    return this.liveList.slice(0, this.live);
  }

  /**
   * Clear `cpu` from cohort `k` on the sides of `sideMask` (the CPU's count drops by one when it holds the
   * cohort on no side any more: batched, it counts cohorts; exact, only a record's own cohort is cleared).
   * Returns whether nobody holds the cohort now.
   */
  private clear(k: number, cpu: number, sideMask: number): boolean {
    const base = k * this.stride;
    const at = base + (cpu >>> 5);
    const bit = 1 << (cpu & 31);
    const masks = this.masks;
    if (this.sides === 1) {
      if ((masks[at] & bit) === 0) return false;
      masks[at] &= ~bit;
      this.cpuRefs[cpu]--;
    } else {
      const had = ((masks[at] | masks[at + this.words]) & bit) !== 0;
      if ((sideMask & 1) !== 0) masks[at] &= ~bit;
      if ((sideMask & 2) !== 0) masks[at + this.words] &= ~bit;
      if (had && ((masks[at] | masks[at + this.words]) & bit) === 0) this.cpuRefs[cpu]--;
    }
    for (let i = 0; i < this.stride; i++) if (masks[base + i] !== 0) return false;
    return true;
  }

  /** May record (tag, flags, holders as `add` reads them) join cohort `k`: the same tag, global bit, masks? */
  private joins(
    k: number,
    tag: number,
    flags: number,
    holders: Uint32Array,
    holdersOffset: number,
    sideMask: number,
    perSide: boolean,
  ): boolean {
    const r0 = this.cohortFirst[k];
    if (this.tag[r0] !== tag || ((this.flags[r0] ^ flags) & Pte.GLOBAL) !== 0) return false;
    const base = k * this.stride;
    for (let s = 0; s < this.sides; s++) {
      const on = this.sides === 1 || (sideMask & (1 << s)) !== 0;
      const src = holdersOffset + (perSide ? s * this.words : 0);
      for (let w = 0; w < this.words; w++)
        if (this.masks[base + s * this.words + w] !== (on ? holders[src + w] : 0)) return false;
    }
    return true;
  }

  /** A new, empty cohort (its mask is the caller's to write). */
  private newCohort(): number {
    const k = this.freeCohorts.length > 0 ? this.freeCohorts.pop()! : this.cohortTop++;
    this.cohortSize[k] = 0;
    this.cohortFirst[k] = -1;
    this.cohortPos[k] = this.cohortsLive;
    this.cohortList[this.cohortsLive++] = k;
    return k;
  }

  /** Record `r` joins cohort `k`. */
  private enter(r: number, k: number): void {
    const first = this.cohortFirst[k];
    this.cohort[r] = k;
    this.memberPrev[r] = -1;
    this.memberNext[r] = first;
    if (first >= 0) this.memberPrev[first] = r;
    this.cohortFirst[k] = r;
    this.cohortSize[k]++;
  }

  /** Record `r` leaves its cohort; an empty cohort is freed. */
  private leave(r: number): void {
    const k = this.cohort[r];
    const p = this.memberPrev[r];
    const n = this.memberNext[r];
    if (p >= 0) this.memberNext[p] = n;
    else this.cohortFirst[k] = n;
    if (n >= 0) this.memberPrev[n] = p;
    if (--this.cohortSize[k] > 0) return;
    if (this.open === k) this.open = -1;
    const pos = this.cohortPos[k];
    const last = this.cohortList[--this.cohortsLive];
    this.cohortList[pos] = last;
    this.cohortPos[last] = pos;
    this.freeCohorts.push(k);
  }

  /** Record `r` gets a cohort of its own with the same mask (before its mask changes alone). */
  private split(r: number): number {
    const from = this.cohort[r];
    this.leave(r);
    const k = this.newCohort();
    this.masks.copyWithin(k * this.stride, from * this.stride, (from + 1) * this.stride);
    this.enter(r, k);
    // Exact: the CPUs still hold the same records. Batched: they hold one more cohort.
    if (this.batched) this.recount(k, 1);
    return k;
  }

  private growEmptied(n: number): void {
    let len = this.emptied.length;
    while (len < n) len *= 2;
    const a = new Int32Array(len);
    a.set(this.emptied);
    this.emptied = a;
  }

  /** The live count of `tag` (its box, made at the tag's first record). */
  private countOf(tag: number): TagCount {
    if (tag === this.lastTag) return this.lastCount;
    // Set whether new or not (setting a key again keeps its place): a branch only a tag's first record takes
    // never runs once its code is optimised, and a new machine's first record then threw that code away.
    const count = this.tagCounts.get(tag) ?? { n: 0 };
    this.tagCounts.set(tag, count);
    this.lastTag = tag | 0; // a small integer, whatever the caller reckoned it in (add's liveTags)
    this.lastCount = count;
    return count;
  }

  /** Free record `r` (nobody holds it any more). */
  private remove(r: number): void {
    this.listener.staleRemoved(this, r);
    this.changes++;
    this.leave(r);
    const p = this.prev[r];
    const n = this.next[r];
    if (p >= 0) this.next[p] = n;
    else {
      const map = this.heads[this.level[r]];
      const key = staleKey(this.index[r], this.tag[r]);
      if (n >= 0) map.set(key, n);
      else map.delete(key);
      this.memoIndex = NaN;
    }
    if (n >= 0) this.prev[n] = p;
    this.levelLive[this.level[r]]--;
    if (this.byFrame !== null) this.unindexFrame(r);
    const tag = this.tag[r];
    if (--this.countOf(tag).n === 0) this.unlistTag(tag);
    const pos = this.livePos[r];
    const last = this.liveList[--this.live];
    this.liveList[pos] = last;
    this.livePos[last] = pos;
    this.freeRecs.push(r);
  }

  /** `tag` has no live record any more: out of liveTags, the others keeping their order. */
  private unlistTag(tag: number): void {
    const tags = this.liveTags;
    for (let i = tags.indexOf(tag); i < tags.length - 1; i++) tags[i] = tags[i + 1];
    tags.pop();
  }

  /** Add `d` to the count of every CPU that holds cohort `k` on any side. */
  private recount(k: number, d: number): void {
    // Union of the sides' masks, then one increment per set bit.
    const base = k * this.stride;
    for (let w = 0; w < this.words; w++) {
      let bits = 0;
      for (let s = 0; s < this.sides; s++) bits |= this.masks[base + s * this.words + w];
      while (bits !== 0) {
        const low = bits & -bits;
        this.cpuRefs[w * 32 + 31 - Math.clz32(low)] += d;
        bits ^= low;
      }
    }
  }

  private grow(): void {
    const cap = this.cap * 2;
    const g = <T extends Uint8Array | Int32Array | Uint32Array | Float64Array>(a: T, n: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.level = g(this.level, cap);
    this.tag = g(this.tag, cap);
    this.index = g(this.index, cap);
    this.flags = g(this.flags, cap);
    this.out = g(this.out, cap);
    this.since = g(this.since, cap);
    this.space = g(this.space, cap);
    this.next = g(this.next, cap);
    this.prev = g(this.prev, cap);
    this.livePos = g(this.livePos, cap);
    this.liveList = g(this.liveList, cap);
    if (this.byFrame !== null) {
      this.frameNext = g(this.frameNext, cap);
      this.framePrev = g(this.framePrev, cap);
    }
    this.masks = g(this.masks, cap * this.stride);
    this.cohort = g(this.cohort, cap);
    this.memberNext = g(this.memberNext, cap);
    this.memberPrev = g(this.memberPrev, cap);
    this.cohortSize = g(this.cohortSize, cap);
    this.cohortFirst = g(this.cohortFirst, cap);
    this.cohortPos = g(this.cohortPos, cap);
    this.cohortList = g(this.cohortList, cap);
    this.cap = cap;
  }
}
