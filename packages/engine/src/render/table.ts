// The terminal table: box drawing, laid out for the terminal's width (layout.ts); colour codes only when
// asked.
import type { Comparison } from '../compare/types.js';
import { UNICODE } from './cells.js';
import { drawBlocks } from './grid.js';
import { layOut, layoutColumns } from './layout.js';
import { footer, wrapAll } from './prose.js';
import type { Renderer, RenderOptions } from './types.js';

const RED = '\u001b[31m';
const YELLOW = '\u001b[33m';
const RESET = '\u001b[0m';

/** Failed expectations, findings (`!id`, `n findings`) and violating verdicts in red; the divergence in yellow. */
function paint(line: string): string {
  const cells = line.split('│');
  return cells
    .map((raw) => {
      const t = raw.trim();
      if (
        t.includes(UNICODE.failed) ||
        /(^| )!/.test(t) ||
        t.includes('finding') ||
        t.startsWith('violates')
      ) {
        return RED + raw + RESET;
      }
      if (t.startsWith(UNICODE.diverge)) return YELLOW + raw + RESET;
      return raw;
    })
    .join('│');
}

export const tableRenderer: Renderer = {
  format: 'table',
  description: "terminal table with box drawing, fitted to the terminal's width (colour on a terminal)",
  extension: 'txt',
  render(c: Comparison, options: RenderOptions = {}): string {
    const columns = layoutColumns(options.columns);
    const layout = layOut(c, { glyphs: UNICODE, frame: 'box', columns, only: options.only });
    const out: string[] = [
      c.scenario,
      ...wrapAll(
        layout.legend.map((l) => `  ${l}`),
        columns,
        '    ',
      ),
    ];
    layout.tables.forEach((t, i) => {
      if (i > 0) out.push('');
      const lines = drawBlocks(t.blocks, t.widths, 'box');
      out.push(...(options.color === true ? lines.map(paint) : lines));
    });
    out.push(...footer(c, UNICODE, columns, options.only));
    return out.join('\n') + '\n';
  },
};
