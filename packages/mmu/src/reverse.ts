// The reverse view: per frame, how many translations reach it, kept incrementally so that the safety
// questions of spec linux.md §1.2 (INV-WX, INV-XALIAS, INV-FREED-PT) are O(1).
// "valid" = present leaf entries in page tables (in the adversarial model each may also be cached);
// "stale" = possibly-cached translations whose entry has since changed (one record counts once, however
// many CPUs may hold it); "walk" = possibly-cached walk-cache entries pointing at a table frame that has
// since been unlinked.
// A block leaf (2 MiB, 1 GiB) whose output is aligned to its size — what the architectures require of a
// block descriptor's output address (Arm ARM D8.3 "Translation table descriptor formats": the OA of a
// block descriptor is a multiple of the block size; Intel SDM Vol. 3A §4.5, tables 4-15/4-17: PDE/PDPTE
// bits 20:13 / 29:13 reserved) — is counted once, per chunk of frames it covers, so storing or retiring
// it costs what a 4 KiB leaf costs; a frame's count is the sum of its own count and its chunks' counts.
// An output the MMU was given unaligned is counted per frame, as before. Only the after-free counts are
// kept per frame for every leaf: they change for the frames freed since the leaf was stored, which the
// per-chunk latest-free clocks find without visiting the others.
import { ArrayLease } from './array-pool.js';
import { CHUNK2_SHIFT, CHUNK3_SHIFT, ChunkCounts, type FrameVisit } from './chunks.js';
import { Pte } from './constants.js';

const X = Pte.XUSER | Pte.XKERNEL;

/** Which frames of a range `ReverseView.framesWhere` visits. */
export type ReachKind = 'exec' | 'wx' | 'after-free';

/** walkCounts: a frame's stale walk entries count in units of this, those from before its free in the rest. */
const WALKS = 0x10000;

/** Per-level counts: index 0 per frame, 1 per 2 MiB chunk, 2 per 1 GiB chunk. */
type Levels<T> = [T, Uint32Array, Uint32Array];

export class ReverseView {
  private readonly vRefs: Levels<Uint16Array>;
  private readonly vW: Levels<Uint16Array>;
  private readonly vX: Levels<Uint16Array>;
  private readonly sRefs: Levels<Uint16Array>;
  private readonly sW: Levels<Uint16Array>;
  private readonly sX: Levels<Uint16Array>;
  /** The per-frame levels of the six above (own() reads them at every 4 KiB leaf change). */
  private readonly vR0: Uint16Array;
  private readonly vW0: Uint16Array;
  private readonly vX0: Uint16Array;
  private readonly sR0: Uint16Array;
  private readonly sW0: Uint16Array;
  private readonly sX0: Uint16Array;
  /** Valid entries stored before the frame's last free (frame reachable after free through a live PTE). */
  private readonly vAfterFree: Uint16Array;
  /** Stale cached translations captured before the frame's last free. */
  private readonly sAfterFree: Uint16Array;
  /**
   * Per frame with stale walk-cache entries pointing at it (only ever a page-table frame, a few per run):
   * their count × 2^16 + how many of them were captured before the frame's last free. A map, not two
   * per-frame arrays: 4 bytes per frame of memory for what a handful of frames use (DESIGN §8 heap budget).
   */
  private readonly walkCounts = new Map<number, number>();
  /** Latest free clock of any frame in each 2 MiB / 1 GiB chunk (0 = none freed). */
  private readonly lastFreed2: Uint32Array;
  private readonly lastFreed3: Uint32Array;
  /** Frames writable / executable through something, and frames with an after-free reacher, per chunk. */
  private readonly write: ChunkCounts;
  private readonly exec: ChunkCounts;
  private readonly afterFree: ChunkCounts;
  /** Frames reached by a translation of their own (a 4 KiB or unaligned leaf), and 2 MiB chunks by a block. */
  private readonly reach: ChunkCounts;
  /** Frames W and X through their own (per-frame) counts. */
  private wxOwn = 0;
  /** Block leaves (valid or stale) counted per chunk. */
  private blocks = 0;
  /** Frames with any after-free reacher (valid or stale). */
  afterFreeFrames = 0;
  /** Stale walk-cache entries pointing at freed table frames (summed over frames). */
  walkAfterFreeTotal = 0;

