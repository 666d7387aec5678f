// A table whose every cell fits its column, drawn line for line as cli-table3 draws it with the options
// grid.ts gives it (compact, left-aligned, no colour, the box or plain characters), without cli-table3.
// Such a cell is never wrapped or truncated, so the table is its borders and each cell padded with spaces
// to the column's width. Most reports are tables of that kind (a one-scenario `run`'s are), and
// cli-table3's general layout (spans, word wrap, truncation) run cold was ~60 % of drawing one — ~8 ms of
// CPU of the ~0.22 s call (DESIGN §8, the CLI budget). Only cells of printable ASCII count as fitting
// here: for them the display width is the length, as string-width (cli-table3's measure) says; any other
// table goes to cli-table3. test/fitting-table.test.ts compares the two on generated tables.
import type { Block, Frame } from './grid.js';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Printable ASCII only: one column a character, as string-width (cli-table3's measure) counts it. */
export function isPrintableAscii(s: string): boolean {
  return PRINTABLE_ASCII.test(s);
}

function fits(cells: readonly string[], widths: readonly number[]): boolean {
  if (cells.length !== widths.length) return false;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (c.length > widths[i]! || !isPrintableAscii(c)) return false;
  }
  return true;
}

/** A border line of a box: `left`, each column's width plus padding of `fill`, `mid` between, `right`. */
function rule(widths: readonly number[], left: string, fill: string, mid: string, right: string): string {
  return left + widths.map((w) => fill.repeat(w + 2)).join(mid) + right;
}

function boxRow(cells: readonly string[], widths: readonly number[]): string {
  return `│${cells.map((c, i) => ` ${c.padEnd(widths[i]!)} `).join('│')}│`;
}

function plainRow(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
}

/**
 * The lines drawBlocks would draw for these blocks (before its plain frame's trimming), or undefined when
 * a cell does not fit its column, or is not printable ASCII, or a row's cells are not one per column, or a
 * column is 0 wide.
 */
export function drawFitting(
  blocks: readonly Block[],
  widths: readonly number[],
  frame: Frame,
): string[] | undefined {
  // cli-table3 takes a column width of 0 (the plain frame's, for a column of empty cells) as unset
  if (widths.some((w) => w < 1)) return undefined;
  for (const b of blocks) {
    if (b.header !== undefined && !fits(b.header, widths)) return undefined;
    for (const r of b.rows) if (!fits(r, widths)) return undefined;
  }
  const out: string[] = [];
  blocks.forEach((b, k) => {
    if (frame === 'plain' && k > 0) out.push('');
    // cli-table3 draws nothing, not even borders, for a table without a head or rows
    if (b.header === undefined && b.rows.length === 0) {
      out.push('');
      return;
    }
    const row = frame === 'box' ? boxRow : plainRow;
    if (frame === 'box')
      out.push(k > 0 ? rule(widths, '├', '─', '┼', '┤') : rule(widths, '┌', '─', '┬', '┐'));
    if (b.header !== undefined) {
      out.push(row(b.header, widths));
      if (b.rows.length > 0)
        out.push(
          frame === 'box' ? rule(widths, '├', '─', '┼', '┤') : widths.map((w) => '-'.repeat(w)).join('  '),
        );
    }
    for (const r of b.rows) out.push(row(r, widths));
    if (frame === 'box' && k === blocks.length - 1) out.push(rule(widths, '└', '─', '┴', '┘'));
  });
  return out;
}
