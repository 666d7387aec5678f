// Judging a range of frames (a store, an invalidation, a link): a 4 KiB leaf's one frame is judged as is;
// a block's 512 or 262144 frames are judged only where the judgement can do something — frames the MMU's
// reverse view or the frame book single out per chunk, plus frames whose violation is still raised and
// must be settled. Every other frame's judgement would settle a key that is not raised: nothing. So the
// verdicts, and their order (ascending frame), are those of judging every frame, at the cost of the
// answer instead of the size of the block.
import type { InvariantId } from '../policy/invariant-ids.js';
import { NONE } from './bits.js';
import type { FrameMark } from './frame-table.js';
import type { InvariantContext } from './invariant.js';

/** Ranges shorter than this are judged frame by frame: selecting costs more than it saves. */
const SELECT_FROM = 64;

/** Which frames of a range can change a verdict of one invariant. */
export interface RangeSelection {
  /** Frames the reverse view singles out (`ReverseCounts.framesWhere`). */
  readonly reach?: readonly ('exec' | 'wx' | 'after-free')[];
  /** Frames the frame book marks. */
  readonly marks?: readonly FrameMark[];
  /** Frames whose violation of this invariant is raised (a judgement may settle them). */
  readonly active?: InvariantId;
  /**
   * A condition the raise also needs, as a union of per-chunk sources: `reach` and `marks` frames are
   * selected only in 2 MiB chunks where one of these may hold a frame (stale-exec-alias: an executable
   * frame matters only if it is free or reached after its free). Frames of an executable block whose
   * chunk is wholly in use are then skipped at the cost of one chunk test, not one judgement per frame.
   */
  /**
   * The invariant judges a frame from the translations that reach it alone (wx-alias): in an aligned
   * chunk that only blocks covering all of it reach, every frame is judged alike, so its first frame is
   * judged for all — and the others only if that one raised (each breach is still reported per frame)
   * or were raised before. Needs `active`.
   */
  readonly byBlock?: boolean;
  readonly within?: {
    readonly free?: boolean;
    readonly reach?: readonly 'after-free'[];
    readonly marks?: readonly FrameMark[];
  };
}

/** Frames per 2 MiB and per 1 GiB chunk: the granularity of `within`. */
const CHUNK = 512;
const CHUNK3 = 262144;

/** Call `judge` for the frames of [first, first+count) that `sel` selects, in ascending order. */
export function judgeRange(
  ctx: InvariantContext,
  first: number,
  count: number,
  sel: RangeSelection,
  judge: (ctx: InvariantContext, f: number) => void,
): void {
  // A short range (most events: one frame) is judged frame by frame without reading `sel`: each
  // invariant's selection has a shape of its own, and reading them at this one site cost more than the
  // judgements of a quiet frame.
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent — a fast path: below SELECT_FROM judgeSelected judges every frame too
  if (count < SELECT_FROM) {
    for (let f = first; f < first + count; f++) judge(ctx, f);
    return;
  }
  // Bound only for a range judged by block.
  if (sel.byBlock === true && sel.active !== undefined) {
    const blocksOnly = ctx.m.reverse.blocksOnly?.bind(ctx.m.reverse);
    if (blocksOnly !== undefined) {
      judgeByBlock(ctx, first, first + count, sel, sel.active, blocksOnly, judge);
      return;
    }
  }
  judgeSelected(ctx, first, count, sel, judge);
}

function judgeSelected(
  ctx: InvariantContext,
  first: number,
  count: number,
  sel: RangeSelection,
  judge: (ctx: InvariantContext, f: number) => void,
): void {
  const frames = count < SELECT_FROM ? null : selected(ctx, first, first + count, sel);
  if (frames === null) for (let f = first; f < first + count; f++) judge(ctx, f);
  else for (const f of frames) judge(ctx, f);
}

/**
 * `byBlock`: aligned 1 GiB, then 2 MiB chunks that only whole-chunk blocks reach are judged through their
 * first frame; the rest of the range as selected. Ascending order is kept.
 */
function judgeByBlock(
  ctx: InvariantContext,
  first: number,
  end: number,
  sel: RangeSelection,
  id: InvariantId,
  blocksOnly: (lo: number, hi: number) => boolean,
  judge: (ctx: InvariantContext, f: number) => void,
): void {
  let pending = first; // start of the range not judged yet
  const flush = (to: number): void => {
    if (to > pending) judgeSelected(ctx, pending, to - pending, sel, judge);
    pending = to;
  };
  const alike = (lo: number, hi: number): void => {
    flush(lo);
    judge(ctx, lo);
    if (ctx.active(id, lo)) for (let f = lo + 1; f < hi; f++) judge(ctx, f);
    else for (const k of [...ctx.activeKeys(id)].sort((a, b) => a - b)) if (k > lo && k < hi) judge(ctx, k);
    pending = hi;
  };
  forPieces(
    first,
    end,
    (lo3, hi3) => {
      if (!blocksOnly(lo3, hi3)) return true;
      alike(lo3, hi3);
      return false;
    },
    (lo, hi) => {
      if (blocksOnly(lo, hi)) alike(lo, hi);
    },
  );
  flush(end);
}