  constructor(
    readonly count: number,
    private readonly freedAt: Uint32Array,
    /** Where the arrays come from (the machine's, recycled across machines). */
    lease: ArrayLease = new ArrayLease(),
  ) {
    const n2 = Math.ceil(count / (1 << CHUNK2_SHIFT)) + 1;
    const n3 = Math.ceil(count / (1 << CHUNK3_SHIFT)) + 1;
    // Per frame 16 bits: a frame's translations are refused past 65535 (own, validRun), so no count wraps;
    // per chunk 32 bits (a 1 GiB chunk has 262144 frames).
    const u16 = (): Levels<Uint16Array> => [
      lease.take(Uint16Array, count),
      lease.take(Uint32Array, n2),
      lease.take(Uint32Array, n3),
    ];
    this.vRefs = u16();
    this.vW = u16();
    this.vX = u16();
    this.sRefs = u16();
    this.sW = u16();
    this.sX = u16();
    this.vR0 = this.vRefs[0];
    this.vW0 = this.vW[0];
    this.vX0 = this.vX[0];
    this.sR0 = this.sRefs[0];
    this.sW0 = this.sW[0];
    this.sX0 = this.sX[0];
    this.vAfterFree = lease.take(Uint16Array, count);
    this.sAfterFree = lease.take(Uint16Array, count);
    this.lastFreed2 = lease.take(Uint32Array, n2);
    this.lastFreed3 = lease.take(Uint32Array, n3);
    const [vW, vW2, vW3] = this.vW;
    const [sW, sW2, sW3] = this.sW;
    const [vX, vX2, vX3] = this.vX;
    const [sX, sX2, sX3] = this.sX;
    this.write = new ChunkCounts(
      count,
      (f) => vW[f] + sW[f] > 0,
      (c) => vW2[c] + sW2[c] > 0,
      (c) => vW3[c] + sW3[c] > 0,
      lease,
    );
    this.exec = new ChunkCounts(
      count,
      (f) => vX[f] + sX[f] > 0,
      (c) => vX2[c] + sX2[c] > 0,
      (c) => vX3[c] + sX3[c] > 0,
      lease,
    );
    this.afterFree = new ChunkCounts(count, (f) => this.isAfterFree(f), null, null, lease);
    const [vR, vR2] = this.vRefs;
    const [sR, sR2] = this.sRefs;
    // `reach` is only asked blocksOnly (ChunkCounts.onlyWhole), which reads its counts and never calls
    // these two conditions: they say what the counts count.
    this.reach = new ChunkCounts(
      count,
      // Stryker disable next-line all: never called (see above)
      (f) => vR[f] + sR[f] > 0,
      // Stryker disable next-line all: never called (see above)
      (c) => vR2[c] + sR2[c] > 0,
      null,
      lease,
    );
  }

  // ---------------------------------------------------------------- per-frame reads

  validRefs(f: number): number {
    return sum(this.vRefs, f);
  }
  validW(f: number): number {
    return sum(this.vW, f);
  }
  validX(f: number): number {
    return sum(this.vX, f);
  }
  staleRefs(f: number): number {
    return sum(this.sRefs, f);
  }
  staleW(f: number): number {
    return sum(this.sW, f);
  }
  staleX(f: number): number {
    return sum(this.sX, f);
  }
  /** Valid entries stored before the frame's last free. */
  validAfterFree(f: number): number {
    return this.vAfterFree[f];
  }
  /** Stale cached translations captured before the frame's last free. */
  staleAfterFree(f: number): number {
    return this.sAfterFree[f];
  }
  /** Stale walk-cache entries pointing at this (table) frame. */
  walkRefs(f: number): number {
    return Math.floor((this.walkCounts.get(f) ?? 0) / WALKS);
  }
  walkAfterFree(f: number): number {
    return (this.walkCounts.get(f) ?? 0) % WALKS;
  }

