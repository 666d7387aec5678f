// ChunkCounts answers range questions about a per-frame condition per 2 MiB / 1 GiB chunk (the chunk
// sizes of an aligned block leaf: Arm ARM D8.3, Intel SDM Vol. 3A §4.5). Checked here against the
// condition evaluated frame by frame: a frame satisfies it through its own state, or because its 2 MiB
// or 1 GiB chunk is wholly covered.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHUNK2_SHIFT, CHUNK3_SHIFT, ChunkCounts } from '../src/chunks.js';
import { propertyRuns } from './helpers.js';

const S2 = 1 << CHUNK2_SHIFT;
const S3 = 1 << CHUNK3_SHIFT;
/** Two whole 1 GiB chunks and a partial third one (the last 2 MiB chunk partial too). */
const FRAMES = 2 * S3 + 5 * S2 + 100;

/** A condition held in plain arrays and sets, and the ChunkCounts kept up to date with it. */
class Model {
  readonly own = new Uint8Array(FRAMES);
  readonly whole2 = new Set<number>();
  readonly whole3 = new Set<number>();
  readonly counts: ChunkCounts;

  constructor(withWhole2: boolean, withWhole3: boolean) {
    this.counts = new ChunkCounts(
      FRAMES,
      (f) => this.own[f] === 1,
      withWhole2 ? (c) => this.whole2.has(c) : null,
      withWhole3 ? (c) => this.whole3.has(c) : null,
    );
  }

  /** Per frame: does the condition hold (own state, or a wholly covered chunk)? */
  holds(): Uint8Array {
    const h = this.own.slice();
    for (const c of this.whole2) h.fill(1, c * S2, Math.min(FRAMES, (c + 1) * S2));
    for (const c of this.whole3) h.fill(1, c * S3, Math.min(FRAMES, (c + 1) * S3));
    return h;
  }

  toggleOwn(f: number): void {
    this.own[f] ^= 1;
    this.counts.frame(f, this.own[f] === 1 ? 1 : -1);
  }

  toggleWhole2(c: number): void {
    if (this.whole2.delete(c)) this.counts.chunk2(c, -1);
    else {
      this.whole2.add(c);
      this.counts.chunk2(c, 1);
    }
  }

  toggleWhole3(c: number): void {
    if (!this.whole3.delete(c)) this.whole3.add(c);
  }
}

/** Prefix sums of a per-frame 0/1 array: any range's count in O(1). */
function prefix(a: Uint8Array): (lo: number, hi: number) => number {
  const p = new Int32Array(FRAMES + 1);
  for (let f = 0; f < FRAMES; f++) p[f + 1] = p[f] + a[f];
  return (lo, hi) => p[Math.min(hi, FRAMES)] - p[Math.min(lo, FRAMES)];
}

/** Frames near chunk edges, where an off-by-one would show. */
const frame = fc.oneof(
  fc.integer({ min: 0, max: FRAMES - 1 }),
  fc.constantFrom(0, 1, S2 - 1, S2, 3 * S2 + 7, S3 - 1, S3, S3 + S2 - 1, 2 * S3, 2 * S3 + 5 * S2 + 99),
);
const chunk2 = fc.integer({ min: 0, max: (FRAMES - 1) >>> CHUNK2_SHIFT });
const chunk3 = fc.integer({ min: 0, max: (FRAMES - 1) >>> CHUNK3_SHIFT });
const range = fc
  .tuple(frame, fc.oneof(frame, fc.integer({ min: 0, max: FRAMES + S2 }), fc.constant(FRAMES + 7)))
  .map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]));

type Op = { k: 'own'; f: number } | { k: 'w2'; c: number } | { k: 'w3'; c: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: frame.map((f) => ({ k: 'own' as const, f })) },
  { weight: 1, arbitrary: chunk2.map((c) => ({ k: 'w2' as const, c })) },
  { weight: 1, arbitrary: chunk3.map((c) => ({ k: 'w3' as const, c })) },
);

function apply(m: Model, ops: readonly Op[]): void {
  for (const o of ops) {
    if (o.k === 'own') m.toggleOwn(o.f);
    else if (o.k === 'w2' && m.counts.whole2 !== null) m.toggleWhole2(o.c);
    else if (o.k === 'w3' && m.counts.whole3 !== null) m.toggleWhole3(o.c);
  }
}

/** Frames of [first, end) visited, as (count, first few, sum): whole chunks make long lists. */
function visited(run: (visit: (f: number) => void) => void): {
  n: number;
  head: number[];
  sum: number;
  sorted: boolean;
} {
  const head: number[] = [];
  let n = 0;
  let sum = 0;
  let last = -1;
  let sorted = true;
  run((f) => {
    if (n < 40) head.push(f);
    if (f <= last) sorted = false;
    last = f;
    n++;
    sum += f;
  });
  return { n, head, sum, sorted };
}

function expected(holds: Uint8Array, first: number, end: number): ReturnType<typeof visited> {
  return visited((visit) => {
    for (let f = first; f < Math.min(end, FRAMES); f++) if (holds[f] === 1) visit(f);
  });
}

