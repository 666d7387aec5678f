// The terminal table: box drawing, one block per section; colour codes only when asked.
import type { Comparison } from '../compare/types.js';
import { columnHeads, divergenceLine, keyLine, pad, sections, UNICODE, width } from './cells.js';
import type { Renderer, RenderOptions } from './types.js';

const RED = '\u001b[31m';
const YELLOW = '\u001b[33m';
const RESET = '\u001b[0m';

function paint(text: string, raw: string, color: boolean): string {
  if (!color) return text;
  // failed expectations, findings (`!id`, `n findings`) and violating verdicts in red
  if (
    raw.includes(UNICODE.failed) ||
    / !/.test(raw) ||
    raw.includes('finding') ||
    raw.startsWith('violates')
  ) {
    return RED + text + RESET;
  }
  if (raw.startsWith(UNICODE.diverge)) return YELLOW + text + RESET;
  return text;
}

export const tableRenderer: Renderer = {
  format: 'table',
  description: 'terminal table with box drawing (colour with --color)',
  extension: 'txt',
  render(c: Comparison, options: RenderOptions = {}): string {
    const color = options.color === true;
    const { heads, legend } = columnHeads(c, 28);
    const secs = sections(c, heads, UNICODE);
    const n = 4 + c.columns.length;
    const widths = new Array<number>(n).fill(0);
    for (const s of secs)
      for (const r of s.header === null ? s.rows : [s.header, ...s.rows])
        r.forEach((x, i) => (widths[i] = Math.max(widths[i], width(x))));
    const rule = (l: string, m: string, r: string): string =>
      l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r;
    const line = (cells: readonly string[]): string =>
      '│' + cells.map((x, i) => ' ' + paint(pad(x, widths[i]), x, color) + ' ').join('│') + '│';
    const out: string[] = [`${c.scenario}`];
    for (const l of legend) out.push(`  ${l}`);
    out.push(rule('┌', '┬', '┐'));
    secs.forEach((s, k) => {
      if (k > 0) out.push(rule('├', '┼', '┤'));
      if (s.header !== null) {
        out.push(line(s.header));
        out.push(rule('├', '┼', '┤'));
      }
      for (const r of s.rows) out.push(line(r));
    });
    out.push(rule('└', '┴', '┘'));
    out.push(keyLine(UNICODE));
    const d = divergenceLine(c);
    if (d !== '') out.push(d);
    for (const note of c.notes) out.push(`note: ${note}`);
    return out.join('\n') + '\n';
  },
};