  isWx(f: number): boolean {
    return this.validW(f) + this.staleW(f) > 0 && this.validX(f) + this.staleX(f) > 0;
  }

  private isAfterFree(f: number): boolean {
    return this.vAfterFree[f] + this.sAfterFree[f] > 0;
  }

  /** Frames writable through one translation and executable through another (or the same). */
  get wxFrames(): number {
    if (this.blocks === 0) return this.wxOwn;
    let n = 0;
    this.write.eachBoth(this.exec, 0, this.count, () => n++);
    return n;
  }

  /**
   * Visit, in ascending order, the frames of [first, end) that are executable through something
   * (`exec`), writable and executable (`wx`), or reached by a translation older than their last free
   * (`after-free`): the frames a range judge must look at, found per chunk.
   */
  framesWhere(kind: ReachKind, first: number, end: number, visit: FrameVisit): void {
    if (kind === 'exec') this.exec.each(first, end, visit);
    else if (kind === 'wx') this.write.eachBoth(this.exec, first, end, visit);
    else this.afterFree.each(first, end, visit);
  }

  /**
   * For an aligned 2 MiB or 1 GiB chunk [first, end): is every translation reaching its frames a block
   * covering the whole chunk? Then each of its frames is reached by the same leaves, with the same
   * rights, and a judgement made of translations alone is the same for all of them.
   */
  blocksOnly(first: number, end: number): boolean {
    return this.reach.onlyWhole(first, end);
  }

  /** Might a frame of [first, end) be of `kind`? False: none is (answered per 2 MiB chunk, O(chunks)). */
  anyWhere(kind: ReachKind, first: number, end: number): boolean {
    if (kind === 'exec') return this.exec.any(first, end);
    if (kind === 'after-free') return this.afterFree.any(first, end);
    return this.write.any(first, end) && this.exec.any(first, end);
  }

  // ---------------------------------------------------------------- updates

  /** Add (+1) or remove (-1) a present leaf reaching frames [first, first+n) stored at clock `since`. */
  valid(first: number, n: number, flags: number, since: number, d: 1 | -1): void {
    if (n > 1 && first % n === 0) this.block(true, first, n, flags, since, d);
    else
      for (let f = first, end = Math.min(first + n, this.count); f < end; f++)
        this.own(true, f, flags, since, d);
  }