describe('ChunkCounts against the per-frame condition', () => {
  for (const [w2, w3] of [
    [true, true],
    [true, false],
    [false, false],
  ] as const) {
    it(`each / any / onlyWhole (whole 2 MiB chunks ${w2 ? 'on' : 'off'}, whole 1 GiB ${w3 ? 'on' : 'off'})`, () => {
      fc.assert(
        fc.property(
          fc.array(op, { maxLength: 30 }),
          fc.array(range, { minLength: 1, maxLength: 4 }),
          (ops, ranges) => {
            const m = new Model(w2, w3);
            apply(m, ops);
            const holds = m.holds();
            const held = prefix(holds);
            const own = prefix(m.own);
            for (const [first, end] of ranges) {
              expect(visited((v) => m.counts.each(first, end, v))).toEqual(expected(holds, first, end));
              // `any` is answered per 2 MiB chunk: true iff a frame of a 2 MiB chunk the range touches holds.
              const hi = Math.min(FRAMES, end);
              const touched = first < hi && held(first - (first % S2), hi - 1 - ((hi - 1) % S2) + S2) > 0;
              expect(m.counts.any(first, end)).toBe(touched);
            }
            // onlyWhole: an aligned chunk none of whose frames holds by its own state (nor, for 1 GiB, by
            // a whole 2 MiB chunk inside it).
            for (let c = 0; c < FRAMES >>> CHUNK2_SHIFT; c += 37)
              expect(m.counts.onlyWhole(c * S2, (c + 1) * S2)).toBe(own(c * S2, (c + 1) * S2) === 0);
            for (let c = 0; c < Math.floor(FRAMES / S3); c++) {
              let some = own(c * S3, (c + 1) * S3) > 0;
              if (w2) some ||= [...m.whole2].some((k) => k >>> (CHUNK3_SHIFT - CHUNK2_SHIFT) === c);
              expect(m.counts.onlyWhole(c * S3, (c + 1) * S3)).toBe(!some);
            }
          },
        ),
        { numRuns: propertyRuns(40, 8), seed: 7 },
      );
    });
  }

  it('eachBoth visits the frames where both conditions hold, whichever side covers a chunk wholly', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 30 }),
        fc.array(op, { maxLength: 30 }),
        fc.boolean(),
        fc.array(range, { minLength: 1, maxLength: 3 }),
        (opsA, opsB, bWhole, ranges) => {
          const a = new Model(true, true);
          const b = new Model(bWhole, bWhole);
          apply(a, opsA);
          apply(b, opsB);
          // Overlap on purpose: the same edge frames and chunks on both sides.
          for (const f of [S2 - 1, S3 + 3]) {
            a.toggleOwn(f);
            b.toggleOwn(f);
          }
          const both = a.holds();
          const hb = b.holds();
          for (let f = 0; f < FRAMES; f++) both[f] &= hb[f];
          for (const [first, end] of ranges) {
            const want = expected(both, first, end);
            expect(visited((v) => a.counts.eachBoth(b.counts, first, end, v))).toEqual(want);
            expect(visited((v) => b.counts.eachBoth(a.counts, first, end, v))).toEqual(want);
          }
        },
      ),
      { numRuns: propertyRuns(40, 8), seed: 8 },
    );
  });

  it('whole chunks on both sides, and a whole 1 GiB chunk against whole 2 MiB chunks', () => {
    const a = new Model(true, true);
    const b = new Model(true, true);
    a.toggleWhole3(1);
    b.toggleWhole3(1);
    a.toggleWhole2(3);
    b.toggleWhole2(3);
    b.toggleWhole2(S3 / S2 + 2); // inside a's whole 1 GiB chunk 1
    a.toggleOwn(3 * S2 + 4);
    const both = a.holds();
    const hb = b.holds();
    for (let f = 0; f < FRAMES; f++) both[f] &= hb[f];
    expect(visited((v) => a.counts.eachBoth(b.counts, 0, FRAMES, v))).toEqual(expected(both, 0, FRAMES));
    expect(visited((v) => a.counts.eachBoth(b.counts, 0, FRAMES, v)).n).toBe(S2 + S3);
  });

  it('countAll counts every frame, the partial last chunks by what they hold', () => {
    const c = new ChunkCounts(FRAMES, () => true);
    c.countAll();
    expect(Array.from(c.own2.subarray(0, 3))).toEqual([S2, S2, S2]);
    expect(c.own2[(FRAMES - 1) >>> CHUNK2_SHIFT]).toBe(100);
    expect(Array.from(c.own3.subarray(0, 3))).toEqual([S3, S3, 5 * S2 + 100]);
    expect(visited((v) => c.each(S3 - 2, S3 + 2, v)).head).toEqual([S3 - 2, S3 - 1, S3, S3 + 1]);
    expect(c.onlyWhole(0, S2)).toBe(false);
    // Past the end: no chunk there, and onlyWhole is asked of aligned chunks inside memory only.
    expect(c.any(FRAMES, FRAMES + S2)).toBe(false);
    expect(c.onlyWhole(2 * S3, 3 * S3)).toBe(false);
  });

  it('onlyWhole is false for ranges that are not one aligned chunk', () => {
    const c = new ChunkCounts(FRAMES, () => false);
    expect([c.onlyWhole(0, S2), c.onlyWhole(0, S3), c.onlyWhole(S3, 2 * S3)]).toEqual([true, true, true]);
    expect([
      c.onlyWhole(1, S2 + 1),
      c.onlyWhole(0, S2 - 1),
      c.onlyWhole(0, 2 * S2),
      c.onlyWhole(S2, S2 + S3),
      c.onlyWhole(2 * S3 + 5 * S2, 2 * S3 + 6 * S2),
    ]).toEqual([false, false, false, false, false]);
  });
});
