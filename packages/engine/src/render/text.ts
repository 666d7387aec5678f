// Plain text for mailing lists: ASCII only, no box drawing, nothing a mail client could mangle, laid out
// for 100 columns (layout.ts): the full grid when it fits, else selections as rows.
import type { Comparison } from '../compare/types.js';
import { ASCII } from './cells.js';
import { drawBlocks } from './grid.js';
import { layOut, layoutColumns } from './layout.js';
import { footer, wrapAll } from './prose.js';
import type { Renderer, RenderOptions } from './types.js';

export const textRenderer: Renderer = {
  format: 'text',
  description: 'plain ASCII text for mailing lists, 100 columns',
  extension: 'txt',
  render(c: Comparison, options: RenderOptions = {}): string {
    const columns = layoutColumns(options.columns);
    const layout = layOut(c, { glyphs: ASCII, frame: 'plain', columns, only: options.only });
    const out: string[] = [
      `scenario: ${c.scenario}`,
      ...wrapAll(
        layout.legend.map((l) => `  ${l}`),
        columns,
        '    ',
      ),
    ];
    for (const t of layout.tables) out.push('', ...drawBlocks(t.blocks, t.widths, 'plain'));
    out.push('', ...footer(c, ASCII, columns, options.only));
    return out.join('\n') + '\n';
  },
};
