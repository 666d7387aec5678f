// Markdown for pull requests and reviews: GitHub tables, selections as code spans, the first divergence
// in bold.
import type { Comparison } from '../compare/types.js';
import { divergenceLine, keyLine, sections, UNICODE } from './cells.js';
import type { Renderer } from './types.js';

function escape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

export const markdownRenderer: Renderer = {
  format: 'markdown',
  description: 'Markdown tables, for pull requests',
  extension: 'md',
  render(c: Comparison): string {
    const heads = c.columns.map((x) => `\`${x.selection}\``);
    const secs = sections(c, heads, UNICODE);
    const out: string[] = [`### \`${c.scenario}\``, ''];
    for (const s of secs) {
      if (s.header === null) {
        // a one-row section (the verdicts) reads best as a line per selection
        for (const r of s.rows) {
          r.slice(4).forEach((v, i) => out.push(`- ${r[2]} ${heads[i]}: **${escape(v)}**`));
        }
        out.push('');
        continue;
      }
      // the steps table has all four label columns; the others keep only their name column
      const keep = s.title === 'steps' ? [0, 1, 2, 3] : [2];
      const pick = (r: readonly string[]): string[] => [...keep.map((i) => r[i]), ...r.slice(4)];
      const header = pick(s.header);
      out.push(`| ${header.map(escape).join(' | ')} |`);
      out.push(`|${header.map((_, i) => (s.title === 'steps' && i < 2 ? '---:' : '---')).join('|')}|`);
      for (const r of s.rows) {
        const cells = pick(r).map(escape);
        if (s.title === 'steps' && r[0].startsWith(UNICODE.diverge)) cells[0] = `**${cells[0]}**`;
        out.push(`| ${cells.join(' | ')} |`);
      }
      out.push('');
    }
    out.push(keyLine(UNICODE), '');
    const d = divergenceLine(c);
    if (d !== '') out.push(d, '');
    for (const note of c.notes) out.push(`> note: ${escape(note)}`);
    if (c.notes.length > 0) out.push('');
    return out.join('\n');
  },
};