  /**
   * `n` 4 KiB leaves come, one per frame of [first, first + n), the k-th stored at clock `since + k` (a run of
   * stores into one table, bulk-stores.ts): what `valid(first + k, 1, flags, since + k, 1)` does for each k.
   */
  validRun(first: number, n: number, flags: number, since: number): void {
    const vR = this.vRefs[0];
    const sR = this.sRefs[0];
    const vW = this.vW[0];
    const sW = this.sW[0];
    const vX = this.vX[0];
    const sX = this.sX[0];
    const w = (flags & Pte.WRITABLE) !== 0;
    const x = (flags & X) !== 0;
    // Frames that start being reached, writable or executable are summed per 2 MiB chunk and added to the
    // chunk counts once per chunk (a boot's linear map is a run of 16 K frames on a 64 MiB machine: per
    // frame, these were most of its cost). Nothing reads the chunk counts inside the loop.
    let reached = 0;
    let writable = 0;
    let executable = 0;
    const end = Math.min(first + n, this.count);
    for (let lo = first; lo < end;) {
      const c = lo >>> CHUNK2_SHIFT;
      const hi = Math.min(end, (c + 1) << CHUNK2_SHIFT);
      if (this.reach.own2[c] === 0 && this.lastFreed2[c] <= since) {
        // No frame of this chunk is reached by a translation of its own, so each of its six counts is 0 (the
        // W and X ones count some of those translations), and none was freed after `since`: every frame
        // goes from nothing to this one translation. The loop below would find exactly that, frame by frame;
        // here it is written for the range at once (a boot's linear map, a populated mapping: fresh frames).
        const m = hi - lo;
        vR.fill(1, lo, hi);
        if (w) vW.fill(1, lo, hi);
        if (x) vX.fill(1, lo, hi);
        if (w && x) this.wxOwn += m;
        this.countRun(lo, m, w ? m : 0, x ? m : 0);
        lo = hi;
        continue;
      }
      for (let f = lo; f < hi; f++) {
        if (vR[f] >= 0xffff) {
          this.countRun(lo, reached, writable, executable);
          throw new Error(`frame ${f}: more than 65535 translations`);
        }
        if (vR[f] + sR[f] === 0) reached++;
        vR[f]++;
        const w0 = vW[f] + sW[f] > 0;
        const x0 = vX[f] + sX[f] > 0;
        if (w) {
          vW[f]++;
          if (!w0) writable++;
        }
        if (x) {
          vX[f]++;
          if (!x0) executable++;
        }
        if (!(w0 && x0) && (w || w0) && (x || x0)) this.wxOwn++;
        // Never true while a run is stored (every store and every free takes its own clock tick, so no
        // frame was freed after its leaf's store time); kept so that a run counts exactly as own() does.
        // Stryker disable next-line ConditionalExpression,EqualityOperator,BooleanLiteral: never true (above)
        if (this.freedAt[f] > since + (f - first)) this.afterFreeBy(true, f, 1);
      }
      this.countRun(lo, reached, writable, executable);
      reached = writable = executable = 0;
      lo = hi;
    }
  }

  /** validRun's per-chunk sums, into the chunk counts of the 2 MiB chunk holding `pfn`. */
  private countRun(pfn: number, reached: number, writable: number, executable: number): void {
    if (reached !== 0) this.reach.framesInChunk(pfn, reached);
    if (writable !== 0) this.write.framesInChunk(pfn, writable);
    if (executable !== 0) this.exec.framesInChunk(pfn, executable);
  }

  /**
   * A present leaf reaching [first, first+n) is retired and its stale record made (stored at clock `since`):
   * `valid(…, -1)` then `stale(…, 1)`, in one move. Per frame one translation changes sides, so whether the
   * frame is reached, writable, executable or reached after its free stays as it was; only the side counts
   * move. A block leaf keeps its two moves (its chunk counts).
   */
  retire(first: number, n: number, flags: number, since: number): void {
    if (n > 1 && first % n === 0) {
      this.block(true, first, n, flags, since, -1);
      this.block(false, first, n, flags, since, 1);
      return;
    }
    const end = Math.min(first + n, this.count);
    for (let f = first; f < end; f++) {
      if (this.sR0[f] >= 0xffff) {
        // A stale count that cannot grow: the two moves, to end (and throw) exactly as they do.
        this.valid(first, n, flags, since, -1);
        this.stale(first, n, flags, since, 1);
        return;
      }
    }
    const w = (flags & Pte.WRITABLE) !== 0;
    const x = (flags & X) !== 0;
    for (let f = first; f < end; f++) {
      this.vR0[f]--;
      this.sR0[f]++;
      if (w) {
        this.vW0[f]--;
        this.sW0[f]++;
      }
      if (x) {
        this.vX0[f]--;
        this.sX0[f]++;
      }
      if (this.freedAt[f] > since) {
        this.vAfterFree[f]--;
        this.sAfterFree[f]++;
      }
    }
  }

