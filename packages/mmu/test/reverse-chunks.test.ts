// The reverse view's range questions (DESIGN §2): which frames of a range may be executable, W+X or
// reached after their free, and which aligned chunks are reached by whole-chunk blocks only. An aligned
// block leaf is counted once per chunk (its output is a multiple of its size: Arm ARM D8.3, Intel SDM
// Vol. 3A §4.5), a 4 KiB or unaligned leaf per frame; the answers must not depend on which.
import { describe, expect, it } from 'vitest';
import { Pte } from '../src/index.js';
import { CHUNK2_SHIFT, CHUNK3_SHIFT } from '../src/chunks.js';
import { ReverseView } from '../src/reverse.js';

const S2 = 1 << CHUNK2_SHIFT;
const S3 = 1 << CHUNK3_SHIFT;
const FRAMES = 2 * S3;
const W = Pte.WRITABLE;
const X = Pte.XUSER;

function view(): { v: ReverseView; freedAt: Uint32Array } {
  const freedAt = new Uint32Array(FRAMES);
  return { v: new ReverseView(FRAMES, freedAt), freedAt };
}

function where(v: ReverseView, kind: 'exec' | 'wx' | 'after-free', first: number, end: number): number[] {
  const out: number[] = [];
  v.framesWhere(kind, first, end, (f) => out.push(f));
  return out;
}

describe('reverse view: blocksOnly', () => {
  it('an aligned chunk reached by nothing, or by blocks covering it whole, is judged alike', () => {
    const { v } = view();
    expect([v.blocksOnly(0, S2), v.blocksOnly(0, S3)]).toEqual([true, true]);
    v.valid(S2, S2, W, 1, 1); // a 2 MiB block at chunk 1
    v.valid(S3, S3, X, 1, 1); // a 1 GiB block at the second 1 GiB chunk
    expect([v.blocksOnly(S2, 2 * S2), v.blocksOnly(S3, 2 * S3), v.blocksOnly(S3 + S2, S3 + 2 * S2)]).toEqual([
      true,
      true,
      true,
    ]);
    // A 2 MiB block inside the first 1 GiB chunk: its frames are not all reached alike.
    expect(v.blocksOnly(0, S3)).toBe(false);
    // A 4 KiB leaf (or a stale record of one) reaches one frame: its chunks are no longer alike.
    v.stale(S3 + 5, 1, W, 2, 1);
    expect([v.blocksOnly(S3, S3 + S2), v.blocksOnly(S3, 2 * S3), v.blocksOnly(S3 + S2, S3 + 2 * S2)]).toEqual(
      [false, false, true],
    );
    v.stale(S3 + 5, 1, W, 2, -1);
    expect(v.blocksOnly(S3, 2 * S3)).toBe(true);
    // An unaligned "block" (output not a multiple of its size) is counted per frame.
    v.valid(3 * S2 + 1, S2, W, 3, 1);
    expect([
      v.blocksOnly(3 * S2, 4 * S2),
      v.blocksOnly(4 * S2, 5 * S2),
      v.blocksOnly(5 * S2, 6 * S2),
    ]).toEqual([false, false, true]);
    expect(v.validRefs(4 * S2)).toBe(1);
    expect(v.validRefs(3 * S2)).toBe(0);
    // Removing the 2 MiB block leaves the first 1 GiB chunk with per-frame reachers only.
    v.valid(S2, S2, W, 1, -1);
    expect(v.blocksOnly(S2, 2 * S2)).toBe(true);
    expect(v.validRefs(S2)).toBe(0);
  });
});

