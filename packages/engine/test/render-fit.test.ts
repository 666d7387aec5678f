// Tables that fit (issue 15 item 1): every line of `table` and `text` within the width laid out for, the
// full grid when it fits, selections as rows when it does not, `--only diverging`, wide characters
// measured as the terminal draws them.
import { describe, expect, it } from 'vitest';
import { compareResults } from '../src/compare/index.js';
import { renderComparison } from '../src/render/index.js';
import { groupLabel, layOut, letter } from '../src/render/layout.js';
import { UNICODE } from '../src/render/cells.js';
import { displayWidth } from '../src/render/grid.js';
import type { RunResult } from '../src/result/index.js';
import { results } from './results-fixture.js';

const comparison = compareResults(results);

function widest(text: string): number {
  return Math.max(...text.split('\n').map(displayWidth));
}

/** Nine selections, as `--vary` gives: the fixture's three columns three times, under distinct names. */
const nine = compareResults(
  [0, 1, 2].flatMap((k) =>
    results.map((r, i): RunResult => ({ ...r, selection: `${r.selection}:copy=${k}${'x'.repeat(i * 7)}` })),
  ),
);

describe('layout for a width', () => {
  it.each([60, 80, 100, 120])('keeps every table and text line within %i columns', (columns) => {
    for (const c of [comparison, nine]) {
      for (const format of ['table', 'text']) {
        expect(widest(renderComparison(c, format, { columns }))).toBeLessThanOrEqual(columns);
      }
    }
  });

  it('lays out for 100 columns when no width is given (the documented default)', () => {
    expect(renderComparison(comparison, 'table')).toBe(
      renderComparison(comparison, 'table', { columns: 100 }),
    );
    expect(widest(renderComparison(nine, 'table'))).toBeLessThanOrEqual(100);
  });

  it('draws the full grid with the selections as named columns when it fits', () => {
    const wide = renderComparison(comparison, 'table', { columns: 200 });
    const head = wide.split('\n').find((l) => l.startsWith('│ step'))!;
    expect(head).toMatch(/│ linux-x86 +│ linux-x86:vfree=module-free-pre52 +│ freebsd-amd64 +│$/);
    expect(layOut(comparison, { glyphs: UNICODE, frame: 'box', columns: 200 }).kind).toBe('grid');
  });

  it('switches to selections as rows, grouped by identical cells, when the grid does not fit', () => {
    const layout = layOut(comparison, { glyphs: UNICODE, frame: 'box', columns: 100 });
    expect(layout.kind).toBe('rows');
    expect(layout.legend).toEqual([
      'A = linux-x86',
      'B = linux-x86:vfree=module-free-pre52',
      'C = freebsd-amd64',
    ]);
    const steps = layout.tables[0]!.blocks[0]!;
    expect(steps.header).toEqual(['step', 'cpu', 'op', 'expect', 'selections', 'outcome']);
    // step 5 (the divergence): A and C fault as expected, B reads through the stale alias
    const i = steps.rows.findIndex((r) => r[0] === '▶ 5');
    expect(steps.rows.slice(i, i + 2).map((r) => r.slice(4))).toEqual([
      ['A C', 'fault:not-present'],
      ['B', 'ok-stale ✗'],
    ]);
    // a step where every selection agrees is one line
    expect(steps.rows.filter((r) => r[0] === '3')).toEqual([['3', '0', 'kfree mod', '', 'all', 'ok']]);
  });

  it('never cuts a line inside a word when wrapping a cell', () => {
    const text = renderComparison(comparison, 'text', { columns: 100 });
    // the finding marks of step 4 wrap after the comma, both ids whole
    expect(text).toMatch(/ok !stale-exec-alias,\n\s+!wx-alias\n/);
  });

  it('names selections by letters, runs of three or more as a range', () => {
    expect(letter(0)).toBe('A');
    expect(letter(26)).toBe('A1');
    expect(groupLabel([0, 3, 4, 5, 6, 7], 9, '–')).toBe('A D–H');
    expect(groupLabel([1, 2], 9, '-')).toBe('B C');
    expect(groupLabel([0, 1, 2], 3, '-')).toBe('all');
    expect(groupLabel([0], 1, '-')).toBe('A');
  });

  it('measures wide characters as two columns', () => {
    const cjk = compareResults([{ ...results[0]!, selection: 'linux-x86', notes: ['説明'.repeat(60)] }]);
    const out = renderComparison(cjk, 'table', { columns: 80 });
    expect(widest(out)).toBeLessThanOrEqual(80);
    expect(out).toContain('説明');
  });
});

describe('--only diverging', () => {
  const only = (format: string): string =>
    renderComparison(comparison, format, { only: 'diverging', columns: 200 });

  it('keeps exactly the rows where the selections differ', () => {
    const lines = only('text').split('\n');
    const stepRows = lines.filter((l) => /^(>\s)?\d+\s/.test(l)).map((l) => l.split(/\s{2,}/)[0]);
    // steps 2 and 3 agree under all three selections (their cost rows too: step 2 costs 40 / 40 everywhere)
    expect(stepRows).toEqual(['0', '1', '4', '> 5', '0', '1', '3', '5']);
    expect(only('text')).not.toMatch(/ ptalloc /); // 1 under every selection
    expect(only('text')).toMatch(/^ +invlpg +48 +16 +20$/m);
    expect(only('text')).toContain('only the rows where the selections differ are shown');
  });

  it('keeps the verdicts even when they agree', () => {
    const same = compareResults([results[0]!, { ...results[0]!, selection: 'linux-x86:copy' }]);
    const out = renderComparison(same, 'markdown', { only: 'diverging' });
    expect(out).toContain('**holds**');
    expect(out).not.toContain('| step |');
  });
});

describe('Markdown and text for a review (100 columns, two to four selections)', () => {
  it.each([2, 3, 4])('fits %i selections into 100 columns', (n) => {
    const cols = compareResults(
      nine.columns.slice(0, n).map((_, i) => ({ ...results[i % 3]!, selection: nine.columns[i]!.selection })),
    );
    for (const format of ['markdown', 'text'])
      expect(widest(renderComparison(cols, format))).toBeLessThanOrEqual(100);
  });

  it('puts each footer item in its own Markdown paragraph', () => {
    const md = renderComparison(comparison, 'markdown');
    expect(md).toMatch(/\n\nfirst divergence: step 5 \(access mod\[0\] exec, line 11\)\n\n> note: /);
  });
});
