// Per-chunk summaries of a per-frame condition, so a question about a 2 MiB or 1 GiB range of frames
// ("which frames here are executable through something?") costs what its answer costs, not 262144 frame
// reads. A condition holds for a frame through the frame's own state (a 4 KiB leaf, a frame-book mark:
// counted per chunk here) or for every frame of a chunk at once (a block leaf whose output is that chunk:
// the caller says which chunks, and this class counts the 2 MiB ones per 1 GiB chunk).
import { ArrayLease } from './array-pool.js';

/** Frames per 2 MiB chunk and per 1 GiB chunk (4 KiB frames), as shifts. */
export const CHUNK2_SHIFT = 9;
export const CHUNK3_SHIFT = 18;
const S2 = 1 << CHUNK2_SHIFT;
const S3 = 1 << CHUNK3_SHIFT;

/** Visits frames in ascending order. */
export type FrameVisit = (pfn: number) => void;

export class ChunkCounts {
  /** Frames of each 2 MiB chunk whose own state satisfies the condition. */
  readonly own2: Uint16Array;
  /** Frames of each 1 GiB chunk whose own state satisfies the condition. */
  readonly own3: Uint32Array;
  /** 2 MiB chunks of each 1 GiB chunk where the condition holds for every frame. */
  readonly whole2in3: Uint16Array;

  constructor(
    readonly frames: number,
    /** The frame's own state satisfies the condition. */
    readonly own: (pfn: number) => boolean,
    /** Every frame of 2 MiB chunk `c` satisfies it (a block there); null when no chunk ever does. */
    readonly whole2: ((c: number) => boolean) | null = null,
    /** Every frame of 1 GiB chunk `c` satisfies it. */
    readonly whole3: ((c: number) => boolean) | null = null,
    /** Where the arrays come from (the machine's, recycled across machines). */
    lease: ArrayLease = new ArrayLease(),
  ) {
    this.own2 = lease.take(Uint16Array, Math.ceil(frames / S2) + 1);
    this.own3 = lease.take(Uint32Array, Math.ceil(frames / S3) + 1);
    this.whole2in3 = lease.take(Uint16Array, Math.ceil(frames / S3) + 1);
  }

  /** Frame `pfn`'s own state started (+1) or stopped (-1) satisfying the condition. */
  frame(pfn: number, d: 1 | -1): void {
    this.own2[pfn >>> CHUNK2_SHIFT] += d;
    this.own3[pfn >>> CHUNK3_SHIFT] += d;
  }

  /** `n` frames of the 2 MiB chunk holding `pfn` started (n > 0) or stopped (n < 0) satisfying it: what n
   *  calls of `frame` for frames of that chunk add up to. */
  framesInChunk(pfn: number, n: number): void {
    this.own2[pfn >>> CHUNK2_SHIFT] += n;
    this.own3[pfn >>> CHUNK3_SHIFT] += n;
  }

  /** 2 MiB chunk `c` started (+1) or stopped (-1) being wholly covered. */
  chunk2(c: number, d: 1 | -1): void {
    this.whole2in3[c >>> (CHUNK3_SHIFT - CHUNK2_SHIFT)] += d;
  }

  /** Count every frame as satisfying the condition (a condition that starts true, such as "free"). */
  countAll(): void {
    for (let f = 0; f < this.frames; f += S2) {
      const n = Math.min(S2, this.frames - f);
      this.own2[f >>> CHUNK2_SHIFT] = n;
      this.own3[f >>> CHUNK3_SHIFT] += n;
    }
  }

  /**
   * Might a frame of [first, end) satisfy the condition? False means none does; true is answered per
   * 2 MiB chunk, so a partly covered chunk may say true for a frame outside the range. O(chunks).
   */
  any(first: number, end: number): boolean {
    end = Math.min(end, this.frames);
    for (let lo3 = first; lo3 < end; lo3 = nextBoundary(lo3, S3)) {
      const c3 = lo3 >>> CHUNK3_SHIFT;
      if (!this.any3(c3)) continue;
      if (this.whole3 !== null && this.whole3(c3)) return true;
      const hi3 = Math.min(end, nextBoundary(lo3, S3));
      for (let lo2 = lo3; lo2 < hi3; lo2 = nextBoundary(lo2, S2)) {
        const c2 = lo2 >>> CHUNK2_SHIFT;
        if (this.own2[c2] !== 0 || (this.whole2 !== null && this.whole2(c2))) return true;
      }
    }
    return false;
  }