describe('reverse view: anyWhere and framesWhere', () => {
  it('exec / wx / after-free per chunk, blocks and single frames alike', () => {
    const { v, freedAt } = view();
    expect([
      v.anyWhere('exec', 0, FRAMES),
      v.anyWhere('wx', 0, FRAMES),
      v.anyWhere('after-free', 0, FRAMES),
    ]).toEqual([false, false, false]);
    v.valid(S2, S2, X, 1, 1); // executable 2 MiB block
    v.valid(S2 + 7, 1, W, 1, 1); // one of its frames also writable through a 4 KiB leaf
    expect(v.anyWhere('exec', S2 - 1, S2)).toBe(false);
    expect(v.anyWhere('exec', S2 - 1, S2 + 1)).toBe(true);
    expect(v.anyWhere('wx', 0, S2)).toBe(false);
    expect(v.anyWhere('wx', S2, 2 * S2)).toBe(true);
    expect(where(v, 'wx', 0, FRAMES)).toEqual([S2 + 7]);
    expect(where(v, 'exec', S2 - 2, S2 + 2)).toEqual([S2, S2 + 1]);
    expect(v.wxFrames).toBe(1);
    // A writable 1 GiB block over an executable 4 KiB leaf: one W+X frame; W alone is not W+X.
    v.valid(S3, S3, W, 1, 1);
    expect(v.anyWhere('wx', S3, 2 * S3)).toBe(false);
    v.stale(S3 + 3 * S2 + 9, 1, X, 1, 1);
    expect([v.anyWhere('wx', S3, S3 + S2), v.anyWhere('wx', S3 + 3 * S2, S3 + 3 * S2 + 1)]).toEqual([
      false,
      true,
    ]);
    expect(where(v, 'wx', S3, 2 * S3)).toEqual([S3 + 3 * S2 + 9]);
    expect(v.wxFrames).toBe(2);
    expect(v.isWx(S3 + 3 * S2 + 9)).toBe(true);
    // A translation stored before its frame's free reaches it after the free.
    const f = 3 * S2 + 4;
    v.valid(f, 1, 0, 5, 1);
    freedAt[f] = 6;
    v.onFreed(f);
    v.onFree(f);
    expect([v.anyWhere('after-free', 3 * S2, 4 * S2), v.anyWhere('after-free', 4 * S2, S3)]).toEqual([
      true,
      false,
    ]);
    expect(where(v, 'after-free', 0, FRAMES)).toEqual([f]);
    expect(v.afterFreeFrames).toBe(1);
    // A block stored before the free of one of its frames reaches that frame after the free.
    v.valid(0, S2, 0, 4, 1);
    expect(where(v, 'after-free', 0, FRAMES)).toEqual([f]);
    freedAt[10] = 7;
    v.onFreed(10);
    v.onFree(10);
    expect(where(v, 'after-free', 0, FRAMES)).toEqual([10, f]);
    // Once the old translations go, nothing is reached after free.
    v.valid(0, S2, 0, 4, -1);
    v.valid(f, 1, 0, 5, -1);
    expect([v.anyWhere('after-free', 0, FRAMES), v.afterFreeFrames]).toEqual([false, 0]);
  });

  it('stale walk-cache entries to a table frame count after its free only if linked before it', () => {
    const { v, freedAt } = view();
    v.walk(42, 3, 1);
    freedAt[42] = 5;
    v.onFreed(42);
    v.onFree(42);
    expect([v.walkRefs(42), v.walkAfterFree(42), v.walkAfterFreeTotal]).toEqual([1, 1, 1]);
    v.walk(42, 6, 1); // linked again after the free
    expect([v.walkRefs(42), v.walkAfterFree(42), v.walkAfterFreeTotal]).toEqual([2, 1, 1]);
    v.walk(42, 3, -1);
    expect([v.walkRefs(42), v.walkAfterFree(42), v.walkAfterFreeTotal]).toEqual([1, 0, 0]);
    // Beyond memory: nothing counted.
    v.walk(FRAMES + 1, 0, 1);
    expect(v.walkAfterFreeTotal).toBe(0);
  });
});

