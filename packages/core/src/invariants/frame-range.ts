// Judging a range of frames (a store, an invalidation, a link): a 4 KiB leaf's one frame is judged as is;
// a block's 512 or 262144 frames are judged only where the judgement can do something — frames the MMU's
// reverse view or the frame book single out per chunk, plus frames whose violation is still raised and
// must be settled. Every other frame's judgement would settle a key that is not raised: nothing. So the
// verdicts, and their order (ascending frame), are those of judging every frame, at the cost of the
// answer instead of the size of the block.
import type { InvariantId } from '../policy/invariant-ids.js';
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
}

/** Call `judge` for the frames of [first, first+count) that `sel` selects, in ascending order. */
export function judgeRange(
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

/** The selected frames, ascending and distinct; null when the view or book cannot select. */
function selected(ctx: InvariantContext, first: number, end: number, sel: RangeSelection): number[] | null {
  const out: number[] = [];
  const push = (f: number): void => void out.push(f);
  let sources = 0;
  for (const kind of sel.reach ?? []) {
    if (ctx.m.reverse.framesWhere === undefined) return null;
    ctx.m.reverse.framesWhere(kind, first, end, push);
    sources++;
  }
  for (const mark of sel.marks ?? []) {
    if (ctx.marked === undefined) return null;
    ctx.marked(mark, first, end, push);
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