  /** Add or remove a stale cached leaf record. */
  stale(first: number, n: number, flags: number, since: number, d: 1 | -1): void {
    if (n > 1 && first % n === 0) this.block(false, first, n, flags, since, d);
    else
      for (let f = first, end = Math.min(first + n, this.count); f < end; f++)
        this.own(false, f, flags, since, d);
  }

  /**
   * One translation of frame `f` counted in the frame's own counts. Each count is read once: this side's
   * (valid or stale) moves by `d`, the other side's is only read; a new count wraps as a Uint16Array
   * element stores it (& 0xffff), so every test sees what reading the arrays again would.
   */
  private own(valid: boolean, f: number, flags: number, since: number, d: 1 | -1): void {
    const refs = valid ? this.vR0 : this.sR0;
    const rc = refs[f];
    if (d > 0 && rc >= 0xffff)
      throw new Error(`frame ${f}: more than 65535 ${valid ? '' : 'stale '}translations`);
    const ro = (valid ? this.sR0 : this.vR0)[f];
    const rn = (rc + d) & 0xffff;
    refs[f] = rn;
    if (rc + ro > 0 !== rn + ro > 0) this.reach.frame(f, d);
    const ws = valid ? this.vW0 : this.sW0;
    const xs = valid ? this.vX0 : this.sX0;
    const wc = ws[f];
    const xc = xs[f];
    const wo = (valid ? this.sW0 : this.vW0)[f];
    const xo = (valid ? this.sX0 : this.vX0)[f];
    let wn = wc;
    let xn = xc;
    if ((flags & Pte.WRITABLE) !== 0) ws[f] = wn = (wc + d) & 0xffff;
    if ((flags & X) !== 0) xs[f] = xn = (xc + d) & 0xffff;
    const w0 = wc + wo > 0;
    const x0 = xc + xo > 0;
    const w1 = wn + wo > 0;
    const x1 = xn + xo > 0;
    if (w1 !== w0) this.write.frame(f, d);
    if (x1 !== x0) this.exec.frame(f, d);
    if ((w0 && x0) !== (w1 && x1)) this.wxOwn += d;
    if (this.freedAt[f] > since) this.afterFreeBy(valid, f, d);
  }

  /** A block leaf reaching the aligned chunk [first, first+n), counted once for the chunk. */
  private block(valid: boolean, first: number, n: number, flags: number, since: number, d: 1 | -1): void {
    const lv = n === 1 << CHUNK2_SHIFT ? 1 : 2;
    const c = lv === 1 ? first >>> CHUNK2_SHIFT : first >>> CHUNK3_SHIFT;
    if (first >= this.count) return;
    const refs = (valid ? this.vRefs : this.sRefs)[lv];
    const wr = (valid ? this.vW : this.sW)[lv];
    const ex = (valid ? this.vX : this.sX)[lv];
    if (d > 0 && refs[c] >= 0xffff)
      throw new Error(`frame ${first}: more than 65535 ${valid ? '' : 'stale '}translations`);
    const w0 = this.vW[1][c] + this.sW[1][c] > 0;
    const x0 = this.vX[1][c] + this.sX[1][c] > 0;
    const r0 = this.vRefs[1][c] + this.sRefs[1][c] > 0;
    refs[c] += d;
    if ((flags & Pte.WRITABLE) !== 0) wr[c] += d;
    if ((flags & X) !== 0) ex[c] += d;
    if (lv === 1) {
      // A 2 MiB chunk wholly writable / executable is counted in its 1 GiB chunk's summary.
      if (this.vW[1][c] + this.sW[1][c] > 0 !== w0) this.write.chunk2(c, d);
      if (this.vX[1][c] + this.sX[1][c] > 0 !== x0) this.exec.chunk2(c, d);
      if (this.vRefs[1][c] + this.sRefs[1][c] > 0 !== r0) this.reach.chunk2(c, d);
    }
    this.blocks += d;
    this.freedSince(first, Math.min(first + n, this.count), since, (f) => this.afterFreeBy(valid, f, d));
  }