describe('reverse view: what one kind of translation leaves in the others', () => {
  it('an executable-only frame is "exec" and not "wx"; a writable-only one neither; both once more, gone again', () => {
    const { v } = view();
    v.valid(S3 + 5, 1, X, 1, 1);
    v.valid(S2 + 9, 1, W, 1, 1);
    expect([v.anyWhere('exec', S3, S3 + S2), v.anyWhere('wx', S3, S3 + S2)]).toEqual([true, false]);
    expect([v.anyWhere('exec', S2, 2 * S2), v.anyWhere('wx', S2, 2 * S2)]).toEqual([false, false]);
    expect([where(v, 'exec', 0, FRAMES), where(v, 'wx', 0, FRAMES), v.wxFrames]).toEqual([[S3 + 5], [], 0]);
    // A second translation of the executable frame, writable: now W+X; removed again: exec only.
    v.stale(S3 + 5, 1, W, 2, 1);
    expect([where(v, 'wx', 0, FRAMES), v.wxFrames, v.isWx(S3 + 5)]).toEqual([[S3 + 5], 1, true]);
    v.stale(S3 + 5, 1, W, 2, -1);
    v.valid(S3 + 5, 1, X, 1, -1);
    v.valid(S2 + 9, 1, W, 1, -1);
    expect([v.anyWhere('exec', 0, FRAMES), v.anyWhere('wx', 0, FRAMES), v.wxFrames]).toEqual([
      false,
      false,
      0,
    ]);
    expect([v.blocksOnly(S2, 2 * S2), v.blocksOnly(S3, S3 + S2)]).toEqual([true, true]);
  });

  it('a writable 2 MiB block over an executable 4 KiB frame: W+X found through the 1 GiB summary, valid or stale', () => {
    for (const kind of ['valid', 'stale'] as const) {
      const { v } = view();
      v[kind](S2, S2, W, 1, 1);
      v.valid(S2 + 3, 1, X, 1, 1);
      expect([
        v.anyWhere('wx', 0, S3),
        v.anyWhere('wx', 0, S2),
        where(v, 'wx', 0, FRAMES),
        v.wxFrames,
      ]).toEqual([true, false, [S2 + 3], 1]);
      v[kind](S2, S2, W, 1, -1);
      expect([v.anyWhere('wx', 0, S3), where(v, 'wx', 0, FRAMES), v.wxFrames]).toEqual([false, [], 0]);
    }
  });

  it('a stale block is counted per chunk as a valid one is; an unaligned stale run per frame', () => {
    const { v } = view();
    v.stale(S2, S2, X, 1, 1);
    expect([v.staleRefs(S2), v.staleRefs(2 * S2 - 1), v.staleX(S2 + 100), v.staleRefs(2 * S2)]).toEqual([
      1, 1, 1, 0,
    ]);
    expect([v.blocksOnly(S2, 2 * S2), v.anyWhere('exec', S2, 2 * S2), v.anyWhere('exec', 0, S2)]).toEqual([
      true,
      true,
      false,
    ]);
    v.stale(3 * S2 + 1, S2, W, 1, 1);
    expect([
      v.staleRefs(3 * S2),
      v.staleRefs(3 * S2 + 1),
      v.staleRefs(4 * S2),
      v.staleRefs(4 * S2 + 1),
    ]).toEqual([0, 1, 1, 0]);
    expect([v.blocksOnly(3 * S2, 4 * S2), v.blocksOnly(4 * S2, 5 * S2)]).toEqual([false, false]);
  });

  it('a block counts after-free only the frames it covers that were freed after it was stored', () => {
    const { v, freedAt } = view();
    // Frame 3·S2+4 (outside the block below) freed at 6, frame 10 (inside it) at 7.
    for (const [f, t] of [
      [3 * S2 + 4, 6],
      [10, 7],
    ] as const) {
      freedAt[f] = t;
      v.onFreed(f);
      v.onFree(f);
    }
    v.valid(0, S2, W, 4, 1); // stored at 4, before both frees
    expect([v.validAfterFree(10), v.validAfterFree(3 * S2 + 4), v.afterFreeFrames]).toEqual([1, 0, 1]);
    expect(where(v, 'after-free', 0, FRAMES)).toEqual([10]);
    v.valid(0, S2, W, 4, -1);
    expect([v.validAfterFree(10), v.validAfterFree(3 * S2 + 4), v.afterFreeFrames]).toEqual([0, 0, 0]);
  });

  it('freeing a frame nothing reaches changes no count; a walk entry older than two frees counts once', () => {
    const { v, freedAt } = view();
    freedAt[77] = 3;
    v.onFreed(77);
    v.onFree(77);
    expect([v.afterFreeFrames, v.anyWhere('after-free', 0, FRAMES)]).toEqual([0, false]);
    v.walk(42, 3, 1);
    freedAt[42] = 5;
    v.onFreed(42);
    v.onFree(42);
    freedAt[42] = 8; // handed out again and freed again, the walk entry still cached
    v.onFreed(42);
    v.onFree(42);
    expect([v.walkRefs(42), v.walkAfterFree(42), v.walkAfterFreeTotal]).toEqual([1, 1, 1]);
  });
});