/** The selected frames, ascending and distinct; null when the view or book cannot select. */
function selected(ctx: InvariantContext, first: number, end: number, sel: RangeSelection): number[] | null {
  const out: number[] = [];
  const push = (f: number): void => void out.push(f);
  const reverse = ctx.m.reverse;
  const within = sel.within === undefined ? null : withinTest(ctx, sel.within);
  let sources = 0;
  for (const kind of sel.reach ?? NONE) {
    if (reverse.framesWhere === undefined) return null;
    sources++;
    if (within === null) reverse.framesWhere(kind, first, end, push);
    else if (reverse.anyWhere?.(kind, first, end) === false) continue;
    else for (const [lo, hi] of chunksWhere(first, end, within)) reverse.framesWhere(kind, lo, hi, push);
  }
  for (const mark of sel.marks ?? NONE) {
    if (ctx.marked === undefined) return null;
    if (within === null) ctx.marked(mark, first, end, push);
    else for (const [lo, hi] of chunksWhere(first, end, within)) ctx.marked(mark, lo, hi, push);
    sources++;
  }
  if (sel.active !== undefined) {
    const before = out.length;
    for (const k of ctx.activeKeys(sel.active)) if (k >= first && k < end) out.push(k);
    if (out.length > before) sources++;
  }
  if (sources > 1) {
    out.sort((a, b) => a - b);
    let n = 0;
    for (let i = 0; i < out.length; i++) if (i === 0 || out[i] !== out[i - 1]) out[n++] = out[i];
    out.length = n;
  }
  return out;
}

/** "Might a frame of [lo, hi) meet `within`?", or null when a source cannot answer (then: no filter). */
function withinTest(
  ctx: InvariantContext,
  w: NonNullable<RangeSelection['within']>,
): ((lo: number, hi: number) => boolean) | null {
  const frames = ctx.m.frames;
  const reverse = ctx.m.reverse;
  if (w.free === true && frames.anyFree === undefined) return null;
  if ((w.reach ?? NONE).length > 0 && reverse.anyWhere === undefined) return null;
  if ((w.marks ?? NONE).length > 0 && ctx.anyMarked === undefined) return null;
  // One closure over the sources, asked in the order free, reach, marks (what the union needs).
  return (lo, hi) => {
    if (w.free === true && frames.anyFree!(lo, hi)) return true;
    for (const kind of w.reach ?? NONE) if (reverse.anyWhere!(kind, lo, hi)) return true;
    for (const mark of w.marks ?? NONE) if (ctx.anyMarked!(mark, lo, hi) !== false) return true;
    return false;
  };
}

/**
 * The pieces of [first, end) that `test` keeps, as ascending runs: each 1 GiB piece is tested first and
 * split into 2 MiB pieces only when it passes, so a range in wholly used 1 GiB chunks costs one test per
 * 1 GiB, not 512.
 */
function chunksWhere(
  first: number,
  end: number,
  test: (lo: number, hi: number) => boolean,
): [number, number][] {
  const runs: [number, number][] = [];
  const keep = (lo: number, hi: number): void => {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === lo) last[1] = hi;
    else runs.push([lo, hi]);
  };
  forPieces(first, end, test, (lo, hi) => {
    if (test(lo, hi)) keep(lo, hi);
  });
  return runs;
}

/**
 * Walk [first, end) by 1 GiB-aligned pieces; where `at3` answers true, walk that piece by its 2 MiB-aligned
 * pieces with `at2` (the granularity of the MMU's and the book's chunk counts).
 */
function forPieces(
  first: number,
  end: number,
  at3: (lo: number, hi: number) => boolean,
  at2: (lo: number, hi: number) => void,
): void {
  for (let lo3 = first; lo3 < end;) {
    const hi3 = Math.min(end, (Math.floor(lo3 / CHUNK3) + 1) * CHUNK3);
    if (at3(lo3, hi3))
      for (let lo = lo3; lo < hi3;) {
        const hi = Math.min(hi3, (Math.floor(lo / CHUNK) + 1) * CHUNK);
        at2(lo, hi);
        lo = hi;
      }
    lo3 = hi3;
  }
}
