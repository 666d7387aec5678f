// fitting-table.ts draws, without cli-table3, the tables whose cells all fit their columns: it must give
// exactly cli-table3's lines (grid.ts drawWithTable) for every such table — box and plain frames, one or
// several blocks, with and without a header, empty blocks, empty cells, cells as wide as their column,
// spaces anywhere — and step aside (undefined) for any other table. Columns 0 wide are generated too: a
// table with one must step aside (or draw what cli-table3 draws).
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drawFitting } from '../src/render/fitting-table.js';
import { displayWidth, drawWithTable, type Block, type Frame } from '../src/render/grid.js';

const stringWidth = createRequire(import.meta.url)('string-width') as (s: string) => number;

const ASCII = ' abcxyz-019:/.,()[]{}=+*#~'.split('');

/** A printable-ASCII cell at most `width` long (spaces leading, trailing, doubled, or the whole cell). */
const cell = (width: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...ASCII), { maxLength: width }).map((cs) => cs.join(''));

const row = (widths: readonly number[]): fc.Arbitrary<string[]> => fc.tuple(...widths.map(cell));

const table = fc
  .record({
    frame: fc.constantFrom<Frame>('box', 'plain'),
    widths: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 5 }),
  })
  .chain(({ frame, widths }) =>
    fc.record({
      frame: fc.constant(frame),
      widths: fc.constant(widths),
      blocks: fc.array(
        fc.record(
          { header: row(widths), rows: fc.array(row(widths), { maxLength: 4 }) },
          { requiredKeys: ['rows'] },
        ),
        { minLength: 1, maxLength: 4 },
      ),
    }),
  );

describe('drawFitting', () => {
  it('draws what cli-table3 draws for every table whose cells fit', () => {
    fc.assert(
      fc.property(table, ({ frame, widths, blocks }) => {
        const fitting = drawFitting(blocks, widths, frame);
        if (fitting !== undefined) expect(fitting).toEqual(drawWithTable(blocks, widths, frame));
        else expect(widths).toContain(0);
      }),
      { numRuns: 2000, seed: 14 },
    );
  });

  it('steps aside for a cell wider than its column, one not printable ASCII, or a short row', () => {
    const widths = [4, 6];
    const draw = (rows: string[][]): string[] | undefined =>
      drawFitting([{ header: ['step', 'op'], rows } satisfies Block], widths, 'box');
    expect(draw([['0', 'kalloc']])).toBeDefined();
    expect(draw([['0', 'kprotect']])).toBeUndefined();
    expect(draw([['0', '✗ ok']])).toBeUndefined();
    expect(draw([['0', 'a\tb']])).toBeUndefined();
    expect(draw([['0']])).toBeUndefined();
    expect(drawFitting([{ rows: [['', 'x']] }], [0, 1], 'plain')).toBeUndefined();
  });

  // grid.ts measures printable ASCII by its length, without string-width: the same widths
  it('measures printable ASCII as string-width does', () => {
    const all = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...all)), (cs) => {
        expect(displayWidth(cs.join(''))).toBe(stringWidth(cs.join('')));
      }),
      { numRuns: 500, seed: 14 },
    );
    expect(displayWidth('✗ 漢字')).toBe(stringWidth('✗ 漢字'));
  });
});
