// The reverse view as it was before block leaves were counted per chunk: every translation counted in
// every frame it reaches. The reference the chunked view is compared against (block-reverse.test.ts).
import { Pte } from '../src/index.js';

const X = Pte.XUSER | Pte.XKERNEL;

export class PerFrameReverse {
  readonly validRefs: Uint32Array;
  readonly validW: Uint16Array;
  readonly validX: Uint16Array;
  readonly staleRefs: Uint32Array;
  readonly staleW: Uint16Array;
  readonly staleX: Uint16Array;
  readonly validAfterFree: Uint16Array;
  readonly staleAfterFree: Uint16Array;
  readonly walkRefs: Uint16Array;
  readonly walkAfterFree: Uint16Array;
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

  isExec(f: number): boolean {
    return this.validX[f] + this.staleX[f] > 0;
  }

  isAfterFree(f: number): boolean {
    return this.validAfterFree[f] + this.staleAfterFree[f] > 0;
  }

  valid(first: number, n: number, flags: number, since: number, d: 1 | -1): void {
    this.add(true, first, n, flags, since, d);
  }

  stale(first: number, n: number, flags: number, since: number, d: 1 | -1): void {
    this.add(false, first, n, flags, since, d);
  }

  /** A retired leaf's record made: the translation moves from valid to stale. */
  retire(first: number, n: number, flags: number, since: number): void {
    this.add(true, first, n, flags, since, -1);
    this.add(false, first, n, flags, since, 1);
  }

  private add(valid: boolean, first: number, n: number, flags: number, since: number, d: 1 | -1): void {
    const refs = valid ? this.validRefs : this.staleRefs;
    const w = valid ? this.validW : this.staleW;
    const x = valid ? this.validX : this.staleX;
    const af = valid ? this.validAfterFree : this.staleAfterFree;
    for (let f = first; f < Math.min(first + n, this.count); f++) {
      refs[f] += d;
      if ((flags & Pte.WRITABLE) !== 0) w[f] += d;
      if ((flags & X) !== 0) x[f] += d;
      if (this.freedAt[f] > since) af[f] += d;
    }
  }

  walk(f: number, since: number, d: 1 | -1): void {
    if (f >= this.count) return;
    this.walkRefs[f] += d;
    if (this.freedAt[f] > since) {
      this.walkAfterFree[f] += d;
      this.walkAfterFreeTotal += d;
    }
  }

  onFree(f: number): void {
    this.validAfterFree[f] = this.validRefs[f];
    this.staleAfterFree[f] = this.staleRefs[f];
    this.walkAfterFreeTotal += this.walkRefs[f] - this.walkAfterFree[f];
    this.walkAfterFree[f] = this.walkRefs[f];
  }
}
