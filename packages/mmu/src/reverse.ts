// The reverse view: per frame, how many translations reach it, kept incrementally so that the safety
// questions of spec linux.md §1.2 (INV-WX, INV-XALIAS, INV-FREED-PT) are O(1).
// "valid" = present leaf entries in page tables (in the adversarial model each may also be cached);
// "stale" = possibly-cached translations whose entry has since changed (one record counts once, however
// many CPUs may hold it); "walk" = possibly-cached walk-cache entries pointing at a table frame that has
// since been unlinked.
import { Pte } from './constants.js';

const X = Pte.XUSER | Pte.XKERNEL;

export class ReverseView {
  readonly validRefs: Uint32Array;
  readonly validW: Uint16Array;
  readonly validX: Uint16Array;
  readonly staleRefs: Uint32Array;
  readonly staleW: Uint16Array;
  readonly staleX: Uint16Array;
  /** Valid entries stored before the frame's last free (frame reachable after free through a live PTE). */
  readonly validAfterFree: Uint16Array;
  /** Stale cached translations captured before the frame's last free. */
  readonly staleAfterFree: Uint16Array;
  /** Stale walk-cache entries pointing at this (table) frame. */
  readonly walkRefs: Uint16Array;
  /** ... of which were captured before the frame was freed. */
  readonly walkAfterFree: Uint16Array;
  /** Frames writable through one translation and executable through another (or the same). */
  wxFrames = 0;
  /** Frames with any after-free reacher (valid or stale). */
  afterFreeFrames = 0;
  /** Stale walk-cache entries pointing at freed table frames (summed over frames). */
  walkAfterFreeTotal = 0;

  constructor(
    readonly count: number,
    private readonly freedAt: Uint32Array,
  ) {
    this.validRefs = new Uint32Array(count);
    this.validW = new Uint16Array(count);
    this.validX = new Uint16Array(count);
    this.staleRefs = new Uint32Array(count);
    this.staleW = new Uint16Array(count);
    this.staleX = new Uint16Array(count);
    this.validAfterFree = new Uint16Array(count);
    this.staleAfterFree = new Uint16Array(count);
    this.walkRefs = new Uint16Array(count);
    this.walkAfterFree = new Uint16Array(count);
  }

  isWx(f: number): boolean {
    return this.validW[f] + this.staleW[f] > 0 && this.validX[f] + this.staleX[f] > 0;
  }

  private afterFree(f: number): boolean {
    return this.validAfterFree[f] + this.staleAfterFree[f] > 0;
  }

  /** Add (+1) or remove (-1) a present leaf reaching frames [first, first+n) stored at clock `since`. */
  valid(first: number, n: number, flags: number, since: number, d: 1 | -1): void {
    const end = Math.min(first + n, this.count);
    const w = (flags & Pte.WRITABLE) !== 0;
    const x = (flags & X) !== 0;
    for (let f = first; f < end; f++) {
      const wx0 = this.isWx(f);
      const af0 = this.afterFree(f);
      if (d > 0 && this.validRefs[f] >= 0xffff) throw new Error(`frame ${f}: more than 65535 translations`);
      this.validRefs[f] += d;
      if (w) this.validW[f] += d;
      if (x) this.validX[f] += d;
      if (this.freedAt[f] > since) this.validAfterFree[f] += d;
      if (this.isWx(f) !== wx0) this.wxFrames += wx0 ? -1 : 1;
      if (this.afterFree(f) !== af0) this.afterFreeFrames += af0 ? -1 : 1;
    }
  }

  /** Add or remove a stale cached leaf record. */
  stale(first: number, n: number, flags: number, since: number, d: 1 | -1): void {
    const end = Math.min(first + n, this.count);
    const w = (flags & Pte.WRITABLE) !== 0;
    const x = (flags & X) !== 0;
    for (let f = first; f < end; f++) {
      const wx0 = this.isWx(f);
      const af0 = this.afterFree(f);
      if (d > 0 && this.staleRefs[f] >= 0xffff)
        throw new Error(`frame ${f}: more than 65535 stale translations`);
      this.staleRefs[f] += d;
      if (w) this.staleW[f] += d;
      if (x) this.staleX[f] += d;
      if (this.freedAt[f] > since) this.staleAfterFree[f] += d;
      if (this.isWx(f) !== wx0) this.wxFrames += wx0 ? -1 : 1;
      if (this.afterFree(f) !== af0) this.afterFreeFrames += af0 ? -1 : 1;
    }
  }

  /** Add or remove a stale walk-cache record pointing at table frame `f`, linked at clock `since`. */
  walk(f: number, since: number, d: 1 | -1): void {
    if (f >= this.count) return;
    if (d > 0 && this.walkRefs[f] >= 0xffff)
      throw new Error(`frame ${f}: more than 65535 stale walk entries`);
    this.walkRefs[f] += d;
    if (this.freedAt[f] > since) {
      this.walkAfterFree[f] += d;
      this.walkAfterFreeTotal += d;
    }
  }

  /** The frame is being freed: everything reaching it now was captured before the free. */
  onFree(f: number): void {
    const af0 = this.afterFree(f);
    this.validAfterFree[f] = this.validRefs[f]!;
    this.staleAfterFree[f] = this.staleRefs[f]!;
    if (this.afterFree(f) !== af0) this.afterFreeFrames += af0 ? -1 : 1;
    this.walkAfterFreeTotal += this.walkRefs[f] - this.walkAfterFree[f];
    this.walkAfterFree[f] = this.walkRefs[f]!;
  }

  get bytes(): number {
    return this.count * (2 * 4 + 8 * 2);
  }
}
