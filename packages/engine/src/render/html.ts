// A self-contained HTML report (DESIGN §5): the comparison tables plus bar charts of counters, latency and work
// as inline SVG. No script, no external resource, no timestamp: the file opens anywhere, offline, and the
// same comparison gives the same bytes.
import type { Comparison, NumberRow } from '../compare/types.js';
import {
  divergenceLine,
  invariantCellText,
  keyLine,
  stepCellText,
  stepCostRows,
  stepCostText,
  UNICODE,
} from './cells.js';
import type { Renderer } from './types.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];
const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.diverge td{background:#fff6d5}td.fail{color:#b00020;font-weight:600}td.finding{color:#b00020}
code{font-family:ui-monospace,monospace}.chart text{font:12px system-ui,sans-serif}`;

/** One horizontal bar per selection for each row, scaled to the row's largest value. */
function chart(title: string, rows: readonly NumberRow[], columns: number): string {
  const bar = 14;
  const label = 150;
  const width = 360;
  const group = columns * (bar + 2) + 10;
  const height = rows.length * group + 10;
  const parts: string[] = [
    `<svg class="chart" role="img" aria-label="${esc(title)}" width="${label + width + 80}" height="${height}">`,
  ];
  rows.forEach((r, i) => {
    const top = 5 + i * group;
    const max = Math.max(1, ...r.values);
    parts.push(`<text x="0" y="${top + bar}">${esc(r.name)}</text>`);
    r.values.forEach((v, k) => {
      const y = top + k * (bar + 2);
      const w = Math.round((v / max) * width);
      parts.push(
        `<rect x="${label}" y="${y}" width="${w}" height="${bar}" fill="${PALETTE[k % PALETTE.length]!}"/>`,
      );
      parts.push(`<text x="${label + w + 4}" y="${y + bar - 3}">${v}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

export const htmlRenderer: Renderer = {
  format: 'html',
  description: 'a self-contained HTML report with charts',
  extension: 'html',
  render(c: Comparison): string {
    const heads = c.columns.map((x) => `<th><code>${esc(x.selection)}</code></th>`).join('');
    const out: string[] = [
      '<!DOCTYPE html>',
      '<html lang="en">',
      '<head>',
      '<meta charset="utf-8">',
      `<title>${esc(c.scenario)} — shootdown</title>`,
      `<style>${CSS}</style>`,
      '</head>',
      '<body>',
      `<h1><code>${esc(c.scenario)}</code></h1>`,
      '<ul class="legend">',
      ...c.columns.map(
        (x, k) =>
          `<li><span style="color:${PALETTE[k % PALETTE.length]!}">■</span> <code>${esc(x.selection)}</code> (${x.tlb}): <strong>${esc(c.summaries[k]!.verdict)}</strong></li>`,
      ),
      '</ul>',
      '<h2>Steps</h2>',
      `<table><thead><tr><th>step</th><th>cpu</th><th>op</th><th>expect</th>${heads}</tr></thead><tbody>`,
    ];
    for (const r of c.steps) {
      const first = r.path === c.firstDivergence;
      const cells = r.cells
        .map((x) => {
          const cls = x.held === false ? ' class="fail"' : x.findings.length > 0 ? ' class="finding"' : '';
          return `<td${cls}>${esc(stepCellText(x, UNICODE))}</td>`;
        })
        .join('');
      const label = first ? `${UNICODE.diverge} ${r.path}` : r.path;
      out.push(
        `<tr${r.diverges ? ' class="diverge"' : ''}><td>${esc(label)}</td><td class="num">${r.cpu}</td><td>${esc(r.label)}</td><td>${esc(r.expected ?? '')}</td>${cells}</tr>`,
      );
    }
    out.push('</tbody></table>');
    out.push(`<p>${esc(keyLine(UNICODE))}</p>`);
    const d = divergenceLine(c);
    if (d !== '') out.push(`<p><strong>${esc(d)}</strong></p>`);
    const costly = stepCostRows(c);
    if (costly.length > 0) {
      out.push(
        '<h2>Step costs</h2>',
        '<p>latency (what the initiating CPU waited) / work (summed over all CPUs), in INVLPG units</p>',
        `<table><thead><tr><th>step</th><th>cpu</th><th>op</th>${heads}</tr></thead><tbody>`,
      );
      for (const r of costly) {
        const cells = r.cells.map((x) => `<td class="num">${esc(stepCostText(x))}</td>`).join('');
        out.push(
          `<tr><td>${esc(r.path)}</td><td class="num">${r.cpu}</td><td>${esc(r.label)}</td>${cells}</tr>`,
        );
      }
      out.push('</tbody></table>');
    }
    const numbers = [...c.counters, c.latency, c.cycles, c.expectations];
    out.push('<h2>Costs</h2>', `<table><thead><tr><th>counter</th>${heads}</tr></thead><tbody>`);
    for (const r of numbers) {
      out.push(
        `<tr><td>${esc(r.name)}</td>${r.values.map((v) => `<td class="num">${v}</td>`).join('')}</tr>`,
      );
    }
    out.push('</tbody></table>');
    if (c.counters.length > 0) out.push(chart('counters', c.counters, c.columns.length));
    out.push(chart('latency and work', [c.latency, c.cycles], c.columns.length));
    if (c.invariants.length > 0) {
      out.push('<h2>Invariants</h2>', `<table><thead><tr><th>invariant</th>${heads}</tr></thead><tbody>`);
      for (const r of c.invariants) {
        const cells = r.cells
          .map(
            (x) =>
              `<td${x.claimed === true ? ' class="finding"' : ''}>${esc(invariantCellText(x, UNICODE))}</td>`,
          )
          .join('');
        out.push(`<tr><td>${esc(r.invariant)}</td>${cells}</tr>`);
      }
      out.push('</tbody></table>');
    }
    if (c.notes.length > 0) {
      out.push('<h2>Notes</h2>', '<ul>', ...c.notes.map((n) => `<li>${esc(n)}</li>`), '</ul>');
    }
    out.push('</body>', '</html>');
    return out.join('\n') + '\n';
  },
};