describe('reverse view: at most 65535 of each count per frame (16-bit counts)', () => {
  const LIMIT = 0xffff;
  it('the 65536th translation, stale record, block or walk entry is refused; the 65535th can go again', () => {
    const { v } = view();
    for (let i = 0; i < LIMIT; i++) {
      v.valid(3, 1, W, 1, 1);
      v.stale(4, 1, W, 1, 1);
      v.valid(S2, S2, W, 1, 1);
      v.walk(5, 1, 1);
    }
    expect(() => v.valid(3, 1, W, 2, 1)).toThrow('frame 3: more than 65535 translations');
    expect(() => v.stale(4, 1, W, 2, 1)).toThrow('frame 4: more than 65535 stale translations');
    expect(() => v.valid(S2, S2, W, 2, 1)).toThrow(`frame ${S2}: more than 65535 translations`);
    expect(() => v.stale(S2, S2, W, 2, 1)).not.toThrow();
    expect(() => v.walk(5, 2, 1)).toThrow('frame 5: more than 65535 stale walk entries');
    v.valid(3, 1, W, 1, -1);
    v.stale(4, 1, W, 1, -1);
    v.valid(S2, S2, W, 1, -1);
    v.walk(5, 1, -1);
    expect([v.validRefs(3), v.staleRefs(4), v.validRefs(S2 + 1), v.walkRefs(5)]).toEqual([
      LIMIT - 1,
      LIMIT - 1,
      LIMIT - 1,
      LIMIT - 1,
    ]);
  });
});

describe('reverse view: the last chunks of memory', () => {
  // The per-chunk counts cover every chunk up to the machine's last frame, whether or not the frame count
  // fills its last 2 MiB chunk: a frame there is found as any other (a count array one chunk short would
  // drop its writes silently, as a typed array does past its end).
  for (const frames of [FRAMES, FRAMES - 100]) {
    it(`a leaf on the last frame of ${frames} frames is found, and gone once removed`, () => {
      const v = new ReverseView(frames, new Uint32Array(frames));
      const last = frames - 1;
      const chunk = last - (last % S2);
      v.valid(last, 1, W | X, 1, 1);
      expect(where(v, 'exec', chunk, frames)).toEqual([last]);
      expect(where(v, 'exec', 0, frames)).toEqual([last]);
      // (a range past the end of memory is never judged whole: only a full last chunk is asked)
      if (frames % S2 === 0) expect(v.blocksOnly(chunk, frames)).toBe(false);
      v.valid(last, 1, W | X, 1, -1);
      expect(where(v, 'exec', 0, frames)).toEqual([]);
      if (frames % S2 === 0) expect(v.blocksOnly(chunk, frames)).toBe(true);
    });
  }

  it('a 2 MiB block on the last chunk is counted with the chunk, and found frame by frame', () => {
    const v = new ReverseView(FRAMES, new Uint32Array(FRAMES));
    const chunk = FRAMES - S2;
    v.valid(chunk, S2, W | X, 1, 1);
    expect(where(v, 'exec', FRAMES - 2, FRAMES)).toEqual([FRAMES - 2, FRAMES - 1]);
    expect(where(v, 'wx', 0, FRAMES)).toHaveLength(S2);
    expect(v.blocksOnly(chunk, FRAMES)).toBe(true);
    v.valid(chunk, S2, W | X, 1, -1);
    expect(where(v, 'exec', 0, FRAMES)).toEqual([]);
  });
});