  /** A translation of `f` older than its last free comes (+1) or goes (-1). */
  private afterFreeBy(valid: boolean, f: number, d: 1 | -1): void {
    const af0 = this.isAfterFree(f);
    (valid ? this.vAfterFree : this.sAfterFree)[f] += d;
    if (this.isAfterFree(f) !== af0) this.afterFreeChanged(f, af0 ? -1 : 1);
  }

  private afterFreeChanged(f: number, d: 1 | -1): void {
    this.afterFreeFrames += d;
    this.afterFree.frame(f, d);
  }

  /** Visit the frames of [first, end) freed after clock `since`, skipping chunks freed before it. */
  private freedSince(first: number, end: number, since: number, visit: FrameVisit): void {
    const s3 = 1 << CHUNK3_SHIFT;
    const s2 = 1 << CHUNK2_SHIFT;
    for (let lo3 = first; lo3 < end; lo3 = (Math.floor(lo3 / s3) + 1) * s3) {
      if (this.lastFreed3[lo3 >>> CHUNK3_SHIFT] <= since) continue;
      const hi3 = Math.min(end, (Math.floor(lo3 / s3) + 1) * s3);
      for (let lo2 = lo3; lo2 < hi3; lo2 = (Math.floor(lo2 / s2) + 1) * s2) {
        if (this.lastFreed2[lo2 >>> CHUNK2_SHIFT] <= since) continue;
        const hi2 = Math.min(hi3, (Math.floor(lo2 / s2) + 1) * s2);
        for (let f = lo2; f < hi2; f++) if (this.freedAt[f] > since) visit(f);
      }
    }
  }

  /** Add or remove a stale walk-cache record pointing at table frame `f`, linked at clock `since`. */
  walk(f: number, since: number, d: 1 | -1): void {
    if (f >= this.count) return;
    const v = this.walkCounts.get(f) ?? 0;
    const walks = Math.floor(v / WALKS);
    let afterFree = v % WALKS;
    if (d > 0 && walks >= 0xffff) throw new Error(`frame ${f}: more than 65535 stale walk entries`);
    if (this.freedAt[f] > since) {
      afterFree += d;
      this.walkAfterFreeTotal += d;
    }
    this.setWalkCounts(f, walks + d, afterFree);
  }

  private setWalkCounts(f: number, walks: number, afterFree: number): void {
    if (walks === 0) this.walkCounts.delete(f);
    else this.walkCounts.set(f, walks * WALKS + afterFree);
  }

  /** The frame is being freed: everything reaching it now was captured before the free. */
  onFree(f: number): void {
    const af0 = this.isAfterFree(f);
    this.vAfterFree[f] = this.validRefs(f);
    this.sAfterFree[f] = this.staleRefs(f);
    if (this.isAfterFree(f) !== af0) this.afterFreeChanged(f, af0 ? -1 : 1);
    const v = this.walkCounts.size === 0 ? undefined : this.walkCounts.get(f);
    if (v !== undefined) {
      const walks = Math.floor(v / WALKS);
      this.walkAfterFreeTotal += walks - (v % WALKS);
      this.setWalkCounts(f, walks, walks);
    }
  }

  /** The frame's free clock was set: its chunks' latest free moves on. */
  onFreed(f: number): void {
    const t = this.freedAt[f];
    if (t > this.lastFreed2[f >>> CHUNK2_SHIFT]) this.lastFreed2[f >>> CHUNK2_SHIFT] = t;
    if (t > this.lastFreed3[f >>> CHUNK3_SHIFT]) this.lastFreed3[f >>> CHUNK3_SHIFT] = t;
  }
}

function sum(a: Levels<Uint32Array | Uint16Array>, f: number): number {
  return a[0][f] + a[1][f >>> CHUNK2_SHIFT] + a[2][f >>> CHUNK3_SHIFT];
}