  /**
   * For an aligned 2 MiB or 1 GiB chunk [first, end): is no frame in it counted by its own state, and
   * (1 GiB) no 2 MiB chunk in it wholly? Then only whole-chunk causes (blocks covering it all) apply,
   * alike to every frame. False for any other range.
   */
  onlyWhole(first: number, end: number): boolean {
    if (end - first === S3 && first % S3 === 0 && end <= this.frames) {
      const c3 = first >>> CHUNK3_SHIFT;
      return this.own3[c3] === 0 && this.whole2in3[c3] === 0;
    }
    if (end - first === S2 && first % S2 === 0 && end <= this.frames)
      return this.own2[first >>> CHUNK2_SHIFT] === 0;
    return false;
  }

  /** Might a frame of 1 GiB chunk `c` satisfy the condition? */
  private any3(c: number): boolean {
    return this.own3[c] !== 0 || this.whole2in3[c] !== 0 || (this.whole3 !== null && this.whole3(c));
  }

  /** Visit, in ascending order, the frames of [first, end) that satisfy the condition. */
  each(first: number, end: number, visit: FrameVisit): void {
    end = Math.min(end, this.frames);
    for (let lo3 = first; lo3 < end; lo3 = nextBoundary(lo3, S3)) {
      const c3 = lo3 >>> CHUNK3_SHIFT;
      const hi3 = Math.min(end, nextBoundary(lo3, S3));
      if (!this.any3(c3)) continue;
      if (this.whole3 !== null && this.whole3(c3)) {
        every(lo3, hi3, visit);
        continue;
      }
      this.each2(lo3, hi3, visit);
    }
  }

  /** `each` inside one 1 GiB chunk that is not wholly covered. */
  private each2(first: number, end: number, visit: FrameVisit): void {
    for (let lo2 = first; lo2 < end; lo2 = nextBoundary(lo2, S2)) {
      const c2 = lo2 >>> CHUNK2_SHIFT;
      const hi2 = Math.min(end, nextBoundary(lo2, S2));
      if (this.whole2 !== null && this.whole2(c2)) every(lo2, hi2, visit);
      else if (this.own2[c2] !== 0) for (let f = lo2; f < hi2; f++) if (this.own(f)) visit(f);
    }
  }

  /** Visit, in ascending order, the frames of [first, end) that satisfy both `this` and `other`. */
  eachBoth(other: ChunkCounts, first: number, end: number, visit: FrameVisit): void {
    end = Math.min(end, this.frames, other.frames);
    for (let lo3 = first; lo3 < end; lo3 = nextBoundary(lo3, S3)) {
      const c3 = lo3 >>> CHUNK3_SHIFT;
      const hi3 = Math.min(end, nextBoundary(lo3, S3));
      if (!this.any3(c3) || !other.any3(c3)) continue;
      const a = this.whole3 !== null && this.whole3(c3);
      const b = other.whole3 !== null && other.whole3(c3);
      if (a && b) every(lo3, hi3, visit);
      else if (a) other.each2(lo3, hi3, visit);
      else if (b) this.each2(lo3, hi3, visit);
      else this.both2(other, lo3, hi3, visit);
    }
  }

  /** `eachBoth` inside one 1 GiB chunk that neither covers wholly. */
  private both2(other: ChunkCounts, first: number, end: number, visit: FrameVisit): void {
    for (let lo2 = first; lo2 < end; lo2 = nextBoundary(lo2, S2)) {
      const c2 = lo2 >>> CHUNK2_SHIFT;
      const hi2 = Math.min(end, nextBoundary(lo2, S2));
      const a = this.whole2 !== null && this.whole2(c2);
      const b = other.whole2 !== null && other.whole2(c2);
      if (a && b) every(lo2, hi2, visit);
      else if (a) {
        if (other.own2[c2] !== 0) for (let f = lo2; f < hi2; f++) if (other.own(f)) visit(f);
      } else if (b) {
        if (this.own2[c2] !== 0) for (let f = lo2; f < hi2; f++) if (this.own(f)) visit(f);
      } else if (this.own2[c2] !== 0 && other.own2[c2] !== 0) {
        for (let f = lo2; f < hi2; f++) if (this.own(f) && other.own(f)) visit(f);
      }
    }
  }
}

function nextBoundary(f: number, size: number): number {
  return (Math.floor(f / size) + 1) * size;
}

function every(first: number, end: number, visit: FrameVisit): void {
  for (let f = first; f < end; f++) visit(f);
}
