// The frame book's chunk marks (frame-table.ts): `framesMarked(mark, first, end)` visits, in ascending
// order, exactly the frames of [first, end) that carry the mark — state Unmapped or UnmappedPool,
// FRAME_REVOKED, FRAME_MERMAP — however often the marks were set, cleared, set twice or moved between the
// two unmapped states, across 2 MiB and 1 GiB chunk boundaries. Checked against a scan of the book.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FRAME_MERMAP, FRAME_REVOKED, FrameState, FrameTable, type FrameMark } from '../src/index.js';

const FRAMES = 262144 + 1024; // one whole 1 GiB chunk and two 2 MiB chunks past it
/** Frames at and around chunk edges, where a miscounted chunk shows. */
const PICKS = [0, 1, 511, 512, 513, 1023, 1024, 262143, 262144, 262655, 262656, FRAMES - 1];
const STATES = [
  FrameState.Free,
  FrameState.Allocated,
  FrameState.Unmapped,
  FrameState.UnmappedPool,
  FrameState.PageTable,
];

function carries(book: FrameTable, mark: FrameMark, f: number): boolean {
  if (mark === 'unmapped') {
    const s = book.state(f);
    return s === FrameState.Unmapped || s === FrameState.UnmappedPool;
  }
  return (book.flags(f) & (mark === 'revoked' ? FRAME_REVOKED : FRAME_MERMAP)) !== 0;
}

function visited(book: FrameTable, mark: FrameMark, first: number, end: number): number[] {
  const out: number[] = [];
  book.framesMarked(mark, first, end, (f) => void out.push(f));
  return out;
}

const op = fc.oneof(
  fc.record({
    kind: fc.constant('state' as const),
    at: fc.constantFrom(...PICKS),
    to: fc.constantFrom(...STATES),
  }),
  fc.record({
    kind: fc.constant('flag' as const),
    at: fc.constantFrom(...PICKS),
    flag: fc.constantFrom(FRAME_REVOKED, FRAME_MERMAP),
    on: fc.boolean(),
  }),
);

describe('frame book chunk marks', () => {
  it('visit exactly the marked frames of a range, ascending, after any sequence of changes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const book = new FrameTable(FRAMES);
        for (const o of ops) {
          if (o.kind === 'state') book.setState(o.at, o.to);
          else book.setFlag(o.at, o.flag, o.on);
        }
        for (const mark of ['unmapped', 'revoked', 'mermap'] as const) {
          const want = PICKS.filter((f) => carries(book, mark, f));
          expect(visited(book, mark, 0, FRAMES)).toEqual(want);
          // Ranges cut inside chunks and at their edges.
          for (const [a, b] of [
            [1, 512],
            [512, 262144],
            [513, 262656],
            [262144, FRAMES],
          ]) {
            expect(visited(book, mark, a, b)).toEqual(want.filter((f) => f >= a && f < b));
          }
        }
      }),
      { numRuns: 60, seed: 13 },
    );
  });

  it('a flag set twice is one mark; cleared once, it is gone', () => {
    const book = new FrameTable(FRAMES);
    book.setFlag(262144, FRAME_REVOKED, true);
    book.setFlag(262144, FRAME_REVOKED, true);
    book.setFlag(262144, FRAME_MERMAP, true);
    book.setFlag(262144, FRAME_REVOKED, false);
    expect(visited(book, 'revoked', 0, FRAMES)).toEqual([]);
    expect(visited(book, 'mermap', 0, FRAMES)).toEqual([262144]);
    expect(book.flags(262144)).toBe(FRAME_MERMAP);
  });

  it('Unmapped → UnmappedPool → Unmapped keeps one mark; leaving both drops it', () => {
    const book = new FrameTable(FRAMES);
    book.setState(700, FrameState.Unmapped);
    book.setState(700, FrameState.UnmappedPool);
    book.setState(700, FrameState.Unmapped);
    expect(visited(book, 'unmapped', 512, 1024)).toEqual([700]);
    book.setState(700, FrameState.Allocated);
    expect(visited(book, 'unmapped', 0, FRAMES)).toEqual([]);
  });

  it('markRevoked marks every frame and tells the listener once, with the list', () => {
    const book = new FrameTable(2048);
    const heard: number[][] = [];
    book.listener = { stateChanged: () => undefined, revoked: (pfns) => void heard.push([...pfns]) };
    book.markRevoked([3, 1500]);
    expect(heard).toEqual([[3, 1500]]);
    expect(visited(book, 'revoked', 0, 2048)).toEqual([3, 1500]);
    expect(book.flags(3) & FRAME_REVOKED).toBe(FRAME_REVOKED);
  });
});
