// The lines around a table — legend, key, first divergence, notes — wrapped to the report's width at
// word boundaries, continuation lines indented, so no line of a report is wider than its tables.
import type { Comparison } from '../compare/types.js';
import { divergenceLine, keyItems, keyLine, type Glyphs, type RowFilter } from './cells.js';
import { wrapLine } from './grid.js';

export function wrapAll(
  lines: readonly string[],
  columns: number,
  indent = '  ',
  keepTogether: readonly string[] = [],
): string[] {
  return lines.flatMap((l) => wrapLine(l, columns, indent, keepTogether));
}

/** Key, what was left out, first divergence and notes, in that order, one line each before wrapping. */
export function footerLines(c: Comparison, g: Glyphs, only: RowFilter = 'all'): string[] {
  const lines = [keyLine(g)];
  if (only === 'diverging')
    lines.push('only the rows where the selections differ are shown (--only diverging)');
  const d = divergenceLine(c);
  if (d !== '') lines.push(d);
  for (const note of c.notes) lines.push(`note: ${note}`);
  return lines;
}

/** The footer lines, each wrapped (a key item never split). */
export function footer(c: Comparison, g: Glyphs, columns: number, only: RowFilter = 'all'): string[] {
  return wrapAll(footerLines(c, g, only), columns, '  ', keyItems(g));
}
