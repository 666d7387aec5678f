// Markdown for pull requests and reviews: GitHub tables, selections as code spans, the first divergence
// in bold. Laid out for 100 columns (layout.ts): Markdown cells cannot wrap, so the full grid is kept
// only when its lines fit; otherwise selections are rows, grouped by what they did.
import type { Comparison } from '../compare/types.js';
import { keyItems, UNICODE } from './cells.js';
import { displayWidth, type Block } from './grid.js';
import { layOut, layoutColumns } from './layout.js';
import { footerLines, wrapAll } from './prose.js';
import type { Renderer, RenderOptions } from './types.js';

function escape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

function table(b: Block & { header: readonly string[] }): string[] {
  const n = b.header.length;
  const rows = b.rows;
  // a label column that no row fills (the step costs' `expect` slot) is left out
  const keep = b.header.map((_, i) => i).filter((i) => i >= n - 2 || rows.some((r) => r[i] !== ''));
  const header = keep.map((i) => b.header[i]);
  const out = [
    `| ${header.map(escape).join(' | ')} |`,
    `|${header.map((h) => (h === 'step' || h === 'cpu' ? '---:' : '---')).join('|')}|`,
  ];
  for (const r of rows) {
    const cells = keep.map((i) => escape(r[i]));
    if (r[0].startsWith(UNICODE.diverge)) cells[0] = `**${cells[0]}**`;
    out.push(`| ${cells.join(' | ')} |`);
  }
  return out;
}

/** The widest line of the grid's tables as drawn here (the verdicts are bullets, not table rows). */
function gridWidth(blocks: readonly Block[]): number {
  let w = 0;
  for (const b of blocks) {
    if (b.header === undefined) continue;
    for (const l of table({ ...b, header: b.header })) w = Math.max(w, displayWidth(l));
  }
  return w;
}

/** A one-row section (the verdicts) reads best as a line per selection, or per group of selections. */
function bullets(b: Block, heads: readonly string[], grouped: boolean): string[] {
  const out: string[] = [];
  for (const r of b.rows) {
    if (grouped) out.push(`- verdict ${r[1]}: **${escape(r[2])}**`);
    else r.slice(4).forEach((v, i) => out.push(`- ${r[2]} ${heads[i]}: **${escape(v)}**`));
  }
  return out;
}

export const markdownRenderer: Renderer = {
  format: 'markdown',
  description: 'Markdown tables for pull requests, 100 columns',
  extension: 'md',
  render(c: Comparison, options: RenderOptions = {}): string {
    const columns = layoutColumns(options.columns);
    const layout = layOut(c, {
      glyphs: UNICODE,
      frame: 'box',
      columns,
      only: options.only,
      wraps: false,
      gridWidth,
      headOf: (n) => `\`${n}\``,
    });
    const out: string[] = [`### \`${c.scenario}\``, ''];
    if (layout.legend.length > 0) {
      for (const l of layout.legend) out.push(`- ${l.replace(/= (.*)$/, '= `$1`')}`);
      out.push('');
    }
    for (const t of layout.tables) {
      for (const b of t.blocks) {
        out.push(
          ...(b.header === undefined
            ? wrapAll(bullets(b, layout.heads, layout.kind === 'rows'), columns)
            : table({ ...b, header: b.header })),
          '',
        );
      }
    }
    // a paragraph each (notes quoted): consecutive Markdown lines would run into one paragraph
    for (const l of footerLines(c, UNICODE, options.only)) {
      const note = l.startsWith('note: ');
      const lines = wrapAll([note ? escape(l) : l], note ? columns - 2 : columns, '  ', keyItems(UNICODE));
      out.push(...lines.map((x) => (note ? `> ${x}` : x)), '');
    }
    return out.join('\n');
  },
};
