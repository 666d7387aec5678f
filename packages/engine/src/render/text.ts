// Plain text for mailing lists: ASCII only, fixed-width columns, no box drawing, nothing a mail client
// could mangle.
import type { Comparison } from '../compare/types.js';
import { ASCII, columnHeads, divergenceLine, keyLine, pad, sections, width } from './cells.js';
import type { Renderer } from './types.js';

export const textRenderer: Renderer = {
  format: 'text',
  description: 'plain ASCII text, for mailing lists',
  extension: 'txt',
  render(c: Comparison): string {
    const { heads, legend } = columnHeads(c, 24);
    const secs = sections(c, heads, ASCII);
    const n = 4 + c.columns.length;
    const widths = new Array<number>(n).fill(0);
    for (const s of secs)
      for (const r of s.header === null ? s.rows : [s.header, ...s.rows])
        r.forEach((x, i) => (widths[i] = Math.max(widths[i], width(x))));
    const line = (cells: readonly string[]): string =>
      cells
        .map((x, i) => pad(x, widths[i]))
        .join('  ')
        .trimEnd();
    const out: string[] = [`scenario: ${c.scenario}`];
    for (const l of legend) out.push(`  ${l}`);
    for (const s of secs) {
      out.push('');
      if (s.header !== null) {
        out.push(line(s.header));
        out.push(line(widths.map((w) => '-'.repeat(w))));
      }
      for (const r of s.rows) out.push(line(r));
    }
    out.push('', keyLine(ASCII));
    const d = divergenceLine(c);
    if (d !== '') out.push(d);
    for (const note of c.notes) out.push(`note: ${note}`);
    return out.join('\n') + '\n';
  },
};
